"""Attachment endpoints: upload and list on an assignment and on a proposal, download one file.

An upload (multipart ``file`` and ``kind``) follows api.md's order of checks: the object among those the
user may see (404), role and unit (403), the kind and the file (400, 413 over the size limit), the state
(409) — the last three in the action. Downloads are 404 unless the user may see the proposal.

An upload honours ``Idempotency-Key`` as every write does (api/http.py), keyed on what was sent rather than
the raw body (a retry's multipart boundary differs): the kind, the file's name and its SHA-256. A retry
after the first upload committed replays its answer without storing anything; one racing it stores its
file, loses on the key's unique constraint inside the action's transaction, removes the file and replays.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError
from django.http import FileResponse, HttpRequest, HttpResponse
from ninja import Router

from api.http import idempotency_key, json_response, paginate, remember, replayed
from api.schemas import ON_OBJECT, SIGNED_IN, STATEFUL, WITH_BODY, responses
from api.schemas.attachments import DOWNLOAD_DOC, AttachmentOut, AttachmentPage, upload_doc
from attachments import actions
from attachments.access import access_attachment, assignment_attachments, proposal_attachments
from attachments.actions import Upload, Within
from attachments.models import Attachment
from attachments.serialize import attachment_json
from attachments.serve import download
from handling.access import access_assignment, access_proposal
from handling.models import Assignment
from lib.errors import InvalidInput
from organisation.models import User
from proposals.models import Proposal

router = Router(tags=["附件"])

UPLOADED = responses(201, AttachmentOut, SIGNED_IN, WITH_BODY, ON_OBJECT, STATEFUL)  # 422: a reused key


def _json(a: Attachment) -> dict[str, Any]:
    return {**attachment_json(a), "url": f"/api/v1/attachments/{a.pk}"}


def _upload(request: HttpRequest) -> tuple[str, Upload]:
    """The form's ``kind`` and ``file`` (the file is spooled to disk by Django beyond a few MB)."""
    kind = request.POST.get("kind", "")
    file = request.FILES.get("file")
    if file is None:
        raise InvalidInput("请选择要上传的文件（multipart 字段 file）。", details={"fields": {"file": "必填"}})
    return kind, Upload(name=file.name or "", file=file, size=file.size)


def _answer(attachment: Attachment) -> HttpResponse:
    attachment = Attachment.objects.select_related("uploaded_by", "assignment__department").get(pk=attachment.pk)
    return json_response(_json(attachment), status=201)


def _fingerprint(request: HttpRequest, kind: str, upload: Upload) -> str:
    h = hashlib.sha256()
    for part in (request.method or "", request.path, kind, upload.name):
        h.update(part.encode() + b"\0")
    upload.file.seek(0)
    while chunk := upload.file.read(64 * 1024):  # spooled to disk beyond a few MB: never all in memory
        h.update(chunk)
    upload.file.seek(0)
    return h.hexdigest()


def _uploaded(
    request: HttpRequest, kind: str, upload: Upload, run: Callable[[Within | None], Attachment]
) -> HttpResponse:
    """Run the upload once per ``Idempotency-Key`` (see the module's docstring)."""
    key = idempotency_key(request)
    if key is None:
        return _answer(run(None))
    fingerprint = _fingerprint(request, kind, upload)
    if (first := replayed(request, key, fingerprint)) is not None:
        return first

    def record(attachment: Attachment) -> None:
        remember(request, key, fingerprint, _answer(attachment))

    try:
        return _answer(run(record))
    except IntegrityError:
        if (first := replayed(request, key, fingerprint)) is not None:
            return first
        raise


def _page(rows: list[Attachment]) -> list[dict[str, Any]]:
    return [_json(a) for a in rows]


@router.post(
    "/assignments/{assignment_id}/attachments",
    response=UPLOADED,
    openapi_extra=upload_doc(actions.ASSIGNMENT_KINDS),
    summary="上传交办事项附件（盖章答复函扫描件、现场照片、会议纪要等）",
    operation_id="attach_to_assignment",
)
def attach_to_assignment(request: HttpRequest, assignment_id: int) -> HttpResponse:
    actor: User = request.auth  # type: ignore[attr-defined]
    a: Assignment = access_assignment(actor, assignment_id)
    actions.require_may_attach(actor, a)
    kind, upload = _upload(request)
    return _uploaded(
        request,
        kind,
        upload,
        lambda within: actions.attach_to_assignment(a, actor=actor, kind=kind, upload=upload, within=within),
    )


@router.post(
    "/proposals/{proposal_id}/attachments",
    response=UPLOADED,
    openapi_extra=upload_doc(actions.PROPOSAL_KINDS),
    summary="上传提案附件（提案原件等）",
    operation_id="attach_to_proposal",
)
def attach_to_proposal(request: HttpRequest, proposal_id: int) -> HttpResponse:
    actor: User = request.auth  # type: ignore[attr-defined]
    p: Proposal = access_proposal(actor, proposal_id)
    actions.require_may_attach(actor, p)
    kind, upload = _upload(request)
    return _uploaded(
        request,
        kind,
        upload,
        lambda within: actions.attach_to_proposal(p, actor=actor, kind=kind, upload=upload, within=within),
    )


@router.get(
    "/assignments/{assignment_id}/attachments",
    response=responses(200, AttachmentPage, SIGNED_IN, ON_OBJECT),
    summary="交办事项的附件",
)
def list_assignment_attachments(
    request: HttpRequest, assignment_id: int, page: int | None = None, page_size: int | None = None
) -> HttpResponse:
    actor: User = request.auth  # type: ignore[attr-defined]
    a = access_assignment(actor, assignment_id)
    return json_response(paginate(assignment_attachments(actor, a), page, page_size, _page))


@router.get(
    "/proposals/{proposal_id}/attachments",
    response=responses(200, AttachmentPage, SIGNED_IN, ON_OBJECT),
    summary="提案的附件（提案本身的与各承办单位的）",
)
def list_proposal_attachments(
    request: HttpRequest, proposal_id: int, page: int | None = None, page_size: int | None = None
) -> HttpResponse:
    actor: User = request.auth  # type: ignore[attr-defined]
    p = access_proposal(actor, proposal_id)
    return json_response(paginate(proposal_attachments(actor, p), page, page_size, _page))


@router.get(
    "/attachments/{attachment_id}",
    response=responses(200, None, SIGNED_IN, ON_OBJECT),
    openapi_extra=DOWNLOAD_DOC,
    summary="下载附件（仅限可查看该提案的用户）",
)
def download_attachment(request: HttpRequest, attachment_id: int) -> FileResponse:
    actor: User = request.auth  # type: ignore[attr-defined]
    return download(access_attachment(actor, attachment_id))
