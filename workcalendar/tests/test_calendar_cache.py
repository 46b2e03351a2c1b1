"""The holiday table is read once per change, not on every assignment; every process sees a saved year."""

from __future__ import annotations

from datetime import date as D

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from conftest import assign, file_proposal
from workcalendar.counting import load_calendar
from workcalendar.models import VERSION_ROW, CalendarDay, CalendarVersion, bump_version

pytestmark = pytest.mark.django_db


def _table_reads(ctx: CaptureQueriesContext) -> int:
    return sum('"workcalendar_calendarday"' in q["sql"] and "is_workday" in q["sql"] for q in ctx.captured_queries)


def _lead_due_on(world, **overrides) -> str:
    p = file_proposal(world, **overrides)
    due_on: str = assign(world, p["id"], [(world.jyj, "lead")])["assignments"][0]["due_on"]
    return due_on


@time_machine.travel("2026-11-30 09:00 +0800", tick=False)
def test_two_assignments_in_a_row_read_the_holiday_table_once(world):
    bump_version()  # whatever an earlier test left cached is stale now
    with CaptureQueriesContext(connection) as ctx:
        first = _lead_due_on(world)
        second = _lead_due_on(world, title="关于加强社区养老服务的建议")
    assert first == second == "2027-03-01"
    assert _table_reads(ctx) == 1


@time_machine.travel("2026-11-30 09:00 +0800", tick=False)
def test_a_year_saved_through_the_api_moves_the_next_due_date(world):
    assert _lead_due_on(world) == "2027-03-01"  # 2027-02-28 is a Sunday; the calendar is cached now
    holiday = {"date": "2027-03-01", "is_workday": False, "name": "假设的假日"}
    assert world.api(world.office).put("/calendar/2027", {"days": [holiday]}).status == 200
    assert _lead_due_on(world, title="关于加强社区养老服务的建议") == "2027-03-02"


def test_a_deleted_day_is_seen_at_once():
    assert not load_calendar().is_workday(D(2026, 10, 1))
    CalendarDay.objects.filter(date=D(2026, 10, 1)).delete()
    assert load_calendar().is_workday(D(2026, 10, 1))


def test_a_change_another_process_made_is_seen_by_its_token():
    cached = load_calendar()
    CalendarDay.objects.filter(date=D(2026, 10, 1)).update(is_workday=True)  # no signal: nothing bumped here
    assert load_calendar() is cached
    CalendarVersion.objects.filter(pk=VERSION_ROW).update(token="bumped-by-another-process")
    assert load_calendar().is_workday(D(2026, 10, 1))


def test_a_rolled_back_change_is_not_kept_in_the_cache():
    assert load_calendar().is_workday(D(2026, 6, 30))
    with pytest.raises(RuntimeError), transaction.atomic():
        CalendarDay.objects.create(date=D(2026, 6, 30), is_workday=False, name="测试假日")
        assert not load_calendar().is_workday(D(2026, 6, 30))
        raise RuntimeError
    assert load_calendar().is_workday(D(2026, 6, 30))
