"""The office's workbench (交办督办): what waits to be assigned, approved or reviewed, the red/yellow/green
board of every unit, reminders to many units at once, and the leaders' latest instructions.

Each to-do list is declared once as a ``Section``: the workbench shows its first rows, ``/office/<slug>/``
the whole list with filters, sorting, paging and CSV export. Every action posts to the existing
proposal and assignment endpoints (reminders to many units at once: ``handling.actions.remind_units``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone

from handling.access import (
    access_proposal,
    own_jurisdiction,
    own_jurisdiction_assignments,
    own_jurisdiction_proposals,
)
from handling.actions import remind_units
from handling.commands import COMMANDS
from handling.models import Assignment, Decision, ExtensionRequest, ReturnRequest
from handling.permissions import can_act
from handling.states import FINISHED, LIGHT_YELLOW_DAYS, State
from organisation.models import Department, Role, User
from organisation.roles import require_role
from proposals.models import Instruction, Proposal, ProposalStatus, Session
from reports.workbench import LIGHTS, UnitLights, light_totals, unit_lights

from .. import choices
from ..action_forms import PROPOSAL_FORMS
from ..charts import chart_height, stacked_bar
from ..forms import FormErrors
from ..links import proposal_url, url
from ..lists import Column, Filter, export, export_format
from ..perform import perform
from ..sections import (
    KEY_FILTER,
    Section,
    department_filter,
    flags,
    instruction_section,
    preview,
    proposal_columns,
    proposal_head,
    reply_section,
    search_proposal,
    section_page,
    session_filter,
    stat,
    unit_column,
)
from .browse import lit

LIGHT_SHORT = {"red": "红灯", "yellow": "黄灯", "green": "绿灯"}
LIGHT_COLOURS = {"red": "#c0392b", "yellow": "#e0a800", "green": "#2e8b57"}
REMIND_SCOPES = (("all", "全部未办结"), ("red", "仅红灯（已超期）"), ("red_yellow", "红灯和黄灯"))


# ---------------------------------------------------------------------------------------------------------------
# Lists declared once (``sections.Section``): the workbench shows the first rows, the list page all of them.


# 1. 待交办提案
def _pending(user: User) -> QuerySet[Proposal]:
    return (
        own_jurisdiction_proposals(user)
        .filter(status=ProposalStatus.REGISTERED)
        .select_related("session")
        .prefetch_related("proposers")
    )


def _pending_filters(user: User, base: QuerySet[Any]) -> list[Filter]:
    return [search_proposal(), session_filter(base), KEY_FILTER]


PENDING = Section(
    "pending",
    "待交办提案",
    _pending,
    _pending_filters,
    [*proposal_columns("提案号", "案由", "提案人", "类别"), Column("标记", flags), *proposal_columns("登记时间")],
    "created_at",
    "web/office/_rows_pending.html",
    "没有待交办的提案。",
    action_column=True,
    dialog="web/office/_assign_dialog.html",
)


# 2. 待审批的退回申请、延期申请
def _request_filters(user: User, base: QuerySet[Any]) -> list[Filter]:
    return [search_proposal("assignment__proposal__"), department_filter(base, "assignment__department_id", "申请单位")]


def _request_section(
    model: type[ReturnRequest | ExtensionRequest],
    slug: str,
    title: str,
    assignments: Callable[[User], QuerySet[Assignment]],
    unit: str,
    columns: list[Column],
    empty: str,
    assignment_of: Callable[[Any], Assignment | None] = lambda r: None,
) -> Section:
    """The pending requests of one kind on the chosen assignments, oldest first; decided on their pages."""

    def queryset(user: User) -> QuerySet[Any]:
        return model.objects.filter(decision=Decision.PENDING, assignment__in=assignments(user)).select_related(
            "assignment__proposal", "assignment__department", "requested_by"
        )

    return Section(
        slug,
        title,
        queryset,
        _request_filters,
        [
            *proposal_head("assignment__proposal"),
            unit_column(unit, "assignment__department"),
            *columns,
            Column("申请时间", lambda r: timezone.localtime(r.requested_at).date(), "requested_at"),
        ],
        "requested_at",
        f"web/office/_rows_{slug}.html",
        empty,
        assignment_of=assignment_of,
    )


RETURNS = _request_section(
    ReturnRequest,
    "returns",
    "待审批的退回申请",
    lambda user: own_jurisdiction_assignments(user).filter(state=State.RETURN_REQUESTED),
    "申请单位",
    [
        Column("办理方式", lambda r: r.assignment.get_role_display()),
        Column("退回理由", lambda r: r.reason),
        Column("交办日期", lambda r: r.assignment.assigned_on, "assignment__assigned_on"),
        Column("退回期限", lambda r: r.assignment.return_deadline, "assignment__return_deadline"),
    ],
    "没有待审批的退回申请。",
)

EXTENSIONS = _request_section(
    ExtensionRequest,
    "extensions",
    "待审批的延期申请",
    lambda user: own_jurisdiction_assignments(user).exclude(state__in=FINISHED),
    "承办单位",
    [
        Column("延期理由", lambda e: e.reason),
        Column("原期限", lambda e: e.old_due_on, "old_due_on"),
        Column("申请延至", lambda e: e.new_due_on, "new_due_on"),
        Column("与政协商议", lambda e: e.cppcc_consulted),
    ],
    "没有待审批的延期申请。",
    assignment_of=lambda e: e.assignment,
)


# 3. 待审核的答复（重点提案、建议案）
def _review_filters(user: User, base: QuerySet[Any]) -> list[Filter]:
    return [search_proposal("proposal__"), department_filter(base, "department_id")]


REVIEWS = reply_section(
    "reviews",
    "待审核的答复",
    own_jurisdiction_assignments,
    State.OFFICE_REVIEW,
    _review_filters,
    "没有待审核的答复。",
    "#action-review_reply",
)


# 6. 领导批示
def _instructions(user: User) -> QuerySet[Instruction]:
    # the proposal's jurisdiction, copied onto the instruction: own_jurisdiction_proposals without the join
    return Instruction.objects.filter(own_jurisdiction(user)).select_related("proposal__session", "leader")


def _instruction_filters(user: User, base: QuerySet[Any]) -> list[Filter]:
    leaders = User.objects.filter(pk__in=base.values("leader_id")).order_by("pk")
    return [
        search_proposal("proposal__"),
        Filter(
            "leader", "领导", lambda qs, v: qs.filter(leader_id=int(v)), tuple((str(u.pk), str(u)) for u in leaders)
        ),
    ]


INSTRUCTIONS = instruction_section("领导批示", _instructions, _instruction_filters, "暂无领导批示。", show_leader=True)

SECTIONS = {s.slug: s for s in (PENDING, RETURNS, EXTENSIONS, REVIEWS, INSTRUCTIONS)}


# ---------------------------------------------------------------------------------------------------------------
# 4. 督办看板: the numbers are ``reports.workbench.unit_lights``; here, the chart and the table.


def board_context(user: User) -> dict[str, Any]:
    rows = unit_lights(own_jurisdiction_assignments(user), timezone.localdate())
    chart = stacked_bar(
        [r["name"] for r in rows],
        [(LIGHT_SHORT[k], LIGHT_COLOURS[k], [r[k] for r in rows]) for k in LIGHTS],
    )
    return {
        "board": rows,
        "board_totals": light_totals(rows),
        "board_chart": chart,
        "board_height": chart_height(len(rows)),
        "yellow_days": LIGHT_YELLOW_DAYS,
    }


BOARD_COLUMNS = [  # over the rows of unit_lights
    Column("承办单位", lambda r: r["name"]),
    Column("红灯（已超期）", lambda r: r["red"]),
    Column(f"黄灯（{LIGHT_YELLOW_DAYS}日内到期）", lambda r: r["yellow"]),
    Column("绿灯", lambda r: r["green"]),
    Column("合计", lambda r: r["total"]),
]


# ---------------------------------------------------------------------------------------------------------------
# Pages


def _office(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    require_role(user, Role.OFFICE_STAFF)
    return user


def _workbench_context(user: User) -> dict[str, Any]:
    sections = {slug: preview(s, user, "office-section") for slug, s in SECTIONS.items()}
    board = board_context(user)
    summary = [
        stat("待交办", sections["pending"]["total"], "件提案", "#pending-title"),
        stat("办理中", board["board_totals"]["total"], "件交办", "#board-title"),
        stat("已超期（红灯）", board["board_totals"]["red"], "件交办", "#board-title", alert=True),
        stat("待审批申请", sections["returns"]["total"] + sections["extensions"]["total"], "件", "#returns-title"),
        stat("待审核答复", sections["reviews"]["total"], "件", "#reviews-title"),
    ]
    return {"sections": sections, "summary": summary, "here": reverse("office"), **board}


def _remind_context(user: User, board: list[UnitLights], errors: FormErrors, post: Any) -> dict[str, Any]:
    chosen = {str(v) for v in post.getlist("departments")} if post is not None else set()
    return {
        "remind_units": [{**r, "checked": str(r["department_id"]) in chosen} for r in board],
        "remind_scopes": REMIND_SCOPES,
        "remind_scope": (post.get("scope") if post is not None else "") or "all",
        "remind_message": post.get("message", "") if post is not None else "",
        "remind_errors": errors,
    }


@login_required
def workbench(request: HttpRequest) -> HttpResponse:
    user = _office(request)
    context = _workbench_context(user)
    context.update(_remind_context(user, context["board"], FormErrors(), None))
    context.update(_letters_zip_context(user))
    return render(request, "web/office/workbench.html", context)


def _letters_zip_context(user: User) -> dict[str, Any]:
    """The sessions and units of the office's own jurisdiction, for the zip of signed letters (打包下载)."""
    sessions = Session.objects.filter(own_jurisdiction(user)).order_by("-year", "-pk")
    units = Department.objects.filter(own_jurisdiction(user), is_active=True).order_by("pk")
    return {"zip_sessions": list(sessions), "zip_units": list(units)}


