"""Every change to a supervision goes through one function here (动态督办).

Each function locks the proposal (as every handling action does: it serialises the actions on one
proposal and its history chain), then the milestone it changes; checks role and unit (403), state (409)
and the rules (422); writes the rows, the history event and the messages (``notify``: the outbox) in the
same transaction. The reminder scan (``reminders``) takes
its locks in the same order. The API and the pages call these and nothing else.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from handling.deadlines import next_reminder
from history.recording import record_event
from lib.dates import cn_date
from lib.errors import InvalidInput, InvalidTransition, RuleViolation
from notifications.delivery import notify, office_users, unit_users
from organisation.models import Department, Role, User
from proposals.models import Proposal, ProposalStatus

from .models import Instruction, Milestone, Plan, ProgressNote
from .permissions import (
    active_unit_ids,
    require_may_finish,
    require_may_instruct,
    require_may_set_milestones,
    require_may_write_note,
)


def today() -> date:
    return timezone.localdate()


def label(p: Proposal) -> str:
    return f"{p.session.name}第{p.number}号提案《{p.title}》"


def _lock(proposal_id: int) -> Proposal:
    return (
        Proposal.objects.select_for_update(of=("self",), no_key=True)
        .select_related("session", "jurisdiction")
        .get(pk=proposal_id)
    )


def _require_supervised(p: Proposal) -> None:
    if not p.is_key_or_suggestion:
        raise RuleViolation("not_key_proposal", "只有重点提案和建议案列入动态督办。")


def _plan(p: Proposal, actor: User) -> Plan:
    """The proposal's plan, made with its first record (the proposal's lock is held: no second plan)."""
    plan = Plan.objects.filter(proposal=p).first()
    return plan if plan is not None else Plan.objects.create(proposal=p, created_by=actor)


def _refresh(plan: Plan) -> None:
    """Keep the earliest open milestone and its date on the plan: what the light and the lists read."""
    first = plan.milestones.filter(done_on__isnull=True).order_by("due_on", "pk").first()
    plan.next_milestone = first
    plan.watch_on = first.due_on if first is not None else None
    plan.save(update_fields=["next_milestone", "watch_on"])


def _units_of(p: Proposal) -> list[User]:
    users: list[User] = []
    for department_id in sorted(active_unit_ids(p)):
        users += unit_users(department_id)
    return users


def _record(p: Proposal, action: str, *, actor: User | None, data: dict[str, Any]) -> None:
    record_event(p, action, actor=actor, from_state=p.status, to_state=p.status, data=data)


@transaction.atomic
def add_milestone(proposal: Proposal, *, actor: User, title: str, due_on: date, department: Department) -> Milestone:
    """Set a milestone (督办节点) with its date and responsible unit, one of the proposal's units."""
    p = _lock(proposal.pk)
    require_may_set_milestones(actor, p)
    if p.status == ProposalStatus.REGISTERED:
        raise InvalidTransition("提案尚未交办，不能设置督办节点。", details={"state": p.status})
    _require_supervised(p)
    if department.pk not in active_unit_ids(p):
        raise RuleViolation(
            "unit_not_assigned", f"{department.name}不是该提案的承办单位。", details={"field": "department_id"}
        )
    if due_on < today():
        raise RuleViolation("date_in_past", "完成时限不能早于今天。", details={"field": "due_on"})
    plan = _plan(p, actor)
    m = Milestone.objects.create(
        plan=plan, title=title, due_on=due_on, department=department, created_by=actor,
        remind_on=next_reminder(due_on, today()),
    )  # fmt: skip
    _refresh(plan)
    _record(p, "supervision_milestone", actor=actor, data={
        "milestone_id": m.pk, "title": title, "due_on": due_on.isoformat(),
        "department_id": department.pk, "department": department.name,
    })  # fmt: skip
    notify(
        unit_users(department.pk),
        f"督办：{label(p)}设置了督办节点“{title}”，责任单位{department.name}，完成时限{cn_date(due_on)}。",
        proposal_id=p.pk,
    )
    return m


