"""Every change to an assignment goes through one function here.

Each function: lock the proposal and the assignment, check role and unit (403), state (409) and the
domain's rules (422), apply the change, write the history event in the same transaction, and leave
notifications to ``transaction.on_commit`` (reminders write theirs in the transaction: the outbox). The
API and the web pages call these and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Subquery
from django.utils import timezone

from history.recording import record_event
from lib.dates import cn_date
from lib.errors import Forbidden, InvalidInput, InvalidTransition, RuleViolation
from notifications.delivery import notify, office_users, unit_users
from organisation.models import DEPT_ROLES, Department, Role, User
from organisation.roles import require_role
from proposals.models import KEY_OR_SUGGESTION, Proposal, Proposer
from search import index as search_index
from search.models import Kind as SearchKind
from workcalendar.counting import WorkCalendar, load_calendar

from . import deadlines, reminders
from .disclosure import public_text
from .models import (
    Assignment,
    Contact,
    ContactStage,
    CoOpinion,
    Decision,
    ExtensionRequest,
    Feedback,
    FollowUpItem,
    GovernmentDecision,
    HandlingForm,
    Rating,
    Reminder,
    ReminderKind,
    Reply,
    ReplyDecision,
    ReplyMeeting,
    ReturnRequest,
    SecondFeedback,
    SelfCheck,
)
from .numbering import number_letter
from .permissions import acts_for_jurisdiction, require_can_act, require_precondition, require_state
from .queries import published_replies
from .states import FINISHED, PREVIOUS, TRANSITIONS, AssignmentRole, State, derive_proposal_status

S = State


# ---------------------------------------------------------------------------------------------------
# Plumbing shared by every action


def today() -> date:
    return timezone.localdate()


def _lock(assignment: Assignment) -> Assignment:
    """Lock the proposal, then the assignment (always in that order), and return a fresh copy.

    Locking the proposal serialises every action on it, so that its derived status is computed from
    committed states and concurrent requests never lose or duplicate an event.
    """
    # NO KEY UPDATE: actions exclude each other, but rows merely referring to these (messages written
    # after commit, by foreign key) do not queue behind them, which would deadlock.
    Proposal.objects.select_for_update(no_key=True).filter(pk=assignment.proposal_id).values_list("pk").get()
    return (
        Assignment.objects.select_for_update(of=("self",), no_key=True)
        .select_related("proposal", "proposal__jurisdiction", "proposal__session", "department")
        .get(pk=assignment.pk)
    )


def _begin(actor: User, action: str, assignment: Assignment) -> Assignment:
    """Lock, then check role and unit (403), state (409) and what the action needs of the records
    (``permissions.PRECONDITIONS``: the same checks ``available_actions`` offers the action by)."""
    a = _lock(assignment)
    require_can_act(actor, action, a)
    require_state(action, a)
    require_precondition(action, a)
    return a


def _set_watch(a: Assignment) -> None:
    """Set the deadline the traffic light and the reminders follow (none once nothing is left to do)."""
    if a.state in FINISHED:
        a.watch_on = None
    else:
        a.watch_on = a.co_opinion_due if a.role == AssignmentRole.CO else a.due_on


def _save(a: Assignment, *fields: str) -> None:
    _set_watch(a)
    a.save(update_fields=[*fields, "watch_on", *reminders.schedule(a, today())])


def _label(a: Assignment) -> str:
    return f"{a.proposal.session.name}第{a.proposal.number}号提案《{a.proposal.title}》"


def _tell_unit(a: Assignment, text: str, department_id: int | None = None) -> None:
    notify(unit_users(department_id or a.department_id), text, proposal_id=a.proposal_id, assignment_id=a.pk)


def _tell_office(a: Assignment, text: str) -> None:
    notify(office_users(a.proposal.jurisdiction_id), text, proposal_id=a.proposal_id, assignment_id=a.pk)


def _tell_proposers(a: Assignment, text: str) -> None:
    users = [p.user for p in a.proposal.proposers.select_related("user") if p.user is not None]
    notify(users, text, proposal_id=a.proposal_id, assignment_id=a.pk)


def _tell_leaders(a: Assignment, text: str) -> None:
    leaders = User.objects.filter(role=Role.GOV_LEADER, charged_departments=a.department_id)
    users = list(leaders)
    if a.proposal.leading_leader is not None:
        users.append(a.proposal.leading_leader)
    notify(users, text, proposal_id=a.proposal_id, assignment_id=a.pk)


def _refresh_proposal_status(proposal: Proposal) -> None:
    lead_states = list(
        Assignment.objects.filter(proposal=proposal, role=AssignmentRole.LEAD).values_list("state", flat=True)
    )
    status = derive_proposal_status(lead_states)
    if status != proposal.status:
        proposal.status = status
        proposal.save(update_fields=["status"])


def _move(
    a: Assignment,
    action: str,
    outcome: str = "ok",
    *,
    actor: User | None,
    data: dict[str, Any],
    fields: Sequence[str] = (),
    previous: str = "",
) -> Assignment:
    """Move the assignment to the state the transition table gives for this outcome, save, write the event."""
    from_state = a.state
    to_state = TRANSITIONS[action].to[outcome]
    if to_state == PREVIOUS:
        to_state = previous
    assert to_state, (action, outcome)  # outcomes that keep the state are recorded with _record
    a.state = to_state
    _save(a, "state", *fields)
    record_event(a.proposal, action, actor=actor, assignment=a, from_state=from_state, to_state=to_state, data=data)
    _refresh_proposal_status(a.proposal)
    return a


def _record(a: Assignment, *, actor: User | None, action: str, data: dict[str, Any]) -> None:
    """Write an event that does not change the state."""
    record_event(a.proposal, action, actor=actor, assignment=a, from_state=a.state, to_state=a.state, data=data)


def _not_future(d: date, label: str, field: str) -> None:
    if d > today():
        raise RuleViolation("date_in_future", f"{label}不能晚于今天。", details={"field": field})


# ---------------------------------------------------------------------------------------------------
# Assignment (交办)


@dataclass(frozen=True)
class UnitAssignment:
    department: Department
    role: str


def _new_assignment(
    proposal: Proposal, unit: UnitAssignment, assigned_on: date, *, actor: User | None, cal: WorkCalendar
) -> Assignment:
    d = deadlines.for_assignment(assigned_on, proposal.jurisdiction.time_rules, cal)
    a = Assignment(
        proposal=proposal,
        department=unit.department,
        role=unit.role,
        state=S.PENDING,
        year=proposal.year,
        jurisdiction_id=proposal.jurisdiction_id,
        is_key_or_suggestion=proposal.is_key_or_suggestion,
        assigned_on=assigned_on,
        assigned_by=actor,
        due_on=d.due_on,
        max_due_on=d.max_due_on,
        return_deadline=d.return_deadline,
        co_opinion_due=d.co_opinion_due if unit.role == AssignmentRole.CO else None,
    )
    _set_watch(a)
    reminders.schedule(a, today())
    a.save()
    role = AssignmentRole(unit.role).label
    _tell_unit(a, f"您单位有新交办的{_label(a)}（{role}），请及时签收，办复期限{cn_date(a.due_on)}。")
    data: dict[str, Any] = {"department_id": unit.department.pk, "department": unit.department.name, "role": unit.role}
    data["due_on"] = a.due_on.isoformat()
    warning = cal.warning_for(assigned_on, a.due_on, a.max_due_on)
    if warning:
        data["calendar_warning"] = warning
    record_event(proposal, "assign", actor=actor, assignment=a, from_state="", to_state=S.PENDING, data=data)
    return a


def _check_units(proposal: Proposal, units: Sequence[UnitAssignment]) -> None:
    allowed = set(proposal.jurisdiction.descendant_ids())
    seen: set[int] = set()
    active = set(
        Assignment.objects.filter(proposal=proposal).exclude(state=S.WITHDRAWN).values_list("department_id", flat=True)
    )
    for unit in units:
        if unit.role not in AssignmentRole.values:
            raise InvalidInput("办理方式只能是主办（lead）或协办（co）。")
        if unit.department.jurisdiction_id not in allowed or not unit.department.is_active:
            raise InvalidInput(f"{unit.department.name}不是本辖区的承办单位。")
        if unit.department.pk in seen or unit.department.pk in active:
            raise InvalidInput(f"{unit.department.name}已承办此提案，不能重复交办。")
        seen.add(unit.department.pk)


@transaction.atomic
def assign(
    proposal: Proposal, units: Sequence[UnitAssignment], *, actor: User, assigned_on: date | None = None
) -> list[Assignment]:
    """Assign the proposal to one or more units (交办); a unit's clock starts on its assignment date."""
    proposal = (
        Proposal.objects.select_for_update(of=("self",), no_key=True)
        .select_related("jurisdiction", "session")
        .get(pk=proposal.pk)
    )
    require_role(actor, Role.OFFICE_STAFF)
    if not actor.is_superuser and not acts_for_jurisdiction(actor, proposal):
        raise Forbidden("只能交办本辖区的提案。")
    if not units:
        raise InvalidInput("请至少指定一个承办单位。")
    _check_units(proposal, units)
    has_lead = any(u.role == AssignmentRole.LEAD for u in units) or (
        Assignment.objects.filter(proposal=proposal, role=AssignmentRole.LEAD).exclude(state=S.WITHDRAWN).exists()
    )
    if not has_lead:
        raise InvalidInput("交办后提案必须至少有一个主办单位。")
    assigned_on = assigned_on or today()
    _not_future(assigned_on, "交办日期", "assigned_on")
    cal = load_calendar()
    created = [_new_assignment(proposal, u, assigned_on, actor=actor, cal=cal) for u in units]
    _refresh_proposal_status(proposal)
    return created


