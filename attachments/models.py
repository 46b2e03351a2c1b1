"""Files that belong to a proposal or to one unit's handling of it (附件).

A row describes one stored file: what it is (``kind``), the name the user gave it (cleaned, for display
only), the type read from its content, its size and SHA-256, who uploaded it when. The bytes live in the
``attachments`` storage (``settings.STORAGES``) under ``key``, a generated name: the user's name never
reaches a path. Rows are never edited; each upload is also an event in the proposal's history.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Kind(models.TextChoices):
    SEALED_REPLY = "sealed_reply", "盖章答复函扫描件"
    PHOTO = "photo", "现场办理照片"
    MINUTES = "minutes", "会议纪要"
    ORIGINAL = "original", "提案原件"
    OTHER = "other", "其他附件"


class Attachment(models.Model):
    proposal = models.ForeignKey("proposals.Proposal", on_delete=models.PROTECT, related_name="attachments")
    # null: a file of the proposal itself (its original from the CPPCC), not of one unit's handling
    assignment = models.ForeignKey(
        "handling.Assignment", null=True, blank=True, on_delete=models.PROTECT, related_name="attachments"
    )
    kind = models.CharField("类别", max_length=20, choices=Kind.choices)
    name = models.CharField("文件名", max_length=200)
    key = models.CharField("存储名", max_length=100, unique=True, editable=False)
    content_type = models.CharField("文件类型", max_length=100)
    size = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "附件"
        indexes = [
            models.Index(fields=["proposal", "id"], name="attachment_proposal_idx"),
            models.Index(fields=["assignment", "id"], name="attachment_assignment_idx"),
        ]
        constraints = [models.CheckConstraint(condition=models.Q(kind__in=Kind.values), name="attachment_kind_valid")]

    def __str__(self) -> str:
        return self.name
