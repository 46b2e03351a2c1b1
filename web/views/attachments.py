"""Attachments on the case page and the proposal page: the list, the upload form, the download.

The forms post to the same actions as the API (``attachments.actions``); a refused upload comes back to
the page with the action's own Chinese message. 403 and 404 stay error pages, as everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from attachments import actions
from attachments.access import access_attachment, assignment_attachments, proposal_attachments
from attachments.files import ACCEPTED, EXTENSIONS, size_label
from attachments.models import Attachment
from attachments.serve import download
from handling.access import access_assignment, access_proposal
from handling.models import Assignment
from lib.errors import DomainError
from organisation.models import User
from proposals.models import Proposal

from ..links import url

ACCEPT = ",".join(sorted(EXTENSIONS))  # the file chooser's filter; the content is what is checked


def _form(user: User, target: Assignment | Proposal) -> dict[str, Any] | None:
    """The upload form for this user on this assignment or proposal, or None when they may not upload."""
    if isinstance(target, Assignment):
        if not actions.may_attach_to_assignment(user, target):
            return None
        kinds = [k for k in actions.ASSIGNMENT_KINDS if actions.upload_refusal(target, k) is None]
        post_to = url("assignment-attach", target.pk)
    else:
        if not actions.may_attach_to_proposal(user, target):
            return None
        kinds = list(actions.PROPOSAL_KINDS)
        post_to = url("proposal-attach", target.pk)
    if not kinds:
        return None
    limit = size_label(int(settings.ATTACHMENT_MAX_BYTES))
    return {
        "url": post_to,
        "kinds": [(k.value, k.label) for k in kinds],
        "accept": ACCEPT,
        "help": f"可上传 {ACCEPTED} 文件，每个不超过 {limit}。",
    }


def assignment_context(user: User, a: Assignment) -> dict[str, Any]:
    """What the case page shows of its attachments (``a`` fetched through ``access_assignment``)."""
    return {"attachments": list(assignment_attachments(user, a)), "attach": _form(user, a)}


def proposal_context(user: User, p: Proposal) -> dict[str, Any]:
    """What the proposal page shows: its own attachments and every unit's (``p`` from ``access_proposal``)."""
    return {"attachments": list(proposal_attachments(user, p)), "attach": _form(user, p)}


def _upload(request: HttpRequest) -> actions.Upload | None:
    file = request.FILES.get("file")
    if file is None:
        return None
    return actions.Upload(name=file.name or "", file=file, size=file.size)


def _attach(request: HttpRequest, back: str, run: Callable[[str, actions.Upload], Attachment]) -> HttpResponse:
    upload = _upload(request)
    if upload is None:
        messages.error(request, "请选择要上传的文件。")
        return redirect(back)
    try:
        attachment = run(request.POST.get("kind", ""), upload)
    except DomainError as error:
        if error.status in (403, 404):
            raise  # the error page, as for every refused page
        messages.error(request, error.message)
        return redirect(back)
    messages.success(request, f"已上传附件：{attachment.name}")
    return redirect(back)


@login_required
@require_POST
def attach_to_assignment(request: HttpRequest, assignment_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    a = access_assignment(user, assignment_id)
    actions.require_may_attach(user, a)
    back = url("assignment", a.pk, fragment="attachments")
    return _attach(
        request, back, lambda kind, upload: actions.attach_to_assignment(a, actor=user, kind=kind, upload=upload)
    )


@login_required
@require_POST
def attach_to_proposal(request: HttpRequest, proposal_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    p = access_proposal(user, proposal_id)
    actions.require_may_attach(user, p)
    back = url("proposal", p.pk, fragment="attachments")
    return _attach(
        request, back, lambda kind, upload: actions.attach_to_proposal(p, actor=user, kind=kind, upload=upload)
    )


@login_required
@require_GET
def download_attachment(request: HttpRequest, attachment_id: int) -> FileResponse:
    user: User = request.user  # type: ignore[assignment]
    return download(access_attachment(user, attachment_id))
