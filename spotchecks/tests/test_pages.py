"""The spot-check pages through the test client: the office's list with the new-check form, filters and Excel,
one check's page (its charts' data, findings recorded and answers accepted by its forms, errors beside the
fields), and the unit's list of findings with the form to answer them."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from typing import Any

import openpyxl
import pytest
import time_machine

from conftest import World, build_shared
from spotchecks.models import CheckState, Draw, ItemState, SpotCheck, SpotCheckItem
from web.tests.helpers import signed_in

from . import scene
from .scene import new_check

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def built(module_world: World | None, django_db_blocker: Any) -> dict[str, int]:
    return build_shared(module_world, django_db_blocker, scene.build, at=scene.NOW)


@pytest.fixture
def ids(built: dict[str, int], world: World) -> Iterator[dict[str, int]]:
    with time_machine.travel("2026-07-01 10:00 +0800", tick=False):
        yield built


def chart(html: str, chart_id: str) -> dict[str, Any]:
    match = re.search(rf'<script id="{chart_id}" type="application/json">(.*?)</script>', html, re.S)
    assert match, f"no chart {chart_id}"
    return json.loads(match.group(1))


NEW = {"title": "上半年提案办理落实情况抽查", "year": "2026", "checked_on": "2026-07-01",
       "checked_by": "市政府办公室会同市政协提案委", "cppcc_staff": "提案委李主任", "members_took_part": "true",
       "members": "张委员", "method": "random", "size": "3", "seed": "5"}  # fmt: skip


def test_the_office_draws_a_check_from_the_list_page(world, ids):
    office = signed_in(world.office)
    page = office.get("/office/spot-checks/")
    assert page.status_code == 200 and "新建抽查" in page.content.decode()
    resp = office.post("/office/spot-checks/new/", NEW)
    check = SpotCheck.objects.get(title=NEW["title"])
    assert resp.status_code == 302 and resp["Location"] == f"/office/spot-checks/{check.pk}/"
    draw = Draw.objects.get(spot_check=check)
    assert (draw.seed, draw.size) == (5, 3) and check.members == "张委员" and check.members_took_part
    html = office.get(resp["Location"]).content.decode()
    assert html.count('class="card mb-2 spotcheck-item"') == 3 and "随机种子 <code>5</code>" in html
    progress = chart(html, "progress-chart")
    assert sum(sum(s["data"]) for s in progress["series"]) == 3 and progress["series"][0]["name"] == "待检查"
    assert 'data-chart="verdict-chart"' not in html  # nothing checked yet


def test_the_new_check_form_shows_its_errors_beside_the_fields(world, ids):
    office = signed_in(world.office)
    resp = office.post("/office/spot-checks/new/", {**NEW, "size": "", "seed": "", "members": ""})
    assert resp.status_code == 422
    html = resp.content.decode()
    assert "请填写参加的委员" in html and NEW["title"] in html
    too_many = office.post("/office/spot-checks/new/", {**NEW, "size": "9", "members": "张委员"})
    assert too_many.status_code == 422 and "可供抽取的只有6件" in too_many.content.decode()
    assert not SpotCheck.objects.exists()
    chosen = office.post("/office/spot-checks/new/", {**NEW, "method": "chosen", "size": ""})
    assert chosen.status_code == 302 and not SpotCheckItem.objects.exists()


def test_findings_and_answers_go_through_the_pages(world, ids):
    check = new_check(world, assignment_ids=[ids["J1"], ids["W1"]])
    j1 = next(i["id"] for i in check["items"] if i["assignment_id"] == ids["J1"])
    office, unit = signed_in(world.office), signed_in(world.jyj_handler)
    detail = f"/office/spot-checks/{check['id']}/"

    refused = office.post(f"/office/spot-checks/items/{j1}/finding/", {"verdict": "partly", "findings": "部分落实"})
    assert refused.status_code == 422 and "须提出整改要求" in refused.content.decode()
    assert unit.get("/unit/spot-checks/").content.decode().count("spotcheck-item") == 0  # not yet checked
    fix = {"verdict": "partly", "findings": "部分落实", "fixes": "补齐短板", "fix_due": "2026-08-31"}
    ok = office.post(f"/office/spot-checks/items/{j1}/finding/", fix)
    assert ok.status_code == 302 and ok["Location"] == f"{detail}#item-{j1}"
    verdicts = chart(office.get(detail).content.decode(), "verdict-chart")
    assert [(d["name"], d["value"]) for d in verdicts["series"][0]["data"]] == [("基本落实", 1)]

    listing = unit.get("/unit/spot-checks/").content.decode()
    assert "补齐短板" in listing and "2026年8月31日前" in listing and "反馈整改情况" in listing
    assert unit.get(f"/unit/spot-checks/{j1}/").status_code == 200
    empty = unit.post(f"/unit/spot-checks/{j1}/", {"text": ""})
    assert empty.status_code == 422 and SpotCheckItem.objects.get(pk=j1).state == ItemState.AWAITING_ANSWER
    answered = unit.post(f"/unit/spot-checks/{j1}/", {"text": "已补齐"})
    assert answered.status_code == 302 and SpotCheckItem.objects.get(pk=j1).state == ItemState.ANSWERED
    assert signed_in(world.wjw_handler).get(f"/unit/spot-checks/{j1}/").status_code == 404

    back = office.post(f"/office/spot-checks/items/{j1}/review/", {"accept": "false", "comment": ""})
    assert back.status_code == 422 and "须写明理由" in back.content.decode()
    office.post(f"/office/spot-checks/items/{j1}/review/", {"accept": "true", "comment": "整改到位"})
    assert SpotCheckItem.objects.get(pk=j1).state == ItemState.ACCEPTED
    w1 = next(i["id"] for i in check["items"] if i["assignment_id"] == ids["W1"])
    assert office.post(f"/office/spot-checks/{check['id']}/close/").status_code == 422  # W1 not checked
    office.post(f"/office/spot-checks/items/{w1}/finding/", {"verdict": "fulfilled", "findings": "已落实"})
    assert office.post(f"/office/spot-checks/{check['id']}/close/").status_code == 302
    assert SpotCheck.objects.get(pk=check["id"]).state == CheckState.CLOSED


def test_more_items_by_a_draw_or_by_hand_from_the_check_page(world, ids):
    check = new_check(world, assignment_ids=[ids["J1"]])
    office = signed_in(world.office)
    html = office.get(f"/office/spot-checks/{check['id']}/").content.decode()
    assert html.count('<option value="', html.index('id="choose-ids"')) >= 5  # the five not yet in
    assert office.post(f"/office/spot-checks/{check['id']}/choose/", {"assignment_ids": [ids["Z1"]]}).status_code == 302
    assert office.post(f"/office/spot-checks/{check['id']}/draw/", {"size": "2", "seed": "3"}).status_code == 302
    assert SpotCheckItem.objects.filter(spot_check_id=check["id"]).count() == 4
    dup = office.post(f"/office/spot-checks/{check['id']}/choose/", {"assignment_ids": [ids["Z1"]]})
    assert dup.status_code == 422 and "同一件不重复抽查" in dup.content.decode()


def test_the_list_filters_and_exports(world, ids):
    first = new_check(world, title="甲抽查", assignment_ids=[ids["J1"], ids["Z1"]])
    second = new_check(world, title="乙抽查", year=2025, checked_on="2025-12-01")
    office = signed_in(world.office)
    assert "乙抽查" not in office.get("/office/spot-checks/", {"year": "2026"}).content.decode()
    assert "甲抽查" in office.get("/office/spot-checks/", {"year": "2026", "state": "open"}).content.decode()
    assert "甲抽查" not in office.get("/office/spot-checks/", {"state": "closed"}).content.decode()
    resp: Any = office.get("/office/spot-checks/", {"year": "2026", "export": "xlsx"})
    assert resp.status_code == 200 and "spreadsheetml" in resp["Content-Type"]
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(resp.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("抽查名称", "年度", "检查日期") and len(rows) == 3
    assert {r[0] for r in rows[1:]} == {"甲抽查"} and {r[9] for r in rows[1:]} == {"市教育局", "市住房和城乡建设局"}
    assert second["id"] != first["id"]


def test_who_opens_the_pages(world, ids):
    check = new_check(world)
    for user in (world.jyj_handler, world.member1, world.mayor):
        assert signed_in(user).get("/office/spot-checks/").status_code == 403, user.username
    assert signed_in(world.jyj_handler).get(f"/office/spot-checks/{check['id']}/").status_code == 403
    assert signed_in(world.county_office).get(f"/office/spot-checks/{check['id']}/").status_code == 404
    assert signed_in(world.office).get("/unit/spot-checks/").status_code == 403
    cppcc = signed_in(world.cppcc).get(f"/office/spot-checks/{check['id']}/").content.decode()
    assert (
        "结束抽查" not in cppcc
        and "新建抽查" not in signed_in(world.cppcc).get("/office/spot-checks/").content.decode()
    )
    assert signed_in(world.cppcc).post("/office/spot-checks/new/", NEW).status_code == 403
