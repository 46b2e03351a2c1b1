"""Assignment endpoints: the to-do lists and one POST per action; plus the public replies.

Each action endpoint: find the assignment among those the user may see (404), check role and unit
(403), parse the body (400), then call the action, which checks state (409) and rules (422).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router
from pydantic import BaseModel

from api.http import body_doc, idempotent, json_response, paginate, parse_body
from api.schemas import ON_OBJECT, SIGNED_IN, STATEFUL, WITH_BODY, responses
from api.schemas.handling import AssignmentOut, AssignmentPage, PublicReplyPage, RemindUnitsOut
from handling.access import access_assignment, visible_assignments
from handling.commands import COMMANDS, Empty, RemindUnitsIn, remind_units
from handling.disclosure import audience_of, public_reply_json
from handling.models import Assignment, Reply
from handling.permissions import require_can_act
from handling.queries import light_bands, published_replies
from handling.serialize import assignment_json, assignments_json, with_related
from handling.states import State
from lib.errors import InvalidInput
from lib.input import choice_error
from organisation.models import Role, User
from organisation.roles import require_role
from reports.queries import METRIC_LABELS, metric_rows
from search.query import search_public_replies

router = Router(tags=["交办办理"])
public_router = Router(tags=["公开答复"])


def _fresh(a: Assignment, actor: User) -> dict[str, Any]:
    a = with_related(Assignment.objects.filter(pk=a.pk)).get()
    return assignment_json(a, audience=audience_of(actor), viewer=actor)


def _endpoint(
    action: str, schema: type[BaseModel], run: Callable[[User, Assignment, Any], object], summary: str
) -> None:
    """Register ``POST /assignments/{id}/<action>`` in the order of checks api.md lays down."""

    def view(request: HttpRequest, assignment_id: int) -> HttpResponse:
        actor: User = request.auth  # type: ignore[attr-defined]
        a = access_assignment(actor, assignment_id)
        require_can_act(actor, action, a)
        data = parse_body(request, schema)

        def act() -> HttpResponse:
            run(actor, a, data)
            return json_response(_fresh(a, actor))  # every action answers with the updated assignment

        return idempotent(request, act)

    view.__name__ = action
    path = "/assignments/{assignment_id}/" + action.replace("_", "-")
    extra = body_doc(schema) if schema is not Empty else None
    documented = responses(200, AssignmentOut, SIGNED_IN, WITH_BODY, ON_OBJECT, STATEFUL)
    router.post(path, response=documented, openapi_extra=extra, summary=summary, operation_id=action)(view)


@router.post(
    "/assignments/remind",
    response=responses(200, RemindUnitsOut, SIGNED_IN, WITH_BODY, ON_OBJECT, STATEFUL),
    openapi_extra=body_doc(RemindUnitsIn),
    summary="批量催办（多个单位的多件交办事项一并催办）",
    operation_id="remind_units",
)
def remind_many(request: HttpRequest) -> HttpResponse:
    actor: User = request.auth  # type: ignore[attr-defined]
    require_role(actor, Role.OFFICE_STAFF)
    data = parse_body(request, RemindUnitsIn)

    def act() -> HttpResponse:
        reminded = [r.assignment for r in remind_units(actor, data)]
        ids = [a.pk for a in reminded]
        departments = sorted({a.department_id for a in reminded})
        return json_response({"count": len(ids), "assignment_ids": ids, "department_ids": departments})

    return idempotent(request, act)


for _name, _command in COMMANDS.items():
    _endpoint(_name, _command.schema, _command.run, _command.summary)


def _parse_date(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(f"{name} 日期格式应为 YYYY-MM-DD。", details={"fields": {name: "日期格式不正确"}}) from exc


@router.get("/assignments", response=responses(200, AssignmentPage, SIGNED_IN), summary="待办列表（按角色限定范围）")
def list_assignments(
    request: HttpRequest,
    department: int | None = None,
    state: str | None = None,
    light: str | None = None,
    due_before: str | None = None,
    proposal: int | None = None,
    role: str | None = None,
    year: int | None = None,
    metric: str | None = None,
    page: int | None = None,
    page_size: int | None = None,
) -> HttpResponse:
    actor: User = request.auth  # type: ignore[attr-defined]
    qs = visible_assignments(actor)
    if year is not None:
        qs = qs.filter(year=year)
    if metric:  # the lead assignments behind one number of /stats (reports.queries' own conditions)
        if metric not in METRIC_LABELS:
            raise choice_error("metric", list(METRIC_LABELS))
        qs = metric_rows(qs, metric, timezone.localdate())
    if department is not None:
        qs = qs.filter(department_id=department)
    if state:
        states = state.split(",")
        if not set(states) <= set(State.values):
            raise choice_error("state", State.values)
        qs = qs.filter(state__in=states)
    if light:
        conditions = light_bands(timezone.localdate())
        if light not in conditions:
            raise choice_error("light", list(conditions))
        qs = qs.filter(conditions[light])
    before = _parse_date(due_before, "due_before")
    if before is not None:
        qs = qs.filter(due_on__lt=before)
    if proposal is not None:
        qs = qs.filter(proposal_id=proposal)
    if role:
        qs = qs.filter(role=role)
    qs = with_related(qs.order_by("watch_on", "pk")).defer("proposal__body")
    audience = audience_of(actor)
    return json_response(paginate(qs, page, page_size, lambda rows: assignments_json(rows, audience, actor)))


@router.get(
    "/assignments/{assignment_id}", response=responses(200, AssignmentOut, SIGNED_IN, ON_OBJECT), summary="交办详情"
)
def read_assignment(request: HttpRequest, assignment_id: int) -> HttpResponse:
    actor: User = request.auth  # type: ignore[attr-defined]
    return json_response(_fresh(access_assignment(actor, assignment_id), actor))


@public_router.get(
    "/public/replies", auth=None, response=responses(200, PublicReplyPage, (400,)), summary="公开答复（无需登录）"
)
def public_replies(
    request: HttpRequest, q: str | None = None, year: int | None = None,
    page: int | None = None, page_size: int | None = None,
) -> HttpResponse:  # fmt: skip
    qs = published_replies()
    if year is not None:
        qs = qs.filter(published_year=year)  # the proposal's year, kept on the marker (reply_published_year_idx)
    if q and len(q) > 200:
        raise InvalidInput("检索词过长。")
    # the index holds only the published text, so a search never confirms a detail the letter hides
    # published_on is the delivery date of a published reply: the same order, read from reply_published_idx
    qs = search_public_replies(qs, q) if q else qs.order_by("-published_on", "-pk")
    qs = qs.select_related("assignment__proposal__session", "assignment__department")

    def shape(rows: list[Reply]) -> list[dict[str, Any]]:
        return [public_reply_json(r) for r in rows]  # no contact details (handling.disclosure)

    return json_response(paginate(qs, page, page_size, shape))
