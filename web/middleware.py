"""Show a domain error raised in a page view as the matching error page (404 for "not yours")."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from lib.errors import DomainError
from organisation.signals import security_event


class DomainErrorPages:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if request.path.startswith("/api/"):
            return None
        if isinstance(exception, PermissionDenied) or (isinstance(exception, DomainError) and exception.status == 403):
            # A page refused for the role (ours, or Django's own PermissionDenied, e.g. in the admin).
            message = exception.message if isinstance(exception, DomainError) else str(exception)
            security_event.send(
                sender=type(exception), kind="permission_denied", request=request, outcome="denied",
                data={"code": getattr(exception, "code", "permission_denied"), "message": message, "status": 403},
            )  # fmt: skip
        if not isinstance(exception, DomainError):
            return None
        return render(request, "web/error.html", {"error": exception}, status=exception.status)
