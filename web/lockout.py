"""The answer to a locked-out sign-in (AXES_LOCKOUT_CALLABLE): 429 with ``Retry-After``, as the API's
JSON error under /api/, as a Chinese page elsewhere (/login/, the admin's sign-in)."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from api.http import error_response
from lib.errors import TooManyAttempts
from organisation.lockout import retry_after


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    seconds = retry_after(request, credentials)
    minutes = math.ceil(seconds / 60)
    message = f"登录失败次数过多，已暂时锁定。请在 {minutes} 分钟后再试，或联系督查室解除锁定。"
    if request.path.startswith("/api/"):
        response = error_response(TooManyAttempts(message, details={"retry_after": seconds}))
    else:
        until = timezone.localtime() + timedelta(seconds=seconds)
        response = render(request, "web/locked_out.html", {"message": message, "until": until}, status=429)
    response["Retry-After"] = str(seconds)
    return response
