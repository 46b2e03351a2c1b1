"""Response model of the inbox endpoints."""

from __future__ import annotations

from datetime import datetime

from api.schemas import Out, page_of


class NotificationOut(Out):
    id: int
    text: str
    proposal_id: int | None
    assignment_id: int | None
    created_at: datetime
    read_at: datetime | None


NotificationPage = page_of(NotificationOut, "NotificationPage")
