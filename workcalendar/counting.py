"""Deadline arithmetic on the official PRC working calendar (民法典 第二百零一至二百零三条)."""

from __future__ import annotations

import calendar
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from itertools import accumulate
from typing import TYPE_CHECKING

from django.db import transaction

from lib.errors import InvalidInput
from organisation.signals import security_event

from .models import (
    NAME_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    VERSION_ROW,
    CalendarDay,
    CalendarVersion,
    CalendarYear,
    bump_version,
)

if TYPE_CHECKING:
    from organisation.models import User

ONE_DAY = timedelta(days=1)


def _check_date(d: date) -> date:
    """Reject datetimes, which would silently miss the date-keyed exceptions."""
    if isinstance(d, datetime) or not isinstance(d, date):
        raise TypeError(f"expected a datetime.date, got {type(d).__name__}")
    return d


def _weekdays_up_to(d: date) -> int:
    """Return how many Mon–Fri days lie between 0001-01-01 and `d`, both included."""
    # Ordinal 1 is Monday 0001-01-01, so every full week of ordinals holds five weekdays.
    weeks, rest = divmod(d.toordinal(), 7)
    return weeks * 5 + min(rest, 5)


def add_months(d: date, months: int) -> date:
    """Return the same-numbered day `months` later, clamped to the target month's last day."""
    _check_date(d)
    year, month0 = divmod(d.year * 12 + d.month - 1 + months, 12)
    last_day = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(d.day, last_day))


class WorkCalendar:
    """Workdays: Mon–Fri unless an exception says otherwise; years without a schedule count weekends only."""

    def __init__(self, exceptions: Mapping[date, bool], known_years: Iterable[int]) -> None:
        self._exceptions: dict[date, bool] = dict(exceptions)
        self._known_years: frozenset[int] = frozenset(known_years)
        # Only exceptions that differ from the weekday rule change a count; prefix sums make it O(log n).
        deviations = sorted(
            (d, 1 if is_workday else -1)
            for d, is_workday in self._exceptions.items()
            if is_workday != (d.weekday() < 5)
        )
        self._deviation_dates: list[date] = [d for d, _ in deviations]
        self._deviation_sums: list[int] = list(accumulate(delta for _, delta in deviations))

    def is_workday(self, d: date) -> bool:
        """Tell whether people work on `d`."""
        _check_date(d)
        return self._exceptions.get(d, d.weekday() < 5)

    def is_known(self, year: int) -> bool:
        """Tell whether the holiday schedule of `year` has been entered."""
        return year in self._known_years

    def roll_to_workday(self, d: date) -> date:
        """Return `d` if it is a workday, else the next workday."""
        while not self.is_workday(d):
            d += ONE_DAY
        return d

    def add_days(self, start: date, days: int, *, working: bool = False, roll: bool = True) -> date:
        """Return the last day of a period of `days` calendar or working days, not counting `start`."""
        _check_date(start)
        if days < 0:
            raise ValueError("days must not be negative")
        if not working:
            end = start + timedelta(days=days)
            return self.roll_to_workday(end) if roll else end
        if days == 0:
            return self.roll_to_workday(start) if roll else start
        d = start
        remaining = days
        while remaining:
            d += ONE_DAY
            if self.is_workday(d):
                remaining -= 1
        return d

    def add_months(self, start: date, months: int, *, roll: bool = True) -> date:
        """Return the last day of a period of `months` months, moved to the next workday if `roll`."""
        end = add_months(start, months)
        return self.roll_to_workday(end) if roll else end

    def working_days_between(self, a: date, b: date) -> int:
        """Count the workdays in (a, b]; zero when b is not after a."""
        _check_date(a)
        _check_date(b)
        if b <= a:
            return 0
        return _weekdays_up_to(b) - _weekdays_up_to(a) + self._deviation_sum_up_to(b) - self._deviation_sum_up_to(a)

    def _deviation_sum_up_to(self, d: date) -> int:
        """Return the net workdays added by exceptions on or before `d`."""
        i = bisect_right(self._deviation_dates, d)
        return self._deviation_sums[i - 1] if i else 0

    def unknown_years(self, *dates: date) -> list[int]:
        """Return, sorted, the years among `dates` whose holiday schedule is not entered."""
        return sorted({_check_date(d).year for d in dates} - self._known_years)

    def warning_for(self, *dates: date) -> str | None:
        """Return a warning for users when any of `dates` falls in a year without a holiday schedule."""
        years = self.unknown_years(*dates)
        if not years:
            return None
        listed = "、".join(str(y) for y in years)
        return f"{listed}年的法定节假日安排尚未录入，期限仅按周末推算，请督查室在国务院公布后录入。"


