"""The public portal (公开答复): published reply letters, readable without signing in.

Published means: delivered to the proposer, marked public, on a public proposal, and the latest
delivered version of its assignment's reply (an older, superseded letter is never shown). The same
rule as the API's ``GET /public/replies``. Never shows contact details of proposers or handlers: the
letter is shown as ``handling.disclosure.public_text`` publishes it, on the page and in the export.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import path

from handling.disclosure import public_text
from handling.models import Reply
from handling.queries import published_replies
from handling.states import TRANSITIONS
from lib.errors import NotFound
from organisation.models import Department
from proposals.models import Session
from search.query import filter_public_replies

from ..lists import Column, Filter, export, export_format, run_list


def _search(qs: QuerySet[Reply], q: str) -> QuerySet[Reply]:
    # the index holds only the published text, so a search never confirms a detail the letter hides
    return filter_public_replies(qs, q)


def _filters(base: QuerySet[Reply]) -> list[Filter]:
    # the sessions' years (a small table), each probed in reply_published_year_idx: not a scan of the replies
    published = Reply.objects.filter(published_year=OuterRef("year"), published_on__isnull=False)
    years = Session.objects.order_by("-year").values_list("year", flat=True).distinct().filter(Exists(published))
    # replies are drafted on the assignments the transition table's draft_reply applies to (the lead's):
    # probed per unit from those in assignment_dept_role_state_idx, not through its co-handling first
    lead = base.filter(assignment__role__in=TRANSITIONS["draft_reply"].applies_to)
    departments = Department.objects.filter(pk__in=lead.values("assignment__department_id")).order_by("code", "pk")
    return [
        Filter("q", "案由或答复内容", _search, kind="text"),
        Filter(
            "year",
            "年度",
            lambda qs, v: qs.filter(published_year=int(v)),
            tuple((str(y), f"{y}年") for y in years),
        ),
        Filter(
            "department",
            "承办单位",
            lambda qs, v: qs.filter(assignment__department_id=int(v)),
            tuple((str(d.pk), d.name) for d in departments),
        ),
    ]


COLUMNS = [
    Column("提案号", lambda r: r.assignment.proposal.number, "assignment__proposal__number"),
    Column("案由", lambda r: r.assignment.proposal.title, "assignment__proposal__title"),
    Column("届次", lambda r: r.assignment.proposal.session.name, shown=False),  # the page: within the number
    Column("承办单位", lambda r: r.assignment.department.name, "assignment__department__name"),
    Column("办理结果", lambda r: f"{r.result_class}类", "result_class"),
    Column("签发日期", lambda r: r.signed_on, "signed_on"),
]
# The export carries the letter itself too; the page shows it on the letter's own page.
EXPORT_COLUMNS = [*COLUMNS, Column("答复内容", lambda r: public_text(r.text))]


def replies(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    base = published_replies()
    qs = base.select_related("assignment__proposal__session", "assignment__department")
    result = run_list(request, qs, _filters(base), COLUMNS, "-signed_on")
    if fmt := export_format(request):
        return export(fmt, result.extra["sorted_qs"], EXPORT_COLUMNS, "公开答复")
    return render(request, "web/public/list.html", {"result": result})


def reply(request: HttpRequest, reply_id: int) -> HttpResponse:
    r = (
        published_replies()
        .select_related("assignment__proposal__session", "assignment__department")
        .filter(pk=reply_id)
        .first()
    )
    if r is None:
        raise NotFound("答复不存在或未公开。")  # the error page, as for any object one may not see
    p = r.assignment.proposal
    others = (
        published_replies()
        .filter(assignment__proposal=p)
        .exclude(pk=r.pk)
        .select_related("assignment__department")
        .order_by("assignment__role", "assignment_id")
    )
    context = {
        "r": r,
        "text": public_text(r.text),  # as published: no contact details (handling.disclosure)
        "p": p,
        "proposers": [x.name for x in p.proposers.order_by("position")],
        "others": list(others),
    }
    return render(request, "web/public/reply.html", context)


urlpatterns = [
    path("", replies, name="public"),
    path("<int:reply_id>/", reply, name="public-reply"),
]
