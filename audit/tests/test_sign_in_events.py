"""Sign-ins, failed sign-ins, lock-outs and sign-outs leave audit entries, through the page and the API,
with the client's address and the typed name, and never the password (等保 安全审计)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from audit.models import AuditEntry
from conftest import World

from .conftest import entries, row_text

WRONG = "Wrong-guess-2026"
ADDRESS = "203.0.113.7"


@pytest.fixture
def log_lines() -> Iterator[list[str]]:
    """The JSON lines written to ``banli.security`` (it does not propagate to the root logger)."""
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    from lib.jsonlog import JsonFormatter

    handler = Keep()
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("banli.security")
    logger.addHandler(handler)
    yield lines
    logger.removeHandler(handler)


def token_request(body: dict[str, Any], **extra: Any) -> Any:
    client = Client(REMOTE_ADDR=ADDRESS, **extra)
    return client.post("/api/v1/auth/token", json.dumps(body), content_type="application/json")


def test_failed_page_sign_in_is_recorded_without_the_password(world: World, log_lines: list[str]) -> None:
    client = Client(REMOTE_ADDR=ADDRESS, HTTP_USER_AGENT="Mozilla/5.0 攻击者")
    assert client.post("/login/", {"username": "office", "password": WRONG}).status_code == 200
    (entry,) = entries(kind="login_failed")
    assert (entry.outcome, entry.user_id, entry.username, entry.ip) == ("failure", world.office.pk, "office", ADDRESS)
    assert (entry.method, entry.path, entry.user_agent) == ("POST", "/login/", "Mozilla/5.0 攻击者")
    assert WRONG not in row_text(entry)
    (line,) = [json.loads(x) for x in log_lines]
    assert (line["kind"], line["outcome"], line["user"], line["ip"], line["path"]) == (
        "login_failed", "failure", "office", ADDRESS, "/login/",
    )  # fmt: skip
    assert WRONG not in log_lines[0] and "登录失败" in log_lines[0]  # Chinese as is, not \u escapes


def test_failed_token_request_for_an_unknown_account_keeps_the_typed_name(world: World) -> None:
    assert token_request({"username": "root", "password": WRONG}).status_code == 401
    (entry,) = entries(kind="login_failed")
    assert (entry.outcome, entry.user_id, entry.username, entry.ip) == ("failure", None, "root", ADDRESS)
    assert entry.path == "/api/v1/auth/token" and entry.data == {"known_account": False}
    assert WRONG not in row_text(entry)


def test_lockout_is_recorded(world: World, settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(3):
        token_request({"username": "office", "password": WRONG})
    kinds = [(e.kind, e.outcome) for e in entries()]
    assert ("lockout", "locked") in kinds
    # the attempt that reaches the limit and every one after it are refused as locked
    assert kinds[0] == ("login_failed", "failure") and kinds[-1] == ("login_failed", "locked")
    lockout = entries(kind="lockout")[0]
    assert (lockout.user_id, lockout.ip) == (world.office.pk, ADDRESS)
    assert all(WRONG not in row_text(e) for e in entries())


def test_successful_sign_in_and_sign_out_on_the_page(world: World) -> None:
    client = Client(REMOTE_ADDR=ADDRESS)
    assert client.post("/login/", {"username": "office", "password": "demo-2026"}).status_code == 302
    assert client.post("/logout/").status_code in (200, 302)
    assert [(e.kind, e.outcome, e.user_id, e.actor_id, e.ip) for e in entries()] == [
        ("login", "success", world.office.pk, world.office.pk, ADDRESS),
        ("logout", "success", world.office.pk, world.office.pk, ADDRESS),
    ]


def test_token_sign_in_records_the_sign_in_and_the_token(world: World) -> None:
    assert token_request({"username": "office", "password": "demo-2026"}).status_code == 200
    assert [(e.kind, e.username) for e in entries()] == [("login", "office"), ("token_issued", "office")]
    assert "demo-2026" not in " ".join(row_text(e) for e in entries())


def test_forwarded_address_is_trusted_only_behind_a_declared_proxy(world: World, settings: Any) -> None:
    forged = {"HTTP_X_FORWARDED_FOR": "198.51.100.1, 192.0.2.9"}
    token_request({"username": "root", "password": WRONG}, **forged)
    settings.TRUSTED_PROXY_COUNT = 1
    token_request({"username": "root", "password": WRONG}, **forged)
    assert [e.ip for e in entries(kind="login_failed")] == [ADDRESS, "192.0.2.9"]


def test_entries_are_chained(world: World) -> None:
    for _ in range(3):
        token_request({"username": "root", "password": WRONG})
    rows = list(AuditEntry.objects.order_by("pk"))
    assert rows[0].prev_hash == "" and all(b.prev_hash == a.hash for a, b in zip(rows, rows[1:], strict=False))


def test_the_security_logger_writes_json_lines() -> None:
    from lib.jsonlog import JsonFormatter

    handlers = logging.getLogger("banli.security").handlers
    assert any(isinstance(h.formatter, JsonFormatter) for h in handlers), handlers
