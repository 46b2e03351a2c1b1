"""Key proposals (重点提案) and 建议案: office review, the leader's approval, reply meetings, instructions."""

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
    leader,
    meeting_body,
    post,
    proposal,
)

MORNING = " 09:00 +0800"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel("2026-03-02" + MORNING, tick=False) as traveller:
        yield traveller


def _new_events(world, pid: int, before: list[dict[str, Any]]) -> list[dict[str, Any]]:
    after = events(world, pid)
    assert after[: len(before)] == before
    return after[len(before) :]


def test_key_proposal_from_signature_to_reply_meeting(world):
    vm_wjw = leader(world, "vm_wjw", world.wjw)
    vm_zjj = leader(world, "vm_zjj", world.zjj)
    pid, aid = drive_lead(world, "reply_drafted", key=True, result_class="A", co=world.wjw)
    assert proposal(world, pid)["is_key"] is True

    # The unit's head signs: a key reply goes to the office, not yet to the proposer.
    before = events(world, pid)
    a = act(world, world.jyj_head, aid, "sign-reply", {})
    assert a["state"] == "office_review"
    assert a["reply"]["signed_on"] == "2026-03-02" and a["reply"]["delivered_on"] is None
    [e] = _new_events(world, pid, before)
    assert (e["action"], e["from_state"], e["to_state"], e["actor"]["id"]) == (
        "sign_reply", "reply_drafted", "office_review", world.jyj_head.pk,
    )  # fmt: skip
    assert proposal(world, pid)["status"] == "handling"
    assert world.api().get("/public/replies").data["total"] == 0

    # The office reviews and changes the class A → B: a new version of the reply, recorded in the event.
    version = a["reply"]["version"]
    before = events(world, pid)
    a = act(world, world.office, aid, "review-reply", {"approve": True, "comment": "应为B类", "result_class": "B"})
    assert a["state"] == "leader_approval"
    assert a["reply"]["version"] == version + 1
    assert a["reply"]["result_class"] == "B"
    assert a["reply"]["text"] == draft_body()["text"]
    [e] = _new_events(world, pid, before)
    assert (e["action"], e["from_state"], e["to_state"], e["actor"]["id"]) == (
        "review_reply", "office_review", "leader_approval", world.office.pk,
    )  # fmt: skip
    assert e["data"]["result_class"] == {"from": "A", "to": "B"}

    # Only the leader in charge of the lead unit approves.
    before = events(world, pid)
    resp = post(world, vm_wjw, aid, "approve-reply", {"approve": True})
    assert resp.status == 403 and resp.error_code == "forbidden"
    resp = post(world, vm_zjj, aid, "approve-reply", {"approve": True})
    assert resp.status == 404 and resp.error_code == "not_found"
    resp = post(world, world.office, aid, "approve-reply", {"approve": True})
    assert resp.status == 403 and resp.error_code == "forbidden"
    assert events(world, pid) == before and assignment(world, aid)["state"] == "leader_approval"
    a = act(world, world.vicemayor, aid, "approve-reply", {"approve": True, "comment": "同意"})
    assert a["state"] == "approved"
    [e] = _new_events(world, pid, before)
    assert (e["action"], e["from_state"], e["to_state"], e["actor"]["id"]) == (
        "approve_reply", "leader_approval", "approved", world.vicemayor.pk,
    )  # fmt: skip

    # The reply meeting, chaired by the leader in charge, delivers the reply.
    before = events(world, pid)
    a = act(world, world.jyj_head, aid, "reply-meeting", meeting_body(chair="副市长"))
    assert a["state"] == "replied"
    assert a["reply"]["delivered_on"] == "2026-03-02" and a["reply"]["result_class"] == "B"
    assert a["light"] is None
    [e] = _new_events(world, pid, before)
    assert (e["action"], e["from_state"], e["to_state"], e["actor"]["id"]) == (
        "reply_meeting", "approved", "replied", world.jyj_head.pk,
    )  # fmt: skip
    assert proposal(world, pid)["status"] == "replied"
    public = world.api().get("/public/replies").data
    assert public["total"] == 1 and public["items"][0]["result_class"] == "B"
    # The proposer rates it like any other reply.
    assert (
        act(world, world.member1, aid, "feedback", {"attitude": "satisfied", "result": "satisfied"})["state"]
        == "closed"
    )


