"""Reads of the supervision: a plan with its records, and the list of supervised proposals."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import QuerySet

from handling.models import Assignment
from proposals.models import Proposal, ProposalStatus

from .lights import light_filters
from .models import Instruction, Milestone, Plan, ProgressNote


@dataclass
class Supervision:
    """One proposal's supervision as the pages and the API show it (an empty plan before the first record)."""

    proposal: Proposal
    plan: Plan | None
    milestones: list[Milestone] = field(default_factory=list)
    notes: list[ProgressNote] = field(default_factory=list)
    instructions: list[Instruction] = field(default_factory=list)
    assignments: list[Assignment] = field(default_factory=list)

    @property
    def watch_on(self) -> date | None:
        return self.plan.watch_on if self.plan is not None else None

    @property
    def next_milestone(self) -> Milestone | None:
        return next((m for m in self.milestones if m.done_on is None), None)


def supervision_of(proposal: Proposal) -> Supervision:
    plan = Plan.objects.filter(proposal_id=proposal.pk).first()
    result = Supervision(proposal=proposal, plan=plan)
    result.assignments = list(
        Assignment.objects.filter(proposal_id=proposal.pk).select_related("department").order_by("-role", "pk")
    )
    if plan is None:
        return result
    result.milestones = list(
        plan.milestones.select_related("department", "done_by", "created_by").order_by("due_on", "pk")
    )
    result.notes = list(plan.notes.select_related("department", "author").order_by("-pk"))
    result.instructions = list(plan.instructions.select_related("leader", "recorded_by").order_by("-pk"))
    return result


def supervision_list(base: QuerySet[Proposal], *, today: date, year: int | None = None,
                     light: str | None = None) -> QuerySet[Proposal]:  # fmt: skip
    """The supervised proposals of ``base`` (assigned already), with the plan and its next milestone
    joined, soonest date first (those with nothing open last)."""
    qs = base.exclude(status=ProposalStatus.REGISTERED).select_related(
        "session", "supervision__next_milestone__department"
    )
    if year is not None:
        qs = qs.filter(year=year)
    if light is not None:
        qs = qs.filter(light_filters(today)[light])
    return qs
