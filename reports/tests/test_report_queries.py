"""The workbenches' numbers (``reports.workbench``): the board's lights, a leader's units' progress and the
committee's year, each in a fixed number of queries whatever the number of units."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import World, act, assign, file_proposal
from handling.access import own_jurisdiction_assignments, own_jurisdiction_ids, own_jurisdiction_proposals
from handling.models import Assignment
from reports.workbench import (
    charged_progress,
    charged_years,
    light_totals,
    progress_totals,
    unit_lights,
    year_summary,
)
from tests.test_transitions import drive_lead

TODAY = date(2026, 3, 2)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today() -> Iterator[None]:
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False):
        yield


def lead(world: World, unit, assigned_on: str) -> int:
    p = file_proposal(world)
    data = assign(world, p["id"], [(unit, "lead")], assigned_on=assigned_on)
    return next(a["id"] for a in data["assignments"] if a["department_id"] == unit.pk)


def lights_case(world: World) -> dict[str, int]:
    """市教育局: one red (due 2026-02-27) and one yellow (due today); 市卫健委: one green; and a withdrawn one."""
    ids = {
        "red": lead(world, world.jyj, "2025-11-27"),
        "yellow": lead(world, world.jyj, "2025-12-02"),
        "green": lead(world, world.wjw, "2025-12-18"),
        "withdrawn": lead(world, world.zjj, "2026-03-02"),
    }
    act(world, world.zjj_handler, ids["withdrawn"], "request-return", {"reason": "不属于本单位职责"})
    act(world, world.office, ids["withdrawn"], "decide-return", {"approve": True})
    return ids


def test_unit_lights_count_open_assignments_per_unit_most_red_first(world, django_assert_num_queries):
    lights_case(world)
    with django_assert_num_queries(1):
        rows = unit_lights(Assignment.objects.all(), TODAY)
    assert rows == [
        {"department_id": world.jyj.pk, "name": "市教育局", "red": 1, "yellow": 1, "green": 0, "total": 2},
        {"department_id": world.wjw.pk, "name": "市卫生健康委员会", "red": 0, "yellow": 0, "green": 1, "total": 1},
    ]
    assert light_totals(rows) == {"red": 1, "yellow": 1, "green": 1, "total": 3}
    # a day later the yellow one is overdue
    assert unit_lights(Assignment.objects.all(), date(2026, 3, 3))[0]["red"] == 2


def test_unit_lights_over_the_offices_scope_leave_out_other_jurisdictions(world):
    lights_case(world)
    county = lead(world, world.xq, "2025-11-27")  # the city office assigns to a county unit: still its own
    rows = unit_lights(own_jurisdiction_assignments(world.county_office), TODAY)
    assert rows == [] and Assignment.objects.filter(pk=county).exists()
    assert {r["name"] for r in unit_lights(own_jurisdiction_assignments(world.office), TODAY)} == {
        "市教育局", "市卫生健康委员会", "示例县教育局",
    }  # fmt: skip


def test_a_leaders_progress_counts_the_units_in_charge_only(world):
    lights_case(world)
    drive_lead(world, "closed")  # 市教育局: replied on time, then closed
    vice = charged_progress(world.vicemayor, today=TODAY)
    assert [(u.name, u.assigned, u.open, u.red, u.yellow, u.closed, u.replied) for u in vice] == [
        ("市教育局", 3, 2, 1, 1, 1, 1)
    ]
    assert vice[0].on_time_rate == 1.0
    mayor = charged_progress(world.mayor, today=TODAY)
    assert [u.name for u in mayor] == ["市教育局", "市卫生健康委员会", "市住房和城乡建设局"]  # most red, then open
    zjj = mayor[2]
    assert (zjj.assigned, zjj.open, zjj.on_time_rate) == (0, 0, None)  # the withdrawn one does not count
    assert progress_totals(mayor) == {"assigned": 4, "open": 3, "red": 1, "yellow": 1, "awaiting": 0, "closed": 1}
    assert charged_years(world.mayor) == [2026]
    other_year = charged_progress(world.mayor, today=TODAY, year=2025)
    assert len(other_year) == 3 and progress_totals(other_year) == dict.fromkeys(progress_totals(mayor), 0)
    # the same queries for one unit as for three
    with CaptureQueriesContext(connection) as one:
        charged_progress(world.vicemayor, today=TODAY)
    with CaptureQueriesContext(connection) as three:
        charged_progress(world.mayor, today=TODAY)
    assert len(one.captured_queries) == len(three.captured_queries)


def test_the_committees_year_by_status_and_satisfaction(world, django_assert_max_num_queries):
    file_proposal(world)  # registered
    lead(world, world.jyj, "2026-02-20")  # assigned
    drive_lead(world, "closed")  # rated 满意 by the proposer on the way
    user = world.cppcc
    proposals, ids = own_jurisdiction_proposals(user), own_jurisdiction_ids(user)
    # one aggregate, the units, the stored figures' marks and rows, and the GROUP BYs of the units not stored
    with django_assert_max_num_queries(7):
        s = year_summary(proposals, ids, year=2026, today=TODAY)
    assert (s.total, s.by_status["registered"], s.in_progress, s.by_status["closed"]) == (3, 1, 1, 1)
    assert (s.feedbacks, s.satisfaction_rate) == (1, 1.0)
    empty = year_summary(proposals, ids, year=2025, today=TODAY)
    assert (empty.total, empty.in_progress, empty.feedbacks, empty.satisfaction_rate) == (0, 0, 0, None)