# This process's copy of the calendar and the version token it was read at (``models.CalendarVersion``).
_cached: tuple[str | None, WorkCalendar] | None = None


def calendar_version() -> str | None:
    """The calendar's current version token (one indexed read); None before the calendar ever changed."""
    return CalendarVersion.objects.filter(pk=VERSION_ROW).values_list("token", flat=True).first()


def read_calendar() -> WorkCalendar:
    """Build the calendar from the database's tables, uncached."""
    exceptions = dict(CalendarDay.objects.values_list("date", "is_workday"))
    known_years = CalendarYear.objects.values_list("year", flat=True)
    return WorkCalendar(exceptions, known_years)


def load_calendar() -> WorkCalendar:
    """The calendar as the database has it now: read once per change, not on every assignment.

    The token is read before the tables, so a change committed in between at worst costs one more read.
    """
    global _cached
    version = calendar_version()
    cached = _cached
    if cached is not None and cached[0] == version:
        return cached[1]
    cal = read_calendar()
    _cached = (version, cal)
    return cal


def set_year(
    year: int,
    days: list[tuple[date, bool, str]],
    *,
    source: str = CalendarYear.Source.MANUAL,
    note: str = "",
    actor: User | None = None,
) -> None:
    """Replace the holidays and make-up workdays of `year` and mark the year known (``actor`` None: a
    command loading the package's table)."""
    if source not in CalendarYear.Source.values:
        raise InvalidInput(f"未知的来源：{source}", details={"source": source})
    if not 1 <= year <= 9999:
        raise InvalidInput(f"年份无效：{year}", details={"year": year})
    if len(note) > NOTE_MAX_LENGTH:
        raise InvalidInput(f"备注不能超过{NOTE_MAX_LENGTH}个字。")
    seen: set[date] = set()
    rows = []
    for day, is_workday, name in days:
        _check_date(day)
        if day.year != year:
            raise InvalidInput(f"{day.isoformat()} 不在 {year} 年内。", details={"year": year, "date": day.isoformat()})
        if day in seen:
            raise InvalidInput(f"{day.isoformat()} 重复录入。", details={"date": day.isoformat()})
        name = name.strip()
        if not name or len(name) > NAME_MAX_LENGTH:
            raise InvalidInput(
                f"{day.isoformat()} 的名称不能为空，且不超过{NAME_MAX_LENGTH}个字。",
                details={"date": day.isoformat()},
            )
        seen.add(day)
        rows.append(CalendarDay(date=day, is_workday=bool(is_workday), name=name))
    with transaction.atomic():
        CalendarDay.objects.filter(date__gte=date(year, 1, 1), date__lte=date(year, 12, 31)).delete()
        CalendarDay.objects.bulk_create(rows)
        CalendarYear.objects.update_or_create(year=year, defaults={"source": source, "note": note})
        bump_version()  # bulk_create sends no signal
        # In the transaction: the audit entry commits with the table it reports.
        security_event.send(
            sender=CalendarYear, kind="calendar_changed", user=None, actor=actor, request=None, outcome="success",
            data={"year": year, "source": source, "days": len(rows), "workdays": sum(r.is_workday for r in rows)},
        )  # fmt: skip
