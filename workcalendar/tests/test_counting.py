from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from lib.errors import InvalidInput
from workcalendar.counting import WorkCalendar, add_months, load_calendar, set_year
from workcalendar.models import CalendarDay, CalendarYear
from workcalendar.package import package_days, package_years

D = date


def package_calendar() -> WorkCalendar:
    """Build a calendar straight from the package, without the database."""
    years = package_years()
    exceptions = {d: is_workday for y in years for d, is_workday, _ in package_days(y)}
    return WorkCalendar(exceptions, years)


CAL = package_calendar()
NATIONAL_DAY_2026 = [D(2026, 10, d) for d in range(1, 8)]
MAKE_UP_2026 = [D(2026, 1, 4), D(2026, 2, 14), D(2026, 2, 28), D(2026, 5, 9), D(2026, 9, 20), D(2026, 10, 10)]


def test_package_knows_2004_to_2026() -> None:
    assert package_years() == list(range(2004, 2027))


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(2026, 3, 31), 3, D(2026, 6, 30)),
        (D(2026, 11, 30), 3, D(2027, 2, 28)),
        (D(2028, 11, 30), 3, D(2029, 2, 28)),
        (D(2027, 11, 30), 3, D(2028, 2, 29)),
        (D(2028, 1, 31), 1, D(2028, 2, 29)),
        (D(2027, 1, 31), 1, D(2027, 2, 28)),
        (D(2100, 1, 31), 1, D(2100, 2, 28)),
        (D(2026, 8, 31), 1, D(2026, 9, 30)),
        (D(2026, 7, 31), 1, D(2026, 8, 31)),
        (D(2028, 2, 29), 1, D(2028, 3, 29)),
        (D(2028, 2, 29), 12, D(2029, 2, 28)),
        (D(2028, 2, 29), 48, D(2032, 2, 29)),
        (D(2027, 2, 28), 1, D(2027, 3, 28)),
        (D(2027, 2, 28), 12, D(2028, 2, 28)),
        (D(2026, 12, 15), 1, D(2027, 1, 15)),
        (D(2026, 1, 31), 13, D(2027, 2, 28)),
        (D(2026, 5, 31), -3, D(2026, 2, 28)),
        (D(2026, 5, 20), 0, D(2026, 5, 20)),
    ],
)
def test_add_months_clamps_to_month_end(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_reply_due_on_a_workday_stays() -> None:
    assert CAL.is_workday(D(2026, 6, 30))
    assert CAL.add_months(D(2026, 3, 31), 3) == D(2026, 6, 30)
    assert CAL.warning_for(D(2026, 3, 31), D(2026, 6, 30)) is None


def test_reply_due_on_a_sunday_in_an_unknown_year_moves_to_monday_with_a_warning() -> None:
    assert CAL.add_months(D(2026, 11, 30), 3, roll=False) == D(2027, 2, 28)
    assert CAL.add_months(D(2026, 11, 30), 3) == D(2027, 3, 1)
    assert CAL.unknown_years(D(2026, 11, 30), D(2027, 3, 1)) == [2027]
    warning = CAL.warning_for(D(2026, 11, 30), D(2027, 3, 1))
    assert warning == "2027年的法定节假日安排尚未录入，期限仅按周末推算，请督查室在国务院公布后录入。"


def test_calendar_days_ending_inside_national_day_move_past_it() -> None:
    assert CAL.add_days(D(2026, 9, 25), 10, roll=False) == D(2026, 10, 5)
    assert CAL.add_days(D(2026, 9, 25), 10) == D(2026, 10, 8)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        # 09-30, [10-01..10-07 off], 10-08, 10-09, 10-10 (Saturday make-up), [10-11 Sunday], 10-12
        (D(2026, 9, 29), D(2026, 10, 12)),
        # 10-08, 10-09, 10-10 (Saturday make-up), 10-12, 10-13
        (D(2026, 10, 7), D(2026, 10, 13)),
        # Starting inside the holiday counts from its end: 10-08, 10-09, 10-10, 10-12, 10-13
        (D(2026, 10, 3), D(2026, 10, 13)),
        # 09-20 (Sunday make-up), 09-21, 09-22, 09-23, 09-24
        (D(2026, 9, 18), D(2026, 9, 24)),
        # 09-23, 09-24, [09-25..09-27 Mid-autumn], 09-28, 09-29, 09-30
        (D(2026, 9, 22), D(2026, 9, 30)),
    ],
)
def test_five_working_days_around_national_day_2026(start: date, expected: date) -> None:
    assert CAL.add_days(start, 5, working=True) == expected
    assert CAL.working_days_between(start, expected) == 5


