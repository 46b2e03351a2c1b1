"""The office's workbench (交办督办): what waits to be assigned, approved or reviewed, the red/yellow/green
board of every unit, reminders to many units at once, and the leaders' latest instructions.

Each to-do list is declared once as a ``Section``: the workbench shows its first rows, ``/office/<slug>/``
the whole list with filters, sorting, paging and CSV export. Every action posts to the existing
proposal and assignment endpoints (or, for reminders, runs the ``remind`` command once per assignment).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone

from handling.commands import COMMANDS
from handling.models import Assignment, Decision, ExtensionRequest, ReturnRequest
from handling.permissions import can_act, require_role
from handling.queries import light_bands
from handling.states import FINISHED, LIGHT_YELLOW_DAYS, State
from organisation.models import Department, Role, User
from proposals.access import access_proposal, visible_assignments, visible_proposals
from proposals.models import Instruction, Proposal, ProposalStatus, Session

from .. import choices
from ..action_forms import PROPOSAL_FORMS
from ..forms import FormErrors
from ..labels import LIGHT_LABELS, days_left, light
from ..lists import Column, Filter, export_csv, run_list
from ..perform import perform
from .browse import lit

PREVIEW_ROWS = 8  # rows of each list on a workbench; the rest on the list's own page
LIGHTS = ("red", "yellow", "green")
LIGHT_SHORT = {"red": "红灯", "yellow": "黄灯", "green": "绿灯"}
LIGHT_COLOURS = {"red": "#c0392b", "yellow": "#e0a800", "green": "#2e8b57"}
REMIND_SCOPES = (("all", "全部未办结"), ("red", "仅红灯（已超期）"), ("red_yellow", "红灯和黄灯"))


# ---------------------------------------------------------------------------------------------------------------
# Lists declared once: the workbench shows the first rows, the list page all of them (filters, sort, CSV).


@dataclass(frozen=True)
class Section:
    slug: str
    title: str
    queryset: Callable[[User], QuerySet[Any]]
    filters: Callable[[User, QuerySet[Any]], list[Filter]]
    columns: list[Column]
    default_sort: str
    rows_template: str  # draws the <tr>s of `rows`
    empty: str
    assignment_of: Callable[[Any], Assignment | None] = lambda o: None  # for days left and the light
    action_column: bool = False  # a last column with a button (not exported)
    anchor: str = ""  # the form to jump to on the linked page


def decorate(section: Section, objects: list[Any]) -> list[dict[str, Any]]:
    rows = []
    for o in objects:
        a = section.assignment_of(o)
        due = a.watch_on if a is not None else None
        rows.append({"o": o, "a": a, "days_left": days_left(due), "light": light(due)})
    return rows


def preview(section: Section, user: User, base: str) -> dict[str, Any]:
    """The first rows of a list for a workbench card, in the list's default order."""
    qs = section.queryset(user).order_by(*_ordering(section.default_sort))
    return {
        "section": section,
        "rows": decorate(section, list(qs[:PREVIEW_ROWS])),
        "total": qs.count(),
        "columns": [{"label": c.label} for c in section.columns],
        "url": f"{base}{section.slug}/",
    }


def _ordering(sort: str) -> tuple[str, ...]:
    if not sort:
        return ("pk",)
    return (sort, "-pk" if sort.startswith("-") else "pk")  # "latest first" holds for equal timestamps too


def section_list(
    request: HttpRequest, section: Section, user: User, back: tuple[str, str]
) -> HttpResponse | StreamingHttpResponse:
    base = section.queryset(user)
    result = run_list(request, base, section.filters(user, base), section.columns, section.default_sort)
    if request.GET.get("export") == "csv":
        return export_csv(result.extra["sorted_qs"], section.columns, section.title)
    context = {
        "section": section,
        "result": result,
        "rows": decorate(section, result.rows),
        "columns": result.columns,
        "back_url": back[0],
        "back_label": back[1],
        "here": request.get_full_path(),
    }
    return render(request, "web/office/list.html", context)


