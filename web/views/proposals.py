"""Every proposal's page (its assignments, deadlines and whole history) and the proposal-level forms."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from handling.access import access_proposal
from handling.disclosure import audience_of, reply_for
from handling.models import Assignment, Reply
from handling.proposal_commands import PROPOSAL_COMMANDS, require_command
from history.models import Event
from organisation.models import Role, User
from proposals.models import Proposal

from .. import choices
from ..action_forms import PROPOSAL_FORMS
from ..forms import FormErrors
from ..labels import days_left, light
from ..links import proposal_url
from ..perform import perform
from .assignments import available_actions
from .attachments import proposal_context as attachment_context
from .common import safe_next


def proposal_actions(user: User, p: Proposal) -> list[str]:
    """The proposal's forms this user may use: the command's roles, and staff only in their own jurisdiction
    (分级负责; the actions check it again)."""
    return [
        name
        for name, command in PROPOSAL_COMMANDS.items()
        if user.is_superuser
        or (user.role in command.roles and (user.role == Role.GOV_LEADER or user.jurisdiction_id == p.jurisdiction_id))
    ]


def _panels(
    user: User, p: Proposal, failed: str | None = None, errors: FormErrors | None = None, posted: Any = None
) -> list[dict[str, Any]]:
    panels = []
    for name in proposal_actions(user, p):
        form = PROPOSAL_FORMS[name]
        mine = name == failed
        values: Any = posted if mine else {}
        if name == "flags" and not mine:
            values = {"is_key": p.is_key, "is_suggestion": p.is_suggestion, "is_major": p.is_major,
                      "leading_leader_id": str(p.leading_leader_id or "")}  # fmt: skip
        panels.append(
            {
                "name": name,
                "form": form,
                "url": proposal_url(p, name),
                "options": choices.for_proposal(form, p),
                "rows": choices.row_numbers(form, posted if mine else None),
                "errors": errors if mine else FormErrors(),
                "values": values,
                "open": mine or (name == "assign" and p.status == "registered"),
            }
        )
    return panels


def _context(user: User, p: Proposal) -> dict[str, Any]:
    assignments = list(
        Assignment.objects.filter(proposal=p)
        .select_related("department", "proposal")
        .prefetch_related(Prefetch("replies", queryset=Reply.objects.order_by("version")))
        .order_by("role", "pk")
    )
    rows = [
        {
            "a": a,
            "reply": reply_for(a.replies.all(), audience_of(user)),  # its letter (文号, 答复函 links)
            "days_left": days_left(a.watch_on),
            "light": light(a.watch_on),
            "mine": bool(available_actions(user, a)),
        }
        for a in assignments
    ]
    return {
        "p": p,
        "proposers": list(p.proposers.order_by("position")),
        "instructions": list(p.instructions.select_related("leader").order_by("pk")),
        "assignments": rows,
        "events": list(
            Event.objects.filter(proposal=p).select_related("actor", "assignment__department").order_by("pk")
        ),
        **attachment_context(user, p),
    }


@login_required
def proposal_page(request: HttpRequest, proposal_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    p = access_proposal(user, proposal_id)
    if user.role == Role.MEMBER:
        return redirect("member-proposal", p.pk)  # see assignment_page
    return render(request, "web/proposal.html", {**_context(user, p), "panels": _panels(user, p)})


@login_required
@require_POST
def proposal_action(request: HttpRequest, proposal_id: int, action: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if action not in PROPOSAL_COMMANDS:
        raise Http404("没有这项操作。")
    p = access_proposal(user, proposal_id)
    command = PROPOSAL_COMMANDS[action]
    require_command(user, action, p)
    run = lambda data: command.run(user, p, data)  # noqa: E731
    _, errors = perform(command.schema, request.POST, run, PROPOSAL_FORMS[action].fields)
    if not errors:
        messages.success(request, f"已{PROPOSAL_FORMS[action].title}。")
        return redirect(safe_next(request, proposal_url(p)))
    p = access_proposal(user, proposal_id)
    context = {**_context(user, p), "panels": _panels(user, p, action, errors, request.POST)}
    return render(request, "web/proposal.html", context, status=422)
