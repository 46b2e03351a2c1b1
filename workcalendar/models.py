"""The holiday calendar: exceptions to the weekend rule, and the years whose schedule is known."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, models, transaction
from django.db.models.signals import post_delete, post_migrate, post_save
from django.dispatch import receiver

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


class CalendarVersion(models.Model):
    """One row whose token changes with every change to the calendar, so that each process knows when its
    cached copy (``counting.load_calendar``) is stale: a counter kept in the database, seen by all of them.

    Unmanaged (the table is made by migration 0003): it coordinates processes and is no data, so backups,
    restores and ``flush`` leave its row alone; the changes they make to the calendar still bump it.
    """

    token = models.CharField(max_length=32)

    class Meta:
        managed = False
        db_table = "workcalendar_calendarversion"

    def __str__(self) -> str:
        return self.token


VERSION_ROW = 1


def bump_version(using: str = DEFAULT_DB_ALIAS) -> None:
    """Give the calendar a new version token, in the caller's transaction (a rolled-back change leaves the
    old token, and a random token is never reused, so no process keeps a rolled-back calendar)."""
    token = uuid4().hex
    rows = CalendarVersion.objects.using(using).filter(pk=VERSION_ROW)
    if rows.update(token=token):
        return
    try:
        with transaction.atomic(using=using):
            CalendarVersion.objects.using(using).create(pk=VERSION_ROW, token=token)
    except IntegrityError:  # another process created it meanwhile
        rows.update(token=token)


# Here rather than in a signals module: every change through the ORM (the admin, the API's set_year, a test's
# create) bumps the version; bulk_create and update() send no signal, so set_year also bumps explicitly.
# post_migrate covers seeding migrations and ``flush``.
@receiver([post_save, post_delete], sender=CalendarDay)
@receiver([post_save, post_delete], sender=CalendarYear)
def _calendar_changed(using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    bump_version(using)


@receiver(post_migrate)
def _calendar_migrated(sender: Any, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    # Once per migrate or flush (sent for every app); not when migrated back before the table existed.
    if sender.name != "workcalendar":
        return
    if CalendarVersion._meta.db_table in connections[using].introspection.table_names():
        with transaction.atomic(using=using):
            bump_version(using)