def search_proposal(prefix: str = "") -> Filter:
    def apply(qs: QuerySet[Any], v: str) -> QuerySet[Any]:
        return qs.filter(Q(**{f"{prefix}title__icontains": v[:200]}) | Q(**{f"{prefix}number": v[:30]}))

    return Filter("q", "案由或提案号", apply, kind="text")


def department_filter(base: QuerySet[Any], field: str, label: str = "承办单位") -> Filter:
    departments = Department.objects.filter(pk__in=base.values(field)).order_by("code", "pk")
    return Filter(
        "department",
        label,
        lambda qs, v: qs.filter(**{field: int(v)}),
        tuple((str(d.pk), d.name) for d in departments),
    )


def flags(p: Proposal) -> str:
    return "、".join(label for on, label in ((p.is_key, "重点提案"), (p.is_suggestion, "建议案")) if on)


def own_proposals(user: User) -> QuerySet[Proposal]:
    """The proposals the office acts on: its own jurisdiction's (分级负责), not the counties' it may see."""
    qs = visible_proposals(user)
    if user.is_superuser:
        return qs
    return qs.filter(jurisdiction_id=user.jurisdiction_id) if user.jurisdiction_id else qs.none()


def own_assignments(user: User) -> QuerySet[Assignment]:
    qs = visible_assignments(user)
    if user.is_superuser:
        return qs
    return qs.filter(proposal__jurisdiction_id=user.jurisdiction_id) if user.jurisdiction_id else qs.none()


# 1. 待交办提案
def _pending(user: User) -> QuerySet[Proposal]:
    return (
        own_proposals(user)
        .filter(status=ProposalStatus.REGISTERED)
        .select_related("session")
        .prefetch_related("proposers")
    )


def _pending_filters(user: User, base: QuerySet[Any]) -> list[Filter]:
    sessions = Session.objects.filter(pk__in=base.values("session_id")).order_by("-year", "pk")
    return [
        search_proposal(),
        Filter(
            "session", "届次", lambda qs, v: qs.filter(session_id=int(v)), tuple((str(s.pk), s.name) for s in sessions)
        ),
        Filter("key", "重点提案", lambda qs, v: qs.filter(is_key=v == "1"), (("1", "重点提案"), ("0", "非重点"))),
    ]


PENDING = Section(
    "pending",
    "待交办提案",
    _pending,
    _pending_filters,
    [
        Column("提案号", lambda p: p.number, "number"),
        Column("案由", lambda p: p.title, "title"),
        Column("提案人", lambda p: "、".join(x.name for x in p.proposers.all())),
        Column("类别", lambda p: p.category, "category"),
        Column("标记", flags),
        Column("登记时间", lambda p: timezone.localtime(p.created_at).date(), "created_at"),
    ],
    "created_at",
    "web/office/_rows_pending.html",
    "没有待交办的提案。",
    action_column=True,
)


# 2. 待审批的退回申请、延期申请
def _returns(user: User) -> QuerySet[ReturnRequest]:
    return ReturnRequest.objects.filter(
        decision=Decision.PENDING,
        assignment__state=State.RETURN_REQUESTED,
        assignment__in=own_assignments(user),
    ).select_related("assignment__proposal", "assignment__department", "requested_by")


def _request_filters(user: User, base: QuerySet[Any]) -> list[Filter]:
    return [search_proposal("assignment__proposal__"), department_filter(base, "assignment__department_id", "申请单位")]


