"""Write history events; called only from actions, inside their transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from .chain import FIELDS, GENESIS, canonical_data, row_hash
from .models import Event, UnitChange

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
    """Append an event to the proposal's chain.

    The handling actions already hold the proposal's row lock; taking it here again (a no-op for them)
    covers the proposal-level actions too, so reading the last hash cannot race with another writer.
    The unique (proposal, prev_hash) constraint backs that up.
    """
    with transaction.atomic(savepoint=False):
        _lock_proposal(proposal.pk)
        return _append(proposal, action, actor, assignment, from_state, to_state, data)


def _lock_proposal(pk: int) -> None:
    # The proposal model through the foreign key: history sits below the apps whose events it records.
    Proposal = Event._meta.get_field("proposal").related_model  # noqa: N806

    Proposal._default_manager.select_for_update(no_key=True).filter(pk=pk).values_list("pk").get()


def _append(
    proposal: Proposal,
    action: str,
    actor: User | None,
    assignment: Assignment | None,
    from_state: str,
    to_state: str,
    data: dict[str, Any] | None,
) -> Event:
    prev = Event.objects.filter(proposal_id=proposal.pk).order_by("-pk").values_list("hash", flat=True).first()
    event = Event(
        proposal=proposal,
        assignment=assignment,
        actor=actor,
        action=action,
        from_state=from_state,
        to_state=to_state,
        data=canonical_data(data),
        at=timezone.now(),
        prev_hash=prev if prev is not None else GENESIS,
    )
    # hashed exactly as verify_history reads it back (pk is not hashed: it is not known yet)
    event.hash = row_hash(tuple(getattr(event, f) for f in FIELDS), event.prev_hash)
    event.save(force_insert=True)
    if assignment is not None:  # the unit's yearly figures are to be counted again (reports.queries)
        UnitChange.objects.create(department_id=assignment.department_id, year=assignment.year)
    return event


def record_first_events(
    events: Sequence[tuple[Proposal, str, str, dict[str, Any] | None]], *, actor: User | None
) -> list[Event]:
    """The first event of each of many proposals just created in this transaction (a bulk registration):
    (proposal, action, to_state, data). Each starts its own chain, so no lock or earlier hash is read."""
    now = timezone.now()
    rows = []
    for proposal, action, to_state, data in events:
        event = Event(proposal=proposal, actor=actor, action=action, to_state=to_state,
                      data=canonical_data(data), at=now, prev_hash=GENESIS)  # fmt: skip
        event.hash = row_hash(tuple(getattr(event, f) for f in FIELDS), event.prev_hash)
        rows.append(event)
    return Event.objects.bulk_create(rows, batch_size=1000)
