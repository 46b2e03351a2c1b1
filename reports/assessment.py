"""The yearly assessment of the units (目标考核, domain.md §7, seed §五(二)): a score per unit from the metrics
of ``reports.queries.department_stats``, weighted by the jurisdiction's weights, ranked, with the units that
handled too few proposals set apart, and the commendation list (表彰).

The score, exactly:

- Each part has a configured weight ``w`` (points out of 100; ``reports.actions.Weights``) and a rate
  ``numerator / denominator``: 办复率 replied/assigned, 按时办复率 on_time/replied, 见面率 met/assigned,
  满意率 satisfied/feedbacks, 回头看 self-checks done/due, B类跟踪落实 follow-up items done/due (the counts of
  ``department_stats``), 政协评议 the CPPCC's score/100 (``UnitEvaluation``).
- A part **counts** when its weight is above 0 and it has a denominator (something was due: a reply, a
  rating, a self-check, a CPPCC score). A part that does not count is left out, and the weights of the parts
  that do are scaled up to sum to 100: ``effective_weight = w × 100 / Σ w (counted parts)``. So a unit is
  neither punished nor rewarded for what was not yet due.
- ``points = effective_weight × rate``; ``score = Σ points`` (0–100, rounded to 2 decimals; ``None`` when no
  part counts). Each part in ``parts`` carries ``{rate, weight, effective_weight, points, numerator,
  denominator, counted}``.
- A unit with fewer than ``min_assigned`` lead assignments (default 3) is shown with its score but
  ``ranked: false`` and a reason ("办理件数不足3件，不参与排名"); so is a unit with no part counted.
- ``rank`` = 1 + the number of ranked units with a strictly higher score (ties share a rank, the next rank
  skips: 1, 1, 3); rows are ordered by rank, then by unit; unranked rows follow, by unit.
- **Commendation (表彰)**: a ranked unit whose score is at least ``COMMEND_SCORE`` (95) with no overdue lead
  assignment (逾期 0). A threshold, not "the top 3": a small city with three weak units commends nobody.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Max, Q, QuerySet

from handling.models import Assignment, FollowUpItem
from handling.states import AssignmentRole, State

from .actions import Weights, weights_of
from .models import DEFAULT_WEIGHTS, AssessmentWeights, UnitEvaluation
from .queries import department_stats, metric_conditions
from .remembered import remembered

COMMEND_SCORE = 95


@dataclass(frozen=True)
class Part:
    key: str
    label: str
    numerator: str  # the count in a department_stats row
    denominator: str
    numerator_label: str
    denominator_label: str


PARTS: tuple[Part, ...] = (
    Part("reply", "办复率", "replied", "assigned", "已办复", "主办件数"),
    Part("on_time", "按时办复率", "on_time", "replied", "按时办复", "已办复"),
    Part("meeting", "见面率", "met", "assigned", "已见面", "主办件数"),
    Part("satisfaction", "满意率", "satisfied", "feedbacks", "满意和基本满意", "已反馈"),
    Part("self_check", "回头看完成率", "self_check_done", "self_check_due", "已回头看", "应回头看"),
    Part("follow_up", "B类跟踪落实率", "follow_up_done", "follow_up_due", "已落实事项", "应落实事项"),
    Part("evaluation", "政协评议", "evaluation_score", "evaluation_full", "评议得分", "满分"),
)
PART_BY_KEY = {p.key: p for p in PARTS}
assert tuple(PART_BY_KEY) == tuple(DEFAULT_WEIGHTS)


def _part(weight: int, numerator: int, denominator: int) -> dict[str, Any]:
    return {
        "rate": round(numerator / denominator, 4) if denominator else None,
        "weight": weight,
        "effective_weight": 0.0,
        "points": 0.0,
        "numerator": numerator,
        "denominator": denominator,
        "counted": weight > 0 and denominator > 0,
    }


def score_parts(counts: dict[str, int], weights: Weights) -> tuple[float | None, dict[str, dict[str, Any]]]:
    """The score and its parts for one unit's counts (the rule is the module's docstring)."""
    parts = {p.key: _part(weights.of(p.key), counts[p.numerator], counts[p.denominator]) for p in PARTS}
    available = sum(v["weight"] for v in parts.values() if v["counted"])
    if not available:
        return None, parts
    total = 0.0
    for v in parts.values():
        if v["counted"]:
            effective = v["weight"] * 100 / available
            points = effective * v["numerator"] / v["denominator"]
            total += points
            v["effective_weight"] = round(effective, 2)
            v["points"] = round(points, 2)
    return round(total, 2), parts


def assessment_inputs(jurisdiction_id: int, year: int) -> tuple[object, ...]:
    """What an assessment depends on besides the history (``reports.remembered``): the jurisdiction, the year,
    when its weights were last set, and the CPPCC's evaluations (how many, the latest entered)."""
    weights_changed = (
        AssessmentWeights.objects.filter(jurisdiction_id=jurisdiction_id).values_list("updated_at", flat=True).first()
    )
    evaluations = UnitEvaluation.objects.filter(department__jurisdiction_id=jurisdiction_id, year=year).aggregate(
        n=Count("pk"), last=Max("entered_at")
    )
    return (jurisdiction_id, year, weights_changed, evaluations["n"], evaluations["last"])


