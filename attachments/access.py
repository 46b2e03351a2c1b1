"""Which attachments a user may list and download: those of proposals ``handling.access`` lets them see.

Staff read every attachment of a proposal they see (a co unit the lead's photos, the office every unit's).
A proposer (委员) reads what is addressed to them (``handling.disclosure``'s rule, applied to files): the
proposal's original, and the sealed reply letter once a reply of that unit has been delivered; minutes
and photos of the handling stay inside the government. Anything else is 404, as for "not there".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q, QuerySet

from handling.access import visible_proposals
from handling.disclosure import Audience, audience_of
from handling.models import Reply
from lib.errors import NotFound

from .models import Attachment, Kind

if TYPE_CHECKING:
    from handling.models import Assignment
    from organisation.models import User
    from proposals.models import Proposal


def _delivered_reply() -> Exists:
    return Exists(Reply.objects.filter(assignment_id=OuterRef("assignment_id"), delivered_on__isnull=False))


def _readable(user: User, qs: QuerySet[Attachment]) -> QuerySet[Attachment]:
    if audience_of(user) == Audience.STAFF:
        return qs
    return qs.filter(Q(kind=Kind.ORIGINAL) | Q(_delivered_reply(), kind=Kind.SEALED_REPLY))


def visible_attachments(user: User) -> QuerySet[Attachment]:
    """Every attachment the user may read: of a proposal they see, and of a kind their audience reads."""
    return _readable(user, Attachment.objects.filter(proposal__in=visible_proposals(user).values("pk")))


def proposal_attachments(user: User, proposal: Proposal) -> QuerySet[Attachment]:
    """The attachments of a proposal already fetched through ``access_proposal``: its own and its units'."""
    qs = Attachment.objects.filter(proposal_id=proposal.pk).select_related("uploaded_by", "assignment__department")
    return _readable(user, qs).order_by("pk")


def assignment_attachments(user: User, assignment: Assignment) -> QuerySet[Attachment]:
    """The attachments of one unit's handling, for an assignment fetched through ``access_assignment``."""
    qs = Attachment.objects.filter(assignment_id=assignment.pk).select_related("uploaded_by", "assignment__department")
    return _readable(user, qs).order_by("pk")


def access_attachment(user: User, attachment_id: int) -> Attachment:
    attachment = (
        visible_attachments(user)
        .select_related("uploaded_by", "assignment__department")
        .filter(pk=attachment_id)
        .first()
    )
    if attachment is None:
        raise NotFound("附件不存在或您无权查看。")
    return attachment
