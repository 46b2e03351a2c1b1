"""Which reads may go to the read replica: a context, set by the report queries, that the database router
(config/db_router.py) reads. Here, at the bottom layer, so that reports and API endpoints can mark their reads
without importing the configuration.

A context variable, not a thread-local: it follows the request in a thread (gunicorn sync workers) and
in an async task alike, and is restored when the block ends, also on an exception.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings

REPLICA = "replica"

_reading_from_replica: ContextVar[bool] = ContextVar("reading_from_replica", default=False)


@contextmanager
def reads_from_replica() -> Iterator[None]:
    """Within this block (or the decorated function), ORM reads go to the replica if there is one."""
    token = _reading_from_replica.set(True)
    try:
        yield
    finally:
        _reading_from_replica.reset(token)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def reading_from_replica() -> bool:
    return _reading_from_replica.get()
