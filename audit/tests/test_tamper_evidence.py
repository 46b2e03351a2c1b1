"""The audit log is append-only in the database (PostgreSQL trigger) and hash-chained: a row forged,
changed or removed with direct SQL is found by ``manage.py verify_audit``, which exits non-zero."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client

from audit.models import AuditEntry
from conftest import World
from lib.append_only import append_only_bypass

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL")


def three_entries() -> list[AuditEntry]:
    for name in ("root", "admin", "guest"):
        body = json.dumps({"username": name, "password": "Wrong-guess-2026"})
        Client(REMOTE_ADDR="203.0.113.7").post("/api/v1/auth/token", body, content_type="application/json")
    rows = list(AuditEntry.objects.order_by("pk"))
    assert len(rows) == 3
    return rows


def verify() -> str:
    with pytest.raises(CommandError) as failed:
        call_command("verify_audit")
    return str(failed.value)


def test_an_untouched_log_verifies(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    three_entries()
    call_command("verify_audit")
    assert "安全审计日志完好：3 条记录" in capsys.readouterr().out


def test_a_row_forged_with_raw_sql_is_found(world: World) -> None:
    last = three_entries()[-1]
    # A forger with INSERT rights links the row correctly, but cannot compute the keyed hash.
    forged_hash = hashlib.sha256(f"{last.hash}\nforged".encode()).hexdigest()
    data = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditentry (at, kind, outcome, username, actor_username, user_agent, method,"
            " path, data, prev_hash, hash)"
            f" VALUES (%s, 'login', 'success', 'office', 'office', '', 'POST', '/login/', {data}, %s, %s)",
            [last.at, "{}", last.hash, forged_hash],
        )
    message = verify()
    forged = AuditEntry.objects.order_by("-pk").first()
    assert forged is not None and f"第 {forged.pk} 号记录" in message and "校验值不符" in message
    assert "此前 3 条记录完好" in message


def test_a_changed_row_is_found(world: World) -> None:
    rows = three_entries()
    with append_only_bypass(), connection.cursor() as cursor:  # even the table's owner leaves a trace
        cursor.execute("UPDATE audit_auditentry SET username = 'nobody' WHERE id = %s", [rows[1].pk])
    message = verify()
    assert f"第 {rows[1].pk} 号记录" in message and "校验值不符" in message


def test_a_removed_row_is_found(world: World) -> None:
    rows = three_entries()
    with append_only_bypass(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [rows[1].pk])
    message = verify()
    assert f"第 {rows[2].pk} 号记录" in message and "链接不符" in message


@postgres_only
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditentry SET outcome = 'success'",
        "DELETE FROM audit_auditentry",
        "TRUNCATE audit_auditentry",
    ],
)
def test_the_database_refuses_to_change_the_log(world: World, statement: str) -> None:
    three_entries()
    with pytest.raises(DatabaseError, match="只允许追加"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert AuditEntry.objects.filter(outcome="failure").count() == 3
    call_command("verify_audit")
