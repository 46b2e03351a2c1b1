"""The supervision as JSON (the API's shapes; ``api/schemas/supervision.py`` documents them)."""

from __future__ import annotations

from datetime import date
from typing import Any

from proposals.models import Proposal

from .lights import light_on, milestone_light
from .models import Instruction, Milestone, Plan, ProgressNote
from .queries import Supervision


def milestone_json(m: Milestone, today: date) -> dict[str, Any]:
    return {
        "id": m.pk,
        "proposal_id": m.plan.proposal_id,
        "title": m.title,
        "due_on": m.due_on,
        "department_id": m.department_id,
        "department": m.department.name,
        "done_on": m.done_on,
        "note": m.note,
        "light": milestone_light(m, today),
        "remind_on": m.remind_on,
    }


def note_json(n: ProgressNote) -> dict[str, Any]:
    return {
        "id": n.pk,
        "department_id": n.department_id,
        "department": n.department.name if n.department else "督查室",
        "text": n.text,
        "author": {"id": n.author_id, "name": n.author.display_name},
        "at": n.created_at,
    }


def instruction_json(i: Instruction) -> dict[str, Any]:
    return {
        "id": i.pk,
        "leader": {"id": i.leader_id, "name": i.leader.display_name},
        "text": i.text,
        "recorded_by": {"id": i.recorded_by_id, "name": i.recorded_by.display_name},
        "at": i.created_at,
    }


def summary_json(p: Proposal, plan: Plan | None, today: date) -> dict[str, Any]:
    """A row of the list: the proposal, its light and its next milestone (read from the plan)."""
    nxt = plan.next_milestone if plan is not None else None
    return {
        "proposal_id": p.pk,
        "session": p.session.name,
        "year": p.year,
        "number": p.number,
        "title": p.title,
        "is_key": p.is_key,
        "is_suggestion": p.is_suggestion,
        "status": p.status,
        "light": light_on(plan.watch_on if plan is not None else None, today),
        "watch_on": plan.watch_on if plan is not None else None,
        "next_milestone": None if nxt is None else {
            "id": nxt.pk, "title": nxt.title, "due_on": nxt.due_on, "department_id": nxt.department_id,
            "department": nxt.department.name,
        },
    }  # fmt: skip


def supervision_json(s: Supervision, today: date) -> dict[str, Any]:
    data = summary_json(s.proposal, s.plan, today)
    data["units"] = [
        {"department_id": a.department_id, "department": a.department.name, "role": a.role, "state": a.state}
        for a in s.assignments
    ]
    data["milestones"] = [milestone_json(m, today) for m in s.milestones]
    data["progress_notes"] = [note_json(n) for n in s.notes]
    data["instructions"] = [instruction_json(i) for i in s.instructions]
    return data
