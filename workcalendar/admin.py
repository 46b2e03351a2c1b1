"""Let the office maintain the holiday calendar."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import ExtractYear
from django.http import HttpRequest
from django.utils import timezone

from organisation.models import User
from organisation.signals import security_event

from .models import CalendarDay, CalendarYear

WEEKDAYS = "一二三四五六日"


class YearFilter(admin.SimpleListFilter):
    title = "年份"
    parameter_name = "year"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        """List the years that have days, newest first."""
        years = CalendarDay.objects.dates("date", "year", order="DESC")
        return [(str(d.year), f"{d.year}年") for d in years]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """Keep the days of the chosen year."""
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(date__year=int(value))
        return queryset


def mark_years_manual(years: set[int], request: HttpRequest) -> None:
    """Record that the office changed these years, so reseeding from the package skips them, and tell the
    audit log, as a change through the API does (``counting.set_year``)."""
    CalendarYear.objects.filter(year__in=years).update(source=CalendarYear.Source.MANUAL, updated_at=timezone.now())
    actor = request.user if isinstance(request.user, User) else None
    for year in sorted(years):
        security_event.send(
            sender=CalendarYear, kind="calendar_changed", user=None, actor=actor, request=request, outcome="success",
            data={"year": year, "source": CalendarYear.Source.MANUAL.value, "via": "admin"},
        )  # fmt: skip


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin[CalendarDay]):
    list_display = ["date", "weekday", "is_workday", "name"]
    list_filter = [YearFilter, "is_workday"]
    search_fields = ["name"]
    date_hierarchy = "date"
    ordering = ["-date"]

    @admin.display(description="星期", ordering="date")
    def weekday(self, obj: CalendarDay) -> str:
        """Show the weekday, since make-up workdays fall on weekends."""
        return f"星期{WEEKDAYS[obj.date.weekday()]}"

    def save_model(self, request: HttpRequest, obj: CalendarDay, form: Any, change: bool) -> None:
        """Save the day and mark its year, and a year it moved from, as edited by the office."""
        years = {obj.date.year}
        if change and obj.pk:
            old = CalendarDay.objects.filter(pk=obj.pk).values_list("date", flat=True).first()
            if old is not None:
                years.add(old.year)
        super().save_model(request, obj, form, change)
        mark_years_manual(years, request)

    def delete_model(self, request: HttpRequest, obj: CalendarDay) -> None:
        """Delete the day and mark its year as edited by the office."""
        super().delete_model(request, obj)
        mark_years_manual({obj.date.year}, request)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarDay]) -> None:
        """Delete the days and mark their years as edited by the office."""
        years = {d.year for d in queryset.values_list("date", flat=True)}
        super().delete_queryset(request, queryset)
        mark_years_manual(years, request)


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin[CalendarYear]):
    list_display = ["year", "source", "day_count", "updated_at", "note"]
    list_filter = ["source"]
    search_fields = ["=year", "note"]
    readonly_fields = ["updated_at"]
    ordering = ["-year"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[CalendarYear]:
        """Count each year's days in the same query."""
        days = (
            CalendarDay.objects.annotate(y=ExtractYear("date"))
            .filter(y=OuterRef("year"))
            .values("y")
            .annotate(n=Count("pk"))
            .values("n")
        )
        qs: QuerySet[CalendarYear] = super().get_queryset(request)
        return qs.annotate(days=Subquery(days, output_field=IntegerField()))

    @admin.display(description="节假日与调休日数")
    def day_count(self, obj: CalendarYear) -> int:
        """Show how many days the year has."""
        return getattr(obj, "days", None) or 0
