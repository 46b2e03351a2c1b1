"""Automatic reminders (催办), every kind from one table: 15 and 5 days before a deadline, on the day, then
weekly while it is missed (domain.md §6).

Each kind names the column holding its next reminder date, how to read its deadline from the records
(None: nothing to press for any more), whom it tells and what it says. Actions set the columns
(``next_date``) when they change what a deadline depends on; the worker's scan sends what is due. The scan
reads the deadline again under the row locks, so a column set early or late costs at most a skipped day,
never a wrong reminder: a reminder goes out only for a reminder point between the column's date and today.

Exactly once, with any number of workers: the proposal is locked first (as every action does, so a scan
and an action never wait on each other in opposite orders) with SKIP LOCKED on PostgreSQL, then the row;
the column moves on in the same transaction as the reminder, its history event and its messages, and
each message's key (kind, row, deadline, reminder point) is unique per recipient: the last guard.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from django.db import IntegrityError, connection, transaction

from history.recording import record_event
from lib.dates import cn_date
from notifications.delivery import notify, unit_users
from organisation.models import Role, User
from proposals.models import Proposal

from .deadlines import next_reminder
from .models import Assignment, FollowUpItem, Reminder, ReminderKind
from .states import FINISHED, AssignmentRole, State

K = ReminderKind
SCAN_BATCH = 20  # candidates looked at per claim: those another worker holds are skipped

Row = Assignment | FollowUpItem


@dataclass(frozen=True)
class Kind:
    kind: ReminderKind
    model: type[Assignment] | type[FollowUpItem]
    column: str
    deadline: Callable[[Row], date | None]
    # "unit": the handler and the leader, the head too once it is missed; "proposer": the first proposer
    # (the CPPCC staff who enter paper ratings when the proposer has no account)
    audience: Literal["unit", "proposer"]
    text: Callable[[Row, date, int], str]  # (row, deadline, days left: negative when missed)
    weekly_after: bool = True  # weekly reminders once missed; a window that has closed has nothing to press

    def next_date(self, row: Row, after: date, *, inclusive: bool = True) -> date | None:
        """The first reminder point on (or strictly after) ``after``, or None."""
        deadline = self.deadline(row)
        point = next_reminder(deadline, after, inclusive=inclusive)
        if point is not None and deadline is not None and point > deadline and not self.weekly_after:
            return None
        return point


def _assignment(row: Row) -> Assignment:
    assert isinstance(row, Assignment)
    return row


def _item(row: Row) -> FollowUpItem:
    assert isinstance(row, FollowUpItem)
    return row


def _left(days: int, what: str, deadline: date) -> str:
    if days > 0:
        return f"距{what}（{cn_date(deadline)}）还有{days}天"
    if days == 0:
        return f"今天是{what}（{cn_date(deadline)}）"
    return f"已超过{what}{-days}天（期限为{cn_date(deadline)}）"


# --- what each kind watches ------------------------------------------------------------------------


def _handling_deadline(row: Row) -> date | None:
    a = _assignment(row)
    return None if a.state in FINISHED else a.watch_on


def _handling_text(row: Row, deadline: date, days: int) -> str:
    a = _assignment(row)
    if a.role == AssignmentRole.CO:
        what = "协办意见期限"
    elif a.state == State.REHANDLING:
        what = "再次办理期限"
    else:
        what = "办复期限"
    if days > 0:
        return f"{_left(days, what, deadline)}，请抓紧办理。"
    if days == 0:
        return f"{_left(days, what, deadline)}，请于今日内完成。"
    return f"{_left(days, what, deadline)}，请立即办理并说明原因。"


def _return_deadline(row: Row) -> date | None:
    a = _assignment(row)
    return a.return_deadline if a.state == State.PENDING else None


def _return_text(row: Row, deadline: date, days: int) -> str:
    return f"本件尚未签收。{_left(days, '退回期限', deadline)}，请及时签收；不属于本单位职责的，请在期限内申请退回。"


def _self_check_deadline(row: Row) -> date | None:
    a = _assignment(row)
    if a.role != AssignmentRole.LEAD or a.first_replied_on is None or a.self_check_done_on is not None:
        return None
    return None if a.state == State.WITHDRAWN else a.self_check_due


def _self_check_text(row: Row, deadline: date, days: int) -> str:
    ask = "请对照答复中的承诺开展“办理工作回头看”自查" if days >= 0 else "请尽快完成“办理工作回头看”自查并报送情况"
    return f"{_left(days, '回头看自查期限', deadline)}，{ask}。"


def _feedback_deadline(row: Row) -> date | None:
    a = _assignment(row)
    return a.feedback_due if a.state == State.REPLIED and a.role == AssignmentRole.LEAD else None


def _feedback_text(row: Row, deadline: date, days: int) -> str:
    a = _assignment(row)
    return (
        f"{a.department.name}已答复您的提案，{_left(days, '反馈意见期限', deadline)}，"
        "请对办理态度和办理结果作出评价（提案办理征询意见表）。"
    )


def _follow_up_deadline(row: Row) -> date | None:
    item = _item(row)
    return item.due_on if item.done_on is None else None


def _follow_up_text(row: Row, deadline: date, days: int) -> str:
    item = _item(row)
    subject = item.text if len(item.text) <= 30 else item.text[:30] + "…"
    ask = "请按期落实" if days >= 0 else "请抓紧落实并报告落实情况"
    return f"跟踪落实事项“{subject}”（责任人：{item.person}）{_left(days, '落实时限', deadline)}，{ask}。"


KINDS: dict[ReminderKind, Kind] = {
    k.kind: k
    for k in (
        Kind(K.DEADLINE, Assignment, "remind_on", _handling_deadline, "unit", _handling_text),
        Kind(K.RETURN_WINDOW, Assignment, "return_remind_on", _return_deadline, "unit", _return_text,
             weekly_after=False),
        Kind(K.SELF_CHECK, Assignment, "self_check_remind_on", _self_check_deadline, "unit", _self_check_text),
        Kind(K.FEEDBACK, Assignment, "feedback_remind_on", _feedback_deadline, "proposer", _feedback_text),
        Kind(K.FOLLOW_UP, FollowUpItem, "remind_on", _follow_up_deadline, "unit", _follow_up_text),
    )
}  # fmt: skip
ASSIGNMENT_KINDS = tuple(k for k in KINDS.values() if k.model is Assignment)


def schedule(a: Assignment, today: date) -> list[str]:
    """Set every assignment-level reminder column from the records as they now are; return the columns."""
    for kind in ASSIGNMENT_KINDS:
        setattr(a, kind.column, kind.next_date(a, today))
    return [kind.column for kind in ASSIGNMENT_KINDS]


def schedule_item(item: FollowUpItem, today: date) -> None:
    item.remind_on = KINDS[K.FOLLOW_UP].next_date(item, today)


# --- the scan --------------------------------------------------------------------------------------


def _label(a: Assignment) -> str:
    return f"{a.proposal.session.name}第{a.proposal.number}号提案《{a.proposal.title}》"


def _recipients(kind: Kind, a: Assignment, department_id: int, missed: bool) -> list[User]:
    if kind.audience == "proposer":
        first = a.proposal.proposers.select_related("user").filter(position=0).first()
        if first is not None and first.user is not None and first.user.is_active:
            return [first.user]
        return list(
            User.objects.filter(jurisdiction_id=a.proposal.jurisdiction_id, role=Role.CPPCC_STAFF, is_active=True)
        )
    roles = {Role.DEPT_HANDLER, Role.DEPT_LEADER} | ({Role.DEPT_HEAD} if missed else set())
    return unit_users(department_id, roles)


def lock_proposal_unless_held(proposal_id: int) -> bool:
    """Lock the proposal as the actions do (handling.actions._lock), skipping it (False) when another
    worker or an action holds it: every scan that then locks a row under it takes the actions' order."""
    rows = Proposal.objects.filter(pk=proposal_id)
    if connection.features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(skip_locked=True, no_key=True)
    return rows.values_list("pk").first() is not None


