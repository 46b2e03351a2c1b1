"""The figures the circular (通报) and the annual report (年度报告) print: every count is one of
``reports.queries``' metrics (domain.md §7), counted by the same conditions (``metric_conditions``) and turned
into rates by the same function (``summed``), so a document never disagrees with the dashboard.

- **A circular** covers the lead assignments *assigned* between two dates (交办日期), counted on the day it is
  drawn up (``today``): replied, meetings and ratings as they stand then; 逾期 = not yet replied and past the
  due date on that day.
- **Praised (表扬)**: a unit with lead assignments in the period, none overdue, and every target of §二(五) met
  (办复率 and 见面率 100%, 满意率 ≥ 98%; a rate with nothing to count yet — no rating received — does not
  hold a unit back).
- **Named (通报)**: every unit with an overdue assignment, the most overdue first (通报批评), with the
  targets it misses besides; then, as a reminder (提醒), every other unit whose 见面率 or 满意率 is below
  its target. 办复率 below 100% before the
  deadline is work in progress, not a shortfall: a reply is late only once it is overdue, and that is named.
- **The annual report** covers the lead assignments of the year (the session's year, as ``/stats?year=``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Q, Sum

from documents.content import letter_body
from handling.disclosure import public_text
from handling.models import Assignment, ResultClass
from handling.queries import published_replies
from handling.states import AssignmentRole
from organisation.models import Department, Jurisdiction
from proposals.models import KEY_OR_SUGGESTION, Proposal
from reports.queries import ACTIVE, COUNT_KEYS, TARGETS, department_stats, metric_conditions, summed

TARGET_LABELS = {"reply_rate": "办复率", "meeting_rate": "见面率", "satisfaction_rate": "满意率"}
REMINDED_TARGETS = ("meeting_rate", "satisfaction_rate")


def percent(rate: float | None) -> str:
    """A rate as the documents print it: 66.7%, 100%; "—" when there is nothing to count."""
    if rate is None:
        return "—"
    value = round(rate * 100, 1)
    return f"{value:g}%"


def target_text(key: str) -> str:
    target = TARGETS[key]
    return f"{percent(target)}" if target >= 1 else f"不低于{percent(target)}"


# ---------------------------------------------------------------------------------------------------
# A circular's period and figures


def period_label(date_from: date, date_to: date) -> str:
    """2026年1月至6月 for whole months, 2026年6月 for one, 2025年11月至2026年2月 over a new year; otherwise the
    days: 2026年1月15日至6月30日."""
    whole = date_from.day == 1 and (date_to + timedelta(days=1)).day == 1
    if whole and (date_from.year, date_from.month) == (date_to.year, date_to.month):
        return f"{date_from.year}年{date_from.month}月"
    if whole:
        end = f"{date_to.month}月" if date_to.year == date_from.year else f"{date_to.year}年{date_to.month}月"
        return f"{date_from.year}年{date_from.month}月至{end}"
    if date_from == date_to:
        return f"{date_from.year}年{date_from.month}月{date_from.day}日"
    end = f"{date_to.month}月{date_to.day}日"
    if date_to.year != date_from.year:
        end = f"{date_to.year}年{end}"
    return f"{date_from.year}年{date_from.month}月{date_from.day}日至{end}"


def _row(counts: dict[str, int], returns: int) -> dict[str, Any]:
    c = {k: counts.get(k, 0) or 0 for k in COUNT_KEYS}
    return summed([{**c, "feedbacks": c["rated"], "returns": returns, "follow_up_due": 0, "follow_up_done": 0}])


def range_stats(jurisdiction_id: int, *, date_from: date, date_to: date, today: date) -> dict[str, Any]:
    """``{totals, departments}`` as ``reports.queries.department_stats`` gives them, over the lead assignments
    of the jurisdiction's units assigned from ``date_from`` to ``date_to`` (both included)."""
    units = list(Department.objects.filter(jurisdiction_id=jurisdiction_id).order_by("pk"))
    qs = Assignment.objects.filter(
        department_id__in=[d.pk for d in units], assigned_on__gte=date_from, assigned_on__lte=date_to
    )
    where = metric_conditions(today)
    counted = {k: Count("pk", filter=where[k]) for k in COUNT_KEYS if k != "extensions"}
    leads: dict[int, dict[str, Any]] = {}
    for r in (
        qs.filter(role=AssignmentRole.LEAD)
        .values("department_id")
        .annotate(**counted, extensions=Sum("extensions_approved", filter=ACTIVE, default=0))
    ):
        row: dict[str, Any] = dict(r)
        leads[int(row.pop("department_id"))] = row
    returns = dict(
        qs.filter(returned=True).values("department_id").annotate(n=Count("pk")).values_list("department_id", "n")
    )
    departments = []
    for d in units:
        counts = leads.get(d.pk, {})
        if not counts.get("assigned") and not returns.get(d.pk):
            continue
        departments.append({"department_id": d.pk, "name": d.name, **_row(counts, returns.get(d.pk, 0))})
    totals = summed(departments) if departments else _row({}, 0)
    return {"totals": totals, "departments": departments}


