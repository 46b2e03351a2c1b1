"""Response models of the session and proposal endpoints: the shapes of ``proposals.serialize``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from api.schemas import Out, page_of
from api.schemas.handling import AssignmentOut
from proposals.models import ProposalKind, ProposalStatus


class SessionOut(Out):
    id: int
    jurisdiction_id: int
    name: str
    year: int
    is_daily: bool


class ProposerOut(Out):
    id: int
    name: str
    user_id: int | None


class PersonOut(Out):
    id: int
    name: str


class ProposalSummaryOut(Out):
    id: int
    session_id: int
    session: str
    jurisdiction_id: int
    year: int
    number: str
    title: str
    category: str
    kind: ProposalKind
    submitted_on: date | None
    is_key: bool
    is_suggestion: bool
    is_major: bool
    is_public: bool
    leading_leader_id: int | None
    status: ProposalStatus
    proposers: list[ProposerOut]
    created_at: datetime


class EventOut(Out):
    id: int
    at: datetime
    actor: PersonOut | None  # null for the system (reminders, deadlines)
    action: str
    assignment_id: int | None
    from_state: str
    to_state: str
    data: dict[str, Any]


class InstructionOut(Out):
    id: int
    proposal_id: int
    leader: PersonOut
    text: str
    created_at: datetime


class ProposalOut(ProposalSummaryOut):
    body: str
    assignments: list[AssignmentOut]
    events: list[EventOut]
    instructions: list[InstructionOut]


SessionPage = page_of(SessionOut, "SessionPage")
ProposalPage = page_of(ProposalSummaryOut, "ProposalPage")