def _claim(kind: Kind, on: date) -> Row | None:
    """Lock the first due row of this kind nobody else holds, proposal first; None when none is left."""
    due = kind.model.objects.filter(**{f"{kind.column}__lte": on}).order_by(kind.column, "pk")
    proposal_of = "proposal_id" if kind.model is Assignment else "assignment__proposal_id"
    for pk, proposal_id in due.values_list("pk", proposal_of)[:SCAN_BATCH]:
        if not lock_proposal_unless_held(proposal_id):
            continue
        row = (
            kind.model.objects.select_for_update(of=("self",), no_key=True)
            .filter(pk=pk, **{f"{kind.column}__lte": on})
            .first()
        )
        if row is not None:  # else another worker moved it on between the two reads
            return row
    return None


def handle_one(kind: Kind, on: date) -> bool | None:
    """Claim one due row of ``kind`` and send its reminder if one is due: True when sent, False when the
    row was only moved on (nothing to press for, or sent already), None when no row is due."""
    with transaction.atomic():
        row = _claim(kind, on)
        if row is None:
            return None
        claimed = getattr(row, kind.column)
        deadline = kind.deadline(row)
        point = kind.next_date(row, claimed)
        if deadline is not None and not kind.weekly_after and on > deadline:
            point = None  # the window closed while nobody scanned: nothing left to press for
        if deadline is None or point is None or point > on:
            # Nothing to press for (the state moved on), or the column was set early: just move it on.
            kind.model.objects.filter(pk=row.pk).update(**{kind.column: point})
            return False
        kind.model.objects.filter(pk=row.pk).update(**{kind.column: kind.next_date(row, on, inclusive=False)})
        try:
            with transaction.atomic():
                _send(kind, row, deadline, point, on)
        except IntegrityError:
            return False  # this reminder point was sent already (its key is taken): the claim stands
    return True


