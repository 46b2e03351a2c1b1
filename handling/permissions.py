"""Who may act on an assignment, and what a user may do on it now.

Three checks open an action to a user: the role and unit (``can_act``), the state (the transition table of
``handling.states``) and the action's own precondition on the assignment's records (``PRECONDITIONS``: a
pending extension to decide, an open follow-up item, a B-class reply …). The actions refuse with these
functions, and ``available_actions`` offers what passes all three, so the API's ``available_actions`` and the
pages' forms never restate a rule.

The checks read related rows through ``.all()``, so that ``prefetch_for_actions`` makes a list of any length
cost a constant number of queries; an action, working on a freshly locked row, reads them from the database.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.utils import timezone

from lib.dates import cn_date
from lib.errors import DomainError, Forbidden, InvalidTransition, RuleViolation
from organisation.models import DEPT_ROLES, Role

from .models import Assignment, Decision, FollowUpItem, ResultClass
from .states import API_NAMES, TRANSITIONS, AssignmentRole, State, allowed_actions, is_open_for

if TYPE_CHECKING:
    from organisation.models import User
    from proposals.models import Proposal

S = State


# ---------------------------------------------------------------------------------------------------
# Role and unit


def is_proposer(user: User, proposal: Proposal) -> bool:
    return any(p.user_id == user.pk for p in proposal.proposers.all())


def in_charge_of(user: User, assignment: Assignment) -> bool:
    """Return whether a government leader is in charge of the unit, or leads the proposal (领办)."""
    if assignment.proposal.leading_leader_id == user.pk:
        return True
    # Read once per user object: a list asks this for every row.
    prefetch_related_objects([user], "charged_departments")
    return any(d.pk == assignment.department_id for d in user.charged_departments.all())


def acts_for_jurisdiction(user: User, proposal: Proposal) -> bool:
    """Office and CPPCC staff act on their own jurisdiction's proposals only (分级负责); they see more."""
    return user.jurisdiction_id == proposal.jurisdiction_id


def acts_on(user: User, assignment: Assignment) -> bool:
    """Return whether the assignment is this user's to act on: their unit, jurisdiction, charge or proposal."""
    if user.is_superuser:
        return True
    if user.role in DEPT_ROLES:
        return user.department_id == assignment.department_id
    if user.role in (Role.OFFICE_STAFF, Role.CPPCC_STAFF):
        return acts_for_jurisdiction(user, assignment.proposal)
    if user.role == Role.GOV_LEADER:
        return in_charge_of(user, assignment)
    if user.role == Role.MEMBER:
        return is_proposer(user, assignment.proposal)
    return False


def can_act(user: User, action: str, assignment: Assignment) -> bool:
    """Return whether this user's role and unit allow the action on this assignment (state aside)."""
    if user.is_superuser:
        return True
    return user.role in TRANSITIONS[action].who and acts_on(user, assignment)


def require_can_act(user: User, action: str, assignment: Assignment) -> None:
    if not can_act(user, action, assignment):
        raise Forbidden("您的角色或所在单位无权办理此项操作。", details={"action": action})


# ---------------------------------------------------------------------------------------------------
# State


def state_refusal(action: str, a: Assignment) -> InvalidTransition | None:
    """The 409 of an action the assignment's state does not allow (None when it does)."""
    key = a.proposal.needs_leader_approval
    if is_open_for(action, a.state, a.role, key=key):
        return None
    return InvalidTransition(
        f"当前状态（{State(a.state).label}）不能进行此项操作。",
        details={"state": a.state, "allowed_actions": allowed_actions(a.state, a.role, key=key)},
    )


def require_state(action: str, a: Assignment) -> None:
    error = state_refusal(action, a)
    if error is not None:
        raise error


def rating_transitions(user: User, a: Assignment) -> list[str]:
    """The transitions a rating by this user takes: the first proposer's decides (``feedback``), a co-signer's
    is recorded only (``cosigner_feedback``); staff entering paper forms may enter either."""
    proposers = list(a.proposal.proposers.all())
    if user.role == Role.MEMBER and not user.is_superuser:
        mine = [p for p in proposers if p.user_id == user.pk]
        if not mine:
            return []
        return ["feedback" if mine[0].position == 0 else "cosigner_feedback"]
    return ["feedback"] + (["cosigner_feedback"] if any(p.position > 0 for p in proposers) else [])


# ---------------------------------------------------------------------------------------------------
# Preconditions: what an action needs of the assignment's records besides its state.


def _return_window(a: Assignment) -> DomainError | None:
    if timezone.localdate() <= a.return_deadline:
        return None
    return RuleViolation(
        "return_window_closed",
        f"退回期限（{cn_date(a.return_deadline)}）已过，不能再申请退回；如确需调整请与督查室联系。",
        details={"return_deadline": a.return_deadline.isoformat()},
    )


def has_pending_extension(a: Assignment) -> bool:
    return any(r.decision == Decision.PENDING for r in a.extension_requests.all())


def _no_pending_extension(a: Assignment) -> DomainError | None:
    if not has_pending_extension(a):
        return None
    return InvalidTransition("已有一份延期申请等待督查室审批。", details={"state": a.state})


