"""Pruning the delivery bookkeeping (e-mail, SMS and digest rows), which otherwise only grows.

What goes: a Delivery row that is finished — 已发送, 失败 (out of attempts: never tried again) or 无需发送 —
and was written (and, if sent, sent) before the cut-off: the start of today, local time, less
NOTIFICATION_RETENTION_DAYS (180). A pending row stays whatever its age: the worker still owes it a try.
The in-app messages (Notification) are not touched here: a user reads them until they read them and
READ_NOTIFICATIONS_KEEP_DAYS have passed (``prune_notifications``).

What stays of them: one DeliveryTally row per day written, channel and outcome, with how many rows and
attempts there were. That is what the record of "what went out, what failed" is still asked for after
half a year (how many SMS a month, to reconcile the gateway's bill; how often e-mail failed); who got
which message is the inbox's to answer (the Notification), and the row-level detail (the error text,
the lease, the retry times) is only of use while a send is being looked into. Rows deleted with their
message by ``prune_notifications`` are counted into the same tally first (the FK cascades), so the
tally covers every row that ever went.

How: in batches of NOTIFICATION_PRUNE_BATCH rows, each in its own short transaction (the batch's ids
locked with SKIP LOCKED on PostgreSQL, counted into the tally, deleted), so no lock is held for long and
two workers never count one row twice; at most MAX_BATCHES a run, the rest in the next round. The
cut-off moves once a day (at midnight), so the scan runs every round but finds work once a day: a
second run deletes nothing more. Old digest rows may go: the next digest's window reaches back at most
DIGEST_LOOKBACK (7 days), and the retention is never shorter than that.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from .models import Delivery, DeliveryTally, Outcome
from .outbox import DIGEST_LOOKBACK

FINISHED = (Outcome.SENT, Outcome.FAILED, Outcome.SKIPPED)
MAX_BATCHES = 100  # a run's share: a backlog of years is worked off over several rounds, not in one


@dataclass(frozen=True)
class Pruned:
    deleted: int
    batches: int


def retention_days() -> int:
    """NOTIFICATION_RETENTION_DAYS, never below the digest's look-back (0 or less: keep every row)."""
    days = int(settings.NOTIFICATION_RETENTION_DAYS)
    return 0 if days <= 0 else max(days, DIGEST_LOOKBACK.days + 1)


def cutoff(now: datetime | None = None) -> datetime | None:
    """The start of the local day ``retention_days()`` before today; None when nothing is pruned."""
    days = retention_days()
    if not days:
        return None
    today = timezone.localtime(now or timezone.now()).date()
    return timezone.make_aware(datetime.combine(today - timedelta(days=days), time.min))


def prunable(before: datetime) -> QuerySet[Delivery]:
    return Delivery.objects.filter(outcome__in=FINISHED, created_at__lt=before).filter(
        Q(sent_at__isnull=True) | Q(sent_at__lt=before)
    )


def tally(rows: QuerySet[Delivery]) -> int:
    """Add ``rows`` to the daily tally (inside the caller's transaction, before it deletes them); return how
    many were counted. Pending rows are not counted: nothing is known of them yet."""
    groups = (
        rows.filter(outcome__in=FINISHED)
        .annotate(written=TruncDate("created_at"))
        .values("written", "channel", "outcome")
        .annotate(n=Count("pk"), tries=Sum("attempts"))
        .order_by()
    )
    counted = 0
    for g in groups:
        key = {"day": g["written"], "channel": g["channel"], "outcome": g["outcome"]}
        n, tries = g["n"], g["tries"] or 0
        counted += n
        if DeliveryTally.objects.filter(**key).update(count=F("count") + n, attempts=F("attempts") + tries):
            continue
        try:
            with transaction.atomic():  # a savepoint: another worker may have written the row just now
                DeliveryTally.objects.create(**key, count=n, attempts=tries)
        except IntegrityError:
            DeliveryTally.objects.filter(**key).update(count=F("count") + n, attempts=F("attempts") + tries)
    return counted


def _one_batch(before: datetime, size: int) -> int:
    with transaction.atomic():
        batch = prunable(before).order_by("created_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            # PostgreSQL: a second worker takes the next rows instead of waiting for (or recounting) these.
            batch = batch.select_for_update(skip_locked=True)
        ids = list(batch.values_list("pk", flat=True)[:size])
        if not ids:
            return 0
        rows = Delivery.objects.filter(pk__in=ids)
        tally(rows)
        deleted, _ = rows.delete()
        return deleted


def prune_deliveries(
    now: datetime | None = None, *, batch: int | None = None, stopping: Callable[[], bool] = lambda: False
) -> Pruned:
    """Delete the finished delivery and digest rows older than the retention, batch by batch, until none
    is left, MAX_BATCHES are done, or ``stopping()``."""
    before = cutoff(now)
    if before is None:
        return Pruned(0, 0)
    size = max(1, batch or int(settings.NOTIFICATION_PRUNE_BATCH))
    deleted = batches = 0
    while batches < MAX_BATCHES and not stopping():
        n = _one_batch(before, size)
        if not n:
            break
        deleted += n
        batches += 1
        if n < size:
            break  # the last, short batch: nothing is left
    return Pruned(deleted, batches)