RETURNS = Section(
    "returns",
    "待审批的退回申请",
    _returns,
    _request_filters,
    [
        Column("提案号", lambda r: r.assignment.proposal.number, "assignment__proposal__number"),
        Column("案由", lambda r: r.assignment.proposal.title),
        Column("申请单位", lambda r: r.assignment.department.name, "assignment__department__name"),
        Column("办理方式", lambda r: r.assignment.get_role_display()),
        Column("退回理由", lambda r: r.reason),
        Column("交办日期", lambda r: r.assignment.assigned_on, "assignment__assigned_on"),
        Column("退回期限", lambda r: r.assignment.return_deadline, "assignment__return_deadline"),
        Column("申请时间", lambda r: timezone.localtime(r.requested_at).date(), "requested_at"),
    ],
    "requested_at",
    "web/office/_rows_returns.html",
    "没有待审批的退回申请。",
)


def _extensions(user: User) -> QuerySet[ExtensionRequest]:
    return ExtensionRequest.objects.filter(
        decision=Decision.PENDING, assignment__in=own_assignments(user).exclude(state__in=FINISHED)
    ).select_related("assignment__proposal", "assignment__department", "requested_by")


EXTENSIONS = Section(
    "extensions",
    "待审批的延期申请",
    _extensions,
    _request_filters,
    [
        Column("提案号", lambda e: e.assignment.proposal.number, "assignment__proposal__number"),
        Column("案由", lambda e: e.assignment.proposal.title),
        Column("承办单位", lambda e: e.assignment.department.name, "assignment__department__name"),
        Column("延期理由", lambda e: e.reason),
        Column("原期限", lambda e: e.old_due_on, "old_due_on"),
        Column("申请延至", lambda e: e.new_due_on, "new_due_on"),
        Column("与政协商议", lambda e: e.cppcc_consulted),
        Column("申请时间", lambda e: timezone.localtime(e.requested_at).date(), "requested_at"),
    ],
    "requested_at",
    "web/office/_rows_extensions.html",
    "没有待审批的延期申请。",
    assignment_of=lambda e: e.assignment,
)


# 3. 待审核的答复（重点提案、建议案）
def _reviews(user: User) -> QuerySet[Assignment]:
    return (
        own_assignments(user)
        .filter(state=State.OFFICE_REVIEW)
        .select_related("proposal", "department")
        .annotate(signed_on=Max("replies__signed_on"))
    )


def _review_filters(user: User, base: QuerySet[Any]) -> list[Filter]:
    return [search_proposal("proposal__"), department_filter(base, "department_id")]


REVIEWS = Section(
    "reviews",
    "待审核的答复",
    _reviews,
    _review_filters,
    [
        Column("提案号", lambda a: a.proposal.number, "proposal__number"),
        Column("案由", lambda a: a.proposal.title),
        Column("标记", lambda a: flags(a.proposal)),
        Column("承办单位", lambda a: a.department.name, "department__name"),
        Column("签发日期", lambda a: a.signed_on, "signed_on"),
        Column("办复期限", lambda a: a.due_on, "due_on"),
        Column("督办灯", lambda a: LIGHT_LABELS.get(light(a.watch_on) or "", "")),
    ],
    "signed_on",
    "web/office/_rows_reviews.html",
    "没有待审核的答复。",
    assignment_of=lambda a: a,
    anchor="#action-review_reply",
)


# 6. 领导批示
def _instructions(user: User) -> QuerySet[Instruction]:
    return Instruction.objects.filter(proposal__in=own_proposals(user)).select_related("proposal", "leader")


def _instruction_filters(user: User, base: QuerySet[Any]) -> list[Filter]:
    leaders = User.objects.filter(pk__in=base.values("leader_id")).order_by("pk")
    return [
        search_proposal("proposal__"),
        Filter(
            "leader", "领导", lambda qs, v: qs.filter(leader_id=int(v)), tuple((str(u.pk), str(u)) for u in leaders)
        ),
    ]


INSTRUCTIONS = Section(
    "instructions",
    "领导批示",
    _instructions,
    _instruction_filters,
    [
        Column("批示时间", lambda i: timezone.localtime(i.created_at).strftime("%Y-%m-%d %H:%M"), "created_at"),
        Column("领导", lambda i: i.leader.display_name),
        Column("提案号", lambda i: i.proposal.number, "proposal__number"),
        Column("案由", lambda i: i.proposal.title),
        Column("批示内容", lambda i: i.text),
    ],
    "-created_at",
    "web/office/_rows_instructions.html",
    "暂无领导批示。",
)

