"""Give the demo's history believable times.

The loader plays months of handling in seconds, so every event would carry the load time. Where an
action records its own date (assigned on, met on, signed on, decided on, meeting date) that date is the
event's day; the steps in between are spread over the days between their neighbours, in working
hours, never later than now and never out of order.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from itertools import groupby

from django.db import models, transaction
from django.utils import timezone

from handling.models import (
    Assignment,
    CoOpinion,
    ExtensionRequest,
    Feedback,
    HandlingForm,
    Reminder,
    ReturnRequest,
    SecondFeedback,
    SelfCheck,
)  # fmt: skip
from history.maintenance import history_maintenance
from history.models import Event
from proposals.models import Instruction, Proposal

DATE_KEYS = {"contact": "date", "sign_reply": "signed_on", "reply_meeting": "date", "government_decision": "decided_on"}
# Steps the loader plays at their own moment (demo/moments.py), the clock fixed there: their time is kept
# (it is also their record's), unless an earlier step was put after it.
CLOCKED = frozenset({"supervision_milestone"})


def _anchor(e: Event, assigned_on: dict[int, date], submitted_on: dict[int, date | None]) -> date | None:
    if e.action in CLOCKED:
        return timezone.localtime(e.at).date()
    if e.action == "register":
        return submitted_on.get(e.proposal_id)
    if e.action == "assign" and e.assignment_id:
        return assigned_on.get(e.assignment_id)
    key = DATE_KEYS.get(e.action)
    value = e.data.get(key) if key and isinstance(e.data, dict) else None
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _days(rng: random.Random, events: list[Event], anchors: list[date | None], today: date) -> list[date]:
    """One day per event: anchors kept (if not before the previous day), the rest spread towards the next."""
    days: list[date] = []
    previous = min((a for a in anchors if a), default=today)
    for i, anchor in enumerate(anchors):
        if anchor is not None:
            day = max(anchor, previous)
        else:
            following = next((a for a in anchors[i + 1 :] if a is not None and a >= previous), None)
            room = ((following or min(today, previous + timedelta(days=20))) - previous).days
            day = previous + timedelta(days=rng.randint(0, max(0, min(room, 6))))
        day = min(day, today)
        days.append(day)
        previous = day
    return days


def backdate_events(today: date, seed: int = 7) -> int:
    """Rewrite ``Event.at`` of every demo event (and each proposal's registration time); return how many."""
    rng = random.Random(seed)  # noqa: S311 (demo data)
    zone = timezone.get_current_timezone()
    now = timezone.now()
    assigned_on = dict(Assignment.objects.values_list("pk", "assigned_on"))
    submitted_on = dict(Proposal.objects.values_list("pk", "submitted_on"))
    changed: list[Event] = []
    registered: list[Proposal] = []
    events = Event.objects.order_by("proposal_id", "pk").only(
        "pk", "proposal_id", "assignment_id", "action", "data", "at"
    )
    for _, group in groupby(events.iterator(chunk_size=2000), key=lambda e: e.proposal_id):
        rows = list(group)
        days = _days(rng, rows, [_anchor(e, assigned_on, submitted_on) for e in rows], today)
        last: datetime | None = None
        for e, day in zip(rows, days, strict=True):
            minute = rng.randint(8 * 60 + 30, 17 * 60 + 30)
            at = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone)
            if e.action in CLOCKED and timezone.localtime(e.at).date() == day and (last is None or e.at > last):
                at = e.at
            elif last is not None and at <= last:
                at = last + timedelta(minutes=rng.randint(3, 40))
            at = min(at, now)
            e.at = at
            last = at
            changed.append(e)
            if e.action == "register":  # the proposal was registered when its event says
                registered.append(Proposal(pk=e.proposal_id, created_at=at))
    with transaction.atomic():
        # The history is append-only: rewrite the times in maintenance, which recomputes their chains.
        with history_maintenance() as touched:
            Event.objects.bulk_update(changed, ["at"], batch_size=1000)
            touched.update(e.proposal_id for e in changed)
        Proposal.objects.bulk_update(registered, ["created_at"], batch_size=1000)
        _align_records(changed)
    return len(changed)


# action: the record it wrote and the time field to set from the event; records are matched through the
# id the event carries, else as the n-th record of that assignment (they are written in the same order).
RECORDS: dict[str, tuple[type[models.Model], str, str]] = {
    "submit_form": (HandlingForm, "submitted_at", ""),
    "approve_form": (HandlingForm, "approved_at", ""),
    "co_opinion": (CoOpinion, "created_at", ""),
    "request_return": (ReturnRequest, "requested_at", ""),
    "decide_return": (ReturnRequest, "decided_at", ""),
    "request_extension": (ExtensionRequest, "requested_at", "extension_id"),
    "consult_extension": (ExtensionRequest, "consulted_at", "extension_id"),
    "decide_extension": (ExtensionRequest, "decided_at", "extension_id"),
    "feedback": (Feedback, "created_at", ""),
    "self_check": (SelfCheck, "created_at", "self_check_id"),
    "second_feedback": (SecondFeedback, "created_at", ""),
    "remind": (Reminder, "created_at", "reminder_id"),
    "instruction": (Instruction, "created_at", "instruction_id"),
}


def _align_records(events: list[Event]) -> None:
    """Give the records the steps wrote the same times as their events, so a page never shows two dates."""
    updates: dict[tuple[type[models.Model], str], dict[int, datetime]] = defaultdict(dict)
    nth: dict[tuple[str, int | None], int] = defaultdict(int)
    ordered: dict[tuple[type[models.Model], int | None], list[int]] = {}
    for e in sorted(events, key=lambda e: e.pk):
        if e.action not in RECORDS:
            continue
        model, field, id_key = RECORDS[e.action]
        if id_key:
            pk = e.data.get(id_key) if isinstance(e.data, dict) else None
        else:
            key = (model, e.assignment_id)
            if key not in ordered:
                ordered[key] = list(
                    model._default_manager.filter(assignment_id=e.assignment_id)
                    .order_by("pk")
                    .values_list("pk", flat=True)
                )
            rows = ordered[key]
            i = nth[(e.action, e.assignment_id)]
            nth[(e.action, e.assignment_id)] += 1
            pk = rows[i] if i < len(rows) else None
        if pk is not None:
            updates[(model, field)][int(pk)] = e.at
    for (model, field), times in updates.items():
        # Only times the step set: a form sent back has no approval time, and keeps none.
        kept = model._default_manager.filter(pk__in=list(times), **{f"{field}__isnull": False})
        objs = [model(pk=pk, **{field: times[pk]}) for pk in kept.values_list("pk", flat=True)]
        model._default_manager.bulk_update(objs, [field], batch_size=1000)
