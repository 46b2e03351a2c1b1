"""Write history events; called only from actions, inside their transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .models import Event

if TYPE_CHECKING:
    from handling.models import Assignment
    from organisation.models import User
    from proposals.models import Proposal


def record_event(
    proposal: Proposal,
    action: str,
    *,
    actor: User | None,
    assignment: Assignment | None = None,
    from_state: str = "",
    to_state: str = "",
    data: dict[str, Any] | None = None,
) -> Event:
    return Event.objects.create(
        proposal=proposal,
        assignment=assignment,
        actor=actor,
        action=action,
        from_state=from_state,
        to_state=to_state,
        data=data or {},
    )
