"""Response model of the holiday calendar endpoints."""

from __future__ import annotations

from datetime import date
from typing import Literal

from api.schemas import Out


class DayOut(Out):
    date: date
    is_workday: bool
    name: str


class YearOut(Out):
    year: int
    known: bool
    source: Literal["package", "manual"] | None  # CalendarYear.Source; null while the year is not entered
    note: str
    warning: str | None
    days: list[DayOut]
