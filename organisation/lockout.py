"""Login throttling (登录失败处理) on top of django-axes: two limits, the time left, and unlocking.

Axes compares one count with one limit; we want an account to lock after ``LOGIN_FAILURE_LIMIT``
failures and an address after the higher ``LOGIN_ADDRESS_FAILURE_LIMIT`` (one office behind NAT shares
an address), so ``ThrottleHandler.get_failures`` reports a locked address as a full account count.
Axes asks it in ``AxesStandaloneBackend``, the first backend, so a locked attempt never reaches the
password hasher. Failures are counted within ``AXES_COOLOFF_TIME`` of the last one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet, Sum
from django.http import HttpRequest
from django.utils import timezone

from .models import Role, User
from .signals import security_event


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or the trusted proxies' entry in X-Forwarded-For.

    Only the entries appended by our own proxies are trusted; anything left of them the client wrote.
    """
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if count > 0 and forwarded:
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if len(hops) >= count:
            return hops[-count]
    return request.META.get("REMOTE_ADDR")


def _cool_off() -> timedelta:
    cool_off = get_cool_off()
    assert cool_off is not None, "AXES_COOLOFF_TIME must be set"
    return cool_off


def _recent(now: datetime) -> QuerySet[AccessAttempt]:
    return AccessAttempt.objects.filter(attempt_time__gte=now - _cool_off())


def _sum(qs: QuerySet[AccessAttempt]) -> int:
    return qs.aggregate(n=Sum("failures_since_start"))["n"] or 0


def _now(request: HttpRequest | None) -> datetime:
    attempt_time = getattr(request, "axes_attempt_time", None)
    return attempt_time or timezone.now()


def _scopes(request: HttpRequest, credentials: dict[str, Any] | None) -> list[tuple[str, QuerySet[AccessAttempt], int]]:
    """(scope, recent failures, limit) for the account and the address of this attempt."""
    recent = _recent(_now(request))
    username = get_client_username(request, credentials)
    scopes: list[tuple[str, QuerySet[AccessAttempt], int]] = []
    if username:
        scopes.append(("account", recent.filter(username=username), get_failure_limit(request, credentials)))
    address = getattr(request, "axes_ip_address", None)
    if address:
        scopes.append(("address", recent.filter(ip_address=address), settings.LOGIN_ADDRESS_FAILURE_LIMIT))
    return scopes


def locked_scopes(request: HttpRequest, credentials: dict[str, Any] | None = None) -> list[str]:
    return [scope for scope, qs, limit in _scopes(request, credentials) if _sum(qs) >= limit]


def _lock_end(qs: QuerySet[AccessAttempt], limit: int) -> datetime | None:
    """When the failures still counted drop below the limit: the oldest failures leave first."""
    total = 0
    for at, failures in qs.order_by("-attempt_time").values_list("attempt_time", "failures_since_start")[:limit]:
        total += failures
        if total >= limit:
            return at + _cool_off()
    return None


def retry_after(request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
    """Seconds until this attempt would be allowed again (at least 1)."""
    ends = [end for _, qs, limit in _scopes(request, credentials) if (end := _lock_end(qs, limit))]
    if not ends:
        return max(1, int(_cool_off().total_seconds()))
    return max(1, math.ceil((max(ends) - _now(request)).total_seconds()))


class ThrottleHandler(AxesDatabaseHandler):
    """Axes's database handler with a per-account and a (higher) per-address limit."""

    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        account_limit = get_failure_limit(request, credentials)
        counts = {scope: (_sum(qs), limit) for scope, qs, limit in _scopes(request, credentials)}
        account = counts.get("account", (0, account_limit))[0]
        address, address_limit = counts.get("address", (0, settings.LOGIN_ADDRESS_FAILURE_LIMIT))
        if address >= address_limit:
            return max(account, account_limit)
        return account

    def reset_user_attempts(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        # A success clears the account's failures only: the address's failures against other accounts
        # stay counted, or one valid account would reset the per-address limit for an attacker.
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count


@dataclass(frozen=True)
class LockedAccount:
    user: User
    failures: int
    unlocks_at: datetime


def locked_accounts(users: QuerySet[User]) -> list[LockedAccount]:
    """The accounts among ``users`` locked now, soonest unlocked first."""
    now = timezone.now()
    limit = settings.AXES_FAILURE_LIMIT
    rows = (
        _recent(now)
        .filter(username__in=users.values("username"))
        .values("username")
        .annotate(n=Sum("failures_since_start"))
        .filter(n__gte=limit)
    )
    counts = {r["username"]: r["n"] for r in rows}
    found = []
    for user in users.filter(username__in=counts).select_related("department"):
        end = _lock_end(_recent(now).filter(username=user.username), limit) or now
        found.append(LockedAccount(user=user, failures=counts[user.username], unlocks_at=end))
    return sorted(found, key=lambda a: a.unlocks_at)


@transaction.atomic
def unlock(user: User, *, actor: User, request: HttpRequest | None = None) -> int:
    """Clear the account's counted failures (the office's 解除锁定); returns how many records went."""
    count, _ = AccessAttempt.objects.filter(username=user.username).delete()
    security_event.send(
        sender=User,
        kind="unlock",
        user=user,
        actor=actor,
        request=request,
        outcome="success",
        data={"username": user.username, "cleared": count},
    )
    return count


def users_managed_by(actor: User) -> QuerySet[User]:
    """The accounts whose lock-out this actor may see and lift: the office's own jurisdiction (as for
    creating users), everyone for a superuser."""
    if actor.is_superuser:
        return User.objects.all()
    if actor.role != Role.OFFICE_STAFF or actor.jurisdiction_id is None:
        return User.objects.none()
    return User.objects.filter(jurisdiction_id=actor.jurisdiction_id)