# ---------------------------------------------------------------------------------------------------
# Receipt and returns (签收、退回)


@transaction.atomic
def receive(assignment: Assignment, *, actor: User) -> Assignment:
    a = _begin(actor, "receive", assignment)
    return _move(a, "receive", actor=actor, data={})


@transaction.atomic
def request_return(assignment: Assignment, *, actor: User, reason: str) -> Assignment:
    a = _begin(actor, "request_return", assignment)  # within the return window (permissions.PRECONDITIONS)
    ReturnRequest.objects.create(assignment=a, reason=reason, from_state=a.state, requested_by=actor)
    _tell_office(a, f"{a.department.name}申请退回{_label(a)}，请审批。")
    return _move(a, "request_return", actor=actor, data={"reason": reason})


@transaction.atomic
def decide_return(
    assignment: Assignment,
    *,
    actor: User,
    approve: bool,
    comment: str = "",
    reassign: Sequence[UnitAssignment] = (),
) -> Assignment:
    """Approve or reject a return; an approved return may hand the proposal to other units at once."""
    a = _begin(actor, "decide_return", assignment)
    if reassign and not approve:
        raise InvalidInput("未同意退回时不能改派承办单位。")
    request = a.return_requests.filter(decision=Decision.PENDING).latest("pk")
    request.decision = Decision.APPROVED if approve else Decision.REJECTED
    request.comment = comment
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.save(update_fields=["decision", "comment", "decided_by", "decided_at"])
    data: dict[str, Any] = {"approve": approve, "comment": comment}
    _tell_unit(a, f"督查室{'同意' if approve else '未同意'}退回{_label(a)}。{comment}")
    if not approve:
        return _move(a, "decide_return", "reject", actor=actor, data=data, previous=request.from_state)
    a.returned = True
    _move(a, "decide_return", "approve", actor=actor, data=data, fields=["returned"])
    if reassign:
        assign(a.proposal, reassign, actor=actor, assigned_on=today())
    return a


