"""After the reply: self-check, B-class follow-up, ratings of every proposer; separate leads; returns."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine

from conftest import act, assign, file_proposal
from tests.test_transitions import (
    advance_lead,
    assignment,
    draft_body,
    drive_lead,
    events,
    post,
    proposal,
)

SATISFIED = {"attitude": "satisfied", "result": "satisfied"}
UNSATISFIED = {"attitude": "basically_satisfied", "result": "unsatisfied"}


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False):
        yield


def _new_events(world, pid: int, before: list[dict[str, Any]]) -> list[dict[str, Any]]:
    after = events(world, pid)
    assert after[: len(before)] == before
    return after[len(before) :]


def plan_body(*units: Any) -> dict[str, Any]:
    return {
        "items": [
            {"text": f"落实事项{i + 1}", "department_id": u.pk, "person": "王科长", "due_on": "2026-12-31"}
            for i, u in enumerate(units)
        ]
    }


def joint(world) -> dict[str, Any]:
    return {
        "kind": "joint",
        "proposers": [
            {"name": world.member1.name, "user_id": world.member1.pk},
            {"name": world.member2.name, "user_id": world.member2.pk},
        ],
    }


# ---------------------------------------------------------------------------------------------------
# Self-check (回头看)


def test_self_check_of_unfulfilled_promises_needs_actions(world):
    pid, aid = drive_lead(world, "replied", result_class="A")
    assert assignment(world, aid)["self_check_due"] == "2026-04-02"
    before = events(world, pid)
    resp = post(world, world.jyj_handler, aid, "self-check", {"findings": "部分承诺未落实", "fulfilled": False})
    assert resp.status == 400 and resp.error_code == "invalid"
    assert events(world, pid) == before
    body = {
        "findings": "部分承诺未落实",
        "fulfilled": False,
        "actions": [{"text": "六月底前完成校舍改造", "due_on": "2026-06-30"}],
    }
    a = act(world, world.jyj_handler, aid, "self-check", body)
    assert a["state"] == "replied"
    [e] = _new_events(world, pid, before)
    assert (e["action"], e["from_state"], e["to_state"], e["actor"]["id"]) == (
        "self_check", "replied", "replied", world.jyj_handler.pk,
    )  # fmt: skip
    assert e["data"]["fulfilled"] is False
    assert e["data"]["actions"] == [{"text": "六月底前完成校舍改造", "due_on": "2026-06-30"}]
    # A fulfilled check needs no actions.
    a = act(world, world.jyj_leader, aid, "self-check", {"findings": "均已落实", "fulfilled": True})
    assert a["state"] == "replied"


def test_self_check_is_for_the_unit_only(world):
    pid, aid = drive_lead(world, "replied")
    for user, status in ((world.office, 403), (world.member1, 403), (world.zjj_handler, 404)):
        resp = post(world, user, aid, "self-check", {"findings": "均已落实", "fulfilled": True})
        assert resp.status == status, (user.username, resp.data)


# ---------------------------------------------------------------------------------------------------
# B-class follow-up (跟踪落实) and the second feedback (二次反馈)


def test_b_class_follow_up_plan_items_and_second_feedback(world):
    pid, aid = drive_lead(world, "replied", result_class="B")
    before = events(world, pid)
    a = act(world, world.jyj_handler, aid, "follow-up-plan", plan_body(world.jyj, world.zjj))
    assert a["state"] == "replied"
    items = a["follow_up_items"]
    assert [(i["text"], i["department_id"], i["person"], i["due_on"], i["done_on"]) for i in items] == [
        ("落实事项1", world.jyj.pk, "王科长", "2026-12-31", None),
        ("落实事项2", world.zjj.pk, "王科长", "2026-12-31", None),
    ]
    [e] = _new_events(world, pid, before)
    assert (e["action"], e["from_state"], e["to_state"]) == ("follow_up_plan", "replied", "replied")

    resp = post(world, world.jyj_handler, aid, "second-feedback", {"text": "已全部落实"})
    assert resp.status == 422 and resp.error_code == "follow_up_open"

    before = events(world, pid)
    a = act(world, world.jyj_handler, aid, "follow-up-done", {"item_id": items[0]["id"], "note": "已完成"})
    assert [i["done_on"] for i in a["follow_up_items"]] == ["2026-03-02", None]
    [e] = _new_events(world, pid, before)
    assert e["action"] == "follow_up_done" and e["data"]["item_id"] == items[0]["id"]

    resp = post(world, world.jyj_handler, aid, "second-feedback", {"text": "已全部落实"})
    assert resp.status == 422 and resp.error_code == "follow_up_open"
    # The item is the assignment's: its unit marks it done, even where another unit is responsible.
    act(world, world.jyj_head, aid, "follow-up-done", {"item_id": items[1]["id"], "note": "住建局已完成"})

    before = events(world, pid)
    a = act(world, world.jyj_handler, aid, "second-feedback", {"text": "已全部落实，并向委员反馈"})
    assert a["state"] == "replied"
    [e] = _new_events(world, pid, before)
    assert (e["action"], e["from_state"], e["to_state"], e["actor"]["id"]) == (
        "second_feedback", "replied", "replied", world.jyj_handler.pk,
    )  # fmt: skip


def test_an_item_already_done_is_not_done_twice(world):
    pid, aid = drive_lead(world, "replied", result_class="B")
    item = act(world, world.jyj_handler, aid, "follow-up-plan", plan_body(world.jyj))["follow_up_items"][0]
    act(world, world.jyj_handler, aid, "follow-up-done", {"item_id": item["id"], "note": "已完成"})
    before = events(world, pid)
    resp = post(world, world.jyj_handler, aid, "follow-up-done", {"item_id": item["id"], "note": "已完成"})
    assert resp.status == 409
    assert events(world, pid) == before


def test_follow_up_done_on_an_item_of_another_assignment_is_400(world):
    p1, a1 = drive_lead(world, "replied", result_class="B")
    p2, a2 = drive_lead(world, "replied", result_class="B")
    act(world, world.jyj_handler, a1, "follow-up-plan", plan_body(world.jyj))
    other = act(world, world.jyj_handler, a2, "follow-up-plan", plan_body(world.jyj))["follow_up_items"][0]
    before = events(world, p1)
    resp = post(world, world.jyj_handler, a1, "follow-up-done", {"item_id": other["id"], "note": "已完成"})
    assert resp.status == 400 and resp.error_code == "invalid"
    assert events(world, p1) == before
    assert assignment(world, a2)["follow_up_items"][0]["done_on"] is None
    assert all(i["done_on"] is None for i in assignment(world, a1)["follow_up_items"])
    resp = post(world, world.jyj_handler, a1, "follow-up-done", {"item_id": 999_999, "note": "已完成"})
    assert resp.status == 400 and resp.error_code == "invalid"


def test_closing_does_not_wait_for_the_follow_up(world):
    pid, aid = drive_lead(world, "replied", result_class="B")
    a = act(world, world.member1, aid, "feedback", SATISFIED)
    assert a["state"] == "closed"
    assert proposal(world, pid)["status"] == "closed"
    # The follow-up goes on after closing, to its second feedback.
    item = act(world, world.jyj_handler, aid, "follow-up-plan", plan_body(world.jyj))["follow_up_items"][0]
    act(world, world.jyj_handler, aid, "follow-up-done", {"item_id": item["id"], "note": "已完成"})
    before = events(world, pid)
    a = act(world, world.jyj_handler, aid, "second-feedback", {"text": "已落实"})
    assert a["state"] == "closed"
    [e] = _new_events(world, pid, before)
    assert (e["action"], e["from_state"], e["to_state"]) == ("second_feedback", "closed", "closed")
    assert proposal(world, pid)["status"] == "closed"


# ---------------------------------------------------------------------------------------------------
# Ratings: every proposer rates, the first proposer's rating decides


def test_co_signer_rating_is_recorded_but_does_not_move_the_state(world):
    pid, aid = drive_lead(world, "replied", result_class="A", **joint(world))
    assert world.api(world.member2).get(f"/proposals/{pid}").status == 200
    before = events(world, pid)
    a = act(world, world.member2, aid, "feedback", {**UNSATISFIED, "comment": "不满意"})
    assert a["state"] == "replied"
    [e] = _new_events(world, pid, before)
    assert (e["action"], e["from_state"], e["to_state"], e["actor"]["id"]) == (
        "feedback", "replied", "replied", world.member2.pk,
    )  # fmt: skip
    assert e["data"]["result"] == "unsatisfied" and e["data"]["decisive"] is False
    assert e["data"]["proposer"] == world.member2.name and e["data"]["on_paper"] is False
    # The first proposer decides.
    before = events(world, pid)
    a = act(world, world.member1, aid, "feedback", SATISFIED)
    assert a["state"] == "closed"
    [e] = _new_events(world, pid, before)
    assert (e["from_state"], e["to_state"], e["actor"]["id"]) == ("replied", "closed", world.member1.pk)
    assert e["data"]["decisive"] is True
    # ... and the metric: the co-signer's unsatisfied rating does not count.
    stats = world.api(world.office).get("/stats", year=2026).data
    row = next(d for d in stats["departments"] if d["department_id"] == world.jyj.pk)
    assert row["satisfaction_rate"] == 1.0
    # A co-signer may still rate after closing; nothing moves.
    assert act(world, world.member2, aid, "feedback", SATISFIED)["state"] == "closed"


def test_member_not_a_proposer_cannot_rate(world):
    pid, aid = drive_lead(world, "replied", **joint(world))
    resp = post(world, world.member3, aid, "feedback", SATISFIED)
    assert resp.status == 404 and resp.error_code == "not_found"
    assert assignment(world, aid)["state"] == "replied"


@pytest.mark.parametrize(
    ("staff", "rating", "to"), [("cppcc", UNSATISFIED, "rehandling"), ("office", SATISFIED, "closed")]
)
def test_paper_rating_entered_by_staff_for_the_first_proposer_decides(world, staff, rating, to):
    pid, aid = drive_lead(world, "replied", **joint(world))
    user = getattr(world, staff)
    before = events(world, pid)
    a = act(world, user, aid, "feedback", rating)
    assert a["state"] == to
    [e] = _new_events(world, pid, before)
    assert (e["action"], e["from_state"], e["to_state"], e["actor"]["id"]) == ("feedback", "replied", to, user.pk)
    assert e["data"]["on_paper"] is True and e["data"]["decisive"] is True
    assert e["data"]["proposer"] == world.member1.name


def test_paper_rating_for_a_co_signer_does_not_decide(world):
    pid, aid = drive_lead(world, "replied", **joint(world))
    co_signer = next(x for x in proposal(world, pid)["proposers"] if x["user_id"] == world.member2.pk)
    before = events(world, pid)
    a = act(world, world.cppcc, aid, "feedback", {**UNSATISFIED, "proposer_id": co_signer["id"]})
    assert a["state"] == "replied"
    [e] = _new_events(world, pid, before)
    assert e["data"]["on_paper"] is True and e["data"]["decisive"] is False
    assert e["data"]["proposer"] == world.member2.name


# ---------------------------------------------------------------------------------------------------
# Separate leads (分别主办)


def test_separate_leads_reply_separately(world):
    p = file_proposal(world)
    data = assign(world, p["id"], [(world.jyj, "lead"), (world.wjw, "lead")])
    ids = {a["department_id"]: a["id"] for a in data["assignments"]}
    jyj, wjw = ids[world.jyj.pk], ids[world.wjw.pk]
    advance_lead(world, jyj, "replied")
    advance_lead(world, wjw, "handling", unit=world.wjw)
    assert proposal(world, p["id"])["status"] == "handling"
    # Each lead writes its own reply on its part.
    act(world, world.wjw_handler, wjw, "draft-reply", draft_body("A", "关于卫生部分，答复如下……"))
    assert proposal(world, p["id"])["status"] == "handling"
    a = act(world, world.wjw_head, wjw, "sign-reply", {})
    assert a["state"] == "replied" and a["reply"]["text"] == "关于卫生部分，答复如下……"
    assert assignment(world, jyj)["reply"]["text"] == draft_body()["text"]
    assert proposal(world, p["id"])["status"] == "replied"
    # The proposer rates each; the proposal is closed once every lead is.
    assert act(world, world.member1, jyj, "feedback", SATISFIED)["state"] == "closed"
    assert proposal(world, p["id"])["status"] == "replied"
    assert act(world, world.member1, wjw, "feedback", UNSATISFIED)["state"] == "rehandling"
    assert proposal(world, p["id"])["status"] == "handling"
    act(world, world.wjw_handler, wjw, "draft-reply", draft_body("A", "再次办理后答复……"))
    act(world, world.wjw_head, wjw, "sign-reply", {})
    assert proposal(world, p["id"])["status"] == "replied"
    assert act(world, world.member1, wjw, "feedback", SATISFIED)["state"] == "closed"
    assert proposal(world, p["id"])["status"] == "closed"
    stats = world.api(world.office).get("/stats", year=2026).data
    rows = {d["department_id"]: d for d in stats["departments"]}
    assert rows[world.jyj.pk]["replied"] == 1 and rows[world.wjw.pk]["replied"] == 1
    assert rows[world.wjw.pk]["rehandled"] == 1 and rows[world.jyj.pk]["rehandled"] == 0


# ---------------------------------------------------------------------------------------------------
# Return and reassignment


def test_approved_return_with_reassignment_starts_a_new_clock(world):
    p = file_proposal(world)
    data = assign(world, p["id"], [(world.jyj, "lead")], assigned_on="2026-02-25")
    old = data["assignments"][0]
    assert (old["due_on"], old["return_deadline"]) == ("2026-05-25", "2026-03-09")
    act(world, world.jyj_handler, old["id"], "receive")
    act(world, world.jyj_handler, old["id"], "request-return", {"reason": "属于卫生健康部门职责"})
    before = events(world, p["id"])
    body = {
        "approve": True,
        "comment": "同意，改由市卫健委主办",
        "reassign": [{"department_id": world.wjw.pk, "role": "lead"}],
    }
    a = act(world, world.office, old["id"], "decide-return", body)
    assert a["state"] == "withdrawn" and a["light"] is None

    new_events = _new_events(world, p["id"], before)
    assert [(e["action"], e["from_state"], e["to_state"]) for e in new_events] == [
        ("decide_return", "return_requested", "withdrawn"),
        ("assign", "", "pending"),
    ]
    assert all(e["actor"]["id"] == world.office.pk for e in new_events)
    detail = proposal(world, p["id"])
    assert detail["status"] == "assigned"
    new = next(x for x in detail["assignments"] if x["id"] != old["id"])
    assert new_events[1]["assignment_id"] == new["id"]
    assert (new["department_id"], new["role"], new["state"]) == (world.wjw.pk, "lead", "pending")
    # The new unit's clock starts today, not on the first assignment date.
    assert (new["assigned_on"], new["due_on"], new["return_deadline"]) == ("2026-03-02", "2026-06-02", "2026-03-12")
    assert new["light"] == "green"

    # The returning unit still sees the proposal, read-only.
    assert world.api(world.jyj_handler).get(f"/proposals/{p['id']}").status == 200
    resp = post(
        world, world.jyj_handler, old["id"], "submit-form", {"opinion": "拟办", "handler_id": world.jyj_handler.pk}
    )
    assert resp.status == 409 and resp.error_code == "invalid_transition"
    assert act(world, world.wjw_handler, new["id"], "receive")["state"] == "received"

    stats = world.api(world.office).get("/stats", year=2026).data
    rows = {d["department_id"]: d for d in stats["departments"]}
    assert rows[world.jyj.pk]["returns"] == 1 and rows[world.wjw.pk]["returns"] == 0
    assert rows[world.jyj.pk]["assigned"] == 0 and rows[world.wjw.pk]["assigned"] == 1
    assert stats["totals"]["returns"] == 1


def test_rejected_return_counts_for_nobody(world):
    pid, aid = drive_lead(world, "return_requested", via="received")
    a = act(world, world.office, aid, "decide-return", {"approve": False, "comment": "属于你单位职责"})
    assert a["state"] == "received"
    stats = world.api(world.office).get("/stats", year=2026).data
    row = next(d for d in stats["departments"] if d["department_id"] == world.jyj.pk)
    assert row["returns"] == 0 and row["assigned"] == 1
