"""Tasks the worker runs from the queue (``django.tasks``): enqueue with ``task.enqueue(...)``."""

from __future__ import annotations

from django.tasks import task

from . import scans


@task
def scan_reminders() -> int:
    """Send the due automatic reminders now (the office need not wait for the next scheduled scan)."""
    return scans.reminders()


@task
def ping(text: str) -> str:
    """Check that a worker is taking tasks from the queue (used by the tests and by deployers)."""
    return text
