"""The only way to fetch protected proposals and assignments: what a user may see, else 404.

Visibility (api.md): office and CPPCC staff see their jurisdiction and those under it; a government
leader sees proposals assigned to the units in their charge (and those they lead); unit users see
proposals with an assignment of their unit, withdrawn ones included; a member sees proposals they
filed; a superuser sees everything. "Not yours" and "not there" are both 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from handling.models import Assignment, FollowUpItem
from lib.errors import NotFound
from organisation.models import DEPT_ROLES, Jurisdiction, Role
from proposals.models import KEY_OR_SUGGESTION, Proposal, Proposer

if TYPE_CHECKING:
    from organisation.models import User


def _jurisdiction_ids(user: User) -> list[int]:
    """The user's jurisdiction and those under it, walked once per request's user (a workbench asks for
    them in every section: the office's did it five times, ten queries)."""
    if user.jurisdiction_id is None:
        return []
    cached: tuple[int, list[int]] | None = getattr(user, "_jurisdiction_ids", None)
    if cached is None or cached[0] != user.jurisdiction_id:  # a test may move the user to another jurisdiction
        cached = (user.jurisdiction_id, Jurisdiction(pk=user.jurisdiction_id).descendant_ids())
        user._jurisdiction_ids = cached  # type: ignore[attr-defined]
    return list(cached[1])


def _charged_ids(user: User) -> list[int]:
    """A leader's units as a list of ids (a few dozen at most): the planner then sees constants to match
    against the (department, …) indexes, not a join it misestimates."""
    cached: list[int] | None = getattr(user, "_charged_ids", None)  # once per request's user
    if cached is None:
        cached = list(user.charged_departments.values_list("pk", flat=True))
        user._charged_ids = cached  # type: ignore[attr-defined]
    return cached


def visible_proposals(user: User) -> QuerySet[Proposal]:
    qs = Proposal.objects.all()
    if user.is_superuser:
        return qs
    if user.role in (Role.OFFICE_STAFF, Role.CPPCC_STAFF):
        return qs.filter(jurisdiction_id__in=_jurisdiction_ids(user))
    if user.role in DEPT_ROLES:
        if user.department_id is None:
            return qs.none()
        return qs.filter(pk__in=Assignment.objects.filter(department_id=user.department_id).values("proposal_id"))
    if user.role == Role.GOV_LEADER:
        charged = _charged_ids(user)
        return qs.filter(
            Q(pk__in=Assignment.objects.filter(department_id__in=charged).values("proposal_id"))
            | Q(leading_leader=user)
        )
    if user.role == Role.MEMBER:
        return qs.filter(pk__in=Proposer.objects.filter(user=user).values("proposal_id"))
    return qs.none()


def followed_proposals(user: User) -> QuerySet[Proposal]:
    """The key proposals and 建议案 a user follows, and the proposals a leader leads (领办): of
    ``visible_proposals``, those marked or led by them. A leader's are read from the assignments' copy of the
    flags (``Assignment.is_key_or_suggestion``, index ``assignment_dept_key_idx``) on the units in their
    charge, a few thousand index entries in a province, not every assignment of those units."""
    if user.role != Role.GOV_LEADER or user.is_superuser:
        return visible_proposals(user).filter(KEY_OR_SUGGESTION | Q(leading_leader=user))
    keyed = Assignment.objects.filter(department_id__in=_charged_ids(user), is_key_or_suggestion=True)
    led = Proposal.objects.filter(leading_leader=user).values("pk")
    return Proposal.objects.filter(pk__in=keyed.values("proposal_id").union(led))


def visible_follow_up_items(user: User) -> QuerySet[FollowUpItem]:
    """The B-class follow-up items (跟踪落实事项) of ``visible_assignments``; a unit's by the handling unit
    copied onto each item (index ``follow_up_unit_open_idx`` for the open ones), not a join over every
    assignment the unit ever had."""
    if user.role in DEPT_ROLES and not user.is_superuser:
        return (
            FollowUpItem.objects.filter(handling_unit_id=user.department_id)
            if user.department_id
            else FollowUpItem.objects.none()
        )
    return FollowUpItem.objects.filter(assignment__in=visible_assignments(user).values("pk"))


def visible_assignments(user: User) -> QuerySet[Assignment]:
    """Return the assignments on a user's to-do lists.

    Unit users see only their own unit's, leaders those of the units in their charge (and of proposals
    they lead); everyone else, the assignments of the proposals they may see.
    """
    qs = Assignment.objects.all()
    if user.is_superuser:
        return qs
    if user.role in DEPT_ROLES:
        return qs.filter(department_id=user.department_id) if user.department_id else qs.none()
    if user.role == Role.GOV_LEADER:
        return qs.filter(Q(department_id__in=_charged_ids(user)) | Q(proposal__leading_leader=user))
    if user.role in (Role.OFFICE_STAFF, Role.CPPCC_STAFF):
        # the proposal's jurisdiction, copied onto the assignment: no subquery over the visible proposals
        return qs.filter(jurisdiction_id__in=_jurisdiction_ids(user))
    return qs.filter(proposal__in=visible_proposals(user).values("pk"))


def own_jurisdiction(user: User, field: str = "jurisdiction_id") -> Q:
    """The rows office and CPPCC staff act on: their own jurisdiction's (分级负责, as
    ``permissions.acts_for_jurisdiction``), though they see those below too (``visible_*``); a superuser acts
    on all (``can_act``). ``field`` names the jurisdiction of the rows filtered (sessions, users, ...)."""
    if user.is_superuser:
        return Q()
    return Q(**{field: user.jurisdiction_id}) if user.jurisdiction_id else Q(pk__in=[])


def visible_jurisdiction_ids(user: User) -> list[int]:
    """The jurisdictions office and CPPCC staff see (``visible_*``): their own and those under it; a
    superuser's are all of them."""
    if user.is_superuser:
        return list(Jurisdiction.objects.values_list("pk", flat=True))
    return _jurisdiction_ids(user)


def own_jurisdiction_ids(user: User) -> list[int]:
    """The jurisdictions of ``own_jurisdiction`` as ids, for the reports: a superuser's are all of them."""
    if user.is_superuser:
        return list(Jurisdiction.objects.values_list("pk", flat=True))
    return [user.jurisdiction_id] if user.jurisdiction_id else []


def own_jurisdiction_proposals(user: User) -> QuerySet[Proposal]:
    """The proposals office and CPPCC staff act on: of their own jurisdiction, not the ones below it."""
    return visible_proposals(user).filter(own_jurisdiction(user))


def own_jurisdiction_assignments(user: User) -> QuerySet[Assignment]:
    """The assignments of ``own_jurisdiction_proposals``, whichever unit handles them."""
    return visible_assignments(user).filter(own_jurisdiction(user, "jurisdiction_id"))


def access_proposal(user: User, proposal_id: int) -> Proposal:
    proposal = visible_proposals(user).select_related("session", "jurisdiction").filter(pk=proposal_id).first()
    if proposal is None:
        raise NotFound("提案不存在或您无权查看。")
    return proposal


def access_assignment(user: User, assignment_id: int) -> Assignment:
    """Return an assignment of a proposal the user may see (acting on it is checked by the action)."""
    assignment = (
        Assignment.objects.select_related("proposal", "proposal__jurisdiction", "department")
        .filter(pk=assignment_id, proposal__in=visible_proposals(user).values("pk"))
        .first()
    )
    if assignment is None:
        raise NotFound("交办记录不存在或您无权查看。")
    return assignment
