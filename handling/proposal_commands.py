"""Proposal commands: the input schemas of registering, flagging, assigning and instructing, and how
parsed input calls the actions. The API and the web pages share them, so each field and rule exists once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from handling import actions as handling_actions
from handling.commands import UnitIn
from lib.errors import Forbidden, InvalidInput
from lib.input import StrictSchema
from organisation.models import Role, User
from organisation.queries import existing_departments, existing_jurisdiction
from organisation.roles import require_role
from proposals import actions
from proposals.actions import STAFF
from proposals.models import Instruction, Proposal, ProposalKind, Session


class SessionIn(StrictSchema):
    jurisdiction_id: int
    name: str = Field(min_length=1, max_length=100)
    year: int = Field(ge=1949, le=2200)
    is_daily: bool = False


class ProposerIn(StrictSchema):
    name: str = Field(min_length=1, max_length=100)
    user_id: int | None = None


class ProposalIn(StrictSchema):
    session_id: int
    number: str = Field(min_length=1, max_length=30)
    title: str = Field(min_length=1, max_length=500)
    body: str = Field(max_length=200_000)
    kind: ProposalKind
    proposers: list[ProposerIn] = Field(min_length=1, max_length=500)
    category: str = Field("", max_length=50)
    submitted_on: date | None = None
    is_key: bool = False
    is_suggestion: bool = False
    is_public: bool = True


class ProposalPatch(StrictSchema):
    is_key: bool | None = None
    is_suggestion: bool | None = None
    is_major: bool | None = None
    leading_leader_id: int | None = None


class AssignIn(StrictSchema):
    assignments: list[UnitIn] = Field(min_length=1, max_length=100)
    assigned_on: date | None = None


class InstructionIn(StrictSchema):
    text: str = Field(min_length=1, max_length=20000)


def register_session(actor: User, data: SessionIn) -> Session:
    j = existing_jurisdiction(data.jurisdiction_id, "jurisdiction_id")
    return actions.create_session(j, actor=actor, name=data.name, year=data.year, is_daily=data.is_daily)


def new_proposal(data: ProposalIn) -> tuple[Session, actions.NewProposal]:
    """Resolve the session and the proposers' accounts; the caller registers it (possibly idempotently)."""
    session = Session.objects.select_related("jurisdiction").filter(pk=data.session_id).first()
    if session is None:
        raise InvalidInput("届次不存在。", details={"field": "session_id"})
    user_ids = [p.user_id for p in data.proposers if p.user_id is not None]
    users = {u.pk: u for u in User.objects.filter(pk__in=user_ids)}
    if len(users) != len(set(user_ids)):
        raise InvalidInput("提案人账号不存在。", details={"field": "proposers"})
    new = actions.NewProposal(
        number=data.number,
        title=data.title,
        body=data.body,
        kind=data.kind,
        proposers=[actions.ProposerEntry(p.name, users.get(p.user_id) if p.user_id else None) for p in data.proposers],
        category=data.category,
        submitted_on=data.submitted_on,
        is_key=data.is_key,
        is_suggestion=data.is_suggestion,
        is_public=data.is_public,
    )
    return session, new


def set_flags(actor: User, proposal: Proposal, data: ProposalPatch) -> None:
    leader = None
    if data.leading_leader_id is not None:
        leader = User.objects.filter(pk=data.leading_leader_id).first()
        if leader is None:
            raise InvalidInput("领办领导不存在。", details={"field": "leading_leader_id"})
    actions.set_flags(
        proposal,
        actor=actor,
        is_key=data.is_key,
        is_suggestion=data.is_suggestion,
        is_major=data.is_major,
        leading_leader=leader,
    )


def assign(actor: User, proposal: Proposal, data: AssignIn) -> None:
    departments = existing_departments([u.department_id for u in data.assignments], "assignments")
    units = [handling_actions.UnitAssignment(d, u.role) for d, u in zip(departments, data.assignments, strict=True)]
    handling_actions.assign(proposal, units, actor=actor, assigned_on=data.assigned_on)


def give_instruction(actor: User, proposal: Proposal, data: InstructionIn) -> Instruction:
    return actions.give_instruction(proposal, actor=actor, text=data.text)


@dataclass(frozen=True)
class ProposalCommand:
    roles: tuple[str, ...]  # checked before the body is parsed (403 before 400); the action checks the rest
    schema: type[BaseModel]
    run: Callable[[User, Proposal, Any], object]


# The commands on one proposal, for the API and the pages alike.
PROPOSAL_COMMANDS: dict[str, ProposalCommand] = {
    "assign": ProposalCommand((Role.OFFICE_STAFF,), AssignIn, assign),
    "flags": ProposalCommand(STAFF, ProposalPatch, set_flags),
    "instruction": ProposalCommand((Role.GOV_LEADER,), InstructionIn, give_instruction),
}


def require_command(actor: User, name: str, proposal: Proposal) -> None:
    """Role and jurisdiction (分级负责) of a proposal command, checked before the body is parsed: a visible
    proposal of another jurisdiction is 403 whatever the body (api.md: 403 before 400)."""
    require_role(actor, *PROPOSAL_COMMANDS[name].roles)
    if not actor.is_superuser and actor.jurisdiction_id != proposal.jurisdiction_id:
        raise Forbidden("只能办理本辖区的提案。")
