"""Health checks for the load balancer and the service manager.

- ``/healthz`` (liveness): the process answers. No database, no session: the cheapest request through
  the whole middleware chain, and the benchmark's reference.
- ``/readyz`` (readiness): the database answers and every migration this code knows is applied, so a
  server started before ``migrate`` (or cut off from PostgreSQL) is taken out of the rotation.

Both are open without signing in and are exempt from the account gate, the session's idle check
(web/account_gate.py, web/hardening.py) and the HTTPS redirect (``SECURE_REDIRECT_EXEMPT``): a load
balancer calls them over plain HTTP on the private address, and they reveal nothing but a status.
"""

from __future__ import annotations

import functools
import json
import logging

from django.conf import settings
from django.db import DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.loader import MigrationLoader
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from config.db_router import REPLICA

logger = logging.getLogger(__name__)


def _json(body: dict[str, str], status: int = 200) -> HttpResponse:
    return HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type="application/json; charset=utf-8"
    )


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    return _json({"status": "ok"})


@functools.cache
def expected_migrations() -> frozenset[tuple[str, str]]:
    """The leaf migration of every app of this code, read from disk once per process (tens of ms).

    Once the leaves are recorded, everything before them is (migrate applies in order)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return frozenset(loader.graph.leaf_nodes())


def missing_migrations(connection: BaseDatabaseWrapper) -> set[tuple[str, str]]:
    """The expected leaf migrations not recorded in ``django_migrations``: one query over a table of a
    few hundred rows."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations")
        applied = {(app, name) for app, name in cursor.fetchall()}
    return set(expected_migrations()) - applied


def check_database(connection: BaseDatabaseWrapper) -> str | None:
    """None when the database is ready, else the reason in Chinese."""
    try:
        connection.ensure_connection()
    except DatabaseError as error:
        logger.warning("readyz: database %s unreachable: %s", connection.alias, error)
        return "数据库无法连接"
    try:
        missing = missing_migrations(connection)
    except DatabaseError as error:
        logger.warning("readyz: database %s has no migration table: %s", connection.alias, error)
        return "数据库尚未初始化（请先运行 manage.py migrate）"
    if missing:
        return f"数据库迁移未完成：缺少 {len(missing)} 项（请运行 manage.py migrate）"
    return None


@never_cache
@require_safe
def readyz(request: HttpRequest) -> HttpResponse:
    reason = check_database(connections["default"])
    if reason is not None:
        return _json({"status": "unavailable", "database": reason}, status=503)
    body = {"status": "ok", "database": "ok"}
    if REPLICA in settings.DATABASES:
        # Shown, not decisive: without the replica only the reports fail, so the server stays in rotation.
        body["replica"] = check_database(connections[REPLICA]) or "ok"
    return _json(body)
