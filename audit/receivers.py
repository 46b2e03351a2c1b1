"""Listeners writing the audit log: Django's sign-in signals and ``organisation.signals.security_event``.

Connected in ``AuditConfig.ready``. A failed sign-in carries the typed credentials: only the user name
is read from them, never the password.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from organisation.models import User
from organisation.signals import security_event

from .recording import record, request_user


@receiver(user_logged_in, dispatch_uid="audit.login")
def on_login(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    record("login", "success", user=user, actor=user, request=request)


@receiver(user_logged_out, dispatch_uid="audit.logout")
def on_logout(sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any) -> None:
    if user is not None and user.is_authenticated:
        record("logout", "success", user=user, actor=user, request=request)


@receiver(user_login_failed, dispatch_uid="audit.login_failed")
def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    username = str(credentials.get(get_user_model().USERNAME_FIELD) or "")[:150]
    account = User.objects.filter(username=username).first() if username else None
    # Axes's own receiver runs first and marks an attempt refused because the account or address is locked.
    locked = bool(getattr(request, "axes_locked_out", False))
    record(
        "login_failed",
        "locked" if locked else "failure",
        user=account,
        username=username,
        request=request,
        data={"known_account": account is not None},
    )


@receiver(security_event, dispatch_uid="audit.security_event")
def on_security_event(
    sender: Any,
    kind: str,
    user: User | None = None,
    actor: User | None = None,
    request: HttpRequest | None = None,
    outcome: str = "success",
    data: dict[str, Any] | None = None,
    **kwargs: Any,
) -> None:
    if actor is None and kind == "permission_denied":
        actor = request_user(request)
    if user is None and kind == "permission_denied":
        user = actor
    username = str((data or {}).get("username") or "") if user is None else ""
    record(kind, outcome, user=user, username=username, actor=actor, request=request, data=data)
