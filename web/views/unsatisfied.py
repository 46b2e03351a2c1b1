"""不满意提案分析 (/office/unsatisfied/): every unsatisfied rating of the year with its reason, its re-handling
and the rating after it, and each unit's first against final satisfaction, for office and CPPCC staff (their
jurisdiction and those under it) and government leaders (the units in their charge), as ``/dashboard/``.

The figures are ``reports.unsatisfied.analysis`` (its docstring has the definitions); every number opens its
rows: a count of assignments the drill-down list, a count of cases the case list below, filtered.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from handling.access import visible_jurisdiction_ids
from handling.models import Assignment, Rating
from lib.spreadsheet import XLSX_CONTENT_TYPE, SheetColumn, attachment, xlsx_file
from organisation.models import Department, Jurisdiction, Role, User
from organisation.roles import require_role
from proposals.models import Session
from reports.unsatisfied import ASSIGNMENT_COUNTS, COUNT_LABELS, OUTCOMES, Analysis, Case, analysis, assignment_rows

from ..charts import chart_height, stacked_bar
from ..links import url

PAGE_SIZE = 50
RATING_LABELS = dict(Rating.choices)
# the outcomes as the units' table heads them (the full words in each head's title)
OUTCOME_HEADS = {"resolved": "转为满意", "still_unsatisfied": "仍不满意", "awaiting_rating": "待再次评价",
                 "overdue": "逾期未再答复", "rehandling": "再次办理中"}  # fmt: skip
assert list(OUTCOME_HEADS) == list(OUTCOMES)
# the case counts of a unit's row, each opening the case list filtered by unit and outcome ("": all cases)
CASE_COUNTS = (("cases", ""), *((k, k) for k in OUTCOMES))


def _scope(user: User) -> tuple[list[int], list[int] | None]:
    """The jurisdictions covered and, for a government leader, the units in their charge (as /dashboard/)."""
    if user.role == Role.GOV_LEADER and not user.is_superuser:
        assert user.jurisdiction_id is not None
        return [user.jurisdiction_id], list(user.charged_departments.values_list("pk", flat=True))
    return visible_jurisdiction_ids(user), None


def _viewer(request: HttpRequest) -> tuple[list[int], list[int] | None]:
    user: User = request.user  # type: ignore[assignment]
    require_role(user, Role.OFFICE_STAFF, Role.CPPCC_STAFF, Role.GOV_LEADER)
    return _scope(user)


def _years(jurisdiction_ids: list[int]) -> list[int]:
    """The sessions' years with an assignment in the scope, newest first (one probe per year)."""
    in_scope = Assignment.objects.filter(year=OuterRef("year"), jurisdiction_id__in=jurisdiction_ids).order_by()
    years = Session.objects.filter(jurisdiction_id__in=jurisdiction_ids).filter(Exists(in_scope))
    return list(years.order_by("-year").values_list("year", flat=True).distinct())


def _year(request: HttpRequest, years: list[int]) -> int:
    raw = request.GET.get("year", "")
    if raw.isdigit() and int(raw) in years:
        return int(raw)
    this_year = timezone.localdate().year
    return this_year if this_year in years or not years else years[0]


def _units(jurisdiction_ids: list[int], department_ids: list[int] | None) -> list[Department]:
    units = Department.objects.filter(jurisdiction_id__in=jurisdiction_ids)
    if department_ids is not None:
        units = units.filter(pk__in=department_ids)
    return list(units.order_by("jurisdiction_id", "pk"))


def _chosen_unit(request: HttpRequest, units: list[Department]) -> Department | None:
    raw = request.GET.get("unit", "")
    return next((d for d in units if str(d.pk) == raw), None) if raw.isdigit() else None


def _page_url(year: int, unit: int | str = "", outcome: str = "", page: int | None = None) -> str:
    query: dict[str, str | int] = {"year": year}
    if unit:
        query["unit"] = unit
    if outcome:
        query["outcome"] = outcome
    if page:
        query["page"] = page
    return url("unsatisfied_analysis", query=query, fragment="cases")


