"""Reports kept until the data behind them changes.

A province's dashboard or assessment costs tens of milliseconds of counting and rendering, and in the weeks
before deadlines hundreds of clerks and leaders open them; between two changes each of them would count the
same thing again. So a report once computed is kept in the cache (``CACHES``: each process's memory, or
Redis with ``CACHE_URL``) under a key made of everything it depends on:

- the latest history event's id. Every change of a proposal or an assignment writes an event in its own
  transaction (the project's rule: one action function per change), so after any change every earlier key is
  out of reach and the next request counts afresh;
- today's date (overdue counts and traffic lights move with the day);
- what the caller adds: whose scope, which year, and what changes without an event (the assessment's
  weights and the CPPCC's evaluations).

Event ids are handed out before commit, so a change committing after a later one could be missed by a key
computed in between; that, and what changes without any event (a unit renamed), is out of date for at most
``REPORT_CACHE_SECONDS`` (default 60). ``REPORT_CACHE_SECONDS=0`` turns the keeping off.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date

from django.conf import settings
from django.core.cache import cache

from history.models import Event


def latest_change() -> int:
    """The id of the latest history event (the primary key's index, read backwards: one row)."""
    return Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def remembered[T](name: str, parts: tuple[object, ...], today: date, compute: Callable[[], T]) -> T:
    """``compute()``'s result for ``parts`` as of the latest change, computed at most once per change.

    ``parts`` must name everything the result depends on besides the history and the date; its ``repr``
    is hashed into the key, so only plain values (ints, strings, tuples, dates) belong in it."""
    seconds = settings.REPORT_CACHE_SECONDS
    if seconds <= 0:
        return compute()
    # The version is read before the data: a change landing in between is then counted in, and only
    # makes this key's value fresher than its version says.
    version = latest_change()
    digest = hashlib.sha256(repr((parts, today.isoformat(), version)).encode()).hexdigest()[:32]
    key = f"banli:report:{name}:{digest}"
    found = cache.get(key)
    if found is not None:
        return found  # type: ignore[no-any-return]
    value = compute()
    cache.set(key, value, seconds)
    return value
