"""The audit API's response models (the OpenAPI contract; see api/schemas.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from api.schemas import Out, page_of


class AuditEntryOut(Out):
    id: int
    at: datetime
    kind: str
    kind_label: str
    outcome: str
    outcome_label: str
    user_id: int | None
    username: str
    actor_id: int | None
    actor_username: str
    ip: str | None
    user_agent: str
    method: str
    path: str
    data: dict[str, Any]
    prev_hash: str
    hash: str


AuditEntryPage = page_of(AuditEntryOut, "AuditEntryPage")
