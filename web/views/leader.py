"""The government leader's workbench (政府领导): progress of the units in their charge, the key replies
waiting for their approval (审定), key proposals and 建议案 they follow or lead (领办), and their instructions.

The lists are declared as ``sections.Section``s: first rows here, the whole list under ``/leader/<slug>/``.
Approving a reply and giving an instruction happen on the assignment's and the proposal's pages.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone

from handling.access import followed_proposals, visible_assignments
from handling.models import Assignment
from handling.states import LIGHT_YELLOW_DAYS, AssignmentRole, State
from organisation.models import Role, User
from organisation.roles import require_role
from proposals.models import Instruction, Proposal, ProposalStatus
from reports.workbench import UnitProgress, charged_progress, charged_years, progress_totals

from ..charts import chart_height, stacked_bar
from ..lists import Column, Filter, export, export_format
from ..sections import (
    Section,
    flags,
    instruction_section,
    preview,
    proposal_columns,
    reply_section,
    search_proposal,
    section_page,
    stat,
)


def _leader(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    require_role(user, Role.GOV_LEADER)
    return user


# ---------------------------------------------------------------------------------------------------------------
# 1. 分管单位办理进度: the numbers are ``reports.workbench.charged_progress``; here, the table and the chart.


def on_time_rate(u: UnitProgress) -> str:
    return "—" if u.on_time_rate is None else f"{u.on_time_rate:.1%}"


PROGRESS_COLUMNS = [
    Column("承办单位", lambda d: d.name),
    Column("主办件数", lambda d: d.assigned),
    Column("在办", lambda d: d.open),
    Column("其中红灯（已超期）", lambda d: d.red),
    Column(f"其中黄灯（{LIGHT_YELLOW_DAYS}日内到期）", lambda d: d.yellow),
    Column("已答复（待反馈）", lambda d: d.awaiting),
    Column("已办结", lambda d: d.closed),
    Column("累计办复", lambda d: d.replied),
    Column("按时办复率", lambda d: d.on_time_rate, percent=True),
]


def _year(request: HttpRequest, years: list[int]) -> int | None:
    raw = request.GET.get("year", "")
    return int(raw) if raw.isdigit() and int(raw) in years else None


def progress_context(user: User, year: int | None) -> dict[str, Any]:
    units = charged_progress(user, today=timezone.localdate(), year=year)
    chart = stacked_bar(
        [d.name for d in units],
        [
            ("在办", "#0b5cad", [d.open for d in units]),
            ("已答复（待反馈）", "#8e6bbf", [d.awaiting for d in units]),
            ("已办结", "#2e8b57", [d.closed for d in units]),
        ],
    )
    return {
        "units": [{"d": d, "rate": on_time_rate(d)} for d in units],
        "unit_totals": progress_totals(units),
        "progress_chart": chart,
        "progress_height": chart_height(len(units), 34),
    }


# ---------------------------------------------------------------------------------------------------------------
# 2-4. The lists.


def _search_filters(user: User, base: QuerySet[Any]) -> list[Filter]:
    return [search_proposal("proposal__")]


# For a leader, visible_assignments is exactly can_act(user, "approve_reply", a)'s rule (in_charge_of: a unit
# in their charge, or a proposal they lead), so the list needs no check per row.
APPROVALS = reply_section(
    "approvals",
    "待审定的答复",
    visible_assignments,
    State.LEADER_APPROVAL,
    _search_filters,
    "没有待您审定的答复。",
    "#action-approve_reply",
)


def _key(user: User) -> QuerySet[Proposal]:
    leads = (
        Assignment.objects.filter(role=AssignmentRole.LEAD)
        .exclude(state=State.WITHDRAWN)
        .select_related("department")
        .order_by("pk")
    )
    return (
        followed_proposals(user)
        .select_related("session", "leading_leader")
        .prefetch_related(Prefetch("assignments", queryset=leads, to_attr="leads"))
    )


def _key_filters(user: User, base: QuerySet[Any]) -> list[Filter]:
    kinds = {
        "key": Q(is_key=True),
        "suggestion": Q(is_suggestion=True),
        "led": Q(leading_leader=user),
    }
    return [
        search_proposal(),
        Filter(
            "kind",
            "类别",
            lambda qs, v: qs.filter(kinds[v]),
            (("key", "重点提案"), ("suggestion", "建议案"), ("led", "我领办的")),
        ),
        Filter("status", "状态", lambda qs, v: qs.filter(status=v), tuple(ProposalStatus.choices)),
    ]


KEY = Section(
    "key",
    "重点提案和建议案",
    _key,
    _key_filters,
    [
        *proposal_columns("提案号", "案由"),
        Column(
            "标记", lambda p: flags(p) + ("（领办：" + p.leading_leader.display_name + "）" if p.leading_leader else "")
        ),
        Column("主办单位", lambda p: "、".join(a.department.name for a in p.leads)),
        *proposal_columns("状态"),
    ],
    # newest first: this session's before last year's (提案号 restarts each session, so sorting by it mixed
    # the years), and at a province's size the ids alone order the page, no proposal read but the shown
    "-pk",
    "web/leader/_rows_key.html",
    "没有重点提案或建议案。",
)


def _instructions(user: User) -> QuerySet[Instruction]:
    return Instruction.objects.filter(leader=user).select_related("proposal__session")


INSTRUCTIONS = instruction_section("我的批示", _instructions, _search_filters, "您还没有作过批示。", show_leader=False)

SECTIONS = {s.slug: s for s in (APPROVALS, KEY, INSTRUCTIONS)}


# ---------------------------------------------------------------------------------------------------------------
# Pages


@login_required
def workbench(request: HttpRequest) -> HttpResponse:
    user = _leader(request)
    years = charged_years(user)
    year = _year(request, years)
    progress = progress_context(user, year)
    sections = {slug: preview(s, user, "leader-section") for slug, s in SECTIONS.items()}
    totals = progress["unit_totals"]
    summary = [
        stat("分管单位", len(progress["units"]), "个", "#progress-title"),
        stat("主办在办", totals["open"], "件", "#progress-title"),
        stat("其中已超期（红灯）", totals["red"], "件", "#progress-title", alert=True),
        stat("待审定答复", sections["approvals"]["total"], "件", "#approvals-title", alert=True),
        stat("重点提案和建议案", sections["key"]["total"], "件", "#key-title"),
    ]
    context = {
        **progress,
        "sections": sections,
        "summary": summary,
        "years": years,
        "year": year,
        "yellow_days": LIGHT_YELLOW_DAYS,
    }
    return render(request, "web/leader/workbench.html", context)


@login_required
def progress_export(request: HttpRequest) -> StreamingHttpResponse:
    user = _leader(request)
    year = _year(request, charged_years(user))
    units = charged_progress(user, today=timezone.localdate(), year=year)
    return export(export_format(request, "csv") or "csv", units, PROGRESS_COLUMNS, "分管单位办理进度")


@login_required
def section_view(request: HttpRequest, slug: str) -> HttpResponse | StreamingHttpResponse:
    return section_page(request, SECTIONS, slug, _leader(request), (reverse("leader"), "领导工作台"))


urlpatterns = [
    path("", workbench, name="leader"),
    path("progress/export/", progress_export, name="leader-progress-export"),
    path("<slug:slug>/", section_view, name="leader-section"),
]
