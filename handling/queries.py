"""Read-only queries about handling that more than one channel (the API, the pages) needs."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Q, QuerySet

from .models import Reply
from .states import LIGHT_YELLOW_DAYS, TRANSITIONS


def published_replies() -> QuerySet[Reply]:
    """Every reply the public may read: delivered, marked public, of a public proposal, the latest delivered
    version only (a reply superseded by re-handling is not shown twice). Show them only through
    ``disclosure.public_reply_json`` / ``disclosure.public_text``, which leave out contact details.

    The rule is kept as a marker (``Reply.published_on``, set by the actions where a reply is delivered),
    so the list reads a partial index rather than an anti-join over every reply."""
    return Reply.objects.filter(published_on__isnull=False)


def light_bands(today: date, field: str = "watch_on") -> dict[str, Q]:
    """The traffic-light bands (红黄绿灯) on the watched deadline, as filters: the one definition the API's
    ``light`` filter, the lists and the supervision board share (``states.light_for`` for one row)."""
    yellow_until = today + timedelta(days=LIGHT_YELLOW_DAYS)
    return {
        "red": Q(**{f"{field}__lt": today}),
        "yellow": Q(**{f"{field}__gte": today, f"{field}__lte": yellow_until}),
        "green": Q(**{f"{field}__gt": yellow_until}),
    }


def awaiting_feedback() -> Q:
    """Assignments whose delivered reply waits for the first proposer's rating (待反馈): the ones the
    transition table opens ``feedback`` on. A co-signer's later rating does not move the state."""
    feedback = TRANSITIONS["feedback"]
    return Q(role__in=feedback.applies_to, state__in=feedback.sources)
