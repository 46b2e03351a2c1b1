"""The scheduled scans: each is safe to run on any number of workers at once and to stop at any point
(every item commits on its own, claimed under a row lock)."""

from __future__ import annotations

from collections.abc import Callable

from handling.reminders import send_due_reminders
from notifications.outbox import queue_digests, send_due_deliveries
from notifications.pruning import prune_deliveries as prune_finished_deliveries
from reports.upkeep import figures
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


def prune_deliveries(stopping: Callable[[], bool] = lambda: False) -> int:
    """Daily: finished e-mail, SMS and digest rows older than NOTIFICATION_RETENTION_DAYS (180), counted into
    the daily tally, in batches of NOTIFICATION_PRUNE_BATCH; the cut-off moves at midnight, so later
    rounds of the day find nothing. The in-app messages stay (notifications/pruning.py)."""
    return prune_finished_deliveries(stopping=stopping).deleted


# In this order: the reminders' messages and the digests are sent in the same round.
SCANS: dict[str, Callable[[Callable[[], bool]], int]] = {
    "reminders": reminders,
    "milestones": lambda stopping: send_due_milestone_reminders(stopping=stopping),  # 督办节点 (supervision)
    "digests": digests,
    "deliveries": deliveries,
    "prune_deliveries": prune_deliveries,
    "figures": figures,  # the units' stored yearly figures (reports.upkeep): the dashboard's and /stats' rows
}