def test_working_days_between_counts_the_half_open_interval() -> None:
    assert CAL.working_days_between(D(2026, 9, 30), D(2026, 10, 7)) == 0
    assert CAL.working_days_between(D(2026, 9, 30), D(2026, 10, 10)) == 3
    assert CAL.working_days_between(D(2026, 9, 29), D(2026, 9, 30)) == 1
    assert CAL.working_days_between(D(2026, 9, 30), D(2026, 9, 30)) == 0
    assert CAL.working_days_between(D(2026, 10, 12), D(2026, 9, 29)) == 0
    # 2026 has 261 Mon–Fri days; 19 are holidays (New Year 2, Spring Festival 6, Qingming 1, Labour Day 3,
    # Dragon Boat 1, Mid-autumn 1, National Day 5) and 6 weekend days are make-up workdays.
    assert CAL.working_days_between(D(2025, 12, 31), D(2026, 12, 31)) == 261 - 19 + 6


def test_working_days_between_matches_day_by_day_count() -> None:
    rng = random.Random(20261001)
    span = (D(2027, 12, 31) - D(2003, 6, 1)).days
    for _ in range(300):
        a = D(2003, 6, 1) + timedelta(days=rng.randrange(span))
        b = a + timedelta(days=rng.randrange(400))
        brute = sum(CAL.is_workday(a + timedelta(days=i)) for i in range(1, (b - a).days + 1))
        assert CAL.working_days_between(a, b) == brute
        n = rng.randrange(1, 30)
        end = CAL.add_days(a, n, working=True)
        assert CAL.is_workday(end)
        assert CAL.working_days_between(a, end) == n
        assert CAL.working_days_between(a, end - timedelta(days=1)) == n - 1


def test_spring_festival_2026_and_make_up_workdays() -> None:
    for offset in range(9):
        assert not CAL.is_workday(D(2026, 2, 15) + timedelta(days=offset))
    assert CAL.is_workday(D(2026, 2, 13))
    assert CAL.is_workday(D(2026, 2, 24))
    for day in MAKE_UP_2026:
        assert day.weekday() >= 5
        assert CAL.is_workday(day), day
    for day in [
        D(2026, 2, 15),
        D(2026, 2, 21),
        D(2026, 2, 22),
        D(2026, 10, 3),
        D(2026, 10, 4),
        D(2026, 1, 3),
    ]:
        assert day.weekday() >= 5
        assert not CAL.is_workday(day), day
    for day in NATIONAL_DAY_2026:
        assert not CAL.is_workday(day), day
    assert CAL.is_workday(D(2026, 10, 8))


def test_roll_to_workday_stops_at_make_up_days() -> None:
    assert CAL.roll_to_workday(D(2026, 10, 10)) == D(2026, 10, 10)
    assert CAL.roll_to_workday(D(2026, 10, 11)) == D(2026, 10, 12)
    assert CAL.roll_to_workday(D(2026, 9, 19)) == D(2026, 9, 20)
    assert CAL.roll_to_workday(D(2026, 2, 15)) == D(2026, 2, 24)
    assert CAL.roll_to_workday(D(2026, 6, 30)) == D(2026, 6, 30)


def test_start_day_is_not_counted() -> None:
    assert CAL.add_days(D(2026, 6, 1), 1) == D(2026, 6, 2)
    assert CAL.add_days(D(2026, 6, 1), 1, working=True) == D(2026, 6, 2)
    assert CAL.add_days(D(2026, 6, 5), 1, working=True) == D(2026, 6, 8)
    assert CAL.add_days(D(2026, 6, 5), 1) == D(2026, 6, 8)
    assert CAL.add_days(D(2026, 6, 5), 1, roll=False) == D(2026, 6, 6)
    assert CAL.add_days(D(2026, 10, 1), 1, working=True) == D(2026, 10, 8)
    assert CAL.add_days(D(2026, 6, 3), 0) == D(2026, 6, 3)
    assert CAL.add_days(D(2026, 6, 6), 0, working=True) == D(2026, 6, 8)
    assert CAL.add_days(D(2026, 6, 6), 0, working=True, roll=False) == D(2026, 6, 6)


