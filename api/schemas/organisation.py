"""Response models of the organisation endpoints (``api.endpoints.organisation``), for the OpenAPI document."""

from __future__ import annotations

from datetime import datetime

from api.schemas import Out, page_of
from organisation.models import Role


class TokenOut(Out):
    token: str
    expires_at: datetime


class MeOut(Out):
    id: int
    username: str
    name: str
    role: Role | None  # null for a superuser (api.md)
    department_id: int | None
    jurisdiction_id: int | None
    is_superuser: bool


class RulesOut(Out):
    reply_months: int
    max_extension_months: int
    return_window_days: int
    return_window_working: bool
    co_opinion_months: int
    self_check_months: int
    rehandle_months: int
    feedback_days: int
    deadline_rolls_to_workday: bool


class JurisdictionOut(Out):
    id: int
    name: str
    parent_id: int | None
    rules: RulesOut


class DepartmentOut(Out):
    id: int
    name: str
    short_name: str
    code: str
    jurisdiction_id: int
    duties: str


class UserOut(Out):
    id: int
    username: str
    name: str
    role: Role | None
    jurisdiction_id: int | None
    department_id: int | None
    phone: str
    email: str
    charged_department_ids: list[int]


class UnlockOut(Out):
    user_id: int
    username: str
    locked: bool
    cleared: int


class PasswordResetOut(Out):
    user_id: int
    must_change_password: bool


JurisdictionPage = page_of(JurisdictionOut, "JurisdictionPage")
DepartmentPage = page_of(DepartmentOut, "DepartmentPage")
