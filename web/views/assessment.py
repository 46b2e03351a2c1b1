"""The assessment page (目标考核, /office/assessment/): the year's scores by rank, each part's points
drillable to the assignments behind its numerator and denominator, the units set apart, a chart of the scores,
the commendation list, the Excel export and the weights form. The numbers are ``reports.assessment.assess``
(its docstring has the rule); the weights change through ``reports.actions.set_weights``.

Who: the office edits the weights; the CPPCC staff and government leaders read the same page, and the CPPCC
staff enter their evaluation (评议, seed §五(四)) of each unit at ``evaluations/`` through
``reports.actions.set_evaluation``. Everyone sees their own jurisdiction's ranking of all its units (a ranking
over a leader's few units would mean nothing); a leader drills down only into the units in their charge, whose
assignments alone they may open (``handling.access``)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pydantic
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from lib.spreadsheet import XLSX_CONTENT_TYPE, SheetColumn, attachment, xlsx_file
from organisation.models import Department, Jurisdiction, Role, User
from organisation.roles import require_role
from reports.actions import set_evaluation, set_weights
from reports.assessment import (
    COMMEND_SCORE,
    DRILLABLE,
    PART_BY_KEY,
    PARTS,
    assess,
    assessment_inputs,
    follow_up_items,
    part_assignments,
)
from reports.commands import EvaluationIn, WeightsIn
from reports.models import UnitEvaluation
from reports.queries import assignment_years
from reports.remembered import remembered

from ..charts import chart_height
from ..forms import FormErrors, errors_from_validation, parse
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


# who reads the page (read-only but for the office's weights form)
VIEWERS = (Role.OFFICE_STAFF, Role.CPPCC_STAFF, Role.GOV_LEADER)


def _viewer(request: HttpRequest, *roles: str) -> tuple[User, Jurisdiction]:
    """The user, if of one of ``roles`` (else 403), and their own jurisdiction (none: 404)."""
    user: User = request.user  # type: ignore[assignment]
    require_role(user, *roles)
    jurisdiction = Jurisdiction.objects.filter(pk=user.jurisdiction_id).first() if user.jurisdiction_id else None
    if jurisdiction is None:  # a superuser without a jurisdiction of their own
        raise Http404("没有所属辖区。")
    return user, jurisdiction


def _office(request: HttpRequest) -> tuple[User, Jurisdiction]:
    return _viewer(request, Role.OFFICE_STAFF)


def _charged(user: User) -> set[int] | None:
    """The units a government leader may drill into (those in their charge); None: every unit."""
    if user.role == Role.GOV_LEADER and not user.is_superuser:
        return set(user.charged_departments.values_list("pk", flat=True))
    return None


def _back(user: User) -> dict[str, str]:
    """The breadcrumb's first link: the office's workbench, else the user's own (工作台)."""
    if user.role == Role.OFFICE_STAFF:
        return {"url": url("office"), "label": "交办督办"}
    return {"url": url("home"), "label": "工作台"}


def _years(jurisdiction: Jurisdiction) -> tuple[list[int], int]:
    """The years to choose from (those with assignments, and this one), and the one shown by default: the
    latest with assignments."""
    found = set(assignment_years([jurisdiction.pk]))
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


def _cells(row: dict[str, Any], year: int, charged: set[int] | None) -> list[dict[str, Any]]:
    cells = []
    for p in PARTS:
        part = row["parts"][p.key]
        drill = p.key in DRILLABLE and (charged is None or row["department_id"] in charged)
        link = {"name": "office-assessment-drill", "args": (row["department_id"], p.key)}
        cells.append({
            "part": p, **part,
            "num_url": _drill_url(link, year, "num") if drill and part["numerator"] else "",
            "den_url": _drill_url(link, year, "den") if drill and part["denominator"] else "",
        })  # fmt: skip
    return cells


