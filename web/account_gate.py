"""Before any page: a user who must replace the password set by the office is sent to the change
page, and a user whose role requires two-factor sign-in but has no authenticator to the enrolment page.

Signing out, static files and the API (which answers 403 itself, api/auth.py) are left alone.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from organisation import otp
from organisation.models import User
from web.hardening import HEALTH_PATHS


def exempt_prefixes() -> tuple[str, ...]:
    return (reverse("logout"), "/static/", "/api/")


def required_page(user: User) -> str | None:
    """The page this user must finish before any other, if any."""
    if user.must_change_password:
        return reverse("password-change")
    if otp.needs_enrolment(user):
        return reverse("two-factor")
    return None


class AccountGate:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if request.path in HEALTH_PATHS:
            return self.get_response(request)
        if user.is_authenticated and not request.path.startswith(exempt_prefixes()):
            target = required_page(user)
            if target is not None and request.path != target:
                return redirect(target)
        return self.get_response(request)
