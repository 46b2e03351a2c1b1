"""Response model of the holiday calendar endpoints."""

from __future__ import annotations

from datetime import date

from api.schemas import Out
from workcalendar.models import CalendarYear


class DayOut(Out):
    date: date
    is_workday: bool
    name: str


class YearOut(Out):
    year: int
    known: bool
    source: CalendarYear.Source | None  # null while the year is not entered
    note: str
    warning: str | None
    days: list[DayOut]
