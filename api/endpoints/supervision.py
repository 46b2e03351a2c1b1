"""Supervision endpoints (动态督办): the supervised key proposals and 建议案 with their lights, one plan,
and its milestones, progress notes and instructions. Each write finds the proposal or milestone through
``supervision.access`` (404), checks the role (403, before the body is parsed), parses (400) and calls the
action, which checks the state (409) and the rules (422)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router

from api.http import body_doc, idempotent, json_response, paginate, parse_body
from api.schemas import ON_OBJECT, SIGNED_IN, STATEFUL, WITH_BODY, responses
from api.schemas.supervision import (
    MilestoneOut,
    ProgressNoteOut,
    SupervisionInstructionOut,
    SupervisionOut,
    SupervisionPage,
)
from lib.input import choice_error
from organisation.models import User
from proposals.models import Proposal
from supervision import commands, permissions
from supervision.access import access_milestone, access_supervision, supervised_proposals
from supervision.commands import InstructionIn, MilestoneDoneIn, MilestoneIn, ProgressNoteIn
from supervision.lights import LIGHTS
from supervision.queries import supervision_list, supervision_of
from supervision.serialize import instruction_json, milestone_json, note_json, summary_json, supervision_json

router = Router(tags=["动态督办"])


@router.get("/supervision", response=responses(200, SupervisionPage, SIGNED_IN), summary="动态督办的重点提案和建议案")
def list_supervision(
    request: HttpRequest, year: int | None = None, light: str | None = None,
    page: int | None = None, page_size: int | None = None,
) -> HttpResponse:  # fmt: skip
    actor: User = request.auth  # type: ignore[attr-defined]
    if light and light not in LIGHTS:
        raise choice_error("light", LIGHTS)
    today = timezone.localdate()
    qs = supervision_list(supervised_proposals(actor), today=today, year=year, light=light or None)
    qs = qs.defer("body").order_by("-pk")

    def shape(rows: list[Proposal]) -> list[dict[str, Any]]:
        return [summary_json(p, getattr(p, "supervision", None), today) for p in rows]

    return json_response(paginate(qs, page, page_size, shape))


@router.get(
    "/proposals/{proposal_id}/supervision",
    response=responses(200, SupervisionOut, SIGNED_IN, ON_OBJECT),
    summary="一件重点提案的督办：节点、进展、批示",
)
def read_supervision(request: HttpRequest, proposal_id: int) -> HttpResponse:
    actor: User = request.auth  # type: ignore[attr-defined]
    proposal = access_supervision(actor, proposal_id)
    return json_response(supervision_json(supervision_of(proposal), timezone.localdate()))


@router.post(
    "/proposals/{proposal_id}/milestones",
    response=responses(201, MilestoneOut, SIGNED_IN, WITH_BODY, ON_OBJECT, STATEFUL),
    openapi_extra=body_doc(MilestoneIn),
    summary="设置督办节点（督查室）",
)
def add_milestone(request: HttpRequest, proposal_id: int) -> HttpResponse:
    actor: User = request.auth  # type: ignore[attr-defined]
    proposal = access_supervision(actor, proposal_id)
    permissions.require_may_set_milestones(actor, proposal)
    data = parse_body(request, MilestoneIn)

    def run() -> HttpResponse:
        m = commands.add_milestone(actor, proposal, data)
        return json_response(milestone_json(m, timezone.localdate()), status=201)

    return idempotent(request, run)


@router.post(
    "/milestones/{milestone_id}/done",
    response=responses(200, MilestoneOut, SIGNED_IN, WITH_BODY, ON_OBJECT, STATEFUL),
    openapi_extra=body_doc(MilestoneDoneIn),
    summary="督办节点完成（责任单位）",
)
def finish_milestone(request: HttpRequest, milestone_id: int) -> HttpResponse:
    actor: User = request.auth  # type: ignore[attr-defined]
    milestone = access_milestone(actor, milestone_id)
    permissions.require_may_finish(actor, milestone)
    data = parse_body(request, MilestoneDoneIn)

    def run() -> HttpResponse:
        m = commands.finish_milestone(actor, milestone, data)
        return json_response(milestone_json(m, timezone.localdate()))

    return idempotent(request, run)


@router.post(
    "/proposals/{proposal_id}/progress-notes",
    response=responses(201, ProgressNoteOut, SIGNED_IN, WITH_BODY, ON_OBJECT, STATEFUL),
    openapi_extra=body_doc(ProgressNoteIn),
    summary="报送督办进展（承办单位、督查室）",
)
def add_progress_note(request: HttpRequest, proposal_id: int) -> HttpResponse:
    actor: User = request.auth  # type: ignore[attr-defined]
    proposal = access_supervision(actor, proposal_id)
    permissions.require_may_write_note(actor, proposal)
    data = parse_body(request, ProgressNoteIn)

    def run() -> HttpResponse:
        return json_response(note_json(commands.add_progress_note(actor, proposal, data)), status=201)

    return idempotent(request, run)


@router.post(
    "/proposals/{proposal_id}/supervision-instructions",
    response=responses(201, SupervisionInstructionOut, SIGNED_IN, WITH_BODY, ON_OBJECT, STATEFUL),
    openapi_extra=body_doc(InstructionIn),
    summary="督办批示（分管领导；督查室代为录入）",
)
def record_instruction(request: HttpRequest, proposal_id: int) -> HttpResponse:
    actor: User = request.auth  # type: ignore[attr-defined]
    proposal = access_supervision(actor, proposal_id)
    permissions.require_may_instruct(actor, proposal)
    data = parse_body(request, InstructionIn)

    def run() -> HttpResponse:
        return json_response(instruction_json(commands.record_instruction(actor, proposal, data)), status=201)

    return idempotent(request, run)
