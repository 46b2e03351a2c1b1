"""The government leader's workbench: progress of the units in their charge, replies waiting for their
approval (审定), key proposals and 建议案, and their own instructions."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine

from conftest import World, act, assign, file_proposal, make_session
from handling.models import Assignment
from handling.permissions import can_act
from tests.test_transitions import advance_lead, drive_lead

from .conftest import PHONE
from .helpers import csv_text, frozen_clock, look, page, queries, section, signed_in

TODAY = "2026-03-02"


_today = frozen_clock(TODAY + " 09:00 +0800")


def lead(world: World, unit: Any, assigned_on: str | None = None, **fields: Any) -> tuple[int, int]:
    p = file_proposal(world, **fields)
    data = assign(world, p["id"], [(unit, "lead")], assigned_on=assigned_on)
    return p["id"], data["assignments"][0]["id"]


def led_by(world: World, proposal_id: int, leader: Any) -> None:
    resp = world.api(world.office).patch(f"/proposals/{proposal_id}", {"leading_leader_id": leader.pk})
    assert resp.status == 200, resp.data


@pytest.mark.parametrize("who", ["office", "cppcc", "jyj_head", "jyj_handler", "member1"])
def test_only_government_leaders_open_it(world, who):
    client = signed_in(getattr(world, who))
    for url in ("/leader/", "/leader/key/", "/leader/approvals/", "/leader/progress/export/"):
        assert client.get(url).status_code == 403, url


def progress_case(world: World) -> dict[str, int]:
    """市教育局: open red and yellow leads, a late and an on-time reply awaiting feedback, one closed, one
    withdrawn, and a co assignment; 市卫健委: one open lead."""
    ids = {}
    _, ids["red"] = lead(world, world.jyj, "2025-11-10")
    _, ids["yellow"] = lead(world, world.jyj, "2025-12-05")
    _, ids["late"] = lead(world, world.jyj, "2025-11-10")
    advance_lead(world, ids["late"], "replied")
    _, ids["replied"] = drive_lead(world, "replied")
    _, ids["closed"] = drive_lead(world, "closed")
    _, ids["withdrawn"] = drive_lead(world, "withdrawn")
    p = file_proposal(world)
    data = assign(world, p["id"], [(world.wjw, "lead"), (world.jyj, "co")])
    ids["wjw"] = next(a["id"] for a in data["assignments"] if a["role"] == "lead")
    return ids


def test_progress_shows_only_the_units_in_charge(world):
    ids = progress_case(world)
    late = Assignment.objects.get(pk=ids["late"])
    assert late.replied_on_time is False and Assignment.objects.get(pk=ids["replied"]).replied_on_time is True

    resp = page(world.vicemayor, "/leader/")
    [u] = resp.context["units"]
    d = u["d"]
    assert d.name == "市教育局"
    counts = (d.assigned, d.open, d.red, d.yellow, d.awaiting, d.closed, d.replied, d.on_time)
    assert counts == (5, 2, 1, 1, 2, 1, 3, 2)
    assert u["rate"] == "66.7%"
    html = section(resp, "progress")
    assert "市教育局" in html and "市卫生健康委员会" not in html and "66.7%" in html
    assert f'href="/assignments/?department={world.jyj.pk}&amp;role=lead&amp;light=red"' in html
    chart = resp.context["progress_chart"]
    assert chart["yAxis"]["data"] == ["市教育局"]
    assert [s["data"] for s in chart["series"]] == [[2], [2], [1]]
    summary = {s["label"]: s["value"] for s in resp.context["summary"]}
    assert summary["分管单位"] == 1 and summary["主办在办"] == 2 and summary["其中已超期（红灯）"] == 1

    # the mayor is in charge of all three units
    resp = page(world.mayor, "/leader/")
    units = {u["d"].name: (u["d"].assigned, u["d"].open) for u in resp.context["units"]}
    assert units == {"市教育局": (5, 2), "市卫生健康委员会": (1, 1), "市住房和城乡建设局": (0, 0)}

    client = signed_in(world.vicemayor)
    resp = client.get("/leader/progress/export/")
    lines = csv_text(resp).splitlines()
    assert lines[0].startswith("承办单位,主办件数,在办")
    assert lines[1:] == ["市教育局,5,2,1,1,2,1,3,66.7%"]


def test_progress_by_year(world):
    old_session = make_session(world, "十四届一次会议", 2025)
    lead(world, world.jyj, session_id=old_session)
    lead(world, world.jyj)
    resp = page(world.vicemayor, "/leader/", year="2025")
    assert [u["d"].assigned for u in resp.context["units"]] == [1]
    assert resp.context["years"] == [2026, 2025] and resp.context["year"] == 2025
    assert [u["d"].assigned for u in page(world.vicemayor, "/leader/").context["units"]] == [2]
    assert [u["d"].assigned for u in page(world.vicemayor, "/leader/", year="1999").context["units"]] == [2]


def test_replies_waiting_for_approval_are_those_the_leader_may_approve(world):
    _, mine = drive_lead(world, "leader_approval", key=True, title="关于建设智慧校园的建议")
    _, theirs = drive_lead(world, "leader_approval", key=True, unit=world.wjw, title="关于建设社区医院的建议")
    pid, led = drive_lead(world, "leader_approval", key=True, unit=world.zjj, title="关于老旧小区改造的建议")
    led_by(world, pid, world.vicemayor)
    drive_lead(world, "office_review", key=True, title="还在审核的建议")

    resp = page(world.vicemayor, "/leader/")
    rows = [r["o"] for r in resp.context["sections"]["approvals"]["rows"]]
    assert sorted(a.pk for a in rows) == sorted([mine, led])
    assert all(can_act(world.vicemayor, "approve_reply", a) for a in rows)
    assert not can_act(world.vicemayor, "approve_reply", Assignment.objects.get(pk=theirs))
    html = section(resp, "approvals")
    assert f'href="/assignments/{mine}/#action-approve_reply"' in html and "关于老旧小区改造的建议" in html
    assert "关于建设社区医院的建议" not in html and "还在审核的建议" not in html

    resp = page(world.mayor, "/leader/")  # in charge of all three units
    assert {r["o"].pk for r in resp.context["sections"]["approvals"]["rows"]} == {mine, theirs, led}

    # approving takes it off the list
    act(world, world.vicemayor, mine, "approve-reply", {"approve": True, "comment": "同意"})
    assert [r["o"].pk for r in page(world.vicemayor, "/leader/").context["sections"]["approvals"]["rows"]] == [led]


def test_key_proposals_and_suggestions_with_what_the_leader_leads(world):
    lead(world, world.jyj, title="关于教育的重点提案", is_key=True)
    lead(world, world.jyj, title="关于教育的建议案", is_suggestion=True)
    lead(world, world.jyj, title="关于教育的普通提案")
    lead(world, world.wjw, title="关于卫生的重点提案", is_key=True)
    pid, _ = lead(world, world.zjj, title="关于住建的领办提案")
    led_by(world, pid, world.vicemayor)

    resp = page(world.vicemayor, "/leader/")
    html = section(resp, "key")
    titles = {r["o"].title for r in resp.context["sections"]["key"]["rows"]}
    assert titles == {"关于教育的重点提案", "关于教育的建议案", "关于住建的领办提案"}
    assert "我领办" in html and "市住房和城乡建设局" in html and "已交办" in html
    assert "普通提案" not in html and "关于卫生的重点提案" not in html

    client = signed_in(world.vicemayor)
    resp = client.get("/leader/key/", {"kind": "led"})
    assert [p.title for p in resp.context["result"].rows] == ["关于住建的领办提案"]
    resp = client.get("/leader/key/", {"kind": "suggestion", "export": "csv"})
    text = csv_text(resp)
    assert "关于教育的建议案" in text and "重点提案" not in text.splitlines()[1]
    assert client.get("/leader/approvals/", {"export": "csv"})["Content-Type"].startswith("text/csv")


def test_a_proposal_marked_or_unmarked_after_assignment_comes_and_goes(world):
    """The leaders' key list reads the assignments' copy of the flags: marking a proposal already assigned
    (or a co-handler's) and taking the mark back change it at once."""
    pid, _ = lead(world, world.wjw, title="关于医教融合的提案")  # wjw's: not in the vice mayor's charge
    assign(world, pid, [(world.jyj, "co")])  # jyj, in their charge, is co-handler
    later, _ = lead(world, world.jyj, title="关于校园安全的提案")

    def listed() -> set[str]:
        return {r["o"].title for r in page(world.vicemayor, "/leader/").context["sections"]["key"]["rows"]}

    assert listed() == set()
    for proposal_id, flag in ((pid, "is_key"), (later, "is_suggestion")):
        assert world.api(world.cppcc).patch(f"/proposals/{proposal_id}", {flag: True}).status == 200
    assert listed() == {"关于医教融合的提案", "关于校园安全的提案"}
    assert world.api(world.cppcc).patch(f"/proposals/{pid}", {"is_key": False}).status == 200
    assert listed() == {"关于校园安全的提案"}
    # the mayor (in charge of wjw too) sees it again once marked; a unit assigned later carries the mark
    assert world.api(world.cppcc).patch(f"/proposals/{pid}", {"is_key": True}).status == 200
    assert Assignment.objects.filter(proposal_id=pid, is_key_or_suggestion=True).count() == 2
    assign(world, later, [(world.zjj, "co")])
    assert set(Assignment.objects.filter(proposal_id=later).values_list("is_key_or_suggestion", flat=True)) == {True}


def test_the_leaders_own_instructions_latest_first(world):
    pid, _ = lead(world, world.jyj, title="关于课后服务的建议")
    given = [(world.vicemayor, "请教育局认真研究"), (world.mayor, "市长的批示"), (world.vicemayor, "再次督促落实")]
    for hour, (who, text) in enumerate(given, start=10):
        with time_machine.travel(f"{TODAY} {hour}:00 +0800", tick=False):
            resp = world.api(who).post(f"/proposals/{pid}/instructions", {"text": text})
        assert resp.status == 201, resp.data

    resp = page(world.vicemayor, "/leader/")
    assert [r["o"].text for r in resp.context["sections"]["instructions"]["rows"]] == [
        "再次督促落实",
        "请教育局认真研究",
    ]
    html = section(resp, "instructions")
    assert "市长的批示" not in html and f'href="/proposals/{pid}/"' in html
    assert "在提案页面的“批示”栏内作出批示" in html

    client = signed_in(world.vicemayor)
    text = csv_text(client.get("/leader/instructions/", {"export": "csv"}))
    assert "再次督促落实" in text and "市长的批示" not in text


def test_leader_workbench_in_the_browser(bworld, open_page):
    world = bworld
    lead(world, world.jyj, "2025-09-01", title="关于学前教育普惠发展的建议")
    drive_lead(world, "leader_approval", key=True, title="关于建设智慧校园的建议")
    pid, _ = drive_lead(world, "closed", title="关于职业教育产教融合的建议")
    lead(world, world.jyj, title="关于发展托育服务的建议案", is_suggestion=True)
    lead(world, world.wjw, title="关于卫生的提案")
    resp = world.api(world.vicemayor).post(f"/proposals/{pid}/instructions", {"text": "请认真研究，抓好落实"})
    assert resp.status == 201
    web = open_page(world.vicemayor, path="/leader/")
    web.locator("#progress svg").first.wait_for()  # the chart is drawn
    look(web, "leader-workbench")
    assert "市卫生健康委员会" not in web.locator("#progress").inner_text()
    phone = open_page(world.vicemayor, viewport=PHONE, path="/leader/")
    phone.locator("#progress svg").first.wait_for()
    look(phone)

    web.locator("#approvals").get_by_role("link", name="关于建设智慧校园的建议").click()
    web.get_by_role("button", name="同意", exact=True).wait_for()


def test_workbench_queries_do_not_grow_with_rows(world):
    client = signed_in(world.mayor)
    queries(client, "/leader/")  # warm the caches
    pid, _ = drive_lead(world, "leader_approval", key=True)
    world.api(world.mayor).post(f"/proposals/{pid}/instructions", {"text": "阅"})
    first = queries(client, "/leader/")
    for unit in (world.wjw, world.zjj, world.jyj):
        pid, _ = drive_lead(world, "leader_approval", key=True, unit=unit, is_suggestion=True)
        resp = world.api(world.mayor).post(f"/proposals/{pid}/instructions", {"text": "阅"})
        assert resp.status == 201
    assert queries(client, "/leader/") == first
