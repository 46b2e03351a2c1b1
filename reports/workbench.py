"""The numbers on the workbenches (工作台): the office's supervision board (督办看板), a government leader's
units' progress (分管单位办理进度) and the CPPCC committee's yearly summary. Read-only, a fixed number of
queries whatever the number of units; the pages only draw them (tables, charts, summary cards).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Literal, TypedDict

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from handling.models import Assignment
from handling.queries import awaiting_feedback, light_bands
from handling.states import AssignmentRole, State
from proposals.models import Proposal, ProposalStatus, Session

from .queries import department_stats

if TYPE_CHECKING:
    from organisation.models import User

Light = Literal["red", "yellow", "green"]
LIGHTS: tuple[Light, ...] = ("red", "yellow", "green")

# ---------------------------------------------------------------------------------------------------------------
# 督办看板: every unit's open assignments by traffic light, in one GROUP BY.


class UnitLights(TypedDict):
    """One unit's open (watched) assignments by traffic light."""

    department_id: int
    name: str
    red: int
    yellow: int
    green: int
    total: int


class LightTotals(TypedDict):
    red: int
    yellow: int
    green: int
    total: int


def unit_lights(assignments: QuerySet[Assignment], today: date) -> list[UnitLights]:
    """Per unit: red, yellow and green open assignments (the bands of ``handling.queries.light_bands``, as
    the lists they link to), most red first, then by unit code."""
    bands = light_bands(today)
    rows = (
        assignments.filter(watch_on__isnull=False)
        .values("department_id", "department__name", "department__code")
        .annotate(
            red=Count("pk", filter=bands["red"]),
            yellow=Count("pk", filter=bands["yellow"]),
            green=Count("pk", filter=bands["green"]),
        )
        .order_by("-red", "-yellow", "department__code", "department_id")
    )
    return [
        UnitLights(
            department_id=r["department_id"],
            name=r["department__name"],
            red=r["red"],
            yellow=r["yellow"],
            green=r["green"],
            total=r["red"] + r["yellow"] + r["green"],
        )
        for r in rows
    ]


def light_totals(rows: list[UnitLights]) -> LightTotals:
    return LightTotals(
        red=sum(r["red"] for r in rows),
        yellow=sum(r["yellow"] for r in rows),
        green=sum(r["green"] for r in rows),
        total=sum(r["total"] for r in rows),
    )


# ---------------------------------------------------------------------------------------------------------------
# 分管单位办理进度: the units in a government leader's charge (units with nothing count zero).


@dataclass(frozen=True)
class UnitProgress:
    """One unit's lead assignments: by stage, and the open ones by traffic light."""

    pk: int
    name: str
    assigned: int  # 主办件数, replied (累计办复) and on_time: ``reports.queries.department_stats``
    replied: int
    on_time: int
    on_time_rate: float | None
    open: int
    red: int
    yellow: int
    awaiting: int
    closed: int


PROGRESS_TOTALS = ("assigned", "open", "red", "yellow", "awaiting", "closed")


def charged_years(user: User) -> list[int]:
    """The years with assignments to the units in the leader's charge, newest first."""
    ids = list(user.charged_departments.values_list("pk", flat=True))
    # one index probe per session instead of a DISTINCT over every assignment of the units (at 1M, 108k)
    in_charge = Assignment.objects.filter(year=OuterRef("year"), department_id__in=ids).order_by()
    years = Session.objects.filter(Exists(in_charge)).order_by("-year").values_list("year", flat=True).distinct()
    return list(years)


def charged_progress(user: User, *, today: date, year: int | None = None) -> list[UnitProgress]:
    """The units in the leader's charge, those needing attention first (units with nothing count zero).

    The rates are the report's (办复率, 按时办复率); the lights are the bands of the lists they link to.
    """
    units = list(user.charged_departments.order_by("code", "pk"))
    ids = [d.pk for d in units]
    jurisdictions = sorted({d.jurisdiction_id for d in units})
    report = department_stats(jurisdictions, today=today, year=year, department_ids=ids)
    stats = {r["department_id"]: r for r in report["departments"]}
    leads = Assignment.objects.filter(department_id__in=ids, role=AssignmentRole.LEAD)
    if year is not None:
        leads = leads.filter(year=year)
    bands = light_bands(today)
    counts: dict[int, dict[str, Any]] = {
        r["department_id"]: dict(r)
        for r in leads.values("department_id").annotate(
            # COUNT(department_id), not of the id: every column read is then in assignment_dept_role_state_idx,
            # and the mayor's 100k lead assignments of all years are counted from the index, no row fetched
            open=Count("department", filter=Q(watch_on__isnull=False)),
            red=Count("department", filter=bands["red"]),
            yellow=Count("department", filter=bands["yellow"]),
            awaiting=Count("department", filter=awaiting_feedback()),
            closed=Count("department", filter=Q(state=State.CLOSED)),
        )
    }
    rows = []
    for d in units:
        s, c = stats.get(d.pk, {}), counts.get(d.pk, {})
        rows.append(
            UnitProgress(
                d.pk,
                d.name,
                assigned=s.get("assigned", 0),
                replied=s.get("replied", 0),
                on_time=s.get("on_time", 0),
                on_time_rate=s.get("on_time_rate"),
                open=c.get("open", 0),
                red=c.get("red", 0),
                yellow=c.get("yellow", 0),
                awaiting=c.get("awaiting", 0),
                closed=c.get("closed", 0),
            )
        )
    return sorted(rows, key=lambda u: (-u.red, -u.open, -u.assigned))  # stable: then by code


def progress_totals(units: list[UnitProgress]) -> dict[str, int]:
    """The sums of ``PROGRESS_TOTALS`` over the units (the table's 合计 row)."""
    return {k: sum(getattr(d, k) for d in units) for k in PROGRESS_TOTALS}


# ---------------------------------------------------------------------------------------------------------------
# The committee's year: its proposals by status, and the satisfaction of the feedbacks received.


@dataclass(frozen=True)
class YearSummary:
    total: int
    by_status: dict[str, int]  # every ``ProposalStatus`` value, zero included
    feedbacks: int
    satisfaction_rate: float | None  # ``department_stats``' 满意率, None without feedbacks

    @property
    def in_progress(self) -> int:
        return self.by_status[ProposalStatus.ASSIGNED] + self.by_status[ProposalStatus.HANDLING]


def year_summary(proposals: QuerySet[Proposal], jurisdiction_ids: list[int], *, year: int, today: date) -> YearSummary:
    """The year's ``proposals`` by status (one aggregate) and the satisfaction over the units of
    ``jurisdiction_ids`` (the report's definition)."""
    counts = proposals.filter(year=year).aggregate(
        total=Count("pk"), **{s: Count("pk", filter=Q(status=s)) for s in ProposalStatus.values}
    )
    totals = department_stats(jurisdiction_ids, today=today, year=year)["totals"]
    return YearSummary(
        total=counts.pop("total"),
        by_status=counts,
        feedbacks=totals["feedbacks"],
        satisfaction_rate=totals["satisfaction_rate"],
    )
