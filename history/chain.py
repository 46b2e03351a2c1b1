"""The hash chain over each proposal's events: tamper evidence that survives a database superuser.

Each event stores ``prev_hash`` (the hash of the previous event of the same proposal, "" for the first)
and ``hash`` = SHA-256 over a canonical serialisation of its own fields and ``prev_hash``. The
serialisation depends only on values, never on the database: ids as integers, ``data`` as canonical JSON
(sorted keys, no ASCII escaping), ``at`` in UTC ISO 8601 with microseconds. Editing an event breaks its
own hash; deleting or reordering one breaks the next event's ``prev_hash``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = ""
FIELDS = ("pk", "proposal_id", "assignment_id", "actor_id", "action", "from_state", "to_state", "data", "at")


def canonical_data(data: Any) -> Any:
    """``data`` as the database gives it back (tuples become lists, keys strings), so both sides hash alike."""
    return json.loads(json.dumps(data if data is not None else {}, ensure_ascii=False))


def utc_iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def event_hash(
    *,
    proposal_id: int,
    assignment_id: int | None,
    actor_id: int | None,
    action: str,
    from_state: str,
    to_state: str,
    data: Any,
    at: datetime,
    prev_hash: str,
) -> str:
    payload = {
        "proposal": proposal_id,
        "assignment": assignment_id,
        "actor": actor_id,
        "action": action,
        "from": from_state,
        "to": to_state,
        "data": canonical_data(data),
        "at": utc_iso(at),
        "prev": prev_hash,
    }
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def row_hash(row: tuple[Any, ...], prev_hash: str) -> str:
    """Hash of a row read as ``FIELDS`` (``pk`` first, not hashed)."""
    _, proposal_id, assignment_id, actor_id, action, from_state, to_state, data, at = row[: len(FIELDS)]
    return event_hash(
        proposal_id=proposal_id,
        assignment_id=assignment_id,
        actor_id=actor_id,
        action=action,
        from_state=from_state,
        to_state=to_state,
        data=data,
        at=at,
        prev_hash=prev_hash,
    )


@dataclass(frozen=True)
class Break:
    """The first broken link of a chain."""

    proposal_id: int
    event_id: int
    what: str

    def __str__(self) -> str:
        return f"提案 #{self.proposal_id} 的历史在事件 #{self.event_id} 处断裂：{self.what}"


def check_link(row: tuple[Any, ...], expected_prev: str) -> str | None:
    """What is wrong with a row read as ``FIELDS + ("prev_hash", "hash")`` after ``expected_prev``."""
    stored_prev, stored_hash = row[len(FIELDS)], row[len(FIELDS) + 1]
    if stored_prev != expected_prev:
        return (
            f"前一事件哈希不符（记录为 {stored_prev or '空'}，按前一事件应为 {expected_prev or '空'}；"
            "前面的事件被删除、插入或改动过）"
        )
    computed = row_hash(row, stored_prev)
    if computed != stored_hash:
        return f"内容与哈希不符（记录为 {stored_hash or '空'}，按内容算得 {computed}；此事件被改动过）"
    return None


def find_break(
    rows: Iterable[tuple[Any, ...]], progress: Callable[[int], None] | None = None, every: int = 10000
) -> tuple[Break | None, int]:
    """Walk rows ordered by (proposal, id), read as ``FIELDS + ("prev_hash", "hash")``; first break and count."""
    current: int | None = None
    prev = GENESIS
    n = 0
    for row in rows:
        n += 1
        if row[1] != current:
            current, prev = row[1], GENESIS
        what = check_link(row, prev)
        if what is not None:
            return Break(row[1], row[0], what), n
        prev = row[len(FIELDS) + 1]
        if progress is not None and n % every == 0:
            progress(n)
    return None, n
