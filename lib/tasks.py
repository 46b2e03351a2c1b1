"""Queueing a task (``django.tasks``) from inside an action's transaction."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.tasks import Task


def enqueue_with_transaction(task: Task[Any, Any], *args: Any) -> None:
    """Queue ``task`` so that it runs only if the current transaction commits. On the database queue
    (django-tasks-db) the task's row is written in the transaction itself, so it commits or rolls back with
    the change and no crash in between can lose it; on a broker (Redis) it is sent once the transaction
    has committed, so the worker never looks for rows not yet committed."""
    backend = task.get_backend()
    if type(backend).__module__.startswith("django_tasks_db") or not transaction.get_connection().in_atomic_block:
        task.enqueue(*args)
    else:
        transaction.on_commit(lambda: task.enqueue(*args))
