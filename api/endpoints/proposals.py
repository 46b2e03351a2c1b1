"""Session and proposal endpoints: register, list, detail, assign, instructions."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Router

from api.http import body_doc, idempotent, json_response, paginate, parse_body
from api.schemas import ON_OBJECT, SIGNED_IN, STATEFUL, WITH_BODY, responses
from api.schemas.proposals import InstructionOut, ProposalOut, ProposalPage, SessionOut, SessionPage
from handling import proposal_commands as commands
from handling.access import access_proposal, visible_proposals
from handling.disclosure import audience_of, disclosed_events, may_read
from handling.models import Assignment
from handling.proposal_commands import AssignIn, InstructionIn, ProposalIn, ProposalPatch, SessionIn
from handling.serialize import assignments_json
from history.models import Event
from lib.errors import InvalidInput
from lib.input import choice_error
from organisation.models import User
from organisation.roles import require_role
from proposals import actions
from proposals.actions import STAFF
from proposals.models import Instruction, Proposal, ProposalStatus, Proposer, Session
from proposals.serialize import event_json, instruction_json, proposal_summary
from search.query import search_proposals

router = Router(tags=["提案"])


def session_json(s: Session) -> dict[str, Any]:
    return {"id": s.pk, "jurisdiction_id": s.jurisdiction_id, "name": s.name, "year": s.year, "is_daily": s.is_daily}


def _with_proposers(qs: QuerySet[Proposal]) -> QuerySet[Proposal]:
    return qs.select_related("session").prefetch_related(
        Prefetch("proposers", queryset=Proposer.objects.order_by("position"))
    )


def proposal_detail(p: Proposal, viewer: User) -> dict[str, Any]:
    """The proposal as ``viewer`` may read it: events, replies and instructions by ``handling.disclosure``."""
    audience = audience_of(viewer)
    p = _with_proposers(Proposal.objects.filter(pk=p.pk)).get()
    data = proposal_summary(p)
    data["body"] = p.body
    data["assignments"] = assignments_json(Assignment.objects.filter(proposal=p).order_by("pk"), audience, viewer)
    events = Event.objects.filter(proposal=p).select_related("actor").order_by("pk")
    data["events"] = [event_json(e, d) for e, d in disclosed_events(events, audience)]
    instructions = Instruction.objects.filter(proposal=p).select_related("leader").order_by("pk")
    readable = may_read("instruction", audience)
    data["instructions"] = [instruction_json(i) for i in instructions] if readable else []
    return data


@router.post(
    "/sessions",
    response=responses(201, SessionOut, SIGNED_IN, WITH_BODY, STATEFUL),
    openapi_extra=body_doc(SessionIn),
    summary="登记届次会次",
)
def create_session(request: HttpRequest) -> HttpResponse:
    actor: User = request.auth  # type: ignore[attr-defined]
    require_role(actor, *STAFF)
    s = commands.register_session(actor, parse_body(request, SessionIn))
    return json_response(session_json(s), status=201)


@router.get("/sessions", response=responses(200, SessionPage, SIGNED_IN), summary="届次列表")
def list_sessions(
    request: HttpRequest, jurisdiction: int | None = None, year: int | None = None,
    page: int | None = None, page_size: int | None = None,
) -> HttpResponse:  # fmt: skip
    qs = Session.objects.order_by("-year", "pk")
    if jurisdiction is not None:
        qs = qs.filter(jurisdiction_id=jurisdiction)
    if year is not None:
        qs = qs.filter(year=year)
    return json_response(paginate(qs, page, page_size, lambda rows: [session_json(s) for s in rows]))


@router.post(
    "/proposals",
    response=responses(201, ProposalOut, SIGNED_IN, WITH_BODY, STATEFUL),
    openapi_extra=body_doc(ProposalIn),
    summary="登记提案",
)
def create_proposal(request: HttpRequest) -> HttpResponse:
    actor: User = request.auth  # type: ignore[attr-defined]
    require_role(actor, *STAFF)
    data = parse_body(request, ProposalIn)
    session, new = commands.new_proposal(data)

    def run() -> HttpResponse:
        return json_response(proposal_detail(actions.create_proposal(session, actor=actor, new=new), actor), status=201)

    return idempotent(request, run)


def _bool_param(value: str | None, name: str) -> bool | None:
    if value is None or value == "":
        return None
    if value.lower() in ("true", "1", "yes"):
        return True
    if value.lower() in ("false", "0", "no"):
        return False
    raise InvalidInput(f"{name} 应为 true 或 false。", details={"fields": {name: "应为 true 或 false"}})


@router.get("/proposals", response=responses(200, ProposalPage, SIGNED_IN), summary="提案列表（按角色限定范围）")
def list_proposals(
    request: HttpRequest,
    session: int | None = None,
    status: str | None = None,
    department: int | None = None,
    q: str | None = None,
    is_key: str | None = None,
    year: int | None = None,
    jurisdiction: int | None = None,
    category: str | None = None,
    page: int | None = None,
    page_size: int | None = None,
    after: int | None = None,
) -> HttpResponse:
    actor: User = request.auth  # type: ignore[attr-defined]
    qs = filtered_proposals(actor, session, status, department, q, is_key, year, jurisdiction, category)
    qs = _with_proposers(qs).defer("body")  # the list never shows the 1,500-character text
    return json_response(paginate(qs, page, page_size, lambda rows: [proposal_summary(p) for p in rows], after))


def filtered_proposals(
    actor: User, session: int | None, status: str | None, department: int | None, q: str | None,
    is_key: str | None, year: int | None, jurisdiction: int | None, category: str | None,
) -> QuerySet[Proposal]:  # fmt: skip
    """The proposals ``actor`` sees with the list's filters, newest first or ranked by ``q``: for the list
    and its Excel export (exports.py) alike."""
    qs = visible_proposals(actor)
    if session is not None:
        qs = qs.filter(session_id=session)
    if status:
        if status not in ProposalStatus.values:
            raise choice_error("status", ProposalStatus.values)
        qs = qs.filter(status=status)
    if department is not None:
        qs = qs.filter(pk__in=Assignment.objects.filter(department_id=department).values("proposal_id"))
    key = _bool_param(is_key, "is_key")
    if key is not None:
        qs = qs.filter(is_key=key)
    if year is not None:
        qs = qs.filter(year=year)
    if jurisdiction is not None:
        qs = qs.filter(jurisdiction_id=jurisdiction)
    if category:
        qs = qs.filter(category=category)
    if q and len(q) > 200:
        raise InvalidInput("检索词过长。")
    return search_proposals(qs, q) if q else qs.order_by("-pk")  # ranked (search.query), or newest first


@router.get(
    "/proposals/{proposal_id}",
    response=responses(200, ProposalOut, SIGNED_IN, ON_OBJECT),
    summary="提案详情：交办、历史",
)
def read_proposal(request: HttpRequest, proposal_id: int) -> HttpResponse:
    actor: User = request.auth  # type: ignore[attr-defined]
    return json_response(proposal_detail(access_proposal(actor, proposal_id), actor))


@router.patch(
    "/proposals/{proposal_id}",
    response=responses(200, ProposalOut, SIGNED_IN, WITH_BODY, ON_OBJECT, STATEFUL),
    openapi_extra=body_doc(ProposalPatch),
    summary="标记重点提案、建议案，指定领办领导",
)
def patch_proposal(request: HttpRequest, proposal_id: int) -> HttpResponse:
    actor: User = request.auth  # type: ignore[attr-defined]
    proposal = access_proposal(actor, proposal_id)
    commands.require_command(actor, "flags", proposal)
    commands.set_flags(actor, proposal, parse_body(request, ProposalPatch))
    return json_response(proposal_detail(proposal, actor))


@router.post(
    "/proposals/{proposal_id}/assign",
    response=responses(200, ProposalOut, SIGNED_IN, WITH_BODY, ON_OBJECT, STATEFUL),
    openapi_extra=body_doc(AssignIn),
    summary="交办",
)
def assign(request: HttpRequest, proposal_id: int) -> HttpResponse:
    actor: User = request.auth  # type: ignore[attr-defined]
    proposal = access_proposal(actor, proposal_id)
    commands.require_command(actor, "assign", proposal)
    data = parse_body(request, AssignIn)

    def run() -> HttpResponse:
        commands.assign(actor, proposal, data)
        return json_response(proposal_detail(proposal, actor))

    return idempotent(request, run)


@router.post(
    "/proposals/{proposal_id}/instructions",
    response=responses(201, InstructionOut, SIGNED_IN, WITH_BODY, ON_OBJECT, STATEFUL),
    openapi_extra=body_doc(InstructionIn),
    summary="领导批示",
)
def give_instruction(request: HttpRequest, proposal_id: int) -> HttpResponse:
    actor: User = request.auth  # type: ignore[attr-defined]
    proposal = access_proposal(actor, proposal_id)
    commands.require_command(actor, "instruction", proposal)
    data = parse_body(request, InstructionIn)

    def run() -> HttpResponse:
        return json_response(instruction_json(commands.give_instruction(actor, proposal, data)), 201)

    return idempotent(request, run)
