"""The search index's task for the worker (``django.tasks``)."""

from __future__ import annotations

from django.tasks import task
from django.utils.module_loading import autodiscover_modules

from . import index


@task
def index_later(kind: int, object_ids: list[int]) -> int:
    """Index documents registered in bulk (``index.index_proposals`` queues it)."""
    autodiscover_modules("actions")  # each domain registers where its documents come from
    return index.index_queued(kind, object_ids)
