"""The channels' task for the worker (``django.tasks``): send what was just written, without waiting for
the next scheduled scan (WORKER_SCAN_INTERVAL); the scan still sends whatever a task did not."""

from __future__ import annotations

from django.tasks import task
from django.tasks.base import TaskResultStatus

from lib.tasks import enqueue_with_transaction

from . import outbox


@task
def send_deliveries() -> int:
    return outbox.send_due_deliveries()


def wake_worker() -> None:
    """Queue ``send_deliveries`` with the current transaction, unless one is queued and not started yet
    (on the database queue: one task sends every row due, so a busy hour does not pile up thousands)."""
    if type(send_deliveries.get_backend()).__module__.startswith("django_tasks_db"):
        from django_tasks_db.models import DBTaskResult

        waiting = DBTaskResult.objects.filter(task_path=send_deliveries.module_path, status=TaskResultStatus.READY)
        if waiting.exists():
            return
    enqueue_with_transaction(send_deliveries)
