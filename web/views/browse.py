"""The lists every signed-in user may browse, each within what that user may see."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from handling.models import Assignment
from handling.queries import light_bands
from handling.states import AssignmentRole, State
from notifications.models import Notification
from organisation.models import Department, User
from proposals.access import visible_assignments, visible_proposals
from proposals.models import Proposal, ProposalStatus, Session

from ..labels import LIGHT_LABELS, days_left, light
from ..lists import Column, Filter, export_csv, run_list


def _search(qs: QuerySet[Proposal], q: str) -> QuerySet[Proposal]:
    return qs.filter(Q(title__icontains=q[:200]) | Q(number=q[:30]))


def _years(qs: QuerySet[Any]) -> tuple[tuple[str, str], ...]:
    years = qs.order_by("-year").values_list("year", flat=True).distinct()
    return tuple((str(y), f"{y}年") for y in years)


def lit(qs: QuerySet[Assignment], value: str, field: str = "watch_on") -> QuerySet[Assignment]:
    """Filter by traffic light on the watched deadline (the same bands as the API's ``light``)."""
    return qs.filter(light_bands(timezone.localdate(), field)[value])


def proposal_filters(user: User, base: QuerySet[Proposal]) -> list[Filter]:
    sessions = Session.objects.filter(pk__in=base.values("session_id")).order_by("-year", "pk")
    return [
        Filter("q", "案由或提案号", _search, kind="text"),
        Filter("year", "年度", lambda qs, v: qs.filter(year=int(v)), _years(base)),
        Filter(
            "session", "届次", lambda qs, v: qs.filter(session_id=int(v)), tuple((str(s.pk), s.name) for s in sessions)
        ),  # fmt: skip
        Filter("status", "状态", lambda qs, v: qs.filter(status=v), tuple(ProposalStatus.choices)),
        Filter("key", "重点提案", lambda qs, v: qs.filter(is_key=v == "1"), (("1", "重点提案"), ("0", "非重点"))),
        Filter(
            "suggestion",
            "建议案",
            lambda qs, v: qs.filter(is_suggestion=v == "1"),
            (("1", "建议案"), ("0", "非建议案")),
        ),
    ]


PROPOSAL_COLUMNS = [
    Column("提案号", lambda p: p.number, "number"),
    Column("案由", lambda p: p.title, "title"),
    Column("提案人", lambda p: "、".join(x.name for x in p.proposers.all())),
    Column("届次", lambda p: p.session.name),
    Column("类别", lambda p: p.category, "category"),
    Column("重点提案", lambda p: p.is_key),
    Column("状态", lambda p: p.get_status_display(), "status"),
    Column("登记时间", lambda p: timezone.localtime(p.created_at).date(), "created_at"),
]


@login_required
def proposal_list(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    user: User = request.user  # type: ignore[assignment]
    base = visible_proposals(user)
    qs = base.select_related("session").prefetch_related("proposers")
    result = run_list(request, qs, proposal_filters(user, base), PROPOSAL_COLUMNS, "-created_at")
    if request.GET.get("export") == "csv":
        return export_csv(result.extra["sorted_qs"], PROPOSAL_COLUMNS, "提案")
    return render(request, "web/proposal_list.html", {"result": result})


def assignment_filters(user: User, base: QuerySet[Assignment]) -> list[Filter]:
    departments = Department.objects.filter(pk__in=base.values("department_id")).order_by("code", "pk")
    return [
        Filter(
            "q",
            "案由或提案号",
            lambda qs, v: qs.filter(Q(proposal__title__icontains=v[:200]) | Q(proposal__number=v[:30])),
            kind="text",
        ),  # fmt: skip
        Filter("year", "年度", lambda qs, v: qs.filter(year=int(v)), _years(base)),
        Filter(
            "department",
            "承办单位",
            lambda qs, v: qs.filter(department_id=int(v)),
            tuple((str(d.pk), d.name) for d in departments),
        ),  # fmt: skip
        Filter("role", "办理方式", lambda qs, v: qs.filter(role=v), tuple(AssignmentRole.choices)),
        Filter("state", "状态", lambda qs, v: qs.filter(state=v), tuple(State.choices)),
        Filter("light", "督办灯", lit, tuple(LIGHT_LABELS.items())),
    ]


ASSIGNMENT_COLUMNS = [
    Column("提案号", lambda a: a.proposal.number, "proposal__number"),
    Column("案由", lambda a: a.proposal.title),
    Column("承办单位", lambda a: a.department.name, "department__name"),
    Column("办理方式", lambda a: a.get_role_display()),
    Column("状态", lambda a: a.get_state_display(), "state"),
    Column("交办日期", lambda a: a.assigned_on, "assigned_on"),
    Column("期限", lambda a: a.watch_on, "watch_on"),
    Column("剩余天数", lambda a: days_left(a.watch_on)),
    Column("督办灯", lambda a: LIGHT_LABELS.get(light(a.watch_on) or "", "")),
]


def assignment_rows(rows: list[Assignment]) -> list[dict[str, Any]]:
    return [{"a": a, "days_left": days_left(a.watch_on), "light": light(a.watch_on)} for a in rows]


@login_required
def assignment_list(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    user: User = request.user  # type: ignore[assignment]
    base = visible_assignments(user)
    qs = base.select_related("proposal", "department")
    result = run_list(request, qs, assignment_filters(user, base), ASSIGNMENT_COLUMNS, "watch_on")
    if request.GET.get("export") == "csv":
        return export_csv(result.extra["sorted_qs"], ASSIGNMENT_COLUMNS, "交办办理")
    return render(request, "web/assignment_list.html", {"result": result, "rows": assignment_rows(result.rows)})


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if request.method == "POST":
        return _mark_read(request, user)
    qs = Notification.objects.filter(user=user)
    filters = [
        Filter("unread", "状态", lambda q, v: q.filter(read_at__isnull=v == "1"), (("1", "未读"), ("0", "已读")))
    ]
    columns = [Column("时间", lambda n: n.created_at, "created_at"), Column("内容", lambda n: n.text)]
    result = run_list(request, qs, filters, columns, "-created_at")
    return render(request, "web/notifications.html", {"result": result})


@require_POST
def _mark_read(request: HttpRequest, user: User) -> HttpResponse:
    Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
    return redirect("/notifications/")
