"""Spreadsheets in and out: the Excel exports (proposals with the list's filters, the statistics by unit)
and the import of a session's proposals from the CPPCC's Excel list.

An export is written row by row (lib/spreadsheet.py, openpyxl's write-only mode) into a temporary file and
streamed from there, so 100,000 rows take no more memory than 1,000. The proposals export has the import's
columns (提案号, 案由, 提案人, 联名人 …): a session exported imports back into another one as it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Prefetch
from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router
from pydantic import BaseModel, Field

from api.http import json_response
from api.schemas import ON_OBJECT, SIGNED_IN, WITH_BODY, Out, responses
from lib.errors import InvalidInput
from lib.spreadsheet import XLSX_CONTENT_TYPE, SheetColumn, attachment, xlsx_file
from organisation.models import Role, User
from organisation.roles import require_role
from proposals import importing
from proposals.actions import STAFF
from proposals.models import Proposal, Proposer, Session
from reports.queries import department_stats
from search import index as search_index

from .proposals import filtered_proposals
from .reports import scoped_jurisdiction_ids

router = Router(tags=["导入导出"])

EXPORT_LIMIT = 100_000

XLSX_DOC = {
    "responses": {
        200: {
            "description": "Excel 工作簿（.xlsx，Content-Disposition: attachment）",
            "content": {XLSX_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


def xlsx_response(columns: list[SheetColumn], rows: Iterator[list[Any]], name: str) -> FileResponse:
    response = FileResponse(xlsx_file(columns, rows, title=name), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = attachment(f"{name}-{timezone.localdate().isoformat()}.xlsx")
    return response


@router.get(
    "/exports/proposals.xlsx",
    response=responses(200, None, SIGNED_IN),
    openapi_extra=XLSX_DOC,
    summary="导出提案（Excel，筛选条件同提案列表）",
)
def export_proposals(
    request: HttpRequest,
    session: int | None = None,
    status: str | None = None,
    department: int | None = None,
    q: str | None = None,
    is_key: str | None = None,
    year: int | None = None,
    jurisdiction: int | None = None,
    category: str | None = None,
) -> FileResponse:
    actor: User = request.auth  # type: ignore[attr-defined]
    qs = filtered_proposals(actor, session, status, department, q, is_key, year, jurisdiction, category)
    qs = qs.select_related("session").prefetch_related(
        Prefetch("proposers", queryset=Proposer.objects.order_by("position"))
    )
    columns = [SheetColumn("届次"), *importing.sheet_columns(), SheetColumn("状态"), SheetColumn("登记时间")]

    def rows() -> Iterator[list[Any]]:
        p: Proposal
        for p in qs[:EXPORT_LIMIT].iterator(chunk_size=2000):
            yield [p.session.name, *importing.proposal_cells(p), p.get_status_display(), p.created_at]

    return xlsx_response(columns, rows(), "提案")


STATS_COLUMNS = [
    ("name", SheetColumn("承办单位")),
    ("assigned", SheetColumn("主办件数")),
    ("replied", SheetColumn("已答复")),
    ("reply_rate", SheetColumn("办复率", percent=True)),
    ("on_time_rate", SheetColumn("按时办复率", percent=True)),
    ("meeting_rate", SheetColumn("见面率", percent=True)),
    ("three_meetings_rate", SheetColumn("三见面率", percent=True)),
    ("satisfaction_rate", SheetColumn("满意率", percent=True)),
    ("a", SheetColumn("A类")),
    ("b", SheetColumn("B类")),
    ("c", SheetColumn("C类")),
    ("returns", SheetColumn("退回")),
    ("extensions", SheetColumn("延期")),
    ("overdue", SheetColumn("超期未答复")),
    ("rehandled", SheetColumn("再次办理")),
]


@router.get(
    "/exports/stats.xlsx",
    response=responses(200, None, SIGNED_IN, ON_OBJECT),
    openapi_extra=XLSX_DOC,
    summary="导出办理情况统计（Excel，按承办单位，比率为百分数）",
)
def export_stats(
    request: HttpRequest,
    jurisdiction: int | None = None,
    year: int | None = None,
    session: int | None = None,
    include_children: bool = False,
) -> FileResponse:
    actor: User = request.auth  # type: ignore[attr-defined]
    require_role(actor, Role.OFFICE_STAFF, Role.CPPCC_STAFF, Role.GOV_LEADER)
    ids = scoped_jurisdiction_ids(actor, jurisdiction, include_children)
    stats = department_stats(ids, today=timezone.localdate(), year=year, session_id=session)

    def rows() -> Iterator[list[Any]]:
        for d in stats["departments"]:
            yield [d[key] for key, _ in STATS_COLUMNS]
        yield ["合计", *(stats["totals"][key] for key, _ in STATS_COLUMNS[1:])]

    name = f"办理情况统计-{year}年" if year else "办理情况统计"
    return xlsx_response([c for _, c in STATS_COLUMNS], rows(), name)


class ImportErrorOut(BaseModel):
    row: int = Field(description="Excel 中的行号（表头为第 1 行）")
    message: str = Field(description="中文说明，含行号")


class ImportOut(Out):
    created: int = Field(description="登记的提案数（有任何一行出错时为 0：要么全部导入，要么都不导入）")
    errors: list[ImportErrorOut] = Field(description="每一行的问题；有问题时什么也不登记（200）")
    ids: list[int] | None = Field(None, description="登记的提案编号（201）")
    would_create: int | None = Field(None, description="dry_run：将登记的提案数")
    search_ready: bool | None = Field(
        None, description="true：已可全文检索；false：行数较多，由后台任务在数秒内建立检索索引（201）"
    )


IMPORT_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file", "session_id"],
                    "properties": {
                        "file": {"type": "string", "format": "binary", "description": "提案表（.xlsx），第一行为表头"},
                        "session_id": {"type": "integer"},
                        "dry_run": {"type": "boolean", "description": "true：只检查，不登记"},
                    },
                }
            }
        },
    },
}


@router.post(
    "/proposals/import",
    # 201: all registered; 200: checked only (dry_run), or rows refused and nothing registered (errors)
    response={**responses(201, ImportOut, SIGNED_IN, WITH_BODY), 200: ImportOut},
    openapi_extra=IMPORT_DOC,
    summary="从 Excel 导入一个届次的提案（全部导入或都不导入）",
)
def import_proposals(request: HttpRequest) -> HttpResponse:
    actor: User = request.auth  # type: ignore[attr-defined]
    require_role(actor, *STAFF)
    limit = importing.max_bytes()
    # refused before the body is read: a file far over the limit is not worth receiving
    if int(request.META.get("CONTENT_LENGTH") or 0) > limit + 1024 * 1024:
        raise importing.FileTooLarge(f"文件过大，最多 {limit / 1024 / 1024:g} MB。", details={"reason": "too_large"})
    raw_session = request.POST.get("session_id", "")
    if not raw_session.isdigit():
        raise InvalidInput("请指定届次（session_id）。", details={"fields": {"session_id": "必填，整数"}})
    session = Session.objects.select_related("jurisdiction").filter(pk=int(raw_session)).first()
    if session is None:
        raise InvalidInput("届次不存在。", details={"fields": {"session_id": "届次不存在"}})
    upload = request.FILES.get("file")
    if upload is None:
        raise InvalidInput("请上传提案表（multipart 字段 file）。", details={"fields": {"file": "必填"}})
    # A file refused as a whole is a 4xx (above and in plan_import); refused rows are the answer api.md
    # gives, {created: 0, errors: [{row, message}]}, with nothing registered. Not a 422: every error body
    # of the API is exactly ErrorOut ({error}, nothing else), which would lose the shape api.md binds.
    plan = importing.plan_import(session, upload, upload.size or 0, actor=actor)
    if plan.errors:
        return _refused(importing.RowsInvalid(plan.errors))
    if request.POST.get("dry_run", "").lower() in ("true", "1"):
        return json_response({"created": 0, "would_create": len(plan.rows), "errors": []}, status=200)
    try:
        created = importing.run_import(plan, actor=actor)
    except importing.RowsInvalid as exc:  # a number registered by someone else meanwhile
        return _refused(exc)
    return json_response(
        {"created": len(created), "ids": [p.pk for p in created], "errors": [],
         "search_ready": search_index.indexed_at_once(len(created))},
        status=201,
    )  # fmt: skip


def _refused(exc: importing.RowsInvalid) -> HttpResponse:
    errors = [e.as_json() for e in exc.errors]
    return json_response({"created": 0, "errors": errors, "message": exc.message}, status=200)