def _meets(row: dict[str, Any], key: str) -> bool:
    value = row[key]
    return value is None or value >= TARGETS[key]


@dataclass(frozen=True)
class Named:
    """A unit named in a circular and why (e.g. "逾期未办复2件", "见面率50%，低于目标100%")."""

    department_id: int
    name: str
    reasons: tuple[str, ...]


def praised(units: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The units the circular praises, best first (more replies first, then by the table's order)."""
    found = [u for u in units if u["assigned"] and not u["overdue"] and all(_meets(u, k) for k in TARGETS)]
    return sorted(found, key=lambda u: -u["replied"])


def _misses(u: dict[str, Any]) -> list[str]:
    """The targets of 见面率 and 满意率 a unit's row is below."""
    return [k for k in REMINDED_TARGETS if not _meets(u, k)]


def _miss_text(u: dict[str, Any], key: str) -> str:
    return f"{TARGET_LABELS[key]}{percent(u[key])}（目标{target_text(key)}）"


def criticised(units: list[dict[str, Any]]) -> list[Named]:
    """The units with overdue lead assignments, the most overdue first (通报批评), with the targets they
    miss besides."""
    late = sorted((u for u in units if u["overdue"]), key=lambda u: -u["overdue"])
    return [
        Named(u["department_id"], u["name"], (f"逾期未办复{u['overdue']}件", *(_miss_text(u, k) for k in _misses(u))))
        for u in late
    ]


def reminded(units: list[dict[str, Any]]) -> list[Named]:
    """The other units below the target of 见面率 or 满意率 (提醒), the lowest first."""
    out = []
    for u in units:
        misses = _misses(u)
        if u["overdue"] or not u["assigned"] or not misses:
            continue
        reasons = tuple(_miss_text(u, k) for k in misses)
        out.append((min(u[k] for k in misses), Named(u["department_id"], u["name"], reasons)))
    return [n for _, n in sorted(out, key=lambda pair: pair[0])]


@dataclass(frozen=True)
class CircularFigures:
    jurisdiction: Jurisdiction
    date_from: date
    date_to: date
    today: date
    totals: dict[str, Any]
    units: list[dict[str, Any]]  # units with lead assignments in the period
    praised: list[dict[str, Any]]
    criticised: list[Named]
    reminded: list[Named]

    @property
    def period(self) -> str:
        return period_label(self.date_from, self.date_to)

    def as_json(self) -> dict[str, Any]:
        """What the issued circular keeps of its figures."""
        return {
            "date_from": self.date_from.isoformat(),
            "date_to": self.date_to.isoformat(),
            "counted_on": self.today.isoformat(),
            "totals": self.totals,
            "departments": self.units,
            "praised": [u["department_id"] for u in self.praised],
            "criticised": [{"department_id": n.department_id, "reasons": list(n.reasons)} for n in self.criticised],
            "reminded": [{"department_id": n.department_id, "reasons": list(n.reasons)} for n in self.reminded],
        }


def circular_figures(jurisdiction: Jurisdiction, *, date_from: date, date_to: date, today: date) -> CircularFigures:
    stats = range_stats(jurisdiction.pk, date_from=date_from, date_to=date_to, today=today)
    units = [u for u in stats["departments"] if u["assigned"]]
    return CircularFigures(
        jurisdiction=jurisdiction,
        date_from=date_from,
        date_to=date_to,
        today=today,
        totals=stats["totals"],
        units=units,
        praised=praised(units),
        criticised=criticised(units),
        reminded=reminded(units),
    )


# ---------------------------------------------------------------------------------------------------
# The annual report's figures


@dataclass(frozen=True)
class KeyProposal:
    number: str  # 十四届二次会议 第001号
    title: str
    kind: str  # 重点提案, 建议案
    units: str  # the lead units
    status: str  # the proposal's status label


@dataclass(frozen=True)
class Case:
    """A typical case (典型案例): a published reply of class A, in its published text only."""

    number: str
    title: str
    unit: str
    kind: str
    excerpt: tuple[str, ...]  # the letter's first paragraphs as published (handling.disclosure.public_text)


@dataclass(frozen=True)
class AnnualFigures:
    jurisdiction: Jurisdiction
    year: int
    today: date
    proposals: int  # proposals of the year in the jurisdiction
    key_count: int
    suggestion_count: int
    totals: dict[str, Any]
    units: list[dict[str, Any]]  # department_stats' rows with lead assignments
    key_proposals: list[KeyProposal]
    cases: list[Case]
    criticised: list[Named]
    reminded: list[Named]
    unsatisfied: int  # lead assignments whose latest rating is unsatisfied

    @property
    def shares(self) -> list[tuple[str, int, float | None]]:
        """(class, replies, share of the replies) for A, B, C."""
        replied = self.totals["a"] + self.totals["b"] + self.totals["c"]
        return [(c, self.totals[c.lower()], self.totals[c.lower()] / replied if replied else None) for c in "ABC"]


CASES = 3
_REPEATED_STOP = re.compile(r"([。；，、])[。；，、]+")
EXCERPT_CHARS = 220


def _excerpt(text: str, title: str, unit: str) -> tuple[str, ...]:
    # a contact clause taken out of a sentence leaves its stop behind it: "范围。联系电话：…。" → "范围。。"
    published = _REPEATED_STOP.sub(r"\1", public_text(text))
    paragraphs = letter_body(published, title=title, unit=unit).paragraphs
    out: list[str] = []
    used = 0
    for line in paragraphs:
        if used >= EXCERPT_CHARS:
            break
        room = EXCERPT_CHARS - used
        out.append(line if len(line) <= room else line[:room].rstrip("，。；、") + "……")
        used += len(line)
    return tuple(out)


def _kind(p: Proposal) -> str:
    return "建议案" if p.is_suggestion else "重点提案" if p.is_key else "提案"


def _cases(jurisdiction_id: int, year: int) -> list[Case]:
    """Up to three published A-class replies of the year: key proposals and 建议案 first."""
    rows = (
        published_replies()
        .filter(
            assignment__proposal__jurisdiction_id=jurisdiction_id,
            assignment__proposal__year=year,
            assignment__role=AssignmentRole.LEAD,
            result_class=ResultClass.A,
        )
        .select_related("assignment__proposal__session", "assignment__department")
        .order_by("-assignment__proposal__is_suggestion", "-assignment__proposal__is_key", "assignment__proposal_id")
    )
    cases = []
    for r in rows[:CASES]:
        p = r.assignment.proposal
        unit = r.assignment.department.name
        cases.append(Case(p.number_label, p.title, unit, _kind(p), _excerpt(r.text, p.title, unit)))
    return cases


def _key_proposals(jurisdiction_id: int, year: int) -> list[KeyProposal]:
    key = KEY_OR_SUGGESTION
    proposals = list(
        Proposal.objects.filter(jurisdiction_id=jurisdiction_id, year=year)
        .filter(key)
        .select_related("session")
        .order_by("-is_suggestion", "session__year", "session_id", "number", "pk")
    )
    leads: dict[int, list[str]] = {}
    for pid, name in (
        Assignment.objects.filter(proposal__in=[p.pk for p in proposals], role=AssignmentRole.LEAD)
        .filter(ACTIVE)
        .order_by("pk")
        .values_list("proposal_id", "department__name")
    ):
        leads.setdefault(pid, []).append(name)
    return [
        KeyProposal(p.number_label, p.title, _kind(p), "、".join(leads.get(p.pk, [])) or "—", p.get_status_display())
        for p in proposals
    ]


def annual_figures(jurisdiction: Jurisdiction, *, year: int, today: date) -> AnnualFigures:
    stats = department_stats([jurisdiction.pk], today=today, year=year)
    units = [u for u in stats["departments"] if u["assigned"]]
    counts = Proposal.objects.filter(jurisdiction=jurisdiction, year=year).aggregate(
        n=Count("pk"), key=Count("pk", filter=Q(is_key=True)), suggestion=Count("pk", filter=Q(is_suggestion=True))
    )
    totals = stats["totals"]
    return AnnualFigures(
        jurisdiction=jurisdiction,
        year=year,
        today=today,
        proposals=counts["n"],
        key_count=counts["key"],
        suggestion_count=counts["suggestion"],
        totals=totals,
        units=units,
        key_proposals=_key_proposals(jurisdiction.pk, year),
        cases=_cases(jurisdiction.pk, year),
        criticised=criticised(units),
        reminded=reminded(units),
        unsatisfied=totals["feedbacks"] - totals["satisfied"],
    )
