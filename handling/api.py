"""Assignment endpoints: the to-do lists and one POST per action; plus the public replies.

Each action endpoint: find the assignment among those the user may see (404), check role and unit
(403), parse the body (400), then call the action, which checks state (409) and rules (422).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, Literal

from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router
from pydantic import BaseModel, Field

from api.http import StrictSchema, body_doc, idempotent, json_response, paginate, parse_body
from lib.errors import InvalidInput
from organisation.api import existing_departments
from organisation.models import User
from proposals.access import access_assignment, visible_assignments

from . import actions
from .models import Assignment, Reply
from .permissions import require_can_act
from .serialize import assignment_json, assignments_json, with_related
from .states import LIGHT_YELLOW_DAYS, State

router = Router(tags=["交办办理"])
public_router = Router(tags=["公开答复"])

Text = Field(min_length=1, max_length=200_000)
OptText = Field("", max_length=200_000)


class Empty(StrictSchema):
    pass


class ReturnIn(StrictSchema):
    reason: str = Text


class UnitIn(StrictSchema):
    department_id: int
    role: Literal["lead", "co"]


class DecideReturnIn(StrictSchema):
    approve: bool
    comment: str = OptText
    reassign: list[UnitIn] = Field(default_factory=list, max_length=100)


class FormIn(StrictSchema):
    opinion: str = Text
    handler_id: int


class ApproveFormIn(StrictSchema):
    instruction: str = OptText
    approve: bool = True


class ContactIn(StrictSchema):
    stage: Literal["before", "during", "after"]
    date: date
    method: Literal["visit", "meeting", "phone", "online", "other"]
    participants: str = OptText
    notes: str = OptText


class DecisionIn(StrictSchema):
    report: str = Text
    decision: str = Text
    decided_on: date


class CoOpinionIn(StrictSchema):
    text: str = Text


class DraftIn(StrictSchema):
    text: str = Text
    result_class: Literal["A", "B", "C"]
    method: Literal["written", "meeting", "onsite"]
    is_public: bool
    contact_person: str = Field(min_length=1, max_length=50)
    contact_phone: str = Field(min_length=1, max_length=30)


class SignIn(StrictSchema):
    signed_on: date | None = None


class ReviewIn(StrictSchema):
    approve: bool
    comment: str = OptText
    result_class: Literal["A", "B", "C"] | None = None


class ApproveIn(StrictSchema):
    approve: bool
    comment: str = OptText


class MeetingIn(StrictSchema):
    date: date
    chair: str = Field(min_length=1, max_length=100)
    participants: str = OptText
    notes: str = OptText
    assignment_ids: list[int] = Field(default_factory=list, max_length=500)


class ExtensionIn(StrictSchema):
    reason: str = Text
    new_due_on: date


class DecideExtensionIn(StrictSchema):
    approve: bool
    cppcc_consulted: bool
    comment: str = OptText


Rating = Literal["satisfied", "basically_satisfied", "unsatisfied"]


class FeedbackIn(StrictSchema):
    attitude: Rating
    result: Rating
    comment: str = OptText
    proposer_id: int | None = None


class PlannedActionIn(StrictSchema):
    text: str = Field(min_length=1, max_length=5000)
    due_on: date


class SelfCheckIn(StrictSchema):
    findings: str = Text
    fulfilled: bool
    actions: list[PlannedActionIn] = Field(default_factory=list, max_length=100)


class PlanItemIn(StrictSchema):
    text: str = Field(min_length=1, max_length=5000)
    department_id: int
    person: str = Field(min_length=1, max_length=50)
    due_on: date


class PlanIn(StrictSchema):
    items: list[PlanItemIn] = Field(min_length=1, max_length=100)


class ItemDoneIn(StrictSchema):
    item_id: int
    note: str = OptText


class TextIn(StrictSchema):
    text: str = Text


class RemindIn(StrictSchema):
    message: str = Text


def _fresh(a: Assignment) -> dict[str, Any]:
    return assignment_json(with_related(Assignment.objects.filter(pk=a.pk)).get())


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
            return json_response(_fresh(a))  # every action answers with the updated assignment

        return idempotent(request, act)

    view.__name__ = action
    path = "/assignments/{assignment_id}/" + action.replace("_", "-")
    extra = body_doc(schema) if schema is not Empty else None
    router.post(path, openapi_extra=extra, summary=summary, operation_id=action)(view)


def _decide_return(actor: User, a: Assignment, d: DecideReturnIn) -> Assignment:
    departments = existing_departments([u.department_id for u in d.reassign], "reassign")
    units = [actions.UnitAssignment(dep, u.role) for dep, u in zip(departments, d.reassign, strict=True)]
    return actions.decide_return(a, actor=actor, approve=d.approve, comment=d.comment, reassign=units)


def _submit_form(actor: User, a: Assignment, d: FormIn) -> Assignment:
    handler = User.objects.filter(pk=d.handler_id).first()
    if handler is None:
        raise InvalidInput("经办人不存在。", details={"field": "handler_id"})
    return actions.submit_form(a, actor=actor, opinion=d.opinion, handler=handler)


def _contact(actor: User, a: Assignment, d: ContactIn) -> None:
    actions.record_contact(
        a, actor=actor, stage=d.stage, on=d.date, method=d.method, participants=d.participants, notes=d.notes
    )


def _draft(actor: User, a: Assignment, d: DraftIn) -> None:
    draft = actions.ReplyDraft(d.text, d.result_class, d.method, d.is_public, d.contact_person, d.contact_phone)
    actions.draft_reply(a, actor=actor, draft=draft)


def _meeting(actor: User, a: Assignment, d: MeetingIn) -> None:
    others = []
    for other_id in dict.fromkeys(d.assignment_ids):
        if other_id != a.pk:
            other = access_assignment(actor, other_id)
            require_can_act(actor, "reply_meeting", other)
            others.append(other)
    meeting = actions.MeetingRecord(d.date, d.chair, d.participants, d.notes)
    actions.hold_reply_meeting([a, *others], actor=actor, meeting=meeting)


def _plan(actor: User, a: Assignment, d: PlanIn) -> None:
    departments = existing_departments([i.department_id for i in d.items], "items")
    items = [actions.PlanItem(i.text, dep, i.person, i.due_on) for dep, i in zip(departments, d.items, strict=True)]
    actions.plan_follow_up(a, actor=actor, items=items)


def _self_check(actor: User, a: Assignment, d: SelfCheckIn) -> None:
    planned = [actions.PlannedAction(x.text, x.due_on) for x in d.actions]
    actions.self_check(a, actor=actor, findings=d.findings, fulfilled=d.fulfilled, actions=planned)


_endpoint("receive", Empty, lambda u, a, d: actions.receive(a, actor=u), "签收")
_endpoint("request_return", ReturnIn, lambda u, a, d: actions.request_return(a, actor=u, reason=d.reason), "申请退回")
_endpoint("decide_return", DecideReturnIn, _decide_return, "审批退回申请（可同时改派）")
_endpoint("submit_form", FormIn, _submit_form, "填写承办单（拟办意见）")
_endpoint(
    "approve_form",
    ApproveFormIn,
    lambda u, a, d: actions.approve_form(a, actor=u, instruction=d.instruction, approve=d.approve),
    "批准承办单",
)
_endpoint("contact", ContactIn, _contact, "记录与提案人见面沟通（三见面）")
_endpoint("co_opinion", CoOpinionIn, lambda u, a, d: actions.submit_co_opinion(a, actor=u, text=d.text), "提交协办意见")
_endpoint(
    "government_decision",
    DecisionIn,
    lambda u, a, d: actions.record_government_decision(
        a, actor=u, report=d.report, decision=d.decision, decided_on=d.decided_on
    ),
    "记录政府对重大提案的决定",
)
_endpoint("draft_reply", DraftIn, _draft, "起草答复函")
_endpoint("sign_reply", SignIn, lambda u, a, d: actions.sign_reply(a, actor=u, signed_on=d.signed_on), "签发答复函")
_endpoint(
    "review_reply",
    ReviewIn,
    lambda u, a, d: actions.review_reply(a, actor=u, approve=d.approve, comment=d.comment, result_class=d.result_class),
    "办公部门审核答复",
)
_endpoint(
    "approve_reply",
    ApproveIn,
    lambda u, a, d: actions.approve_reply(a, actor=u, approve=d.approve, comment=d.comment),
    "政府领导审定答复",
)
_endpoint("reply_meeting", MeetingIn, _meeting, "答复座谈会（可同时答复多件）")
_endpoint(
    "request_extension",
    ExtensionIn,
    lambda u, a, d: actions.request_extension(a, actor=u, reason=d.reason, new_due_on=d.new_due_on),
    "申请延期",
)
_endpoint(
    "decide_extension",
    DecideExtensionIn,
    lambda u, a, d: actions.decide_extension(
        a, actor=u, approve=d.approve, cppcc_consulted=d.cppcc_consulted, comment=d.comment
    ),
    "审批延期申请",
)
_endpoint(
    "feedback",
    FeedbackIn,
    lambda u, a, d: actions.give_feedback(
        a, actor=u, attitude=d.attitude, result=d.result, comment=d.comment, proposer_id=d.proposer_id
    ),
    "提案人反馈意见",
)
_endpoint("self_check", SelfCheckIn, _self_check, "回头看自查")
_endpoint("follow_up_plan", PlanIn, _plan, "B类提案跟踪落实方案")
_endpoint(
    "follow_up_done",
    ItemDoneIn,
    lambda u, a, d: actions.finish_follow_up_item(a, actor=u, item_id=d.item_id, note=d.note),
    "落实事项完成",
)
_endpoint(
    "second_feedback",
    TextIn,
    lambda u, a, d: actions.give_second_feedback(a, actor=u, text=d.text),
    "二次反馈",
)
_endpoint("remind", RemindIn, lambda u, a, d: actions.remind(a, actor=u, message=d.message), "催办")


def _parse_date(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(f"{name} 日期格式应为 YYYY-MM-DD。", details={"fields": {name: "日期格式不正确"}}) from exc


@router.get("/assignments", summary="待办列表（按角色限定范围）")
def list_assignments(
    request: HttpRequest,
    department: int | None = None,
    state: str | None = None,
    light: str | None = None,
    due_before: str | None = None,
    proposal: int | None = None,
    role: str | None = None,
    page: int | None = None,
    page_size: int | None = None,
) -> HttpResponse:
    actor: User = request.auth  # type: ignore[attr-defined]
    qs = visible_assignments(actor)
    if department is not None:
        qs = qs.filter(department_id=department)
    if state:
        states = state.split(",")
        if not set(states) <= set(State.values):
            raise InvalidInput("state 取值不正确。", details={"fields": {"state": "取值不在允许范围内"}})
        qs = qs.filter(state__in=states)
    if light:
        today = timezone.localdate()
        yellow_until = today + timedelta(days=LIGHT_YELLOW_DAYS)
        conditions = {
            "red": Q(watch_on__lt=today),
            "yellow": Q(watch_on__gte=today, watch_on__lte=yellow_until),
            "green": Q(watch_on__gt=yellow_until),
        }
        if light not in conditions:
            raise InvalidInput(
                "light 只能是 green、yellow 或 red。", details={"fields": {"light": "取值不在允许范围内"}}
            )
        qs = qs.filter(conditions[light])
    before = _parse_date(due_before, "due_before")
    if before is not None:
        qs = qs.filter(due_on__lt=before)
    if proposal is not None:
        qs = qs.filter(proposal_id=proposal)
    if role:
        qs = qs.filter(role=role)
    qs = with_related(qs.order_by("watch_on", "pk"))
    return json_response(paginate(qs, page, page_size, assignments_json))


@router.get("/assignments/{assignment_id}", summary="交办详情")
def read_assignment(request: HttpRequest, assignment_id: int) -> HttpResponse:
    actor: User = request.auth  # type: ignore[attr-defined]
    return json_response(_fresh(access_assignment(actor, assignment_id)))


@public_router.get("/public/replies", auth=None, summary="公开答复（无需登录）")
def public_replies(
    request: HttpRequest, q: str | None = None, year: int | None = None,
    page: int | None = None, page_size: int | None = None,
) -> HttpResponse:  # fmt: skip
    later = Reply.objects.filter(
        assignment_id=OuterRef("assignment_id"), version__gt=OuterRef("version"), delivered_on__isnull=False
    )
    qs = Reply.objects.filter(delivered_on__isnull=False, is_public=True, assignment__proposal__is_public=True).exclude(
        Exists(later)
    )
    if year is not None:
        qs = qs.filter(assignment__proposal__year=year)
    if q:
        if len(q) > 200:
            raise InvalidInput("检索词过长。")
        qs = qs.filter(Q(assignment__proposal__title__icontains=q) | Q(text__icontains=q))
    qs = qs.select_related("assignment__proposal__session", "assignment__department").order_by("-delivered_on", "-pk")

    def shape(rows: list[Reply]) -> list[dict[str, Any]]:
        return [
            {
                "proposal_id": r.assignment.proposal_id,
                "session": r.assignment.proposal.session.name,
                "year": r.assignment.proposal.year,
                "number": r.assignment.proposal.number,
                "title": r.assignment.proposal.title,
                "department": r.assignment.department.name,
                "result_class": r.result_class,
                "text": r.text,
                "signed_on": r.signed_on,
            }
            for r in rows
        ]

    return json_response(paginate(qs, page, page_size, shape))