# ---------------------------------------------------------------------------------------------------
# Handling form, contacts, co-handler opinions


@transaction.atomic
def submit_form(assignment: Assignment, *, actor: User, opinion: str, handler: User) -> Assignment:
    """Register the handling form (承办单) with the proposed handling opinion (拟办意见)."""
    a = _begin(actor, "submit_form", assignment)
    if handler.department_id != a.department_id or handler.role not in DEPT_ROLES:
        raise InvalidInput("经办人必须是本单位的工作人员。", details={"field": "handler_id"})
    HandlingForm.objects.create(assignment=a, opinion=opinion, handler=handler, submitted_by=actor)
    return _move(a, "submit_form", actor=actor,
                 data={"opinion": opinion, "handler_id": handler.pk, "handler": handler.display_name})  # fmt: skip


@transaction.atomic
def approve_form(assignment: Assignment, *, actor: User, instruction: str = "", approve: bool = True) -> Assignment:
    a = _begin(actor, "approve_form", assignment)
    form = a.handling_forms.latest("pk")
    if approve:
        form.approved_by = actor
        form.approved_at = timezone.now()
    form.instruction = instruction
    form.save(update_fields=["approved_by", "approved_at", "instruction"])
    outcome = "approve" if approve else "reject"
    return _move(a, "approve_form", outcome, actor=actor, data={"approve": approve, "instruction": instruction})


@transaction.atomic
def record_contact(
    assignment: Assignment,
    *,
    actor: User,
    stage: str,
    on: date,
    method: str,
    participants: str = "",
    notes: str = "",
) -> Contact:
    """Record a meeting with the proposer (三见面); contacts may legitimately repeat."""
    a = _begin(actor, "contact", assignment)
    _not_future(on, "见面日期", "date")
    if on < a.assigned_on:
        raise RuleViolation("date_before_assignment", "见面日期不能早于交办日期。", details={"field": "date"})
    contact = Contact.objects.create(
        assignment=a, stage=stage, date=on, method=method, participants=participants, notes=notes, recorded_by=actor
    )
    flag = {ContactStage.BEFORE: "contact_before", ContactStage.DURING: "contact_during"}.get(
        ContactStage(stage), "contact_after"
    )
    if not getattr(a, flag):
        setattr(a, flag, True)
        _save(a, flag)
    data = {"contact_id": contact.pk, "stage": stage, "date": on.isoformat(), "method": method,
            "participants": participants, "notes": notes}  # fmt: skip
    _record(a, actor=actor, action="contact", data=data)
    return contact


@transaction.atomic
def submit_co_opinion(assignment: Assignment, *, actor: User, text: str) -> Assignment:
    """Send a co-handling unit's opinion (会办意见) to the lead unit(s)."""
    a = _begin(actor, "co_opinion", assignment)
    CoOpinion.objects.create(assignment=a, text=text, submitted_by=actor)
    leads = Assignment.objects.filter(proposal=a.proposal, role=AssignmentRole.LEAD).exclude(state=S.WITHDRAWN)
    for lead in leads:
        _tell_unit(a, f"{a.department.name}已提交{_label(a)}的协办意见。", department_id=lead.department_id)
    return _move(a, "co_opinion", actor=actor, data={"text": text})


# ---------------------------------------------------------------------------------------------------
# The reply (答复函): draft, sign, review, approval, reply meeting


