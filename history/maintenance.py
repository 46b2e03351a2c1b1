"""The one way to change or remove events: a maintenance context for the demo and operators.

On PostgreSQL only a superuser or the owner of history_event may enter it (the trigger checks; this
module says so first, in Chinese). Whatever is changed inside, the chains of the proposals named in
``touched`` are recomputed before the transaction commits, so ``verify_history`` passes afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections

from lib.append_only import append_only_bypass
from lib.errors import Forbidden

from .integrity import rechain


def may_maintain(using: str = DEFAULT_DB_ALIAS) -> bool:
    connection = connections[using]
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_has_role(current_user, relowner, 'USAGE') FROM pg_class WHERE oid = 'history_event'::regclass"
        )
        row = cursor.fetchone()
    return bool(row and row[0])


@contextmanager
def history_maintenance(using: str = DEFAULT_DB_ALIAS, *, rechain_all: bool = False) -> Iterator[set[int]]:
    """Yield a set to which the caller adds the ids of proposals whose events it changed.

    ``rechain_all`` recomputes every chain (for changes too wide to list).
    """
    if not may_maintain(using):
        raise Forbidden("只有数据库超级用户或办理历史表的所有者可以维护办理历史。")
    touched: set[int] = set()
    with append_only_bypass(using):
        yield touched
        if rechain_all:
            rechain()
        elif touched:
            rechain(proposal_ids=touched)
