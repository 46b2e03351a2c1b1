"""Reading one's own messages: the API and the pages share these, so "read" means one thing."""

from __future__ import annotations

from django.utils import timezone

from lib.errors import NotFound
from organisation.models import User

from .models import Notification


def mark_read(user: User, notification_id: int) -> Notification:
    """Return the user's message, marked read; another user's message is 404, as if it did not exist."""
    n = Notification.objects.filter(pk=notification_id, user=user).first()
    if n is None:
        raise NotFound("消息不存在。")
    if n.read_at is None:
        n.read_at = timezone.now()
        n.save(update_fields=["read_at"])
    return n


def mark_all_read(user: User) -> int:
    """Mark every unread message of the user read; return how many."""
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
