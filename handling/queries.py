"""Read-only queries about handling that more than one channel (the API, the pages) needs."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from .models import Reply


def published_replies() -> QuerySet[Reply]:
    """Every reply the public may read: delivered, marked public, of a public proposal, the latest delivered
    version only (a reply superseded by re-handling is not shown twice)."""
    later = Reply.objects.filter(
        assignment_id=OuterRef("assignment_id"), version__gt=OuterRef("version"), delivered_on__isnull=False
    )
    return Reply.objects.filter(
        delivered_on__isnull=False, is_public=True, assignment__proposal__is_public=True
    ).exclude(Exists(later))