def test_suggestion_proposal_goes_through_review_and_approval(world):
    pid, aid = drive_lead(world, "reply_drafted", key=False, is_suggestion=True)
    assert proposal(world, pid)["is_suggestion"] is True
    assert act(world, world.jyj_head, aid, "sign-reply", {})["state"] == "office_review"
    assert act(world, world.office, aid, "review-reply", {"approve": True})["state"] == "leader_approval"
    assert act(world, world.mayor, aid, "approve-reply", {"approve": True})["state"] == "approved"
    a = act(world, world.office, aid, "reply-meeting", meeting_body())
    assert a["state"] == "replied" and a["reply"]["delivered_on"] == "2026-03-02"


def test_one_meeting_replies_two_key_proposals_and_on_time_is_judged_on_the_meeting_date(world, _today):
    def key_lead(unit: Any) -> tuple[int, int]:
        p = file_proposal(world, is_key=True)
        data = assign(world, p["id"], [(unit, "lead")], assigned_on="2025-12-01")
        a = data["assignments"][0]
        assert a["due_on"] == "2026-03-02"  # 2026-03-01 is a Sunday
        return p["id"], a["id"]

    _today.move_to("2026-02-26" + MORNING)
    world._apis.clear()
    (p1, a1), (p2, a2) = key_lead(world.jyj), key_lead(world.jyj)
    p3, a3 = key_lead(world.zjj)
    for aid in (a1, a2):
        advance_lead(world, aid, "approved", key=True, result_class="A")
    advance_lead(world, a3, "approved", unit=world.zjj, key=True, result_class="C")
    for aid in (a1, a2, a3):
        assert assignment(world, aid)["reply"]["signed_on"] == "2026-02-26"

    # Recorded on 03-03 (after the due date), the meeting itself was held on 03-02 (the due date).
    _today.move_to("2026-03-03" + MORNING)
    world._apis.clear()
    before1, before2 = events(world, p1), events(world, p2)
    resp = post(world, world.office, a1, "reply-meeting", meeting_body(on="2026-03-02", assignment_ids=[a1, a2]))
    assert resp.status == 200, resp.data
    assert resp.data["id"] == a1 and resp.data["state"] == "replied"
    for pid, aid, before in ((p1, a1, before1), (p2, a2, before2)):
        a = assignment(world, aid)
        assert a["state"] == "replied"
        assert a["reply"]["delivered_on"] == "2026-03-02"
        [e] = _new_events(world, pid, before)
        assert (e["action"], e["from_state"], e["to_state"], e["assignment_id"]) == (
            "reply_meeting", "approved", "replied", aid,
        )  # fmt: skip
        assert sorted(e["data"]["assignment_ids"]) == sorted([a1, a2])
        assert proposal(world, pid)["status"] == "replied"
    # 市住建局's meeting is held on 03-03: signed before the due date, yet delivered late.
    a = act(world, world.zjj_head, a3, "reply-meeting", meeting_body(on="2026-03-03"))
    assert a["state"] == "replied" and a["reply"]["delivered_on"] == "2026-03-03"

    stats = world.api(world.office).get("/stats", year=2026).data
    rows = {d["department_id"]: d for d in stats["departments"]}
    assert rows[world.jyj.pk]["replied"] == 2 and rows[world.jyj.pk]["on_time_rate"] == 1.0
    assert rows[world.zjj.pk]["replied"] == 1 and rows[world.zjj.pk]["on_time_rate"] == 0.0


