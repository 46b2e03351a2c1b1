"""Authentication: bearer tokens for other systems, the session cookie (with CSRF) for the browser."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from organisation import tokens
from organisation.models import ApiToken, User
from organisation.passwords import require_account_ready  # 403 until the initial password is replaced


class BearerAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        row = tokens.find(token)
        if row is None:
            return None
        # The token the request came with, so DELETE /auth/token can revoke exactly it.
        request.api_token = row  # type: ignore[attr-defined]
        now = timezone.now()
        # Touch at most hourly: a write on every read would make reads contend for the lock.
        if row.last_used_at is None or now - row.last_used_at > timedelta(hours=1):
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        require_account_ready(request, row.user)
        return row.user


class ActiveSession(SessionAuth):
    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if not (user and user.is_active):
            return None
        require_account_ready(request, user)
        return user


AUTH = [BearerAuth(), ActiveSession()]
