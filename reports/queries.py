"""Handling metrics per unit (domain.md §7, api.md "Metrics"): read-only, one GROUP BY per table.

The definitions, exactly:
- assigned: lead assignments not withdrawn;
- replied: of those, the ones that reached ``replied`` at least once (re-handled ones still count);
- overdue: assigned, never replied, due date passed;
- on-time: the first reply was delivered on or before the (possibly extended) due date;
- meeting / three meetings: at least one contact / contacts before, during and after;
- satisfaction: satisfied + basically satisfied over feedbacks received, on the result, latest per
  assignment;
- a, b, c: replied assignments by the class of their latest delivered reply;
- returns, extensions: approved ones; a return counts for the unit that returned it;
- rehandled: re-handled at least once.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum

from handling.models import Assignment, FollowUpItem, Rating, ResultClass
from handling.states import AssignmentRole, State
from history.models import UnitChange
from lib.replica import reads_from_replica
from organisation.models import Department
from proposals.models import Session

from .models import UnitYearFigures

ACTIVE = ~Q(state=State.WITHDRAWN)
REPLIED = ACTIVE & Q(first_replied_on__isnull=False)
MET = Q(contact_before=True) | Q(contact_during=True) | Q(contact_after=True)
SATISFIED = Q(feedback_result__in=[Rating.SATISFIED, Rating.BASICALLY_SATISFIED])

# The targets of §二(五): 办复率 and 见面率 100%, 满意率 (satisfied and basically satisfied) at least 98%.
TARGETS = {"reply_rate": 1.0, "meeting_rate": 1.0, "satisfaction_rate": 0.98}

COUNT_KEYS = (
    "assigned", "replied", "on_time", "met", "three_met", "rated", "satisfied", "a", "b", "c",
    "extensions", "overdue", "rehandled", "self_check_due", "self_check_done",
)  # fmt: skip

# What each count counts, for the lists' drill-down (``?metric=``): the label a user reads.
METRIC_LABELS = {
    "assigned": "主办件（未撤回）",
    "replied": "已办复",
    "unreplied": "未办复",
    "on_time": "按时办复",
    "late": "逾期办复",
    "overdue": "逾期未办复",
    "met": "已见面沟通",
    "unmet": "未见面沟通",
    "three_met": "三见面",
    "rated": "已反馈评价",
    "satisfied": "满意和基本满意",
    "unsatisfied": "不满意",
    "a": "A类答复",
    "b": "B类答复",
    "c": "C类答复",
    "rehandled": "重新办理过",
    "self_check_due": "应回头看",
    "self_check_done": "已回头看",
}


def assignment_years(jurisdiction_ids: list[int]) -> list[int]:
    """The sessions' years with an assignment in the jurisdictions, newest first: one index probe per
    session year instead of a DISTINCT over every assignment of the scope."""
    in_scope = Assignment.objects.filter(year=OuterRef("year"), jurisdiction_id__in=jurisdiction_ids).order_by()
    years = Session.objects.filter(jurisdiction_id__in=jurisdiction_ids).filter(Exists(in_scope))
    return list(years.order_by("-year").values_list("year", flat=True).distinct())


def metric_conditions(today: date) -> dict[str, Q]:
    """Which lead assignments each number of the report counts, by METRIC_LABELS' names: the aggregates
    below and the lists a number links to filter with these same conditions (so the rows behind a number
    are always exactly as many as the number)."""
    return {
        "assigned": ACTIVE,
        "replied": REPLIED,
        "unreplied": ACTIVE & Q(first_replied_on__isnull=True),
        "on_time": REPLIED & Q(replied_on_time=True),
        "late": REPLIED & ~Q(replied_on_time=True),
        "overdue": ACTIVE & Q(first_replied_on__isnull=True, due_on__lt=today),
        "met": ACTIVE & MET,
        "unmet": ACTIVE & ~MET,
        "three_met": ACTIVE & Q(contact_before=True, contact_during=True, contact_after=True),
        "rated": ACTIVE & ~Q(feedback_result=""),
        "satisfied": ACTIVE & SATISFIED,
        "unsatisfied": ACTIVE & Q(feedback_result=Rating.UNSATISFIED),
        "a": REPLIED & Q(delivered_class=ResultClass.A),
        "b": REPLIED & Q(delivered_class=ResultClass.B),
        "c": REPLIED & Q(delivered_class=ResultClass.C),
        "rehandled": ACTIVE & Q(rehandled=True),
        "self_check_due": REPLIED & (Q(self_check_due__lte=today) | Q(self_check_done_on__isnull=False)),
        "self_check_done": REPLIED & Q(self_check_done_on__isnull=False),
    }


def metric_rows(assignments: QuerySet[Assignment], metric: str, today: date) -> QuerySet[Assignment]:
    """The lead assignments behind one number of the report (``metric``: a key of METRIC_LABELS)."""
    return assignments.filter(role=AssignmentRole.LEAD).filter(metric_conditions(today)[metric])


def _month_bounds(year: int) -> list[tuple[date, date]]:
    return [(date(year, m, 1), date(year + (m == 12), m % 12 + 1, 1)) for m in range(1, 13)]


def _lead_counts(qs: QuerySet[Assignment], today: date, year: int | None) -> dict[int, dict[str, Any]]:
    where = metric_conditions(today)
    counted: dict[str, Any] = {k: Count("pk", filter=where[k]) for k in COUNT_KEYS if k != "extensions"}
    # the dashboard's months, in the same pass over the rows (for a year a date can hold: ?year=0 has none)
    bounds = _month_bounds(year) if year is not None and 1 <= year < 9999 else []
    for m, (first, after) in enumerate(bounds, start=1):
        counted[f"assigned_m{m}"] = Count("pk", filter=ACTIVE & Q(assigned_on__gte=first, assigned_on__lt=after))
        counted[f"replied_m{m}"] = Count(
            "pk", filter=ACTIVE & Q(first_replied_on__gte=first, first_replied_on__lt=after)
        )
    rows = (
        qs.filter(role=AssignmentRole.LEAD)
        .values("department_id")
        .annotate(**counted, extensions=Sum("extensions_approved", filter=ACTIVE, default=0))
    )
    result: dict[int, dict[str, Any]] = {}
    for r in rows:
        row: dict[str, Any] = dict(r)
        if bounds:
            row["assigned_months"] = [row.pop(f"assigned_m{m}") for m in range(1, 13)]
            row["replied_months"] = [row.pop(f"replied_m{m}") for m in range(1, 13)]
        result[row.pop("department_id")] = row
    return result


NO_MONTHS = (0,) * 12  # copied into each row as a list (a row is JSON: lists, as stored)


def count_units(
    unit_ids: list[int], *, today: date, year: int | None = None, session_id: int | None = None
) -> dict[int, dict[str, Any]]:
    """Each unit's counts, counted now from the assignments: COUNT_KEYS, ``returns``, ``follow_up_due`` and
    ``follow_up_done`` (B follow-up items), and for a year ``assigned_months`` / ``replied_months`` (lead
    assignments made and first replies delivered in each month of it). Every unit asked for has a row."""
    # the units' ids as constants (a few hundred at most): the aggregates then read the (year, department,
    # role) index per unit instead of joining every assignment to its department
    qs = Assignment.objects.filter(department_id__in=unit_ids)
    if year is not None:
        qs = qs.filter(year=year)
    if session_id is not None:
        qs = qs.filter(proposal__session_id=session_id)
    leads = _lead_counts(qs, today, year)
    returns = dict(
        qs.filter(returned=True).values("department_id").annotate(n=Count("pk")).values_list("department_id", "n")
    )
    # the follow-up items of the same rows as the lead counts (lead, not withdrawn), joined once to their
    # assignment rather than through an IN over a subquery of every assignment
    items = FollowUpItem.objects.filter(
        assignment__department_id__in=unit_ids, assignment__role=AssignmentRole.LEAD
    ).exclude(assignment__state=State.WITHDRAWN)
    if year is not None:
        items = items.filter(assignment__year=year)
    if session_id is not None:
        items = items.filter(assignment__proposal__session_id=session_id)
    follow = {
        r["assignment__department_id"]: r
        for r in items.values("assignment__department_id").annotate(
            due=Count("pk", filter=Q(due_on__lte=today) | Q(done_on__isnull=False)),
            done=Count("pk", filter=Q(done_on__isnull=False)),
        )
    }
    result = {}
    for pk in unit_ids:
        counts: dict[str, Any] = {k: 0 for k in COUNT_KEYS} | {k: v or 0 for k, v in leads.get(pk, {}).items()}
        counts.setdefault("assigned_months", list(NO_MONTHS))
        counts.setdefault("replied_months", list(NO_MONTHS))
        f = follow.get(pk) or {"due": 0, "done": 0}
        counts |= {"returns": returns.get(pk, 0), "follow_up_due": f.get("due", 0), "follow_up_done": f.get("done", 0)}
        result[pk] = counts
    return result


def stored_counts(unit_ids: list[int], *, today: date, year: int) -> dict[int, dict[str, Any]]:
    """``count_units`` for one year, read from the figures the worker keeps (``UnitYearFigures``) where they
    are exact, counted now for the units changed since (a ``UnitChange`` mark), never counted, or counted
    on another day. The same numbers as ``count_units``, always (reports/tests/test_stored_figures.py)."""
    by_pair = _stored(unit_ids, today=today, years=[year])
    return {pk: by_pair[year, pk] for pk in unit_ids}


def stored_counts_over(unit_ids: list[int], *, today: date, years: list[int]) -> dict[int, dict[str, Any]]:
    """``count_units`` over several years (all of them: ``count_units`` without a year), summed from the
    years' stored figures: each assignment belongs to one year, so the counts add up. No months."""
    by_pair = _stored(unit_ids, today=today, years=years)
    summed: dict[int, dict[str, Any]] = {}
    for pk in unit_ids:
        rows = [by_pair[y, pk] for y in years]
        summed[pk] = {k: sum(r[k] for r in rows) for k in (*COUNT_KEYS, *UNIT_EXTRAS)}
        summed[pk] |= {"assigned_months": list(NO_MONTHS), "replied_months": list(NO_MONTHS)}
    return summed