@dataclass(frozen=True)
class ReplyDraft:
    text: str
    result_class: str
    method: str
    is_public: bool
    contact_person: str
    contact_phone: str


def _latest_reply(a: Assignment) -> Reply | None:
    return a.replies.order_by("-version").first()


@transaction.atomic
def record_government_decision(
    assignment: Assignment, *, actor: User, report: str, decision: str, decided_on: date
) -> GovernmentDecision:
    """Record the government's decision on a major proposal, which the reply must then follow."""
    a = _begin(actor, "government_decision", assignment)
    _not_future(decided_on, "决定日期", "decided_on")
    record = GovernmentDecision.objects.create(
        assignment=a, report=report, decision=decision, decided_on=decided_on, recorded_by=actor
    )
    _tell_unit(a, f"政府已对{_label(a)}作出决定，请按决定答复提案人。")
    _record(a, actor=actor, action="government_decision",
            data={"decision_id": record.pk, "report": report, "decision": decision,
                  "decided_on": decided_on.isoformat()})  # fmt: skip
    return record


@transaction.atomic
def draft_reply(assignment: Assignment, *, actor: User, draft: ReplyDraft) -> Reply:
    """Write a new version of the reply; earlier versions, signed or not, stay as they were."""
    a = _begin(actor, "draft_reply", assignment)  # a major proposal's decision is recorded first
    latest = _latest_reply(a)
    reply = Reply.objects.create(
        assignment=a,
        version=(latest.version + 1) if latest else 1,
        text=draft.text,
        result_class=draft.result_class,
        method=draft.method,
        is_public=draft.is_public,
        contact_person=draft.contact_person,
        contact_phone=draft.contact_phone,
        drafted_by=actor,
    )
    _move(a, "draft_reply", actor=actor,
          data={"reply_id": reply.pk, "version": reply.version, "result_class": reply.result_class})  # fmt: skip
    return reply


def _deliver(a: Assignment, reply: Reply, on: date) -> list[str]:
    """Mark the reply as delivered to the proposer and update the assignment's summary columns."""
    reply.delivered_on = on
    reply.save(update_fields=["delivered_on"])
    _mark_published(a, reply)
    _index_published(a, reply)
    fields = ["delivered_class"]
    a.delivered_class = reply.result_class
    if a.first_replied_on is None:
        a.first_replied_on = on
        a.replied_on_time = on <= a.due_on
        fields += ["first_replied_on", "replied_on_time"]
    rules = a.proposal.jurisdiction.time_rules
    cal = load_calendar()
    a.self_check_due = deadlines.months_after(on, rules.self_check_months, rules, cal)
    a.feedback_due = cal.add_days(on, rules.feedback_days, roll=rules.deadline_rolls_to_workday)
    fields += ["self_check_due", "feedback_due"]
    return fields


def _mark_published(a: Assignment, reply: Reply) -> None:
    """Keep ``Reply.published_on``: only the latest delivered version, if it and the proposal are public
    (is_public is set when a reply or proposal is made and never edited, so delivery is the one moment)."""
    Reply.objects.filter(assignment=a, published_on__isnull=False).exclude(pk=reply.pk).update(
        published_on=None, published_year=None
    )
    public = reply.is_public and a.proposal.is_public
    reply.published_on = reply.delivered_on if public else None
    reply.published_year = a.proposal.year if public else None
    reply.save(update_fields=["published_on", "published_year"])


def copy_key_flags() -> int:
    """Set ``Assignment.is_key_or_suggestion`` from the proposals' flags wherever it differs (bulk loads,
    restores, the migration; ``handling.receivers`` keeps it as flags change). The assignments changed."""
    flagged = Proposal.objects.filter(KEY_OR_SUGGESTION).values("pk")
    on = Assignment.objects.filter(is_key_or_suggestion=False, proposal__in=flagged).update(is_key_or_suggestion=True)
    off = Assignment.objects.filter(is_key_or_suggestion=True).exclude(proposal__in=flagged)
    return on + off.update(is_key_or_suggestion=False)


def fill_read_columns() -> None:
    """Fill the read-path columns of rows written in bulk (``load_scale``, restores), set-based: the
    assignments' jurisdiction and the published-reply marker, as ``_new_assignment`` / ``_mark_published``
    would have set them. Idempotent."""
    Assignment.objects.filter(jurisdiction__isnull=True).update(
        jurisdiction_id=Subquery(Proposal.objects.filter(pk=OuterRef("proposal_id")).values("jurisdiction_id")[:1])
    )
    copy_key_flags()
    FollowUpItem.objects.filter(handling_unit__isnull=True).update(
        handling_unit_id=Subquery(Assignment.objects.filter(pk=OuterRef("assignment_id")).values("department_id")[:1])
    )
    later = Reply.objects.filter(
        assignment_id=OuterRef("assignment_id"), version__gt=OuterRef("version"), delivered_on__isnull=False
    )
    published = Reply.objects.filter(
        delivered_on__isnull=False, is_public=True, assignment__proposal__is_public=True
    ).exclude(Exists(later))
    # NOT EXISTS, not NOT IN: PostgreSQL plans an anti-join for it, but a NOT IN over a million ids as a
    # per-row subplan (hours at 1M).
    Reply.objects.filter(published_on__isnull=False).filter(~Exists(published.filter(pk=OuterRef("pk")))).update(
        published_on=None, published_year=None
    )
    year = Proposal.objects.filter(assignments=OuterRef("assignment_id")).values("year")[:1]
    Reply.objects.filter(pk__in=published.filter(published_on__isnull=True).values("pk")).update(
        published_on=F("delivered_on"), published_year=Subquery(year)
    )


