"""Template helpers: navigation per role, lights, days left, labels of states and events, proposal numbers
and dates as offices write them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django import template
from django.db.models import prefetch_related_objects
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from lib.dates import cn_date as _cn_date
from notifications.models import Notification
from organisation.models import DEPT_ROLES, Role, User
from proposals.models import Proposal

from .. import labels
from ..labels import EVENT_LABELS, LIGHT_LABELS, STATE_LABELS

register = template.Library()

# (label, URL name) of each role's menu
NAV = {
    Role.OFFICE_STAFF: [
        ("交办督办", "office"),
        ("督办驾驶舱", "dashboard"),
        ("提案", "proposals"),
        ("办理进度", "assignments"),
        ("登录锁定", "lockouts"),
    ],
    Role.CPPCC_STAFF: [
        ("提案委工作台", "cppcc"),
        ("督办驾驶舱", "dashboard"),
        ("提案", "proposals"),
        ("办理进度", "assignments"),
    ],
    Role.GOV_LEADER: [("领导工作台", "leader"), ("督办驾驶舱", "dashboard"), ("提案", "proposals")],
    Role.MEMBER: [("我的提案", "member")],
}
UNIT_NAV = [("承办工作台", "unit"), ("本单位提案", "proposals"), ("全部交办", "assignments")]


@register.filter
def nav_items(user: User) -> list[dict[str, str]]:
    if user.role in DEPT_ROLES:
        items = UNIT_NAV
    elif user.is_superuser and not user.role:
        items = [("提案", "proposals"), ("办理进度", "assignments"), ("登录锁定", "lockouts")]
        items += [("管理后台", "admin:index")]
    else:
        items = NAV.get(Role(user.role), []) if user.role in Role.values else []
    return [{"label": label, "url": reverse(name)} for label, name in items]


# The "督办" menu beside the role's items (a dropdown in base.html): (label, URL name, the roles that see it,
# whether a superuser without a role does: pages of one office's own jurisdiction need one).
SUPERVISION_NAV = [
    ("不满意分析", "unsatisfied_analysis", {Role.OFFICE_STAFF, Role.CPPCC_STAFF, Role.GOV_LEADER}, True),
    ("目标考核", "office-assessment", {Role.OFFICE_STAFF, Role.CPPCC_STAFF, Role.GOV_LEADER}, False),
    ("政协评议", "office-assessment-evaluations", {Role.CPPCC_STAFF}, False),
    ("动态督办", "supervision_list", {Role.OFFICE_STAFF, Role.CPPCC_STAFF, Role.GOV_LEADER, *DEPT_ROLES}, False),
    ("抽查", "spotcheck_list", {Role.OFFICE_STAFF, Role.CPPCC_STAFF}, False),
    ("抽查整改", "unit_spotchecks", set(DEPT_ROLES), False),
    ("进展通报", "circular_page", {Role.OFFICE_STAFF}, False),
    ("收到的通报", "circulars", set(DEPT_ROLES), False),
    ("年度报告", "annual_report_page", {Role.OFFICE_STAFF}, False),
]


@register.filter
def audit_nav(user: User) -> bool:
    """Whether the menu shows 安全审计: to superusers and the auditor (审计管理员), an account without a role in
    the process (等保's separation of duties, as ``labels.workbench_url`` has it). A process account is not asked
    for its permissions, which would cost every page two queries; the page itself checks (audit.queries)."""
    if user.is_superuser:
        return True
    return not user.role and user.has_perm("audit.view_auditentry")


@register.filter
def supervision_nav(user: User) -> list[dict[str, str]]:
    """The items of the "督办" menu the user sees (none: no menu)."""
    no_role = user.is_superuser and not user.role
    return [
        {"label": label, "url": reverse(name)}
        for label, name, roles, superuser in SUPERVISION_NAV
        if user.role in roles or (no_role and superuser)
    ]


@register.filter
def percent(rate: float | None) -> str:
    """A rate 0..1 as the reports write it (98.5%); none yet (nothing to count) is a dash."""
    return "—" if rate is None else f"{rate * 100:.1f}%".replace(".0%", "%")


@register.filter
def unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


@register.filter
def state_label(state: str) -> str:
    return STATE_LABELS.get(state, state)


@register.filter
def event_label(action: str) -> str:
    return EVENT_LABELS.get(action, action)


@register.filter
def event_title(event: Any) -> str:
    """A timeline line's title (``labels.event_title``): a contact says its stage and way."""
    return labels.event_title(event.action, event.data if isinstance(event.data, dict) else {})


NOTE_KEYS = ("reason", "comment", "instruction", "opinion", "message", "note", "text", "findings")


@register.filter
def event_note(event: Any) -> str:
    """The words a person wrote with this step (a reason, a comment…), if any."""
    data = event.data if isinstance(event.data, dict) else {}
    return next((str(data[k]) for k in NOTE_KEYS if isinstance(data.get(k), str) and data[k]), "")


@register.simple_tag
def light_badge(light: str | None, days: int | None = None) -> SafeString:
    """A coloured badge with words, not colour alone (readable without colour vision)."""
    if light is None:
        return mark_safe('<span class="text-body-secondary">—</span>')  # noqa: S308 - a constant
    if days is None:
        text = LIGHT_LABELS[light]
    elif days < 0:
        text = f"超期 {-days} 天"
    elif days == 0:
        text = "今日到期"
    else:
        text = f"剩 {days} 天"
    return format_html('<span class="light light-{}" title="{}">{}</span>', light, LIGHT_LABELS[light], text)


@register.filter
def cn_date(value: date | datetime | str | None) -> str:
    """A date as offices write it (2026年12月2日), also one kept as ISO text in an event's or a plan's data."""
    if not isinstance(value, str):
        return _cn_date(value)
    try:
        return _cn_date(date.fromisoformat(value[:10]))
    except ValueError:
        return value


def _proposal_of(row: Any) -> Proposal | None:
    """The proposal a list row is about: the row itself, or what it refers to (assignment, request…)."""
    obj = row.get("o", row.get("a")) if isinstance(row, dict) else row
    for _ in range(3):  # a proposal, an assignment or instruction, or a request on an assignment
        if obj is None or isinstance(obj, Proposal):
            return obj
        obj = getattr(obj, "proposal", None) if hasattr(obj, "proposal_id") else getattr(obj, "assignment", None)
    return None


@register.filter
def with_sessions(rows: Iterable[Any]) -> list[Any]:
    """The rows, with the sessions of their proposals loaded in one query: a list shows each number with its
    session (``Proposal.number_label``), and a view that selected them already costs nothing more."""
    rows = list(rows)
    proposals = [p for p in map(_proposal_of, rows) if p is not None]
    prefetch_related_objects(proposals, "session")
    return rows


@register.filter
def get(mapping: Any, key: str) -> Any:
    if mapping is None:
        return None
    if hasattr(mapping, "getlist"):
        return mapping.get(key)
    return mapping.get(key) if isinstance(mapping, dict) else getattr(mapping, key, None)


@register.filter
def getlist(mapping: Any, key: str) -> list[str]:
    if hasattr(mapping, "getlist"):
        return [str(v) for v in mapping.getlist(key)]
    value = mapping.get(key) if isinstance(mapping, dict) else None
    return [str(v) for v in value] if isinstance(value, list) else []


@register.filter
def row_key(prefix: str, n: int) -> str:
    return f"{prefix}-{n}-"


@register.filter
def concat(a: Any, b: Any) -> str:
    return f"{a}{b}"


@register.filter
def as_str(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return "" if value is None else str(value)


@register.filter
def page_url(result: Any, number: int) -> str:
    return str(result.page_url(number))
