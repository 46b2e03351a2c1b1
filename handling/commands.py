"""The assignment commands: for each action, its input schema and how parsed input calls the action.

The API (``api.endpoints.handling``) and the web pages (``web``) both go through this one table, so a rule or a
field exists once. A command's ``run`` may raise any ``DomainError``; access and role are checked by the
caller before the body is parsed (api.md's order of checks).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from handling.access import access_assignment, visible_assignments
from lib.errors import InvalidInput, NotFound
from lib.input import StrictSchema
from organisation.models import User
from organisation.queries import existing_departments

from . import actions
from .models import Assignment, ContactMethod, ContactStage, Rating, Reminder, ReplyMethod, ResultClass
from .states import AssignmentRole


@dataclass(frozen=True)
class Command:
    schema: type[BaseModel]
    run: Callable[[User, Assignment, Any], object]
    summary: str


COMMANDS: dict[str, Command] = {}


def _command(
    action: str, schema: type[BaseModel], run: Callable[[User, Assignment, Any], object], summary: str
) -> None:
    COMMANDS[action] = Command(schema, run, summary)


Text = Field(min_length=1, max_length=200_000)
OptText = Field("", max_length=200_000)


class Empty(StrictSchema):
    pass


class ReturnIn(StrictSchema):
    reason: str = Text


class UnitIn(StrictSchema):
    department_id: int
    role: AssignmentRole


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
    stage: ContactStage
    date: date
    method: ContactMethod
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
    result_class: ResultClass
    method: ReplyMethod
    is_public: bool
    contact_person: str = Field(min_length=1, max_length=50)
    contact_phone: str = Field(min_length=1, max_length=30)


class SignIn(StrictSchema):
    signed_on: date | None = None


class ReviewIn(StrictSchema):
    approve: bool
    comment: str = OptText
    result_class: ResultClass | None = None


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


class ConsultExtensionIn(StrictSchema):
    agree: bool
    opinion: str = OptText


class DecideExtensionIn(StrictSchema):
    approve: bool
    cppcc_consulted: bool
    comment: str = OptText


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


class RemindUnitsIn(StrictSchema):
    assignment_ids: list[int] = Field(min_length=1, max_length=1000)
    message: str = Text


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
    # Role, unit and state of every assignment are checked by the action, under lock.
    others = [access_assignment(actor, i) for i in dict.fromkeys(d.assignment_ids) if i != a.pk]
    meeting = actions.MeetingRecord(d.date, d.chair, d.participants, d.notes)
    actions.hold_reply_meeting([a, *others], actor=actor, meeting=meeting)


def _plan(actor: User, a: Assignment, d: PlanIn) -> None:
    departments = existing_departments([i.department_id for i in d.items], "items")
    items = [actions.PlanItem(i.text, dep, i.person, i.due_on) for dep, i in zip(departments, d.items, strict=True)]
    actions.plan_follow_up(a, actor=actor, items=items)


def _self_check(actor: User, a: Assignment, d: SelfCheckIn) -> None:
    planned = [actions.PlannedAction(x.text, x.due_on) for x in d.actions]
    actions.self_check(a, actor=actor, findings=d.findings, fulfilled=d.fulfilled, actions=planned)


_command("receive", Empty, lambda u, a, d: actions.receive(a, actor=u), "签收")
_command("request_return", ReturnIn, lambda u, a, d: actions.request_return(a, actor=u, reason=d.reason), "申请退回")
_command("decide_return", DecideReturnIn, _decide_return, "审批退回申请（可同时改派）")
_command("submit_form", FormIn, _submit_form, "填写承办单（拟办意见）")
_command(
    "approve_form",
    ApproveFormIn,
    lambda u, a, d: actions.approve_form(a, actor=u, instruction=d.instruction, approve=d.approve),
    "批准承办单",
)
_command("contact", ContactIn, _contact, "记录与提案人见面沟通（三见面）")
_command("co_opinion", CoOpinionIn, lambda u, a, d: actions.submit_co_opinion(a, actor=u, text=d.text), "提交协办意见")
_command(
    "government_decision",
    DecisionIn,
    lambda u, a, d: actions.record_government_decision(
        a, actor=u, report=d.report, decision=d.decision, decided_on=d.decided_on
    ),
    "记录政府对重大提案的决定",
)
_command("draft_reply", DraftIn, _draft, "起草答复函")
_command("sign_reply", SignIn, lambda u, a, d: actions.sign_reply(a, actor=u, signed_on=d.signed_on), "签发答复函")
_command(
    "review_reply",
    ReviewIn,
    lambda u, a, d: actions.review_reply(a, actor=u, approve=d.approve, comment=d.comment, result_class=d.result_class),
    "办公部门审核答复",
)
_command(
    "approve_reply",
    ApproveIn,
    lambda u, a, d: actions.approve_reply(a, actor=u, approve=d.approve, comment=d.comment),
    "政府领导审定答复",
)
_command("reply_meeting", MeetingIn, _meeting, "答复座谈会（可同时答复多件）")
_command(
    "request_extension",
    ExtensionIn,
    lambda u, a, d: actions.request_extension(a, actor=u, reason=d.reason, new_due_on=d.new_due_on),
    "申请延期",
)
_command(
    "consult_extension",
    ConsultExtensionIn,
    lambda u, a, d: actions.consult_extension(a, actor=u, agree=d.agree, opinion=d.opinion),
    "政协提案委对延期申请的协商意见",
)
_command(
    "decide_extension",
    DecideExtensionIn,
    lambda u, a, d: actions.decide_extension(
        a, actor=u, approve=d.approve, cppcc_consulted=d.cppcc_consulted, comment=d.comment
    ),
    "审批延期申请",
)
_command(
    "feedback",
    FeedbackIn,
    lambda u, a, d: actions.give_feedback(
        a, actor=u, attitude=d.attitude, result=d.result, comment=d.comment, proposer_id=d.proposer_id
    ),
    "提案人反馈意见",
)
_command("self_check", SelfCheckIn, _self_check, "回头看自查")
_command("follow_up_plan", PlanIn, _plan, "B类提案跟踪落实方案")
_command(
    "follow_up_done",
    ItemDoneIn,
    lambda u, a, d: actions.finish_follow_up_item(a, actor=u, item_id=d.item_id, note=d.note),
    "落实事项完成",
)
_command(
    "second_feedback",
    TextIn,
    lambda u, a, d: actions.give_second_feedback(a, actor=u, text=d.text),
    "二次反馈",
)
_command("remind", RemindIn, lambda u, a, d: actions.remind(a, actor=u, message=d.message), "催办")


def remind_units(actor: User, data: RemindUnitsIn) -> list[Reminder]:
    """``POST /assignments/remind``: the assignments named, each visible to the user (else 404), reminded at once."""
    ids = list(dict.fromkeys(data.assignment_ids))
    found = {a.pk: a for a in visible_assignments(actor).filter(pk__in=ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound("交办记录不存在或您无权查看。", details={"assignment_ids": missing})
    return actions.remind_units([found[i] for i in ids], actor=actor, message=data.message)
