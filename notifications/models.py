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
