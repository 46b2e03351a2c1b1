"""The CPPCC's evaluation (政协评议) page, /office/assessment/evaluations/, and the assessment page read by the
CPPCC staff and government leaders: who may open and post what, the scores checked with their messages, a
saved score in the unit's assessment, the 督办 menu. In the browser: test_assessment_evaluation_browser.py."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from audit.models import AuditEntry
from conftest import World, build_shared
from organisation.models import Role
from reports.actions import set_weights
from reports.assessment import assess
from reports.models import UnitEvaluation
from reports.tests import assessment_scene

from .helpers import frozen_clock, page, section, signed_in

pytestmark = pytest.mark.django_db
URL = "/office/assessment/"
EVALUATIONS = URL + "evaluations/"
YEAR = assessment_scene.YEAR

_today = frozen_clock("2026-07-01 18:00 +0800")


@pytest.fixture(scope="module")
def built(module_world: World | None, django_db_blocker: Any) -> dict[str, Any]:
    return build_shared(module_world, django_db_blocker, assessment_scene.build, at=assessment_scene.NOW)


@pytest.fixture
def scene(built: dict[str, Any], world: World) -> dict[str, Any]:
    return built


def ranked_rows(html: str) -> list[str]:
    match = re.search(r'<table [^>]*id="ranked-table"[^>]*>(.*?)</table>', html, re.S)
    assert match
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r)).strip()
        for r in re.findall(r"<tr data-department[^>]*>(.*?)</tr>", match.group(1), re.S)
    ]


def drill_url(department_id: int) -> str:
    return f"{URL}drill/{department_id}/reply/"


def evaluation_of(world: World, department_id: int) -> dict[str, Any]:
    rows = assess(world.city.pk, year=YEAR, today=timezone.localdate())["rows"]
    return next(r for r in rows if r["department_id"] == department_id)


def form(world: World, **scores: str) -> dict[str, str]:
    """The evaluation form as the page posts it: every unit's field, blank unless given (by unit code)."""
    units = {"jyj": world.jyj, "wjw": world.wjw, "zjj": world.zjj}
    data = {"year": str(YEAR)}
    data.update({f"score-{u.pk}": scores.get(code, "") for code, u in units.items()})
    return data


def test_the_cppcc_and_leaders_read_the_ranking_but_not_the_weights_form(world, scene):
    for user in (world.cppcc, world.mayor, world.vicemayor):
        html = page(user, URL).content.decode()
        assert ranked_rows(html)[0].startswith("1 市教育局"), user.username
        assert "68.75" in ranked_rows(html)[0]
        weights = section(page(user, URL), "weights")
        assert "保存权重" not in weights and "<form" not in weights, user.username
        assert '办复率 <span class="fw-semibold">20</span> 分' in weights  # read, not edited
        assert 'href="/">工作台</a> › 目标考核' in html  # their own workbench, not the office's
    office = page(world.office, URL).content.decode()
    link = f'href="{EVALUATIONS}?year={YEAR}"'  # the button to the CPPCC's form
    assert "保存权重" in office and link not in office
    assert link in page(world.cppcc, URL).content.decode()
    assert link not in page(world.mayor, URL).content.decode()


def test_a_leader_ranks_among_all_units_but_drills_into_their_own_only(world, scene):
    # the vice-mayor is in charge of 市教育局 alone: the whole ranking, the drill-down of that unit only
    html = page(world.vicemayor, URL).content.decode()
    assert "市住房和城乡建设局" in html and "市交通运输局" in html
    assert drill_url(world.jyj.pk) in html and drill_url(world.zjj.pk) not in html
    assert re.search(r"市教育局 <span[^>]*>分管</span>", html)
    client = signed_in(world.vicemayor)
    assert client.get(drill_url(world.jyj.pk), {"year": YEAR}).status_code == 200
    assert client.get(drill_url(world.zjj.pk), {"year": YEAR}).status_code == 404
    # the mayor, in charge of every city unit, and the CPPCC staff drill into any city unit
    assert page(world.mayor, drill_url(world.zjj.pk), year=YEAR)
    drill = page(world.cppcc, drill_url(world.zjj.pk), year=YEAR).content.decode()
    assert "共 2 件主办交办事项" in drill and 'href="/">工作台</a>' in drill
    assert signed_in(world.cppcc).get(drill_url(world.xq.pk)).status_code == 404  # the county's unit