def assess(jurisdiction_id: int, *, year: int, today: date) -> dict[str, Any]:
    """``{weights, rows, commended}`` for the units of one jurisdiction in one year: ``rows`` as the API
    returns them (ranked first, by rank), ``commended`` the ids of the units commended. Kept until the next
    change (``reports.remembered``): of the history, the weights or the CPPCC's evaluations."""
    inputs = assessment_inputs(jurisdiction_id, year)
    return remembered("assessment", inputs, today, lambda: _assess(jurisdiction_id, year=year, today=today))


def _assess(jurisdiction_id: int, *, year: int, today: date) -> dict[str, Any]:
    weights = weights_of(jurisdiction_id)
    stats = department_stats([jurisdiction_id], today=today, year=year)
    evaluations = dict(
        UnitEvaluation.objects.filter(department__jurisdiction_id=jurisdiction_id, year=year).values_list(
            "department_id", "score"
        )
    )
    rows = []
    for d in stats["departments"]:
        evaluation = evaluations.get(d["department_id"])
        counts = {**d, "evaluation_score": evaluation or 0, "evaluation_full": 0 if evaluation is None else 100}
        score, parts = score_parts(counts, weights)
        reason = ""
        if d["assigned"] < weights.min_assigned:
            reason = f"办理件数不足{weights.min_assigned}件，不参与排名"
        elif score is None:
            reason = "没有可计分的考核项目，不参与排名"
        rows.append({
            "department_id": d["department_id"],
            "name": d["name"],
            "score": score,
            "rank": None,
            "ranked": not reason,
            "reason": reason,
            "assigned": d["assigned"],
            "overdue": d["overdue"],
            "commended": False,
            "evaluation": evaluation,
            "parts": parts,
        })  # fmt: skip
    ranked = [r for r in rows if r["ranked"]]
    for r in ranked:
        r["rank"] = 1 + sum(1 for o in ranked if o["score"] > r["score"])
        r["commended"] = r["score"] >= COMMEND_SCORE and r["overdue"] == 0
    order = {d["department_id"]: i for i, d in enumerate(stats["departments"])}
    rows.sort(key=lambda r: (not r["ranked"], r["rank"] or 0, order[r["department_id"]]))
    return {
        "weights": weights,
        "rows": rows,
        "commended": [r["department_id"] for r in rows if r["commended"]],
    }


# ---------------------------------------------------------------------------------------------------------------
# Drill-down: the lead assignments behind each part's numerator and denominator, by the same definitions as
# ``department_stats`` (reports/queries.py; reports/tests/test_assessment.py holds that the counts agree).


# part → the report's counts (reports.queries.metric_conditions) of its numerator and denominator
PART_METRICS = {
    "reply": ("replied", "assigned"),
    "on_time": ("on_time", "replied"),
    "meeting": ("met", "assigned"),
    "satisfaction": ("satisfied", "rated"),
    "self_check": ("self_check_done", "self_check_due"),
}


def _part_filters(today: date) -> dict[str, tuple[Q, Q]]:
    """The rows behind each part: the report's own conditions, so a part and its drill-down always agree.
    B follow-up counts items, so its rows are the assignments holding such items."""
    where = metric_conditions(today)
    parts = {part: (where[num], where[den]) for part, (num, den) in PART_METRICS.items()}
    parts["follow_up"] = (
        Q(follow_up_items__done_on__isnull=False),
        Q(follow_up_items__due_on__lte=today) | Q(follow_up_items__done_on__isnull=False),
    )
    return parts


DRILLABLE = ("reply", "on_time", "meeting", "satisfaction", "self_check", "follow_up")


def part_assignments(department_id: int, *, year: int, part: str, numerator: bool, today: date) -> QuerySet[Assignment]:
    """The unit's lead assignments of the year counted in the part's numerator (or denominator). For the B
    follow-up part, whose counts are follow-up items, the assignments that hold such items."""
    num, den = _part_filters(today)[part]
    qs = Assignment.objects.filter(department_id=department_id, year=year, role=AssignmentRole.LEAD)
    if part == "follow_up":
        qs = qs.exclude(state=State.WITHDRAWN)
    return qs.filter(num if numerator else den).distinct()


def follow_up_items(department_id: int, *, year: int, numerator: bool, today: date) -> QuerySet[FollowUpItem]:
    items = FollowUpItem.objects.filter(
        assignment__department_id=department_id, assignment__year=year, assignment__role=AssignmentRole.LEAD
    ).exclude(assignment__state=State.WITHDRAWN)
    if numerator:
        return items.filter(done_on__isnull=False)
    return items.filter(Q(due_on__lte=today) | Q(done_on__isnull=False))