def _index_published(a: Assignment, reply: Reply) -> None:
    """The delivered reply is now the assignment's published one (``queries.published_replies``) when both
    it and the proposal are public: the index holds exactly its published text, or nothing."""
    p = a.proposal
    if reply.is_public and p.is_public:
        search_index.index_public_reply(a.pk, proposal_id=p.pk, jurisdiction_id=p.jurisdiction_id, year=p.year,
                                        title=p.title, text=public_text(reply.text))  # fmt: skip
    else:
        search_index.remove_public_reply(a.pk)


def _published_documents() -> Iterator[search_index.Doc]:
    """Every published reply, for ``manage.py rebuild_search_index``."""
    fields = ("assignment_id", "assignment__proposal_id", "assignment__proposal__jurisdiction_id",
              "assignment__proposal__year", "assignment__proposal__title", "text")  # fmt: skip
    for a, p, j, y, title, text in published_replies().order_by("assignment_id").values_list(*fields).iterator(2000):
        yield search_index.Doc(SearchKind.PUBLIC_REPLY, a, p, j, y, title, public_text(text))


search_index.register_source(SearchKind.PUBLIC_REPLY, lambda: published_replies().count(), _published_documents)


@transaction.atomic
def sign_reply(assignment: Assignment, *, actor: User, signed_on: date | None = None) -> Assignment:
    """Sign the reply (签发); key proposals and 建议案 go on to the office's review."""
    a = _begin(actor, "sign_reply", assignment)  # every co unit has sent its opinion
    signed_on = signed_on or today()
    _not_future(signed_on, "签发日期", "signed_on")
    if signed_on < a.assigned_on:
        raise RuleViolation("date_before_assignment", "签发日期不能早于交办日期。", details={"field": "signed_on"})
    reply = _latest_reply(a)
    assert reply is not None  # reply_drafted implies a draft
    reply.signed_by = actor
    reply.signed_on = signed_on
    reply.save(update_fields=["signed_by", "signed_on"])
    number_letter(reply)  # the unit's next 文号 for the signing year, in this transaction
    data = {"reply_id": reply.pk, "version": reply.version, "signed_on": signed_on.isoformat(),
            "document_number": reply.document_number}  # fmt: skip
    if a.proposal.needs_leader_approval:
        _tell_office(a, f"{a.department.name}已签发{_label(a)}的答复，请审核。")
        return _move(a, "sign_reply", "key", actor=actor, data=data)
    _tell_proposers(a, f"{a.department.name}已答复您的{_label(a)}，请查阅并提出反馈意见。")
    fields = _deliver(a, reply, signed_on)
    return _move(a, "sign_reply", actor=actor, data=data, fields=fields)


@transaction.atomic
def review_reply(
    assignment: Assignment, *, actor: User, approve: bool, comment: str = "", result_class: str | None = None
) -> Assignment:
    """The office reviews a key reply (审核); it may change the result class, which makes a new version."""
    a = _begin(actor, "review_reply", assignment)
    reply = _latest_reply(a)
    assert reply is not None
    data: dict[str, Any] = {"approve": approve, "comment": comment}
    if result_class and result_class != reply.result_class:
        old_class = reply.result_class
        reply = Reply.objects.create(
            assignment=a,
            version=reply.version + 1,
            text=reply.text,
            result_class=result_class,
            method=reply.method,
            is_public=reply.is_public,
            contact_person=reply.contact_person,
            contact_phone=reply.contact_phone,
            drafted_by=reply.drafted_by,
            signed_by=reply.signed_by,
            signed_on=reply.signed_on,
            document_number=reply.document_number,  # the same letter, its class changed: the same 文号
            document_year=reply.document_year,
            document_seq=reply.document_seq,
            note=f"督查室审核将办理结果由{old_class}类调整为{result_class}类",
        )
        data["result_class"] = {"from": old_class, "to": result_class}
    ReplyDecision.objects.create(
        assignment=a, reply=reply, stage=ReplyDecision.Stage.REVIEW, approve=approve, comment=comment, decided_by=actor
    )
    if approve:
        _tell_leaders(a, f"{_label(a)}的答复已经督查室审核，请审定。")
    else:
        _tell_unit(a, f"督查室退回了{_label(a)}的答复，请修改：{comment}")
    return _move(a, "review_reply", "approve" if approve else "reject", actor=actor, data=data)


