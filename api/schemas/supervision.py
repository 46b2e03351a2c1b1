"""Response models of the supervision endpoints (动态督办): the shapes of ``supervision.serialize``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from api.schemas import Out, page_of
from api.schemas.proposals import PersonOut

Light = Literal["red", "yellow", "green"]


class NextMilestoneOut(Out):
    id: int
    title: str
    due_on: date
    department_id: int
    department: str


class SupervisionSummaryOut(Out):
    proposal_id: int
    session: str
    year: int
    number: str
    title: str
    is_key: bool
    is_suggestion: bool
    status: str
    light: Light
    watch_on: date | None
    next_milestone: NextMilestoneOut | None


SupervisionPage = page_of(SupervisionSummaryOut, "SupervisionPage")


class MilestoneOut(Out):
    id: int
    proposal_id: int
    title: str
    due_on: date
    department_id: int
    department: str
    done_on: date | None
    note: str
    light: Light | None  # null once done
    remind_on: date | None


class ProgressNoteOut(Out):
    id: int
    department_id: int | None  # null: written by the office
    department: str
    text: str
    author: PersonOut
    at: datetime


class SupervisionInstructionOut(Out):
    id: int
    leader: PersonOut
    text: str
    recorded_by: PersonOut
    at: datetime


class UnitOut(Out):
    department_id: int
    department: str
    role: str
    state: str


class SupervisionOut(SupervisionSummaryOut):
    units: list[UnitOut]
    milestones: list[MilestoneOut]
    progress_notes: list[ProgressNoteOut]
    instructions: list[SupervisionInstructionOut]
