"""Shape attachments as the API's JSON (pure: needs ``uploaded_by`` and ``assignment__department`` loaded)."""

from __future__ import annotations

from typing import Any

from .models import Attachment


def attachment_json(a: Attachment) -> dict[str, Any]:
    return {
        "id": a.pk,
        "name": a.name,
        "kind": a.kind,
        "size": a.size,
        "content_type": a.content_type,
        "uploaded_by": {"id": a.uploaded_by.pk, "name": a.uploaded_by.display_name},
        "at": a.uploaded_at,
        "proposal_id": a.proposal_id,
        "assignment_id": a.assignment_id,
        "department": a.assignment.department.name if a.assignment else None,
        "sha256": a.sha256,
    }
