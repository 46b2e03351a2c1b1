"""Uploading an attachment: one action per place a file belongs (a unit's handling, the proposal itself).

As every action (handling/actions.py): check role and unit (403), kind and file (400/413), state (409),
then write the row and its history event in one transaction, with the proposal locked. The bytes are
stored first, outside the transaction (slow work never holds the database's write lock), under a
generated name; when anything after that fails, the stored file is removed again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Final

from django.core.files import File
from django.core.files.storage import Storage, storages
from django.db import transaction

from handling.models import Assignment
from handling.permissions import acts_for_jurisdiction
from handling.states import State
from history.recording import record_event
from lib.errors import Forbidden, InvalidInput, InvalidTransition
from organisation.models import DEPT_ROLES, Role
from proposals.models import Proposal

from . import files
from .models import Attachment, Kind

if TYPE_CHECKING:
    from organisation.models import User

ACTION: Final = "attach"  # the history's name for an upload (web/labels.py shows it as 上传附件)

# What may be attached where: the original comes from the CPPCC with the proposal; a sealed reply is a
# unit's letter. Photos, minutes and anything else may belong to either.
ASSIGNMENT_KINDS: Final = (Kind.SEALED_REPLY, Kind.PHOTO, Kind.MINUTES, Kind.OTHER)
PROPOSAL_KINDS: Final = (Kind.ORIGINAL, Kind.MINUTES, Kind.PHOTO, Kind.OTHER)


def storage() -> Storage:
    return storages["attachments"]


@dataclass(frozen=True)
class Upload:
    """A file as received: the name the user gave it, its bytes, and the size the upload handler counted."""

    name: str
    file: IO[bytes]
    size: int | None = None


# ---------------------------------------------------------------------------------------------------
# Who may attach (403), what kind (400), in which state (409)


def may_attach_to_assignment(user: User, a: Assignment) -> bool:
    """The staff of the assignment's unit (any of its three roles)."""
    return user.is_superuser or (user.role in DEPT_ROLES and user.department_id == a.department_id)


def may_attach_to_proposal(user: User, p: Proposal) -> bool:
    """CPPCC and office staff of the proposal's own jurisdiction (分级负责: they see those below, too)."""
    if user.is_superuser:
        return True
    return user.role in (Role.CPPCC_STAFF, Role.OFFICE_STAFF) and acts_for_jurisdiction(user, p)


def require_may_attach(user: User, target: Assignment | Proposal) -> None:
    if isinstance(target, Assignment):
        if not may_attach_to_assignment(user, target):
            raise Forbidden("只有本交办事项承办单位的工作人员可以上传附件。", details={"action": ACTION})
    elif not may_attach_to_proposal(user, target):
        raise Forbidden("只有本级政协提案委或督查室工作人员可以上传提案附件。", details={"action": ACTION})


def kinds_for(target: Assignment | Proposal) -> tuple[Kind, ...]:
    return ASSIGNMENT_KINDS if isinstance(target, Assignment) else PROPOSAL_KINDS


def parse_kind(value: str | None, target: Assignment | Proposal) -> Kind:
    allowed = kinds_for(target)
    if value in allowed:
        return Kind(value)
    where = "交办事项" if isinstance(target, Assignment) else "提案"
    names = "、".join(f"{k.value}（{k.label}）" for k in allowed)
    raise InvalidInput(
        f"附件类别不正确：{where}的附件类别应为 {names} 之一。",
        details={"fields": {"kind": "取值不正确"}, "allowed": [k.value for k in allowed]},
    )


def upload_refusal(a: Assignment, kind: str) -> InvalidTransition | None:
    """Why the assignment's state or records do not take this upload now (None: they do): a unit attaches
    once it has received the case, a withdrawn one only reads, a sealed scan needs a signed letter."""
    if a.state == State.PENDING:
        return InvalidTransition("请先签收交办事项，再上传附件。", details={"state": a.state})
    if a.state == State.WITHDRAWN:
        return InvalidTransition("本单位的交办事项已退回，不能再上传附件。", details={"state": a.state})
    if kind == Kind.SEALED_REPLY and not a.replies.filter(signed_on__isnull=False).exists():
        return InvalidTransition("答复函签发后才能上传盖章扫描件。", details={"state": a.state})
    return None


def _check_kind_and_type(kind: Kind, checked: files.Checked) -> None:
    if kind == Kind.PHOTO and checked.ftype not in files.IMAGES:
        raise InvalidInput("现场办理照片只接受 JPEG 或 PNG 图片。", details={"field": "file"})


# ---------------------------------------------------------------------------------------------------
# The actions

# Run inside the upload's transaction, after its row and event: the API records its Idempotency-Key
# there, so a concurrent retry that loses the race rolls back and its stored file is removed again.
Within = Callable[[Attachment], None]


def attach_to_assignment(
    a: Assignment, *, actor: User, kind: str, upload: Upload, within: Within | None = None
) -> Attachment:
    """Attach a file to one unit's handling of a proposal (a sealed reply, photos, minutes …)."""
    require_may_attach(actor, a)
    return _attach(a.proposal_id, a, actor=actor, kind=parse_kind(kind, a), upload=upload, within=within)


def attach_to_proposal(
    p: Proposal, *, actor: User, kind: str, upload: Upload, within: Within | None = None
) -> Attachment:
    """Attach a file to the proposal itself (its original from the CPPCC …)."""
    require_may_attach(actor, p)
    return _attach(p.pk, None, actor=actor, kind=parse_kind(kind, p), upload=upload, within=within)


def _attach(
    proposal_id: int, a: Assignment | None, *, actor: User, kind: Kind, upload: Upload, within: Within | None
) -> Attachment:
    checked = files.check(upload.file, upload.name, upload.size)
    _check_kind_and_type(kind, checked)
    refusal = upload_refusal(a, kind) if a is not None else None
    if refusal is not None:
        raise refusal  # before storing; checked again under the lock
    store = storage()
    key = store.save(files.new_key(checked.ftype), File(upload.file, name=checked.name))
    try:
        assignment_id = a.pk if a else None
        return _record(proposal_id, assignment_id, actor=actor, kind=kind, checked=checked, key=key, within=within)
    except BaseException:
        store.delete(key)  # the row was not written: no file without its row
        raise


@transaction.atomic
def _record(
    proposal_id: int,
    assignment_id: int | None,
    *,
    actor: User,
    kind: Kind,
    checked: files.Checked,
    key: str,
    within: Within | None = None,
) -> Attachment:
    # The lock order of every action: the proposal, then the assignment.
    proposal = Proposal.objects.select_for_update(no_key=True).get(pk=proposal_id)
    a: Assignment | None = None
    state = ""
    if assignment_id is not None:
        a = Assignment.objects.select_for_update(no_key=True).get(pk=assignment_id)
        require_may_attach(actor, a)  # again, on the locked row
        refusal = upload_refusal(a, kind)
        if refusal is not None:
            raise refusal
        state = a.state
    else:
        require_may_attach(actor, proposal)
    attachment = Attachment.objects.create(
        proposal=proposal,
        assignment=a,
        kind=kind,
        name=checked.name,
        key=key,
        content_type=checked.ftype.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=actor,
    )
    data = {"attachment_id": attachment.pk, "kind": kind.value, "name": checked.name, "size": checked.size,
            "content_type": checked.ftype.content_type, "sha256": checked.sha256}  # fmt: skip
    record_event(proposal, ACTION, actor=actor, assignment=a, from_state=state, to_state=state, data=data)
    if within is not None:
        within(attachment)
    return attachment