def _send(kind: Kind, row: Row, deadline: date, point: date, on: date) -> None:
    assignment_id = row.assignment_id if isinstance(row, FollowUpItem) else row.pk
    a = Assignment.objects.select_related("proposal__session", "department").get(pk=assignment_id)
    department_id = row.department_id
    days = (deadline - on).days
    message = kind.text(a if isinstance(row, Assignment) else row, deadline, days)
    reminder = Reminder.objects.create(assignment=a, kind=kind.kind, message=message, sent_by=None)
    prefix = "" if kind.audience == "proposer" else "催办："
    notify(
        _recipients(kind, a, department_id, missed=days < 0),
        f"{prefix}{_label(a)}。{message}",
        proposal_id=a.proposal_id,
        assignment_id=a.pk,
        key=f"remind:{kind.kind}:{row.pk}:{deadline.isoformat()}:{point.isoformat()}",
    )
    data = {"reminder_id": reminder.pk, "message": message, "kind": kind.kind, "deadline": deadline.isoformat()}
    if isinstance(row, FollowUpItem):
        data["item_id"] = row.pk
    record_event(a.proposal, "remind", actor=None, assignment=a, from_state=a.state, to_state=a.state, data=data)


def send_due_reminders(on: date | None = None, *, stopping: Callable[[], bool] = lambda: False) -> int:
    """Send every due automatic reminder of every kind, one transaction each, until none is left or
    ``stopping()``; return how many were sent."""
    from .actions import today  # the one clock of the actions

    on = on or today()
    sent = 0
    for kind in KINDS.values():
        while not stopping() and (outcome := handle_one(kind, on)) is not None:
            sent += outcome
    return sent


def backfill(on: date, assignments: type[Assignment] = Assignment, items: type[FollowUpItem] = FollowUpItem) -> int:
    """Set every empty reminder column whose kind may apply on ``on``, for rows written before the column
    existed or in bulk (load_scale): the scan then sends only for a reminder point on or after that day, so
    no flood of old reminders. Set-based and idempotent; a migration passes its historical models."""
    open_states = [s for s in State.values if s not in FINISHED]
    lead = assignments.objects.filter(role=AssignmentRole.LEAD)
    return (
        assignments.objects.filter(remind_on__isnull=True, watch_on__isnull=False, state__in=open_states).update(
            remind_on=on
        )
        + assignments.objects.filter(return_remind_on__isnull=True, state=State.PENDING).update(return_remind_on=on)
        + lead.filter(
            self_check_remind_on__isnull=True,
            first_replied_on__isnull=False,
            self_check_done_on__isnull=True,
            self_check_due__isnull=False,
        )
        .exclude(state=State.WITHDRAWN)
        .update(self_check_remind_on=on)
        + lead.filter(feedback_remind_on__isnull=True, feedback_due__isnull=False, state=State.REPLIED).update(
            feedback_remind_on=on
        )
        + items.objects.filter(remind_on__isnull=True, done_on__isnull=True).update(remind_on=on)
    )
