"""Authentication: bearer tokens for other systems, the session cookie (with CSRF) for the browser."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from organisation.models import ApiToken, User, hash_token


class BearerAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        row = ApiToken.objects.select_related("user").filter(key_hash=hash_token(token)).first()
        if row is None or not row.user.is_active:
            return None
        now = timezone.now()
        last = row.last_used_at or row.created_at
        if now - last > timedelta(days=settings.API_TOKEN_DAYS):
            return None
        # Touch at most hourly: a write on every read would make reads contend for the lock.
        if row.last_used_at is None or now - row.last_used_at > timedelta(hours=1):
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        return row.user


class ActiveSession(SessionAuth):
    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        return user if user and user.is_active else None


AUTH = [BearerAuth(), ActiveSession()]