def test_meeting_over_an_assignment_in_the_wrong_state_changes_nothing(world):
    p1, a1 = drive_lead(world, "approved")
    p2, a2 = drive_lead(world, "leader_approval")
    before1, before2 = events(world, p1), events(world, p2)
    resp = post(world, world.office, a1, "reply-meeting", meeting_body(assignment_ids=[a1, a2]))
    assert resp.status == 409 and resp.error_code == "invalid_transition"
    assert assignment(world, a1)["state"] == "approved" and assignment(world, a1)["reply"]["delivered_on"] is None
    assert assignment(world, a2)["state"] == "leader_approval"
    assert events(world, p1) == before1 and events(world, p2) == before2


def test_meeting_over_an_assignment_the_user_may_not_see_is_404(world):
    p1, a1 = drive_lead(world, "approved")
    p2, a2 = drive_lead(world, "approved", unit=world.zjj)
    before = events(world, p1)
    resp = post(world, world.jyj_head, a1, "reply-meeting", meeting_body(assignment_ids=[a1, a2]))
    assert resp.status == 404 and resp.error_code == "not_found"
    assert assignment(world, a1)["state"] == "approved" and events(world, p1) == before


def test_meeting_over_another_units_assignment_is_403(world):
    # The unit sees the co unit's assignment of its proposal, but may hold no meeting over it.
    p1, a1 = drive_lead(world, "approved", co=world.wjw)
    co = next(a["id"] for a in world.api(world.office).get(f"/proposals/{p1}").data["assignments"] if a["role"] == "co")
    before = events(world, p1)
    resp = post(world, world.jyj_head, a1, "reply-meeting", meeting_body(assignment_ids=[a1, co]))
    assert resp.status == 403 and resp.error_code == "forbidden"
    assert assignment(world, a1)["state"] == "approved" and events(world, p1) == before


def test_reply_meeting_on_an_already_replied_key_proposal_is_409(world):
    # api.md: key proposals and 建议案 take a reply meeting only in `approved`.
    pid, aid = drive_lead(world, "replied", key=True)
    before = events(world, pid)
    resp = post(world, world.office, aid, "reply-meeting", meeting_body())
    assert resp.status == 409 and resp.error_code == "invalid_transition", (resp.status, resp.data)
    assert events(world, pid) == before


def test_rejected_review_returns_to_handling_with_the_draft_kept(world):
    pid, aid = drive_lead(world, "office_review", result_class="A")
    draft = assignment(world, aid)["reply"]
    before = events(world, pid)
    a = act(world, world.office, aid, "review-reply", {"approve": False, "comment": "请逐条答复"})
    assert a["state"] == "handling"
    assert a["reply"] == draft
    [e] = _new_events(world, pid, before)
    assert (e["action"], e["from_state"], e["to_state"]) == ("review_reply", "office_review", "handling")
    assert e["data"]["approve"] is False
    assert proposal(world, pid)["status"] == "handling"
    # The unit revises: a new version, signed again, reviewed again.
    a = act(world, world.jyj_handler, aid, "draft-reply", draft_body("A", "逐条答复如下：一、……"))
    assert a["reply"]["version"] == draft["version"] + 1
    assert act(world, world.jyj_head, aid, "sign-reply", {})["state"] == "office_review"
    assert act(world, world.office, aid, "review-reply", {"approve": True})["state"] == "leader_approval"


def test_rejected_approval_returns_to_handling_with_the_draft_kept(world):
    pid, aid = drive_lead(world, "leader_approval")
    draft = assignment(world, aid)["reply"]
    before = events(world, pid)
    a = act(world, world.vicemayor, aid, "approve-reply", {"approve": False, "comment": "再研究"})
    assert a["state"] == "handling" and a["reply"] == draft
    [e] = _new_events(world, pid, before)
    assert (e["action"], e["from_state"], e["to_state"], e["actor"]["id"]) == (
        "approve_reply", "leader_approval", "handling", world.vicemayor.pk,
    )  # fmt: skip
    resp = post(world, world.office, aid, "reply-meeting", meeting_body())
    assert resp.status == 409 and resp.error_code == "invalid_transition"


