"""Paging a list of any size in a bounded amount of work, for both channels (the pages' lists and the API's):
a count that stops at ``COUNT_CAP``, and a page as the deferred join (its ids first, from the index alone
where the order is indexed, then those rows)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

COUNT_CAP = 10_000  # a list counts at most this many rows (+1); beyond, the API says total_exact false, pages "1万+"


def bounded_count(qs: QuerySet[Any], cap: int | None = None) -> tuple[int, bool]:
    """``(total, exact)``: count at most ``cap + 1`` rows, as a LIMITed subquery, so a list of a million
    scoped rows costs as much as one of ten thousand. Nobody reads "1,000,000" rather than "1万+"."""
    cap = COUNT_CAP if cap is None else cap
    n = qs.order_by().values("pk")[: cap + 1].count()
    return (cap, False) if n > cap else (n, True)


def page_ids(qs: QuerySet[Any], start: int, size: int, after: int | None = None) -> list[Any]:
    """The ids of one page, in the list's order, from the ids alone (an index-only scan for the indexed
    orders: a deep OFFSET then skips index entries, not rows); ``after`` is keyset paging on ``-id`` lists."""
    ids = qs.prefetch_related(None).values_list("pk", flat=True)
    if after is not None:
        return list(ids.filter(pk__lt=after)[:size])
    return list(ids[start : start + size])


def fetch_in_order(qs: QuerySet[Any], ids: list[Any]) -> list[Any]:
    """The rows of ``ids`` (a page), in the order of ``ids``: the deferred join's second half."""
    if not ids:
        return []
    by_id = {row.pk: row for row in qs.filter(pk__in=ids)}
    return [by_id[i] for i in ids if i in by_id]