def _ranking(jurisdiction_id: int, year: int, charged: set[int] | None, today: date) -> dict[str, Any]:
    """The ranking's part of the page, rendered: the same for everyone of the same scope until the next change."""
    result = assess(jurisdiction_id, year=year, today=today)
    rows = [
        {**r, "cells": _cells(r, year, charged), "charged": charged is not None and r["department_id"] in charged}
        for r in result["rows"]
    ]
    ranked = [r for r in rows if r["ranked"]]
    unranked = [r for r in rows if not r["ranked"]]

    def table(rows: list[dict[str, Any]], caption: str, table_id: str, show_rank: bool) -> SafeString:
        context = {"rows": rows, "caption": caption, "table_id": table_id, "show_rank": show_rank, "parts": PARTS}
        return mark_safe(render_to_string("web/assessment/_table.html", context))  # noqa: S308  (a template)

    return {
        "weights": result["weights"],
        "ranked": len(ranked),
        "unranked": len(unranked),
        "commended": [{k: r[k] for k in ("name", "score", "rank")} for r in rows if r["commended"]],
        "chart": score_chart(ranked),
        "chart_height": chart_height(len(ranked), 34) + 30,
        "ranked_table": table(ranked, "参与排名的单位（按名次）", "ranked-table", True),
        "unranked_table": table(unranked, "主办件数不足或没有可计分项目的单位", "unranked-table", False),
    }


def _context(user: User, jurisdiction: Jurisdiction, year: int, years: tuple[list[int], int]) -> dict[str, Any]:
    today = timezone.localdate()
    charged = _charged(user)
    scope = (*assessment_inputs(jurisdiction.pk, year), None if charged is None else tuple(sorted(charged)))
    ranking = remembered("assessment-page", scope, today, lambda: _ranking(jurisdiction.pk, year, charged, today))
    weights = ranking["weights"]
    return {
        **ranking,
        "jurisdiction": jurisdiction,
        "year": year,
        "years": years[0],
        "parts": PARTS,
        "colours": COLOURS,
        "commend_score": COMMEND_SCORE,
        "weight_fields": [{"name": p.key, "label": p.label, "value": weights.of(p.key)} for p in PARTS],
        "weights_errors": FormErrors(),
        "can_edit_weights": user.is_superuser or user.role == Role.OFFICE_STAFF,
        "can_evaluate": user.is_superuser or user.role == Role.CPPCC_STAFF,
        "leader_view": charged is not None,
        "back": _back(user),
    }


