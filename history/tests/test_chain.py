"""Hole 4 (a): every event is chained to its predecessor; verify_history finds the first forged link."""

from __future__ import annotations

import json
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection

from history.integrity import verify_history
from history.models import Event
from lib.append_only import append_only_bypass

from .worlds import handled_proposal


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False):
        yield


def _chain(proposal_id: int) -> list[Event]:
    return list(Event.objects.filter(proposal_id=proposal_id).order_by("pk"))


def test_each_event_stores_its_predecessors_hash(world):
    a = handled_proposal(world)
    events = _chain(a["proposal_id"])
    assert len(events) >= 8 and events[0].prev_hash == ""
    assert all(e.prev_hash == before.hash for before, e in zip(events, events[1:], strict=False))
    assert len({e.hash for e in events}) == len(events)
    assert verify_history() == (None, len(events))


def _forge(sql: str, params: list[Any]) -> None:
    # On PostgreSQL the trigger refuses this (see test_append_only); a superuser with the bypass can
    # still do it, and that is exactly what the chain must reveal.
    with append_only_bypass(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_forged_event_is_served_but_verify_history_names_it(world, capsys):
    a = handled_proposal(world)
    handled_proposal(world, title="另一件提案")  # a second, intact chain read before or after
    events = _chain(a["proposal_id"])
    target = events[3]
    forged = {**target.data, "notes": "伪造的记录"} if target.data else {"notes": "伪造的记录"}
    _forge("UPDATE history_event SET data = %s WHERE id = %s", [json.dumps(forged, ensure_ascii=False), target.pk])

    resp = world.api(world.office).get(f"/proposals/{a['proposal_id']}")
    assert any(e.get("data", {}).get("notes") == "伪造的记录" for e in resp.data["events"])  # served as is

    broken, _ = verify_history()
    assert broken is not None and (broken.proposal_id, broken.event_id) == (a["proposal_id"], target.pk)
    assert "内容与哈希不符" in broken.what
    with pytest.raises(CommandError, match=f"提案 #{a['proposal_id']} 的历史在事件 #{target.pk} 处断裂"):
        call_command("verify_history")


def test_deleted_event_breaks_the_next_link(world):
    a = handled_proposal(world)
    events = _chain(a["proposal_id"])
    _forge("DELETE FROM history_event WHERE id = %s", [events[2].pk])
    broken, _ = verify_history()
    assert broken is not None and broken.event_id == events[3].pk and "前一事件哈希不符" in broken.what


def test_changed_time_is_detected(world):
    a = handled_proposal(world)
    last = _chain(a["proposal_id"])[-1]
    _forge("UPDATE history_event SET at = %s WHERE id = %s", ["2026-01-01 00:00:00+00:00", last.pk])
    broken, _ = verify_history()
    assert broken is not None and broken.event_id == last.pk


def test_verify_history_command_reports_progress_and_success(world, capsys):
    handled_proposal(world)
    call_command("verify_history", every=3)
    out = capsys.readouterr().out
    assert "已校验 3/" in out and "办理历史完整" in out
