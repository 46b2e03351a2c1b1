"""JSON answers where Django, not a view of the API, would answer: unknown paths under ``/api/`` and a
method a known path does not serve. Clients of the API never get an HTML page (api.md "Errors")."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver
from django.views.decorators.csrf import csrf_exempt

from lib.errors import DomainError, NotFound

from .http import error_response


class MethodNotAllowed(DomainError):
    status = 405
    code = "method_not_allowed"


@csrf_exempt  # any method may reach it; a POST to an unknown path is a 404, not a CSRF 403
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    return error_response(NotFound("请求的接口不存在。", details={"path": request.path}))


def _json_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)  # keeps ninja's csrf_exempt flag
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            response = view(request, *args, **kwargs)
        except Http404:  # ninja's root view /api/v1/ raises it outside the API's exception handlers
            return not_found(request)
        if response.status_code != 405 or "json" in response.get("Content-Type", ""):
            return response
        allowed = response.get("Allow", "")
        answer = error_response(
            MethodNotAllowed(f"此接口不支持 {request.method} 方法。", details={"allowed": allowed.split(", ")})
        )
        answer["Allow"] = allowed
        return answer

    return wrapped


def with_json_errors(urls: tuple[list[Any], str, str]) -> tuple[list[Any], str, str]:
    """Wrap every view of ``api.urls`` so ninja's plain-text 405 and its root's 404 become the JSON error body."""
    patterns, app_name, namespace = urls
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            pattern.callback = _json_errors(pattern.callback)
        elif isinstance(pattern, URLResolver):
            with_json_errors((pattern.url_patterns, "", ""))
    return patterns, app_name, namespace
