"""The office's assessment page (目标考核, /office/assessment/): the year's scores by rank, each part's points
drillable to the assignments behind its numerator and denominator, the units set apart, a chart of the scores,
the commendation list, the Excel export and the weights form. The numbers are ``reports.assessment.assess``
(its docstring has the rule); the weights change through ``reports.actions.set_weights``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone

from handling.models import Assignment
from lib.spreadsheet import XLSX_CONTENT_TYPE, SheetColumn, attachment, xlsx_file
from organisation.models import Department, Jurisdiction, Role, User
from organisation.roles import require_role
from reports.actions import set_weights
from reports.assessment import COMMEND_SCORE, DRILLABLE, PART_BY_KEY, PARTS, assess, follow_up_items, part_assignments
from reports.commands import WeightsIn

from ..charts import chart_height
from ..forms import FormErrors
from ..links import url
from ..perform import perform

# One colour per part, the same in the chart's legend and the table's heads.
COLOURS = {
    "reply": "#0b5cad",
    "on_time": "#2e8b57",
    "meeting": "#8e6bbf",
    "satisfaction": "#c2410c",
    "self_check": "#0f766e",
    "follow_up": "#a16207",
    "evaluation": "#6b7280",
}


def _office(request: HttpRequest) -> tuple[User, Jurisdiction]:
    user: User = request.user  # type: ignore[assignment]
    require_role(user, Role.OFFICE_STAFF)
    jurisdiction = Jurisdiction.objects.filter(pk=user.jurisdiction_id).first() if user.jurisdiction_id else None
    if jurisdiction is None:  # a superuser without a jurisdiction of their own
        raise Http404("没有所属辖区。")
    return user, jurisdiction


def _years(jurisdiction: Jurisdiction) -> tuple[list[int], int]:
    """The years to choose from (those with assignments, and this one), and the one shown by default: the
    latest with assignments."""
    found = set(Assignment.objects.filter(jurisdiction=jurisdiction).values_list("year", flat=True).distinct())
    this_year = timezone.localdate().year
    return sorted(found | {this_year}, reverse=True), max(found) if found else this_year


def _year(request: HttpRequest, years: tuple[list[int], int]) -> int:
    raw = request.GET.get("year", "")
    return int(raw) if raw.isdigit() and int(raw) in years[0] else years[1]


def score_chart(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Horizontal bars, one per ranked unit, stacked by each part's points: the bar's length is the score."""
    names = [f"{r['rank']}. {r['name']}" for r in rows]
    series = [
        {
            "name": p.label,
            "type": "bar",
            "stack": "score",
            "barMaxWidth": 22,
            "itemStyle": {"color": COLOURS[p.key]},
            "data": [r["parts"][p.key]["points"] for r in rows],
        }
        for p in PARTS
        if any(r["parts"][p.key]["counted"] for r in rows)
    ]
    # the score written at the end of each bar: an invisible bar as long as the score, laid over the stack
    series.append({
        "name": "得分", "type": "bar", "barGap": "-100%", "barMaxWidth": 22, "z": 0,
        "itemStyle": {"color": "rgba(0,0,0,0)"}, "data": [r["score"] for r in rows],
        "label": {"show": True, "position": "right", "color": "#212529", "formatter": "{c}"},
    })  # fmt: skip
    return {
        "animation": False,
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 0, "data": [s["name"] for s in series[:-1]]},
        "grid": {"left": 8, "right": 56, "top": 56, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "value", "min": 0, "max": 100},
        "yAxis": {
            "type": "category",
            "data": names,
            "inverse": True,
            "axisLabel": {"width": 160, "overflow": "truncate"},
        },
        "series": series,
    }


def _drill_url(link: dict[str, Any], year: int, side: str) -> str:
    return url(link["name"], *link["args"], query={"year": year, "side": side})


def _cells(row: dict[str, Any], year: int) -> list[dict[str, Any]]:
    cells = []
    for p in PARTS:
        part = row["parts"][p.key]
        drill = p.key in DRILLABLE
        link = {"name": "office-assessment-drill", "args": (row["department_id"], p.key)}
        cells.append({
            "part": p, **part,
            "num_url": _drill_url(link, year, "num") if drill and part["numerator"] else "",
            "den_url": _drill_url(link, year, "den") if drill and part["denominator"] else "",
        })  # fmt: skip
    return cells


