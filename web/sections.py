"""Lists declared once, and the filters and columns several lists share.

A ``Section`` is a to-do list of a workbench: the workbench shows its first rows in a card
(``web/_section_card.html``), its own page the whole list with filters, sorting, paging and CSV export
(``web/section_list.html``). ``list_page`` serves any list that way, Section or not.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from django.db.models import Exists, Max, OuterRef, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from handling.models import Assignment
from organisation.models import Department, User
from proposals.models import Proposal, Session
from search.query import filter_proposals

from .labels import LIGHT_LABELS, days_left, light
from .lists import Column, Filter, ListResult, export, export_format, run_list

PREVIEW_ROWS = 8  # rows of each list on a workbench; the rest on the list's own page


@dataclass(frozen=True)
class Section:
    slug: str
    title: str
    queryset: Callable[[User], QuerySet[Any]]
    filters: Callable[[User, QuerySet[Any]], list[Filter]]
    columns: list[Column]
    default_sort: str
    rows_template: str  # draws the <tr>s of `rows`
    empty: str
    assignment_of: Callable[[Any], Assignment | None] = lambda o: None  # for days left and the light
    action_column: bool = False  # a last column with a button (not exported)
    anchor: str = ""  # the form to jump to on the linked page
    dialog: str = ""  # a template drawn once below the whole list (the dialog its buttons open)
    options: Mapping[str, Any] = field(default_factory=dict)  # read by its templates only


def decorate(section: Section, objects: list[Any]) -> list[dict[str, Any]]:
    rows = []
    for o in objects:
        a = section.assignment_of(o)
        due = a.watch_on if a is not None else None
        rows.append({"o": o, "a": a, "days_left": days_left(due), "light": light(due)})
    return rows


def preview(section: Section, user: User, page: str) -> dict[str, Any]:
    """The first rows of a list for a workbench card, in the list's default order; ``page`` names the URL
    of the lists' own pages (``office-section``)."""
    qs = section.queryset(user).order_by(*_ordering(section.default_sort))
    return {
        "section": section,
        "rows": decorate(section, list(qs[:PREVIEW_ROWS])),
        "total": qs.count(),
        "columns": [{"label": c.label} for c in section.columns],
        "url": reverse(page, kwargs={"slug": section.slug}),
    }


def _ordering(sort: str) -> tuple[str, ...]:
    if not sort:
        return ("pk",)
    return (sort, "-pk" if sort.startswith("-") else "pk")  # "latest first" holds for equal timestamps too


def list_page(
    request: HttpRequest,
    qs: QuerySet[Any],
    filters: list[Filter],
    columns: list[Column],
    default_sort: str,
    *,
    csv_name: str,
    template: str,
    context: Callable[[ListResult], dict[str, Any]] = lambda result: {},
) -> HttpResponse | StreamingHttpResponse:
    """A list as the query string asks: its export (``?export=csv`` or ``?export=xlsx``, both named
    ``csv_name``), or its page with ``result``."""
    result = run_list(request, qs, filters, columns, default_sort)
    if fmt := export_format(request):
        return export(fmt, result.extra["sorted_qs"], columns, csv_name)
    return render(request, template, {"result": result, **context(result)})


def section_page(
    request: HttpRequest, sections: Mapping[str, Section], slug: str, user: User, back: tuple[str, str]
) -> HttpResponse | StreamingHttpResponse:
    """The whole list of one of ``sections``; ``back`` is the (url, label) of its workbench."""
    if slug not in sections:
        raise Http404("没有这个列表。")
    section = sections[slug]
    base = section.queryset(user)
    return list_page(
        request,
        base,
        section.filters(user, base),
        section.columns,
        section.default_sort,
        csv_name=section.title,
        template="web/section_list.html",
        context=lambda result: {
            "section": section,
            "rows": decorate(section, result.rows),
            "columns": result.columns,
            "back_url": back[0],
            "back_label": back[1],
            "here": request.get_full_path(),
        },
    )


def stat(label: str, value: int, unit: str, href: str, *, alert: bool = False) -> dict[str, Any]:
    """One number of a workbench's summary row (``web/_summary.html``); ``alert`` shows a non-zero value in red."""
    return {"label": label, "value": value, "unit": unit, "href": href, "alert": alert and value > 0}


# ---------------------------------------------------------------------------------------------------------------
# Filters; ``prefix`` / ``field`` lead from the listed rows to the proposal or the unit ("assignment__proposal__").


def search_proposal(prefix: str = "") -> Filter:
    def apply(qs: QuerySet[Any], v: str) -> QuerySet[Any]:
        return filter_proposals(qs, v, prefix=prefix)  # full text (search.query), or the number

    return Filter("q", "案由、正文或提案号", apply, kind="text")


def department_filter(base: QuerySet[Any], field: str, label: str = "承办单位") -> Filter:
    departments = Department.objects.filter(pk__in=base.values(field)).order_by("code", "pk")
    return Filter(
        "department",
        label,
        lambda qs, v: qs.filter(**{field: int(v)}),
        tuple((str(d.pk), d.name) for d in departments),
    )


