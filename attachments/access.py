"""Which attachments a user may list and download: those of proposals ``handling.access`` lets them see.

The one definition, used by the API, the staff pages and the member's page (web/views/member.py) alike.
Staff read every attachment of a proposal they see (a co unit the lead's photos, the office every unit's).
A proposer (委员) reads what ``handling.disclosure`` addresses to them, applied to files (``PROPOSER_READS``):

- the proposal's original (提案原件): their own proposal as the CPPCC filed it;
- the sealed scan of a unit's reply letter (盖章答复函扫描件), once a reply of that unit has been delivered:
  the letter they read on the page (``disclosure.reply_for`` gives a proposer delivered replies only).

Everything else stays inside the government, as the steps behind it do in ``disclosure.PROPOSER_READS``:
photos of on-site handling and meeting minutes are a unit's working files (its 承办单 and contact notes
are internal too), and "other" files may be anything. The public reads no attachment (published replies
are text without contact details). Anything not readable is 404, as for "not there".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Final

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


def _delivered_reply() -> Q:
    return Q(Exists(Reply.objects.filter(assignment_id=OuterRef("assignment_id"), delivered_on__isnull=False)))


# kind → the condition under which a proposer reads a file of that kind; a kind not listed is internal.
PROPOSER_READS: Final[dict[Kind, Callable[[], Q]]] = {
    Kind.ORIGINAL: Q,  # always
    Kind.SEALED_REPLY: _delivered_reply,
}


def _readable(user: User, qs: QuerySet[Attachment]) -> QuerySet[Attachment]:
    audience = audience_of(user)
    if audience == Audience.STAFF:
        return qs
    if audience != Audience.PROPOSER:
        return qs.none()
    readable = Q(pk__in=[])
    for kind, when in PROPOSER_READS.items():
        readable |= Q(when(), kind=kind)
    return qs.filter(readable)


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