@login_required
def assessment_page(request: HttpRequest) -> HttpResponse | FileResponse:
    user, jurisdiction = _viewer(request, *VIEWERS)
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
    user, jurisdiction = _viewer(request, *VIEWERS)
    department = Department.objects.filter(pk=department_id, jurisdiction=jurisdiction).first()
    charged = _charged(user)
    if department is None or part not in DRILLABLE or (charged is not None and department.pk not in charged):
        raise Http404("没有这项考核数据。")
    years = _years(jurisdiction)
    year = _year(request, years)
    numerator = request.GET.get("side", "num") != "den"
    today = timezone.localdate()
    spec = PART_BY_KEY[part]
    context: dict[str, Any] = {
        "department": department, "year": year, "part": spec, "numerator": numerator,
        "side_label": spec.numerator_label if numerator else spec.denominator_label, "back": _back(user),
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


# ---------------------------------------------------------------------------------------------------------------
# 政协评议: the CPPCC staff's score 0–100 of each unit for a year, one form for all the units.


def _entered(e: UnitEvaluation | None) -> dict[str, Any] | None:
    """Who entered the score last and on which day (the local day: the time is kept in UTC)."""
    if e is None:
        return None
    return {"by": e.entered_by.name or e.entered_by.username, "on": timezone.localtime(e.entered_at).date()}


def _evaluation_rows(jurisdiction: Jurisdiction, year: int) -> tuple[list[dict[str, Any]], int]:
    """The units as the API lists them (by unit), each with its score, its points in the assessment and who
    entered it last; and the jurisdiction's evaluation weight."""
    result = assess(jurisdiction.pk, year=year, today=timezone.localdate())
    entered = {
        e.department_id: e
        for e in UnitEvaluation.objects.filter(department__jurisdiction=jurisdiction, year=year).select_related(
            "entered_by"
        )
    }
    rows = [
        {
            "department_id": r["department_id"],
            "name": r["name"],
            "assigned": r["assigned"],
            "score": r["evaluation"],
            "value": "" if r["evaluation"] is None else str(r["evaluation"]),
            "part": r["parts"]["evaluation"],
            "entered": _entered(entered.get(r["department_id"])),
            "error": "",
        }
        for r in sorted(result["rows"], key=lambda r: r["department_id"])
    ]
    return rows, result["weights"].of("evaluation")


def _evaluation_page(
    request: HttpRequest, user: User, jurisdiction: Jurisdiction, year: int, years: tuple[list[int], int],
    rows: list[dict[str, Any]], weight: int, errors: FormErrors, status: int = 200,
) -> HttpResponse:  # fmt: skip
    context = {
        "jurisdiction": jurisdiction, "year": year, "years": years[0], "rows": rows, "weight": weight,
        "errors": errors, "back": _back(user),
    }  # fmt: skip
    return render(request, "web/assessment/evaluations.html", context, status=status)


def _note_error(row: dict[str, Any], found: FormErrors, errors: FormErrors) -> None:
    """Put a row's errors next to its score field."""
    if found:
        row["error"] = found.fields.get("score") or "；".join([*found.fields.values(), *found.general])
        errors.fields[f"score-{row['department_id']}"] = row["error"]


@login_required
def evaluations(request: HttpRequest) -> HttpResponse:
    """GET: the form for the chosen year; POST: every posted score checked first, then all saved, or none."""
    user, jurisdiction = _viewer(request, Role.CPPCC_STAFF)
    years = _years(jurisdiction)
    if request.method != "POST":
        year = _year(request, years)
        rows, weight = _evaluation_rows(jurisdiction, year)
        return _evaluation_page(request, user, jurisdiction, year, years, rows, weight, FormErrors())
    raw_year = request.POST.get("year", "").strip()
    year = int(raw_year) if raw_year.isdigit() and int(raw_year) in years[0] else years[1]
    rows, weight = _evaluation_rows(jurisdiction, year)
    errors = FormErrors()
    if str(year) != raw_year:
        errors.general.append("年度不正确，请重新选择年度后再录入。")
    posted = []
    for row in rows:
        key = f"score-{row['department_id']}"
        if key not in request.POST:  # a unit added since the form was opened: left as it is
            continue
        row["value"] = request.POST[key].strip()
        fields = QueryDict(mutable=True)
        fields.update({"department_id": str(row["department_id"]), "year": str(year), "score": row["value"]})
        posted.append((row, fields))
        try:  # every score checked before any is saved: one wrong score saves nothing
            row["new"] = parse(EvaluationIn, fields).score
        except pydantic.ValidationError as exc:
            _note_error(row, errors_from_validation(exc), errors)
    if errors.fields:
        errors.general.append(f"有 {len(errors.fields)} 个评议得分填写不正确，均未保存；请按提示修改后再提交。")
    if not errors:
        departments = Department.objects.in_bulk([row["department_id"] for row, _ in posted])
        with transaction.atomic():  # all the units or none
            for row, fields in posted:
                _, found = perform(
                    EvaluationIn, fields,
                    lambda d: set_evaluation(departments[d.department_id], year=d.year, score=d.score, actor=user),
                )  # fmt: skip
                _note_error(row, found, errors)
            if errors:
                transaction.set_rollback(True)
                errors.general.append("评议得分未能保存，请按提示修改后再提交。")
    if errors:
        response = _evaluation_page(request, user, jurisdiction, year, years, rows, weight, errors, status=422)
        response["HX-Reswap"] = "innerHTML show:#evaluations-title:top"
        return response
    changed = sum(1 for row, _ in posted if row["score"] != row["new"])
    messages.success(
        request,
        f"已保存{year}年度政协评议得分（{changed}个单位有变动）。" if changed else f"{year}年度政协评议得分没有变动。",
    )
    return redirect(url("office-assessment-evaluations", query={"year": year}))


urlpatterns = [
    path("", assessment_page, name="office-assessment"),
    path("evaluations/", evaluations, name="office-assessment-evaluations"),
    path("weights/", weights_form, name="office-assessment-weights"),
    path("drill/<int:department_id>/<slug:part>/", drill, name="office-assessment-drill"),
]
