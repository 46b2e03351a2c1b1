"""The circulars the office has issued (通报, seed §五(一)): each kept as it was sent, file and figures, with
the units it went to. Written only by ``publications.actions.issue_circular``; never changed afterwards (a
correction is a new circular with its own number)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from organisation.models import Department, Jurisdiction


class Circular(models.Model):
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+", verbose_name="辖区")
    year = models.PositiveSmallIntegerField("文号年度")
    sequence = models.PositiveIntegerField("文号序号")
    number = models.CharField("文号", max_length=60)
    title = models.CharField("标题", max_length=200)
    date_from = models.DateField("起始日期")
    date_to = models.DateField("截止日期")
    issued_on = models.DateField("成文日期")
    issued_at = models.DateTimeField("印发时间", auto_now_add=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # What the circular said (totals, units, praised, named), as it was counted on the day it was issued.
    figures = models.JSONField("数据", default=dict)
    # The .docx exactly as sent: the units download these bytes, not a document drawn again from records
    # that have moved on since.
    document = models.BinaryField("文件")
    sha256 = models.CharField("SHA-256", max_length=64)

    class Meta:
        verbose_name = verbose_name_plural = "通报"
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "year", "sequence"], name="circular_number_unique"),
            models.CheckConstraint(condition=models.Q(date_from__lte=models.F("date_to")), name="circular_range"),
        ]
        indexes = [models.Index(fields=["jurisdiction", "-id"], name="circular_jurisdiction_idx")]

    def __str__(self) -> str:
        return self.number


class CircularRecipient(models.Model):
    """A unit the circular was sent to, and how many of its users were told."""

    circular = models.ForeignKey(Circular, on_delete=models.PROTECT, related_name="recipients")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+", verbose_name="承办单位")
    notified = models.PositiveIntegerField("通知人数", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "通报发送单位"
        constraints = [
            models.UniqueConstraint(fields=["circular", "department"], name="circular_recipient_once"),
        ]
        indexes = [models.Index(fields=["department", "-circular"], name="circular_recipient_dept_idx")]
