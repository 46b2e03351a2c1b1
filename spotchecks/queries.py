"""What a spot check draws from, and its figures (read only)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db.models import Count, Q, QuerySet

from handling.models import Assignment
from handling.states import AssignmentRole, State

from .models import ItemState, SpotCheck, SpotCheckItem, Verdict

# Replied at least once and not since withdrawn: what a reply promised can be checked.
ELIGIBLE_STATES = (State.REPLIED, State.CLOSED, State.REHANDLING)


def eligible(jurisdiction_id: int, year: int, criteria: dict[str, Any] | None = None) -> QuerySet[Assignment]:
    """The lead assignments of the jurisdiction and year a check may take: replied (``first_replied_on``)
    and now replied, closed or being handled again. ``criteria``: ``key_only`` (key proposals and 建议案),
    ``multi_unit`` (proposals handled by more than one unit), ``category``, ``department_ids``."""
    c = criteria or {}
    qs = Assignment.objects.filter(
        jurisdiction_id=jurisdiction_id, year=year, role=AssignmentRole.LEAD,
        first_replied_on__isnull=False, state__in=ELIGIBLE_STATES,
    )  # fmt: skip
    if c.get("key_only"):
        qs = qs.filter(Q(proposal__is_key=True) | Q(proposal__is_suggestion=True))
    if c.get("multi_unit"):
        several = (
            Assignment.objects.exclude(state=State.WITHDRAWN)
            .values("proposal_id")
            .annotate(units=Count("department_id", distinct=True))
            .filter(units__gt=1)
            .values("proposal_id")
        )
        qs = qs.filter(proposal_id__in=several)
    if c.get("category"):
        qs = qs.filter(proposal__category=c["category"])
    if c.get("department_ids"):
        qs = qs.filter(department_id__in=c["department_ids"])
    return qs


def not_yet_in(check: SpotCheck, qs: QuerySet[Assignment]) -> QuerySet[Assignment]:
    return qs.exclude(pk__in=SpotCheckItem.objects.filter(spot_check=check).values("assignment_id"))


def summary(items: list[SpotCheckItem]) -> dict[str, Any]:
    """Counts of the items by verdict (those checked) and by state (the rectification's progress)."""
    verdicts = Counter(i.verdict for i in items if i.verdict)
    states = Counter(i.state for i in items)
    fixes = [i for i in items if i.fixes]
    return {
        "total": len(items),
        "checked": sum(verdicts.values()),
        "verdicts": [(v.value, v.label, verdicts.get(v.value, 0)) for v in Verdict],
        "states": [(s.value, s.label, states.get(s.value, 0)) for s in ItemState],
        "fixes_demanded": len(fixes),
        "fixes_accepted": sum(1 for i in fixes if i.state == ItemState.ACCEPTED),
    }
