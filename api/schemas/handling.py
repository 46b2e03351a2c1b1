"""Response models of the assignment endpoints: the shapes of ``handling.serialize``, for the OpenAPI document."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from api.schemas import Out, page_of
from handling.models import Rating, ReplyMethod, ResultClass
from handling.states import AssignmentRole, State

Light = Literal["green", "yellow", "red"]


class ReplyOut(Out):
    id: int
    version: int
    text: str
    result_class: ResultClass
    method: ReplyMethod
    is_public: bool
    contact_person: str
    contact_phone: str
    signed_on: date | None
    document_number: str = Field(
        "", description="文号（签发时按单位年度序列编号，如 示教提复〔2026〕12号）；未签发为空"
    )
    delivered_on: date | None
    note: str


class FeedbackOut(Out):
    id: int
    attitude: Rating
    result: Rating
    comment: str
    proposer: str | None
    on_paper: bool
    decisive: bool
    created_at: datetime


class FollowUpItemOut(Out):
    id: int
    text: str
    department_id: int
    person: str
    due_on: date
    done_on: date | None


class AssignmentOut(Out):
    id: int
    proposal_id: int
    department_id: int
    department: str
    role: AssignmentRole
    state: State
    assigned_on: date
    due_on: date
    max_due_on: date
    return_deadline: date
    co_opinion_due: date | None
    light: Light | None  # null for withdrawn, replied and closed assignments
    days_left: int | None
    reply: ReplyOut | None
    feedback: FeedbackOut | None
    follow_up_items: list[FollowUpItemOut]
    first_replied_on: date | None
    self_check_due: date | None
    calendar_warning: str | None
    allowed_actions: list[str] = Field(description="当前状态允许的操作（不论由谁办理），即 409 所列的操作")
    available_actions: list[str] = Field(description="当前用户此时可以办理的操作（已核对角色、单位、状态和办理条件）")


class PublicReplyOut(Out):
    proposal_id: int
    session: str
    year: int
    number: str
    title: str
    department: str
    result_class: ResultClass
    text: str
    signed_on: date | None


class RemindUnitsOut(Out):
    count: int = Field(description="催办的交办事项件数")
    assignment_ids: list[int]
    department_ids: list[int] = Field(description="被催办的承办单位")


AssignmentPage = page_of(AssignmentOut, "AssignmentPage")
PublicReplyPage = page_of(PublicReplyOut, "PublicReplyPage")
