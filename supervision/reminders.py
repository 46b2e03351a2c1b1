"""Automatic reminders of the supervision milestones (督办节点催办): to the responsible unit 15 and 5 days
before a milestone's date, on the day, then weekly while it is open (``handling.deadlines.next_reminder``).

Exactly once, with any number of workers (the pattern of ``handling.reminders``): the proposal is locked
first, as every action locks it (so a scan and an action never wait on each other in opposite orders),
with SKIP LOCKED on PostgreSQL, then the milestone; ``remind_on`` moves on by a conditional UPDATE in the
same transaction as the message and the history event; and each message's key (milestone, date, reminder
point) is unique per recipient: the last guard, which rolls a second sending back.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.db import IntegrityError, transaction

from handling.deadlines import next_reminder
from handling.models import Assignment
from handling.reminders import lock_proposal_unless_held
from handling.states import State
from history.recording import record_event
from lib.dates import cn_date
from notifications.delivery import notify, unit_users
from organisation.models import Role
from proposals.models import Proposal, ProposalStatus

from .actions import label, today
from .models import Milestone

SCAN_BATCH = 20  # candidates looked at per claim: those another worker holds are skipped


def reminder_text(m: Milestone, on: date) -> str:
    days = (m.due_on - on).days
    what = f"督办节点“{m.title}”的完成时限（{cn_date(m.due_on)}）"
    if days > 0:
        return f"距{what}还有{days}天，请按期完成并报送进展。"
    if days == 0:
        return f"今天是{what}，请于今日内完成。"
    return f"已超过{what}{-days}天，请立即办理并说明原因。"


def _claim(on: date) -> Milestone | None:
    """Lock the first due milestone nobody else holds, proposal first; None when none is left."""
    due = Milestone.objects.filter(remind_on__lte=on, done_on__isnull=True).order_by("remind_on", "pk")
    for pk, proposal_id in due.values_list("pk", "plan__proposal_id")[:SCAN_BATCH]:
        if not lock_proposal_unless_held(proposal_id):
            continue
        m = (
            Milestone.objects.select_for_update(of=("self",), no_key=True)
            .select_related("plan__proposal__session", "department")
            .filter(pk=pk, remind_on__lte=on, done_on__isnull=True)
            .first()
        )
        if m is not None:  # else another worker moved it on between the two reads
            return m
    return None


def handle_one_milestone_reminder(on: date) -> bool | None:
    """Claim one due milestone and remind its unit: True when sent, False when the milestone was only moved
    on (sent already, or its column set early), None when none is due."""
    with transaction.atomic():
        m = _claim(on)
        if m is None:
            return None
        claimed = m.remind_on
        assert claimed is not None
        if not _still_pressed(m):
            Milestone.objects.filter(pk=m.pk).update(remind_on=None)
            return False
        point = next_reminder(m.due_on, claimed)
        following = next_reminder(m.due_on, on, inclusive=False)
        if Milestone.objects.filter(pk=m.pk, remind_on=claimed).update(remind_on=following) != 1:
            return False  # another worker got there first
        if point is None or point > on:
            return False  # set early: nothing due yet, the column now holds the next point
        try:
            with transaction.atomic():
                _send(m, point, on)
        except IntegrityError:
            return False  # this reminder point was sent already (its key is taken): the claim stands
    return True


def _still_pressed(m: Milestone) -> bool:
    """A milestone is pressed while its proposal is open and its unit still handles the proposal: a
    closed proposal, or a unit whose assignment was withdrawn, has nobody left to remind."""
    proposal_id = m.plan.proposal_id
    if Proposal.objects.filter(pk=proposal_id, status=ProposalStatus.CLOSED).exists():
        return False
    return (
        Assignment.objects.filter(proposal_id=proposal_id, department_id=m.department_id)
        .exclude(state=State.WITHDRAWN)
        .exists()
    )


def _send(m: Milestone, point: date, on: date) -> None:
    p = m.plan.proposal
    message = reminder_text(m, on)
    missed = m.due_on < on
    # Missed milestones are copied to the unit's head, as the handling reminders are (domain.md §6).
    roles = {Role.DEPT_HANDLER, Role.DEPT_LEADER} | ({Role.DEPT_HEAD} if missed else set())
    notify(
        unit_users(m.department_id, roles),
        f"督办催办：{label(p)}。{message}",
        proposal_id=p.pk,
        key=f"milestone:{m.pk}:{m.due_on.isoformat()}:{point.isoformat()}",
    )
    record_event(p, "supervision_remind", actor=None, from_state=p.status, to_state=p.status, data={
        "milestone_id": m.pk, "title": m.title, "department": m.department.name, "due_on": m.due_on.isoformat(),
        "message": message,
    })  # fmt: skip


def send_due_milestone_reminders(on: date | None = None, *, stopping: Callable[[], bool] = lambda: False) -> int:
    """Send every due milestone reminder, one transaction each, until none is left or ``stopping()``;
    return how many were sent."""
    on = on or today()
    sent = 0
    while not stopping() and (outcome := handle_one_milestone_reminder(on)) is not None:
        sent += outcome
    return sent