def test_the_cppcc_and_leaders_export_the_excel(world, scene):
    for user in (world.cppcc, world.vicemayor):
        resp: Any = signed_in(user).get(URL, {"year": str(YEAR), "export": "xlsx"})
        assert resp.status_code == 200 and "spreadsheetml" in resp["Content-Type"]
        rows = list(load_workbook(io.BytesIO(b"".join(resp.streaming_content))).active.iter_rows(values_only=True))
        assert rows[1][:3] == (1, "市教育局", 68.75)
        assert len(rows) == 1 + 6  # every unit of the city, not only the leader's


def test_who_may_open_and_post_the_evaluations(world, scene):
    assert page(world.cppcc, EVALUATIONS).status_code == 200
    for user in (world.office, world.mayor, world.vicemayor, world.jyj_head, world.jyj_handler, world.member1):
        client = signed_in(user)
        assert client.get(EVALUATIONS).status_code == 403, user.username
        assert client.post(EVALUATIONS, form(world, jyj="90")).status_code == 403, user.username
    for user in (world.jyj_head, world.member1):
        assert signed_in(user).get(URL).status_code == 403, user.username
    for user in (world.cppcc, world.mayor):
        assert signed_in(user).post(URL + "weights/", {"reply": 100}).status_code == 403  # the office's alone
    assert Client().get(EVALUATIONS).status_code == 302
    assert Client().post(EVALUATIONS, form(world, jyj="90")).status_code == 302
    assert not UnitEvaluation.objects.exists()
    assert not AuditEntry.objects.filter(kind="unit_evaluation_changed").exists()


def test_a_county_clerk_scores_only_the_countys_units(world, scene):
    clerk = world.user("county_cppcc", Role.CPPCC_STAFF, "县提案委", jurisdiction=world.county)
    html = page(clerk, EVALUATIONS).content.decode()
    assert "示例县教育局" in html and "市教育局" not in html.replace("示例县教育局", "")
    # a city unit's field posted by hand is not one of the form's: ignored
    resp = signed_in(clerk).post(EVALUATIONS, {"year": str(YEAR), f"score-{world.jyj.pk}": "10",
                                               f"score-{world.xq.pk}": "70"})  # fmt: skip
    assert resp.status_code == 302
    assert dict(UnitEvaluation.objects.values_list("department_id", "score")) == {world.xq.pk: 70}


def test_the_form_lists_every_unit_and_its_score(world, scene):
    html = page(world.cppcc, EVALUATIONS, year=YEAR).content.decode()
    assert f"示例市 {YEAR}年度政协评议" in html
    for unit in (world.jyj, world.wjw, world.zjj):
        assert f'name="score-{unit.pk}" value=""' in html
    assert "督查室尚未给“政协评议”设定权重" in html  # the default weight of the evaluation is 0


