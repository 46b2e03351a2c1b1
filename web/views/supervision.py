"""动态督办 (/supervision/): the key proposals and 建议案 under supervision with their lights, and one plan
(/supervision/<id>/) with its milestones, progress notes and instructions and the forms of the roles
allowed. Views only parse, call ``supervision.commands`` (the API's own) and render; who may do what is
``supervision.permissions``, who reads what ``supervision.access``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pydantic
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from handling.states import days_left
from lib.errors import NotFound
from organisation.models import Role, User
from proposals.models import Proposal
from supervision import commands, permissions
from supervision.access import READERS, access_milestone, access_supervision, supervised_proposals
from supervision.lights import LIGHT_LABELS, LIGHTS, light_filters, light_on, milestone_light
from supervision.models import Milestone, Plan
from supervision.queries import Supervision, supervision_list, supervision_of

from ..forms import FormErrors
from ..links import url
from ..lists import Column, Filter, export, export_format, run_list
from ..perform import perform
from ..sections import year_filter


def _reader(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not user.is_superuser and user.role not in READERS:
        raise NotFound("页面不存在。")
    return user


def _plan(p: Proposal) -> Plan | None:
    return getattr(p, "supervision", None)


def _kind(p: Proposal) -> str:
    return "、".join(k for k, on in (("重点提案", p.is_key), ("建议案", p.is_suggestion)) if on)


def _next(p: Proposal) -> Milestone | None:
    plan = _plan(p)
    return plan.next_milestone if plan is not None else None


def _columns(today: Any) -> list[Column]:
    def light(p: Proposal) -> str:
        plan = _plan(p)
        return LIGHT_LABELS[light_on(plan.watch_on if plan else None, today)]

    def nxt(attr: Callable[[Milestone], Any]) -> Callable[[Proposal], Any]:
        return lambda p: attr(m) if (m := _next(p)) is not None else None

    return [
        Column("督办灯", light, sort="supervision__watch_on"),
        Column("提案", lambda p: f"{p.number_label}《{p.title}》", sort="id"),
        Column("类型", _kind),
        Column("下一节点", nxt(lambda m: m.title)),
        Column("责任单位", nxt(lambda m: m.department.name)),
        Column("完成时限", nxt(lambda m: m.due_on), sort="supervision__watch_on", shown=False),
        Column("年度", lambda p: p.year, shown=False),
    ]


@login_required
def supervision_list_page(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    user = _reader(request)
    today = timezone.localdate()
    base = supervision_list(supervised_proposals(user), today=today).defer("body")
    filters = [
        year_filter(base),
        Filter("light", "督办灯", lambda qs, v: qs.filter(light_filters(today)[v]),
               tuple((k, LIGHT_LABELS[k]) for k in LIGHTS)),
    ]  # fmt: skip
    columns = _columns(today)
    fmt = export_format(request)
    result = run_list(request, base, filters, columns, default_sort="supervision__watch_on")
    if fmt is not None:
        qs: QuerySet[Proposal] = result.extra["sorted_qs"]
        return export(fmt, qs, columns, "动态督办")
    rows = []
    for p in result.rows:
        plan, m = _plan(p), _next(p)
        watch_on = plan.watch_on if plan is not None else None
        rows.append({"p": p, "plan": plan, "kind": _kind(p), "next": m, "light": light_on(watch_on, today),
                     "days_left": days_left(watch_on, today)})  # fmt: skip
    return render(request, "web/supervision/list.html", {"result": result, "rows": rows})


# ---------------------------------------------------------------------------------------------------------------
# One plan


def _context(user: User, s: Supervision, errors: dict[str, FormErrors] | None = None,
             posted: dict[str, Any] | None = None) -> dict[str, Any]:  # fmt: skip
    p = s.proposal
    today = timezone.localdate()
    units = [a for a in s.assignments if a.state != "withdrawn"]
    leaders = list(User.objects.filter(role=Role.GOV_LEADER, jurisdiction_id=p.jurisdiction_id, is_active=True)
                   .order_by("pk"))  # fmt: skip
    return {
        "s": s,
        "p": p,
        "kind": _kind(p),
        "light": light_on(s.watch_on, today),
        "days_left": days_left(s.watch_on, today),
        "milestones": [
            {
                "m": m,
                "light": milestone_light(m, today),
                "days_left": days_left(m.due_on, today),
                "may_finish": m.done_on is None and permissions.may_finish(user, m),
            }  # fmt: skip
            for m in s.milestones
        ],
        "open_count": sum(1 for m in s.milestones if m.done_on is None),
        "units": units,
        "unit_choices": [(str(a.department_id), a.department.name) for a in units],
        "leader_choices": [(str(u.pk), u.display_name) for u in leaders],
        "may_set_milestones": permissions.may_set_milestones(user, p) and p.status != "registered",
        "may_write_note": permissions.may_write_note(user, p),
        "may_instruct": permissions.may_instruct(user, p),
        "office_records": user.role != Role.GOV_LEADER,
        "errors": errors or {},
        "posted": posted or {},
        "today": today,
    }


@login_required
def supervision_detail_page(request: HttpRequest, proposal_id: int) -> HttpResponse:
    user = _reader(request)
    proposal = access_supervision(user, proposal_id)
    return render(request, "web/supervision/detail.html", _context(user, supervision_of(proposal)))


def _post[T: pydantic.BaseModel](
    request: HttpRequest, proposal: Proposal, form: str, schema: type[T], run: Callable[[T], Any], done: str
) -> HttpResponse:
    """Run one form of the plan's page: back to the page with a message, or the page again with the errors
    next to the fields (422)."""
    user: User = request.user  # type: ignore[assignment]
    _, errors = perform(schema, request.POST, run)
    if not errors:
        messages.success(request, done)
        return redirect(url("supervision_detail", proposal.pk, fragment=f"{form}-title"))
    context = _context(user, supervision_of(proposal), {form: errors}, {form: request.POST})
    return render(request, "web/supervision/detail.html", context, status=422)


@login_required
@require_POST
def add_milestone(request: HttpRequest, proposal_id: int) -> HttpResponse:
    user = _reader(request)
    proposal = access_supervision(user, proposal_id)
    permissions.require_may_set_milestones(user, proposal)
    done = "已设置督办节点，责任单位将收到通知。"
    return _post(request, proposal, "milestones", commands.MilestoneIn,
                 lambda data: commands.add_milestone(user, proposal, data), done)  # fmt: skip


@login_required
@require_POST
def finish_milestone(request: HttpRequest, milestone_id: int) -> HttpResponse:
    user = _reader(request)
    milestone = access_milestone(user, milestone_id)
    permissions.require_may_finish(user, milestone)
    proposal = access_supervision(user, milestone.plan.proposal_id)
    return _post(request, proposal, "milestones", commands.MilestoneDoneIn,
                 lambda data: commands.finish_milestone(user, milestone, data), "已标记节点完成。")  # fmt: skip


@login_required
@require_POST
def add_progress_note(request: HttpRequest, proposal_id: int) -> HttpResponse:
    user = _reader(request)
    proposal = access_supervision(user, proposal_id)
    permissions.require_may_write_note(user, proposal)
    return _post(request, proposal, "notes", commands.ProgressNoteIn,
                 lambda data: commands.add_progress_note(user, proposal, data), "已报送督办进展。")  # fmt: skip


@login_required
@require_POST
def record_instruction(request: HttpRequest, proposal_id: int) -> HttpResponse:
    user = _reader(request)
    proposal = access_supervision(user, proposal_id)
    permissions.require_may_instruct(user, proposal)
    return _post(request, proposal, "instructions", commands.InstructionIn,
                 lambda data: commands.record_instruction(user, proposal, data), "已录入督办批示。")  # fmt: skip


urlpatterns = [
    path("", supervision_list_page, name="supervision_list"),
    path("<int:proposal_id>/", supervision_detail_page, name="supervision_detail"),
    path("<int:proposal_id>/milestones/", add_milestone, name="supervision_milestone"),
    path("milestones/<int:milestone_id>/done/", finish_milestone, name="supervision_milestone_done"),
    path("<int:proposal_id>/progress-notes/", add_progress_note, name="supervision_note"),
    path("<int:proposal_id>/instructions/", record_instruction, name="supervision_instruction"),
]
