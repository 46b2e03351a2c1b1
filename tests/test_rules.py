"""Every rule code of api.md (422) with a passing and a failing case, and the deadline rules of domain.md §6."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
import time_machine

from conftest import act, assign, file_proposal, make_session
from proposals.actions import NewProposal, ProposerEntry, create_proposal
from proposals.models import Proposal, Proposer, Session
from tests.test_transitions import (
    assignment,
    contact_body,
    draft_body,
    drive_lead,
    events,
    meeting_body,
    post,
)

MORNING = " 09:00 +0800"


def at(day: str) -> Any:
    return time_machine.travel(day + MORNING, tick=False)


def move(world, traveller: Any, day: str) -> None:
    """Move to ``day``; everyone signs in again (tokens lapse after 30 idle days)."""
    traveller.move_to(day + MORNING)
    world._apis.clear()


def lead_of(world, p_id: int, unit=None, assigned_on: str | None = None) -> dict[str, Any]:
    unit = unit or world.jyj
    data = assign(world, p_id, [(unit, "lead")], assigned_on=assigned_on)
    return next(a for a in data["assignments"] if a["department_id"] == unit.pk and a["state"] == "pending")


def new_lead(world, assigned_on: str | None = None, **fields: Any) -> tuple[int, dict[str, Any]]:
    p = file_proposal(world, **fields)
    return p["id"], lead_of(world, p["id"], assigned_on=assigned_on)


def set_rules(world, **rules: Any) -> dict[str, Any]:
    resp = world.api(world.office).patch(f"/jurisdictions/{world.city.pk}", {"rules": rules})
    assert resp.status == 200, resp.data
    return resp.data


RETURN = {"reason": "不属于本单位职责"}


def assert_unchanged(world, pid: int, aid: int, state: str, before: list[dict[str, Any]]) -> None:
    assert assignment(world, aid)["state"] == state
    assert events(world, pid) == before


# ---------------------------------------------------------------------------------------------------
# return_window_closed


@at("2026-03-13")
def test_return_window_of_ten_calendar_days(world):
    # Assigned 2026-03-03: ten days end on 2026-03-13 (today), still open.
    pid, a = new_lead(world, assigned_on="2026-03-03")
    assert a["return_deadline"] == "2026-03-13"
    r = act(world, world.jyj_handler, a["id"], "request-return", RETURN)
    assert r["state"] == "return_requested"
    # Assigned 2026-03-02: the window closed on 2026-03-12.
    pid, a = new_lead(world, assigned_on="2026-03-02")
    assert a["return_deadline"] == "2026-03-12"
    act(world, world.jyj_handler, a["id"], "receive")
    before = events(world, pid)
    resp = post(world, world.jyj_handler, a["id"], "request-return", RETURN)
    assert resp.status == 422 and resp.error_code == "return_window_closed", resp.data
    assert resp.data["error"]["details"]["return_deadline"] == "2026-03-12"
    assert_unchanged(world, pid, a["id"], "received", before)


def test_calendar_return_window_ending_in_national_day_rolls_to_the_next_workday(world):
    # 2026-09-25 + 10 days = 2026-10-05, inside National Day (10-01..10-07) → 2026-10-08.
    with at("2026-10-08") as traveller:
        pid, a = new_lead(world, assigned_on="2026-09-25")
        assert a["return_deadline"] == "2026-10-08"
        _, b = new_lead(world, assigned_on="2026-09-25")
        assert act(world, world.jyj_handler, a["id"], "request-return", RETURN)["state"] == "return_requested"
        move(world, traveller, "2026-10-09")
        resp = post(world, world.jyj_handler, b["id"], "request-return", RETURN)
        assert resp.status == 422 and resp.error_code == "return_window_closed"
        assert assignment(world, b["id"])["state"] == "pending"


def test_return_window_of_five_working_days_across_national_day(world):
    data = set_rules(world, return_window_days=5, return_window_working=True)
    assert data["rules"]["return_window_days"] == 5 and data["rules"]["return_window_working"] is True
    got = world.api(world.office).get(f"/jurisdictions/{world.city.pk}").data
    assert got["rules"]["return_window_working"] is True
    with at("2026-10-09") as traveller:
        # Mon 09-28: 09-29, 09-30, (holiday 10-01..10-07), 10-08, 10-09, 10-10 (make-up Saturday) → 10-10.
        pid, a = new_lead(world, assigned_on="2026-09-28")
        assert a["return_deadline"] == "2026-10-10"
        _, late = new_lead(world, assigned_on="2026-09-28")
        # Fri 09-18: 09-20 (make-up Sunday), 09-21, 09-22, 09-23, 09-24 → 09-24.
        _, b = new_lead(world, assigned_on="2026-09-18")
        assert b["return_deadline"] == "2026-09-24"
        # On 10-09 the calendar window (09-28 + 10 days = 10-08) would be closed, the working one is open.
        assert act(world, world.jyj_handler, a["id"], "request-return", RETURN)["state"] == "return_requested"
        resp = post(world, world.jyj_handler, b["id"], "request-return", RETURN)
        assert resp.status == 422 and resp.error_code == "return_window_closed"
        move(world, traveller, "2026-10-12")
        resp = post(world, world.jyj_handler, late["id"], "request-return", RETURN)
        assert resp.status == 422 and resp.error_code == "return_window_closed"
        assert resp.data["error"]["details"]["return_deadline"] == "2026-10-10"


# ---------------------------------------------------------------------------------------------------
# date_in_future, date_before_assignment


@at("2026-03-02")
def test_contact_date_may_not_be_in_the_future(world):
    pid, aid = drive_lead(world, "handling")
    before = events(world, pid)
    resp = post(world, world.jyj_handler, aid, "contact", contact_body(on="2026-03-03"))
    assert resp.status == 422 and resp.error_code == "date_in_future"
    assert_unchanged(world, pid, aid, "handling", before)
    resp = post(world, world.jyj_handler, aid, "contact", contact_body(on="2026-03-02"))
    assert resp.status == 200
    assert len(events(world, pid)) == len(before) + 1


@at("2026-03-02")
def test_signed_on_may_not_be_in_the_future(world):
    pid, aid = drive_lead(world, "reply_drafted")
    before = events(world, pid)
    resp = post(world, world.jyj_head, aid, "sign-reply", {"signed_on": "2026-03-03"})
    assert resp.status == 422 and resp.error_code == "date_in_future"
    assert_unchanged(world, pid, aid, "reply_drafted", before)
    resp = post(world, world.jyj_head, aid, "sign-reply", {"signed_on": "2026-03-02"})
    assert resp.status == 200 and resp.data["state"] == "replied"
    assert resp.data["reply"]["signed_on"] == "2026-03-02"


@at("2026-03-02")
def test_assigned_on_may_not_be_in_the_future(world):
    p = file_proposal(world)
    body = {"assignments": [{"department_id": world.jyj.pk, "role": "lead"}], "assigned_on": "2026-03-03"}
    resp = world.api(world.office).post(f"/proposals/{p['id']}/assign", body)
    assert resp.status == 422 and resp.error_code == "date_in_future"
    detail = world.api(world.office).get(f"/proposals/{p['id']}").data
    assert detail["assignments"] == [] and detail["status"] == "registered"
    assert [e["action"] for e in detail["events"]] == ["register"]
    body["assigned_on"] = "2026-03-02"
    done = world.api(world.office).post(f"/proposals/{p['id']}/assign", body)
    assert done.status == 200 and [a["assigned_on"] for a in done.data["assignments"]] == ["2026-03-02"]


@at("2026-03-02")
def test_signed_on_may_not_be_before_the_assignment(world):
    p = file_proposal(world)
    aid = lead_of(world, p["id"], assigned_on="2026-02-20")["id"]
    h = world.jyj_handler
    act(world, h, aid, "receive")
    act(world, h, aid, "submit-form", {"opinion": "拟办", "handler_id": h.pk})
    act(world, world.jyj_head, aid, "approve-form", {})
    act(world, h, aid, "draft-reply", draft_body())
    before = events(world, p["id"])
    resp = post(world, world.jyj_head, aid, "sign-reply", {"signed_on": "2026-02-19"})
    assert resp.status == 422 and resp.error_code == "date_before_assignment"
    assert_unchanged(world, p["id"], aid, "reply_drafted", before)
    a = act(world, world.jyj_head, aid, "sign-reply", {"signed_on": "2026-02-20"})
    assert a["state"] == "replied" and a["reply"]["signed_on"] == "2026-02-20"


# ---------------------------------------------------------------------------------------------------
# co_opinions_missing


@at("2026-03-02")
def test_sign_waits_for_every_co_opinion(world):
    p = file_proposal(world)
    data = assign(world, p["id"], [(world.jyj, "lead"), (world.wjw, "co"), (world.zjj, "co")])
    ids = {a["department_id"]: a["id"] for a in data["assignments"]}
    lead = ids[world.jyj.pk]
    h = world.jyj_handler
    act(world, h, lead, "receive")
    act(world, h, lead, "submit-form", {"opinion": "拟办", "handler_id": h.pk})
    act(world, world.jyj_head, lead, "approve-form", {})
    act(world, h, lead, "draft-reply", draft_body())
    before = events(world, p["id"])
    resp = post(world, world.jyj_head, lead, "sign-reply", {})
    assert resp.status == 422 and resp.error_code == "co_opinions_missing"
    assert set(resp.data["error"]["details"]["departments"]) == {world.wjw.name, world.zjj.name}
    assert_unchanged(world, p["id"], lead, "reply_drafted", before)
    # A co unit that received but sent nothing yet still holds the reply back.
    act(world, world.wjw_handler, ids[world.wjw.pk], "receive")
    act(world, world.wjw_handler, ids[world.wjw.pk], "co-opinion", {"text": "同意"})
    act(world, world.zjj_handler, ids[world.zjj.pk], "receive")
    resp = post(world, world.jyj_head, lead, "sign-reply", {})
    assert resp.status == 422 and resp.error_code == "co_opinions_missing"
    assert resp.data["error"]["details"]["departments"] == [world.zjj.name]
    act(world, world.zjj_handler, ids[world.zjj.pk], "co-opinion", {"text": "同意"})
    assert act(world, world.jyj_head, lead, "sign-reply", {})["state"] == "replied"


@at("2026-03-02")
def test_a_withdrawn_co_unit_does_not_hold_the_reply_back(world):
    p = file_proposal(world)
    data = assign(world, p["id"], [(world.jyj, "lead"), (world.wjw, "co")])
    ids = {a["department_id"]: a["id"] for a in data["assignments"]}
    act(world, world.wjw_handler, ids[world.wjw.pk], "request-return", RETURN)
    act(world, world.office, ids[world.wjw.pk], "decide-return", {"approve": True})
    lead = ids[world.jyj.pk]
    h = world.jyj_handler
    act(world, h, lead, "receive")
    act(world, h, lead, "submit-form", {"opinion": "拟办", "handler_id": h.pk})
    act(world, world.jyj_head, lead, "approve-form", {})
    act(world, h, lead, "draft-reply", draft_body())
    assert act(world, world.jyj_head, lead, "sign-reply", {})["state"] == "replied"


# ---------------------------------------------------------------------------------------------------
# Extensions: extension_exceeds_limit, invalid, cppcc_not_consulted


@at("2026-03-02")
def test_extension_up_to_the_cap_rolled_to_a_workday(world):
    # Assigned 2026-01-05: due 2026-04-05 (Qingming) → 2026-04-07; cap 2026-07-05 (Sunday) → 2026-07-06.
    pid, a = new_lead(world, assigned_on="2026-01-05")
    assert a["due_on"] == "2026-04-07"
    before = events(world, pid)
    resp = post(
        world, world.jyj_handler, a["id"], "request-extension", {"reason": "需协调", "new_due_on": "2026-07-07"}
    )
    assert resp.status == 422 and resp.error_code == "extension_exceeds_limit", resp.data
    assert_unchanged(world, pid, a["id"], "pending", before)
    resp = post(
        world, world.jyj_handler, a["id"], "request-extension", {"reason": "需协调", "new_due_on": "2026-07-06"}
    )
    assert resp.status == 200, resp.data
    event = events(world, pid)[-1]
    assert event["action"] == "request_extension" and event["data"]["new_due_on"] == "2026-07-06"
    d = act(world, world.office, a["id"], "decide-extension", {"approve": True, "cppcc_consulted": True})
    assert d["due_on"] == "2026-07-06"


@at("2026-03-02")
def test_extension_must_be_later_than_the_current_due_date(world):
    pid, aid = drive_lead(world, "handling")
    assert assignment(world, aid)["due_on"] == "2026-06-02"
    before = events(world, pid)
    for day in ("2026-06-02", "2026-05-20"):
        resp = post(world, world.jyj_handler, aid, "request-extension", {"reason": "需协调", "new_due_on": day})
        assert resp.status == 422 and resp.error_code == "invalid", (day, resp.data)
    assert_unchanged(world, pid, aid, "handling", before)
    resp = post(world, world.jyj_handler, aid, "request-extension", {"reason": "需协调", "new_due_on": "2026-06-03"})
    assert resp.status == 200 and resp.data["due_on"] == "2026-06-02"  # moves only once approved
    assert events(world, pid)[-1]["action"] == "request_extension"
    assert events(world, pid)[-1]["data"]["new_due_on"] == "2026-06-03"


@at("2026-03-02")
def test_approving_an_extension_needs_the_cppcc_consulted(world):
    pid, aid = drive_lead(world, "handling")
    act(world, world.jyj_handler, aid, "request-extension", {"reason": "涉及多部门", "new_due_on": "2026-08-03"})
    before = events(world, pid)
    resp = post(world, world.office, aid, "decide-extension", {"approve": True, "cppcc_consulted": False})
    assert resp.status == 422 and resp.error_code == "cppcc_not_consulted"
    assert events(world, pid) == before
    assert assignment(world, aid)["due_on"] == "2026-06-02"
    # Rejecting needs no consultation.
    r = act(
        world, world.office, aid, "decide-extension", {"approve": False, "cppcc_consulted": False, "comment": "不同意"}
    )
    assert r["due_on"] == "2026-06-02" and r["state"] == "handling"
    event = events(world, pid)[-1]
    assert event["action"] == "decide_extension" and event["data"]["approve"] is False
    # A new request, approved after consultation, moves the due date and the event records it.
    act(world, world.jyj_handler, aid, "request-extension", {"reason": "涉及多部门", "new_due_on": "2026-08-03"})
    r = act(world, world.office, aid, "decide-extension", {"approve": True, "cppcc_consulted": True})
    assert r["due_on"] == "2026-08-03" and r["state"] == "handling"
    assert assignment(world, aid)["due_on"] == "2026-08-03"
    event = events(world, pid)[-1]
    assert event["action"] == "decide_extension" and event["actor"]["id"] == world.office.pk
    assert event["data"]["approve"] is True and event["data"]["cppcc_consulted"] is True
    assert event["data"]["due_on"] == {"from": "2026-06-02", "to": "2026-08-03"}
    row = _stats_row(world, world.jyj.pk)
    assert row["extensions"] == 1


@at("2026-03-02")
def test_the_cppcc_records_its_consultation_and_the_office_may_then_approve(world):
    pid, aid = drive_lead(world, "handling")
    resp = post(world, world.cppcc, aid, "consult-extension", {"agree": True})
    assert resp.status == 409  # nothing to consult on yet
    act(world, world.jyj_handler, aid, "request-extension", {"reason": "涉及多部门", "new_due_on": "2026-08-03"})
    resp = post(world, world.office, aid, "consult-extension", {"agree": True})
    assert resp.status == 403  # the office cannot speak for the CPPCC
    act(world, world.cppcc, aid, "consult-extension", {"agree": True, "opinion": "同意延期，请抓紧办理"})
    event = events(world, pid)[-1]
    assert event["action"] == "consult_extension" and event["actor"]["id"] == world.cppcc.pk
    assert event["data"]["agree"] is True and event["data"]["opinion"] == "同意延期，请抓紧办理"
    # The consultation is on record, so approving without ticking the box is allowed.
    r = act(world, world.office, aid, "decide-extension", {"approve": True, "cppcc_consulted": False})
    assert r["due_on"] == "2026-08-03"
    assert events(world, pid)[-1]["data"]["cppcc_consulted"] is True


def _stats_row(world, department_id: int) -> dict[str, Any]:
    resp = world.api(world.office).get("/stats", year=2026)
    assert resp.status == 200, resp.data
    return next(d for d in resp.data["departments"] if d["department_id"] == department_id)


# ---------------------------------------------------------------------------------------------------
# not_b_class, follow_up_open


@at("2026-03-02")
def test_follow_up_plan_only_for_b_replies(world):
    plan = {"items": [{"text": "新建学校", "department_id": world.jyj.pk, "person": "王科长", "due_on": "2026-12-31"}]}
    for cls in ("A", "C"):
        pid, aid = drive_lead(world, "replied", result_class=cls)
        before = events(world, pid)
        resp = post(world, world.jyj_handler, aid, "follow-up-plan", plan)
        assert resp.status == 422 and resp.error_code == "not_b_class", (cls, resp.data)
        assert events(world, pid) == before
        assert assignment(world, aid)["follow_up_items"] == []
    pid, aid = drive_lead(world, "replied", result_class="B")
    r = act(world, world.jyj_handler, aid, "follow-up-plan", plan)
    assert [i["text"] for i in r["follow_up_items"]] == ["新建学校"]


@at("2026-03-02")
def test_second_feedback_needs_every_follow_up_item_done(world):
    pid, aid = drive_lead(world, "replied", result_class="B")
    resp = post(world, world.jyj_handler, aid, "second-feedback", {"text": "已落实"})
    assert resp.status == 422 and resp.error_code == "follow_up_open"
    plan = {"items": [{"text": "新建学校", "department_id": world.jyj.pk, "person": "王科长", "due_on": "2026-12-31"}]}
    item = act(world, world.jyj_handler, aid, "follow-up-plan", plan)["follow_up_items"][0]
    resp = post(world, world.jyj_handler, aid, "second-feedback", {"text": "已落实"})
    assert resp.status == 422 and resp.error_code == "follow_up_open"
    act(world, world.jyj_handler, aid, "follow-up-done", {"item_id": item["id"], "note": "已建成"})
    assert post(world, world.jyj_handler, aid, "second-feedback", {"text": "已落实"}).status == 200
    assert [(e["action"], e["data"]) for e in events(world, pid)[-1:]] == [("second_feedback", {"text": "已落实"})]


# ---------------------------------------------------------------------------------------------------
# duplicate_number


@at("2026-03-02")
def test_duplicate_number_in_a_session(world):
    file_proposal(world, number="88")
    resp = world.api(world.cppcc).post("/proposals", {
        "session_id": make_session(world), "number": "88", "title": "另一件提案", "body": "……", "kind": "individual",
        "proposers": [{"name": world.member1.name, "user_id": world.member1.pk}],
    })  # fmt: skip
    assert resp.status == 422 and resp.error_code == "duplicate_number"
    # The same number in another session is a different proposal.
    other = make_session(world, name="十四届三次会议", year=2027)
    p = file_proposal(world, number="88", session_id=other)
    assert p["number"] == "88"
    listed = world.api(world.cppcc).get("/proposals", q="88").data
    assert sorted(x["session_id"] for x in listed["items"] if x["number"] == "88") == sorted(
        [make_session(world), other]
    )


def test_registering_is_all_or_nothing(world):
    # A failure after the proposal row is written (here: writing its history) leaves no half proposal.
    session = Session.objects.get(pk=make_session(world))
    new = NewProposal(number="99", title="关于半途失败的提案", body="……", kind="individual",
                      proposers=[ProposerEntry(world.member1.name, world.member1)])  # fmt: skip
    with (
        mock.patch("proposals.actions.record_event", side_effect=RuntimeError("history down")),
        pytest.raises(RuntimeError),
    ):
        create_proposal(session, actor=world.cppcc, new=new)
    assert not Proposal.objects.filter(session=session, number="99").exists()
    assert not Proposer.objects.filter(proposal__session=session, proposal__number="99").exists()


# ---------------------------------------------------------------------------------------------------
# Idempotency


@at("2026-03-02")
def test_same_idempotency_key_and_body_replays_the_first_response(world):
    pid, aid = drive_lead(world, "pending")
    api = world.api(world.jyj_handler)
    before = events(world, pid)
    first = api.post(f"/assignments/{aid}/receive", {}, headers={"Idempotency-Key": "k-receive-1"})
    assert first.status == 200 and first.data["state"] == "received"
    again = api.post(f"/assignments/{aid}/receive", {}, headers={"Idempotency-Key": "k-receive-1"})
    assert again.status == 200 and again.data == first.data
    assert len(events(world, pid)) == len(before) + 1
    # Without a key the repeated transition is refused: the state has moved on.
    resp = api.post(f"/assignments/{aid}/receive", {})
    assert resp.status == 409 and resp.error_code == "invalid_transition"
    assert len(events(world, pid)) == len(before) + 1


@at("2026-03-02")
def test_contact_with_a_key_is_recorded_once_without_a_key_again(world):
    pid, aid = drive_lead(world, "handling")
    api = world.api(world.jyj_handler)
    body = contact_body("before")
    n = len(events(world, pid))
    first = api.post(f"/assignments/{aid}/contact", body, headers={"Idempotency-Key": "contact-1"})
    assert first.status == 200
    again = api.post(f"/assignments/{aid}/contact", body, headers={"Idempotency-Key": "contact-1"})
    assert again.status == 200 and again.data == first.data
    assert [e["action"] for e in events(world, pid)[n:]] == ["contact"]
    # A different body under the same key is refused.
    other = api.post(f"/assignments/{aid}/contact", contact_body("during"), headers={"Idempotency-Key": "contact-1"})
    assert other.status == 422 and other.error_code == "idempotency_key_reused"
    assert [e["action"] for e in events(world, pid)[n:]] == ["contact"]
    # Contacts may legitimately repeat: without a key the same contact is recorded again.
    assert api.post(f"/assignments/{aid}/contact", body).status == 200
    assert api.post(f"/assignments/{aid}/contact", body).status == 200
    assert [e["action"] for e in events(world, pid)[n:]] == ["contact"] * 3


@at("2026-03-02")
def test_idempotency_key_reused_for_another_action(world):
    pid, aid = drive_lead(world, "received")
    api = world.api(world.jyj_handler)
    headers = {"Idempotency-Key": "same-key"}
    assert api.post(f"/assignments/{aid}/contact", contact_body(), headers=headers).status == 200
    resp = api.post(f"/assignments/{aid}/submit-form", {"opinion": "拟办", "handler_id": world.jyj_handler.pk},
                    headers=headers)  # fmt: skip
    assert resp.status == 422 and resp.error_code == "idempotency_key_reused"
    assert assignment(world, aid)["state"] == "received"


# ---------------------------------------------------------------------------------------------------
# Deadlines (domain.md §6)


@at("2026-03-02")
def test_default_deadlines_of_an_assignment(world):
    p = file_proposal(world)
    data = assign(world, p["id"], [(world.jyj, "lead"), (world.wjw, "co")])
    lead, co = sorted(data["assignments"], key=lambda a: a["role"] != "lead")
    assert (lead["assigned_on"], lead["due_on"], lead["return_deadline"]) == ("2026-03-02", "2026-06-02", "2026-03-12")
    assert lead["co_opinion_due"] is None
    assert co["co_opinion_due"] == "2026-04-02"


@at("2026-04-01")
def test_due_date_clamps_to_the_month_end(world):
    _, a = new_lead(world, assigned_on="2026-03-31")
    assert a["due_on"] == "2026-06-30"


@at("2026-12-01")
def test_due_date_on_a_sunday_rolls_to_monday(world):
    # 2026-11-30 + 3 months = 2027-02-28, a Sunday → 2027-03-01 (2027's schedule is not known yet: weekends).
    _, a = new_lead(world, assigned_on="2026-11-30")
    assert a["due_on"] == "2027-03-01"


@at("2026-10-08")
def test_return_deadline_ending_in_national_day(world):
    _, a = new_lead(world, assigned_on="2026-09-25")
    assert a["return_deadline"] == "2026-10-08"


def test_rehandling_sets_due_on_to_feedback_date_plus_one_month(world):
    with at("2026-03-02") as traveller:
        pid, aid = drive_lead(world, "replied")
        move(world, traveller, "2026-04-30")
        a = act(world, world.member1, aid, "feedback", {"attitude": "satisfied", "result": "unsatisfied"})
        # 2026-04-30 + 1 month = 2026-05-30, a Saturday → Monday 2026-06-01.
        assert a["state"] == "rehandling" and a["due_on"] == "2026-06-01"
        assert a["light"] == "green"  # 32 days left
        event = events(world, pid)[-1]
        assert (event["from_state"], event["to_state"]) == ("replied", "rehandling")


@at("2026-03-02")
def test_changing_the_rules_changes_new_assignments_only(world):
    p1, old = new_lead(world)
    assert (old["due_on"], old["return_deadline"]) == ("2026-06-02", "2026-03-12")
    set_rules(world, reply_months=4, return_window_days=5, co_opinion_months=2)
    p2 = file_proposal(world)
    data = assign(world, p2["id"], [(world.jyj, "lead"), (world.wjw, "co")])
    new, co = sorted(data["assignments"], key=lambda a: a["role"] != "lead")
    assert new["due_on"] == "2026-07-02"
    assert new["return_deadline"] == "2026-03-09"  # 03-07 is a Saturday
    assert co["co_opinion_due"] == "2026-05-06"  # 05-02 falls in the May Day holiday (05-01..05-05)
    again = assignment(world, old["id"])
    assert (again["due_on"], again["return_deadline"]) == ("2026-06-02", "2026-03-12")


def test_jurisdiction_rules_are_patched_by_its_office_only(world):
    resp = world.api(world.jyj_head).patch(f"/jurisdictions/{world.city.pk}", {"rules": {"reply_months": 2}})
    assert resp.status == 403 and resp.error_code == "forbidden"
    resp = world.api(world.county_office).patch(f"/jurisdictions/{world.city.pk}", {"rules": {"reply_months": 2}})
    assert resp.status == 403 and resp.error_code == "forbidden"
    assert world.api(world.office).get(f"/jurisdictions/{world.city.pk}").data["rules"]["reply_months"] == 3


# ---------------------------------------------------------------------------------------------------
# Traffic light


def test_light_follows_days_left_until_due(world):
    with at("2026-03-02") as traveller:
        pid, aid = drive_lead(world, "handling")  # due 2026-06-02
        for day, light in (
            ("2026-03-02", "green"),
            ("2026-05-17", "green"),  # 16 days left
            ("2026-05-18", "yellow"),  # 15 days left
            ("2026-06-02", "yellow"),  # due today
            ("2026-06-03", "red"),  # overdue
        ):
            move(world, traveller, day)
            assert assignment(world, aid)["light"] == light, day


def test_co_light_follows_co_opinion_due(world):
    with at("2026-03-02") as traveller:
        p = file_proposal(world)
        data = assign(world, p["id"], [(world.jyj, "lead"), (world.wjw, "co")])
        lead, co = sorted(data["assignments"], key=lambda a: a["role"] != "lead")
        assert co["co_opinion_due"] == "2026-04-02"
        for day, co_light in (
            ("2026-03-17", "green"),  # 16 days left
            ("2026-03-18", "yellow"),  # 15 days left
            ("2026-04-02", "yellow"),
            ("2026-04-03", "red"),
        ):
            move(world, traveller, day)
            assert assignment(world, co["id"])["light"] == co_light, day
            assert assignment(world, lead["id"])["light"] == "green", day


@at("2026-03-02")
def test_light_is_null_for_withdrawn_replied_and_closed(world):
    for state in ("withdrawn", "replied", "closed"):
        _, aid = drive_lead(world, state)
        assert assignment(world, aid)["light"] is None, state
    _, aid = drive_lead(world, "rehandling")
    assert assignment(world, aid)["light"] == "green"


def test_assignments_filtered_by_light(world):
    with at("2026-05-20"):
        _, yellow = new_lead(world, assigned_on="2026-03-02")  # due 06-02: 13 days left
        _, green = new_lead(world, assigned_on="2026-04-01")  # due 07-01: 42 days left
        _, red = new_lead(world, assigned_on="2026-02-10")  # due 05-10 (Sunday) → 05-11: overdue
        _, done = new_lead(world, assigned_on="2026-01-05")  # due 04-07, overdue, but replied
        assert (yellow["due_on"], green["due_on"], red["due_on"]) == ("2026-06-02", "2026-07-01", "2026-05-11")
        h = world.jyj_handler
        act(world, h, done["id"], "receive")
        act(world, h, done["id"], "submit-form", {"opinion": "拟办", "handler_id": h.pk})
        act(world, world.jyj_head, done["id"], "approve-form", {})
        act(world, h, done["id"], "draft-reply", draft_body())
        act(world, world.jyj_head, done["id"], "sign-reply", {})
        for user in (world.office, world.jyj_handler):
            api = world.api(user)
            for light, expected in (("red", red), ("yellow", yellow), ("green", green)):
                resp = api.get("/assignments", light=light)
                assert resp.status == 200, resp.data
                assert [a["id"] for a in resp.data["items"]] == [expected["id"]], (user.username, light)
                assert resp.data["total"] == 1
                assert resp.data["items"][0]["light"] == light
        # Other units see none of 市教育局's assignments.
        assert world.api(world.wjw_handler).get("/assignments", light="red").data["total"] == 0
        assert world.api(world.office).get("/assignments", light="purple").status == 400


@at("2026-03-02")
def test_meeting_date_is_checked_against_today(world):
    pid, aid = drive_lead(world, "approved")
    resp = post(world, world.office, aid, "reply-meeting", meeting_body(on="2026-03-03"))
    assert resp.status == 422 and resp.error_code == "date_in_future"
    assert assignment(world, aid)["state"] == "approved"
