"""The office's publications: the progress circular (通报, seed §五(一)) — a draft to look at, issuing it to
the units, the circulars issued — and the annual report to the CPPCC's standing committee (§五(三)), both as
Word documents in the layout of ``documents``. Checks in api.md's order: the jurisdiction (404), the role
(403), then the input (400)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pydantic
from django.db.models import Count, Sum
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from ninja import Router

from api.http import body_doc, idempotent, json_response, paginate, parse_body
from api.schemas import ON_OBJECT, SIGNED_IN, STATEFUL, WITH_BODY, responses
from api.schemas.publications import CircularOut, CircularPageOut
from documents.docx import DOCX_TYPE, render_docx
from lib.errors import InvalidInput
from organisation.models import User
from publications.access import access_circular, visible_circulars
from publications.actions import issue_circular
from publications.models import Circular, CircularRecipient
from publications.records import (
    CircularIn,
    annual_report,
    circular_draft,
    circular_file_name,
    jurisdiction_for,
    office_jurisdiction,
)

router = Router(tags=["通报与年度报告"])

DOCX_DOC = {
    "responses": {
        200: {"description": "Word 文档", "content": {DOCX_TYPE: {"schema": {"type": "string", "format": "binary"}}}}
    }
}


def _docx(data: bytes, name: str) -> HttpResponse:
    resp = HttpResponse(data, content_type=DOCX_TYPE)
    resp["Content-Disposition"] = content_disposition_header(True, name) or "attachment"
    resp["Cache-Control"] = "private, no-cache"
    return resp


def _day(raw: str | None, field: str) -> date:
    if not raw:
        raise InvalidInput("请指定日期（YYYY-MM-DD）。", details={"fields": {field: "必填"}})
    try:
        return pydantic.TypeAdapter(date).validate_python(raw)
    except pydantic.ValidationError:
        raise InvalidInput(
            "日期格式应为 YYYY-MM-DD。", details={"fields": {field: "日期格式应为 YYYY-MM-DD"}}
        ) from None


def circulars_json(rows: list[Circular]) -> list[dict[str, Any]]:
    sent: dict[int, dict[str, Any]] = {
        r["circular_id"]: dict(r)
        for r in CircularRecipient.objects.filter(circular__in=[c.pk for c in rows])
        .values("circular_id")
        .annotate(units=Count("pk"), notified=Sum("notified"))
    }
    return [
        {
            "id": c.pk,
            "jurisdiction_id": c.jurisdiction_id,
            "number": c.number,
            "title": c.title,
            "date_from": c.date_from,
            "date_to": c.date_to,
            "issued_on": c.issued_on,
            "issued_at": c.issued_at,
            "issued_by": c.issued_by.name or c.issued_by.username,
            "sha256": c.sha256,
            "units": sent.get(c.pk, {}).get("units", 0),
            "notified": sent.get(c.pk, {}).get("notified", 0) or 0,
        }
        for c in rows
    ]


@router.get(
    "/reports/circular.docx",
    response=responses(200, None, SIGNED_IN, ON_OBJECT, STATEFUL),
    openapi_extra=DOCX_DOC,
    summary="通报（草稿）：某段时间交办的提案的办理进展，表扬先进、点名后进（督查室）",
    description="`date_from`、`date_to`：所通报的交办日期范围（含），YYYY-MM-DD。数据统计到今天；"
    "印发（POST /reports/circulars）时编号并发送各承办单位。",
    operation_id="circular_docx",
    url_name="circular_docx",
)
def circular_docx(
    request: HttpRequest, jurisdiction: int | None = None, date_from: str | None = None, date_to: str | None = None
) -> HttpResponse:
    actor: User = request.auth  # type: ignore[attr-defined]
    target = office_jurisdiction(actor, jurisdiction)
    named = circular_draft(
        target, date_from=_day(date_from, "date_from"), date_to=_day(date_to, "date_to"), today=timezone.localdate()
    )
    return _docx(render_docx(named.doc), f"{named.name}.docx")


@router.post(
    "/reports/circulars",
    response=responses(201, CircularOut, SIGNED_IN, ON_OBJECT, WITH_BODY, STATEFUL),
    openapi_extra=body_doc(CircularIn),
    summary="印发通报：编号、存档，并通过站内消息（及邮件、短信）发送本辖区各承办单位（督查室）",
    operation_id="issue_circular",
)
def create_circular(request: HttpRequest) -> HttpResponse:
    actor: User = request.auth  # type: ignore[attr-defined]

    def act() -> HttpResponse:
        data = parse_body(request, CircularIn)
        target = office_jurisdiction(actor, data.jurisdiction_id)
        circular = issue_circular(
            target, actor=actor, date_from=data.date_from, date_to=data.date_to, today=timezone.localdate()
        )
        return json_response(circulars_json([circular])[0], status=201)

    return idempotent(request, act)


@router.get(
    "/reports/circulars",
    response=responses(200, CircularPageOut, SIGNED_IN, ON_OBJECT),
    summary="已印发的通报：督查室、提案委看本辖区及下级的，承办单位看发给本单位的",
    operation_id="list_circulars",
)
def list_circulars(
    request: HttpRequest, jurisdiction: int | None = None, page: int | None = None, page_size: int | None = None
) -> HttpResponse:
    actor: User = request.auth  # type: ignore[attr-defined]
    qs = visible_circulars(actor).defer("document", "figures").select_related("issued_by").order_by("-id")
    if jurisdiction is not None:
        qs = qs.filter(jurisdiction=jurisdiction_for(actor, jurisdiction))
    return json_response(paginate(qs, page, page_size, circulars_json))


@router.get(
    "/reports/circulars/{circular_id}",
    response=responses(200, CircularOut, SIGNED_IN, ON_OBJECT),
    summary="一份已印发的通报",
    operation_id="get_circular",
)
def get_circular(request: HttpRequest, circular_id: int) -> HttpResponse:
    circular = access_circular(request.auth, circular_id)  # type: ignore[attr-defined]
    return json_response(circulars_json([circular])[0])


@router.get(
    "/reports/circulars/{circular_id}/document.docx",
    response=responses(200, None, SIGNED_IN, ON_OBJECT),
    openapi_extra=DOCX_DOC,
    summary="下载已印发的通报（.docx，与印发时逐字节相同）",
    operation_id="circular_document_docx",
    url_name="circular_document_docx",
)
def circular_document(request: HttpRequest, circular_id: int) -> HttpResponse:
    circular = access_circular(request.auth, circular_id)  # type: ignore[attr-defined]
    return _docx(bytes(circular.document), circular_file_name(circular.number, circular.title))


@router.get(
    "/reports/annual",
    response=responses(200, None, SIGNED_IN, ON_OBJECT),
    openapi_extra=DOCX_DOC,
    summary="年度提案办理工作情况报告（.docx，向政协常委会报告；督查室）",
    description="总体情况、各承办单位办理情况表、A/B/C 类答复占比、重点提案和建议案、典型案例、"
    "存在的问题和下一步工作，附统计图。",
    operation_id="annual_report_docx",
    url_name="annual_report_docx",
)
def annual(request: HttpRequest, jurisdiction: int | None = None, year: int | None = None) -> HttpResponse:
    actor: User = request.auth  # type: ignore[attr-defined]
    target = office_jurisdiction(actor, jurisdiction)
    today = timezone.localdate()
    named = annual_report(target, year=year if year is not None else today.year, today=today)
    return _docx(render_docx(named.doc), f"{named.name}.docx")
