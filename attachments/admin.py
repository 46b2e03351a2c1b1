"""Attachments in the operator's console: listed, never changed (an upload is an action with its event)."""

from __future__ import annotations

from django.contrib import admin

from organisation.admin import ReadOnlyAdmin

from .models import Attachment


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin[Attachment]):
    list_display = ["name", "kind", "proposal", "assignment", "size", "content_type", "uploaded_by", "uploaded_at"]
    list_filter = ["kind"]
    list_select_related = ["proposal", "assignment__department", "uploaded_by"]
    search_fields = ["name"]
    fields = ["name", "kind", "proposal", "assignment", "content_type", "size", "sha256", "key", "uploaded_by",
              "uploaded_at"]  # fmt: skip