SECTIONS = {s.slug: s for s in (PENDING, RETURNS, EXTENSIONS, REVIEWS, INSTRUCTIONS)}


# ---------------------------------------------------------------------------------------------------------------
# 4. 督办看板: every unit's open assignments by traffic light, in one GROUP BY.


def light_count_query(qs: QuerySet[Assignment]) -> QuerySet[Any]:
    """Per unit: red, yellow and green open assignments (the bands of ``browse.lit``), most red first."""
    bands = light_bands(timezone.localdate())
    return (
        qs.filter(watch_on__isnull=False)
        .values("department_id", "department__name", "department__code")
        .annotate(
            red=Count("pk", filter=bands["red"]),
            yellow=Count("pk", filter=bands["yellow"]),
            green=Count("pk", filter=bands["green"]),
        )
        .order_by("-red", "-yellow", "department__code", "department_id")
    )


def light_counts(qs: QuerySet[Assignment]) -> list[dict[str, Any]]:
    return [
        {
            "department_id": r["department_id"],
            "name": r["department__name"],
            "red": r["red"],
            "yellow": r["yellow"],
            "green": r["green"],
            "total": r["red"] + r["yellow"] + r["green"],
        }
        for r in light_count_query(qs)
    ]


def stacked_bar(names: list[str], series: list[tuple[str, str, list[int]]], *, stack: bool = True) -> dict[str, Any]:
    """ECharts options: horizontal bars, one row per unit (the table next to it says the same in words)."""
    bars = []
    for label, colour, data in series:
        bar: dict[str, Any] = {
            "name": label,
            "type": "bar",
            "data": data,
            "barMaxWidth": 24,
            "itemStyle": {"color": colour},
        }
        if stack:
            bar["stack"] = "total"
        bars.append(bar)
    return {
        "animation": False,
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 24, "top": 32, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "value", "minInterval": 1},
        "yAxis": {
            "type": "category",
            "data": names,
            "inverse": True,
            "axisLabel": {"width": 150, "overflow": "truncate"},
        },
        "series": bars,
    }


def chart_height(rows: int, per_row: int = 26) -> int:
    return max(200, 60 + per_row * rows)


def board_context(user: User) -> dict[str, Any]:
    rows = light_counts(own_assignments(user))
    totals = {k: sum(r[k] for r in rows) for k in (*LIGHTS, "total")}
    chart = stacked_bar(
        [r["name"] for r in rows],
        [(LIGHT_SHORT[k], LIGHT_COLOURS[k], [r[k] for r in rows]) for k in LIGHTS],
    )
    return {
        "board": rows,
        "board_totals": totals,
        "board_chart": chart,
        "board_height": chart_height(len(rows)),
        "yellow_days": LIGHT_YELLOW_DAYS,
    }


BOARD_COLUMNS = [  # over the rows of light_count_query
    Column("承办单位", lambda r: r["department__name"]),
    Column("红灯（已超期）", lambda r: r["red"]),
    Column(f"黄灯（{LIGHT_YELLOW_DAYS}日内到期）", lambda r: r["yellow"]),
    Column("绿灯", lambda r: r["green"]),
    Column("合计", lambda r: r["red"] + r["yellow"] + r["green"]),
]


# ---------------------------------------------------------------------------------------------------------------
# Pages


def stat(label: str, value: int, unit: str, href: str, *, alert: bool = False) -> dict[str, Any]:
    """One number of a workbench's summary row; ``alert`` shows a non-zero value in red."""
    return {"label": label, "value": value, "unit": unit, "href": href, "alert": alert and value > 0}


