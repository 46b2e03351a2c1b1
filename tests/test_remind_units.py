"""``POST /api/v1/assignments/remind``: the office presses many units at once (批量催办), all or nothing.

One ``remind`` event per assignment, in the same transaction; the units hear of it only once it commits; a
unit user, an unknown id, another jurisdiction's or a finished assignment refuse the whole batch.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import time_machine

from conftest import World, act, assign, file_proposal
from handling.models import Reminder
from notifications.models import Notification
from proposals.models import Session
from tests.test_transitions import drive_lead, events

MESSAGE = "请抓紧办理，按时答复提案人。"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False):
        yield


def remind(world: World, user: Any, ids: list[int], message: str = MESSAGE, **headers: str) -> Any:
    return world.api(user).post("/assignments/remind", {"assignment_ids": ids, "message": message}, headers=headers)


def reminders(world: World, pid: int) -> list[dict[str, Any]]:
    return [e for e in events(world, pid) if e["action"] == "remind"]


def two_units(world: World) -> tuple[int, int, int]:
    """A proposal assigned to 市教育局 (lead) and 市卫健委 (co): (proposal, lead, co)."""
    p = file_proposal(world)
    data = assign(world, p["id"], [(world.jyj, "lead"), (world.wjw, "co")])
    lead = next(a["id"] for a in data["assignments"] if a["role"] == "lead")
    co = next(a["id"] for a in data["assignments"] if a["role"] == "co")
    return p["id"], lead, co


def test_the_office_reminds_several_units_in_one_call(world, django_capture_on_commit_callbacks):
    pid, lead, co = two_units(world)
    other_pid, other = drive_lead(world, "handling", unit=world.zjj)
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        resp = remind(world, world.office, [other, lead, co, lead])  # a repeated id is reminded once
    assert resp.status == 200, resp.data
    assert resp.data["count"] == 3
    assert sorted(resp.data["assignment_ids"]) == sorted([lead, co, other])
    assert resp.data["department_ids"] == sorted([world.jyj.pk, world.wjw.pk, world.zjj.pk])
    got = reminders(world, pid)
    assert sorted(e["assignment_id"] for e in got) == sorted([lead, co])
    assert all(e["actor"]["id"] == world.office.pk and e["data"]["message"] == MESSAGE for e in got)
    assert all(e["from_state"] == e["to_state"] == "pending" for e in got)
    assert [e["assignment_id"] for e in reminders(world, other_pid)] == [other]
    # Told after commit: the handler and the leader of each unit (the head too only when overdue).
    told = {(n.user.username, n.assignment_id) for n in Notification.objects.select_related("user")}
    for unit, aid in (("jyj", lead), ("wjw", co), ("zjj", other)):
        assert {(f"{unit}_handler", aid), (f"{unit}_leader", aid)} <= told
        assert (f"{unit}_head", aid) not in told


def test_the_messages_commit_with_the_batch(world, django_capture_on_commit_callbacks):
    """The messages are the outbox: written in the batch's transaction (no after-commit step a crash could
    lose), and a refused batch leaves none, even for the assignments reminded before the refusal."""
    pid, lead, co = two_units(world)
    county = county_assignment(world)
    Notification.objects.all().delete()
    assert remind(world, world.office, [lead, co, county]).status == 403
    assert Notification.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=False):
        assert remind(world, world.office, [lead, co]).status == 200
    assert set(Notification.objects.values_list("assignment_id", flat=True)) == {lead, co}


def test_a_unit_user_may_not_remind(world):
    pid, lead, co = two_units(world)
    for user in (world.jyj_head, world.cppcc, world.mayor, world.member1):
        resp = remind(world, user, [lead])
        assert resp.status == 403 and resp.error_code == "forbidden", (user.username, resp.data)
        # The role is checked before the body: a malformed body changes nothing.
        assert world.api(user).post("/assignments/remind", "not json").status == 403
    assert reminders(world, pid) == [] and Reminder.objects.count() == 0


def test_an_unknown_id_refuses_the_whole_batch(world):
    pid, lead, co = two_units(world)
    resp = remind(world, world.office, [lead, 999_999])
    assert resp.status == 404 and resp.error_code == "not_found"
    assert resp.data["error"]["details"]["assignment_ids"] == [999_999]
    assert reminders(world, pid) == []


def test_another_jurisdictions_assignment_refuses_the_whole_batch(world):
    pid, lead, co = two_units(world)
    county = county_assignment(world)
    # The city's office sees the county's assignments but acts on its own jurisdiction's only (分级负责).
    resp = remind(world, world.office, [lead, county])
    assert resp.status == 403 and resp.error_code == "forbidden", resp.data
    # The county's office does not see the city's at all.
    assert remind(world, world.county_office, [county, lead]).status == 404
    assert reminders(world, pid) == [] and Reminder.objects.count() == 0
    assert remind(world, world.county_office, [county]).status == 200


def test_a_finished_assignment_refuses_the_whole_batch(world):
    pid, lead, co = two_units(world)
    act(world, world.wjw_handler, co, "receive")
    act(world, world.wjw_handler, co, "co-opinion", {"text": "同意主办单位意见"})
    resp = remind(world, world.office, [lead, co])
    assert resp.status == 409 and resp.error_code == "invalid_transition"
    assert resp.data["error"]["details"]["state"] == "opinion_submitted"
    assert reminders(world, pid) == [] and Reminder.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    [
        {"assignment_ids": [], "message": MESSAGE},
        {"assignment_ids": ["LEAD"]},
        {"assignment_ids": ["LEAD"], "message": ""},
        {"assignment_ids": "LEAD", "message": MESSAGE},
        {"assignment_ids": ["LEAD"], "message": MESSAGE, "text": MESSAGE},
        {"assignment_ids": ["LEAD", 2**70], "message": MESSAGE},
    ],
    ids=["no-ids", "no-message", "empty-message", "ids-not-a-list", "unknown-field", "id-beyond-64-bits"],
)
def test_a_malformed_body_is_400(world, body):
    pid, lead, co = two_units(world)
    filled = json.loads(json.dumps(body).replace('"LEAD"', str(lead)))
    resp = world.api(world.office).post("/assignments/remind", filled)
    assert resp.status == 400 and resp.error_code == "invalid", resp.data
    assert reminders(world, pid) == []


def test_a_retry_with_the_same_key_reminds_once(world):
    pid, lead, co = two_units(world)
    first = remind(world, world.office, [lead, co], **{"Idempotency-Key": "remind-1"})
    again = remind(world, world.office, [lead, co], **{"Idempotency-Key": "remind-1"})
    assert first.status == again.status == 200 and first.data == again.data
    assert len(reminders(world, pid)) == 2
    other = remind(world, world.office, [lead], **{"Idempotency-Key": "remind-1"})
    assert other.status == 422 and other.error_code == "idempotency_key_reused"
    assert len(reminders(world, pid)) == 2


def county_assignment(world: World) -> int:
    """A proposal of the county (示例县), registered and assigned by the county's office to 示例县教育局."""
    api = world.api(world.county_office)
    session = Session.objects.create(jurisdiction=world.county, name="县十届二次会议", year=2026)
    body = {"session_id": session.pk, "number": "1", "title": "关于改善县城学校周边交通的建议", "body": "……",
            "kind": "individual", "proposers": [{"name": "县委员"}]}  # fmt: skip
    p = api.post("/proposals", body)
    assert p.status == 201, p.data
    units = {"assignments": [{"department_id": world.xq.pk, "role": "lead"}]}
    resp = api.post(f"/proposals/{p.data['id']}/assign", units)
    assert resp.status == 200, resp.data
    return resp.data["assignments"][0]["id"]