def year_filter(base: QuerySet[Any]) -> Filter:
    """The years the rows have (a ``year`` field), latest first."""
    # the sessions' years (a small table), each probed in the rows' (year, …) indexes: not a scan of the scope
    in_scope = base.filter(year=OuterRef("year")).order_by()
    years = Session.objects.order_by("-year").values_list("year", flat=True).distinct().filter(Exists(in_scope))
    return Filter("year", "年度", lambda qs, v: qs.filter(year=int(v)), tuple((str(y), f"{y}年") for y in years))


def session_filter(base: QuerySet[Proposal]) -> Filter:
    # one EXISTS probe per session (proposal_session_idx), not a walk over every in-scope proposal
    in_scope = base.filter(session_id=OuterRef("pk")).order_by()
    sessions = Session.objects.filter(Exists(in_scope)).order_by("-year", "pk")
    return Filter(
        "session", "届次", lambda qs, v: qs.filter(session_id=int(v)), tuple((str(s.pk), s.name) for s in sessions)
    )


KEY_FILTER = Filter("key", "重点提案", lambda qs, v: qs.filter(is_key=v == "1"), (("1", "重点提案"), ("0", "非重点")))


# ---------------------------------------------------------------------------------------------------------------
# Columns; ``via`` leads from the listed rows to the proposal or the unit ("assignment__proposal").


_OF_PROPOSALS = {
    c.label: c
    for c in (
        Column("提案号", lambda p: p.number, "number"),
        Column("案由", lambda p: p.title, "title"),
        Column("提案人", lambda p: "、".join(x.name for x in p.proposers.all())),
        Column("届次", lambda p: p.session.name),
        Column("类别", lambda p: p.category, "category"),
        Column("状态", lambda p: p.get_status_display(), "status"),
        Column("登记时间", lambda p: timezone.localtime(p.created_at).date(), "created_at"),
    )
}


def proposal_columns(*labels: str) -> list[Column]:
    """Columns of a list of proposals, by label: the same cell and sort in every list that has them."""
    return [_OF_PROPOSALS[label] for label in labels]


def proposal_head(via: str = "proposal") -> list[Column]:
    """提案号 (sortable) and 案由 of the proposal each row is about."""
    get = attrgetter(via.replace("__", "."))
    return [Column("提案号", lambda r: get(r).number, f"{via}__number"), Column("案由", lambda r: get(r).title)]


def unit_column(label: str = "承办单位", via: str = "department") -> Column:
    get = attrgetter(via.replace("__", "."))
    return Column(label, lambda r: get(r).name, f"{via}__name")


def flags(p: Proposal) -> str:
    return "、".join(label for on, label in ((p.is_key, "重点提案"), (p.is_suggestion, "建议案")) if on)


LIGHT_COLUMN = Column("督办灯", lambda a: LIGHT_LABELS.get(light(a.watch_on) or "", ""))  # of an assignment


# ---------------------------------------------------------------------------------------------------------------
# Lists both the office and a government leader have.


def reply_section(
    slug: str,
    title: str,
    assignments: Callable[[User], QuerySet[Assignment]],
    state: str,
    filters: Callable[[User, QuerySet[Any]], list[Filter]],
    empty: str,
    anchor: str,
) -> Section:
    """Signed replies waiting in ``state`` for a review or an approval made on the assignment's page."""

    def queryset(user: User) -> QuerySet[Assignment]:
        return (
            assignments(user)
            .filter(state=state)
            .select_related("proposal", "department")
            .annotate(signed_on=Max("replies__signed_on"))
        )

    columns = [
        *proposal_head(),
        Column("标记", lambda a: flags(a.proposal)),
        unit_column(),
        Column("签发日期", lambda a: a.signed_on, "signed_on"),
        Column("办复期限", lambda a: a.due_on, "due_on"),
        LIGHT_COLUMN,
    ]
    return Section(
        slug,
        title,
        queryset,
        filters,
        columns,
        "signed_on",
        "web/_rows_replies.html",
        empty,
        assignment_of=lambda a: a,
        anchor=anchor,
    )


def instruction_section(
    title: str,
    queryset: Callable[[User], QuerySet[Any]],
    filters: Callable[[User, QuerySet[Any]], list[Filter]],
    empty: str,
    *,
    show_leader: bool,
) -> Section:
    """Leaders' instructions (领导批示), latest first; ``show_leader`` names who gave each."""
    given_at = Column("批示时间", lambda i: timezone.localtime(i.created_at).strftime("%Y-%m-%d %H:%M"), "created_at")
    leader = [Column("领导", lambda i: i.leader.display_name)] if show_leader else []
    columns = [given_at, *leader, *proposal_head(), Column("批示内容", lambda i: i.text)]
    return Section(
        "instructions",
        title,
        queryset,
        filters,
        columns,
        "-created_at",
        "web/_rows_instructions.html",
        empty,
        options={"show_leader": show_leader},
    )
