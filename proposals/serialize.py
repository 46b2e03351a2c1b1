"""Shape proposals and their history as the API's JSON (pure: no queries beyond what is prefetched)."""

from __future__ import annotations

from typing import Any

from history.models import Event

from .models import Instruction, Proposal


def proposal_summary(p: Proposal) -> dict[str, Any]:
    return {
        "id": p.pk,
        "session_id": p.session_id,
        "session": p.session.name,
        "jurisdiction_id": p.jurisdiction_id,
        "year": p.year,
        "number": p.number,
        "title": p.title,
        "category": p.category,
        "kind": p.kind,
        "submitted_on": p.submitted_on,
        "is_key": p.is_key,
        "is_suggestion": p.is_suggestion,
        "is_major": p.is_major,
        "is_public": p.is_public,
        "leading_leader_id": p.leading_leader_id,
        "status": p.status,
        "proposers": [{"id": x.pk, "name": x.name, "user_id": x.user_id} for x in p.proposers.all()],
        "created_at": p.created_at,
    }


def event_json(e: Event, data: dict[str, Any] | None = None) -> dict[str, Any]:
    """One event; ``data`` is the part of it the reader may read (``handling.disclosure.event_data``)."""
    return {
        "id": e.pk,
        "at": e.at,
        "actor": {"id": e.actor.pk, "name": e.actor.display_name} if e.actor else None,
        "action": e.action,
        "assignment_id": e.assignment_id,
        "from_state": e.from_state,
        "to_state": e.to_state,
        "data": e.data if data is None else data,
    }


def instruction_json(i: Instruction) -> dict[str, Any]:
    return {
        "id": i.pk,
        "proposal_id": i.proposal_id,
        "leader": {"id": i.leader.pk, "name": i.leader.display_name},
        "text": i.text,
        "created_at": i.created_at,
    }