@login_required
def section_view(request: HttpRequest, slug: str) -> HttpResponse | StreamingHttpResponse:
    return section_page(request, SECTIONS, slug, _office(request), (reverse("office"), "交办督办"))


@login_required
def board_export(request: HttpRequest) -> StreamingHttpResponse:
    user = _office(request)
    rows = unit_lights(own_jurisdiction_assignments(user), timezone.localdate())
    return export(export_format(request, "csv") or "csv", list(rows), BOARD_COLUMNS, "督办看板")


@login_required
def assign_panel(request: HttpRequest, proposal_id: int) -> HttpResponse:
    """The assignment form of one proposal, loaded into the workbench's dialog; it posts to the proposal."""
    user = _office(request)
    p = access_proposal(user, proposal_id)
    if not request.headers.get("HX-Request"):
        return redirect(proposal_url(p, anchor="assign"))
    form = PROPOSAL_FORMS["assign"]
    panel = {
        "name": "assign",
        "form": form,
        "url": proposal_url(p, "assign"),
        "options": choices.for_proposal(form, p),
        "rows": choices.row_numbers(form, None),
        "errors": FormErrors(),
        "values": {},
        "open": True,
    }
    back = request.GET.get("next", "")
    home = reverse("office")
    next_url = back if back.startswith(home) and "//" not in back else home
    context = {"p": p, "proposers": list(p.proposers.order_by("position")), "panel": panel, "next": next_url}
    return render(request, "web/office/_assign_panel.html", context)


