"""Spot checks (抽查, seed §二(四)): the office's checks of replied proposals, the findings, the units' answers.

Order of checks as api.md lays down: the object among those the user may see (404), role and unit (403),
the body (400), then the action: state (409) and rules (422).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Router

from api.http import body_doc, idempotent, json_response, paginate, parse_body
from api.schemas import ON_OBJECT, SIGNED_IN, STATEFUL, WITH_BODY, responses
from api.schemas.spotchecks import SpotCheckDetailOut, SpotCheckItemOut, SpotCheckItemPage, SpotCheckPage
from lib.errors import InvalidInput
from lib.input import choice_error
from organisation.models import DEPT_ROLES, Jurisdiction, Role, User
from organisation.roles import require_role
from spotchecks import actions
from spotchecks.access import access_check, access_item, visible_checks, visible_items
from spotchecks.commands import AnswerIn, FindingIn, ItemsIn, ReviewIn, SpotCheckIn
from spotchecks.models import CheckState, ItemState
from spotchecks.serialize import check_detail_json, check_json, item_json

from .reports import scoped_jurisdiction_ids

router = Router(tags=["抽查"])
ITEM_RELATED = ("assignment__proposal__session", "department")


def _item(actor: User, item_id: int) -> HttpResponse:
    return json_response(item_json(access_item(actor, item_id)))


@router.get("/spot-checks", response=responses(200, SpotCheckPage, SIGNED_IN, ON_OBJECT),
            summary="抽查列表（督查室、政协提案委）")  # fmt: skip
def list_checks(
    request: HttpRequest,
    jurisdiction: int | None = None,
    year: int | None = None,
    state: str | None = None,
    page: int | None = None,
    page_size: int | None = None,
) -> HttpResponse:
    actor: User = request.auth  # type: ignore[attr-defined]
    require_role(actor, Role.OFFICE_STAFF, Role.CPPCC_STAFF)
    qs = visible_checks(actor)
    if jurisdiction is not None:
        qs = qs.filter(jurisdiction_id__in=scoped_jurisdiction_ids(actor, jurisdiction, include_children=False))
    if year is not None:
        qs = qs.filter(year=year)
    if state is not None:
        if state not in CheckState.values:
            raise choice_error("state", CheckState.values)
        qs = qs.filter(state=state)
    return json_response(paginate(qs.order_by("-id"), page, page_size, lambda rows: [check_json(c) for c in rows]))


@router.post("/spot-checks", response=responses(201, SpotCheckDetailOut, SIGNED_IN, WITH_BODY, ON_OBJECT, STATEFUL),
             openapi_extra=body_doc(SpotCheckIn),
             summary="新建抽查：随机抽取（件数或比例，记录随机种子）和/或指定交办件（本辖区督查室）")  # fmt: skip
def create_check(request: HttpRequest) -> HttpResponse:
    actor: User = request.auth  # type: ignore[attr-defined]
    require_role(actor, Role.OFFICE_STAFF)
    data = parse_body(request, SpotCheckIn)
    (jid,) = scoped_jurisdiction_ids(actor, data.jurisdiction_id, include_children=False)

    def run() -> HttpResponse:
        check = actions.create_spot_check(Jurisdiction.objects.get(pk=jid), actor=actor, data=data)
        return json_response(check_detail_json(check), status=201)

    return idempotent(request, run)


@router.get("/spot-checks/{check_id}", response=responses(200, SpotCheckDetailOut, SIGNED_IN, ON_OBJECT),
            summary="抽查详情：抽查事项、随机抽取记录、检查结论与整改进度")  # fmt: skip
def read_check(request: HttpRequest, check_id: int) -> HttpResponse:
    actor: User = request.auth  # type: ignore[attr-defined]
    return json_response(check_detail_json(access_check(actor, check_id)))


@router.post("/spot-checks/{check_id}/items",
             response=responses(200, SpotCheckDetailOut, SIGNED_IN, WITH_BODY, ON_OBJECT, STATEFUL),
             openapi_extra=body_doc(ItemsIn),
             summary="增加抽查事项：指定交办件（assignment_ids），或再随机抽取（draw）")  # fmt: skip
def add_items(request: HttpRequest, check_id: int) -> HttpResponse:
    actor: User = request.auth  # type: ignore[attr-defined]
    check = access_check(actor, check_id)
    actions.require_office(actor, check)
    data = parse_body(request, ItemsIn)
    if bool(data.assignment_ids) == (data.draw is not None):
        one = "assignment_ids 与 draw 二选一"
        raise InvalidInput(
            f"请指定交办件或随机抽取（{one}）。", details={"fields": {"assignment_ids": one, "draw": one}}
        )

    def run() -> HttpResponse:
        if data.draw is not None:
            actions.draw_items(check, actor=actor, spec=data.draw)
        else:
            actions.choose_items(check, actor=actor, assignment_ids=data.assignment_ids)
        return json_response(check_detail_json(check))

    return idempotent(request, run)


@router.post("/spot-checks/{check_id}/close",
             response=responses(200, SpotCheckDetailOut, SIGNED_IN, ON_OBJECT, STATEFUL),
             summary="结束抽查（各事项均已检查，需整改的已验收）")  # fmt: skip
def close_check(request: HttpRequest, check_id: int) -> HttpResponse:
    actor: User = request.auth  # type: ignore[attr-defined]
    check = access_check(actor, check_id)
    actions.require_office(actor, check)

    def run() -> HttpResponse:
        return json_response(check_detail_json(actions.close_spot_check(check, actor=actor)))

    return idempotent(request, run)


@router.get("/spot-check-items", response=responses(200, SpotCheckItemPage, SIGNED_IN),
            summary="抽查事项列表：承办单位看到本单位的检查情况（待整改的先列）")  # fmt: skip
def list_items(
    request: HttpRequest, state: str | None = None, page: int | None = None, page_size: int | None = None
) -> HttpResponse:
    actor: User = request.auth  # type: ignore[attr-defined]
    require_role(actor, Role.OFFICE_STAFF, Role.CPPCC_STAFF, *DEPT_ROLES)
    qs = visible_items(actor).select_related(*ITEM_RELATED)
    if state is not None:
        if state not in ItemState.values:
            raise choice_error("state", ItemState.values)
        qs = qs.filter(state=state)
    return json_response(paginate(qs.order_by("-id"), page, page_size, lambda rows: [item_json(i) for i in rows]))


@router.get("/spot-check-items/{item_id}", response=responses(200, SpotCheckItemOut, SIGNED_IN, ON_OBJECT),
            summary="一件抽查事项")  # fmt: skip
def read_item(request: HttpRequest, item_id: int) -> HttpResponse:
    return _item(request.auth, item_id)  # type: ignore[attr-defined]


@router.post("/spot-check-items/{item_id}/finding",
             response=responses(200, SpotCheckItemOut, SIGNED_IN, WITH_BODY, ON_OBJECT, STATEFUL),
             openapi_extra=body_doc(FindingIn),
             summary="记录检查情况、结论和整改要求（督查室、政协提案委）")  # fmt: skip
def finding(request: HttpRequest, item_id: int) -> HttpResponse:
    actor: User = request.auth  # type: ignore[attr-defined]
    item = access_item(actor, item_id)
    actions.require_checker(actor, item.spot_check)
    data = parse_body(request, FindingIn)

    def run() -> HttpResponse:
        actions.record_finding(item, actor=actor, data=data)
        return _item(actor, item_id)

    return idempotent(request, run)


@router.post("/spot-check-items/{item_id}/answer",
             response=responses(200, SpotCheckItemOut, SIGNED_IN, WITH_BODY, ON_OBJECT, STATEFUL),
             openapi_extra=body_doc(AnswerIn),
             summary="反馈整改情况（被抽查的承办单位）")  # fmt: skip
def answer(request: HttpRequest, item_id: int) -> HttpResponse:
    actor: User = request.auth  # type: ignore[attr-defined]
    item = access_item(actor, item_id)
    actions.require_unit(actor, item)
    data = parse_body(request, AnswerIn)

    def run() -> HttpResponse:
        actions.answer_finding(item, actor=actor, text=data.text)
        return _item(actor, item_id)

    return idempotent(request, run)


@router.post("/spot-check-items/{item_id}/accept",
             response=responses(200, SpotCheckItemOut, SIGNED_IN, WITH_BODY, ON_OBJECT, STATEFUL),
             openapi_extra=body_doc(ReviewIn),
             summary="验收整改情况：accept=true 验收，false 退回整改（须写明理由）（督查室）")  # fmt: skip
def accept(request: HttpRequest, item_id: int) -> HttpResponse:
    actor: User = request.auth  # type: ignore[attr-defined]
    item = access_item(actor, item_id)
    actions.require_office(actor, item.spot_check)
    data = parse_body(request, ReviewIn)

    def run() -> HttpResponse:
        actions.review_answer(item, actor=actor, accept=data.accept, comment=data.comment)
        return _item(actor, item_id)

    return idempotent(request, run)
