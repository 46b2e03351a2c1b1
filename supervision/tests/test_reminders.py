"""Milestone reminders (督办节点提醒) go to the responsible unit 15 and 5 days before, on the day, then weekly,
each exactly once: across worker restarts, with the date set again, and with two workers at once
(PostgreSQL row locks). A milestone marked done is reminded no more."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from conftest import World, act
from handling.models import Assignment
from history.models import Event
from notifications.models import Notification
from proposals.models import Proposal
from supervision import actions
from supervision.models import Milestone
from supervision.reminders import handle_one_milestone_reminder, send_due_milestone_reminders
from supervision.tests.scene import key_proposal
from tests.test_concurrency import run_together
from worker.runner import Worker

DUE = date(2026, 4, 30)
EVERY_POINT = [date(2026, 4, 15), date(2026, 4, 25), DUE, date(2026, 5, 7), date(2026, 5, 14)]


def scan(on: date) -> int:
    """A worker started afresh (a restart) on ``on`` at 08:00, running its scans once."""
    with time_machine.travel(f"{on.isoformat()} 08:00 +0800", tick=False):
        return Worker(scan_interval=600).run_scans()["milestones"]


def milestone(world: World, due_on: date = DUE, on: str = "2026-03-10") -> Milestone:
    p = Proposal.objects.get(pk=key_proposal(world)["id"])
    with time_machine.travel(f"{on} 10:00 +0800", tick=False):
        return actions.add_milestone(p, actor=world.office, title="制定实施方案", due_on=due_on, department=world.jyj)


def reminded_days(m: Milestone) -> list[date]:
    events = Event.objects.filter(action="supervision_remind", data__milestone_id=m.pk).order_by("pk")
    return [timezone.localdate(e.at) for e in events]


def every_day(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def test_each_reminder_once_on_its_day_across_restarts(world: World) -> None:
    m = milestone(world)
    for day in every_day(date(2026, 3, 10), date(2026, 5, 20)):
        sent = scan(day)
        assert sent == (1 if day in EVERY_POINT else 0), day
        assert scan(day) == 0  # scanned again the same day (a restart): nothing twice
    assert reminded_days(m) == EVERY_POINT
    keys = Counter(Notification.objects.filter(key__startswith=f"milestone:{m.pk}:").values_list("key", "user"))
    assert set(keys.values()) == {1} and len({k for k, _ in keys}) == len(EVERY_POINT)
    texts = Notification.objects.filter(user=world.jyj_handler, key__startswith="milestone:")
    by_day = {str(n.key).rsplit(":", 1)[1]: n.text for n in texts}
    assert "还有15天" in by_day["2026-04-15"] and "2026年4月30日" in by_day["2026-04-15"]
    assert "今天是" in by_day["2026-04-30"]
    assert "已超过" in by_day["2026-05-07"] and "7天" in by_day["2026-05-07"]
    # the unit's head is copied once the date is missed (domain.md §6), not before
    head = Notification.objects.filter(user=world.jyj_head, key__startswith="milestone:")
    assert sorted(str(n.key).rsplit(":", 1)[1] for n in head) == ["2026-05-07", "2026-05-14"]
    # only the responsible unit is reminded
    assert not Notification.objects.filter(user__department=world.wjw, key__startswith="milestone:").exists()
    event = Event.objects.filter(action="supervision_remind").first()
    assert event is not None and event.actor_id is None and event.data["title"] == "制定实施方案"


def test_a_done_milestone_stops_reminding(world: World) -> None:
    m = milestone(world)
    for day in every_day(date(2026, 4, 14), date(2026, 4, 20)):
        scan(day)
    with time_machine.travel("2026-04-20 15:00 +0800", tick=False):
        actions.finish_milestone(m, actor=world.jyj_head, note="已完成")
    assert Milestone.objects.get(pk=m.pk).remind_on is None
    for day in every_day(date(2026, 4, 21), date(2026, 5, 31)):
        assert scan(day) == 0, day
    assert reminded_days(m) == [date(2026, 4, 15)]


def test_a_unit_no_longer_handling_the_proposal_is_reminded_no_more(world: World) -> None:
    m = milestone(world, on="2026-03-05")
    lead = Assignment.objects.get(proposal_id=m.plan.proposal_id, department=world.jyj)
    with time_machine.travel("2026-03-06 10:00 +0800", tick=False):
        act(world, world.jyj_handler, lead.pk, "request-return", {"reason": "不属于本单位职责"})
        act(world, world.office, lead.pk, "decide-return", {"approve": True, "comment": "同意"})
    for day in every_day(date(2026, 4, 14), date(2026, 5, 8)):
        assert scan(day) == 0, day
    assert reminded_days(m) == [] and Milestone.objects.get(pk=m.pk).remind_on is None


def test_a_milestone_set_close_to_its_date_starts_with_the_next_point(world: World) -> None:
    m = milestone(world, due_on=date(2026, 3, 20), on="2026-03-10")  # 10 days ahead: 5 days before is next
    assert m.remind_on == date(2026, 3, 15)
    for day in every_day(date(2026, 3, 10), date(2026, 3, 20)):
        scan(day)
    assert reminded_days(m) == [date(2026, 3, 15), date(2026, 3, 20)]


def test_a_date_set_again_sends_nothing_twice(world: World) -> None:
    m = milestone(world)
    assert scan(date(2026, 4, 15)) == 1
    Milestone.objects.filter(pk=m.pk).update(remind_on=date(2026, 4, 15))  # as if set again to today
    assert handle_one_milestone_reminder(date(2026, 4, 15)) is False  # claimed and passed over: the key was used
    assert handle_one_milestone_reminder(date(2026, 4, 15)) is None
    assert reminded_days(m) == [date(2026, 4, 15)]
    assert Milestone.objects.get(pk=m.pk).remind_on == date(2026, 4, 25)


def test_a_missed_scan_sends_one_reminder_not_a_flood(world: World) -> None:
    m = milestone(world)
    with time_machine.travel("2026-05-08 08:00 +0800", tick=False):
        assert send_due_milestone_reminders() == 1  # the worker was down since mid-April: one reminder today
    assert Milestone.objects.get(pk=m.pk).remind_on == date(2026, 5, 14)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL")
def test_workers_scanning_at_once_send_each_milestone_reminder_once(world: World) -> None:
    milestones = [milestone(world) for _ in range(8)]
    for day in EVERY_POINT:
        with time_machine.travel(f"{day.isoformat()} 08:00 +0800", tick=False):
            counts = run_together(lambda i: Worker(scan_interval=600).run_scans()["milestones"])
        assert sum(counts) == len(milestones), day
    for m in milestones:
        assert reminded_days(m) == EVERY_POINT
    per_key = Counter(Notification.objects.filter(key__startswith="milestone:").values_list("key", "user"))
    assert per_key and set(per_key.values()) == {1}
