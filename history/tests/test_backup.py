"""Hole 12: backup → empty database → restore gives back every row, and the history chain verifies."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from conftest import act
from history.backup import backup_models
from history.chain import event_hash
from history.integrity import verify_history
from history.models import Event

from .worlds import handled_proposal


def _snapshot() -> dict[str, list[dict[str, Any]]]:
    return {
        m._meta.label: [
            dict(r) for r in m._base_manager.order_by("pk").values(*[f.attname for f in m._meta.concrete_fields])
        ]
        for m in backup_models()
    }


def _empty_the_database() -> None:
    # The test database is flushed (TRUNCATE on PostgreSQL, through the test-only bypass) and
    # migrate's own rows come back: the state of a freshly migrated database.
    call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0, run_syncdb=False)


def _world_with_history(world: Any) -> dict[str, Any]:
    a = handled_proposal(world)
    handled_proposal(world, title="关于改善老旧小区加装电梯的建议")
    act(world, world.member1, a["id"], "feedback", {"attitude": "satisfied", "result": "basically_satisfied"})
    return a


def _rewrite(path: Path, change: Any) -> None:
    """Change body lines and fix the header's checksum, as another system's backup might look."""
    header, *lines = path.read_bytes().splitlines(keepends=True)
    lines = [change(line) for line in lines]
    meta = json.loads(header)
    meta["sha256"] = hashlib.sha256(b"".join(lines)).hexdigest()
    path.write_bytes((json.dumps(meta, ensure_ascii=False) + "\n").encode() + b"".join(lines))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_round_trip_gives_back_every_row(world, tmp_path, capsys):
    _world_with_history(world)
    before = _snapshot()
    assert before["history.Event"] and before["handling.Reply"] and before["organisation.User"]
    path = tmp_path / "backup.jsonl"
    call_command("backup", str(path))

    with pytest.raises(CommandError, match="只能恢复到空的数据库"):
        call_command("restore", str(path))

    _empty_the_database()
    assert not Event.objects.exists()
    call_command("restore", str(path))
    assert "办理历史校验全部通过" in capsys.readouterr().out
    assert _snapshot() == before
    assert verify_history()[0] is None
    # API tokens are not backed up (users sign in again); sequences continue after the restored ids,
    # so the next actions work and chain on.
    world._apis.clear()
    handled_proposal(world, title="恢复后的新提案")
    assert verify_history()[0] is None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_restore_refuses_a_changed_backup(world, tmp_path):
    handled_proposal(world)
    path = tmp_path / "backup.jsonl"
    call_command("backup", str(path))
    raw = path.read_bytes()
    path.write_bytes(raw.replace("答复内容".encode(), "伪造答复".encode()))
    _empty_the_database()
    with pytest.raises(CommandError, match="SHA-256 与文件头不符，文件被改动或损坏，未恢复"):
        call_command("restore", str(path))
    assert not Event.objects.exists()  # all undone

    # A forged event whose checksum was fixed up is still caught by the chain.
    path.write_bytes(raw)
    _rewrite(
        path,
        lambda line: line.replace("听取意见".encode(), "伪造意见".encode()) if b'"history.Event"' in line else line,
    )
    with pytest.raises(CommandError, match="办理历史校验失败"):
        call_command("restore", str(path))
    assert not Event.objects.exists()


def _with_nul_and_rechained(path: Path) -> Any:
    """A NUL in the contacts' notes, hashed as SQLite would have stored and chained it."""
    meta = json.loads(path.read_bytes().splitlines()[0])
    names = next(m["fields"] for m in meta["models"] if m["model"] == "history.Event")
    col = {n: i for i, n in enumerate(names)}
    prev: dict[int, str] = {}

    def change(line: bytes) -> bytes:
        label, values = json.loads(line.replace("听取意见".encode(), "听取\\u0000意见".encode()))
        if label == "history.Event":
            values[col["prev_hash"]] = prev.get(values[col["proposal_id"]], "")
            values[col["hash"]] = event_hash(
                **{k: values[col[k]] for k in ("proposal_id", "assignment_id", "actor_id", "action", "data")},
                from_state=values[col["from_state"]], to_state=values[col["to_state"]],
                at=datetime.fromisoformat(values[col["at"]]), prev_hash=values[col["prev_hash"]],
            )  # fmt: skip
            prev[values[col["proposal_id"]]] = values[col["hash"]]
        return (json.dumps([label, values], ensure_ascii=False, separators=(",", ":")) + "\n").encode()

    return change


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_nul_from_sqlite_is_replaced_on_postgresql(world, tmp_path, capsys):
    """A backup holding NULs (as SQLite stored them before the input fix) restores; on PostgreSQL each
    NUL becomes U+FFFD, counted, and the events concerned are re-chained after their chain verified."""
    handled_proposal(world)
    path = tmp_path / "backup.jsonl"
    call_command("backup", str(path))
    _rewrite(path, _with_nul_and_rechained(path))
    _empty_the_database()
    call_command("restore", str(path))
    out = capsys.readouterr().out
    notes = [e.data["notes"] for e in Event.objects.filter(action="contact")]
    if connection.vendor == "postgresql":
        assert "NUL 字符" in out and "U+FFFD" in out
        assert notes and all(n == "听取\ufffd意见" for n in notes)
    else:
        assert notes and all(n == "听取\x00意见" for n in notes)
    assert verify_history()[0] is None
