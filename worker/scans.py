"""The scheduled scans: each is safe to run on any number of workers at once and to stop at any point
(every item commits on its own, claimed under a row lock)."""

from __future__ import annotations

from collections.abc import Callable

from handling.reminders import send_due_reminders
from notifications.outbox import queue_digests, send_due_deliveries
from supervision.reminders import send_due_milestone_reminders


def reminders(stopping: Callable[[], bool] = lambda: False) -> int:
    """Automatic reminders (催办) of every kind (handling.reminders.KINDS): 15 and 5 days before a deadline,
    on the day, then weekly while it is missed."""
    return send_due_reminders(stopping=stopping)


def digests(stopping: Callable[[], bool] = lambda: False) -> int:
    """The office's daily digest e-mail: queued once a day after DIGEST_HOUR (sent by ``deliveries``)."""
    return queue_digests()


def deliveries(stopping: Callable[[], bool] = lambda: False) -> int:
    """E-mail and SMS of the messages written since (and retries of failed ones), one at a time."""
    return send_due_deliveries(stopping=stopping)


# In this order: the reminders' messages and the digests are sent in the same round.
SCANS: dict[str, Callable[[Callable[[], bool]], int]] = {
    "reminders": reminders,
    "milestones": lambda stopping: send_due_milestone_reminders(stopping=stopping),  # 督办节点 (supervision)
    "digests": digests,
    "deliveries": deliveries,
}
