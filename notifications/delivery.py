"""Tell people what needs them, from the actions.

Messages go to the in-app inbox (站内消息; intranets often have no mail relay); a message is never
written for a change that was rolled back. ``notify`` writes the rows inside the action's transaction
(the outbox: the message and the change commit together, so no crash between them can lose it); every
action sends its messages so. With each message go its delivery rows, one per further channel
the recipient gets (e-mail, SMS: notifications/preferences.py), in the same transaction; the worker
sends them (notifications/outbox.py), never the request.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from organisation.models import DEPT_ROLES, Role, User

from .models import Channel, ChannelPreference, Delivery, Notification
from .preferences import Channels, email_address, email_configured, mobile_number, resolve
from .tasks import wake_worker


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


def _channels(users: list[User]) -> dict[int, Channels]:
    saved = {p.user_id: p for p in ChannelPreference.objects.filter(user_id__in=[u.pk for u in users])}
    return {u.pk: resolve(u, saved.get(u.pk)) for u in users}


def _write(rows: list[Notification]) -> None:
    """Write the messages and their delivery rows (one transaction: the caller's, or the on-commit one)."""
    created = Notification.objects.bulk_create(rows)
    users = [n.user for n in created]
    chosen = _channels(users)
    email_on = email_configured()
    deliveries = []
    for n in created:
        c = chosen[n.user_id]
        if email_on and c.email and not c.digest and email_address(n.user):
            deliveries.append(Delivery(notification=n, user_id=n.user_id, channel=Channel.EMAIL))
        if c.sms and mobile_number(n.user):
            deliveries.append(Delivery(notification=n, user_id=n.user_id, channel=Channel.SMS))
    if deliveries:
        Delivery.objects.bulk_create(deliveries)
        # Queued with the rows (on the database queue, in this very transaction): the worker sends them
        # within a second or so instead of at its next scan.
        wake_worker()


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
    _write(_rows(users, text, proposal_id, assignment_id, key))