def _context(user: User, jurisdiction: Jurisdiction, year: int, years: tuple[list[int], int]) -> dict[str, Any]:
    result = assess(jurisdiction.pk, year=year, today=timezone.localdate())
    rows = [{**r, "cells": _cells(r, year)} for r in result["rows"]]
    ranked = [r for r in rows if r["ranked"]]
    weights = result["weights"]
    return {
        "jurisdiction": jurisdiction,
        "year": year,
        "years": years[0],
        "parts": PARTS,
        "colours": COLOURS,
        "ranked": ranked,
        "unranked": [r for r in rows if not r["ranked"]],
        "commended": [r for r in rows if r["commended"]],
        "commend_score": COMMEND_SCORE,
        "weights": weights,
        "weight_fields": [{"name": p.key, "label": p.label, "value": weights.of(p.key)} for p in PARTS],
        "chart": score_chart(ranked),
        "chart_height": chart_height(len(ranked), 34) + 30,
        "weights_errors": FormErrors(),
    }


@login_required
def assessment_page(request: HttpRequest) -> HttpResponse | FileResponse:
    user, jurisdiction = _office(request)
    years = _years(jurisdiction)
    year = _year(request, years)
    if request.GET.get("export") == "xlsx":
        return _export(jurisdiction, year)
    return render(request, "web/assessment/page.html", _context(user, jurisdiction, year, years))


@login_required
def weights_form(request: HttpRequest) -> HttpResponse:
    user, jurisdiction = _office(request)
    if request.method != "POST":
        return redirect(url("office-assessment", fragment="weights"))
    _, errors = perform(
        WeightsIn, request.POST, lambda data: set_weights(jurisdiction, actor=user, values=data.model_dump())
    )
    if not errors:
        messages.success(request, "已保存目标考核权重，得分已按新权重计算。")
        return redirect(url("office-assessment", fragment="weights-title"))
    years = _years(jurisdiction)
    context = _context(user, jurisdiction, _year(request, years), years)
    context["weights_errors"] = errors
    context["weight_fields"] = [{**f, "value": request.POST.get(f["name"], "")} for f in context["weight_fields"]]
    context["posted_min_assigned"] = request.POST.get("min_assigned", "")
    response = render(request, "web/assessment/page.html", context, status=422)
    response["HX-Reswap"] = "innerHTML show:#weights:top"
    return response


@login_required
def drill(request: HttpRequest, department_id: int, part: str) -> HttpResponse:
    """The lead assignments behind one part's numerator (``side=num``) or denominator of one unit."""
    user, jurisdiction = _office(request)
    department = Department.objects.filter(pk=department_id, jurisdiction=jurisdiction).first()
    if department is None or part not in DRILLABLE:
        raise Http404("没有这项考核数据。")
    years = _years(jurisdiction)
    year = _year(request, years)
    numerator = request.GET.get("side", "num") != "den"
    today = timezone.localdate()
    spec = PART_BY_KEY[part]
    context: dict[str, Any] = {
        "department": department, "year": year, "part": spec, "numerator": numerator,
        "side_label": spec.numerator_label if numerator else spec.denominator_label,
    }  # fmt: skip
    if part == "follow_up":
        context["items"] = list(
            follow_up_items(department.pk, year=year, numerator=numerator, today=today)
            .select_related("assignment__proposal__session").order_by("assignment_id", "due_on", "pk")
        )  # fmt: skip
    else:
        context["assignments"] = list(
            part_assignments(department.pk, year=year, part=part, numerator=numerator, today=today)
            .select_related("proposal__session").order_by("proposal__number", "pk")
        )  # fmt: skip
    return render(request, "web/assessment/drill.html", context)


def _export(jurisdiction: Jurisdiction, year: int) -> FileResponse:
    rows = assess(jurisdiction.pk, year=year, today=timezone.localdate())["rows"]
    heads = ("名次", "承办单位", "得分", "参与排名", "说明", "主办件数", "逾期件数", "列入表彰")
    columns = [SheetColumn(h) for h in heads]
    for p in PARTS:
        columns += [
            SheetColumn(f"{p.label}（{p.numerator_label}/{p.denominator_label}）"),
            SheetColumn(p.label, percent=True),
            SheetColumn(f"{p.label}权重"),
            SheetColumn(f"{p.label}得分"),
        ]

    def line(r: dict[str, Any]) -> list[Any]:
        cells: list[Any] = [r["rank"], r["name"], r["score"], "是" if r["ranked"] else "否", r["reason"],
                            r["assigned"], r["overdue"], "是" if r["commended"] else ""]  # fmt: skip
        for p in PARTS:
            v = r["parts"][p.key]
            cells += [
                f"{v['numerator']}/{v['denominator']}",
                v["rate"],
                v["weight"],
                v["points"] if v["counted"] else None,
            ]
        return cells

    out = xlsx_file(columns, (line(r) for r in rows), title=f"{year}年目标考核")
    response = FileResponse(out, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = attachment(f"目标考核-{jurisdiction.name}-{year}.xlsx")
    return response


urlpatterns = [
    path("", assessment_page, name="office-assessment"),
    path("weights/", weights_form, name="office-assessment-weights"),
    path("drill/<int:department_id>/<slug:part>/", drill, name="office-assessment-drill"),
]
