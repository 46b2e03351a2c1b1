"""督办驾驶舱: a year's handling against the targets of §二(五), for the office, the CPPCC and leaders.

Every figure is ``reports.queries``' (the per-unit metrics of domain.md §7, one GROUP BY per table); here
they are arranged for a leader to read in ten seconds: the three targets with the units that miss them,
the jurisdictions side by side and summed, the traffic lights, the months, the A/B/C shares and the key
proposals' progress. Read-only, a fixed number of queries whatever the number of units.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count

from handling.models import Assignment
from handling.states import AssignmentRole
from organisation.models import Jurisdiction
from proposals.models import KEY_OR_SUGGESTION, Proposal, ProposalStatus

from .queries import TARGETS, department_stats, summed
from .workbench import LightTotals, light_totals, unit_lights

TARGET_LABELS = {"reply_rate": "办复率", "meeting_rate": "见面率", "satisfaction_rate": "满意率"}


@dataclass(frozen=True)
class Target:
    key: str  # reply_rate, meeting_rate, satisfaction_rate
    label: str
    target: float
    value: float | None  # the jurisdictions' together; None: nothing to count yet
    misses: list[dict[str, Any]]  # the units below the target, lowest first: their rows of department_stats

    @property
    def met(self) -> bool:
        return self.value is None or self.value >= self.target


@dataclass(frozen=True)
class Month:
    month: int  # 1..12
    assigned: int  # lead assignments (not withdrawn) made that month
    replied: int  # first replies delivered that month


@dataclass(frozen=True)
class Dashboard:
    year: int
    totals: dict[str, Any]
    units: list[dict[str, Any]]  # department_stats' rows, with "jurisdiction" (its name)
    jurisdictions: list[dict[str, Any]]  # {"id", "name", **summed rows}, when more than one is covered
    targets: list[Target]
    lights: LightTotals
    months: list[Month]
    key_progress: list[tuple[str, str, int]]  # (status, label, key proposals and 建议案 in it)


def _targets(totals: dict[str, Any], units: list[dict[str, Any]]) -> list[Target]:
    out = []
    for key, target in TARGETS.items():
        misses = sorted((u for u in units if u[key] is not None and u[key] < target), key=lambda u: u[key])
        out.append(Target(key, TARGET_LABELS[key], target, totals[key], misses))
    return out


def dashboard(
    jurisdiction_ids: list[int], *, year: int, today: date, department_ids: list[int] | None = None
) -> Dashboard:
    """The dashboard of ``year`` over the units of the given jurisdictions (only ``department_ids`` when
    given: the units a government leader is in charge of)."""
    stats = department_stats(jurisdiction_ids, today=today, year=year, department_ids=department_ids, months=True)
    names = dict(Jurisdiction.objects.filter(pk__in=jurisdiction_ids).values_list("pk", "name"))
    units = [{**u, "jurisdiction": names.get(u["jurisdiction_id"], "")} for u in stats["departments"]]
    jurisdictions = []
    if len(jurisdiction_ids) > 1:
        for pk in jurisdiction_ids:
            rows = [u for u in units if u["jurisdiction_id"] == pk]
            jurisdictions.append({"id": pk, "name": names.get(pk, ""), "units": len(rows), **summed(rows)})
    unit_ids = [u["department_id"] for u in units]
    assignments = Assignment.objects.filter(department_id__in=unit_ids)
    lights = light_totals(unit_lights(assignments.filter(role=AssignmentRole.LEAD), today))
    key = Proposal.objects.filter(KEY_OR_SUGGESTION, jurisdiction_id__in=jurisdiction_ids, year=year)
    if department_ids is not None:
        key = key.filter(assignments__department_id__in=department_ids).distinct()
    by_status = dict(key.values("status").annotate(n=Count("pk", distinct=True)).values_list("status", "n"))
    return Dashboard(
        year=year,
        totals=stats["totals"],
        units=units,
        jurisdictions=jurisdictions,
        targets=_targets(stats["totals"], units),
        lights=lights,
        months=[
            Month(m, a, r)
            for m, a, r in zip(range(1, 13), stats["months"]["assigned"], stats["months"]["replied"], strict=True)
        ],
        key_progress=[(s.value, s.label, by_status.get(s.value, 0)) for s in ProposalStatus],
    )
