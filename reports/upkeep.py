"""Keeping the stored yearly figures of the units (``UnitYearFigures``) exact: the worker's scan ``figures``.

The readers (``reports.queries.stored_counts``) never trust a row that is not exact (a unit marked changed,
or counted on another day): they count that unit afresh. So this module only decides how soon the rows
become exact again, never what a report says. Each round:

1. the units marked changed (``history.UnitChange``, written with every event about an assignment) are
   recounted, and exactly the marks read before counting are deleted: a mark committed while counting stays
   for the next round;
2. rows counted on an earlier day are recounted (the overdue and "due" counts move with the day), a batch
   per transaction; the first round of a day also adds the unit-years that have no row yet.

Two workers at once: each takes marks with SKIP LOCKED, then locks the rows it will write (inserting the
missing ones first, in one order), and counts only after holding them, so the row written last was
counted last.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date

from django.db import transaction
from django.utils import timezone

from handling.models import Assignment
from history.models import UnitChange
from organisation.models import Department

from .models import UnitYearFigures
from .queries import count_units

BATCH = 200  # unit-years per transaction: short locks, and a worker that stops loses little
NEVER = date(1, 1, 1)  # the day a placeholder row was "counted": never read (not today)


def _recount(pairs: Iterable[tuple[int, int]], today: date) -> int:
    """Count the (year, unit) pairs again and store them; inside the caller's transaction."""
    by_year: dict[int, list[int]] = defaultdict(list)
    for year, department_id in sorted(set(pairs)):
        by_year[year].append(department_id)
    done = 0
    for year, ids in by_year.items():
        UnitYearFigures.objects.bulk_create(
            [UnitYearFigures(year=year, department_id=pk, counted_on=NEVER, counts={}) for pk in ids],
            ignore_conflicts=True,
        )
        # held until commit: another worker recounting the same units waits, then counts after this one
        list(
            UnitYearFigures.objects.select_for_update()
            .filter(year=year, department_id__in=ids)
            .order_by("department_id")
            .values_list("pk")
        )
        counted = count_units(ids, today=today, year=year)
        UnitYearFigures.objects.bulk_create(
            [UnitYearFigures(year=year, department_id=pk, counted_on=today, counts=counted[pk]) for pk in ids],
            update_conflicts=True,
            unique_fields=["year", "department"],
            update_fields=["counted_on", "counts"],
        )
        done += len(ids)
    return done


def recount_changed(today: date, stopping: Callable[[], bool] = lambda: False) -> int:
    """Recount the marked units, a batch of marks per transaction; the number of unit-years recounted."""
    done = 0
    while not stopping():
        with transaction.atomic():
            marks = list(
                UnitChange.objects.select_for_update(skip_locked=True)
                .order_by("pk")
                .values_list("pk", "year", "department_id")[: BATCH * 5]
            )
            if not marks:
                break
            done += _recount(((year, unit) for _, year, unit in marks), today)
            UnitChange.objects.filter(pk__in=[pk for pk, _, _ in marks]).delete()
    return done


def add_missing(today: date) -> int:
    """Once a day (in the first round, when no row is counted today): placeholder rows for every unit in every
    year with assignments that has no row yet (a new deployment, a new unit or year, rows loaded in bulk), for
    ``recount_stale`` to count; units without assignments too, so a report reads them as stored zeros. The
    number added."""
    if UnitYearFigures.objects.filter(counted_on=today).exists():
        return 0
    have = set(UnitYearFigures.objects.values_list("year", "department_id"))
    years = Assignment.objects.order_by().values_list("year", flat=True).distinct()
    units = list(Department.objects.values_list("pk", flat=True))
    pairs = {(year, pk) for year in years for pk in units} - have
    UnitYearFigures.objects.bulk_create(
        [UnitYearFigures(year=year, department_id=pk, counted_on=NEVER, counts={}) for year, pk in pairs],
        ignore_conflicts=True,
        batch_size=1000,
    )
    return len(pairs)


def recount_stale(today: date, stopping: Callable[[], bool] = lambda: False) -> int:
    """Recount the rows counted on another day (once a day each), a batch per transaction."""
    done = 0
    while not stopping():
        with transaction.atomic():
            stale = list(
                UnitYearFigures.objects.select_for_update(skip_locked=True)
                .exclude(counted_on=today)
                .order_by("year", "department_id")
                .values_list("year", "department_id")[:BATCH]
            )
            if not stale:
                break
            done += _recount(stale, today)
    return done


def figures(stopping: Callable[[], bool] = lambda: False) -> int:
    """The worker's scan: the changed units first (what users just did), then yesterday's rows (and, first of
    all in a day's first round, the unit-years with no row yet)."""
    today = timezone.localdate()
    add_missing(today)
    return recount_changed(today, stopping) + recount_stale(today, stopping)


def recount_all(today: date | None = None) -> int:
    """Count every unit in every year it has assignments, and drop the marks: after a bulk load that wrote no
    events through the actions (``load_scale``), or to rebuild the rows from scratch."""
    today = today or timezone.localdate()
    years = Assignment.objects.order_by().values_list("year", flat=True).distinct()
    units = list(Department.objects.order_by("pk").values_list("pk", flat=True))
    done = 0
    with transaction.atomic():
        UnitChange.objects.all().delete()
        for year in sorted(years):
            for i in range(0, len(units), BATCH):
                done += _recount(((year, pk) for pk in units[i : i + BATCH]), today)
    return done
