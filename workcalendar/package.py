"""Read holiday schedules from the chinesecalendar package."""

from __future__ import annotations

from datetime import date

import chinese_calendar

# The package's Chinese names are abbreviated; users read the full ones.
FULL_NAMES = {"清明": "清明节", "端午": "端午节", "中秋": "中秋节"}


def package_version() -> str:
    """Return the installed chinesecalendar version."""
    return str(chinese_calendar.__version__)


def package_years() -> list[int]:
    """Return the years whose schedule the package knows."""
    years: list[int] = []
    for year in range(1990, 2101):
        try:
            chinese_calendar.is_workday(date(year, 1, 1))
        except NotImplementedError:
            if years:
                break
            continue
        years.append(year)
    return years


def holiday_name(english: str) -> str:
    """Return the Chinese name of a holiday given the package's English one."""
    try:
        chinese = chinese_calendar.Holiday(english).chinese
    except ValueError:
        return english
    return str(FULL_NAMES.get(chinese, chinese))


def package_days(year: int) -> list[tuple[date, bool, str]]:
    """Return the package's holidays and make-up workdays of `year`, in date order."""
    days = [(d, False, holiday_name(name)) for d, name in chinese_calendar.holidays.items() if d.year == year]
    days += [
        (d, True, f"{holiday_name(name)}调休上班") for d, name in chinese_calendar.workdays.items() if d.year == year
    ]
    return sorted(days)
