"""The worker's daily ``prune_deliveries`` scan: finished e-mail, SMS and digest rows older than
NOTIFICATION_RETENTION_DAYS go, in batches, counted into a daily tally first; pending rows, recent rows
and the in-app messages stay; a second run deletes nothing more."""

from __future__ import annotations

import re
from datetime import date
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import World
from notifications.delivery import notify
from notifications.models import Delivery, DeliveryTally, Notification
from notifications.outbox import queue_digests, send_due_deliveries
from notifications.preferences import choose
from notifications.pruning import Pruned, prune_deliveries
from notifications.tests.conftest import Gateway, Mailbox
from organisation.models import User
from worker.runner import Worker
from worker.scans import SCANS

OLD_DAY = "2026-01-05"  # 196 days before PRUNE_AT: past the 180 days kept
RECENT_DAY = "2026-07-10"
PRUNE_AT = "2026-07-20 10:00 +0800"  # cut-off: the start of 2026-01-21


def tell(user: User, text: str) -> None:
    with transaction.atomic():
        notify([user], text)


def scan(at: str) -> int:
    """The worker's scan alone (the others would send the pending rows meanwhile)."""
    with time_machine.travel(at, tick=False):
        return SCANS["prune_deliveries"](lambda: False)


def rows() -> list[tuple[str, str, str]]:
    """Every delivery row as (day written, channel, outcome), sorted."""
    return sorted(
        (timezone.localtime(d.created_at).date().isoformat(), d.channel, d.outcome) for d in Delivery.objects.all()
    )


def tallies() -> dict[tuple[str, str, str], tuple[int, int]]:
    return {(str(t.day), t.channel, t.outcome): (t.count, t.attempts) for t in DeliveryTally.objects.all()}


@pytest.fixture
def aged(world: World, settings: Any, channels_on: tuple[Mailbox, Gateway]) -> dict[str, User]:
    """Rows of each outcome written on 5 January, and some on 10 July; pruned on 20 July."""
    _, gateway = channels_on
    settings.NOTIFICATION_RETENTION_DAYS = 180
    member, handler, office = world.member1, world.jyj_handler, world.office
    member.email, member.phone = "m1@example.com", "13800000001"  # a member's defaults: e-mail and SMS
    handler.email = "h@example.gov.cn"  # a unit's: e-mail
    office.email = "office@example.gov.cn"  # the office's: the daily digest
    for u in (member, handler, office):
        u.save()

    with time_machine.travel(f"{OLD_DAY} 09:00 +0800", tick=False):
        tell(member, "第1号提案已交办。")
        tell(member, "第1号提案已签收。")
        tell(handler, "新交办提案一件。")
        tell(office, "示例市教育局申请延期。")
        assert send_due_deliveries() == 5  # all sent
        settings.DELIVERY_MAX_ATTEMPTS = 1
        gateway.fail = 1
        tell(member, "第1号提案已答复。")
        assert send_due_deliveries() == 2  # the e-mail sent, the SMS failed for good
        tell(member, "请对答复进行评价。")
        choose(member, email=True, sms=False, digest=False)  # SMS off before the worker came to it
        assert send_due_deliveries() == 2  # the e-mail sent, the SMS skipped
        choose(member, email=True, sms=True, digest=False)
        settings.DELIVERY_MAX_ATTEMPTS = 5
        gateway.fail = 1
        tell(member, "评价已收到。")
        assert send_due_deliveries() == 2  # the e-mail sent, the SMS to be tried again: pending
    with time_machine.travel(f"{OLD_DAY} 17:10 +0800", tick=False):
        gateway.fail = 100  # the gateway is down from now on: the SMS stays pending
        assert queue_digests() == 1
        assert send_due_deliveries() == 2  # the digest sent, the SMS tried again

    with time_machine.travel(f"{RECENT_DAY} 09:00 +0800", tick=False):
        tell(member, "第2号提案已交办。")
        tell(handler, "新交办提案一件。")
        send_due_deliveries()
    return {"member": member, "handler": handler, "office": office}


OLD_ROWS = [
    (OLD_DAY, "digest", "sent"),
    *[(OLD_DAY, "email", "sent")] * 6,
    (OLD_DAY, "sms", "failed"),
    (OLD_DAY, "sms", "pending"),
    *[(OLD_DAY, "sms", "sent")] * 2,
    (OLD_DAY, "sms", "skipped"),
]
RECENT_ROWS = [*[(RECENT_DAY, "email", "sent")] * 2, (RECENT_DAY, "sms", "pending")]