@pytest.mark.parametrize("year", [2027, 2031])
def test_unknown_year_counts_weekends_only_and_warns(year: int) -> None:
    assert not CAL.is_known(year)
    jan1 = D(year, 1, 1)
    oct1 = D(year, 10, 1)
    assert jan1.weekday() < 5 and oct1.weekday() < 5
    assert CAL.is_workday(jan1) and CAL.is_workday(oct1)
    saturday = oct1 + timedelta(days=5 - oct1.weekday())
    assert not CAL.is_workday(saturday)
    assert CAL.roll_to_workday(saturday) == saturday + timedelta(days=2)
    # Five working days from a Monday end on the next Monday: only the weekend is skipped.
    monday = D(year, 9, 27) - timedelta(days=D(year, 9, 27).weekday())
    assert CAL.add_days(monday, 5, working=True) == monday + timedelta(days=7)
    days_in_year = (D(year + 1, 1, 1) - D(year, 1, 1)).days
    weekdays = sum((D(year, 1, 1) + timedelta(days=i)).weekday() < 5 for i in range(days_in_year))
    assert CAL.working_days_between(D(year - 1, 12, 31), D(year, 12, 31)) == weekdays
    warning = CAL.warning_for(D(2026, 12, 1), oct1)
    assert warning is not None
    assert warning.startswith(f"{year}年的法定节假日安排尚未录入")
    assert "仅按周末推算" in warning


def test_several_unknown_years_are_listed_once_each() -> None:
    assert CAL.unknown_years(D(2031, 1, 5), D(2027, 3, 1), D(2027, 5, 1), D(2026, 1, 1)) == [2027, 2031]
    warning = CAL.warning_for(D(2031, 1, 5), D(2027, 3, 1), D(2027, 5, 1))
    assert warning is not None and warning.startswith("2027、2031年的")


def test_known_years_give_no_warning() -> None:
    assert CAL.is_known(2026) and CAL.is_known(2004)
    assert CAL.warning_for(D(2004, 1, 1), D(2026, 12, 31)) is None
    assert CAL.warning_for() is None


def test_empty_calendar_is_plain_weekends() -> None:
    cal = WorkCalendar({}, [])
    assert cal.is_workday(D(2026, 10, 1))
    assert cal.add_days(D(2026, 9, 25), 10) == D(2026, 10, 5)
    assert cal.warning_for(D(2026, 10, 1)) is not None


def test_rejects_datetimes_and_negative_periods() -> None:
    with pytest.raises(TypeError):
        CAL.is_workday(datetime(2026, 10, 1, 9, 0))
    with pytest.raises(TypeError):
        add_months(datetime(2026, 10, 1, 9, 0), 1)
    with pytest.raises(ValueError):
        CAL.add_days(D(2026, 10, 1), -1)


@pytest.mark.django_db
def test_data_migration_seeded_the_package_years() -> None:
    cal = load_calendar()
    assert not cal.is_workday(D(2026, 10, 1))
    assert cal.is_workday(D(2026, 10, 10))
    assert cal.is_known(2026) and cal.is_known(2004)
    assert not cal.is_known(2027)
    assert cal.add_days(D(2026, 9, 25), 10) == D(2026, 10, 8)
    assert cal.add_days(D(2026, 9, 29), 5, working=True) == D(2026, 10, 12)
    assert CalendarDay.objects.get(date=D(2026, 10, 1)).name == "国庆节"
    assert CalendarDay.objects.get(date=D(2026, 10, 10)).name == "国庆节调休上班"
    assert CalendarDay.objects.get(date=D(2026, 4, 5)).name == "清明节"
    assert CalendarDay.objects.count() == sum(len(package_days(y)) for y in package_years())
    assert set(CalendarYear.objects.values_list("year", "source")) == {
        (y, CalendarYear.Source.PACKAGE) for y in range(2004, 2027)
    }


@pytest.mark.django_db
def test_load_calendar_sees_edits_at_once() -> None:
    assert load_calendar().is_workday(D(2026, 6, 30))
    CalendarDay.objects.create(date=D(2026, 6, 30), is_workday=False, name="测试假日")
    assert not load_calendar().is_workday(D(2026, 6, 30))