def test_wrong_scores_are_refused_next_to_their_field_and_nothing_is_saved(world, scene):
    client = signed_in(world.cppcc)
    resp = client.post(EVALUATIONS, form(world, jyj="101", wjw="八十", zjj="60"))
    assert resp.status_code == 422
    html = resp.content.decode()
    assert f'<div class="invalid-feedback d-block" id="score-{world.jyj.pk}-error">不能大于 100</div>' in html
    assert f'<div class="invalid-feedback d-block" id="score-{world.wjw.pk}-error">应为整数</div>' in html
    assert f'id="score-{world.zjj.pk}-error"' not in html
    assert "有 2 个评议得分填写不正确，均未保存" in html
    for unit, typed in ((world.jyj, "101"), (world.wjw, "八十"), (world.zjj, "60")):  # what was typed stays
        assert f'name="score-{unit.pk}" value="{typed}"' in html
    resp = client.post(EVALUATIONS, form(world, jyj="-1", zjj="85.5"))
    html = resp.content.decode()
    assert resp.status_code == 422 and "不能小于 0" in html and "应为整数" in html
    assert not UnitEvaluation.objects.exists()  # not even the valid 60
    assert not AuditEntry.objects.filter(kind="unit_evaluation_changed").exists()
    resp = client.post(EVALUATIONS, {**form(world, jyj="90"), "year": "1800"})
    assert resp.status_code == 422 and "年度不正确" in resp.content.decode()
    assert not UnitEvaluation.objects.exists()


def test_a_saved_score_counts_in_the_units_assessment(world, scene):
    # the evaluation weighs half: 市教育局 replied to 3 of 4 (75%), so 75.00 before, 0.75×50 + 0.9×50 after
    set_weights(world.city, actor=world.office, values={
        "reply": 50, "on_time": 0, "meeting": 0, "satisfaction": 0, "self_check": 0, "follow_up": 0,
        "evaluation": 50,
    })  # fmt: skip
    before = evaluation_of(world, world.jyj.pk)
    assert before["score"] == 75.0 and not before["parts"]["evaluation"]["counted"]

    client = signed_in(world.cppcc)
    resp = client.post(EVALUATIONS, form(world, jyj="90", zjj="60"), follow=True)
    assert resp.redirect_chain == [(f"{EVALUATIONS}?year={YEAR}", 302)]
    html = resp.content.decode()
    assert f"已保存{YEAR}年度政协评议得分（2个单位有变动）。" in html
    assert f'name="score-{world.jyj.pk}" value="90"' in html
    assert "提案委李主任，2026年7月1日" in html  # who entered it, on the local day
    assert "督查室尚未给" not in html and "权重（50 分）" in html

    row = UnitEvaluation.objects.get(department=world.jyj, year=YEAR)
    assert (row.score, row.entered_by) == (90, world.cppcc)
    after = evaluation_of(world, world.jyj.pk)
    part = after["parts"]["evaluation"]
    assert part["counted"] and (part["numerator"], part["denominator"]) == (90, 100)
    assert part["points"] == 45.0 and after["score"] == 82.5
    audit = AuditEntry.objects.filter(kind="unit_evaluation_changed", actor_username="cppcc")
    assert audit.count() == 2
    assert ranked_rows(page(world.office, URL).content.decode())[0].startswith("1 市教育局 82.50")

    # the same form again changes nothing; a blank field takes the score back
    resp = client.post(EVALUATIONS, form(world, jyj="90", zjj="60"), follow=True)
    assert f"{YEAR}年度政协评议得分没有变动。" in resp.content.decode() and audit.count() == 2
    resp = client.post(EVALUATIONS, form(world, jyj="", zjj="60"), follow=True)
    assert "（1个单位有变动）" in resp.content.decode()
    assert not UnitEvaluation.objects.filter(department=world.jyj).exists()
    assert evaluation_of(world, world.jyj.pk)["score"] == 75.0 and audit.count() == 3


def test_the_supervision_menu_of_each_role(world, scene):
    def menu(user: Any) -> list[str]:
        html = signed_in(user).get("/proposals/").content.decode()
        match = re.search(r'<details class="nav-dropdown" id="nav-supervision">(.*?)</details>', html, re.S)
        assert match, user.username
        return re.findall(r"<a [^>]*>([^<]+)</a>", match.group(1))

    assert menu(world.cppcc)[:3] == ["不满意分析", "目标考核", "政协评议"]
    assert menu(world.mayor)[:2] == ["不满意分析", "目标考核"] and "政协评议" not in menu(world.mayor)
    assert "目标考核" in menu(world.office) and "政协评议" not in menu(world.office)
    assert "目标考核" not in menu(world.jyj_handler)
