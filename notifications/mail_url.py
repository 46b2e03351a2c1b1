"""EMAIL_URL → Django 6.1's MAILERS (read by config/settings.py, so nothing here touches models).

    smtp://user:pass@host:25            plain SMTP (port 25 by default)
    smtp+starttls://user:pass@host:587  STARTTLS after connecting (587 by default)
    smtps://user:pass@host:465          TLS from the first byte (implicit TLS, 465 by default)
    (unset)                             e-mail off: a mailer that drops every message

User and password are URL-encoded (an @ in a user name is %40); ``?timeout=10`` sets the socket timeout
in seconds (default 10, so a dead server cannot hold a worker).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

OFF_BACKEND = "notifications.mail_off.EmailBackend"
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"

_SCHEMES = {"smtp": (False, False), "smtp+starttls": (True, False), "smtps": (False, True), "smtp+ssl": (False, True)}


def mailers_from_url(url: str) -> dict[str, dict[str, Any]]:
    """The MAILERS setting for ``url``; ValueError names what is wrong (the process refuses to start)."""
    if not url:
        return {"default": {"BACKEND": OFF_BACKEND}}
    parts = urlsplit(url)
    if parts.scheme not in _SCHEMES:
        raise ValueError(f"EMAIL_URL must start with smtp://, smtp+starttls:// or smtps://, not {parts.scheme!r}")
    if not parts.hostname:
        raise ValueError("EMAIL_URL names no host")
    use_tls, use_ssl = _SCHEMES[parts.scheme]
    query = parse_qs(parts.query)
    options: dict[str, Any] = {
        "host": parts.hostname,
        "port": parts.port or (465 if use_ssl else 587 if use_tls else 25),
        "use_tls": use_tls,
        "use_ssl": use_ssl,
        "timeout": float(query.get("timeout", ["10"])[0]),
    }
    if parts.username is not None:
        options["username"] = unquote(parts.username)
        options["password"] = unquote(parts.password or "")
    return {"default": {"BACKEND": SMTP_BACKEND, "OPTIONS": options}}
