"""The holiday calendar: exceptions to the weekend rule, and the years whose schedule is known."""

from __future__ import annotations

from django.db import models

NAME_MAX_LENGTH = 64
NOTE_MAX_LENGTH = 200


class CalendarDay(models.Model):
    """A day that breaks the plain Mon–Fri rule: a statutory holiday or a make-up workday (调休上班)."""

    date = models.DateField("日期", unique=True)
    is_workday = models.BooleanField("是否上班", help_text="勾选表示调休上班日；不勾选表示法定节假日（放假）。")
    name = models.CharField("名称", max_length=NAME_MAX_LENGTH, help_text="如“国庆节”或“国庆节调休上班”。")

    class Meta:
        verbose_name = "节假日与调休日"
        verbose_name_plural = "节假日与调休日"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.name}"


class CalendarYear(models.Model):
    """A year whose holiday schedule has been entered; other years are counted by weekends only."""

    class Source(models.TextChoices):
        PACKAGE = "package", "来自 chinesecalendar"
        MANUAL = "manual", "办公室录入"

    year = models.PositiveIntegerField(
        "年份",
        unique=True,
        help_text="录入该年全部节假日和调休上班日后再添加年份；未添加的年份只按周末推算期限并提示。",
    )
    source = models.CharField("来源", max_length=16, choices=Source.choices, default=Source.MANUAL)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    note = models.CharField("备注", max_length=NOTE_MAX_LENGTH, blank=True, help_text="如国务院办公厅通知的文号。")

    class Meta:
        verbose_name = "已录入年份"
        verbose_name_plural = "已录入年份"
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}年"
