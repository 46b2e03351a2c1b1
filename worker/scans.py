"""The scheduled scans: each is safe to run on any number of workers at once and to stop at any point
(every item commits on its own, claimed under a row lock)."""

from __future__ import annotations

from collections.abc import Callable

from handling.actions import send_due_reminders


def reminders(stopping: Callable[[], bool] = lambda: False) -> int:
    """Automatic reminders (催办): 15 and 5 days before a deadline, on the day, then weekly."""
    return send_due_reminders(stopping=stopping)


SCANS: dict[str, Callable[[Callable[[], bool]], int]] = {"reminders": reminders}
