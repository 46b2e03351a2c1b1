"""Sending what the inbox holds by e-mail and SMS, in the worker, never in a request: the task queued
with the rows (notifications/tasks.py) and the ``deliveries`` scan (worker/scans.py) both run this.

Each delivery row is handled on its own: claimed (a short transaction: a row lock with SKIP LOCKED on
PostgreSQL, then a conditional UPDATE that sets a lease and counts the attempt), sent with no transaction
open (a slow mail server holds no lock), then recorded: 已发送, or the error and the next attempt after a
growing pause (1, 4, 16, 64 … minutes), or 失败 after DELIVERY_MAX_ATTEMPTS. Two workers never send one
row; a worker killed between sending and recording leaves its lease to run out, and the row is tried
again (the one case in which a message can arrive twice — rather than never).

The office's digest (每日汇总): once DIGEST_HOUR has passed, one row per user and day (unique), holding
every message still unread that arrived since the previous digest's hour (at most a week back).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from organisation.models import Role, User

from .links import case_url, inbox_url, preferences_url
from .models import Channel, Delivery, Notification, Outcome
from .preferences import chosen, email_address, email_configured, mobile_number
from .sms import gateway

log = logging.getLogger("notifications")

LEASE = timedelta(minutes=5)
FIRST_RETRY = timedelta(minutes=1)
DIGEST_LOOKBACK = timedelta(days=7)
DIGEST_LIST = 50  # messages listed in one digest; the rest are counted and linked
SUBJECT_PREFIX = "【提案办理】"


class Skip(Exception):
    """Nothing to send any more (channel turned off, address removed, digest read already)."""


def backoff(attempts: int) -> timedelta:
    """The pause after the ``attempts``-th failed try: 1, 4, 16, 64 … minutes."""
    return FIRST_RETRY * (1 << 2 * max(0, attempts - 1))


# -- the messages -------------------------------------------------------------------------------------


def email_for(n: Notification) -> tuple[str, str]:
    """Subject and body of the e-mail for one message."""
    who = n.user.name or n.user.username
    subject = f"{SUBJECT_PREFIX}{n.text[:60]}"
    body = (
        f"{who}：\n\n{n.text}\n\n查看办理情况：{case_url(n)}\n\n"
        f"——\n本邮件由政协提案办理系统自动发送，请勿直接回复。接收方式可在 {preferences_url()} 设置。\n"
    )
    return subject, body


def sms_for(n: Notification) -> str:
    return f"{SUBJECT_PREFIX}{n.text} 详情：{case_url(n)}"


def digest_cutoff(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(settings.DIGEST_HOUR)))


def digest_due_day(now: datetime) -> date:
    """The latest day whose digest hour has passed."""
    today = timezone.localtime(now).date()
    return today if now >= digest_cutoff(today) else today - timedelta(days=1)


def digest_window(user_id: int, day: date) -> tuple[datetime, datetime]:
    """From the previous digest's hour (or 24 hours back, at most a week back) to this one's."""
    end = digest_cutoff(day)
    previous = (
        Delivery.objects.filter(user_id=user_id, channel=Channel.DIGEST, day__lt=day)
        .order_by("-day")
        .values_list("day", flat=True)
        .first()
    )
    start = digest_cutoff(previous) if previous else end - timedelta(days=1)
    return max(start, end - DIGEST_LOOKBACK), end


def _unread_in(user_id: int, window: tuple[datetime, datetime]) -> QuerySet[Notification]:
    start, end = window
    return Notification.objects.filter(
        user_id=user_id, read_at__isnull=True, created_at__gte=start, created_at__lt=end
    ).order_by("pk")


def digest_email(user: User, day: date) -> tuple[str, str]:
    unread = list(_unread_in(user.pk, digest_window(user.pk, day)).select_related("user")[: DIGEST_LIST + 1])
    if not unread:
        raise Skip("汇总时段内的消息均已阅读")
    total = _unread_in(user.pk, digest_window(user.pk, day)).count()
    when = f"{day.month}月{day.day}日{settings.DIGEST_HOUR}时"
    lines = [f"{user.name or user.username}：\n", f"截至{when}，您有 {total} 条未读消息：\n"]
    for i, n in enumerate(unread[:DIGEST_LIST], 1):
        lines.append(f"{i}. {n.text}\n   {case_url(n)}")
    if total > DIGEST_LIST:
        lines.append(f"……另有 {total - DIGEST_LIST} 条，请到消息中心查看。")
    lines.append(f"\n全部消息：{inbox_url()}")
    lines.append(f"——\n本邮件由政协提案办理系统每日自动发送。接收方式可在 {preferences_url()} 设置。")
    return f"{SUBJECT_PREFIX}{when}消息汇总（{total} 条未读）", "\n".join(lines) + "\n"


def _send_email(address: str, subject: str, body: str) -> None:
    EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [address]).send(using="default")


def send(d: Delivery) -> None:
    """Send one delivery now; raise Skip when there is nothing to send, any other error to retry."""
    user = d.user
    if not user.is_active:
        raise Skip("用户已停用")
    wants = chosen(user)
    if d.channel == Channel.SMS:
        phone = mobile_number(user)
        if not wants.sms or not phone:
            raise Skip("用户已关闭短信或未登记手机号")
        assert d.notification is not None
        gateway().send(phone, sms_for(d.notification))
        return
    address = email_address(user)
    if not email_configured():
        raise Skip("邮件未配置（EMAIL_URL）")
    if not wants.email or not address:
        raise Skip("用户已关闭邮件或未登记邮箱")
    if d.channel == Channel.DIGEST:
        assert d.day is not None
        _send_email(address, *digest_email(user, d.day))
    else:
        assert d.notification is not None
        if wants.digest:
            raise Skip("用户已改为每日汇总")
        _send_email(address, *email_for(d.notification))


# -- claiming and recording ---------------------------------------------------------------------------


def _due(now: datetime) -> QuerySet[Delivery]:
    due = Delivery.objects.filter(outcome=Outcome.PENDING, next_attempt_at__lte=now).filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)
    )
    due = due.order_by("next_attempt_at", "pk")
    if connection.features.has_select_for_update_skip_locked:
        # PostgreSQL: a second worker skips the row the first is claiming instead of queueing behind it.
        due = due.select_for_update(skip_locked=True, of=("self",), no_key=True)
    return due


def _claim(now: datetime) -> Delivery | None | bool:
    """The next due delivery, claimed under a lease; None when none is due; True when one was handled
    without sending (taken by another worker, or out of attempts after an interrupted send)."""
    with transaction.atomic():
        d = _due(now).first()
        if d is None:
            return None
        if d.claimed_until is not None and d.attempts >= settings.DELIVERY_MAX_ATTEMPTS:
            # The last allowed attempt was interrupted (its worker died): no more tries.
            Delivery.objects.filter(pk=d.pk, claimed_until=d.claimed_until).update(
                outcome=Outcome.FAILED,
                claimed_until=None,
                last_error="发送中断（工作进程退出），已达最大尝试次数",
            )
            return True
        lease = now + LEASE
        won = Delivery.objects.filter(pk=d.pk, outcome=Outcome.PENDING, attempts=d.attempts).update(
            claimed_until=lease, attempts=F("attempts") + 1
        )
        if won != 1:
            return True  # another worker got there first
    return Delivery.objects.select_related("user", "notification", "notification__user").get(pk=d.pk)


def _record(d: Delivery, *, error: str | None = None, skipped: str | None = None) -> None:
    now = timezone.now()
    mine = Delivery.objects.filter(pk=d.pk, claimed_until=d.claimed_until)
    if skipped is not None:
        mine.update(outcome=Outcome.SKIPPED, claimed_until=None, last_error=skipped[:500])
    elif error is None:
        mine.update(outcome=Outcome.SENT, claimed_until=None, sent_at=now, last_error="")
    elif d.attempts >= settings.DELIVERY_MAX_ATTEMPTS:
        mine.update(outcome=Outcome.FAILED, claimed_until=None, last_error=error[:500])
    else:
        mine.update(claimed_until=None, last_error=error[:500], next_attempt_at=now + backoff(d.attempts))


def handle_one_delivery(now: datetime | None = None) -> bool:
    """Send one due delivery and record the outcome; return False when none is due."""
    claimed = _claim(now or timezone.now())
    if claimed is None:
        return False
    if claimed is True:
        return True
    assert isinstance(claimed, Delivery)
    try:
        send(claimed)
    except Skip as exc:
        _record(claimed, skipped=str(exc))
    except Exception as exc:  # noqa: BLE001 (any failure of a server or gateway is retried, never fatal)
        log.warning("投递失败 delivery=%s channel=%s 第%d次：%s", claimed.pk, claimed.channel, claimed.attempts, exc)
        _record(claimed, error=f"{type(exc).__name__}: {exc}")
    else:
        _record(claimed)
    return True


def send_due_deliveries(*, stopping: Callable[[], bool] = lambda: False) -> int:
    """Send every due delivery (e-mail, SMS, digests), one at a time, until none is left or ``stopping()``."""
    handled = 0
    while not stopping() and handle_one_delivery():
        handled += 1
    return handled


def queue_digests(now: datetime | None = None) -> int:
    """Write today's digest row for every office user who takes the digest and has unread messages in its
    window (once a day: the (user, day) constraint makes a second scan, or a second worker, a no-op)."""
    if not email_configured():
        return 0
    now = now or timezone.now()
    day = digest_due_day(now)
    taken = Delivery.objects.filter(user=OuterRef("pk"), channel=Channel.DIGEST, day=day)
    candidates = (
        User.objects.filter(role=Role.OFFICE_STAFF, is_active=True)
        .exclude(email="")
        .exclude(channels__digest=False)
        .exclude(channels__email=False)
        .exclude(Exists(taken))
    )
    rows = [
        Delivery(user=u, channel=Channel.DIGEST, day=day)
        for u in candidates
        if _unread_in(u.pk, digest_window(u.pk, day)).exists()
    ]
    return len(Delivery.objects.bulk_create(rows, ignore_conflicts=True))
