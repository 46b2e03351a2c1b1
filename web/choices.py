"""The options of the fields whose choices depend on the case (units, people, open items)."""

from __future__ import annotations

from typing import Any

from handling.access import visible_assignments
from handling.models import Assignment, FollowUpItem
from handling.permissions import can_act
from handling.states import State
from lib.dates import cn_date
from organisation.models import Department, Role, User
from proposals.models import Proposal

from .action_forms import ActionForm
from .forms import row_indexes


def _departments(jurisdiction_id: int) -> list[tuple[str, str]]:
    rows = Department.objects.filter(jurisdiction_id=jurisdiction_id, is_active=True).order_by("code", "pk")
    return [(str(d.pk), d.name) for d in rows]


# A unit's people as the 承办单 names them, the handlers (who usually handle) first.
STAFF_ROLES = {Role.DEPT_HANDLER: "经办人", Role.DEPT_LEADER: "分管领导", Role.DEPT_HEAD: "主要负责人"}


def _staff(department_id: int) -> list[tuple[str, str]]:
    staff = User.objects.filter(department_id=department_id, role__in=list(STAFF_ROLES), is_active=True)
    titled = [(u, STAFF_ROLES[Role(u.role or "")]) for u in staff]
    order = list(STAFF_ROLES.values())
    titled.sort(key=lambda t: (order.index(t[1]), t[0].pk))
    return [(str(u.pk), f"{u.display_name}（{title}）") for u, title in titled]


def _kinds(form: ActionForm) -> set[str]:
    kinds = set()
    for f in form.fields:
        kinds.add(f.kind)
        kinds.update(c.kind for c in f.columns)
    return kinds


def for_proposal(form: ActionForm, proposal: Proposal) -> dict[str, list[tuple[str, str]]]:
    kinds = _kinds(form)
    options: dict[str, list[tuple[str, str]]] = {}
    if "departments" in kinds:
        options["departments"] = _departments(proposal.jurisdiction_id)
    if "leaders" in kinds:
        leaders = User.objects.filter(role=Role.GOV_LEADER, jurisdiction_id=proposal.jurisdiction_id, is_active=True)
        options["leaders"] = [(str(u.pk), u.display_name) for u in leaders.order_by("pk")]
    return options


def for_assignment(form: ActionForm, a: Assignment, actor: User) -> dict[str, list[tuple[str, str]]]:
    kinds = _kinds(form)
    options = for_proposal(form, a.proposal)
    if "users" in kinds:
        options["users"] = _staff(a.department_id)
    if "proposers" in kinds:
        proposers = a.proposal.proposers.order_by("position")
        options["proposers"] = [(str(p.pk), p.name + ("（第一提案人）" if p.position == 0 else "")) for p in proposers]
    if "open_items" in kinds:
        items = FollowUpItem.objects.filter(assignment=a, done_on__isnull=True).order_by("pk")
        options["open_items"] = [(str(i.pk), f"{i.text}（{i.person}，{cn_date(i.due_on)}前）") for i in items]
    if "meeting_peers" in kinds:
        peers = (
            visible_assignments(actor)
            .filter(state=State.APPROVED, role=a.role)
            .exclude(pk=a.pk)
            .select_related("proposal__session", "department")
            .order_by("proposal_id")[:100]
        )
        options["meeting_peers"] = [
            (str(p.pk), f"第{p.proposal.number}号《{p.proposal.title}》— {p.department.name}")
            for p in peers
            if can_act(actor, "reply_meeting", p)
        ]
    return options


def row_numbers(form: ActionForm, posted: Any) -> dict[str, list[int]]:
    """Row indexes to draw for each row field: the posted rows (to keep what was typed), else blank ones."""
    result = {}
    for f in form.fields:
        if f.kind != "rows":
            continue
        result[f.name] = row_indexes(posted, f.name) or list(range(f.rows))
    return result
