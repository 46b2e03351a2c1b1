"""Who may act on an assignment: the role (from the transition table) and the unit or person."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lib.errors import Forbidden
from organisation.models import DEPT_ROLES, Role

from .states import TRANSITIONS

if TYPE_CHECKING:
    from organisation.models import User
    from proposals.models import Proposal

    from .models import Assignment


def is_proposer(user: User, proposal: Proposal) -> bool:
    return proposal.proposers.filter(user=user).exists()


def in_charge_of(user: User, assignment: Assignment) -> bool:
    """Return whether a government leader is in charge of the unit, or leads the proposal (领办)."""
    if assignment.proposal.leading_leader_id == user.pk:
        return True
    return user.charged_departments.filter(pk=assignment.department_id).exists()


def acts_for_jurisdiction(user: User, proposal: Proposal) -> bool:
    """Office and CPPCC staff act on their own jurisdiction's proposals only (分级负责); they see more."""
    return user.jurisdiction_id == proposal.jurisdiction_id


def can_act(user: User, action: str, assignment: Assignment) -> bool:
    """Return whether this user's role and unit allow the action on this assignment (state aside)."""
    if user.is_superuser:
        return True
    if user.role not in TRANSITIONS[action].who:
        return False
    if user.role in DEPT_ROLES:
        return user.department_id == assignment.department_id
    if user.role in (Role.OFFICE_STAFF, Role.CPPCC_STAFF):
        return acts_for_jurisdiction(user, assignment.proposal)
    if user.role == Role.GOV_LEADER:
        return in_charge_of(user, assignment)
    if user.role == Role.MEMBER:
        return is_proposer(user, assignment.proposal)
    return False


def require_can_act(user: User, action: str, assignment: Assignment) -> None:
    if not can_act(user, action, assignment):
        raise Forbidden("您的角色或所在单位无权办理此项操作。", details={"action": action})
