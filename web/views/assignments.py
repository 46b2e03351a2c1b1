"""The handling page of one assignment, and the forms that act on it (the same commands as the API)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from handling.access import access_assignment
from handling.commands import COMMANDS
from handling.models import Assignment, ContactStage, Decision
from handling.permissions import can_act, require_can_act
from handling.states import AssignmentRole, is_open_for
from history.models import Event
from organisation.models import Role, User

from .. import choices, letters
from ..action_forms import ASSIGNMENT_FORMS
from ..forms import FormErrors
from ..labels import days_left, light
from ..perform import perform
from .common import safe_next


def _has_pending_extension(a: Assignment) -> bool:
    return a.extension_requests.filter(decision=Decision.PENDING).exists()


def _has_open_items(a: Assignment) -> bool:
    return a.follow_up_items.filter(done_on__isnull=True).exists()


# Forms shown only when there is something to act on; the actions check this again (409) themselves.
SHOWN_WHEN = {
    "consult_extension": _has_pending_extension,
    "decide_extension": _has_pending_extension,
    "follow_up_done": _has_open_items,
}


def available_actions(user: User, a: Assignment) -> list[str]:
    """The actions this user may take on this assignment now: the state allows it and so do role and unit."""
    key = a.proposal.needs_leader_approval
    return [
        name
        for name in ASSIGNMENT_FORMS
        if is_open_for(name, a.state, a.role, key=key)
        and can_act(user, name, a)
        and (name not in SHOWN_WHEN or SHOWN_WHEN[name](a))
    ]


def _draft_initial(user: User, a: Assignment) -> dict[str, Any]:
    """A first draft starts from the standard letter; drafting again (after a review sent it back, or
    in re-handling) starts from the last version."""
    last = a.replies.order_by("-version").first()
    if last is None:
        text = letters.skeleton(a, user, timezone.localdate())
        return {"text": text, "contact_person": user.display_name, "contact_phone": user.phone}
    return {
        "text": last.text, "result_class": last.result_class, "method": last.method,
        "is_public": "true" if last.is_public else "false",
        "contact_person": last.contact_person, "contact_phone": last.contact_phone,
    }  # fmt: skip


def _today(user: User, a: Assignment) -> dict[str, Any]:
    return {"date": timezone.localdate().isoformat()}


# What a form starts with, so that nobody types again what the system already knows.
INITIAL: dict[str, Callable[[User, Assignment], dict[str, Any]]] = {
    "draft_reply": _draft_initial,
    "contact": _today,
    "reply_meeting": _today,
    "government_decision": lambda user, a: {"decided_on": timezone.localdate().isoformat()},
}


def action_panels(
    user: User, a: Assignment, failed: str | None = None, errors: FormErrors | None = None, posted: Any = None
) -> list[dict[str, Any]]:
    panels = []
    for name in available_actions(user, a):
        form = ASSIGNMENT_FORMS[name]
        mine = name == failed
        panels.append(
            {
                "name": name,
                "form": form,
                "url": f"/assignments/{a.pk}/{name.replace('_', '-')}/",
                "options": choices.for_assignment(form, a, user),
                "rows": choices.row_numbers(form, posted if mine else None),
                "errors": errors if mine else FormErrors(),
                "values": posted if mine else (INITIAL[name](user, a) if name in INITIAL else {}),
                "open": mine or form.primary,
            }
        )
    return panels


def _context(user: User, a: Assignment) -> dict[str, Any]:
    p = a.proposal
    contacts = list(a.contacts.select_related("recorded_by").order_by("date", "pk"))
    co_assignments = []
    if a.role == AssignmentRole.LEAD:
        co_assignments = list(
            Assignment.objects.filter(proposal=p, role=AssignmentRole.CO)
            .select_related("department")
            .prefetch_related("co_opinions")
            .order_by("pk")
        )
    return {
        "a": a,
        "p": p,
        "proposers": list(p.proposers.order_by("position")),
        "instructions": list(p.instructions.select_related("leader").order_by("pk")),
        "days_left": days_left(a.watch_on),
        "light": light(a.watch_on),
        "checklist": [(label, [c for c in contacts if c.stage == stage]) for stage, label in ContactStage.choices],
        "contacts": contacts,
        "co_assignments": co_assignments,
        "own_co_opinions": list(a.co_opinions.order_by("pk")) if a.role == AssignmentRole.CO else [],
        "forms": list(a.handling_forms.select_related("handler", "approved_by").order_by("pk")),
        "replies": list(
            a.replies.select_related("signed_by").prefetch_related("decisions__decided_by").order_by("-version")
        ),
        "decisions": list(a.government_decisions.order_by("pk")),
        "extensions": list(a.extension_requests.select_related("requested_by", "decided_by").order_by("pk")),
        "returns": list(a.return_requests.select_related("requested_by", "decided_by").order_by("pk")),
        "feedbacks": list(a.feedbacks.select_related("proposer", "entered_by").order_by("pk")),
        "self_checks": list(a.self_checks.order_by("pk")),
        "items": list(a.follow_up_items.select_related("department").order_by("pk")),
        "second_feedbacks": list(a.second_feedbacks.order_by("pk")),
        "reminders": list(a.reminders.select_related("sent_by").order_by("-pk")[:20]),
        "meetings": list(a.reply_meetings.order_by("date")),
        "events": list(Event.objects.filter(assignment=a).select_related("actor").order_by("pk")),
    }


@login_required
def assignment_page(request: HttpRequest, assignment_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    a = access_assignment(user, assignment_id)
    if user.role == Role.MEMBER:
        # A member reads the proposal on the member's page, which leaves out internal steps (协办意见, 审核).
        return redirect(f"/my/{a.proposal_id}/")
    return render(request, "web/assignment.html", {**_context(user, a), "panels": action_panels(user, a)})


@login_required
@require_POST
def assignment_action(request: HttpRequest, assignment_id: int, action: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    name = action.replace("-", "_")
    if name not in ASSIGNMENT_FORMS:
        raise Http404("没有这项操作。")
    a = access_assignment(user, assignment_id)
    require_can_act(user, name, a)
    command = COMMANDS[name]
    _, errors = perform(command.schema, request.POST, lambda data: command.run(user, a, data))
    if not errors:
        messages.success(request, f"已{ASSIGNMENT_FORMS[name].title}。")
        return redirect(safe_next(request, f"/assignments/{a.pk}/"))
    a = access_assignment(user, assignment_id)  # the failed action changed nothing; show it as it is
    if user.role == Role.MEMBER or name not in available_actions(user, a):
        # The form is gone from the page (someone else acted first, or a double click): say why on top.
        for message in [*errors.general, *errors.fields.values()]:
            messages.error(request, message)
        default = f"/my/{a.proposal_id}/" if user.role == Role.MEMBER else f"/assignments/{a.pk}/"
        return redirect(safe_next(request, default))
    context = {**_context(user, a), "panels": action_panels(user, a, name, errors, request.POST)}
    return render(request, "web/assignment.html", context, status=422)
