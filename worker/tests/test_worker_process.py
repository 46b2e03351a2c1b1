"""`manage.py worker` as a real process: it takes a queued task from the database queue, runs it, and
stops on SIGTERM within a few seconds."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

TASKS_TABLE = "django_tasks_database_dbtaskresult"


def manage(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True,
        timeout=timeout, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.skipif(bool(os.environ.get("TASKS_URL")), reason="the database queue is tested here")
def test_worker_runs_a_queued_task_and_stops_on_sigterm(tmp_path: Path) -> None:
    # A database of its own (a file both processes open): the test database is not visible to them.
    db = tmp_path / "worker.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "DEMO": "false", "PYTHONUNBUFFERED": "1"}
    env.pop("TASKS_URL", None)
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    task_id = manage(env, "shell", "-c", "from worker.tasks import ping; print(ping.enqueue('你好').id)")
    task_id = task_id.strip().splitlines()[-1]  # after the shell's own banner

    proc = subprocess.Popen(
        [sys.executable, "manage.py", "worker", "--poll-interval", "0.2"], cwd=settings.BASE_DIR, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        deadline, status = time.monotonic() + 60, None
        while time.monotonic() < deadline:
            with sqlite3.connect(db) as conn:
                row = conn.execute(
                    f"SELECT status, return_value FROM {TASKS_TABLE} WHERE id = ?",  # noqa: S608
                    (task_id.replace("-", ""),),
                ).fetchone()
            status = row and row[0]
            if status == "SUCCESSFUL":
                assert json.loads(row[1]) == "你好"
                break
            time.sleep(0.2)
        assert status == "SUCCESSFUL", status
        assert proc.poll() is None  # still running: it waits for more work
        stopped_at = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        assert time.monotonic() - stopped_at < 5
        output = proc.stdout.read() if proc.stdout else ""
        assert "后台任务已停止" in output, output
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
