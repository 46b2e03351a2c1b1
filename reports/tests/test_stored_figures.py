"""The units' stored yearly figures (``UnitYearFigures``, kept by the worker's scan ``figures``) give exactly the
numbers counted from the assignments, at every step: before the worker ran, after it, after a change it has not
seen yet, and on the next day; and read as stored they cost two queries whatever the number of units."""

from __future__ import annotations

import threading
from datetime import date

import pytest
import time_machine
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from conftest import World, act
from handling.models import Assignment
from history.models import UnitChange
from organisation.models import Department
from reports.models import UnitYearFigures
from reports.queries import count_units, session_years, stored_counts, stored_counts_over
from reports.upkeep import figures, recount_all, recount_changed
from tests.test_concurrency import run_together
from tests.test_stats import lead_of, scene  # noqa: F401  (the fixture of hand-worked figures)

pytestmark = pytest.mark.django_db
JULY_1, JULY_2 = date(2026, 7, 1), date(2026, 7, 2)


def same(ids: list[int], today: date, year: int) -> int:
    """Assert the stored path gives the counts; return the queries it ran."""
    with CaptureQueriesContext(connection) as ran:
        stored = stored_counts(ids, today=today, year=year)
    assert stored == count_units(ids, today=today, year=year)
    return len(ran.captured_queries)


def test_stored_figures_equal_the_counts_at_every_step(world: World, scene) -> None:  # noqa: F811
    ids = list(Department.objects.values_list("pk", flat=True))
    with time_machine.travel("2026-07-01 18:00 +0800", tick=False):
        assert UnitChange.objects.filter(department_id=world.jyj.pk, year=2026).exists()
        assert same(ids, JULY_1, 2026) == 5  # nothing stored yet: marks, rows, and the three counts
        assert figures() > 0  # the worker's round
        assert not UnitChange.objects.exists()
        assert set(UnitYearFigures.objects.values_list("counted_on", flat=True)) == {JULY_1}
        kept = set(UnitYearFigures.objects.values_list("year", "department_id"))
        assert kept == {(y, d) for y in (2025, 2026) for d in ids}  # every unit, with assignments or none
        assert same(ids, JULY_1, 2026) == 2 and same(ids, JULY_1, 2025) == 2  # all read as stored
        # every year at once (a leader's progress, /stats without a year): the years' rows summed
        assert stored_counts_over(ids, today=JULY_1, years=session_years()) == count_units(ids, today=JULY_1)

        # a change the worker has not seen: the unit is counted afresh, the others read as stored
        p6 = Assignment.objects.get(department=world.zjj, first_replied_on=date(2026, 6, 20))
        act(world, world.member1, p6.pk, "feedback", {"attitude": "satisfied", "result": "satisfied"})
        old = UnitYearFigures.objects.get(year=2026, department=world.zjj).counts
        fresh = count_units([world.zjj.pk], today=JULY_1, year=2026)[world.zjj.pk]
        assert (old["rated"], fresh["rated"]) == (0, 1)  # the stored row alone would be wrong
        assert same(ids, JULY_1, 2026) == 5
        assert figures() == 1 and same(ids, JULY_1, 2026) == 2

    with time_machine.travel("2026-07-02 09:00 +0800", tick=False):
        # 市卫健委's proposal due today is not overdue today, and is tomorrow; yesterday's rows are not read
        lead_of(world, world.wjw, assigned_on="2026-04-02")  # due 2026-07-02
        assert figures() > 0
        assert same(ids, JULY_2, 2026) == 2
    with time_machine.travel("2026-07-03 09:00 +0800", tick=False):
        july_3 = date(2026, 7, 3)
        stored = UnitYearFigures.objects.get(year=2026, department=world.wjw).counts
        assert (
            stored["overdue"] == 0
            and count_units([world.wjw.pk], today=july_3, year=2026)[world.wjw.pk]["overdue"] == 1
        )
        assert same(ids, july_3, 2026) == 5  # counted on another day: counted afresh
        figures()
        assert same(ids, july_3, 2026) == 2
        assert set(UnitYearFigures.objects.values_list("counted_on", flat=True)) == {july_3}


