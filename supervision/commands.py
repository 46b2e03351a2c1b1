"""The input of each supervision action and how parsed input calls it: shared by the API and the pages,
so each field and rule exists once."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from lib.errors import InvalidInput
from lib.input import StrictSchema
from organisation.models import Department, User
from proposals.models import Proposal

from . import actions
from .models import Instruction, Milestone, ProgressNote


class MilestoneIn(StrictSchema):
    title: str = Field(min_length=1, max_length=200)
    due_on: date
    department_id: int


class MilestoneDoneIn(StrictSchema):
    note: str = Field("", max_length=20000)
    done_on: date | None = None


class ProgressNoteIn(StrictSchema):
    text: str = Field(min_length=1, max_length=20000)


class InstructionIn(StrictSchema):
    text: str = Field(min_length=1, max_length=20000)
    leader_id: int | None = None  # the office names the leader whose instruction it records


def add_milestone(actor: User, proposal: Proposal, data: MilestoneIn) -> Milestone:
    department = Department.objects.filter(pk=data.department_id).first()
    if department is None:
        raise InvalidInput("责任单位不存在。", details={"field": "department_id"})
    title = data.title.strip()
    if not title:
        raise InvalidInput("请填写节点内容。", details={"field": "title"})
    return actions.add_milestone(proposal, actor=actor, title=title, due_on=data.due_on, department=department)


def finish_milestone(actor: User, milestone: Milestone, data: MilestoneDoneIn) -> Milestone:
    return actions.finish_milestone(milestone, actor=actor, note=data.note.strip(), done_on=data.done_on)


def add_progress_note(actor: User, proposal: Proposal, data: ProgressNoteIn) -> ProgressNote:
    text = data.text.strip()
    if not text:
        raise InvalidInput("请填写进展情况。", details={"field": "text"})
    return actions.add_progress_note(proposal, actor=actor, text=text)


def record_instruction(actor: User, proposal: Proposal, data: InstructionIn) -> Instruction:
    leader = None
    if data.leader_id is not None:
        leader = User.objects.filter(pk=data.leader_id).first()
        if leader is None:
            raise InvalidInput("批示领导不存在。", details={"field": "leader_id"})
    text = data.text.strip()
    if not text:
        raise InvalidInput("请填写批示内容。", details={"field": "text"})
    return actions.record_instruction(proposal, actor=actor, text=text, leader=leader)
