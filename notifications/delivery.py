"""Tell people what needs them; called from actions through ``transaction.on_commit`` only.

Messages go to the in-app inbox (站内消息; intranets often have no mail relay); a message is never
written for a change that was rolled back.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from organisation.models import DEPT_ROLES, Role, User

from .models import Notification


def unit_users(department_id: int, roles: Iterable[str] = DEPT_ROLES) -> list[User]:
    return list(User.objects.filter(department_id=department_id, role__in=list(roles), is_active=True))


def office_users(jurisdiction_id: int) -> list[User]:
    return list(User.objects.filter(jurisdiction_id=jurisdiction_id, role=Role.OFFICE_STAFF, is_active=True))


def notify_later(
    users: Iterable[User], text: str, *, proposal_id: int | None = None, assignment_id: int | None = None
) -> None:
    """Queue the message to be written once the current transaction commits."""
    recipients = list({u.pk: u for u in users}.values())
    if not recipients:
        return

    def deliver() -> None:
        Notification.objects.bulk_create(
            Notification(user=u, text=text[:500], proposal_id=proposal_id, assignment_id=assignment_id)
            for u in recipients
        )

    transaction.on_commit(deliver)
