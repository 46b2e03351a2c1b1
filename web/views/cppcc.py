"""The CPPCC proposal committee's pages (政协提案委): registering proposals and sessions, marking key
proposals and 建议案, extensions to consult on, and replies waiting for the proposer's rating.

Every form posts through the same commands as the API (``handling.proposal_commands``); flags post to the
proposal page's existing ``/proposals/<id>/flags/`` endpoint.
"""

from __future__ import annotations

import io
import secrets
import time
from contextlib import suppress
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Count, F, Max, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone

from handling import proposal_commands as commands
from handling.access import (
    own_jurisdiction,
    own_jurisdiction_assignments,
    own_jurisdiction_ids,
    own_jurisdiction_proposals,
)
from handling.models import Assignment, Decision, ExtensionRequest
from handling.queries import awaiting_feedback
from lib.errors import DomainError, Forbidden, InvalidInput, NotFound
from lib.spreadsheet import XLSX_CONTENT_TYPE, attachment
from organisation.models import Jurisdiction, Role, Rules, User
from organisation.roles import require_role
from proposals import importing
from proposals.actions import create_proposal
from proposals.models import Proposal, ProposalKind, Session
from reports.workbench import year_summary
from search import index as search_index

from ..action_forms import Field
from ..forms import FormErrors, row_indexes
from ..lists import Column, Filter, export, export_format, run_list
from ..perform import perform
from ..sections import (
    department_filter,
    list_page,
    proposal_columns,
    proposal_head,
    search_proposal,
    unit_column,
    year_filter,
)
from .browse import proposal_filters

PREVIEW = 8  # rows of each list shown on the workbench; the full list is one click away
PROPOSER_ROWS = 3  # blank proposer rows offered; "添加提案人" adds one more

REGISTER_FIELDS = {
    f.name: f
    for f in (
        Field("session_id", "届次", "sessions"),
        Field("number", "提案号", help="在本届次内唯一。"),
        Field("title", "案由"),
        Field("body", "提案内容", "textarea", required=False),
        Field("kind", "提案类型", "radio", tuple(ProposalKind.choices)),
        Field("category", "类别", required=False, help="如：教育、医疗卫生、城乡建设。"),
        Field("submitted_on", "提交日期", "date", required=False),
        Field("is_key", "重点提案", "checkbox", required=False),
        Field("is_suggestion", "建议案", "checkbox", required=False),
        Field("is_public", "公开（答复可在公开答复中查阅）", "checkbox", required=False),
    )
}
PROPOSER_USER = Field("user_id", "委员账号", "members", required=False)


def _proposer_rows(rows: list[int]) -> list[dict[str, Any]]:
    """Each proposer row with its own labels: the first proposer is required, the others are not."""
    drawn = []
    for position, n in enumerate(rows):
        label = "第一提案人（姓名或集体名称）" if position == 0 else f"第{position + 1}提案人（附议人）"
        drawn.append({"n": n, "name": Field("name", label, required=position == 0), "user": PROPOSER_USER})
    return drawn


SESSION_FIELDS = {
    f.name: f
    for f in (
        Field("name", "届次名称", help="如：十四届三次会议；日常提案可填“日常提案”。"),
        Field("year", "年度"),
        Field("is_daily", "日常提案（闭会期间提出）", "checkbox", required=False),
    )
}


