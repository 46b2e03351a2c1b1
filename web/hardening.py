"""Middleware for what every request and response must satisfy (issue 7, 等保 2.0 level 3):

- ``RefuseControlCharacters``: NUL and other control characters in the path, the query string or a form
  are refused with 400 before any view (or database) sees them — the JSON error under /api/, the Chinese
  error page elsewhere. JSON bodies are checked by api/http.py with the same test (lib/text.py).
- ``RefuseOversizeUploads``: a form upload larger than ``UPLOAD_MAX_BYTES`` is refused (413) by its
  Content-Length, before its body is read.
- ``PermissionsPolicy``: the browser features no page uses are switched off.
- ``SessionIdleTimeout``: a signed-in session ends after a while without a request (staff and members
  apart), and is written at most once a minute to note the last request.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from django.conf import settings
from django.contrib.auth import logout
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from api.http import TooLarge, error_response
from lib.errors import InvalidInput
from lib.text import CONTROL_CHARACTER_MESSAGE, has_control_characters
from organisation.models import Role

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _has_bad_pairs(pairs: Iterable[tuple[str, list[str]]], *, multiline: bool) -> bool:
    return any(
        has_control_characters(key, multiline=multiline)
        or any(has_control_characters(v, multiline=multiline) for v in values)
        for key, values in pairs
    )


def has_bad_input(request: HttpRequest) -> bool:
    """Whether the path, a query-string key or value, or a form field holds a forbidden character."""
    if has_control_characters(request.path, multiline=False):
        return True
    if _has_bad_pairs(request.GET.lists(), multiline=False):
        return True
    if request.method == "POST" and request.content_type in FORM_TYPES:
        try:
            form = request.POST
        except (RequestDataTooBig, TooManyFieldsSent):
            return False  # the view meets the same error and answers it as it always has
        return _has_bad_pairs(form.lists(), multiline=True)
    return False


class RefuseControlCharacters:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if has_bad_input(request):
            error = InvalidInput(CONTROL_CHARACTER_MESSAGE)
            if request.path.startswith("/api/"):
                return error_response(error)
            return render(request, "web/error.html", {"error": error}, status=error.status)
        return self.get_response(request)


class RefuseOversizeUploads:
    """Refuse a form upload whose Content-Length is over ``UPLOAD_MAX_BYTES`` (413) before anything reads
    its body: the control-character check below and the CSRF check would otherwise spool it all to disk
    first. The view checks the file's own size again (``ATTACHMENT_MAX_BYTES``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.content_type == "multipart/form-data":
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            limit = int(settings.UPLOAD_MAX_BYTES)
            if length > limit:
                megabytes = int(settings.ATTACHMENT_MAX_BYTES) // (1024 * 1024)
                error = TooLarge(f"上传内容过大：文件最大 {megabytes} MB。", details={"max_bytes": limit})
                if request.path.startswith("/api/"):
                    return error_response(error)
                return render(request, "web/error.html", {"error": error}, status=error.status)
        return self.get_response(request)


# No page uses any of these; a browser that knows the header refuses them to the page and to frames.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)


class PermissionsPolicy:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


# The health checks (config/urls.py) touch neither the session nor the database: no idle check, no gate.
HEALTH_PATHS = frozenset({"/healthz", "/readyz"})

LAST_SEEN_KEY = "last_seen"
TOUCH_SECONDS = 60  # how stale the noted last request may be: one session write a minute at most


def idle_limit_seconds(request: HttpRequest) -> int:
    minutes = (
        settings.MEMBER_SESSION_IDLE_MINUTES
        if getattr(request.user, "role", "") == Role.MEMBER
        else settings.SESSION_IDLE_MINUTES
    )
    return int(minutes) * 60


class SessionIdleTimeout:
    """Sign out a session user whose last request is older than the idle limit; the request then goes on
    as anonymous (a page redirects to the sign-in page, the API answers 401). Bearer tokens have their own
    idle limit (API_TOKEN_DAYS) and are not affected."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and request.path not in HEALTH_PATHS and request.user.is_authenticated:
            now = int(time.time())
            last = session.get(LAST_SEEN_KEY)
            if isinstance(last, int) and now - last > idle_limit_seconds(request):
                logout(request)
            elif not isinstance(last, int) or now - last >= TOUCH_SECONDS:
                session[LAST_SEEN_KEY] = now
        return self.get_response(request)