def test_old_finished_rows_go_and_leave_a_daily_tally(aged: dict[str, User]) -> None:
    assert rows() == sorted(OLD_ROWS + RECENT_ROWS)
    messages = Notification.objects.count()
    Notification.objects.filter(user=aged["member"]).update(read_at="2026-01-05T02:00Z")  # read, not yet pruned

    assert scan(PRUNE_AT) == 11
    assert rows() == sorted([(OLD_DAY, "sms", "pending"), *RECENT_ROWS])  # pending and recent stay
    assert Notification.objects.count() == messages  # the inbox is not touched
    assert tallies() == {
        (OLD_DAY, "email", "sent"): (6, 6),
        (OLD_DAY, "sms", "sent"): (2, 2),
        (OLD_DAY, "sms", "failed"): (1, 1),
        (OLD_DAY, "sms", "skipped"): (1, 1),
        (OLD_DAY, "digest", "sent"): (1, 1),
    }

    # Later rounds of the day, and the next day, find nothing more; the tally is not counted twice.
    assert scan("2026-07-20 10:10 +0800") == 0
    assert scan("2026-07-21 00:05 +0800") == 0
    assert sum(c for c, _ in tallies().values()) == 11
    assert len(rows()) == 4

    # In the worker's round, after the sending scans (which try the pending SMS again, in vain so far).
    with time_machine.travel("2026-07-20 10:20 +0800", tick=False):
        ran = list(Worker(scan_interval=600).run_scans())
        assert ran.index("prune_deliveries") > ran.index("deliveries")
    assert len(rows()) == 4


def test_the_cut_off_is_the_start_of_a_day_180_days_back(aged: dict[str, User]) -> None:
    assert scan("2026-07-04 23:59 +0800") == 0  # 5 January is 180 days back: kept to the end of the day
    assert scan("2026-07-05 00:00 +0800") == 11  # 181 days: gone


def test_the_run_is_batched(aged: dict[str, User], settings: Any) -> None:
    settings.NOTIFICATION_PRUNE_BATCH = 4
    with time_machine.travel(PRUNE_AT, tick=False), CaptureQueriesContext(connection) as ctx:
        assert prune_deliveries() == Pruned(deleted=11, batches=3)  # 4 + 4 + 3, one transaction each
    deletes = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("DELETE")]
    assert [len(re.findall(r" IN \(([^)]*)\)", d)[0].split(",")) for d in deletes] == [4, 4, 3]
    assert sum(c for c, _ in tallies().values()) == 11
    with time_machine.travel(PRUNE_AT, tick=False):
        assert prune_deliveries() == Pruned(deleted=0, batches=0)


def test_a_stopping_worker_leaves_the_rest_for_the_next_round(aged: dict[str, User], settings: Any) -> None:
    settings.NOTIFICATION_PRUNE_BATCH = 4
    batches = iter([False, True])
    with time_machine.travel(PRUNE_AT, tick=False):
        assert prune_deliveries(stopping=lambda: next(batches)) == Pruned(deleted=4, batches=1)
        assert prune_deliveries() == Pruned(deleted=7, batches=2)
    assert sum(c for c, _ in tallies().values()) == 11


def test_a_retention_of_zero_keeps_every_row(aged: dict[str, User], settings: Any) -> None:
    settings.NOTIFICATION_RETENTION_DAYS = 0
    assert scan(PRUNE_AT) == 0
    assert rows() == sorted(OLD_ROWS + RECENT_ROWS) and not DeliveryTally.objects.exists()
    settings.NOTIFICATION_RETENTION_DAYS = 1  # never below the digest's week of look-back
    assert scan("2026-01-13 10:00 +0800") == 0  # 8 days back: 5 January kept
    assert scan("2026-01-14 10:00 +0800") == 11


def test_rows_deleted_with_their_read_message_are_tallied_too(aged: dict[str, User]) -> None:
    """prune_notifications deletes messages read 90 days ago, and their delivery rows with them."""
    member = aged["member"]
    Notification.objects.filter(user=member, created_at__date__lt=date(2026, 2, 1)).update(read_at="2026-01-05T02:00Z")
    out = StringIO()
    with time_machine.travel("2026-04-10 09:00 +0800", tick=False):
        call_command("prune_notifications", stdout=out)
    assert "已删除 5 条阅读已超过 90 天的消息。" in out.getvalue()  # the messages, not their rows
    assert tallies() == {
        (OLD_DAY, "email", "sent"): (5, 5),
        (OLD_DAY, "sms", "sent"): (2, 2),
        (OLD_DAY, "sms", "failed"): (1, 1),
        (OLD_DAY, "sms", "skipped"): (1, 1),
    }  # the pending SMS went with its message, uncounted: it had no outcome
    assert scan(PRUNE_AT) == 2  # what is left of 5 January: the handler's e-mail, the digest
    assert sum(c for c, _ in tallies().values()) == 11