def _office(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    require_role(user, Role.OFFICE_STAFF)
    return user


def _workbench_context(user: User) -> dict[str, Any]:
    sections = {slug: preview(s, user, "/office/") for slug, s in SECTIONS.items()}
    board = board_context(user)
    summary = [
        stat("待交办", sections["pending"]["total"], "件提案", "#pending-title"),
        stat("办理中", board["board_totals"]["total"], "件交办", "#board-title"),
        stat("已超期（红灯）", board["board_totals"]["red"], "件交办", "#board-title", alert=True),
        stat("待审批申请", sections["returns"]["total"] + sections["extensions"]["total"], "件", "#returns-title"),
        stat("待审核答复", sections["reviews"]["total"], "件", "#reviews-title"),
    ]
    return {"sections": sections, "summary": summary, "here": "/office/", **board}


def _remind_context(user: User, board: list[dict[str, Any]], errors: FormErrors, post: Any) -> dict[str, Any]:
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
    return render(request, "web/office/workbench.html", context)


@login_required
def section_page(request: HttpRequest, slug: str) -> HttpResponse | StreamingHttpResponse:
    user = _office(request)
    if slug not in SECTIONS:
        raise Http404("没有这个列表。")
    return section_list(request, SECTIONS[slug], user, ("/office/", "交办督办"))


@login_required
def board_export(request: HttpRequest) -> StreamingHttpResponse:
    user = _office(request)
    return export_csv(light_count_query(own_assignments(user)), BOARD_COLUMNS, "督办看板")


@login_required
def assign_panel(request: HttpRequest, proposal_id: int) -> HttpResponse:
    """The assignment form of one proposal, loaded into the workbench's dialog; it posts to the proposal."""
    user = _office(request)
    p = access_proposal(user, proposal_id)
    if not request.headers.get("HX-Request"):
        return redirect(f"/proposals/{p.pk}/#action-assign")
    form = PROPOSAL_FORMS["assign"]
    panel = {
        "name": "assign",
        "form": form,
        "url": f"/proposals/{p.pk}/assign/",
        "options": choices.for_proposal(form, p),
        "rows": choices.row_numbers(form, None),
        "errors": FormErrors(),
        "values": {},
        "open": True,
    }
    back = request.GET.get("next", "")
    next_url = back if back.startswith("/office/") and "//" not in back else "/office/"
    context = {"p": p, "proposers": list(p.proposers.order_by("position")), "panel": panel, "next": next_url}
    return render(request, "web/office/_assign_panel.html", context)


def remind_targets(user: User, department_ids: list[int], scope: str) -> list[Assignment]:
    """The open assignments of the chosen units this user may press (催办), optionally only red / red+yellow."""
    qs = own_assignments(user).filter(department_id__in=department_ids, watch_on__isnull=False)
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
        return redirect("/office/#remind")
    command = COMMANDS["remind"]
    # The message is checked by the command's own schema, so its rule and wording exist once.
    _, errors = perform(command.schema, request.POST, lambda data: None)
    department_ids = [int(v) for v in request.POST.getlist("departments") if v.isdigit()]
    scope = request.POST.get("scope", "all")
    if scope not in dict(REMIND_SCOPES):
        errors.fields["scope"] = "取值不在允许范围内"
    targets: list[Assignment] = []
    if not department_ids:
        errors.fields["departments"] = "请至少选择一个承办单位。"
    else:
        targets = remind_targets(user, department_ids, scope)
        if not targets:
            errors.fields["departments"] = "所选单位没有符合条件的未办结交办事项。"

    if not errors:

        def send(data: Any) -> int:
            with transaction.atomic():  # all the units are pressed, or none
                for a in targets:
                    command.run(user, a, data)
            return len(targets)

        _, errors = perform(command.schema, request.POST, send)
    if not errors:
        units = len({a.department_id for a in targets})
        messages.success(request, f"已向 {units} 个单位的 {len(targets)} 件交办事项发出催办。")
        return redirect("/office/#remind-title")
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
    path("<slug:slug>/", section_page, name="office-section"),
]
