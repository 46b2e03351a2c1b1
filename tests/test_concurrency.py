"""Concurrent requests on one assignment never lose or duplicate an event (row locks on PostgreSQL)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import timezone

from conftest import Api, act, assign, file_proposal
from history.models import Event
from tests.test_transitions import contact_body

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL"),
]

THREADS = 8


def run_together(call: Callable[[int], Any]) -> list[Any]:
    """Run ``call(i)`` in THREADS threads released at the same moment; return their results."""
    barrier = threading.Barrier(THREADS)
    results: list[Any] = [None] * THREADS

    def worker(i: int) -> None:
        try:
            barrier.wait()
            results[i] = call(i)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def lead_of(world, units=None):
    p = file_proposal(world)
    data = assign(world, p["id"], units or [(world.jyj, "lead")])
    return p["id"], data["assignments"][0]["id"]


def test_concurrent_receive_happens_once(world):
    proposal_id, aid = lead_of(world)
    apis = [Api(world.jyj_handler) for _ in range(THREADS)]
    results = run_together(lambda i: apis[i].post(f"/assignments/{aid}/receive"))
    assert Counter(r.status for r in results) == Counter({200: 1, 409: THREADS - 1})
    assert Event.objects.filter(assignment_id=aid, action="receive").count() == 1


def received_lead(world) -> tuple[int, list[Api]]:
    """A received lead assignment of jyj and one API client per thread for its handler."""
    proposal_id, aid = lead_of(world)
    act(world, world.jyj_handler, aid, "receive")
    return aid, [Api(world.jyj_handler) for _ in range(THREADS)]


def test_concurrent_contacts_are_all_recorded(world):
    aid, apis = received_lead(world)
    body = contact_body("before", timezone.localdate().isoformat())
    results = run_together(lambda i: apis[i].post(f"/assignments/{aid}/contact", {**body, "notes": f"第{i}次"}))
    assert [r.status for r in results] == [200] * THREADS
    notes = sorted(Event.objects.filter(assignment_id=aid, action="contact").values_list("data__notes", flat=True))
    assert notes == sorted(f"第{i}次" for i in range(THREADS))


def test_concurrent_retries_with_one_idempotency_key_act_once(world):
    aid, apis = received_lead(world)
    body = contact_body("during", timezone.localdate().isoformat())
    results = run_together(
        lambda i: apis[i].post(f"/assignments/{aid}/contact", body, headers={"Idempotency-Key": "contact-1"})
    )
    assert [r.status for r in results] == [200] * THREADS
    assert Event.objects.filter(assignment_id=aid, action="contact").count() == 1


def test_concurrent_actions_of_two_leads_keep_the_proposal_status_right(world):
    """Two units reply at once; the proposal's derived status must see both."""
    p = file_proposal(world)
    data = assign(world, p["id"], [(world.jyj, "lead"), (world.zjj, "lead")])
    pairs = []
    for a in data["assignments"]:
        unit = world.jyj if a["department_id"] == world.jyj.pk else world.zjj
        handler, head, leader = (getattr(world, f"{unit.code}_{s}") for s in ("handler", "head", "leader"))
        act(world, handler, a["id"], "receive")
        act(world, handler, a["id"], "submit-form", {"opinion": "拟办", "handler_id": handler.pk})
        act(world, leader, a["id"], "approve-form", {})
        act(world, handler, a["id"], "draft-reply", {
            "text": "答复", "result_class": "A", "method": "written", "is_public": False,
            "contact_person": "联系人", "contact_phone": "12345"})  # fmt: skip
        pairs.append((Api(head), a["id"]))
    results = run_together(lambda i: pairs[i % 2][0].post(f"/assignments/{pairs[i % 2][1]}/sign-reply"))
    # Each reply is signed once; the other attempts find it signed already.
    assert Counter(r.status for r in results) == Counter({200: 2, 409: THREADS - 2})
    detail = world.api(world.office).get(f"/proposals/{p['id']}").data
    assert detail["status"] == "replied"
    assert sum(1 for e in detail["events"] if e["action"] == "sign_reply") == 2
