"""The assignment state machine: one table says which action moves which state where, and who may act.

Reading the table is reading the rules (domain.md §4). ``who`` lists the roles allowed to act; the unit
check (is this *your* unit, *your* proposal) is in ``handling.permissions``. ``to`` maps each outcome of
an action to the next state; ``None`` keeps the state, ``PREVIOUS`` returns to the state before a return
request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

from django.db import models

from organisation.models import DEPT_ROLES, Role
from proposals.models import ProposalStatus


class AssignmentRole(models.TextChoices):
    LEAD = "lead", "主办"
    CO = "co", "协办"


class State(models.TextChoices):
    PENDING = "pending", "待签收"
    RECEIVED = "received", "已签收"
    RETURN_REQUESTED = "return_requested", "申请退回"
    WITHDRAWN = "withdrawn", "已退回"
    FORM_SUBMITTED = "form_submitted", "承办单待批"
    HANDLING = "handling", "办理中"
    REPLY_DRAFTED = "reply_drafted", "答复待签发"
    OFFICE_REVIEW = "office_review", "办公部门审核"
    LEADER_APPROVAL = "leader_approval", "政府领导审定"
    APPROVED = "approved", "已审定"
    REPLIED = "replied", "已答复"
    REHANDLING = "rehandling", "再次办理"
    CLOSED = "closed", "已办结"
    OPINION_SUBMITTED = "opinion_submitted", "已提交协办意见"


PREVIOUS: Final = "previous"  # sentinel: back to the state before the return request

S = State
DEPT = DEPT_ROLES  # a short name for the table below
OFFICE = frozenset({Role.OFFICE_STAFF})
HEAD = frozenset({Role.DEPT_HEAD})
HEAD_OR_LEADER = frozenset({Role.DEPT_HEAD, Role.DEPT_LEADER})
GOV = frozenset({Role.GOV_LEADER})
CPPCC = frozenset({Role.CPPCC_STAFF})
RATERS = frozenset({Role.MEMBER, Role.CPPCC_STAFF, Role.OFFICE_STAFF})
LEAD = frozenset({AssignmentRole.LEAD})
CO = frozenset({AssignmentRole.CO})
BOTH = LEAD | CO

# A lead may ask for more time at any point before its reply is delivered.
BEFORE_REPLY = frozenset(
    {
        S.PENDING,
        S.RECEIVED,
        S.FORM_SUBMITTED,
        S.HANDLING,
        S.REPLY_DRAFTED,
        S.OFFICE_REVIEW,
        S.LEADER_APPROVAL,
        S.APPROVED,
    }
)
# Contacts with the proposer: from receipt until closed (and after).
CONTACT_STATES = frozenset(
    {
        S.RECEIVED, S.FORM_SUBMITTED, S.HANDLING, S.REPLY_DRAFTED, S.OFFICE_REVIEW,
        S.LEADER_APPROVAL, S.APPROVED, S.REPLIED, S.REHANDLING, S.CLOSED,
    }
)  # fmt: skip
AFTER_REPLY = frozenset({S.REPLIED, S.CLOSED})
# Nothing more to do on these: no light, no reminders.
FINISHED = frozenset({S.WITHDRAWN, S.REPLIED, S.CLOSED, S.OPINION_SUBMITTED})


@dataclass(frozen=True)
class Transition:
    who: frozenset[str]
    applies_to: frozenset[str]
    sources: frozenset[str]
    to: dict[str, str | None]
    internal: bool = False  # not an API action of its own
    key_sources: frozenset[str] | None = None  # for key proposals and 建议案, when they differ


def t(
    who: frozenset[str], applies_to: frozenset[str], sources: set[str] | frozenset[str], **to: str | None
) -> Transition:
    return Transition(who, applies_to, frozenset(sources), to)


# action: who, lead/co, from states, outcome -> next state
TRANSITIONS: Final[dict[str, Transition]] = {
    "receive":           t(DEPT, BOTH, {S.PENDING}, ok=S.RECEIVED),
    "request_return":    t(DEPT, BOTH, {S.PENDING, S.RECEIVED}, ok=S.RETURN_REQUESTED),
    "decide_return":     t(OFFICE, BOTH, {S.RETURN_REQUESTED}, approve=S.WITHDRAWN, reject=PREVIOUS),
    "submit_form":       t(DEPT, LEAD, {S.RECEIVED}, ok=S.FORM_SUBMITTED),
    "approve_form":      t(HEAD_OR_LEADER, LEAD, {S.FORM_SUBMITTED}, approve=S.HANDLING, reject=S.RECEIVED),
    "contact":           t(DEPT, LEAD, CONTACT_STATES, ok=None),
    "co_opinion":        t(DEPT, CO, {S.RECEIVED}, ok=S.OPINION_SUBMITTED),
    # A major proposal is reported to the government, whose decision is recorded before the reply.
    "government_decision": t(OFFICE, LEAD, {S.HANDLING, S.REHANDLING}, ok=None),
    "draft_reply":       t(DEPT, LEAD, {S.HANDLING, S.REHANDLING, S.REPLY_DRAFTED}, ok=S.REPLY_DRAFTED),
    # A key proposal or 建议案 goes to the office for review instead of straight to the proposer.
    "sign_reply":        t(HEAD, LEAD, {S.REPLY_DRAFTED}, ok=S.REPLIED, key=S.OFFICE_REVIEW),
    "review_reply":      t(OFFICE, LEAD, {S.OFFICE_REVIEW}, approve=S.LEADER_APPROVAL, reject=S.HANDLING),
    "approve_reply":     t(GOV, LEAD, {S.LEADER_APPROVAL}, approve=S.APPROVED, reject=S.HANDLING),
    # Key proposals are replied at the meeting, only once approved; others may hold a collective
    # meeting once replied.
    "reply_meeting":     Transition(DEPT | OFFICE, LEAD, AFTER_REPLY, {"key": S.REPLIED, "ok": None},
                                    key_sources=frozenset({S.APPROVED})),
    "request_extension": t(DEPT, LEAD, BEFORE_REPLY, ok=None),
    # The CPPCC is consulted on an extension (协商) before the office may approve it.
    "consult_extension": t(CPPCC, LEAD, BEFORE_REPLY, ok=None),
    "decide_extension":  t(OFFICE, LEAD, BEFORE_REPLY, ok=None),
    "feedback":          t(RATERS, LEAD, {S.REPLIED}, satisfied=S.CLOSED, unsatisfied=S.REHANDLING),
    # Co-signers of a joint proposal rate too; only the first proposer's rating moves the state.
    "cosigner_feedback": Transition(RATERS, LEAD, AFTER_REPLY | {S.REHANDLING}, {"ok": None}, internal=True),
    "self_check":        t(DEPT, LEAD, AFTER_REPLY | {S.REHANDLING}, ok=None),
    "follow_up_plan":    t(DEPT, LEAD, AFTER_REPLY, ok=None),
    "follow_up_done":    t(DEPT, LEAD, AFTER_REPLY, ok=None),
    "second_feedback":   t(DEPT, LEAD, AFTER_REPLY, ok=None),
    "remind":            t(OFFICE, BOTH, frozenset(S.values) - FINISHED, ok=None),
}  # fmt: skip

# The API's spelling of each action (the path segment of POST /assignments/{id}/<action>).
API_NAMES: Final = {name: name.replace("_", "-") for name, tr in TRANSITIONS.items() if not tr.internal}


def _sources(tr: Transition, key: bool) -> frozenset[str]:
    return tr.key_sources if key and tr.key_sources is not None else tr.sources


def allowed_actions(state: str, role: str, *, key: bool = False) -> list[str]:
    """Return the actions possible in this state for a lead or co assignment (by their API names)."""
    return [
        API_NAMES[name]
        for name, tr in TRANSITIONS.items()
        if not tr.internal and state in _sources(tr, key) and role in tr.applies_to
    ]


def is_open_for(action: str, state: str, role: str, *, key: bool = False) -> bool:
    """Return whether the action is allowed in this state (``key``: a key proposal or 建议案)."""
    tr = TRANSITIONS[action]
    return state in _sources(tr, key) and role in tr.applies_to


LIGHT_YELLOW_DAYS: Final = 15


def days_left(due: date | None, today: date) -> int | None:
    """Days until a deadline (negative once passed); None when there is none to watch."""
    return None if due is None else (due - today).days


def light_for(watch_on_days_left: int | None) -> str | None:
    """Return the traffic light for the days left until the watched deadline (红黄绿灯督办)."""
    if watch_on_days_left is None:
        return None
    if watch_on_days_left < 0:
        return "red"
    if watch_on_days_left <= LIGHT_YELLOW_DAYS:
        return "yellow"
    return "green"


def derive_proposal_status(lead_states: list[str]) -> str:
    """Return a proposal's status from the states of its lead assignments (withdrawn ones ignored)."""
    active = [s for s in lead_states if s != S.WITHDRAWN]
    if not active:
        return ProposalStatus.REGISTERED
    if all(s == S.CLOSED for s in active):
        return ProposalStatus.CLOSED
    if all(s in (S.REPLIED, S.CLOSED) for s in active):
        return ProposalStatus.REPLIED
    if all(s in (S.PENDING, S.RECEIVED, S.RETURN_REQUESTED) for s in active):
        return ProposalStatus.ASSIGNED
    return ProposalStatus.HANDLING
