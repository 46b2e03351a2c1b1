"""Who may change a supervision (the "who" of each action), asked by the actions, and before the body is
parsed by the API and the pages (api.md: 403 before 400), and by the pages to offer the forms.

- milestones (节点): the office of the proposal's own jurisdiction (分级负责) sets them;
- a milestone is marked done by its responsible unit;
- progress notes (进展情况): the units assigned to the proposal (not one whose assignment was withdrawn)
  and the office;
- instructions (批示): a government leader in charge of one of its units or leading it (领办), or the
  office recording a leader's instruction given on paper.
A superuser may do all of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from handling.models import Assignment
from handling.states import State
from lib.errors import Forbidden
from organisation.models import DEPT_ROLES, Role

if TYPE_CHECKING:
    from organisation.models import User
    from proposals.models import Proposal

    from .models import Milestone


def active_unit_ids(proposal: Proposal) -> set[int]:
    """The units handling the proposal now: every assignment but a withdrawn one (退回)."""
    rows = Assignment.objects.filter(proposal_id=proposal.pk).exclude(state=State.WITHDRAWN)
    return set(rows.values_list("department_id", flat=True))


def is_office_of(user: User, proposal: Proposal) -> bool:
    return user.is_superuser or (user.role == Role.OFFICE_STAFF and user.jurisdiction_id == proposal.jurisdiction_id)


def is_unit_of(user: User, proposal: Proposal) -> bool:
    return (
        user.role in DEPT_ROLES and user.department_id is not None and user.department_id in active_unit_ids(proposal)
    )


def is_leader_in_charge(user: User, proposal: Proposal) -> bool:
    if user.role != Role.GOV_LEADER:
        return False
    if proposal.leading_leader_id == user.pk:
        return True
    charged = set(user.charged_departments.values_list("pk", flat=True))
    return bool(charged & active_unit_ids(proposal))


def may_set_milestones(user: User, proposal: Proposal) -> bool:
    return is_office_of(user, proposal)


def may_write_note(user: User, proposal: Proposal) -> bool:
    return is_office_of(user, proposal) or is_unit_of(user, proposal)


def may_instruct(user: User, proposal: Proposal) -> bool:
    return is_office_of(user, proposal) or is_leader_in_charge(user, proposal)


def may_finish(user: User, milestone: Milestone) -> bool:
    return user.is_superuser or (user.role in DEPT_ROLES and user.department_id == milestone.department_id)


def require_may_set_milestones(user: User, proposal: Proposal) -> None:
    if not may_set_milestones(user, proposal):
        raise Forbidden("只有本辖区督查室可以设置督办节点。")


def require_may_write_note(user: User, proposal: Proposal) -> None:
    if not may_write_note(user, proposal):
        raise Forbidden("只有承办单位或本辖区督查室可以报送督办进展。")


def require_may_instruct(user: User, proposal: Proposal) -> None:
    if not may_instruct(user, proposal):
        raise Forbidden("只有分管（领办）该提案的政府领导或本辖区督查室可以录入督办批示。")


def require_may_finish(user: User, milestone: Milestone) -> None:
    if not may_finish(user, milestone):
        raise Forbidden("只有该节点的责任单位可以标记完成。")