@transaction.atomic
def approve_reply(assignment: Assignment, *, actor: User, approve: bool, comment: str = "") -> Assignment:
    """The leader in charge approves a key reply (审定), or sends it back to handling."""
    a = _begin(actor, "approve_reply", assignment)
    reply = _latest_reply(a)
    assert reply is not None
    ReplyDecision.objects.create(
        assignment=a, reply=reply, stage=ReplyDecision.Stage.APPROVAL, approve=approve, comment=comment,
        decided_by=actor,
    )  # fmt: skip
    verdict = "已审定，请组织答复座谈会" if approve else f"未获审定，请修改：{comment}"
    _tell_unit(a, f"{_label(a)}的答复{verdict}。")
    outcome = "approve" if approve else "reject"
    return _move(a, "approve_reply", outcome, actor=actor, data={"approve": approve, "comment": comment})


@dataclass(frozen=True)
class MeetingRecord:
    on: date
    chair: str
    participants: str
    notes: str


@transaction.atomic
def hold_reply_meeting(
    assignments: Sequence[Assignment], *, actor: User, meeting: MeetingRecord
) -> tuple[ReplyMeeting, list[Assignment]]:
    """Record a reply meeting (答复座谈会) answering one or more assignments.

    An approved key reply is delivered by the meeting; for others, once replied, the meeting is a
    collective reply and changes no state.
    """
    # Lock in id order so that two meetings over overlapping assignments cannot deadlock.
    locked = [_begin(actor, "reply_meeting", a) for a in sorted(assignments, key=lambda x: (x.proposal_id, x.pk))]
    _not_future(meeting.on, "座谈会日期", "date")
    # The table's "key" outcome: an approved key reply reaches the proposer at this meeting.
    delivering = TRANSITIONS["reply_meeting"].key_sources or frozenset()
    for a in locked:
        if a.state not in delivering:
            continue
        if meeting.on < a.assigned_on:
            raise RuleViolation("date_before_assignment", "座谈会日期不能早于交办日期。")
        reply = _latest_reply(a)
        if reply is not None and reply.signed_on is not None and meeting.on < reply.signed_on:
            raise RuleViolation("date_before_signing", "答复座谈会日期不能早于答复函签发日期。")
    record = ReplyMeeting.objects.create(
        date=meeting.on,
        chair=meeting.chair,
        participants=meeting.participants,
        notes=meeting.notes,
        recorded_by=actor,
    )
    record.assignments.set(locked)
    data = {"meeting_id": record.pk, "date": meeting.on.isoformat(), "chair": meeting.chair,
            "assignment_ids": [a.pk for a in locked]}  # fmt: skip
    for a in locked:
        if a.state in delivering:
            reply = _latest_reply(a)
            assert reply is not None
            fields = _deliver(a, reply, meeting.on)
            _tell_proposers(a, f"{_label(a)}已在答复座谈会上答复，请提出反馈意见。")
            _move(a, "reply_meeting", "key", actor=actor, data=data, fields=fields)
        else:
            _record(a, actor=actor, action="reply_meeting", data=data)
    return record, locked


# ---------------------------------------------------------------------------------------------------
# Extensions (延期)


@transaction.atomic
def request_extension(assignment: Assignment, *, actor: User, reason: str, new_due_on: date) -> ExtensionRequest:
    a = _begin(actor, "request_extension", assignment)  # none pending already
    if new_due_on <= a.due_on:
        raise RuleViolation("invalid", f"申请延至的日期须晚于现办复期限（{cn_date(a.due_on)}）。")
    if new_due_on > a.max_due_on:
        raise RuleViolation(
            "extension_exceeds_limit",
            f"延期最迟不得超过交办之日起{a.proposal.jurisdiction.time_rules.max_extension_months}个月"
            f"（{cn_date(a.max_due_on)}）。",
            details={"max_due_on": a.max_due_on.isoformat()},
        )
    request = ExtensionRequest.objects.create(
        assignment=a, reason=reason, old_due_on=a.due_on, new_due_on=new_due_on, requested_by=actor
    )
    _tell_office(a, f"{a.department.name}申请将{_label(a)}的办复期限延至{cn_date(new_due_on)}，请审批。")
    _record(a, actor=actor, action="request_extension",
            data={"extension_id": request.pk, "reason": reason, "new_due_on": new_due_on.isoformat()})  # fmt: skip
    return request


@transaction.atomic
def consult_extension(assignment: Assignment, *, actor: User, agree: bool, opinion: str = "") -> ExtensionRequest:
    """Record the CPPCC's view on the pending extension request (延期须与政协协商)."""
    a = _begin(actor, "consult_extension", assignment)  # a request is pending
    request = a.extension_requests.filter(decision=Decision.PENDING).order_by("-pk").first()
    assert request is not None
    request.cppcc_consulted = True
    request.cppcc_agrees = agree
    request.cppcc_opinion = opinion
    request.consulted_by = actor
    request.consulted_at = timezone.now()
    request.save(update_fields=["cppcc_consulted", "cppcc_agrees", "cppcc_opinion", "consulted_by", "consulted_at"])
    _tell_office(a, f"政协提案委对{_label(a)}的延期申请{'同意' if agree else '不同意'}延期。{opinion}")
    _record(a, actor=actor, action="consult_extension",
            data={"extension_id": request.pk, "agree": agree, "opinion": opinion})  # fmt: skip
    return request


