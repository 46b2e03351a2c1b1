"""Verify and (in maintenance only) rebuild the hash chains of the history."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import Model, QuerySet

from .chain import FIELDS, GENESIS, Break, find_break, row_hash

COLUMNS = tuple("id" if f == "pk" else f for f in FIELDS)


def _rows(model: type[Model], extra: tuple[str, ...] = (), proposal_ids: Iterable[int] | None = None) -> Any:
    qs: QuerySet[Any] = model._default_manager.order_by("proposal_id", "id")
    if proposal_ids is not None:
        qs = qs.filter(proposal_id__in=list(proposal_ids))
    return qs.values_list(*COLUMNS, *extra).iterator(chunk_size=5000)


def verify_history(progress: Callable[[int], None] | None = None, every: int = 10000) -> tuple[Break | None, int]:
    """One ordered pass over every event; the first broken link (or None) and how many events were read."""
    from .models import Event

    return find_break(_rows(Event, ("prev_hash", "hash")), progress, every)


def rechain(model: type[Model] | None = None, proposal_ids: Iterable[int] | None = None, batch: int = 1000) -> int:
    """Recompute prev_hash/hash of the given proposals' events (all if None); return how many changed.

    Only for migrations and maintenance (history/maintenance.py): it UPDATEs events, which the trigger
    refuses outside the maintenance bypass. ``model`` lets a migration pass its historical model.
    """
    if model is None:
        from .models import Event

        model = Event
    changed = 0
    pending: list[Any] = []
    current: int | None = None
    prev = GENESIS
    for row in _rows(model, ("prev_hash", "hash"), proposal_ids):
        if row[1] != current:
            current, prev = row[1], GENESIS
        h = row_hash(row, prev)
        if row[-2:] != (prev, h):
            pending.append(model(pk=row[0], prev_hash=prev, hash=h))
        prev = h
        if len(pending) >= batch:
            changed += _flush(model, pending)
    return changed + _flush(model, pending)


def _flush(model: type[Model], pending: list[Any]) -> int:
    n = len(pending)
    if n:
        model._default_manager.bulk_update(pending, ["prev_hash", "hash"], batch_size=n)
        pending.clear()
    return n
