"""What a user may do on an assignment now (``handling.permissions.available_actions``) is what the API accepts.

For a persona looking at an assignment in some state (and with some records: a pending extension, a B or an A
reply, a co unit still silent …), every action is tried through the HTTP API in a savepoint rolled back at
once: each one offered succeeds, each one not offered is refused exactly as ``permissions.refusal`` says
(403 role or unit, 409 state, 409/422 the action's precondition). The assignment JSON's ``available_actions``
is the same list for that user, while ``allowed_actions`` stays the state's, whoever reads it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.db import transaction

from conftest import World, act, assign
from handling.models import Assignment
from handling.permissions import available_actions, refusal
from handling.states import API_NAMES
from organisation.models import User
from tests.test_transitions import assignment, drive_lead, post, sample_body

INTERNAL = {api: name for name, api in API_NAMES.items()}


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False):
        yield


def rolled_back(request: Callable[[], Any]) -> Any:
    with transaction.atomic():
        try:
            return request()
        finally:
            transaction.set_rollback(True)


def body_for(world: World, aid: int, action: str) -> dict[str, Any]:
    body = sample_body(world, action)
    if action == "follow-up-done":
        items = [i for i in Assignment.objects.get(pk=aid).follow_up_items.all() if i.done_on is None]
        body["item_id"] = items[0].pk if items else 999_999
    return body


def check_offer(world: World, user: User, aid: int) -> set[str]:
    """Try every action as ``user``; return the offered ones (API names) after checking each answer."""
    shown = assignment(world, aid, user)  # also issues the user's token outside the savepoints below
    a = Assignment.objects.select_related("proposal", "department").get(pk=aid)
    offered = {API_NAMES[n] for n in available_actions(user, a)}
    assert set(shown["available_actions"]) == offered
    wrong = []
    for action in sorted(API_NAMES.values()):
        resp = rolled_back(lambda: post(world, user, aid, action, body_for(world, aid, action)))  # noqa: B023
        if action in offered:
            expected: tuple[int, str | None] = (200, None)
        else:
            error = refusal(user, INTERNAL[action], a)
            assert error is not None, action
            expected = (error.status, error.code)
        if (resp.status, resp.error_code) != expected:
            wrong.append((action, expected, resp.status, resp.data))
    assert not wrong, wrong
    return offered


CASES = [
    # (state the lead assignment of 市教育局 is driven to, persona, what it may do there)
    ("pending", "jyj_handler", {"receive", "request-return", "request-extension"}),
    ("pending", "office", {"remind"}),  # decide-extension: nothing to decide yet
    ("pending", "cppcc", set()),
    ("received", "jyj_leader", {"request-return", "submit-form", "contact", "request-extension"}),
    ("form_submitted", "jyj_handler", {"contact", "request-extension"}),  # approving the form is a leader's
    ("form_submitted", "jyj_head", {"approve-form", "contact", "request-extension"}),
    ("handling", "office", {"government-decision", "remind"}),
    ("reply_drafted", "jyj_head", {"draft-reply", "sign-reply", "contact", "request-extension"}),
    ("leader_approval", "vicemayor", {"approve-reply"}),
    ("leader_approval", "wjw_head", set()),  # another unit sees nothing of it: 404 for every action
    ("approved", "office", {"reply-meeting", "remind"}),
    ("replied", "member1", {"feedback"}),
    ("replied", "cppcc", {"feedback"}),  # a paper rating entered for the proposer
    ("replied", "jyj_handler", {"contact", "reply-meeting", "self-check", "follow-up-plan"}),  # a B reply
    ("closed", "member1", set()),
    ("rehandling", "jyj_handler", {"contact", "draft-reply", "self-check"}),
]


@pytest.mark.parametrize(("state", "persona", "expected"), CASES, ids=[f"{s}-{p}" for s, p, _ in CASES])
def test_what_is_offered_is_what_the_api_accepts(world, state, persona, expected):
    pid, aid = drive_lead(world, state)
    user = getattr(world, persona)
    if persona == "wjw_head":
        assert world.api(user).get(f"/assignments/{aid}").status == 404
        assert available_actions(user, Assignment.objects.get(pk=aid)) == []
        return
    assert check_offer(world, user, aid) == expected


def test_allowed_actions_are_the_states_and_available_actions_the_readers(world):
    pid, aid = drive_lead(world, "pending")
    as_office, as_handler = assignment(world, aid, world.office), assignment(world, aid, world.jyj_handler)
    assert as_office["allowed_actions"] == as_handler["allowed_actions"]
    assert set(as_office["allowed_actions"]) >= {"receive", "remind", "decide-extension"}
    assert as_office["available_actions"] == ["remind"]
    assert as_handler["available_actions"] == ["receive", "request-return", "request-extension"]
    listed = world.api(world.jyj_handler).get("/assignments").data["items"]
    assert [i["available_actions"] for i in listed if i["id"] == aid] == [as_handler["available_actions"]]
    detail = world.api(world.office).get(f"/proposals/{pid}").data
    assert [x["available_actions"] for x in detail["assignments"]] == [["remind"]]


# ---------------------------------------------------------------------------------------------------
# Each precondition, both ways: the action is offered exactly when its records allow it.


def test_a_pending_extension_is_decided_not_requested_again(world):
    pid, aid = drive_lead(world, "handling")
    assert "decide-extension" not in check_offer(world, world.office, aid)
    assert "consult-extension" not in check_offer(world, world.cppcc, aid)
    act(world, world.jyj_handler, aid, "request-extension", sample_body(world, "request-extension"))
    assert "request-extension" not in check_offer(world, world.jyj_handler, aid)
    assert "decide-extension" in check_offer(world, world.office, aid)
    assert "consult-extension" in check_offer(world, world.cppcc, aid)


def test_the_return_window_closes_the_return_request(world):
    pid, aid = drive_lead(world, "pending")
    assert "request-return" in check_offer(world, world.jyj_handler, aid)
    with time_machine.travel("2026-03-20 09:00 +0800", tick=False):
        assert "request-return" not in check_offer(world, world.jyj_handler, aid)


def test_a_major_proposal_is_drafted_after_the_government_decision(world):
    pid, aid = drive_lead(world, "handling")
    assert world.api(world.cppcc).patch(f"/proposals/{pid}", {"is_major": True}).status == 200
    assert "draft-reply" not in check_offer(world, world.jyj_handler, aid)
    act(world, world.office, aid, "government-decision", sample_body(world, "government-decision"))
    assert "draft-reply" in check_offer(world, world.jyj_handler, aid)


def test_the_reply_is_signed_once_every_co_unit_has_given_its_opinion(world):
    pid, aid = drive_lead(world, "reply_drafted")
    co = next(a for a in assign(world, pid, [(world.wjw, "co")])["assignments"] if a["role"] == "co")
    assert "sign-reply" not in check_offer(world, world.jyj_head, aid)
    act(world, world.wjw_handler, co["id"], "receive")
    act(world, world.wjw_handler, co["id"], "co-opinion", {"text": "同意主办单位意见"})
    assert "sign-reply" in check_offer(world, world.jyj_head, aid)


def test_only_a_b_reply_gets_a_follow_up_plan(world):
    pid, aid = drive_lead(world, "replied", result_class="A")
    assert "follow-up-plan" not in check_offer(world, world.jyj_handler, aid)


def test_items_are_finished_then_the_second_feedback_given_once(world):
    pid, aid = drive_lead(world, "replied")
    act(world, world.jyj_handler, aid, "follow-up-plan", sample_body(world, "follow-up-plan"))
    offered = check_offer(world, world.jyj_handler, aid)
    assert "follow-up-done" in offered and "second-feedback" not in offered
    item = Assignment.objects.get(pk=aid).follow_up_items.get()
    act(world, world.jyj_handler, aid, "follow-up-done", {"item_id": item.pk, "note": "已完成"})
    offered = check_offer(world, world.jyj_handler, aid)
    assert "follow-up-done" not in offered and "second-feedback" in offered
    act(world, world.jyj_handler, aid, "second-feedback", sample_body(world, "second-feedback"))
    assert "second-feedback" not in check_offer(world, world.jyj_handler, aid)


def test_a_co_signer_rates_after_the_first_proposer_has_decided(world):
    people = [{"name": world.member1.name, "user_id": world.member1.pk},
              {"name": world.member2.name, "user_id": world.member2.pk}]  # fmt: skip
    pid, aid = drive_lead(world, "closed", kind="joint", proposers=people)
    assert check_offer(world, world.member1, aid) == set()
    assert check_offer(world, world.member2, aid) == {"feedback"}
