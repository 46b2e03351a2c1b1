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

from handling import permissions
from handling.access import access_assignment
from handling.commands import COMMANDS
from handling.models import Assignment, ContactStage
from handling.permissions import require_can_act
from handling.states import AssignmentRole
from history.models import Event
from organisation.models import Role, User

from .. import choices, letters
from ..action_forms import ASSIGNMENT_FORMS, intro_for
from ..forms import FormErrors
from ..labels import days_left, light
from ..links import assignment_url, url
from ..perform import perform
from .attachments import assignment_context as attachment_context
from .common import safe_next


def available_actions(user: User, a: Assignment) -> list[str]:
    """The forms this user may use on this assignment now: the domain's one answer
    (``handling.permissions.available_actions``: state, role, unit and the records), limited to the steps
    that have a form on this page."""
    return [name for name in permissions.available_actions(user, a) if name in ASSIGNMENT_FORMS]


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


def _handler(user: User, a: Assignment) -> dict[str, Any]:
    """The handler filling in the 承办单 usually handles the case: named by default."""
    if user.role == Role.DEPT_HANDLER and user.department_id == a.department_id:
        return {"handler_id": str(user.pk)}
    return {}


# What a form starts with, so that nobody types again what the system already knows.
INITIAL: dict[str, Callable[[User, Assignment], dict[str, Any]]] = {
    "draft_reply": _draft_initial,
    "submit_form": _handler,
    "contact": _today,
    "reply_meeting": _today,
    "government_decision": lambda user, a: {"decided_on": timezone.localdate().isoformat()},
    "follow_up_plan": lambda user, a: {"items-0-department_id": str(a.department_id)},  # its own unit, mostly
}


def _place(name: str, available: list[str]) -> str:
    """Where a form is drawn: "side" (the actions column), "main" (across the main column, above the
    case) or "below" (after the reply letter). The head who may sign came to sign: the re-draft editor
    waits below the letter, closed."""
    if name == "draft_reply" and "sign_reply" in available:
        return "below"
    return "main" if ASSIGNMENT_FORMS[name].wide else "side"


def action_panels(
    user: User,
    a: Assignment,
    failed: str | None = None,
    errors: FormErrors | None = None,
    posted: Any = None,
    opened: str | None = None,
) -> list[dict[str, Any]]:
    """The forms of what the user may do now; ``failed`` comes back with its errors and what was typed,
    ``opened`` (the form just used, still offered) stays open."""
    names = available_actions(user, a)
    panels = []
    for name in names:
        form = ASSIGNMENT_FORMS[name]
        mine = name == failed
        place = _place(name, names)
        panels.append(
            {
                "name": name,
                "form": form,
                "intro": intro_for(form, a),
                "place": place,
                "url": assignment_url(a, name),
                "options": choices.for_assignment(form, a, user),
                "rows": choices.row_numbers(form, posted if mine else None),
                "errors": errors if mine else FormErrors(),
                "values": posted if mine else (INITIAL[name](user, a) if name in INITIAL else {}),
                "open": mine or name == opened or (form.primary and place != "below"),
            }
        )
    panels.sort(key=lambda p: not p["open"])  # what the user came for first, in the table's order
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
        **attachment_context(user, a),
    }


@login_required
def assignment_page(request: HttpRequest, assignment_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    a = access_assignment(user, assignment_id)
    if user.role == Role.MEMBER:
        # A member reads the proposal on the member's page, which leaves out internal steps (协办意见, 审核).
        return redirect("member-proposal", a.proposal_id)
    opened = request.GET.get("open", "")
    panels = action_panels(user, a, opened=opened if opened in ASSIGNMENT_FORMS else None)
    return render(request, "web/assignment.html", {**_context(user, a), "panels": panels})


def _after(user: User, assignment_id: int, name: str) -> str:
    """The case page after a step; a form that may be used again (another contact, another item done)
    stays open there, instead of folding away after each save."""
    a = access_assignment(user, assignment_id)
    if name in available_actions(user, a):
        return assignment_url(a, open_form=name, anchor=name)
    return assignment_url(a)


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
    run = lambda data: command.run(user, a, data)  # noqa: E731
    _, errors = perform(command.schema, request.POST, run, ASSIGNMENT_FORMS[name].fields)
    if not errors:
        messages.success(request, f"已{ASSIGNMENT_FORMS[name].title}。")
        return redirect(safe_next(request, _after(user, assignment_id, name)))
    a = access_assignment(user, assignment_id)  # the failed action changed nothing; show it as it is
    if user.role == Role.MEMBER or name not in available_actions(user, a):
        # The form is gone from the page (someone else acted first, or a double click): say why on top.
        for message in [*errors.general, *errors.fields.values()]:
            messages.error(request, message)
        default = url("member-proposal", a.proposal_id) if user.role == Role.MEMBER else assignment_url(a)
        return redirect(safe_next(request, default))
    context = {**_context(user, a), "panels": action_panels(user, a, name, errors, request.POST)}
    return render(request, "web/assignment.html", context, status=422)