def _pending_extension_to(verb: str) -> Callable[[Assignment], DomainError | None]:
    def check(a: Assignment) -> DomainError | None:
        if has_pending_extension(a):
            return None
        return InvalidTransition(f"没有待{verb}的延期申请。", details={"state": a.state})

    return check


def _government_decision(a: Assignment) -> DomainError | None:
    if not a.proposal.is_major or a.government_decisions.all():
        return None
    return RuleViolation("government_decision_missing", "重大提案须先报请政府研究并记录政府决定，再按决定起草答复。")


def co_units_without_opinion(a: Assignment) -> list[str]:
    """The co units of the proposal that have not sent their opinion yet (withdrawn ones need not)."""
    waiting = [
        x for x in a.proposal.assignments.all() if x.role == AssignmentRole.CO and x.state in (S.PENDING, S.RECEIVED)
    ]
    return [x.department.name for x in sorted(waiting, key=lambda x: x.pk)]


def _co_opinions(a: Assignment) -> DomainError | None:
    missing = co_units_without_opinion(a)
    if not missing:
        return None
    return RuleViolation(
        "co_opinions_missing",
        f"协办单位（{'、'.join(missing)}）尚未提交协办意见，暂不能签发答复。",
        details={"departments": missing},
    )


def _b_class(a: Assignment) -> DomainError | None:
    if a.delivered_class == ResultClass.B:
        return None
    return RuleViolation("not_b_class", "只有办理结果为B类的提案需要制定跟踪落实方案。")


def _open_item(a: Assignment) -> DomainError | None:
    if any(i.done_on is None for i in a.follow_up_items.all()):
        return None
    return InvalidTransition("没有尚未完成的落实事项。", details={"state": a.state})


def _follow_up_done(a: Assignment) -> DomainError | None:
    if a.second_feedbacks.all():
        return InvalidTransition("已进行过二次反馈。", details={"state": a.state})
    done = [i.done_on for i in a.follow_up_items.all()]
    if not done or any(d is None for d in done):
        return RuleViolation("follow_up_open", "跟踪落实事项尚未全部完成，暂不能进行二次反馈。",
                             details={"open_items": sum(1 for d in done if d is None)})  # fmt: skip
    return None


# One check per action, run by the action itself (``actions._begin``) and by ``available_actions``.
PRECONDITIONS: dict[str, Callable[[Assignment], DomainError | None]] = {
    "request_return": _return_window,
    "request_extension": _no_pending_extension,
    "consult_extension": _pending_extension_to("协商"),
    "decide_extension": _pending_extension_to("审批"),
    "draft_reply": _government_decision,
    "sign_reply": _co_opinions,
    "follow_up_plan": _b_class,
    "follow_up_done": _open_item,
    "second_feedback": _follow_up_done,
}


def precondition_refusal(action: str, a: Assignment) -> DomainError | None:
    """Why the assignment's records do not allow the action now (None when they do)."""
    check = PRECONDITIONS.get(action)
    return check(a) if check is not None else None


def require_precondition(action: str, a: Assignment) -> None:
    error = precondition_refusal(action, a)
    if error is not None:
        raise error


# ---------------------------------------------------------------------------------------------------
# What may this user do now


def _state_refusal_for(user: User, action: str, a: Assignment) -> DomainError | None:
    """The state check of an action for this user: a rating checks the transition this user's rating takes."""
    if action != "feedback":
        return state_refusal(action, a)
    errors = [state_refusal(t, a) for t in rating_transitions(user, a)]
    if not errors:
        return Forbidden("只能提交本人的反馈意见。")
    return None if any(e is None for e in errors) else errors[0]


def refusal(user: User, action: str, a: Assignment) -> DomainError | None:
    """Why this user may not take the action on the assignment now, as the action would refuse (None: they
    may). The order is the API's: role and unit (403), state (409), then the records (409 or 422)."""
    if not can_act(user, action, a):
        return Forbidden("您的角色或所在单位无权办理此项操作。", details={"action": action})
    return _state_refusal_for(user, action, a) or precondition_refusal(action, a)


def available_actions(user: User, a: Assignment) -> list[str]:
    """The actions (internal names, in the table's order) this user may take on this assignment now."""
    if not acts_on(user, a):
        return []
    return [
        name
        for name, tr in TRANSITIONS.items()
        if not tr.internal
        and (user.is_superuser or user.role in tr.who)
        and _state_refusal_for(user, name, a) is None
        and precondition_refusal(name, a) is None
    ]


def available_api_actions(user: User, a: Assignment) -> list[str]:
    """``available_actions`` in the API's spelling (the path segment of ``POST /assignments/{id}/<action>``)."""
    return [API_NAMES[name] for name in available_actions(user, a)]


def prefetch_for_actions(qs: QuerySet[Assignment]) -> QuerySet[Assignment]:
    """Load what ``available_actions`` reads, for a list of assignments in a constant number of queries."""
    return qs.select_related("proposal", "department").prefetch_related(
        "proposal__proposers",
        Prefetch("proposal__assignments", queryset=Assignment.objects.select_related("department")),
        "extension_requests",
        "government_decisions",
        Prefetch("follow_up_items", queryset=FollowUpItem.objects.order_by("pk")),
        "second_feedbacks",
    )
