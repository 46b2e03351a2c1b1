"""Hole 4 (b, c): PostgreSQL refuses UPDATE/DELETE/TRUNCATE on the history, to everyone.

The superuser's plain statements hit the trigger; the least-privilege app role of
deploy/postgres-least-privilege.sql has no such privilege at all (a second connection, via psycopg).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import DatabaseError, connection, transaction

from history.models import Event
from lib.append_only import append_only_bypass

from .worlds import handled_proposal

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger and roles exist on PostgreSQL"),
]

SQL_FILE = Path(__file__).resolve().parents[2] / "deploy" / "postgres-least-privilege.sql"
REFUSED = "只允许追加"


def _refused(sql: str, params: list[Any] | None = None) -> str:
    with pytest.raises(DatabaseError) as info, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
    return str(info.value)


def test_superusers_plain_update_delete_truncate_are_refused(world):
    handled_proposal(world)
    pk = Event.objects.order_by("pk").values_list("pk", flat=True)[0]
    assert REFUSED in _refused("UPDATE history_event SET action = 'forged' WHERE id = %s", [pk])
    assert REFUSED in _refused("DELETE FROM history_event WHERE id = %s", [pk])
    assert Event.objects.get(pk=pk).action == "register"


def test_superusers_truncate_is_refused(db):
    # In a connection of its own: inside the test's transaction PostgreSQL would refuse TRUNCATE
    # earlier, for the pending foreign-key checks, and prove nothing.
    with (
        psycopg.connect(_conninfo(), autocommit=True) as admin,
        pytest.raises(psycopg.errors.InsufficientPrivilege, match=REFUSED),
    ):
        admin.execute("TRUNCATE history_event CASCADE")


def test_bypass_is_switched_off_after_the_block(world):
    handled_proposal(world)
    pk = Event.objects.order_by("pk").values_list("pk", flat=True)[0]
    with append_only_bypass(), connection.cursor() as cursor:
        cursor.execute("UPDATE history_event SET action = action WHERE id = %s", [pk])
    assert REFUSED in _refused("UPDATE history_event SET action = action WHERE id = %s", [pk])


def _conninfo(**override: Any) -> str:
    s = connection.settings_dict
    params = {"host": s["HOST"] or "127.0.0.1", "port": s["PORT"] or 5432, "dbname": s["NAME"],
              "user": s["USER"], "password": s["PASSWORD"] or None}  # fmt: skip
    params.update(override)
    return psycopg.conninfo.make_conninfo(**{k: v for k, v in params.items() if v not in (None, "")})


def _grants(app_role: str) -> str:
    text = SQL_FILE.read_text(encoding="utf-8")
    section = re.search(r"-- BEGIN app grants\n(.*)-- END app grants", text, re.S)
    assert section is not None
    return re.sub(r"\bbanli_app\b", app_role, section.group(1))


@pytest.fixture
def app_role(db: Any) -> Iterator[str]:
    """A role made as the deploy file says, committed through a separate superuser connection."""
    role = f"banli_app_test_{os.getpid()}"
    password = "app-role-test"
    admin = psycopg.connect(_conninfo(), autocommit=True)
    try:
        admin.execute(f"DROP ROLE IF EXISTS {role}")
        admin.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{password}' NOSUPERUSER NOCREATEDB NOCREATEROLE")
        admin.execute(f'GRANT CONNECT ON DATABASE "{connection.settings_dict["NAME"]}" TO {role}')
        admin.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        admin.execute(_grants(role))
        yield role
    finally:
        admin.execute(f"DROP OWNED BY {role}")
        admin.execute(f"DROP ROLE IF EXISTS {role}")
        admin.close()


def test_app_role_may_only_insert_and_read_the_history(app_role):
    with psycopg.connect(_conninfo(user=app_role, password="app-role-test"), autocommit=True) as app:
        app.execute("SELECT count(*) FROM history_event").fetchone()
        app.execute("UPDATE proposals_proposal SET title = title WHERE false")  # ordinary tables: allowed
        app.execute("SET banli.append_only_bypass = 'on'")  # anyone may set it; it grants nothing
        for sql in ("UPDATE history_event SET action = 'x'", "DELETE FROM history_event", "TRUNCATE history_event"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                app.execute(sql)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            app.execute("SET session_replication_role = replica")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            app.execute("CREATE TABLE forged (i int)")  # no DDL at run time
        privileges = app.execute(
            "SELECT has_table_privilege('history_event', 'INSERT'), has_table_privilege('history_event', 'SELECT')"
        ).fetchone()
        assert privileges == (True, True)