@transaction.atomic
def decide_extension(
    assignment: Assignment, *, actor: User, approve: bool, cppcc_consulted: bool, comment: str = ""
) -> Assignment:
    """Approve or reject the pending extension; approving needs a recorded consultation with the CPPCC."""
    a = _begin(actor, "decide_extension", assignment)  # a request is pending
    request = a.extension_requests.filter(decision=Decision.PENDING).order_by("-pk").first()
    assert request is not None
    # Consulted: the office ticks it (consulted offline), or the CPPCC recorded its view here.
    consulted = cppcc_consulted or request.cppcc_consulted
    if approve and not consulted:
        raise RuleViolation("cppcc_not_consulted", "同意延期前须与政协提案委商议，请先商议并勾选“已与政协商议”。")
    request.decision = Decision.APPROVED if approve else Decision.REJECTED
    request.cppcc_consulted = consulted
    request.comment = comment
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.save(update_fields=["decision", "cppcc_consulted", "comment", "decided_by", "decided_at"])
    data: dict[str, Any] = {"extension_id": request.pk, "approve": approve, "cppcc_consulted": consulted,
                            "comment": comment}  # fmt: skip
    if approve:
        data["due_on"] = {"from": a.due_on.isoformat(), "to": request.new_due_on.isoformat()}
        a.due_on = request.new_due_on
        a.extensions_approved += 1
        _save(a, "due_on", "extensions_approved")
    _tell_unit(a, f"督查室{'同意' if approve else '未同意'}{_label(a)}的延期申请。{comment}")
    _record(a, actor=actor, action="decide_extension", data=data)
    return a


# ---------------------------------------------------------------------------------------------------
# Feedback and re-handling (反馈、再次办理)


def _proposer_for(actor: User, a: Assignment, proposer_id: int | None) -> tuple[Proposer, bool]:
    """Return whose rating this is and whether it is entered on a paper form by staff."""
    proposers = list(a.proposal.proposers.all())
    if actor.role == Role.MEMBER and not actor.is_superuser:
        mine = [p for p in proposers if p.user_id == actor.pk]
        if proposer_id is not None and proposer_id not in {p.pk for p in mine}:
            raise Forbidden("只能提交本人的反馈意见。")
        return mine[0], False
    if proposer_id is None:
        if not proposers:
            raise InvalidInput("该提案没有登记提案人。")
        return proposers[0], True
    for p in proposers:
        if p.pk == proposer_id:
            return p, True
    raise InvalidInput("提案人不属于该提案。", details={"field": "proposer_id"})


@transaction.atomic
def give_feedback(
    assignment: Assignment,
    *,
    actor: User,
    attitude: str,
    result: str,
    comment: str = "",
    proposer_id: int | None = None,
) -> Assignment:
    """Record a proposer's rating; the first proposer's result closes the assignment or re-opens it."""
    a = _lock(assignment)
    require_can_act(actor, "feedback", a)
    proposer, on_paper = _proposer_for(actor, a, proposer_id)
    decisive = proposer.position == 0
    require_state("feedback" if decisive else "cosigner_feedback", a)
    reply = a.replies.filter(delivered_on__isnull=False).order_by("-version").first()
    Feedback.objects.create(
        assignment=a, reply=reply, proposer=proposer, attitude=attitude, result=result, comment=comment,
        entered_by=actor, on_paper=on_paper, decisive=decisive,
    )  # fmt: skip
    data = {"proposer": proposer.name, "attitude": attitude, "result": result, "comment": comment,
            "on_paper": on_paper, "decisive": decisive}  # fmt: skip
    if not decisive:
        _record(a, actor=actor, action="feedback", data=data)
        return a
    a.feedback_result = result
    _tell_unit(a, f"提案人对{_label(a)}的答复反馈：{Rating(result).label}。{comment}")
    if result != Rating.UNSATISFIED:
        return _move(a, "feedback", "satisfied", actor=actor, data=data, fields=["feedback_result"])
    rules = a.proposal.jurisdiction.time_rules
    a.due_on = deadlines.months_after(today(), rules.rehandle_months, rules, load_calendar())
    a.rehandled = True
    data["due_on"] = a.due_on.isoformat()
    return _move(a, "feedback", "unsatisfied", actor=actor, data=data,
                 fields=["feedback_result", "due_on", "rehandled"])  # fmt: skip


# ---------------------------------------------------------------------------------------------------
# After the reply: self-check, B-class follow-up, second feedback


@dataclass(frozen=True)
class PlannedAction:
    text: str
    due_on: date