@transaction.atomic
def finish_milestone(milestone: Milestone, *, actor: User, note: str = "", done_on: date | None = None) -> Milestone:
    """Mark a milestone done (节点完成) by its responsible unit; its reminders stop."""
    p = _lock(milestone.plan.proposal_id)
    m = Milestone.objects.select_for_update(of=("self",)).select_related("plan", "department").get(pk=milestone.pk)
    require_may_finish(actor, m)
    if m.done_on is not None:
        raise InvalidTransition(f"该督办节点已于{cn_date(m.done_on)}完成。", details={"state": "done"})
    done_on = done_on or today()
    if done_on > today():
        raise RuleViolation("date_in_future", "完成日期不能晚于今天。", details={"field": "done_on"})
    m.done_on, m.note, m.done_by, m.remind_on = done_on, note, actor, None
    m.save(update_fields=["done_on", "note", "done_by", "remind_on"])
    _refresh(m.plan)
    _record(p, "supervision_milestone_done", actor=actor, data={
        "milestone_id": m.pk, "title": m.title, "done_on": done_on.isoformat(), "note": note,
        "department": m.department.name,
    })  # fmt: skip
    notify(
        office_users(p.jurisdiction_id),
        f"督办：{m.department.name}已完成{label(p)}的督办节点“{m.title}”。{note}",
        proposal_id=p.pk,
    )
    return m


@transaction.atomic
def add_progress_note(proposal: Proposal, *, actor: User, text: str) -> ProgressNote:
    """Report progress (进展情况): a unit on its own handling, or the office on the whole."""
    p = _lock(proposal.pk)
    require_may_write_note(actor, p)
    _require_supervised(p)
    by_unit = actor.role != Role.OFFICE_STAFF and actor.department_id is not None
    department = actor.department if by_unit else None
    note = ProgressNote.objects.create(plan=_plan(p, actor), department=department, text=text, author=actor)
    _record(p, "supervision_progress", actor=actor, data={
        "note_id": note.pk, "text": text, "department": department.name if department else "督查室",
    })  # fmt: skip
    if department is not None:
        notify(office_users(p.jurisdiction_id), f"督办：{department.name}报送了{label(p)}的办理进展。",
                     proposal_id=p.pk)  # fmt: skip
    else:
        notify(_units_of(p), f"督办：督查室记录了{label(p)}的督办进展：{text}", proposal_id=p.pk)
    return note


@transaction.atomic
def record_instruction(proposal: Proposal, *, actor: User, text: str, leader: User | None = None) -> Instruction:
    """Record a leader's instruction on the supervision (督办批示): the leader in charge gives it, or the
    office records one given on paper, naming the leader."""
    p = _lock(proposal.pk)
    require_may_instruct(actor, p)
    if actor.role == Role.GOV_LEADER and not actor.is_superuser:
        if leader is not None and leader.pk != actor.pk:
            raise InvalidInput("领导只能录入本人的批示。", details={"field": "leader_id"})
        leader = actor
    elif leader is None:
        raise InvalidInput("请选择作出批示的领导。", details={"field": "leader_id"})
    elif leader.role != Role.GOV_LEADER or leader.jurisdiction_id != p.jurisdiction_id:
        raise InvalidInput("批示领导须为本级政府领导。", details={"field": "leader_id"})
    _require_supervised(p)
    instruction = Instruction.objects.create(plan=_plan(p, actor), leader=leader, text=text, recorded_by=actor)
    _record(p, "supervision_instruction", actor=actor, data={
        "instruction_id": instruction.pk, "leader_id": leader.pk, "leader": leader.display_name, "text": text,
    })  # fmt: skip
    readers = _units_of(p) + (office_users(p.jurisdiction_id) if actor.role == Role.GOV_LEADER else [])
    notify(readers, f"督办批示：{leader.display_name}对{label(p)}批示：{text}", proposal_id=p.pk)
    return instruction
