"""With real commits: two workers sending at once (two hosts on one PostgreSQL) send every delivery
exactly once; the queue loop sends what an action just wrote."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from django.db import connection, transaction

from conftest import World, act
from notifications.delivery import notify
from notifications.models import Delivery, Outcome
from notifications.outbox import send_due_deliveries
from notifications.tests.conftest import Gateway, Mailbox
from notifications.tests.test_channels import HANDLER_MAIL, HANDLER_MOBILE, assigned, reachable
from tests.test_concurrency import run_together
from worker.runner import Worker


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL")
def test_workers_sending_at_once_send_each_delivery_once(world: World, channels_on: tuple[Mailbox, Gateway]) -> None:
    mailbox, gateway = channels_on
    users = [world.jyj_handler, world.wjw_handler, world.zjj_handler, world.member1, world.member2]
    for i, u in enumerate(users):
        u.email, u.phone = f"u{i}@example.gov.cn", f"1390000000{i}"
        u.save()
    with transaction.atomic():
        for n in range(6):
            notify(users, f"第{n}号提案已交办，请签收。")
    total = Delivery.objects.count()
    assert total == 6 * 5 + 6 * 2  # e-mail for all; SMS for the two members (their default)
    counts = run_together(lambda i: send_due_deliveries())
    assert sum(counts) == total
    assert set(Delivery.objects.values_list("outcome", "attempts")) == {(Outcome.SENT, 1)}
    sent = Counter((tuple(r), str(m["Subject"])) for m, r in zip(mailbox.messages, mailbox.recipients, strict=True))
    assert len(sent) == 30 and set(sent.values()) == {1}
    sms = Counter((r["phone"], r["text"]) for r in gateway.received)
    assert len(sms) == 12 and set(sms.values()) == {1}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_worker_sends_within_its_queue_poll_not_only_at_its_scan(
    world: World, channels_on: tuple[Mailbox, Gateway], django_capture_on_commit_callbacks: Any
) -> None:
    """The rows are queued as a task in the action's transaction: the worker's queue loop (every second)
    sends them, without waiting for the next scheduled scan."""
    from django_tasks_db.models import DBTaskResult

    mailbox, gateway = channels_on
    reachable(world)
    before = DBTaskResult.objects.count()
    aid = assigned(world, django_capture_on_commit_callbacks)
    assert DBTaskResult.objects.count() == before + 1
    act(world, world.office, aid, "remind", {"message": "请抓紧。"})
    assert DBTaskResult.objects.count() == before + 1  # one waiting task sends both
    Worker(scan_interval=600).run_queued_tasks()
    assert len(mailbox.to(HANDLER_MAIL)) == 2 and len(gateway.to(HANDLER_MOBILE)) == 2
    assert not Delivery.objects.exclude(outcome=Outcome.SENT).exists()
    act(world, world.office, aid, "remind", {"message": "请于今日答复。"})  # the task ran: a new one
    assert DBTaskResult.objects.filter(status="READY").count() == 1