@transaction.atomic
def self_check(
    assignment: Assignment, *, actor: User, findings: str, fulfilled: bool, actions: Sequence[PlannedAction] = ()
) -> SelfCheck:
    """Record the one-month self-check (回头看); unfulfilled promises need actions with time limits."""
    a = _begin(actor, "self_check", assignment)
    if not fulfilled and not actions:
        raise InvalidInput("承诺未落实的，须列出整改措施和时限。", details={"field": "actions"})
    check = SelfCheck.objects.create(
        assignment=a,
        findings=findings,
        fulfilled=fulfilled,
        actions=[{"text": x.text, "due_on": x.due_on.isoformat()} for x in actions],
        checked_by=actor,
    )
    if a.self_check_done_on is None:
        a.self_check_done_on = today()
        _save(a, "self_check_done_on")
    _record(a, actor=actor, action="self_check", data={"self_check_id": check.pk, "findings": findings,
                                                       "fulfilled": fulfilled, "actions": check.actions})  # fmt: skip
    return check


@dataclass(frozen=True)
class PlanItem:
    text: str
    department: Department
    person: str
    due_on: date


@transaction.atomic
def plan_follow_up(assignment: Assignment, *, actor: User, items: Sequence[PlanItem]) -> list[FollowUpItem]:
    """Set the follow-up plan (跟踪落实方案) of a B-class reply."""
    a = _begin(actor, "follow_up_plan", assignment)  # of a B-class reply only
    if not items:
        raise InvalidInput("跟踪落实方案至少包含一项落实事项。", details={"field": "items"})
    created = []
    for i in items:
        item = FollowUpItem(
            assignment=a, handling_unit_id=a.department_id, text=i.text, department=i.department, person=i.person,
            due_on=i.due_on, created_by=actor,
        )  # fmt: skip
        reminders.schedule_item(item, today())
        item.save()
        created.append(item)
    _record(a, actor=actor, action="follow_up_plan", data={"items": [
        {"id": i.pk, "text": i.text, "department": i.department.name, "person": i.person,
         "due_on": i.due_on.isoformat()} for i in created]})  # fmt: skip
    return created


@transaction.atomic
def finish_follow_up_item(assignment: Assignment, *, actor: User, item_id: int, note: str) -> FollowUpItem:
    a = _begin(actor, "follow_up_done", assignment)  # some item is still open
    item = a.follow_up_items.select_for_update().filter(pk=item_id).first()
    if item is None:
        raise InvalidInput("该落实事项不属于此交办。", details={"field": "item_id"})
    if item.done_on is not None:
        raise InvalidTransition("该落实事项已标记完成。", details={"state": a.state})
    item.done_on = today()
    item.note = note
    reminders.schedule_item(item, today())  # none: it is done
    item.save(update_fields=["done_on", "note", "remind_on"])
    _record(a, actor=actor, action="follow_up_done", data={"item_id": item.pk, "text": item.text, "note": note})
    return item


@transaction.atomic
def give_second_feedback(assignment: Assignment, *, actor: User, text: str) -> SecondFeedback:
    """Report to the proposer once every follow-up item is done (二次反馈)."""
    a = _begin(actor, "second_feedback", assignment)  # once, after every follow-up item is done
    record = SecondFeedback.objects.create(assignment=a, text=text, given_by=actor)
    _record(a, actor=actor, action="second_feedback", data={"text": text})
    return record


# ---------------------------------------------------------------------------------------------------
# Supervision (催办)


@transaction.atomic
def remind(assignment: Assignment, *, actor: User | None, message: str, key: str | None = None) -> Reminder:
    """Press a unit on an open assignment (催办); ``actor`` None is the deadline job.

    The message rows commit with the reminder and its event (the outbox), so a crash cannot leave a
    reminder nobody was told of; ``key`` makes an automatic reminder's message unique per recipient.
    """
    if actor is None:
        a = _lock(assignment)
        require_state("remind", a)
    else:
        a = _begin(actor, "remind", assignment)
    kind = ReminderKind.MANUAL if actor is not None else ReminderKind.DEADLINE
    reminder = Reminder.objects.create(assignment=a, kind=kind, message=message, sent_by=actor)
    overdue = a.watch_on is not None and a.watch_on < today()
    # Overdue reminders are copied to the unit's head (domain.md §6).
    roles = {Role.DEPT_HANDLER, Role.DEPT_LEADER} | ({Role.DEPT_HEAD} if overdue else set())
    notify(unit_users(a.department_id, roles), f"催办：{_label(a)}。{message}",
           proposal_id=a.proposal_id, assignment_id=a.pk, key=key)  # fmt: skip
    _record(a, actor=actor, action="remind", data={"reminder_id": reminder.pk, "message": message})
    return reminder


@transaction.atomic
def remind_units(assignments: Sequence[Assignment], *, actor: User, message: str) -> list[Reminder]:
    """Press many units at once (批量催办): every assignment is reminded, or none is.

    Each goes through ``remind`` (own jurisdiction 403, open state 409, one event each, the units told after
    commit), locked in (proposal, id) order so that two overlapping batches cannot deadlock.
    """
    require_role(actor, Role.OFFICE_STAFF)
    unique = {a.pk: a for a in assignments}.values()
    if not unique:
        raise InvalidInput("请至少选择一件交办事项。", details={"field": "assignment_ids"})
    return [remind(a, actor=actor, message=message) for a in sorted(unique, key=lambda x: (x.proposal_id, x.pk))]
