"""In-app messages (站内消息): what each user should look at next."""

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

    class Meta:
        verbose_name = verbose_name_plural = "消息"
        indexes = [models.Index(fields=["user", "-id"], name="notification_inbox_idx")]
