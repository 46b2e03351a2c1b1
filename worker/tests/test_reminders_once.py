"""Every automatic reminder goes out exactly once, on its day: across worker restarts, with the same
date set again by an action, and with two workers scanning at once (PostgreSQL row locks)."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction

from conftest import World, assign, file_proposal
from handling.actions import remind
from handling.deadlines import next_reminder
from handling.models import Assignment, Reminder, ReminderKind
from handling.reminders import KINDS, handle_one
from history.models import Event
from notifications.models import Notification
from tests.test_concurrency import run_together
from worker.runner import Worker


def scan(on: date) -> int:
    """A worker started afresh (a restart) on ``on`` at 08:00, running its scans once."""
    with time_machine.travel(f"{on.isoformat()} 08:00 +0800", tick=False):
        return Worker(scan_interval=600).run_scans()["reminders"]


def expected_days(deadline: date, start: date, end: date) -> list[date]:
    days, point = [], next_reminder(deadline, start)
    while point is not None and point <= end:
        days.append(point)
        point = next_reminder(deadline, point, inclusive=False)
    return days


def sent_days(assignment_id: int) -> list[date]:
    with time_machine.travel("2027-01-01 12:00 +0800"):
        from django.utils import timezone

        rows = Reminder.objects.filter(assignment_id=assignment_id, kind=ReminderKind.DEADLINE).order_by("pk")
        return [timezone.localdate(r.created_at) for r in rows]


def test_each_kind_of_reminder_once_on_its_day_across_restarts(world: World) -> None:
    start = date(2026, 3, 2)
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False):
        p = file_proposal(world)
        lead, co = assign(world, p["id"], [(world.jyj, "lead"), (world.wjw, "co")])["assignments"]
    reply_due = date.fromisoformat(lead["due_on"])
    co_due = Assignment.objects.get(pk=co["id"]).co_opinion_due
    assert co_due is not None
    end = reply_due + timedelta(days=15)
    day = start
    while day <= end:
        scan(day)
        assert scan(day) == 0  # the worker stopped and started again the same day: nothing twice
        day += timedelta(days=1)

    # The reply deadline (办复期限) of the lead unit and the co-opinion deadline (协办意见期限).
    assert sent_days(lead["id"]) == expected_days(reply_due, start, end)
    assert sent_days(co["id"]) == expected_days(co_due, start, end)
    assert sent_days(lead["id"])[:3] == [reply_due - timedelta(days=15), reply_due - timedelta(days=5), reply_due]
    for a in (lead["id"], co["id"]):
        reminders = Reminder.objects.filter(assignment_id=a).count()
        assert Event.objects.filter(assignment_id=a, action="remind").count() == reminders
        # One message per recipient per reminder, written in the reminder's own transaction.
        keys = Counter(
            Notification.objects.filter(assignment_id=a, key__startswith="remind:").values_list("key", "user")
        )
        assert keys and set(keys.values()) == {1}
        assert len({k for k, _ in keys}) == reminders
    texts = list(Notification.objects.filter(assignment_id=co["id"]).values_list("text", flat=True))
    assert any("协办意见期限" in t for t in texts)


def test_a_date_set_again_by_an_action_does_not_send_again(world: World) -> None:
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False):
        p = file_proposal(world)
        lead = assign(world, p["id"], [(world.jyj, "lead")])["assignments"][0]
    day = date.fromisoformat(lead["due_on"]) - timedelta(days=15)
    assert scan(day) == 1
    # An action recomputes the next reminder from today, inclusive: today's again.
    Assignment.objects.filter(pk=lead["id"]).update(remind_on=day)
    with time_machine.travel(f"{day.isoformat()} 10:00 +0800", tick=False):
        assert handle_one(KINDS[ReminderKind.DEADLINE], day) is False  # claimed and passed over: the key was used
        assert handle_one(KINDS[ReminderKind.DEADLINE], day) is None
    assert Reminder.objects.filter(assignment_id=lead["id"], kind=ReminderKind.DEADLINE).count() == 1
    assert Assignment.objects.get(pk=lead["id"]).remind_on == day + timedelta(days=10)


def test_the_unique_key_is_the_last_guard(world: World) -> None:
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False):
        p = file_proposal(world)
        lead = Assignment.objects.get(pk=assign(world, p["id"], [(world.jyj, "lead")])["assignments"][0]["id"])
        remind(lead, actor=None, message="一", key="remind:test")
        with pytest.raises(IntegrityError), transaction.atomic():
            remind(lead, actor=None, message="二", key="remind:test")
    assert list(Reminder.objects.filter(assignment=lead).values_list("message", flat=True)) == ["一"]
    assert Event.objects.filter(assignment_id=lead.pk, action="remind").count() == 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL")
def test_workers_scanning_at_once_send_each_reminder_once(world: World) -> None:
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False):
        leads = []
        for _ in range(12):
            p = file_proposal(world)
            leads.append(assign(world, p["id"], [(world.jyj, "lead"), (world.wjw, "co")])["assignments"][0])
    reply_due = date.fromisoformat(leads[0]["due_on"])
    for day in (
        reply_due - timedelta(days=15),
        reply_due - timedelta(days=5),
        reply_due,
        reply_due + timedelta(days=7),
    ):
        with time_machine.travel(f"{day.isoformat()} 08:00 +0800", tick=False):
            counts = run_together(lambda i: Worker(scan_interval=600).run_scans()["reminders"])
        assert sum(counts) >= 12  # every due lead reminder was sent by one of the workers
    for a in leads:
        assert sent_days(a["id"]) == expected_days(reply_due, date(2026, 3, 2), reply_due + timedelta(days=7))
    per_key = Counter(Notification.objects.filter(key__startswith="remind:").values_list("key", "user"))
    assert per_key and set(per_key.values()) == {1}
