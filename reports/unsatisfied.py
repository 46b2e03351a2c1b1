"""不满意提案分析 (seed §二(三), domain.md §4): every unsatisfied rating, why, how it was handled again and
how the proposer rated it then; per unit, the satisfaction of the first rating against the final one.

The definitions, exactly:

- A **case** is one unsatisfied rating on the result (``Feedback.result`` unsatisfied) that decides: the
  first proposer's, given by the member or entered from a paper form by staff (``decisive``). A co-signer's
  rating decides nothing (api.md "Handling details") and is not a case. Lead assignments of the year, not
  withdrawn, as every figure of ``reports.queries``. An assignment rated unsatisfied twice is two cases,
  ``round`` 1 and 2.
- Its **re-handling deadline** is the one the rating set (the ``feedback`` event's ``due_on``); its **later
  reply** the first reply delivered after the rated one (a higher version); its **later rating** the next
  deciding rating of the assignment.
- Its **outcome**, one of ``OUTCOMES``: ``resolved`` (the later rating is satisfied or basically
  satisfied), ``still_unsatisfied`` (unsatisfied again: a case of its own, the next round), ``awaiting_rating``
  (replied again, not rated yet), ``overdue`` (not replied again and the deadline has passed),
  ``rehandling`` (not replied again, still within the deadline).
- Per unit: ``rated`` lead assignments with a deciding rating (``reports.queries``' "rated");
  ``first_satisfied`` those whose first deciding rating was satisfied or basically satisfied;
  ``final_satisfied`` those whose latest one is (domain.md §7: the satisfaction rate counts the latest
  rating, so ``final_rate`` is ``department_stats``' ``satisfaction_rate``); the rates over ``rated``;
  ``cases`` and one count per outcome.

Read-only; a fixed number of queries whatever the number of units or cases.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from handling.models import Assignment, Feedback, Rating, Reply
from handling.states import AssignmentRole, State
from history.models import Event
from lib.replica import reads_from_replica
from organisation.models import Department

from .queries import ACTIVE, metric_conditions

OUTCOMES = {
    "resolved": "再次评价满意或基本满意",
    "still_unsatisfied": "再次评价仍不满意",
    "awaiting_rating": "已再次答复，待评价",
    "overdue": "再次办理逾期未答复",
    "rehandling": "再次办理中",
}
SATISFIED_RESULTS = (Rating.SATISFIED, Rating.BASICALLY_SATISFIED)

# the per-unit counts, in the order the page and the export show them
COUNT_KEYS = ("assigned", "rated", "first_satisfied", "final_satisfied", "cases", *OUTCOMES)
COUNT_LABELS = {
    "assigned": "主办件数",
    "rated": "已评价",
    "first_satisfied": "首次评价满意",
    "final_satisfied": "最终评价满意",
    "cases": "不满意评价",
    **OUTCOMES,
}
# the counts of assignments (the rest count cases): their drill-down lists assignments
ASSIGNMENT_COUNTS = ("assigned", "rated", "first_satisfied", "final_satisfied")


@dataclass(frozen=True)
class Case:
    feedback_id: int
    assignment_id: int
    proposal_id: int
    session: str
    number: str
    title: str
    department_id: int
    department: str
    round: int  # 1: the assignment's first unsatisfied rating, 2: the one after re-handling once …
    rated_on: date
    proposer: str
    attitude: str  # the rating of the attitude (办理态度), beside the result that decides
    reason: str  # what the proposer wrote with the rating (意见建议)
    on_paper: bool  # entered by staff from a paper form
    entered_by: str
    rated_reply_class: str  # the class (A/B/C) of the reply rated
    rated_reply_on: date | None
    rehandle_due: date | None
    reply_on: date | None  # the later reply, delivered
    reply_class: str
    reply_on_time: bool | None  # the later reply delivered by the re-handling deadline
    later_result: str  # the later rating's result ("" none yet)
    later_rated_on: date | None
    later_reason: str
    outcome: str  # a key of OUTCOMES

    @property
    def outcome_label(self) -> str:
        return OUTCOMES[self.outcome]

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def _row(counts: dict[str, int]) -> dict[str, Any]:
    c = {k: counts.get(k, 0) for k in COUNT_KEYS}
    first, final = _rate(c["first_satisfied"], c["rated"]), _rate(c["final_satisfied"], c["rated"])
    change = None if first is None or final is None else round(final - first, 4)
    return {**c, "first_rate": first, "final_rate": final, "change": change}


def _leads(department_ids: list[int], year: int) -> QuerySet[Assignment]:
    return Assignment.objects.filter(department_id__in=department_ids, year=year, role=AssignmentRole.LEAD).filter(
        ACTIVE
    )


def first_ratings(assignments: QuerySet[Assignment]) -> QuerySet[Feedback]:
    """The first deciding rating of each of the assignments (none for those not rated)."""
    earlier = Feedback.objects.filter(assignment_id=OuterRef("assignment_id"), decisive=True, pk__lt=OuterRef("pk"))
    return Feedback.objects.filter(decisive=True, assignment__in=assignments).exclude(Exists(earlier))


def assignment_rows(department_ids: list[int], *, year: int, count: str, today: date) -> QuerySet[Assignment]:
    """The lead assignments behind one of the ``ASSIGNMENT_COUNTS`` of the given units."""
    leads = _leads(department_ids, year)
    if count == "first_satisfied":
        firsts = first_ratings(leads).filter(result__in=SATISFIED_RESULTS)
        return leads.filter(pk__in=firsts.values("assignment_id"))
    where = metric_conditions(today)
    return leads.filter(where[{"assigned": "assigned", "rated": "rated", "final_satisfied": "satisfied"}[count]])


def _cases(department_ids: list[int], year: int, today: date) -> list[Case]:
    leads = _leads(department_ids, year)
    rows = list(
        Feedback.objects.filter(decisive=True, result=Rating.UNSATISFIED, assignment__in=leads)
        .select_related("assignment__proposal__session", "assignment__department", "reply", "proposer", "entered_by")
        .order_by("-pk")
    )
    ids = sorted({f.assignment_id for f in rows})
    ratings: dict[int, list[Feedback]] = defaultdict(list)  # each assignment's deciding ratings, oldest first
    for f in Feedback.objects.filter(assignment_id__in=ids, decisive=True).order_by("pk"):
        ratings[f.assignment_id].append(f)
    delivered: dict[int, list[tuple[int, str, date]]] = defaultdict(list)
    for aid, version, cls, on in (
        Reply.objects.filter(assignment_id__in=ids, delivered_on__isnull=False)
        .order_by("version")
        .values_list("assignment_id", "version", "result_class", "delivered_on")
    ):
        if on is not None:  # filtered so: the column is nullable
            delivered[aid].append((version, cls, on))
    # the deadline each unsatisfied rating set, in the order of the ratings (written by the same action)
    deadlines: dict[int, list[date | None]] = defaultdict(list)
    for aid, data in (
        Event.objects.filter(assignment_id__in=ids, action="feedback", to_state=State.REHANDLING)
        .order_by("pk")
        .values_list("assignment_id", "data")
    ):
        due = data.get("due_on") if isinstance(data, dict) else None
        deadlines[aid].append(date.fromisoformat(due) if isinstance(due, str) else None)

    cases = []
    for f in rows:
        a = f.assignment
        mine = ratings[a.pk]
        unsatisfied = [r.pk for r in mine if r.result == Rating.UNSATISFIED]
        n = unsatisfied.index(f.pk)
        due = deadlines[a.pk][n] if n < len(deadlines[a.pk]) else None
        if due is None and n == len(unsatisfied) - 1 and a.state == State.REHANDLING:
            due = a.due_on  # a rating loaded without its event: the deadline it set is the current one
        rated_version = f.reply.version if f.reply else 0
        later_reply = next((r for r in delivered[a.pk] if r[0] > rated_version), None)
        later = next((r for r in mine if r.pk > f.pk), None)
        if later is not None:
            outcome = "resolved" if later.result in SATISFIED_RESULTS else "still_unsatisfied"
        elif later_reply is not None:
            outcome = "awaiting_rating"
        elif due is not None and due < today:
            outcome = "overdue"
        else:
            outcome = "rehandling"
        p = a.proposal
        cases.append(
            Case(
                feedback_id=f.pk, assignment_id=a.pk, proposal_id=p.pk, session=p.session.name, number=p.number,
                title=p.title, department_id=a.department_id, department=a.department.name, round=n + 1,
                rated_on=timezone.localdate(f.created_at), proposer=f.proposer.name if f.proposer else "",
                attitude=f.attitude, reason=f.comment, on_paper=f.on_paper,
                entered_by=f.entered_by.name or f.entered_by.username,
                rated_reply_class=f.reply.result_class if f.reply else "",
                rated_reply_on=f.reply.delivered_on if f.reply else None, rehandle_due=due,
                reply_on=later_reply[2] if later_reply else None, reply_class=later_reply[1] if later_reply else "",
                reply_on_time=None if later_reply is None or due is None else later_reply[2] <= due,
                later_result=later.result if later else "",
                later_rated_on=timezone.localdate(later.created_at) if later else None,
                later_reason=later.comment if later else "", outcome=outcome,
            )
        )  # fmt: skip
    return cases


@dataclass(frozen=True)
class Analysis:
    year: int
    totals: dict[str, Any]
    departments: list[dict[str, Any]]  # {department_id, name, jurisdiction_id, **counts and rates}
    cases: list[Case]  # newest rating first

    def as_json(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "totals": self.totals,
            "departments": self.departments,
            "cases": [c.as_json() for c in self.cases],
        }


@reads_from_replica()  # a yearly analysis can bear the replica's lag (DATABASE_REPLICA_URL)
def analysis(
    jurisdiction_ids: list[int], *, year: int, today: date, department_ids: list[int] | None = None
) -> Analysis:
    """The analysis of ``year`` over the units of the given jurisdictions (only ``department_ids`` when
    given: the units a government leader is in charge of, or one unit chosen)."""
    departments = Department.objects.filter(jurisdiction_id__in=jurisdiction_ids)
    if department_ids is not None:
        departments = departments.filter(pk__in=department_ids)
    units = list(departments.order_by("jurisdiction_id", "pk"))
    unit_ids = [d.pk for d in units]
    leads = _leads(unit_ids, year)
    where = metric_conditions(today)
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    per_unit = leads.values("department_id").annotate(
        assigned=Count("pk"), rated=Count("pk", filter=where["rated"]),
        final_satisfied=Count("pk", filter=where["satisfied"]),
    )  # fmt: skip
    for r in per_unit:
        row: dict[str, Any] = dict(r)
        counts[row.pop("department_id")].update(row)
    firsts = first_ratings(leads).values("assignment__department_id")
    for first in firsts.annotate(n=Count("pk", filter=Q(result__in=SATISFIED_RESULTS))):
        counts[first["assignment__department_id"]]["first_satisfied"] = first["n"]
    cases = _cases(unit_ids, year, today)
    for c in cases:
        mine = counts[c.department_id]
        mine["cases"] = mine.get("cases", 0) + 1
        mine[c.outcome] = mine.get(c.outcome, 0) + 1
    rows, total = [], dict.fromkeys(COUNT_KEYS, 0)
    for d in units:
        mine = counts.get(d.pk, {})
        if not d.is_active and not mine:
            continue
        rows.append({"department_id": d.pk, "name": d.name, "jurisdiction_id": d.jurisdiction_id, **_row(mine)})
        for k in COUNT_KEYS:
            total[k] += mine.get(k, 0)
    return Analysis(year=year, totals=_row(total), departments=rows, cases=cases)
