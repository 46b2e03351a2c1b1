"""Deadlines of an assignment from its jurisdiction's rules and the working calendar (domain.md §6)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from organisation.models import Rules
from workcalendar.counting import WorkCalendar


@dataclass(frozen=True)
class Deadlines:
    due_on: date
    max_due_on: date
    return_deadline: date
    co_opinion_due: date


def for_assignment(assigned_on: date, rules: Rules, cal: WorkCalendar) -> Deadlines:
    """Compute every deadline that starts on the assignment date."""
    roll = rules.deadline_rolls_to_workday
    if rules.return_window_working:
        return_deadline = cal.add_days(assigned_on, rules.return_window_days, working=True)
    else:
        return_deadline = cal.add_days(assigned_on, rules.return_window_days, roll=roll)
    return Deadlines(
        due_on=cal.add_months(assigned_on, rules.reply_months, roll=roll),
        max_due_on=cal.add_months(assigned_on, rules.max_extension_months, roll=roll),
        return_deadline=return_deadline,
        co_opinion_due=cal.add_months(assigned_on, rules.co_opinion_months, roll=roll),
    )


def months_after(start: date, months: int, rules: Rules, cal: WorkCalendar) -> date:
    """Return the end of a period in months that starts on ``start`` (self-check, re-handling)."""
    return cal.add_months(start, months, roll=rules.deadline_rolls_to_workday)
