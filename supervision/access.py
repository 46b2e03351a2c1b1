"""The only way to fetch a supervision: the key proposals and 建议案 a user may see, else 404.

Who reads (domain.md §7): the office and the CPPCC of the jurisdiction and those above it, the leaders in
charge, the units assigned to the proposal, within what ``handling.access`` lets each see. A member
reads nothing of it (the supervision is internal, like reminders): their own proposal's plan is 404 as
an unknown one, and so is a proposal that is neither a key proposal nor a 建议案.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from handling.access import visible_proposals
from lib.errors import NotFound
from organisation.models import DEPT_ROLES, Role
from proposals.models import KEY_OR_SUGGESTION, Proposal

from .models import Milestone

if TYPE_CHECKING:
    from organisation.models import User

READERS = frozenset({Role.OFFICE_STAFF, Role.CPPCC_STAFF, Role.GOV_LEADER, *DEPT_ROLES})
SUPERVISED = KEY_OR_SUGGESTION


def supervised_proposals(user: User) -> QuerySet[Proposal]:
    """The key proposals and 建议案 the user may read the supervision of."""
    if not user.is_superuser and user.role not in READERS:
        return Proposal.objects.none()
    return visible_proposals(user).filter(SUPERVISED)


def access_supervision(user: User, proposal_id: int) -> Proposal:
    proposal = supervised_proposals(user).select_related("session", "jurisdiction").filter(pk=proposal_id).first()
    if proposal is None:
        raise NotFound("督办事项不存在或您无权查看。")
    return proposal


def access_milestone(user: User, milestone_id: int) -> Milestone:
    milestone = (
        Milestone.objects.select_related("plan__proposal__session", "plan__proposal__jurisdiction", "department")
        .filter(pk=milestone_id, plan__proposal__in=supervised_proposals(user).values("pk"))
        .first()
    )
    if milestone is None:
        raise NotFound("督办节点不存在或您无权查看。")
    return milestone
