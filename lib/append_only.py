"""Append-only tables: the database itself refuses UPDATE, DELETE and TRUNCATE.

Use in a migration, after the table exists::

    from lib.append_only import protect_append_only

    operations = [protect_append_only("history_event")]

On PostgreSQL this creates one shared trigger function and, per table, a row trigger (UPDATE, DELETE)
and a statement trigger (TRUNCATE). On SQLite it does nothing: SQLite is the single-user demo database,
and whoever can write its file can rewrite it anyway; the hash chain of the history detects that.

Maintenance bypass (``append_only_bypass()``): the trigger lets a statement through only when the
transaction has set ``banli.append_only_bypass = 'on'`` AND the current role is a superuser or has the
privileges of the table's owner. Any role can set a custom setting, so the setting alone is worthless to
the app role; the ownership check is what keeps it out. A superuser's or owner's plain UPDATE, without
the setting, is refused as well, so a slip in psql cannot rewrite history silently.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.operations.base import Operation

BYPASS_SETTING = "banli.append_only_bypass"
FUNCTION = "banli_append_only_refuse"

FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION banli_append_only_refuse() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF coalesce(current_setting('banli.append_only_bypass', true), '') = 'on'
       AND pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'USAGE') THEN
        IF TG_LEVEL = 'ROW' AND TG_OP = 'DELETE' THEN
            RETURN OLD;
        ELSIF TG_LEVEL = 'ROW' THEN
            RETURN NEW;
        END IF;
        RETURN NULL;
    END IF;
    RAISE EXCEPTION '表 % 只允许追加：拒绝 %（记录不可修改、删除或清空）', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = '维护只能由数据库超级用户或表的所有者在维护上下文中进行（lib/append_only.py）。';
END
$fn$;
"""


def _trigger_names(table: str) -> tuple[str, str]:
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", table):
        raise ValueError(f"not a plain table name: {table!r}")
    return f"{table}_append_only_row", f"{table}_append_only_truncate"


def protect_sql(table: str) -> list[str]:
    """The PostgreSQL statements that make ``table`` append-only (idempotent)."""
    row, truncate = _trigger_names(table)
    return [
        FUNCTION_SQL,
        f'DROP TRIGGER IF EXISTS {row} ON "{table}"',
        f'CREATE TRIGGER {row} BEFORE UPDATE OR DELETE ON "{table}" FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()',
        f'DROP TRIGGER IF EXISTS {truncate} ON "{table}"',
        f'CREATE TRIGGER {truncate} BEFORE TRUNCATE ON "{table}" FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()',
    ]


def unprotect_sql(table: str) -> list[str]:
    # The shared function stays: other tables' triggers may still use it.
    return [f'DROP TRIGGER IF EXISTS {name} ON "{table}"' for name in _trigger_names(table)]


class ProtectAppendOnly(Operation):
    """Migration operation: refuse UPDATE, DELETE and TRUNCATE on a table (PostgreSQL; no-op elsewhere)."""

    reversible = True
    reduces_to_sql = True

    def __init__(self, table: str) -> None:
        self.table = table

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return (self.__class__.__qualname__, [self.table], {})

    def state_forwards(self, app_label: str, state: Any) -> None:
        pass  # triggers are not part of Django's model state

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            for sql in protect_sql(self.table):
                schema_editor.execute(sql, params=None)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            for sql in unprotect_sql(self.table):
                schema_editor.execute(sql, params=None)

    def describe(self) -> str:
        return f"Make {self.table} append-only (refuse UPDATE, DELETE, TRUNCATE)"

    @property
    def migration_name_fragment(self) -> str:
        return f"append_only_{self.table}"


def protect_append_only(table: str) -> ProtectAppendOnly:
    return ProtectAppendOnly(table)


@contextmanager
def append_only_bypass(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Let UPDATE/DELETE/TRUNCATE through inside this block — for a superuser or the tables' owner only.

    Runs the block in a transaction (a savepoint if one is open) and switches the bypass off again at the
    end, so an enclosing transaction (a test, a restore) does not keep it.
    """
    connection = connections[using]
    with transaction.atomic(using=using):
        if connection.vendor != "postgresql":
            yield
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, 'on', true)", [BYPASS_SETTING])
        yield
        # On an exception the (savepoint) rollback undoes the setting; on success switch it off here.
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, 'off', true)", [BYPASS_SETTING])
