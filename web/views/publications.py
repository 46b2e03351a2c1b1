"""The office's publications: the circular (通报, /office/reports/circular/) — choose the dates, read the
figures and who is praised or named, download the draft, issue it to the units — and the annual report
(/office/reports/annual/) with its figures, charts and the Word download. The circulars issued are listed at
/reports/circulars/ for everyone they were sent to. Figures and documents are ``publications``'; these
views only parse, call and render."""

from __future__ import annotations

import base64
from datetime import date, timedelta
from typing import Any

import pydantic
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from documents.docx import DOCX_TYPE, render_docx
from handling.models import Assignment
from lib.errors import DomainError
from organisation.models import Jurisdiction, User
from publications import charts
from publications.access import access_circular, visible_circulars
from publications.actions import issue_circular
from publications.content import annual_title, circular_title
from publications.figures import annual_figures, circular_figures
from publications.records import CircularIn, annual_report, circular_draft, circular_file_name, office_jurisdiction

from ..forms import FormErrors
from ..links import url
from ..perform import perform


def _docx(data: bytes, name: str) -> HttpResponse:
    resp = HttpResponse(data, content_type=DOCX_TYPE)
    resp["Content-Disposition"] = content_disposition_header(True, name) or "attachment"
    resp["Cache-Control"] = "private, no-cache"
    return resp


def _office(request: HttpRequest) -> tuple[User, Jurisdiction]:
    user: User = request.user  # type: ignore[assignment]
    if user.jurisdiction_id is None:  # a superuser without a jurisdiction of their own
        raise Http404("没有所属辖区。")
    return user, office_jurisdiction(user, user.jurisdiction_id)


# ---------------------------------------------------------------------------------------------------
# 通报


def default_range(today: date) -> tuple[date, date]:
    """From 1 January to the end of last month (to today in January)."""
    start = date(today.year, 1, 1)
    end = today.replace(day=1) - timedelta(days=1)
    return start, end if end >= start else today


def _range(request: HttpRequest, today: date) -> tuple[date, date, FormErrors]:
    start, end = default_range(today)
    raw = {"date_from": request.GET.get("date_from") or start, "date_to": request.GET.get("date_to") or end}
    try:
        data = CircularIn.model_validate(raw)
    except pydantic.ValidationError:
        return start, end, FormErrors(fields={"date_from": "日期格式应为 YYYY-MM-DD"})
    return data.date_from, data.date_to, FormErrors()


def _circular_context(user: User, jurisdiction: Jurisdiction, date_from: date, date_to: date) -> dict[str, Any]:
    today = timezone.localdate()
    figures = circular_figures(jurisdiction, date_from=date_from, date_to=date_to, today=today)
    issued = list(
        visible_circulars(user).filter(jurisdiction=jurisdiction).defer("document", "figures")
        .select_related("issued_by").order_by("-id")[:20]
    )  # fmt: skip
    return {
        "jurisdiction": jurisdiction,
        "figures": figures,
        "title": "".join(circular_title(figures)),
        "date_from": date_from,
        "date_to": date_to,
        "issued": issued,
        "errors": FormErrors(),
    }


@login_required
def circular_page(request: HttpRequest) -> HttpResponse:
    user, jurisdiction = _office(request)
    today = timezone.localdate()
    date_from, date_to, errors = _range(request, today)
    if request.GET.get("download") == "docx" and not errors:
        try:
            named = circular_draft(jurisdiction, date_from=date_from, date_to=date_to, today=today)
        except DomainError as exc:
            errors = FormErrors(fields={"date_from": exc.message})
        else:
            return _docx(render_docx(named.doc), f"{named.name}.docx")
    context = _circular_context(user, jurisdiction, date_from, date_to)
    context["errors"] = errors
    return render(request, "web/publications/circular.html", context, status=422 if errors else 200)


@login_required
@require_POST
def issue(request: HttpRequest) -> HttpResponse:
    user, jurisdiction = _office(request)
    today = timezone.localdate()
    circular, errors = perform(
        CircularIn,
        request.POST,
        lambda data: issue_circular(
            jurisdiction, actor=user, date_from=data.date_from, date_to=data.date_to, today=today
        ),
    )
    if not errors:
        messages.success(request, f"已印发{circular.number}，并发送至{circular.recipients.count()}个承办单位。")
        return redirect(
            url("circular_page", query={"date_from": str(circular.date_from), "date_to": str(circular.date_to)})
        )
    start, end = default_range(today)
    context = _circular_context(user, jurisdiction, start, end)
    context["errors"] = errors
    return render(request, "web/publications/circular.html", context, status=422)


@login_required
def circular_list(request: HttpRequest) -> HttpResponse:
    """The circulars the user may read: the office's and the CPPCC's of their jurisdiction, a unit's sent to it."""
    user: User = request.user  # type: ignore[assignment]
    rows = list(
        visible_circulars(user).defer("document", "figures").select_related("issued_by", "jurisdiction")
        .order_by("-id")[:100]
    )  # fmt: skip
    return render(request, "web/publications/circular_list.html", {"circulars": rows})


@login_required
def circular_download(request: HttpRequest, circular_id: int) -> HttpResponse:
    """The circular exactly as issued (404 unless the user may read it)."""
    circular = access_circular(request.user, circular_id)  # type: ignore[arg-type]
    return _docx(bytes(circular.document), circular_file_name(circular.number, circular.title))


# ---------------------------------------------------------------------------------------------------
# 年度报告


def _years(jurisdiction: Jurisdiction) -> tuple[list[int], int]:
    found = set(Assignment.objects.filter(jurisdiction=jurisdiction).values_list("year", flat=True).distinct())
    this_year = timezone.localdate().year
    return sorted(found | {this_year}, reverse=True), max(found) if found else this_year


def _png(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


@login_required
def annual_report_page(request: HttpRequest) -> HttpResponse:
    _, jurisdiction = _office(request)
    years, default = _years(jurisdiction)
    raw = request.GET.get("year", "")
    year = int(raw) if raw.isdigit() and int(raw) in years else default
    today = timezone.localdate()
    if request.GET.get("download") == "docx":
        named = annual_report(jurisdiction, year=year, today=today)
        return _docx(render_docx(named.doc), f"{named.name}.docx")
    figures = annual_figures(jurisdiction, year=year, today=today)
    context = {
        "jurisdiction": jurisdiction,
        "year": year,
        "years": years,
        "title": "".join(annual_title(year)),
        "f": figures,
        "t": figures.totals,
        "shares_chart": _png(charts.class_shares(figures.shares)),
        "rates_chart": _png(charts.rates_by_unit(figures.units)) if figures.units else "",
    }
    return render(request, "web/publications/annual.html", context)


urlpatterns = [
    path("circular/", circular_page, name="circular_page"),
    path("circular/issue/", issue, name="circular_issue"),
    path("annual/", annual_report_page, name="annual_report_page"),
]

# For everyone a circular was sent to (included at /reports/circulars/).
shared_urls = [
    path("", circular_list, name="circulars"),
    path("<int:circular_id>/document.docx", circular_download, name="circular_download"),
]
