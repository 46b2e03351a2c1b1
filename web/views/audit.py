"""The auditor's page (安全审计): the security audit log, newest first, searchable, exportable.

Shown to a superuser or an account given ``audit.view_auditentry`` (the 审计管理员); anyone else signed
in gets 403 (a wrong role, as on every page), which is itself recorded. The same rule and searches as
``GET /api/v1/audit`` (``audit.queries``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from audit import queries
from audit.labels import KIND_LABELS, OUTCOME_LABELS
from audit.models import AuditEntry
from organisation.models import User

from ..lists import Column, Filter, export, export_format, run_list

DayFilter = Callable[[QuerySet[AuditEntry], date], QuerySet[AuditEntry]]


def _by_day(apply: DayFilter) -> Callable[[QuerySet[AuditEntry], str], QuerySet[AuditEntry]]:
    """A date box: a value that is not a date (or beyond the calendar) filters nothing."""

    def filter_(qs: QuerySet[AuditEntry], value: str) -> QuerySet[AuditEntry]:
        try:
            return apply(qs, date.fromisoformat(value))
        except (ValueError, OverflowError):
            return qs

    return filter_


FILTERS = [
    Filter("since", "起始日期", _by_day(queries.on_or_after), kind="date"),
    Filter("until", "截止日期", _by_day(queries.on_or_before), kind="date"),
    Filter("kind", "事件", queries.of_kind, tuple(KIND_LABELS.items())),
    Filter("outcome", "结果", queries.with_outcome, tuple(OUTCOME_LABELS.items())),
    Filter("user", "用户名", queries.by_user, kind="text"),
    Filter("ip", "地址", queries.from_address, kind="text"),
]


def _when(e: AuditEntry) -> str:
    return timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S")


COLUMNS = [
    Column("时间", _when, "at"),
    Column("事件", lambda e: e.kind_label, "kind"),
    Column("结果", lambda e: e.outcome_label, "outcome"),
    Column("用户名", lambda e: e.username, "username"),
    Column("操作人", lambda e: e.actor_username, "actor_username"),
    Column("地址", lambda e: e.ip or "", "ip"),
    Column("请求", lambda e: f"{e.method} {e.path}".strip()),
    Column("详情", lambda e: e.details),
]
EXPORT_COLUMNS = [
    Column("编号", lambda e: e.pk),
    *COLUMNS,
    Column("客户端", lambda e: e.user_agent),
    Column("校验值", lambda e: e.hash),
]


@login_required
def audit_log(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    viewer: User = request.user  # type: ignore[assignment]
    queries.require_auditor(viewer)
    result = run_list(request, AuditEntry.objects.all(), FILTERS, COLUMNS, "-at")
    if fmt := export_format(request):
        return export(fmt, result.extra["sorted_qs"], EXPORT_COLUMNS, "安全审计")
    return render(request, "web/audit/list.html", {"result": result})


urlpatterns = [path("", audit_log, name="audit")]
