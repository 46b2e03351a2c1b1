"""Tell people what needs them, from the actions.

Messages go to the in-app inbox (站内消息; intranets often have no mail relay); a message is never
written for a change that was rolled back. ``notify`` writes the rows inside the action's transaction
(the outbox: the message and the change commit together, so no crash between them can lose it);
``notify_later`` writes them on commit.
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


def _rows(
    recipients: Iterable[User], text: str, proposal_id: int | None, assignment_id: int | None, key: str | None
) -> list[Notification]:
    return [
        Notification(user=u, text=text[:500], proposal_id=proposal_id, assignment_id=assignment_id, key=key)
        for u in {u.pk: u for u in recipients}.values()
    ]


def notify(
    users: Iterable[User],
    text: str,
    *,
    proposal_id: int | None = None,
    assignment_id: int | None = None,
    key: str | None = None,
) -> None:
    """Write the message in the current transaction; with ``key``, a second message with the same key to
    the same user raises IntegrityError (and so rolls back whatever tried to send it twice)."""
    assert transaction.get_connection().in_atomic_block, "notify() belongs inside the action's transaction"
    Notification.objects.bulk_create(_rows(users, text, proposal_id, assignment_id, key))


def notify_later(
    users: Iterable[User], text: str, *, proposal_id: int | None = None, assignment_id: int | None = None
) -> None:
    """Queue the message to be written once the current transaction commits."""
    rows = _rows(users, text, proposal_id, assignment_id, None)
    if not rows:
        return

    def deliver() -> None:
        Notification.objects.bulk_create(rows)

    transaction.on_commit(deliver)
