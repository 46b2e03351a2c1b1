"""The supervision light of a key proposal (红黄绿灯督办): red when an open milestone is past its date,
yellow when one falls due within 15 days (the assignments' bands, ``handling.states``), green otherwise
(also when nothing is open). ``Plan.watch_on`` is the earliest open milestone's date, so the light of
one plan is a comparison and the light of a list a range on that column.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Q
from django.utils import timezone

from handling.queries import light_bands
from handling.states import days_left, light_for
from proposals.models import Proposal

from .models import Milestone, Plan

LIGHTS = ("red", "yellow", "green")
LIGHT_LABELS = {"red": "红灯", "yellow": "黄灯", "green": "绿灯"}


def light_on(watch_on: date | None, today: date) -> str:
    """The light for the earliest open milestone's date (None: nothing open, green)."""
    return light_for(days_left(watch_on, today)) or "green"


def milestone_light(m: Milestone, today: date) -> str | None:
    """An open milestone's own light; None once it is done."""
    return None if m.done_on is not None else light_on(m.due_on, today)


def supervision_light(proposal: Proposal, today: date | None = None) -> str:
    """The supervision light of a proposal: ``"red"``, ``"yellow"`` or ``"green"``."""
    today = today or timezone.localdate()
    watch_on = Plan.objects.filter(proposal_id=proposal.pk).values_list("watch_on", flat=True).first()
    return light_on(watch_on, today)


def light_filters(today: date, field: str = "supervision__watch_on") -> dict[str, Q]:
    """The bands as filters on proposals (``field``: the plan's ``watch_on`` seen from the rows filtered);
    green also takes a proposal with nothing open or no plan yet."""
    bands = light_bands(today, field)
    return {**bands, "green": bands["green"] | Q(**{f"{field}__isnull": True})}
