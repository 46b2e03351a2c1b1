"""Between the password and the authenticator's code: who is signing in, kept in the session.

The password step stores the user (not signed in yet); the code step signs them in. The wait lasts
``PENDING_SECONDS``; the lock-out of django-axes applies to the code step as to the password.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django_otp import login as otp_login
from django_otp.models import Device

from organisation.models import User

PENDING_KEY = "login_second_step"
PENDING_SECONDS = 300


def begin(request: HttpRequest, user: User, *, next_url: str) -> None:
    request.session.cycle_key()  # a fresh session id for the step that follows a right password
    request.session[PENDING_KEY] = {
        "user_id": user.pk,
        "backend": getattr(user, "backend", None),
        "next": next_url,
        "at": timezone.now().timestamp(),
    }


def _pending(request: HttpRequest) -> dict[str, Any] | None:
    data = request.session.get(PENDING_KEY)
    if not isinstance(data, dict):
        return None
    if timezone.now().timestamp() - float(data.get("at", 0)) > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None
    return data


def pending_user(request: HttpRequest) -> User | None:
    data = _pending(request)
    if data is None:
        return None
    return User.objects.filter(pk=data["user_id"], is_active=True).first()


def _credentials(user: User) -> dict[str, Any]:
    return {"username": user.get_username()}


def allowed(request: HttpRequest, user: User) -> bool:
    """False while the account (or the address) is locked out."""
    return bool(AxesProxyHandler.is_allowed(request, _credentials(user)))


def locked_response(request: HttpRequest, user: User) -> HttpResponse:
    request.axes_locked_out = True  # type: ignore[attr-defined]
    request.axes_credentials = _credentials(user)  # type: ignore[attr-defined]
    response: HttpResponse = get_lockout_response(request, None, _credentials(user))
    return response


def finish(request: HttpRequest, user: User, device: Device) -> str:
    """Sign the user in, verified by ``device``; returns where they asked to go ('' for the default)."""
    data = request.session.pop(PENDING_KEY, None) or {}
    login(request, user, backend=data.get("backend"))
    otp_login(request, device)
    return str(data.get("next") or "")