def test_key_proposal_cannot_skip_review(world):
    pid, aid = drive_lead(world, "office_review")
    resp = post(world, world.vicemayor, aid, "approve-reply", {"approve": True})
    assert resp.status == 409 and resp.error_code == "invalid_transition"
    resp = post(world, world.office, aid, "reply-meeting", meeting_body())
    assert resp.status == 409 and resp.error_code == "invalid_transition"
    resp = post(world, world.member1, aid, "feedback", {"attitude": "satisfied", "result": "satisfied"})
    assert resp.status == 409 and resp.error_code == "invalid_transition"
    assert assignment(world, aid)["state"] == "office_review"


def test_leader_instructions(world):
    vm_wjw = leader(world, "vm_wjw", world.wjw)
    pid, aid = drive_lead(world, "handling", key=True, co=world.wjw)
    resp = world.api(world.mayor).post(f"/proposals/{pid}/instructions", {"text": "请市教育局抓紧研究落实。"})
    assert resp.status == 201, resp.data
    assert resp.data["text"] == "请市教育局抓紧研究落实。" and resp.data["leader"]["id"] == world.mayor.pk
    # Any leader of the jurisdiction who sees it may instruct, in charge of the lead unit or not.
    resp = world.api(vm_wjw).post(f"/proposals/{pid}/instructions", {"text": "市卫健委积极配合。"})
    assert resp.status == 201, resp.data
    for user in (world.office, world.cppcc, world.jyj_head, world.member1):
        resp = world.api(user).post(f"/proposals/{pid}/instructions", {"text": "批示"})
        assert resp.status == 403 and resp.error_code == "forbidden", user.username
    resp = world.api(world.mayor).post(f"/proposals/{pid}/instructions", {"text": ""})
    assert resp.status == 400 and resp.error_code == "invalid"
    # Instructions are visible to everyone handling the proposal.
    for user in (world.jyj_handler, world.wjw_handler, world.office):
        detail = world.api(user).get(f"/proposals/{pid}").data
        assert [i["text"] for i in detail["instructions"]] == ["请市教育局抓紧研究落实。", "市卫健委积极配合。"]
    assert assignment(world, aid)["state"] == "handling"


def test_a_major_proposal_needs_the_government_decision_before_its_reply(world):
    """§四 last ¶: the unit reports, the government decides, and the reply follows the decision."""
    import time_machine

    from conftest import act, assign, file_proposal
    from tests.test_transitions import advance_lead, draft_body

    with time_machine.travel("2026-03-02 09:00 +0800", tick=False):
        p = file_proposal(world)
        r = world.api(world.cppcc).patch(f"/proposals/{p['id']}", {"is_major": True})
        assert r.status == 200 and r.data["is_major"] is True
        aid = assign(world, p["id"], [(world.jyj, "lead")])["assignments"][0]["id"]
        advance_lead(world, aid, "handling")
        r = world.api(world.jyj_handler).post(f"/assignments/{aid}/draft-reply", draft_body())
        assert r.status == 422 and r.error_code == "government_decision_missing"
        decision = {"report": "拟分三年实施", "decision": "市政府常务会议同意分步实施", "decided_on": "2026-03-02"}
        assert world.api(world.jyj_handler).post(f"/assignments/{aid}/government-decision", decision).status == 403
        act(world, world.office, aid, "government-decision", decision)
        a = act(world, world.jyj_handler, aid, "draft-reply", draft_body())
        assert a["state"] == "reply_drafted"
        events = world.api(world.office).get(f"/proposals/{p['id']}").data["events"]
        recorded = [e for e in events if e["action"] == "government_decision"]
        assert len(recorded) == 1 and recorded[0]["data"]["decision"] == "市政府常务会议同意分步实施"
