"""Which channels reach a user beyond the inbox (which every message always reaches).

Without a saved choice a user gets the role's defaults: e-mail for everyone with an address, SMS for
members (who live on their phones; SMS is how they hear first), and for the office's staff one digest
e-mail a day instead of an e-mail per message (they are told of every step of every unit).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings

from organisation.models import Role, User

from .models import ChannelPreference

_MOBILE = re.compile(r"^(?:\+?86)?(1[3-9]\d{9})$")


@dataclass(frozen=True)
class Channels:
    email: bool
    sms: bool
    digest: bool


def may_digest(user: User) -> bool:
    return user.role == Role.OFFICE_STAFF


def defaults(user: User) -> Channels:
    return Channels(email=True, sms=user.role == Role.MEMBER, digest=may_digest(user))


def resolve(user: User, pref: ChannelPreference | None) -> Channels:
    """The saved choice, or the role's defaults when none was saved."""
    if pref is None:
        return defaults(user)
    return Channels(email=pref.email, sms=pref.sms, digest=pref.digest and may_digest(user))


def chosen(user: User) -> Channels:
    return resolve(user, ChannelPreference.objects.filter(user=user).first())


def choose(user: User, *, email: bool, sms: bool, digest: bool) -> Channels:
    """Save the user's own choice (a user changes only their own; the page passes ``request.user``).
    A digest is for the office's staff only; for others the flag is stored off."""
    digest = digest and may_digest(user)
    ChannelPreference.objects.update_or_create(user=user, defaults={"email": email, "sms": sms, "digest": digest})
    return Channels(email=email, sms=sms, digest=digest)


def email_configured() -> bool:
    """E-mail is on when EMAIL_URL gave a mailer (config/settings.py)."""
    return "default" in getattr(settings, "MAILERS", {}) and bool(getattr(settings, "EMAIL_URL", ""))


def email_address(user: User) -> str:
    return user.email.strip()


def mobile_number(user: User) -> str:
    """The user's mobile number from their phone field (11 digits, 1[3-9]…), or "" for a landline."""
    match = _MOBILE.match(re.sub(r"[\s\-()（）]", "", user.phone or ""))
    return match.group(1) if match else ""
