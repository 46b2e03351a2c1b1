"""The lists every signed-in user may browse, each within what that user may see."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from handling.access import visible_assignments, visible_proposals
from handling.models import Assignment
from handling.queries import light_bands
from handling.states import AssignmentRole, State
from notifications import inbox
from notifications.models import Notification
from organisation.models import User
from proposals.models import Proposal, ProposalStatus
from reports.queries import METRIC_LABELS, metric_rows

from ..labels import LIGHT_LABELS, days_left, light
from ..lists import Column, Filter
from ..sections import (
    KEY_FILTER,
    LIGHT_COLUMN,
    department_filter,
    list_page,
    proposal_columns,
    proposal_head,
    search_proposal,
    session_filter,
    unit_column,
    year_filter,
)


def lit(qs: QuerySet[Assignment], value: str, field: str = "watch_on") -> QuerySet[Assignment]:
    """Filter by traffic light on the watched deadline (the same bands as the API's ``light``)."""
    return qs.filter(light_bands(timezone.localdate(), field)[value])


def proposal_filters(user: User, base: QuerySet[Proposal]) -> list[Filter]:
    return [
        search_proposal(),
        year_filter(base),
        session_filter(base),
        Filter("status", "状态", lambda qs, v: qs.filter(status=v), tuple(ProposalStatus.choices)),
        KEY_FILTER,
        Filter(
            "suggestion",
            "建议案",
            lambda qs, v: qs.filter(is_suggestion=v == "1"),
            (("1", "建议案"), ("0", "非建议案")),
        ),
    ]


# The page shows the session within the number (十四届二次会议 第001号); the export keeps it a column of its own.
PROPOSAL_COLUMNS = [
    *proposal_columns("提案号", "案由", "提案人"),
    Column("届次", lambda p: p.session.name, shown=False),
    *proposal_columns("类别"),
    Column("重点提案", lambda p: p.is_key),
    *proposal_columns("状态", "登记时间"),
]


@login_required
def proposal_list(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    user: User = request.user  # type: ignore[assignment]
    base = visible_proposals(user)
    qs = base.select_related("session").prefetch_related("proposers")
    filters = proposal_filters(user, base)
    return list_page(
        request, qs, filters, PROPOSAL_COLUMNS, "-created_at", csv_name="提案列表", template="web/proposal_list.html"
    )


def assignment_filters(user: User, base: QuerySet[Assignment]) -> list[Filter]:
    return [
        search_proposal("proposal__"),
        year_filter(base),
        department_filter(base, "department_id"),
        Filter("role", "办理方式", lambda qs, v: qs.filter(role=v), tuple(AssignmentRole.choices)),
        Filter("state", "状态", lambda qs, v: qs.filter(state=v), tuple(State.choices)),
        Filter("light", "督办灯", lit, tuple(LIGHT_LABELS.items())),
        # the rows behind a number of the statistics and the dashboard (主办件, by the report's definitions)
        Filter("metric", "统计口径", _metric, tuple(METRIC_LABELS.items())),
    ]


def _metric(qs: QuerySet[Assignment], value: str) -> QuerySet[Assignment]:
    return metric_rows(qs, value, timezone.localdate())


ASSIGNMENT_COLUMNS = [
    *proposal_head(),
    unit_column(),
    Column("办理方式", lambda a: a.get_role_display()),
    Column("状态", lambda a: a.get_state_display(), "state"),
    Column("交办日期", lambda a: a.assigned_on, "assigned_on"),
    Column("期限", lambda a: a.watch_on, "watch_on"),
    Column("剩余天数", lambda a: days_left(a.watch_on), shown=False),  # on the page: the light's words
    LIGHT_COLUMN,
]


def assignment_rows(rows: list[Assignment]) -> list[dict[str, Any]]:
    return [{"a": a, "days_left": days_left(a.watch_on), "light": light(a.watch_on)} for a in rows]


@login_required
def assignment_list(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    user: User = request.user  # type: ignore[assignment]
    base = visible_assignments(user)
    qs = base.select_related("proposal__session", "department")
    return list_page(
        request,
        qs,
        assignment_filters(user, base),
        ASSIGNMENT_COLUMNS,
        "watch_on",
        csv_name="办理进度",
        template="web/assignment_list.html",
        context=lambda result: {"rows": assignment_rows(result.rows)},
    )


@login_required
def notifications(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if request.method == "POST":
        return _mark_read(request, user)
    qs = Notification.objects.filter(user=user)
    filters = [
        Filter("unread", "状态", lambda q, v: q.filter(read_at__isnull=v == "1"), (("1", "未读"), ("0", "已读")))
    ]
    columns = [
        Column("时间", lambda n: timezone.localtime(n.created_at).strftime("%Y-%m-%d %H:%M"), "created_at"),
        Column("内容", lambda n: n.text),
        Column("已读", lambda n: n.read_at is not None),
    ]
    return list_page(request, qs, filters, columns, "-created_at", csv_name="消息", template="web/notifications.html")


@login_required
def open_notification(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Open what a message is about, marking it read (only one's own messages: 404 otherwise)."""
    user: User = request.user  # type: ignore[assignment]
    n = inbox.mark_read(user, notification_id)
    if n.assignment_id:
        return redirect("assignment", n.assignment_id)
    if n.proposal_id:
        return redirect("proposal", n.proposal_id)
    return redirect("notifications")


@require_POST
def _mark_read(request: HttpRequest, user: User) -> HttpResponse:
    inbox.mark_all_read(user)
    return redirect("notifications")
