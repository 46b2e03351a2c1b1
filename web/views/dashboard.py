"""督办驾驶舱 (/dashboard/): the year's handling against the targets, for the office, the CPPCC and leaders.

The figures are ``reports.dashboard``'s; every count links to the lead assignments behind it
(``/assignments/?metric=…``, filtered by the report's own conditions). Office and CPPCC staff see their
jurisdiction and those under it, side by side and summed; a government leader the units in their charge.
"""

from __future__ import annotations

from datetime import date
from html import escape
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from handling.access import visible_jurisdiction_ids
from organisation.models import Role, User
from organisation.roles import require_role
from reports.dashboard import Dashboard, dashboard
from reports.queries import TARGETS, assignment_years
from reports.remembered import remembered

from ..charts import chart_height, line_chart, pie_chart, stacked_bar
from ..templatetags.web import percent

UNIT_LINKS = ("assigned", "replied", "overdue", "unmet", "unsatisfied", "a", "b", "c", "rehandled")
CLASS_COLOURS = (("A", "#2e8b57"), ("B", "#e0a800"), ("C", "#8e6bbf"))
STATUS_COLOURS = {"registered": "#8a8f98", "assigned": "#5b8def", "handling": "#0b5cad", "replied": "#8e6bbf",
                  "closed": "#2e8b57"}  # fmt: skip


def _scope(user: User) -> tuple[list[int], list[int] | None]:
    if user.role == Role.GOV_LEADER and not user.is_superuser:
        assert user.jurisdiction_id is not None
        return [user.jurisdiction_id], list(user.charged_departments.values_list("pk", flat=True))
    return visible_jurisdiction_ids(user), None


def drill(year: int, metric: str, department_id: int | None = None, *, base: str = "") -> str:
    """The list of the lead assignments behind one number (``base``: the list's URL, when already known)."""
    query = f"?year={year}&metric={metric}" + (f"&department={department_id}" if department_id is not None else "")
    return (base or reverse("assignments")) + query


def _rate_cell(u: dict[str, Any], key: str) -> str:
    below = " text-danger-emphasis fw-semibold" if u["below"].get(key) else ""
    return f'<td class="text-end{below}">{percent(u[key])}</td>'


def _count_cell(u: dict[str, Any], metric: str, css: str = "", zero_plain: bool = False) -> str:
    n = int(u[metric])
    if zero_plain and not n:
        return '<td class="text-end">0</td>'
    link = f' class="{css}"' if css else ""
    return f'<td class="text-end"><a{link} href="{escape(u["links"][metric])}">{n}</a></td>'


def unit_rows(units: list[dict[str, Any]], *, with_jurisdiction: bool) -> SafeString:
    """The per-unit table's rows. Written here, not in the template: a province shows hundreds of units of
    fifteen cells each, which Django's template engine renders in ~60 ms and this in a few. Only the names
    are text (escaped); the rest are numbers and the links ``drill`` builds from numbers."""
    rows = []
    for u in units:
        where = f'<span class="d-block small text-body-secondary">{escape(u["jurisdiction"])}</span>'
        rows.append(
            f'<tr id="unit-{int(u["department_id"])}"><th scope="row" class="fw-normal">{escape(u["name"])}'
            f"{where if with_jurisdiction else ''}</th>"
            + _count_cell(u, "assigned")
            + _count_cell(u, "replied")
            + _rate_cell(u, "reply_rate")
            + _count_cell(u, "overdue", "link-danger fw-semibold", zero_plain=True)
            + f'<td class="text-end">{percent(u["on_time_rate"])}</td>'
            + _rate_cell(u, "meeting_rate")
            + _count_cell(u, "unmet", "link-danger", zero_plain=True)
            + f'<td class="text-end">{percent(u["three_meetings_rate"])}</td>'
            + _rate_cell(u, "satisfaction_rate")
            + _count_cell(u, "unsatisfied", "link-danger", zero_plain=True)
            + _count_cell(u, "a")
            + _count_cell(u, "b")
            + _count_cell(u, "c")
            + _count_cell(u, "rehandled", zero_plain=True)
            + "</tr>"
        )
    return mark_safe("".join(rows))  # noqa: S308  (names escaped, the rest numbers)


def _charts(d: Dashboard) -> dict[str, Any]:
    months = [f"{m.month}月" for m in d.months]
    rates = sorted(d.units, key=lambda u: (u["reply_rate"] is None, u["reply_rate"] or 0))
    return {
        "trend_chart": line_chart(
            months,
            [
                ("交办（主办）", "#0b5cad", [m.assigned for m in d.months]),
                ("办复", "#2e8b57", [m.replied for m in d.months]),
            ],
        ),
        "class_chart": pie_chart(
            [(f"{c}类", colour, d.totals[c.lower()]) for c, colour in CLASS_COLOURS if d.totals[c.lower()]]
        ),  # fmt: skip
        "key_chart": pie_chart([(label, STATUS_COLOURS[s], n) for s, label, n in d.key_progress if n]),
        "rate_chart": stacked_bar(
            [u["name"] for u in rates],
            [("办复率（%）", "#0b5cad", [round((u["reply_rate"] or 0) * 100, 1) for u in rates])],
            stack=False,
        ),
        "rate_height": chart_height(len(rates), 22),
    }


def _body(jurisdiction_ids: list[int], department_ids: list[int] | None, raw_year: str, today: date) -> SafeString:
    years = assignment_years(jurisdiction_ids)
    year = int(raw_year) if raw_year and int(raw_year) in years else (today.year if today.year in years or not years
                                                                      else years[0])  # fmt: skip
    d = dashboard(jurisdiction_ids, year=year, today=today, department_ids=department_ids)
    base = reverse("assignments")  # once: a province has hundreds of units, nine links each
    units = [
        {
            **u,
            "unmet": u["assigned"] - u["met"],
            "unsatisfied": u["feedbacks"] - u["satisfied"],
            "links": {m: drill(year, m, u["department_id"], base=base) for m in UNIT_LINKS},
            "below": {k: u[k] is not None and u[k] < t for k, t in TARGETS.items()},
        }
        for u in d.units
    ]
    context = {
        "d": d,
        "year": year,
        "years": years,
        "units": units,
        "links": {m: drill(year, m) for m in ("assigned", "replied", "overdue", "unmet", "unsatisfied")},
        "unsatisfied": d.totals["feedbacks"] - d.totals["satisfied"],
        "key_total": sum(n for _, _, n in d.key_progress),
        "leader_view": department_ids is not None,
        "unit_rows": unit_rows(units, with_jurisdiction=bool(d.jurisdictions)),
        **_charts(d),
    }
    return mark_safe(render_to_string("web/dashboard_body.html", context))  # noqa: S308  (a rendered template)


@login_required
def dashboard_page(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    require_role(user, Role.OFFICE_STAFF, Role.CPPCC_STAFF, Role.GOV_LEADER)
    jurisdiction_ids, department_ids = _scope(user)
    today = timezone.localdate()
    raw = request.GET.get("year", "")
    raw = raw if raw.isdigit() and len(raw) <= 4 else ""
    # The same for everyone with the same scope: kept until the next change (reports/remembered.py)
    scope = (tuple(jurisdiction_ids), None if department_ids is None else tuple(department_ids), raw)
    body = remembered("dashboard", scope, today, lambda: _body(jurisdiction_ids, department_ids, raw, today))
    return render(request, "web/dashboard.html", {"body": body})