UNIT_EXTRAS = ("returns", "follow_up_due", "follow_up_done")


def _stored(unit_ids: list[int], *, today: date, years: list[int]) -> dict[tuple[int, int], dict[str, Any]]:
    """Every (year, unit)'s counts: stored where exact, else counted now (one count per year with any)."""
    changed = set(
        UnitChange.objects.filter(year__in=years, department_id__in=unit_ids).values_list("year", "department_id")
    )
    found: dict[tuple[int, int], dict[str, Any]] = {
        (year, pk): counts
        for year, pk, counts in UnitYearFigures.objects.filter(
            year__in=years, department_id__in=unit_ids, counted_on=today
        ).values_list("year", "department_id", "counts")
        if (year, pk) not in changed
    }
    for year in years:
        missing = [pk for pk in unit_ids if (year, pk) not in found]
        if missing:
            found |= {(year, pk): c for pk, c in count_units(missing, today=today, year=year).items()}
    return found


def session_years() -> list[int]:
    """Every year with a session, newest first: the years any assignment can be of (a small table)."""
    return list(Session.objects.order_by("-year").values_list("year", flat=True).distinct())


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def _row(counts: dict[str, int], returns: int, follow_due: int, follow_done: int) -> dict[str, Any]:
    c = {k: counts.get(k, 0) or 0 for k in COUNT_KEYS}
    return {
        "assigned": c["assigned"],
        "replied": c["replied"],
        "reply_rate": _rate(c["replied"], c["assigned"]),
        "on_time_rate": _rate(c["on_time"], c["replied"]),
        "meeting_rate": _rate(c["met"], c["assigned"]),
        "three_meetings_rate": _rate(c["three_met"], c["assigned"]),
        "satisfaction_rate": _rate(c["satisfied"], c["rated"]),
        "a": c["a"],
        "b": c["b"],
        "c": c["c"],
        "returns": returns,
        "extensions": c["extensions"],
        "overdue": c["overdue"],
        "rehandled": c["rehandled"],
        "on_time": c["on_time"],
        "met": c["met"],
        "three_met": c["three_met"],
        "feedbacks": c["rated"],
        "satisfied": c["satisfied"],
        "self_check_due": c["self_check_due"],
        "self_check_done": c["self_check_done"],
        "self_check_rate": _rate(c["self_check_done"], c["self_check_due"]),
        "follow_up_due": follow_due,
        "follow_up_done": follow_done,
        "follow_up_rate": _rate(follow_done, follow_due),
    }