@pytest.mark.django_db
def test_set_year_makes_2027_known_and_changes_results() -> None:
    assert load_calendar().add_months(D(2026, 11, 30), 3) == D(2027, 3, 1)
    set_year(
        2027,
        [
            (D(2027, 2, 28), True, "春节调休上班"),  # a Sunday made a workday
            (D(2027, 3, 1), False, "测试假日"),
            (D(2027, 10, 1), False, "国庆节"),
        ],
        note="国办发明电〔2026〕X号",
    )
    cal = load_calendar()
    assert cal.is_known(2027)
    assert cal.warning_for(D(2026, 11, 30), D(2027, 2, 28)) is None
    assert cal.add_months(D(2026, 11, 30), 3) == D(2027, 2, 28)
    assert cal.roll_to_workday(D(2027, 3, 1)) == D(2027, 3, 2)
    assert not cal.is_workday(D(2027, 10, 1))
    year = CalendarYear.objects.get(year=2027)
    assert year.source == CalendarYear.Source.MANUAL
    assert year.note == "国办发明电〔2026〕X号"

    # A second call replaces the year's days instead of adding to them.
    set_year(2027, [(D(2027, 10, 1), False, "国庆节")])
    cal = load_calendar()
    assert not cal.is_workday(D(2027, 2, 28))
    assert cal.is_workday(D(2027, 3, 1))
    assert CalendarDay.objects.filter(date__year=2027).count() == 1
    assert not cal.is_workday(D(2026, 10, 1)), "other years are untouched"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "days",
    [
        [(D(2027, 10, 1), False, "国庆节"), (D(2028, 1, 1), False, "元旦")],
        [(D(2026, 12, 31), False, "测试")],
        [(D(2027, 10, 1), False, "国庆节"), (D(2027, 10, 1), False, "国庆节")],
        [(D(2027, 10, 1), False, "  ")],
    ],
)
def test_set_year_rejects_bad_days_and_writes_nothing(days: list[tuple[date, bool, str]]) -> None:
    with pytest.raises(InvalidInput) as excinfo:
        set_year(2027, days)
    assert excinfo.value.status == 400
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert not CalendarDay.objects.filter(date__year=2027).exists()


@pytest.mark.django_db
def test_set_year_message_names_the_stray_date() -> None:
    with pytest.raises(InvalidInput, match="2028-01-01 不在 2027 年内"):
        set_year(2027, [(D(2028, 1, 1), False, "元旦")])


@pytest.mark.django_db
def test_load_holidays_is_idempotent_and_keeps_office_edits() -> None:
    before = list(CalendarDay.objects.order_by("date").values_list("date", "is_workday", "name"))
    call_command("load_holidays")
    call_command("load_holidays", "--year", "2026")
    assert list(CalendarDay.objects.order_by("date").values_list("date", "is_workday", "name")) == before

    set_year(2026, [(D(2026, 10, 1), False, "国庆节")])
    call_command("load_holidays")
    assert not load_calendar().is_workday(D(2026, 10, 10)), "an office-entered year is skipped"
    call_command("load_holidays", "--year", "2026", "--force")
    assert load_calendar().is_workday(D(2026, 10, 10))
    assert CalendarYear.objects.get(year=2026).source == CalendarYear.Source.PACKAGE

    with pytest.raises(CommandError, match="2027"):
        call_command("load_holidays", "--year", "2027")


@pytest.mark.django_db
def test_admin_lists_and_edits_mark_the_year_manual(admin_client: Client) -> None:
    response = admin_client.get(reverse("admin:workcalendar_calendarday_changelist"), {"year": "2026", "q": "国庆"})
    assert response.status_code == 200
    assert "国庆节调休上班" in response.content.decode()
    response = admin_client.get(reverse("admin:workcalendar_calendaryear_changelist"))
    assert response.status_code == 200

    response = admin_client.post(
        reverse("admin:workcalendar_calendarday_add"),
        {"date": "2026-12-31", "is_workday": "", "name": "测试假日"},
    )
    assert response.status_code == 302
    assert CalendarYear.objects.get(year=2026).source == CalendarYear.Source.MANUAL
    assert CalendarYear.objects.get(year=2025).source == CalendarYear.Source.PACKAGE