def remind_targets(user: User, department_ids: list[int], scope: str) -> list[Assignment]:
    """The open assignments of the chosen units this user may press (催办), optionally only red / red+yellow."""
    qs = own_jurisdiction_assignments(user).filter(department_id__in=department_ids, watch_on__isnull=False)
    qs = qs.exclude(state__in=FINISHED)
    if scope == "red":
        qs = lit(qs, "red")
    elif scope == "red_yellow":
        qs = lit(qs, "red") | lit(qs, "yellow")
    qs = qs.select_related("proposal", "department").order_by("department_id", "pk")
    return [a for a in qs if can_act(user, "remind", a)]


@login_required
def remind(request: HttpRequest) -> HttpResponse:
    user = _office(request)
    if request.method != "POST":  # a reload after a refused form: back to the workbench
        return redirect(url("office", fragment="remind"))
    command = COMMANDS["remind"]
    # The message is checked by the command's own schema, so its rule and wording exist once.
    _, errors = perform(command.schema, request.POST, lambda data: None)
    department_ids = [int(v) for v in request.POST.getlist("departments") if v.isdigit()]
    scope = request.POST.get("scope", "all")
    if scope not in dict(REMIND_SCOPES):
        errors.fields["scope"] = "请选择催办范围"
    targets: list[Assignment] = []
    if not department_ids:
        errors.fields["departments"] = "请至少选择一个承办单位。"
    else:
        targets = remind_targets(user, department_ids, scope)
        if not targets:
            errors.fields["departments"] = "所选单位没有符合条件的未办结交办事项。"

    if not errors:

        def send(data: Any) -> int:  # all the units are pressed, or none
            return len(remind_units(targets, actor=user, message=data.message))

        _, errors = perform(command.schema, request.POST, send)
    if not errors:
        units = len({a.department_id for a in targets})
        messages.success(request, f"已向 {units} 个单位的 {len(targets)} 件交办事项发出催办。")
        return redirect(url("office", fragment="remind-title"))
    context = _workbench_context(user)
    context.update(_remind_context(user, context["board"], errors, request.POST))
    response = render(request, "web/office/workbench.html", context, status=422)
    response["HX-Reswap"] = "innerHTML show:#remind:top"  # the errors are at the form, far down the page
    return response


urlpatterns = [
    path("", workbench, name="office"),
    path("remind/", remind, name="office-remind"),
    path("board/export/", board_export, name="office-board-export"),
    path("assign/<int:proposal_id>/", assign_panel, name="office-assign"),
    path("<slug:slug>/", section_view, name="office-section"),
]
