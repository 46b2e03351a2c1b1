"""The absolute link a message carries to its case (e-mail and SMS are read outside the product).

The paths are the pages' URL names (web/urls.py), looked up at run time; SITE_URL is the address users
reach the product at."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from organisation.models import Role

from .models import Notification


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def case_url(n: Notification) -> str:
    """A member's own proposal page (/my/<id>/), a unit's case (/assignments/<id>/), a proposal's page,
    or the inbox for a message about nothing in particular."""
    if n.proposal_id and n.user.role == Role.MEMBER:
        return absolute(reverse("member-proposal", args=[n.proposal_id]))
    if n.assignment_id:
        return absolute(reverse("assignment", args=[n.assignment_id]))
    if n.proposal_id:
        return absolute(reverse("proposal", args=[n.proposal_id]))
    return absolute(reverse("notifications"))


def inbox_url() -> str:
    return absolute(reverse("notifications"))


def preferences_url() -> str:
    return absolute(reverse("notification-preferences"))
