"""Shape assignments as the API's JSON, with a constant number of queries for any number of rows."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from workcalendar.counting import WorkCalendar
from workcalendar.models import CalendarYear

from .disclosure import Audience, may_read, reply_fields, reply_for
from .models import Assignment, Feedback, Reply
from .permissions import available_api_actions, prefetch_for_actions
from .states import allowed_actions, days_left, light_for

if TYPE_CHECKING:
    from organisation.models import User


def with_related(qs: QuerySet[Assignment]) -> QuerySet[Assignment]:
    """Everything the JSON reads, the follow-up items and what ``available_actions`` checks included."""
    return prefetch_for_actions(qs).prefetch_related(
        Prefetch("replies", queryset=Reply.objects.order_by("version")),
        Prefetch("feedbacks", queryset=Feedback.objects.select_related("proposer").order_by("pk")),
    )


def reply_json(r: Reply | None, audience: Audience = Audience.STAFF) -> dict[str, Any] | None:
    if r is None:
        return None
    return reply_fields(_reply_row(r), audience)


def _reply_row(r: Reply) -> dict[str, Any]:
    return {
        "id": r.pk,
        "version": r.version,
        "text": r.text,
        "result_class": r.result_class,
        "method": r.method,
        "is_public": r.is_public,
        "contact_person": r.contact_person,
        "contact_phone": r.contact_phone,
        "signed_on": r.signed_on,
        "document_number": r.document_number,
        "delivered_on": r.delivered_on,
        "note": r.note,
    }


def feedback_json(f: Feedback | None) -> dict[str, Any] | None:
    if f is None:
        return None
    return {
        "id": f.pk,
        "attitude": f.attitude,
        "result": f.result,
        "comment": f.comment,
        "proposer": f.proposer.name if f.proposer else None,
        "on_paper": f.on_paper,
        "decisive": f.decisive,
        "created_at": f.created_at,
    }


def known_years() -> frozenset[int]:
    return frozenset(CalendarYear.objects.values_list("year", flat=True))


def calendar_warning(a: Assignment, known: frozenset[int]) -> str | None:
    """Warn when a deadline falls in a year whose holidays are not entered yet (weekends only)."""
    return WorkCalendar({}, known).warning_for(*(d for d in (a.due_on, a.return_deadline, a.co_opinion_due) if d))


def assignment_json(
    a: Assignment,
    today: date | None = None,
    known: frozenset[int] | None = None,
    audience: Audience = Audience.STAFF,
    viewer: User | None = None,
) -> dict[str, Any]:
    """One assignment; ``audience`` (``handling.disclosure``) decides which reply a proposer reads.

    ``allowed_actions`` are what the state allows anyone (the 409's list); with a ``viewer``,
    ``available_actions`` are what this user may do now (``handling.permissions``).
    """
    today = today or timezone.localdate()
    known = known_years() if known is None else known
    feedbacks = [f for f in a.feedbacks.all() if f.decisive] or list(a.feedbacks.all())
    feedbacks = feedbacks if may_read("feedback", audience) else []
    items = list(a.follow_up_items.all()) if may_read("follow_up_plan", audience) else []
    return {
        "id": a.pk,
        "proposal_id": a.proposal_id,
        "department_id": a.department_id,
        "department": a.department.name,
        "role": a.role,
        "state": a.state,
        "assigned_on": a.assigned_on,
        "due_on": a.due_on,
        "max_due_on": a.max_due_on,
        "return_deadline": a.return_deadline,
        "co_opinion_due": a.co_opinion_due,  # set for co units only
        "light": light_for(days_left(a.watch_on, today)),
        "days_left": days_left(a.watch_on, today),
        "reply": reply_json(reply_for(a.replies.all(), audience), audience),
        "feedback": feedback_json(feedbacks[-1] if feedbacks else None),
        "follow_up_items": [
            {
                "id": i.pk,
                "text": i.text,
                "department_id": i.department_id,
                "person": i.person,
                "due_on": i.due_on,
                "done_on": i.done_on,
            }
            for i in items
        ],
        "first_replied_on": a.first_replied_on,
        "self_check_due": a.self_check_due,
        "calendar_warning": calendar_warning(a, known),
        "allowed_actions": allowed_actions(a.state, a.role, key=a.proposal.needs_leader_approval),
        **({"available_actions": available_api_actions(viewer, a)} if viewer is not None else {}),
    }


def assignments_json(
    qs: QuerySet[Assignment] | Iterable[Assignment], audience: Audience = Audience.STAFF, viewer: User | None = None
) -> list[dict[str, Any]]:
    """The rows as JSON; a list that is not a queryset must come from ``with_related`` (constant queries)."""
    today = timezone.localdate()
    known = known_years()
    if isinstance(qs, QuerySet):
        qs = with_related(qs)
    return [assignment_json(a, today, known, audience, viewer) for a in qs]
