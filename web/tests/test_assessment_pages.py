"""The office's assessment page (/office/assessment/): the ranking and its parts, the units set apart, the
drill-down to the proposals behind each number, the weights form, the Excel export, who may open it, and the
page in the browser: test_assessment_browser.py."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
from openpyxl import load_workbook

from audit.models import AuditEntry
from conftest import World, build_shared
from organisation.models import Department
from reports.tests import assessment_scene

from .helpers import frozen_clock, page, signed_in

pytestmark = pytest.mark.django_db
URL = "/office/assessment/"

_today = frozen_clock("2026-07-01 18:00 +0800")


@pytest.fixture(scope="module")
def built(module_world: World | None, django_db_blocker: Any) -> dict[str, Any]:
    return build_shared(module_world, django_db_blocker, assessment_scene.build, at=assessment_scene.NOW)


@pytest.fixture
def scene(built: dict[str, Any], world: World) -> dict[str, Any]:
    return built


def table_rows(html: str, table_id: str) -> list[str]:
    match = re.search(rf'<table [^>]*id="{table_id}"[^>]*>(.*?)</table>', html, re.S)
    assert match, table_id
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r)).strip()
        for r in re.findall(r"<tr data-department[^>]*>(.*?)</tr>", match.group(1), re.S)
    ]


def test_the_page_ranks_explains_and_sets_apart(world, scene):
    html = page(world.office, URL).content.decode()
    ranked = table_rows(html, "ranked-table")
    assert len(ranked) == 1 and ranked[0].startswith("1 市教育局 68.75 15.00")  # rank, unit, score, 办复率 points
    assert "3 / 4" in ranked[0] or "3/4" in ranked[0].replace(" ", "")
    unranked = table_rows(html, "unranked-table")
    assert [r.split(" ")[0] for r in unranked] == [
        "市卫生健康委员会",
        "市住房和城乡建设局",
        "市交通运输局",
        "市文化广电和旅游局",
        "市民政局",
    ]
    assert all(r.endswith("办理件数不足3件，不参与排名") for r in unranked)
    assert "54.55" in unranked[1] and "不计分" in unranked[1]  # zjj: scored, satisfaction not counted
    assert "本年度没有单位达到表彰条件" in html
    script = re.search(r'<script id="assessment-chart" type="application/json">(.*?)</script>', html, re.S)
    assert script is not None
    chart = json.loads(script.group(1))
    assert chart["yAxis"]["data"] == ["1. 市教育局"]
    assert chart["series"][-1]["data"] == [68.75]  # the score, written at the bar's end
    assert sum(s["data"][0] for s in chart["series"][:-1]) == pytest.approx(68.75)
    # the workbench links here
    assert URL in page(world.office, "/office/").content.decode()


def test_every_number_drills_down_to_its_assignments(world, scene):
    html = page(world.office, URL).content.decode()
    jyj = world.jyj.pk
    reply_num = f"/office/assessment/drill/{jyj}/reply/?year=2026&amp;side=num"
    assert reply_num in html
    drill = page(world.office, reply_num.replace("&amp;", "&")).content.decode()
    assert "共 3 件主办交办事项" in drill
    for key in ("J1", "J2", "J4"):
        assert f'href="/assignments/{scene[key]}/"' in drill
    assert f'href="/assignments/{scene["J3"]}/"' not in drill
    den = page(world.office, f"/office/assessment/drill/{jyj}/reply/", year=2026, side="den").content.decode()
    assert "共 4 件主办交办事项" in den and f"/assignments/{scene['J5']}/" not in den  # withdrawn
    follow = page(world.office, f"/office/assessment/drill/{jyj}/follow_up/", year=2026, side="den").content.decode()
    assert "共 2 项" in follow and "落实事项一" in follow and "落实事项二" in follow
    client = signed_in(world.office)
    assert client.get(f"/office/assessment/drill/{world.xq.pk}/reply/").status_code == 404  # the county's unit
    assert client.get(f"/office/assessment/drill/{jyj}/evaluation/").status_code == 404


def test_only_the_office_sets_the_weights(world, scene):
    # the CPPCC staff and leaders read the page (test_assessment_evaluation_pages.py); units and members do not
    for user in (world.cppcc, world.mayor, world.jyj_head, world.member1):
        if user in (world.jyj_head, world.member1):
            assert signed_in(user).get(URL).status_code == 403, user.username
        assert signed_in(user).post(URL + "weights/", {"reply": 100}).status_code == 403
    from django.test import Client

    assert Client().get(URL).status_code == 302


def test_the_weights_form_refuses_a_wrong_sum_then_saves(world, scene):
    client = signed_in(world.office)
    form = {"reply": 20, "on_time": 20, "meeting": 15, "satisfaction": 25, "self_check": 5, "follow_up": 10,
            "evaluation": 0, "min_assigned": 3}  # fmt: skip
    resp = client.post(URL + "weights/", form)
    assert resp.status_code == 422
    assert "各项权重之和应为100，现为95。" in resp.content.decode()
    assert 'value="25"' in resp.content.decode()  # what was typed stays in the form
    assert not AuditEntry.objects.filter(kind="assessment_weights_changed").exists()
    resp = client.post(URL + "weights/", {**form, "reply": 100, "on_time": 0, "meeting": 0, "satisfaction": 0,
                                          "self_check": 0, "follow_up": 0, "min_assigned": 2})  # fmt: skip
    assert resp.status_code == 302
    assert AuditEntry.objects.filter(kind="assessment_weights_changed", actor_username="office").count() == 1
    html = client.get(URL).content.decode()
    ranked = table_rows(html, "ranked-table")
    assert [r.split(" ")[:3] for r in ranked] == [["1", "市住房和城乡建设局", "100.00"], ["2", "市教育局", "75.00"]]
    assert "市住房和城乡建设局（100.0 分，第 1 名）" in html  # commended: ≥ 95 and nothing overdue


def test_the_excel_export_has_every_row_and_no_formula(world, scene):
    Department.objects.create(jurisdiction=world.city, name='=HYPERLINK("http://evil.example/","点我")', code="evil")
    resp: Any = signed_in(world.office).get(URL, {"year": "2026", "export": "xlsx"})
    assert resp.status_code == 200 and "spreadsheetml" in resp["Content-Type"]
    sheet = load_workbook(io.BytesIO(b"".join(resp.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    head = rows[0]
    assert head[:4] == ("名次", "承办单位", "得分", "参与排名") and "办复率（已办复/主办件数）" in head
    first = dict(zip(head, rows[1], strict=True))
    assert (first["名次"], first["承办单位"], first["得分"], first["办复率"], first["办复率得分"]) == (
        1, "市教育局", 68.75, 0.75, 15,
    )  # fmt: skip
    assert first["办复率（已办复/主办件数）"] == "3/4"
    evil = next(r for r in sheet.iter_rows() if str(r[1].value).startswith("=HYPERLINK"))
    assert evil[1].data_type == "s"  # text, never a formula
    assert len(rows) == 1 + 7
