"""Deadlines of an assignment from its jurisdiction's rules and the working calendar (domain.md §6)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from organisation.models import Rules
from workcalendar.counting import WorkCalendar

from .models import Assignment, ResultClass


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


REMIND_BEFORE_DAYS = (15, 5)  # reminders 15 and 5 days before the deadline, on the day, then weekly


def next_reminder(deadline: date | None, after: date, *, inclusive: bool = True) -> date | None:
    """Return the next automatic reminder date for a deadline, on or after (or strictly after) ``after``."""
    if deadline is None:
        return None
    for days in (*REMIND_BEFORE_DAYS, 0):
        point = deadline - timedelta(days=days)
        if point > after or (inclusive and point == after):
            return point
    overdue = (after - deadline).days
    if inclusive and overdue % 7 == 0:
        return after
    return deadline + timedelta(days=(overdue // 7 + 1) * 7)


def follow_up_plan_due(a: Assignment) -> date | None:
    """When a B-class reply's follow-up plan (跟踪落实方案) is due: with the self-check (回头看, §二(四)),
    whose unfulfilled promises are what the plan gives time limits to. None for other classes."""
    return a.self_check_due if a.delivered_class == ResultClass.B else None
