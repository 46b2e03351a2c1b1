"""The security audit log (安全审计): one row per security event, appended and never changed.

Like the history, the table is protected twice: on PostgreSQL a trigger refuses UPDATE, DELETE and
TRUNCATE (migration 0002, ``lib.append_only``), and every row carries a keyed hash over its content and
its predecessor's hash (``audit.chain``), so a row forged or removed with direct SQL breaks the chain
that ``manage.py verify_audit`` checks.

Names are copied into the row (``username``, ``actor_username``): an auditor must read who it was at the
time, also for an account that does not exist (a guessed name) or was renamed since.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.db import models
from django.utils import timezone

from .labels import kind_label, outcome_label


class AuditEntry(models.Model):
    at = models.DateTimeField("时间", default=timezone.now)
    kind = models.CharField("事件", max_length=40)
    outcome = models.CharField("结果", max_length=10)
    # The account concerned (signed in, refused, created …); null for an unknown name or none at all.
    # No database constraint and DO_NOTHING: the log outlives an account (the names are copied), and
    # deleting one must neither be blocked by its audit trail nor rewrite it (SET_NULL is an UPDATE).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    username = models.CharField("用户名", max_length=150, blank=True)  # as typed, for unknown accounts too
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_username = models.CharField("操作人", max_length=150, blank=True)
    ip = models.GenericIPAddressField("地址", null=True, blank=True)
    user_agent = models.CharField("客户端", max_length=300, blank=True)
    method = models.CharField("方法", max_length=10, blank=True)
    path = models.CharField("路径", max_length=500, blank=True)
    data = models.JSONField("详情", default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = verbose_name_plural = "安全审计记录"
        # Only reading is a right anyone can be given (审计管理员); nobody may change or delete entries.
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["at"], name="audit_at_idx"),
            models.Index(fields=["kind", "at"], name="audit_kind_at_idx"),
            models.Index(fields=["username", "at"], name="audit_username_at_idx"),
            models.Index(fields=["actor_username", "at"], name="audit_actor_at_idx"),
            models.Index(fields=["ip", "at"], name="audit_ip_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.kind} {self.outcome} {self.username}"

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)

    @property
    def outcome_label(self) -> str:
        return outcome_label(self.outcome)

    @property
    def details(self) -> str:
        """``data`` as one line of JSON, Chinese as is."""
        return json.dumps(self.data, ensure_ascii=False, sort_keys=True) if self.data else ""
