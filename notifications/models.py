"""In-app messages (站内消息): what each user should look at next.

A Notification row is also the outbox: it commits with the change it tells of, and whatever sends it by
another channel (e-mail, SMS) later works from these rows in the worker, recording each attempt in a
delivery row of its own keyed by (notification, channel), never in the request.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Notification(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    text = models.CharField("内容", max_length=500)
    proposal = models.ForeignKey("proposals.Proposal", null=True, blank=True, on_delete=models.CASCADE)
    assignment = models.ForeignKey("handling.Assignment", null=True, blank=True, on_delete=models.CASCADE)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # What the message is about, for messages that must go out once only (an automatic reminder for one
    # deadline and one date): the unique constraint is the last guard should two workers ever both send.
    key = models.CharField("去重键", max_length=100, null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "消息"
        indexes = [models.Index(fields=["user", "-id"], name="notification_inbox_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"], condition=models.Q(key__isnull=False), name="notification_once_per_key"
            )
        ]


class Channel(models.TextChoices):
    EMAIL = "email", "电子邮件"
    SMS = "sms", "短信"
    DIGEST = "digest", "每日汇总邮件"


class Outcome(models.TextChoices):
    PENDING = "pending", "待发送"
    SENT = "sent", "已发送"
    FAILED = "failed", "失败"
    # Nothing to send any more when the worker came to it (the channel was turned off, the address removed,
    # or every message of a digest read already): recorded, not an error.
    SKIPPED = "skipped", "无需发送"


class Delivery(models.Model):
    """One message by one channel beyond the inbox (e-mail, SMS), or one user's daily digest.

    Written in the same transaction as the Notification it carries (notifications/delivery.py), sent only
    by the worker (notifications/outbox.py). A worker claims a row by a conditional UPDATE of
    ``claimed_until`` (a lease) before it sends, so two workers never send the same row; a worker that
    dies mid-send leaves a lease that runs out, and the row is tried again as a failed attempt.
    """

    notification = models.ForeignKey(
        Notification, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    # For a digest: the day it sums up (its window ends at DIGEST_HOUR of that day).
    day = models.DateField("汇总日期", null=True, blank=True)
    outcome = models.CharField("状态", max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    last_error = models.CharField("最近错误", max_length=500, blank=True, default="")
    next_attempt_at = models.DateTimeField("下次尝试", auto_now_add=True)
    claimed_until = models.DateTimeField("占用至", null=True, blank=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "消息投递"
        indexes = [
            models.Index(
                fields=["next_attempt_at"], condition=models.Q(outcome="pending"), name="delivery_pending_idx"
            ),
            # The pruning scan's range (notifications/pruning.py): finished rows, oldest first.
            models.Index(
                fields=["created_at", "id"], condition=~models.Q(outcome="pending"), name="delivery_finished_idx"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"],
                condition=models.Q(notification__isnull=False),
                name="delivery_once_per_channel",
            ),
            models.UniqueConstraint(
                fields=["user", "day"], condition=models.Q(channel="digest"), name="digest_once_per_day"
            ),
            models.CheckConstraint(
                condition=models.Q(channel="digest", day__isnull=False, notification__isnull=True)
                | models.Q(~models.Q(channel="digest"), day__isnull=True, notification__isnull=False),
                name="delivery_digest_or_message",
            ),
        ]


class DeliveryTally(models.Model):
    """What pruned delivery rows leave behind (notifications/pruning.py): per day they were written,
    channel and outcome, how many there were and how many attempts they took."""

    day = models.DateField("日期")
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    outcome = models.CharField("状态", max_length=10, choices=Outcome.choices)
    count = models.PositiveIntegerField("条数", default=0)
    attempts = models.PositiveIntegerField("尝试次数", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "消息投递统计"
        constraints = [
            models.UniqueConstraint(fields=["day", "channel", "outcome"], name="delivery_tally_once_per_day")
        ]


class ChannelPreference(models.Model):
    """What a user chose beyond the inbox, which every message always reaches. No row: the role's
    defaults (notifications/preferences.py)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="channels")
    email = models.BooleanField("接收邮件", default=True)
    sms = models.BooleanField("接收短信", default=False)
    # Instead of one e-mail per message, one e-mail a day with the unread ones (for the office).
    digest = models.BooleanField("每日汇总邮件", default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "消息渠道设置"
