"""Write one security event: the audit row (hash-chained) and the JSON log line ``banli.security``."""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest

from organisation.lockout import client_ip
from organisation.models import User

from . import chain
from .labels import kind_label
from .middleware import current_request
from .models import AuditEntry

logger = logging.getLogger("banli.security")

# Never kept, whatever a sender passes in ``data``: secrets have no place in an audit log.
SECRET_KEYS = frozenset({"password", "old_password", "new_password", "password1", "password2", "token", "otp"})
USER_AGENT_MAX = 300
PATH_MAX = 500


def request_user(request: HttpRequest | None) -> User | None:
    """Who made the request: the API's authenticated user, a token's holder, or the session's user."""
    if request is None:
        return None
    auth = getattr(request, "auth", None)
    if isinstance(auth, User):
        return auth
    token = getattr(request, "api_token", None)
    if token is not None:
        holder: User = token.user
        return holder
    user = getattr(request, "user", None)
    return user if isinstance(user, User) and user.is_authenticated else None


def _saved(user: User | None) -> User | None:
    """The account, if it is a row: a command may act as an unsaved stand-in (``load_demo``), kept by name."""
    return user if user is not None and user.pk is not None else None


def _scrub(data: dict[str, Any] | None) -> dict[str, Any]:
    return {k: v for k, v in (data or {}).items() if k.lower() not in SECRET_KEYS}


def _from_request(entry: AuditEntry, request: HttpRequest | None) -> None:
    request = request or current_request.get()
    if request is None:
        return
    entry.ip = client_ip(request)
    entry.user_agent = request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX]
    entry.method = (request.method or "")[:10]
    entry.path = request.path[:PATH_MAX]


def record(
    kind: str,
    outcome: str,
    *,
    user: User | None = None,
    username: str = "",
    actor: User | None = None,
    request: HttpRequest | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append the entry (in the caller's transaction, if any) and write its log line."""
    entry = AuditEntry(
        kind=kind[:40],
        outcome=outcome[:10],
        user=_saved(user),
        username=(user.username if user is not None else username)[:150],
        actor=_saved(actor),
        actor_username=actor.username[:150] if actor is not None else "",
        data=_scrub(data),
    )
    _from_request(entry, request)
    chain.append(entry)
    _log(entry)
    return entry


def _log(entry: AuditEntry) -> None:
    level = logging.INFO if entry.outcome == "success" else logging.WARNING
    fields = {
        "id": entry.pk,
        "kind": entry.kind,
        "outcome": entry.outcome,
        "user": entry.username or None,
        "actor": entry.actor_username or None,
        "ip": entry.ip,
        "method": entry.method or None,
        "path": entry.path or None,
        "data": entry.data,
    }
    logger.log(level, kind_label(entry.kind), extra={"fields": fields})
