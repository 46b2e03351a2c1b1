"""A real SMTP server (aiosmtpd) and a fake SMS gateway, both on 127.0.0.1, started by the tests."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from notifications.mail_url import mailers_from_url

SITE = "https://banli.example.gov.cn"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Mailbox:
    """What the SMTP server received: parsed messages, with the envelope and the login used."""

    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    refuse: int = 0  # answer the next N messages with a temporary failure (451)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            self.refuse -= 1
            return "451 4.3.0 邮件服务器暂时不可用"
        msg = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        self.messages.append(msg)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        assert isinstance(data, LoginPassword)
        login = (data.login.decode(), data.password.decode())
        self.logins.append(login)
        return AuthResult(success=login == ("banli@example.gov.cn", "p@ss word"))

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m, r in zip(self.messages, self.recipients, strict=True) if address in r]


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox(port=free_port())
    controller = Controller(
        box, hostname="127.0.0.1", port=box.port, authenticator=box.authenticate, auth_require_tls=False
    )
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@dataclass
class Gateway:
    """What the fake SMS gateway received (the JSON bodies and the query strings)."""

    url: str
    received: list[dict[str, Any]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    fail: int = 0  # answer the next N requests with HTTP 503

    def to(self, phone: str) -> list[str]:
        return [r["text"] for r in self.received if r["phone"] == phone]


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    port = free_port()
    gw = Gateway(url=f"http://127.0.0.1:{port}/sms/send?token=t0ken")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if gw.fail:
                gw.fail -= 1
                self.send_response(503)
                self.end_headers()
                return
            assert self.headers["Content-Type"].startswith("application/json")
            gw.received.append(json.loads(body.decode("utf-8")))
            gw.paths.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"ok": true}')

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield gw
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def channels_on(settings: Any, mailbox: Mailbox, gateway: Gateway) -> tuple[Mailbox, Gateway]:
    """E-mail to the test's SMTP server (with a login), SMS to the fake gateway, links to SITE."""
    settings.EMAIL_URL = f"smtp://banli%40example.gov.cn:p%40ss%20word@127.0.0.1:{mailbox.port}?timeout=5"
    settings.MAILERS = mailers_from_url(settings.EMAIL_URL)
    settings.SMS_URL = gateway.url
    settings.SITE_URL = SITE
    settings.DEFAULT_FROM_EMAIL = "督查室 <duchashi@example.gov.cn>"
    return mailbox, gateway