def _staff(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    require_role(user, Role.CPPCC_STAFF)
    return user


def _sessions(user: User) -> QuerySet[Session]:
    return Session.objects.filter(own_jurisdiction(user)).order_by("-year", "is_daily", "-pk")


# ---------------------------------------------------------------------------------------------------
# Workbench


def _year(request: HttpRequest, years: list[int]) -> int:
    today = timezone.localdate()
    try:
        chosen = int(request.GET.get("year", ""))
    except ValueError:
        chosen = 0
    if chosen in years:
        return chosen
    return today.year if today.year in years or not years else years[0]


def _summary(user: User, year: int) -> dict[str, Any]:
    """The summary cards' numbers (keys as the template reads them)."""
    report = year_summary(
        own_jurisdiction_proposals(user), own_jurisdiction_ids(user), year=year, today=timezone.localdate()
    )
    rate = report.satisfaction_rate
    return {
        "total": report.total,
        **report.by_status,
        "in_progress": report.in_progress,
        "satisfaction": None if rate is None else f"{rate * 100:.1f}%",
        "feedbacks": report.feedbacks,
    }


@login_required
def workbench(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    years = sorted(set(_sessions(user).values_list("year", flat=True)), reverse=True)
    year = _year(request, years)
    extensions = _extensions(user).filter(consulted_at__isnull=True)  # what still waits for the committee
    waiting = _waiting(user)
    context = {
        "year": year,
        "years": years,
        "s": _summary(user, year),
        "extension_rows": list(extensions.order_by("requested_at", "pk")[:PREVIEW]),
        "extension_total": extensions.count(),
        "waiting_rows": _waiting_rows(list(waiting.order_by(F("replied_at").asc(nulls_last=True), "pk")[:PREVIEW])),
        "waiting_total": waiting.count(),
        "recent": list(
            own_jurisdiction_proposals(user)
            .select_related("session")
            .prefetch_related("proposers")
            .order_by("-created_at", "-pk")[:PREVIEW]
        ),
    }
    return render(request, "web/cppcc/workbench.html", context)


# ---------------------------------------------------------------------------------------------------
# Registering a proposal (登记提案)


def _register_options(user: User) -> dict[str, list[tuple[str, str]]]:
    sessions = [(str(s.pk), f"{s.year}年 {s.name}") for s in _sessions(user)]
    members = User.objects.filter(own_jurisdiction(user), role=Role.MEMBER, is_active=True).order_by("username", "pk")
    return {
        "sessions": sessions,
        "members": [(str(u.pk), f"{u.display_name}（{u.username}）") for u in members],
    }


def _register_context(user: User, values: Any, errors: FormErrors, rows: list[int]) -> dict[str, Any]:
    return {
        "fields": REGISTER_FIELDS,
        "values": values,
        "errors": errors,
        "options": _register_options(user),
        "rows": _proposer_rows(rows),
        "form_id": "reg",
    }


def _defaults(user: User) -> dict[str, Any]:
    first = _sessions(user).filter(is_daily=False).first() or _sessions(user).first()
    return {"session_id": str(first.pk) if first else "", "kind": ProposalKind.INDIVIDUAL, "is_public": True}


@login_required
def register(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    if request.method != "POST":
        context = _register_context(user, _defaults(user), FormErrors(), list(range(PROPOSER_ROWS)))
        return render(request, "web/cppcc/register.html", context)
    rows = row_indexes(request.POST, "proposers") or list(range(PROPOSER_ROWS))
    if "add_row" in request.POST:  # draw one more proposer row, keeping what was typed (works without JS)
        context = _register_context(user, request.POST, FormErrors(), [*rows, max(rows) + 1])
        return render(request, "web/cppcc/register.html", context)

    def run(data: commands.ProposalIn) -> Proposal:
        session, new = commands.new_proposal(data)
        return create_proposal(session, actor=user, new=new)

    proposal, errors = perform(commands.ProposalIn, request.POST, run, REGISTER_FIELDS.values())
    if not errors:
        messages.success(request, f"已登记第{proposal.number}号提案。")
        return redirect("proposal", proposal.pk)
    return render(request, "web/cppcc/register.html", _register_context(user, request.POST, errors, rows), status=422)


# ---------------------------------------------------------------------------------------------------
# Sessions (届次)

SESSION_COLUMNS = [
    Column("年度", lambda s: s.year, "year"),
    Column("届次", lambda s: s.name, "name"),
    Column("类型", lambda s: "日常提案" if s.is_daily else "会议期间"),
    Column("提案数", lambda s: s.proposal_count, "proposal_count"),
]


def _session_filters(base: QuerySet[Session]) -> list[Filter]:
    return [
        year_filter(base),
        Filter("daily", "类型", lambda qs, v: qs.filter(is_daily=v == "1"), (("0", "会议期间"), ("1", "日常提案"))),
    ]


@login_required
def sessions(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    user = _staff(request)
    values: Any = {"year": str(timezone.localdate().year)}
    errors = FormErrors()
    if request.method == "POST":
        post = request.POST.copy()
        if user.jurisdiction_id:  # always the committee's own jurisdiction
            post["jurisdiction_id"] = str(user.jurisdiction_id)

        session, errors = perform(commands.SessionIn, post, lambda data: commands.register_session(user, data))
        if not errors:
            messages.success(request, f"已登记{session.year}年“{session.name}”。")
            return redirect("cppcc-sessions")
        values = post
    base = _sessions(user)
    qs = base.annotate(proposal_count=Count("proposals"))
    result = run_list(request, qs, _session_filters(base), SESSION_COLUMNS, "-year")
    if (fmt := export_format(request)) and request.method != "POST":
        return export(fmt, result.extra["sorted_qs"], SESSION_COLUMNS, "届次")
    context = {
        "result": result,
        "fields": SESSION_FIELDS,
        "values": values,
        "errors": errors,
        "options": {},
        "form_id": "session",
    }
    return render(request, "web/cppcc/sessions.html", context, status=422 if errors else 200)


# ---------------------------------------------------------------------------------------------------
# Marking key proposals and 建议案 (标记重点提案、建议案)

FLAG_COLUMNS = [
    *proposal_columns("提案号", "案由", "提案人", "届次", "状态", "登记时间"),
    Column("重点提案", lambda p: p.is_key, "is_key"),
    Column("建议案", lambda p: p.is_suggestion, "is_suggestion"),
]


@login_required
def flags(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    user = _staff(request)
    base = own_jurisdiction_proposals(user)
    qs = base.select_related("session").prefetch_related("proposers")
    return list_page(
        request,
        qs,
        proposal_filters(user, base),
        FLAG_COLUMNS,
        "-created_at",
        csv_name="重点提案建议案",
        template="web/cppcc/flags.html",
        context=lambda result: {"next": request.get_full_path()},
    )


# ---------------------------------------------------------------------------------------------------
# Extensions to consult on (延期申请协商)


def _extensions(user: User) -> QuerySet[ExtensionRequest]:
    return ExtensionRequest.objects.filter(
        decision=Decision.PENDING, assignment__in=own_jurisdiction_assignments(user).values("pk")
    ).select_related("assignment__proposal", "assignment__department", "requested_by")


EXTENSION_COLUMNS = [
    *proposal_head("assignment__proposal"),
    unit_column(via="assignment__department"),
    Column("原办复期限", lambda e: e.old_due_on, "old_due_on"),
    Column("申请延至", lambda e: e.new_due_on, "new_due_on"),
    Column("延期理由", lambda e: e.reason),
    Column("申请时间", lambda e: timezone.localtime(e.requested_at).date(), "requested_at"),
    Column("政协意见", lambda e: _consulted(e)),
]


def _consulted(e: ExtensionRequest) -> str:
    if e.consulted_at is None:
        return "待协商"
    return ("同意延期" if e.cppcc_agrees else "不同意延期") + (f"：{e.cppcc_opinion}" if e.cppcc_opinion else "")


@login_required
def extensions(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    user = _staff(request)
    base = _extensions(user)
    filters = [
        search_proposal("assignment__proposal__"),
        department_filter(base, "assignment__department_id"),
        Filter(
            "consulted",
            "协商",
            lambda qs, v: qs.filter(consulted_at__isnull=v == "0"),
            (("0", "待协商"), ("1", "已协商，待督查室审批")),
        ),
    ]
    return list_page(
        request,
        base,
        filters,
        EXTENSION_COLUMNS,
        "requested_at",
        csv_name="延期申请",
        template="web/cppcc/extensions.html",
        context=lambda result: {"max_extension_months": _rules_of(user).max_extension_months},
    )


def _rules_of(user: User) -> Rules:
    """The time rules the committee's own jurisdiction set (the defaults where it has none)."""
    j = Jurisdiction.objects.filter(pk=user.jurisdiction_id).first() if user.jurisdiction_id else None
    return j.time_rules if j else Rules()


# ---------------------------------------------------------------------------------------------------
# Replies waiting for the proposer's rating (待反馈; staff may enter a paper form)


def _waiting(user: User) -> QuerySet[Assignment]:
    return (
        own_jurisdiction_assignments(user)
        .filter(awaiting_feedback())
        .annotate(replied_at=Max("replies__delivered_on"))
        .select_related("proposal", "department")
        .prefetch_related("proposal__proposers")
    )


def _replied_at(a: Assignment) -> date | None:
    """The day the latest reply reached the proposer (annotated by ``_waiting``)."""
    value: date | None = getattr(a, "replied_at", None)
    return value


def _first_proposer(a: Assignment) -> str:
    proposers = list(a.proposal.proposers.all())  # prefetched, in position order
    return proposers[0].name if proposers else ""


def _waiting_rows(rows: list[Assignment]) -> list[dict[str, Any]]:
    today = timezone.localdate()
    return [
        {"a": a, "proposer": _first_proposer(a), "waited": (today - d).days if (d := _replied_at(a)) else None}
        for a in rows
    ]


WAITING_COLUMNS = [
    *proposal_head(),
    Column("第一提案人", _first_proposer),
    unit_column("主办单位"),
    Column("答复日期", _replied_at, "replied_at"),
    Column("办理结果", lambda a: a.delivered_class and f"{a.delivered_class}类"),
]


@login_required
def waiting(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    user = _staff(request)
    base = _waiting(user)
    filters = [
        search_proposal("proposal__"),
        year_filter(base),
        department_filter(base, "department_id"),
        Filter(
            "class", "办理结果", lambda qs, v: qs.filter(delivered_class=v), (("A", "A类"), ("B", "B类"), ("C", "C类"))
        ),
    ]
    return list_page(
        request,
        base,
        filters,
        WAITING_COLUMNS,
        "replied_at",
        csv_name="待反馈",
        template="web/cppcc/waiting.html",
        context=lambda result: {"rows": _waiting_rows(result.rows)},
    )


# ---------------------------------------------------------------------------------------------------
# Importing a session's proposals from Excel (导入提案): upload → preview with every row's problems → confirm

PREVIEW_ROWS = 200  # proposals listed in the preview; the count covers them all
PENDING_KEY = "proposal_import"  # in the user's session: the file kept between preview and confirmation
PENDING_HOURS = 1


def _pending_dir() -> Path:
    folder = Path(settings.IMPORT_PENDING_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _keep_upload(request: HttpRequest, upload: UploadedFile[bytes], session_id: int) -> Path:
    """Keep the uploaded file for the confirmation, under a random name only this user's session knows."""
    folder = _pending_dir()
    cutoff = time.time() - PENDING_HOURS * 3600
    for old in folder.glob("*.xlsx"):  # what a preview left unconfirmed
        with suppress(OSError):
            if old.stat().st_mtime < cutoff:
                old.unlink()
    _drop_pending(request)
    token = secrets.token_urlsafe(18)
    path = folder / f"{token}.xlsx"
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    request.session[PENDING_KEY] = {"token": token, "session_id": session_id, "name": upload.name or ""}
    return path


def _pending(request: HttpRequest) -> tuple[Path, dict[str, Any]] | None:
    kept = request.session.get(PENDING_KEY)
    if not isinstance(kept, dict) or request.POST.get("token") != kept.get("token"):
        return None
    path = _pending_dir() / f"{kept['token']}.xlsx"
    return (path, kept) if path.is_file() else None


def _drop_pending(request: HttpRequest) -> None:
    kept = request.session.pop(PENDING_KEY, None)
    if isinstance(kept, dict) and isinstance(kept.get("token"), str):
        with suppress(OSError):
            (_pending_dir() / f"{kept['token']}.xlsx").unlink()


def _plan(user: User, session: Session, path: Path) -> importing.ImportPlan:
    with path.open("rb") as f:
        return importing.plan_import(session, f, path.stat().st_size, actor=user)


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    _staff(request)
    out = io.BytesIO()
    importing.write_template(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = attachment("提案导入模板.xlsx")
    return response


@login_required
def import_proposals(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    sessions = list(_sessions(user))
    context: dict[str, Any] = {
        "sessions": sessions,
        "session_id": request.POST.get("session_id") or (str(sessions[0].pk) if sessions else ""),
        "columns_help": [
            {
                "label": names[0],
                "aliases": "、".join(names[1:]),
                "required": f in importing.REQUIRED,
                "limit": importing.LIMITS.get(f),
            }
            for f, names in importing.HEADERS.items()
        ],
        "max_mb": f"{importing.max_bytes() / 1024 / 1024:g}",
        "max_rows": importing.MAX_ROWS,
        "preview_rows": PREVIEW_ROWS,
    }
    if request.method != "POST":
        return render(request, "web/cppcc/import.html", context)
    status = 200
    try:
        if "confirm" in request.POST:
            pending = _pending(request)
            if pending is None:
                raise InvalidInput("上传的文件已过期或已导入，请重新上传。")
            path, kept = pending
            session = _own_session(sessions, str(kept["session_id"]))
            plan = _plan(user, session, path)
            if plan.ok:
                created = importing.run_import(plan, actor=user)
                _drop_pending(request)
                later = "" if search_index.indexed_at_once(len(created)) else "全文检索在后台建立，稍候即可检索到。"
                messages.success(request, f"已从“{kept['name']}”导入{session.name}的{len(created)}件提案。{later}")
                return redirect(f"{reverse('proposals')}?session={session.pk}")
            status = 422
        else:
            session = _own_session(sessions, request.POST.get("session_id", ""))
            upload = request.FILES.get("file")
            if upload is None:
                raise InvalidInput("请选择要导入的提案表（.xlsx）。")
            if (upload.size or 0) > importing.max_bytes():
                importing.check_file(upload, upload.size or 0)  # refuses it: too large, nothing kept
            path = _keep_upload(request, upload, session.pk)
            plan = _plan(user, session, path)
            status = 200 if plan.ok else 422
        if not plan.ok:
            _drop_pending(request)
        context.update(plan=plan, session=session, shown=plan.rows[:PREVIEW_ROWS],
                       token=request.session.get(PENDING_KEY, {}).get("token", ""),
                       error_rows=len({e.row for e in plan.errors}))  # fmt: skip
    except importing.RowsInvalid as exc:  # a row refused at registration (a number taken meanwhile)
        _drop_pending(request)
        context["refused"] = [e.message for e in exc.errors]
        status = exc.status
    except (Forbidden, NotFound):
        raise
    except DomainError as exc:
        _drop_pending(request)
        context["refused"] = [exc.message]
        status = exc.status
    return render(request, "web/cppcc/import.html", context, status=status)


def _own_session(sessions: list[Session], raw: str) -> Session:
    chosen = next((s for s in sessions if str(s.pk) == raw), None)
    if chosen is None:
        raise InvalidInput("请选择届次。")
    return chosen


urlpatterns = [
    path("", workbench, name="cppcc"),
    path("proposals/new/", register, name="cppcc-register"),
    path("proposals/import/", import_proposals, name="cppcc-import"),
    path("proposals/import/template.xlsx", import_template, name="cppcc-import-template"),
    path("proposals/", flags, name="cppcc-flags"),
    path("sessions/", sessions, name="cppcc-sessions"),
    path("extensions/", extensions, name="cppcc-extensions"),
    path("feedback/", waiting, name="cppcc-waiting"),
]