def summed(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The figures of several units' rows together (a jurisdiction's), rates computed from the sums."""
    counts = {k: sum(r["feedbacks" if k == "rated" else k] for r in rows) for k in COUNT_KEYS}
    return _row(counts, sum(r["returns"] for r in rows), sum(r["follow_up_due"] for r in rows),
                sum(r["follow_up_done"] for r in rows))  # fmt: skip


def _counts_anything(counts: dict[str, Any]) -> bool:
    """Whether an inactive unit still has lead assignments (counted in the figures) in the scope."""
    return any(counts[k] for k in COUNT_KEYS)


@reads_from_replica()  # a yearly figure can bear the replica's lag (DATABASE_REPLICA_URL)
def department_stats(
    jurisdiction_ids: list[int],
    *,
    today: date,
    year: int | None = None,
    session_id: int | None = None,
    department_ids: list[int] | None = None,
    months: bool = False,
) -> dict[str, Any]:
    """Return ``{totals, departments}`` for the units of the given jurisdictions (only ``department_ids``
    when given, e.g. the units a government leader is in charge of); with ``months`` (a year only) also
    ``months``: ``{"assigned": [12], "replied": [12]}``, the lead assignments made and first replies
    delivered each month by the units shown."""
    departments = Department.objects.filter(jurisdiction_id__in=jurisdiction_ids)
    if department_ids is not None:
        departments = departments.filter(pk__in=department_ids)
    units = list(departments.order_by("jurisdiction_id", "pk"))
    unit_ids = [d.pk for d in units]
    if year is not None and session_id is None:
        counted = stored_counts(unit_ids, today=today, year=year)
    elif session_id is None:  # every year: the years' stored figures summed
        counted = stored_counts_over(unit_ids, today=today, years=session_years())
    else:
        counted = count_units(unit_ids, today=today, year=year, session_id=session_id)
    result = []
    total_counts = dict.fromkeys(COUNT_KEYS, 0)
    total_returns = total_follow_due = total_follow_done = 0
    for d in units:
        counts = counted[d.pk]
        if not d.is_active and not _counts_anything(counts):
            continue
        row = _row(counts, counts["returns"], counts["follow_up_due"], counts["follow_up_done"])
        result.append({"department_id": d.pk, "name": d.name, "jurisdiction_id": d.jurisdiction_id, **row})
        for k in COUNT_KEYS:
            total_counts[k] += counts[k]
        total_returns += row["returns"]
        total_follow_due += row["follow_up_due"]
        total_follow_done += row["follow_up_done"]
    totals = _row(total_counts, total_returns, total_follow_due, total_follow_done)
    if not months:
        return {"totals": totals, "departments": result}
    shown = [counted[r["department_id"]] for r in result]
    by_month = {k: [sum(c[f"{k}_months"][m] for c in shown) for m in range(12)] for k in ("assigned", "replied")}
    return {"totals": totals, "departments": result, "months": by_month}