def test_a_rebuild_from_scratch_drops_the_marks_and_counts_every_unit_year(world: World, scene) -> None:  # noqa: F811
    with time_machine.travel("2026-07-01 18:00 +0800", tick=False):
        units = Department.objects.count()
        assert recount_all(JULY_1) == 2 * units  # the years 2025 and 2026, every unit of every jurisdiction
        assert not UnitChange.objects.exists()
        ids = list(Department.objects.values_list("pk", flat=True))
        assert same(ids, JULY_1, 2026) == 2
        assert figures() == 0  # nothing left to do today


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL")
def test_workers_recounting_while_units_change_never_leave_a_wrong_row_unmarked(world: World) -> None:
    """What the readers rely on, with four workers' rounds and four clerks assigning at once: every stored
    row counted today is exact unless its unit is still marked (so it is counted afresh when read)."""
    units = [world.jyj, world.zjj, world.wjw, world.jyj]
    with time_machine.travel("2026-07-01 09:00 +0800", tick=False):
        for unit in units:
            lead_of(world, unit)
        figures()

        def round_or_assign(i: int) -> int:
            if i % 2:  # a worker: several rounds
                return sum(figures() for _ in range(6))
            for _ in range(3):  # a clerk: proposals assigned to the unit, each a history event and a mark
                lead_of(world, units[i // 2])
            return 0

        run_together(round_or_assign)
        marked = set(UnitChange.objects.values_list("year", "department_id"))
        for row in UnitYearFigures.objects.filter(counted_on=JULY_1):
            if (row.year, row.department_id) not in marked:
                exact = count_units([row.department_id], today=JULY_1, year=row.year)[row.department_id]
                assert row.counts == exact, (row.year, row.department_id)
        figures()
        assert not UnitChange.objects.exists()
        ids = list(Department.objects.values_list("pk", flat=True))
        assert same(ids, JULY_1, 2026) == 2
        assert stored_counts(ids, today=JULY_1, year=2026)[world.jyj.pk]["assigned"] == 2 + 3 + 3


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL")
def test_a_change_committed_while_the_worker_counts_keeps_its_mark(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The one interleaving that matters, made to happen: a clerk's change commits after the worker counted
    the unit and before it deletes the marks it read. The worker's row then lacks that change, so the
    change's own mark must survive (a worker deleting every mark would leave a wrong row unmarked)."""
    with time_machine.travel("2026-07-01 09:00 +0800", tick=False):
        lead_of(world, world.jyj)
        counted_once: list[bool] = []

        def clerk_assigns() -> None:  # on its own connection: commits while the worker's transaction is open
            try:
                lead_of(world, world.jyj)
            finally:
                connections.close_all()

        def count_then_a_clerk_commits(*args: object, **kwargs: object) -> dict[int, dict[str, object]]:
            result = count_units(*args, **kwargs)  # type: ignore[arg-type]
            if not counted_once:
                counted_once.append(True)
                clerk = threading.Thread(target=clerk_assigns)
                clerk.start()
                clerk.join()
            return result

        monkeypatch.setattr("reports.upkeep.count_units", count_then_a_clerk_commits)
        # one batch (the worker stops after it): the marks it read, not the clerk's, which came after
        assert recount_changed(JULY_1, stopping=lambda: bool(counted_once)) == 1
        row = UnitYearFigures.objects.get(year=2026, department=world.jyj).counts
        exact = count_units([world.jyj.pk], today=JULY_1, year=2026)[world.jyj.pk]
        assert (row["assigned"], exact["assigned"]) == (1, 2)  # the row missed the clerk's proposal …
        assert UnitChange.objects.filter(year=2026, department_id=world.jyj.pk).exists()  # … which is marked
        assert stored_counts([world.jyj.pk], today=JULY_1, year=2026)[world.jyj.pk] == exact
        monkeypatch.undo()
        assert recount_changed(JULY_1) == 1 and not UnitChange.objects.exists()
        assert UnitYearFigures.objects.get(year=2026, department=world.jyj).counts == exact
