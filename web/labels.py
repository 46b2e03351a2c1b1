"""What users read about states, actions and deadlines (the official terms of domain.md)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.urls import reverse
from django.utils import timezone

from attachments.models import Kind as AttachmentKind
from handling import states
from handling.models import ContactMethod, ContactStage
from handling.states import LIGHT_YELLOW_DAYS, State, light_for
from organisation.models import DEPT_ROLES, Role, User
from proposals.models import ProposalStatus
from spotchecks.models import EVENT_LABELS as SPOT_CHECK_EVENTS
from supervision.labels import EVENT_LABELS as SUPERVISION_EVENT_LABELS

from .action_forms import ASSIGNMENT_FORMS

EVENT_LABELS = {
    "register": "登记提案",
    "set_flags": "标记重点提案/建议案",
    "instruction": "领导批示",
    "assign": "交办",
    **{name: form.title for name, form in ASSIGNMENT_FORMS.items()},
    "feedback": "反馈意见",
    "cosigner_feedback": "附议人反馈意见",
    "attach": "上传附件",
    **SPOT_CHECK_EVENTS,
    **SUPERVISION_EVENT_LABELS,
}
# A contact names its stage and way ("办中见面（电话）"), so that three contacts do not read as three
# identical lines; the stage reads as the form that recorded it says.
CONTACT_STAGES = dict(ContactStage.choices)


def event_title(action: str, data: dict[str, Any]) -> str:
    """What a timeline line says the step was: the action's label, a contact's stage and way."""
    if action == "contact" and data.get("stage") in CONTACT_STAGES:
        way = dict(ContactMethod.choices).get(data.get("method", ""), "")
        return CONTACT_STAGES[data["stage"]] + (f"（{way}）" if way else "")
    if action == "attach" and data.get("kind") in AttachmentKind.values:
        # which file, and what it is: 上传附件（现场办理照片）：现场.jpg
        return f"{EVENT_LABELS[action]}（{AttachmentKind(data['kind']).label}）：{data.get('name', '')}"
    return EVENT_LABELS.get(action, action)


LIGHT_LABELS = {"red": "红灯（已超期）", "yellow": f"黄灯（{LIGHT_YELLOW_DAYS}日内到期）", "green": "绿灯"}
# A proposal's events move its status (registered…), an assignment's its state; the words agree where
# both have the same code (handling, replied, closed).
STATE_LABELS = {**dict(ProposalStatus.choices), **dict(State.choices)}


def days_left(due: date | None, today: date | None = None) -> int | None:
    return states.days_left(due, today or timezone.localdate())


def light(due: date | None, today: date | None = None) -> str | None:
    return light_for(days_left(due, today))


def workbench_url(user: User) -> str:
    """Where each role lands after signing in."""
    if user.role == Role.OFFICE_STAFF:
        return reverse("office")
    if user.role == Role.CPPCC_STAFF:
        return reverse("cppcc")
    if user.role == Role.GOV_LEADER:
        return reverse("leader")
    if user.role in DEPT_ROLES:
        return reverse("unit")
    if user.role == Role.MEMBER:
        return reverse("member")
    if not user.role and not user.is_superuser and user.has_perm("audit.view_auditentry"):
        return reverse("audit")  # the auditor (审计管理员) has no workbench of the process
    return reverse("proposals")
