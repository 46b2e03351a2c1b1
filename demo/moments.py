"""When the demo's supervision and spot checks act.

Their actions read the clock (a milestone's date may not be before today, nor a fix's deadline; a note
or an instruction is stamped when it is written), so the demo plays each of them at the moment it
happens, with the clock fixed there by time-machine (``at``). A proposal's history is one chain in
order, so a step on it is never put before an event the proposal already has (``Moments.after``), and
nothing is put after now.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

import time_machine
from django.db.models import Max
from django.utils import timezone

from history.models import Event

STEP = timedelta(minutes=7)  # between two steps on the same proposals


def moment(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """A time of the working day, in the demo's time zone."""
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


@contextmanager
def at(when: datetime) -> Iterator[datetime]:
    """Run the block with the clock fixed at ``when`` (never later than now)."""
    when = min(when, timezone.now())
    with time_machine.travel(when, tick=False):
        yield when


class Moments:
    """The next moment of each proposal's history: the planned time, or just after its latest event."""

    def __init__(self) -> None:
        self.latest: dict[int, datetime] = {}

    def after(self, proposal_ids: Iterable[int], planned: datetime) -> datetime:
        ids = sorted(set(proposal_ids))
        unknown = [pk for pk in ids if pk not in self.latest]
        if unknown:
            rows = Event.objects.filter(proposal_id__in=unknown).values("proposal_id").annotate(last=Max("at"))
            self.latest.update({r["proposal_id"]: r["last"] for r in rows})
        when = max([planned, *(self.latest[pk] + STEP for pk in ids if pk in self.latest)])
        when = min(when, timezone.now())
        for pk in ids:
            self.latest[pk] = when
        return when

    @contextmanager
    def at(self, proposal_ids: Iterable[int], planned: datetime) -> Iterator[datetime]:
        with at(self.after(proposal_ids, planned)) as when:
            yield when