def _links(row: dict[str, Any], year: int, unit: int | str) -> dict[str, str]:
    """Where each number of a row leads (nothing for a zero)."""
    links = {}
    for key in ASSIGNMENT_COUNTS:
        if row[key]:
            query: dict[str, str | int] = {"year": year, "count": key}
            if unit:
                query["unit"] = unit
            links[key] = url("unsatisfied_drill", query=query)
    for key, outcome in CASE_COUNTS:
        if row[key]:
            links[key] = _page_url(year, unit, outcome)
    return links


def rate_chart(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """First against final satisfaction, one pair of bars per unit rated (percent)."""
    chart = stacked_bar(
        [r["name"] for r in rows],
        [("首次满意率（%）", "#8a8f98", [round((r["first_rate"] or 0) * 100, 1) for r in rows]),
         ("最终满意率（%）", "#0b5cad", [round((r["final_rate"] or 0) * 100, 1) for r in rows])],
        stack=False,
    )  # fmt: skip
    chart["xAxis"] = {"type": "value", "min": 0, "max": 100}
    return chart


def _context(request: HttpRequest, a: Analysis, units: list[Department], years: list[int], *,
             unit: Department | None, outcome: str, leader_view: bool) -> dict[str, Any]:  # fmt: skip
    year = a.year
    names = dict(Jurisdiction.objects.filter(pk__in={d.jurisdiction_id for d in units}).values_list("pk", "name"))
    several = len(names) > 1
    rows = [
        {**r, "jurisdiction": names.get(r["jurisdiction_id"], "") if several else "",
         "links": _links(r, year, r["department_id"])}
        for r in a.departments if r["rated"] or r["cases"]
    ]  # fmt: skip
    cases = [c for c in a.cases if not outcome or c.outcome == outcome]
    paginator = Paginator(cases, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    unit_id = unit.pk if unit else ""
    return {
        "year": year,
        "years": years,
        "units": units,
        "unit": unit,
        "outcome": outcome,
        "outcomes": OUTCOMES,
        "outcome_heads": OUTCOME_HEADS,
        "labels": COUNT_LABELS,
        "rating_labels": RATING_LABELS,
        "totals": a.totals,
        "total_links": _links(a.totals, year, unit_id),
        "rows": rows,
        "quiet": sum(1 for r in a.departments if not (r["rated"] or r["cases"])),
        "cases": page,
        "case_count": len(cases),
        "page_links": {
            "previous": _page_url(year, unit_id, outcome, page.previous_page_number()) if page.has_previous() else "",
            "next": _page_url(year, unit_id, outcome, page.next_page_number()) if page.has_next() else "",
        },
        "export_query": {
            "year": year,
            **({"unit": unit_id} if unit_id else {}),
            **({"outcome": outcome} if outcome else {}),
        },
        "chart": rate_chart(rows),
        "chart_height": chart_height(len(rows), 34),
        "leader_view": leader_view,
    }


@login_required
def unsatisfied_page(request: HttpRequest) -> HttpResponse | FileResponse:
    jurisdiction_ids, department_ids = _viewer(request)
    years = _years(jurisdiction_ids)
    year = _year(request, years)
    units = _units(jurisdiction_ids, department_ids)
    unit = _chosen_unit(request, units)
    raw_outcome = request.GET.get("outcome", "")
    outcome = raw_outcome if raw_outcome in OUTCOMES else ""
    chosen = [unit.pk] if unit else department_ids
    a = analysis(jurisdiction_ids, year=year, today=timezone.localdate(), department_ids=chosen)
    if request.GET.get("export") == "xlsx":
        if request.GET.get("table") == "units":
            return _export_units(a)
        return _export_cases(a, outcome)
    context = _context(request, a, units, years, unit=unit, outcome=outcome, leader_view=department_ids is not None)
    return render(request, "web/unsatisfied/page.html", context)


@login_required
def drill(request: HttpRequest) -> HttpResponse:
    """The lead assignments behind a count of assignments (rated, first or final satisfied …)."""
    jurisdiction_ids, department_ids = _viewer(request)
    count = request.GET.get("count", "")
    if count not in ASSIGNMENT_COUNTS:
        raise Http404("没有这项统计。")
    years = _years(jurisdiction_ids)
    year = _year(request, years)
    units = _units(jurisdiction_ids, department_ids)
    unit = _chosen_unit(request, units)
    if request.GET.get("unit") and unit is None:
        raise Http404("没有这个承办单位。")
    ids = [unit.pk] if unit else [d.pk for d in units]
    rows = list(
        assignment_rows(ids, year=year, count=count, today=timezone.localdate())
        .select_related("proposal__session", "department")
        .order_by("department_id", "proposal__number", "pk")
    )
    context = {
        "year": year,
        "unit": unit,
        "label": COUNT_LABELS[count],
        "assignments": rows,
        "rating_labels": RATING_LABELS,
    }
    return render(request, "web/unsatisfied/drill.html", context)


def _filename(kind: str, a: Analysis) -> str:
    return f"不满意提案分析-{kind}-{a.year}.xlsx"


def _response(out: Any, name: str) -> FileResponse:
    response = FileResponse(out, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = attachment(name)
    return response


def _export_cases(a: Analysis, outcome: str) -> FileResponse:
    heads = ("承办单位", "届次", "提案号", "案由", "第几次不满意", "评价日期", "提案人", "办理态度", "不满意理由",
             "纸质代录", "录入人", "原答复类别", "原答复日期", "再次办理期限", "再次答复日期", "再次答复类别",
             "按期再次答复", "再次评价", "再次评价日期", "再次评价意见", "结果")  # fmt: skip

    def line(c: Case) -> list[Any]:
        return [c.department, c.session, c.number, c.title, c.round, c.rated_on, c.proposer,
                RATING_LABELS.get(c.attitude, c.attitude), c.reason, c.on_paper, c.entered_by, c.rated_reply_class,
                c.rated_reply_on, c.rehandle_due, c.reply_on, c.reply_class, c.reply_on_time,
                RATING_LABELS.get(c.later_result, ""), c.later_rated_on, c.later_reason, c.outcome_label]  # fmt: skip

    cases = (c for c in a.cases if not outcome or c.outcome == outcome)
    out = xlsx_file([SheetColumn(h) for h in heads], (line(c) for c in cases), title=f"{a.year}年不满意评价")
    return _response(out, _filename("不满意评价", a))


def _export_units(a: Analysis) -> FileResponse:
    columns = [SheetColumn("承办单位"), SheetColumn("主办件数"), SheetColumn("已评价"),
               SheetColumn("首次满意"), SheetColumn("首次满意率", percent=True),
               SheetColumn("最终满意"), SheetColumn("最终满意率", percent=True),
               SheetColumn("变化", percent=True), SheetColumn("不满意评价")]  # fmt: skip
    columns += [SheetColumn(label) for label in OUTCOMES.values()]

    def line(name: str, r: dict[str, Any]) -> list[Any]:
        return [name, r["assigned"], r["rated"], r["first_satisfied"], r["first_rate"], r["final_satisfied"],
                r["final_rate"], r["change"], r["cases"], *(r[k] for k in OUTCOMES)]  # fmt: skip

    rows = [line(r["name"], r) for r in a.departments] + [line("合计", a.totals)]
    out = xlsx_file(columns, rows, title=f"{a.year}年首次与最终满意率")
    return _response(out, _filename("各单位", a))


urlpatterns = [
    path("", unsatisfied_page, name="unsatisfied_analysis"),
    path("drill/", drill, name="unsatisfied_drill"),
]
