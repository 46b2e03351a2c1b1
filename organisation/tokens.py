"""API tokens: issue, check, revoke, prune.

A token is refused after ``API_TOKEN_DAYS`` without use (idle) and in any case ``API_TOKEN_MAX_DAYS``
after it was issued (absolute), and is deleted when revoked: by ``DELETE /api/v1/auth/token``, and all of
a user's at once when their password changes or they are deactivated (``organisation.receivers``).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from .models import ApiToken, User, hash_token
from .signals import security_event


def expires_at(token: ApiToken) -> datetime:
    """The absolute end of the token's life (it ends earlier if left unused for API_TOKEN_DAYS)."""
    return token.created_at + timedelta(days=settings.API_TOKEN_MAX_DAYS)


def is_expired(token: ApiToken, now: datetime) -> bool:
    idle_since = token.last_used_at or token.created_at
    return now - idle_since > timedelta(days=settings.API_TOKEN_DAYS) or now > expires_at(token)


def find(raw: str) -> ApiToken | None:
    """The live token for this raw value, with its user; None if unknown, expired or the user inactive."""
    token = ApiToken.objects.select_related("user").filter(key_hash=hash_token(raw)).first()
    if token is None or not token.user.is_active or is_expired(token, timezone.now()):
        return None
    return token


def issue(user: User, request: HttpRequest) -> tuple[str, ApiToken]:
    """Issue a token after a successful sign-in with the password; returns the raw value and the row.

    Sends ``user_logged_in`` like a page sign-in does, so ``last_login`` is set and the account's
    counted login failures are cleared (AXES_RESET_ON_SUCCESS).
    """
    raw = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, key_hash=hash_token(raw))
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    security_event.send(
        sender=ApiToken,
        kind="token_issued",
        user=user,
        actor=user,
        request=request,
        outcome="success",
        data={"token_id": token.pk, "expires_at": expires_at(token).isoformat()},
    )
    return raw, token


def _revoked(user: User, count: int, *, reason: str, actor: User | None, request: HttpRequest | None) -> None:
    security_event.send(
        sender=ApiToken,
        kind="token_revoked",
        user=user,
        actor=actor,
        request=request,
        outcome="success",
        data={"reason": reason, "count": count},
    )


def revoke(token: ApiToken, request: HttpRequest | None = None) -> None:
    """Revoke one token (the holder signing out)."""
    count, _ = ApiToken.objects.filter(pk=token.pk).delete()
    _revoked(token.user, count, reason="signed_out", actor=token.user, request=request)


def revoke_all(user: User, *, reason: str, actor: User | None = None, request: HttpRequest | None = None) -> int:
    """Revoke every token of the user (password changed, account deactivated); returns how many."""
    count, _ = ApiToken.objects.filter(user=user).delete()
    if count:
        _revoked(user, count, reason=reason, actor=actor, request=request)
    return count


def prune(now: datetime | None = None) -> int:
    """Delete every expired token; returns how many."""
    now = now or timezone.now()
    idle_cut = now - timedelta(days=settings.API_TOKEN_DAYS)
    idle = Q(last_used_at__lt=idle_cut) | Q(last_used_at__isnull=True, created_at__lt=idle_cut)
    old = Q(created_at__lt=now - timedelta(days=settings.API_TOKEN_MAX_DAYS))
    count, _ = ApiToken.objects.filter(idle | old).delete()
    return count
