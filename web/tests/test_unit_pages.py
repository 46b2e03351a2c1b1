"""The handling unit's workbench: counts, what needs me, the unit's to-do list and its follow-up items."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from conftest import World, act, assign, file_proposal
from handling.models import Assignment
from tests.test_transitions import drive_lead

from .conftest import PHONE
from .helpers import csv_text, look, signed_in


def assigned(world: World, title: str, units: list[tuple[Any, str]]) -> dict[int, int]:
    """File and assign a proposal; return {department id: assignment id}."""
    p = file_proposal(world, title=title)
    data = assign(world, p["id"], units)
    return {a["department_id"]: a["id"] for a in data["assignments"]}


def counts(resp: Any) -> dict[str, int]:
    return {c["label"]: c["n"] for c in resp.context["counts"]}


def case(world: World) -> dict[str, int]:
    """市教育局: two pending leads, one received lead, one received co; 市卫健委 leads one of its own."""
    ids = {
        "pending1": assigned(world, "关于待签收甲的建议", [(world.jyj, "lead")])[world.jyj.pk],
        "pending2": assigned(world, "关于待签收乙的建议", [(world.jyj, "lead")])[world.jyj.pk],
        "received": assigned(world, "关于已签收主办的建议", [(world.jyj, "lead")])[world.jyj.pk],
    }
    both = assigned(world, "关于卫健委主办教育局协办的建议", [(world.wjw, "lead"), (world.jyj, "co")])
    ids["co"], ids["other"] = both[world.jyj.pk], both[world.wjw.pk]
    act(world, world.jyj_handler, ids["received"], "receive")
    act(world, world.jyj_handler, ids["co"], "receive")
    ids["other_only"] = assigned(world, "关于只交卫健委的建议", [(world.wjw, "lead")])[world.wjw.pk]
    return ids


def test_counts_for_a_constructed_case(world):
    case(world)
    resp = signed_in(world.jyj_handler).get("/unit/")
    assert resp.status_code == 200
    assert counts(resp) == {
        "待签收": 2, "待填承办单": 1, "承办单待批": 0, "办理中": 0, "答复待签发": 0, "再次办理": 0,
        "协办意见待提交": 1, "超期": 0,
    }  # fmt: skip
    other = counts(signed_in(world.wjw_handler).get("/unit/"))
    assert other["待签收"] == 2 and other["待填承办单"] == 0 and other["协办意见待提交"] == 0


def test_each_count_links_to_the_same_rows(world):
    ids = case(world)
    c = signed_in(world.jyj_handler)
    links = {x["label"]: x["url"] for x in c.get("/unit/").context["counts"]}
    assert links["待填承办单"] == "?state=received&role=lead#todo"
    rows = {
        label: sorted(a.pk for a in c.get("/unit/" + links[label].split("#")[0]).context["result"].rows)
        for label in ("待签收", "待填承办单", "协办意见待提交", "超期")
    }
    assert rows == {
        "待签收": sorted([ids["pending1"], ids["pending2"]]),
        "待填承办单": [ids["received"]],
        "协办意见待提交": [ids["co"]],
        "超期": [],
    }
    active = [x["label"] for x in c.get("/unit/?state=received&role=co").context["counts"] if x["active"]]
    assert active == ["协办意见待提交"]


def test_a_unit_never_sees_another_units_assignment(world):
    ids = case(world)
    html = signed_in(world.jyj_handler).get("/unit/").content.decode()
    assert "关于只交卫健委的建议" not in html and f'href="/assignments/{ids["other_only"]}/"' not in html
    assert f'href="/assignments/{ids["other"]}/"' not in html  # the co-handled proposal's lead is 卫健委's
    assert f'href="/assignments/{ids["co"]}/"' in html
    html = signed_in(world.xq_handler).get("/unit/").content.decode()  # a county unit: nothing of the city's
    assert "关于" not in html
    csv = csv_text(signed_in(world.jyj_handler).get("/unit/?export=csv"))
    assert len(csv.splitlines()) == 1 + 4 and "只交卫健委" not in csv


def test_needs_me_puts_the_roles_usual_work_first(world):
    ids = case(world)
    _, drafted = drive_lead(world, "reply_drafted", title="关于答复待签发的建议")
    handler = signed_in(world.jyj_handler).get("/unit/").context
    labels = [(r["a"].pk, r["label"]) for r in handler["mine"]]
    # the handler: receive first, then the handling form, the co opinion; the drafted reply is the head's now
    assert [label for _, label in labels] == ["签收", "签收", "填写承办单", "提交协办意见"]
    assert {pk for pk, _ in labels} == {ids["pending1"], ids["pending2"], ids["received"], ids["co"]}
    assert handler["mine_total"] == 4
    head = signed_in(world.jyj_head).get("/unit/")
    assert [(r["a"].pk, r["label"]) for r in head.context["mine"]][0] == (drafted, "签发答复函")
    assert f'href="/assignments/{drafted}/#action-sign_reply"' in head.content.decode()


def test_filters_sort_and_export_of_the_todo_list(world):
    ids = case(world)
    drive_lead(world, "closed", title="关于已办结的建议")
    c = signed_in(world.jyj_handler)
    rows = c.get("/unit/?open=1").context["result"].rows
    assert len(rows) == 4 and all(a.state != "closed" for a in rows)
    assert [a.pk for a in c.get("/unit/?open=0").context["result"].rows] != []
    assert [a.pk for a in c.get("/unit/?role=co").context["result"].rows] == [ids["co"]]
    assert [a.pk for a in c.get("/unit/?q=待签收甲").context["result"].rows] == [ids["pending1"]]
    watch = [a.watch_on for a in c.get("/unit/").context["result"].rows]
    dated = [d for d in watch if d is not None]
    assert dated == sorted(dated) and watch[-1] is None  # nearest deadline first, nothing to watch last
    csv = csv_text(c.get("/unit/?state=pending&export=csv"))
    assert csv.splitlines()[0].startswith("提案号,案由,承办单位") and len(csv.splitlines()) == 3


def test_overdue_count_and_light(world):
    ids = case(world)
    Assignment.objects.filter(pk=ids["pending1"]).update(watch_on="2020-01-01")
    c = signed_in(world.jyj_handler)
    assert counts(c.get("/unit/"))["超期"] == 1
    resp = c.get("/unit/?light=red")
    assert [a.pk for a in resp.context["result"].rows] == [ids["pending1"]]
    assert re.search(r'class="light light-red"[^>]*>超期 \d+ 天', resp.content.decode())


def test_follow_up_items_of_the_unit(world):
    _, aid = drive_lead(world, "replied", result_class="B", title="关于B类答复的建议")
    plan = {
        "items": [
            {
                "text": "制定课后服务经费保障办法",
                "department_id": world.jyj.pk,
                "person": "王科长",
                "due_on": "2027-06-30",
            },
            {"text": "开展课后服务专项督导", "department_id": world.jyj.pk, "person": "李科长", "due_on": "2027-03-31"},
        ]
    }
    act(world, world.jyj_handler, aid, "follow-up-plan", plan)
    _, other = drive_lead(world, "replied", result_class="B", unit=world.wjw, title="关于卫健委B类的建议")
    # wjw's plan names jyj as 责任单位 of its item: the item is still wjw's to follow (the unit handling it)
    act(world, world.wjw_handler, other, "follow-up-plan", {"items": [{**plan["items"][0], "text": "卫健委的事项",
                                                                     "department_id": world.jyj.pk}]})  # fmt: skip
    c = signed_in(world.jyj_handler)
    resp = c.get("/unit/")
    assert [r["i"].text for r in resp.context["items"]] == ["开展课后服务专项督导", "制定课后服务经费保障办法"]
    assert resp.context["items_total"] == 2 and "卫健委的事项" not in resp.content.decode()
    assert [r["i"].text for r in signed_in(world.wjw_handler).get("/unit/").context["items"]] == ["卫健委的事项"]
    item = Assignment.objects.get(pk=aid).follow_up_items.get(text="开展课后服务专项督导")
    act(world, world.jyj_handler, aid, "follow-up-done", {"item_id": item.pk, "note": "已完成"})
    assert [r["i"].text for r in c.get("/unit/").context["items"]] == ["制定课后服务经费保障办法"]
    assert [i.text for i in c.get("/unit/follow-ups/?done=1").context["result"].rows] == ["开展课后服务专项督导"]
    csv = csv_text(c.get("/unit/follow-ups/?export=csv"))
    assert "制定课后服务经费保障办法" in csv and "卫健委的事项" not in csv


def test_query_count_does_not_grow_with_the_list(world):
    case(world)
    c = signed_in(world.jyj_head)
    c.get("/unit/")
    with CaptureQueriesContext(connection) as few:
        c.get("/unit/")
    for n in range(6):
        assigned(world, f"关于第{n}件加测的建议", [(world.jyj, "lead")])
    drive_lead(world, "reply_drafted", title="关于待签发的建议")
    with CaptureQueriesContext(connection) as many:
        c.get("/unit/")
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


@pytest.mark.parametrize("url", ["/unit/", "/unit/follow-ups/"])
def test_other_roles_are_refused(world, url):
    for user in (world.office, world.cppcc, world.member1, world.mayor):
        assert signed_in(user).get(url).status_code == 403, user.username
    for user in (world.jyj_head, world.jyj_leader, world.jyj_handler):
        assert signed_in(user).get(url).status_code == 200
    assert Client().get(url).status_code == 302


# ---------------------------------------------------------------------------------------------------
# In the browser


def test_handler_sees_a_pending_assignment_and_opens_it(bworld, open_page):
    ids = case(bworld)
    drive_lead(bworld, "handling", title="关于办理中的建议")
    page = open_page(bworld.jyj_handler, path="/unit/")
    page.get_by_role("heading", name="需要我处理").wait_for()
    look(page, "unit-workbench")
    mine = page.get_by_role("region", name=re.compile("需要我处理"))
    mine.get_by_role("link", name=re.compile("关于待签收甲的建议")).click()
    page.wait_for_url(f"**/assignments/{ids['pending1']}/")
    page.get_by_role("button", name="签收").click()
    page.get_by_text("已签收。").wait_for()
    assert Assignment.objects.get(pk=ids["pending1"]).state == "received"
    page.goto(bworld.url + "/unit/")
    page.get_by_role("link", name=re.compile(r"^\d+\s*待签收$")).click()
    page.wait_for_url(re.compile(r"/unit/\?state=pending"))
    assert page.locator("#todo tbody tr").count() == 1


def test_unit_workbench_on_a_phone(bworld, open_page):
    case(bworld)
    page = open_page(bworld.jyj_head, viewport=PHONE, path="/unit/")
    look(page, "unit-workbench")


def test_what_needs_me_counts_past_what_it_shows_and_says_when_it_stopped(world, monkeypatch):
    """Rows shown: at most MINE_SHOWN; counted: the candidates examined, with "+" once a list stops at
    CANDIDATES. Later steps (here B-class replies without a plan) are counted without being loaded."""
    from web.views import unit as unit_views

    for n in range(3):
        assigned(world, f"关于待签收的第{n}件建议", [(world.jyj, "lead")])
    for n in range(3):
        drive_lead(world, "replied", result_class="B", title=f"关于B类答复的第{n}件建议")
    client = signed_in(world.jyj_handler)
    resp = client.get("/unit/")
    # 3 to receive, and each B-class reply has its 回头看 and its plan to make: 9
    assert resp.context["mine_total"] == 9 and not resp.context["mine_capped"]
    assert 'badge text-bg-danger">9</span>' in resp.content.decode()
    assert {r["action"] for r in resp.context["mine"]} == {"receive", "self_check", "follow_up_plan"}

    monkeypatch.setattr(unit_views, "MINE_SHOWN", 2)
    resp = client.get("/unit/")  # 2 shown, the later steps counted past the 2 rows loaded of each
    assert len(resp.context["mine"]) == 2 and resp.context["mine_total"] == 9 and not resp.context["mine_capped"]

    monkeypatch.setattr(unit_views, "CANDIDATES", 2)
    resp = client.get("/unit/")  # each of the three lists stops at 2
    assert resp.context["mine_total"] == 6 and resp.context["mine_capped"]
    assert 'badge text-bg-danger">6+</span>' in resp.content.decode()
