"""Dates recorded by hand may not precede what they follow."""

from __future__ import annotations

import time_machine

from conftest import act, assign, file_proposal
from tests.test_transitions import advance_lead


@time_machine.travel("2026-03-20 09:00 +0800", tick=False)
def test_a_contact_cannot_precede_the_assignment(world):
    p = file_proposal(world)
    lead = assign(world, p["id"], [(world.jyj, "lead")], assigned_on="2026-03-10")["assignments"][0]
    act(world, world.jyj_handler, lead["id"], "receive")
    body = {"stage": "before", "method": "phone", "participants": "张委员", "notes": "电话"}
    r = world.api(world.jyj_handler).post(f"/assignments/{lead['id']}/contact", {**body, "date": "2026-03-09"})
    assert r.status == 422 and r.error_code == "date_before_assignment"
    act(world, world.jyj_handler, lead["id"], "contact", {**body, "date": "2026-03-10"})


def test_a_key_reply_meeting_cannot_precede_the_signing(world):
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False):
        p = file_proposal(world, is_key=True)
        aid = assign(world, p["id"], [(world.jyj, "lead")], assigned_on="2026-02-20")["assignments"][0]["id"]
        advance_lead(world, aid, "approved", key=True)
        signed_on = world.api(world.office).get(f"/assignments/{aid}").data["reply"]["signed_on"]
        meeting = {"chair": "副市长", "participants": "提案人", "notes": "座谈"}
        r = world.api(world.office).post(f"/assignments/{aid}/reply-meeting", {**meeting, "date": "2026-03-01"})
        assert r.status == 422 and r.error_code == "date_before_signing", r.data
        a = act(world, world.office, aid, "reply-meeting", {**meeting, "date": signed_on})
    assert a["state"] == "replied" and a["reply"]["delivered_on"] == signed_on


@time_machine.travel("2026-11-30 09:00 +0800", tick=False)
def test_a_deadline_in_a_year_without_holidays_warns_and_counts_weekends(world):
    p = file_proposal(world)
    lead = assign(world, p["id"], [(world.jyj, "lead")])["assignments"][0]
    assert lead["due_on"] == "2027-03-01"  # 2027-02-28 is a Sunday
    assert "2027年" in lead["calendar_warning"]
    listed = world.api(world.jyj_handler).get("/assignments").data["items"][0]
    assert listed["calendar_warning"] == lead["calendar_warning"]
    assign_event = [
        e for e in world.api(world.office).get(f"/proposals/{p['id']}").data["events"] if e["action"] == "assign"
    ]
    assert "2027年" in assign_event[0]["data"]["calendar_warning"]
    world.api(world.office).put(
        "/calendar/2027", {"days": [{"date": "2027-03-01", "is_workday": False, "name": "假设的假日"}]}
    )
    again = world.api(world.office).get(f"/assignments/{lead['id']}").data
    assert again["calendar_warning"] is None
