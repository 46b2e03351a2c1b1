"""Receivers connected in ``OrganisationConfig.ready``: token revocation on a password change or
deactivation, and the lock-out reported as a security event.

A receiver on the User model catches every path that saves a user — ``set_password`` + ``save``, the
admin, the password-change page, ``is_active = False`` — where overriding ``set_password`` would miss
deactivation and a hash written directly.
"""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.hashers import get_hasher, identify_hasher
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.http import HttpRequest

from . import tokens
from .lockout import locked_scopes
from .models import User
from .signals import security_event

WATCHED = frozenset({"password", "is_active"})


def _is_hash_upgrade(user: User, old_hash: str, update_fields: frozenset[str] | None) -> bool:
    """Django rehashing at sign-in (the preferred hasher or its work factor changed): the secret is the
    same, so the tokens stay. Its setter clears ``_password`` and saves only the password; a hash
    written directly looks the same, so the old hash must also have been due for an upgrade."""
    if user._password is not None or update_fields != frozenset({"password"}):  # type: ignore[attr-defined]
        return False
    try:
        old = identify_hasher(old_hash)
    except ValueError:
        return False
    return old.algorithm != get_hasher().algorithm or old.must_update(old_hash)


@receiver(pre_save, sender=User, dispatch_uid="organisation.user_credentials_changed")
def note_credentials_change(
    sender: type[User], instance: User, raw: bool = False, update_fields: frozenset[str] | None = None, **kwargs: Any
) -> None:
    instance._revoke_tokens_reason = None  # type: ignore[attr-defined]
    if raw or instance.pk is None or (update_fields is not None and not WATCHED & set(update_fields)):
        return
    stored = User.objects.filter(pk=instance.pk).values("password", "is_active").first()
    if stored is None:
        return
    if stored["is_active"] and not instance.is_active:
        instance._revoke_tokens_reason = "deactivated"  # type: ignore[attr-defined]
    elif stored["password"] != instance.password and not _is_hash_upgrade(instance, stored["password"], update_fields):
        instance._revoke_tokens_reason = "password_changed"  # type: ignore[attr-defined]


@receiver(post_save, sender=User, dispatch_uid="organisation.user_revoke_tokens")
def revoke_tokens_on_credentials_change(sender: type[User], instance: User, **kwargs: Any) -> None:
    reason = getattr(instance, "_revoke_tokens_reason", None)
    if reason:
        instance._revoke_tokens_reason = None  # type: ignore[attr-defined]
        tokens.revoke_all(instance, reason=reason)


@receiver(user_locked_out, dispatch_uid="organisation.lockout_event")
def report_lockout(
    sender: Any, request: HttpRequest, username: str | None = None, ip_address: str | None = None, **kwargs: Any
) -> None:
    credentials = getattr(request, "axes_credentials", None)
    security_event.send(
        sender=User,
        kind="lockout",
        user=User.objects.filter(username=username).first() if username else None,
        actor=None,
        request=request,
        outcome="locked",
        data={
            "username": username,
            "ip_address": ip_address,
            "scopes": locked_scopes(request, credentials),
            "path": request.path,
        },
    )
