"""Documents from the records (答复函, 提案承办单, 会办意见, 征询意见表) as Word and PDF, and the office's zip of
every signed letter of a session or a unit (打包下载).

Each is found like the assignment it belongs to (``handling.access``: 404 for "not yours"); a member gets
only what ``handling.disclosure`` lets a proposer read (the delivered letter, the feedback form).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header
from ninja import Router

from api.schemas import ON_OBJECT, SIGNED_IN, responses
from documents import records
from documents.bundle import zip_stream
from documents.docx import DOCX_TYPE, render_docx
from documents.pdf import PDF_TYPE, render_pdf
from organisation.models import User

router = Router(tags=["公文"])

ZIP_TYPE = "application/zip"


def _binary(content_type: str, what: str) -> dict[str, Any]:
    return {
        "responses": {
            200: {"description": what, "content": {content_type: {"schema": {"type": "string", "format": "binary"}}}}
        }
    }


def _file(data: bytes, content_type: str, name: str, *, inline: bool = False) -> HttpResponse:
    resp = HttpResponse(data, content_type=content_type)
    resp["Content-Disposition"] = content_disposition_header(not inline, name) or "attachment"
    resp["Cache-Control"] = "private, no-cache"
    return resp


FORMATS: dict[str, tuple[Callable[[Any], bytes], str]] = {
    "docx": (render_docx, DOCX_TYPE),
    "pdf": (render_pdf, PDF_TYPE),
}


def _document(path: str, fmt: str, find: Callable[[User, int], records.Named], summary: str, operation_id: str) -> None:
    render, content_type = FORMATS[fmt]

    def view(request: HttpRequest, assignment_id: int) -> HttpResponse:
        named = find(request.auth, assignment_id)  # type: ignore[attr-defined]
        return _file(render(named.doc), content_type, f"{named.name}.{fmt}", inline=fmt == "pdf")

    view.__name__ = operation_id
    router.get(
        f"/assignments/{{assignment_id}}/{path}.{fmt}",
        response=responses(200, None, SIGNED_IN, ON_OBJECT),
        openapi_extra=_binary(content_type, summary),
        summary=summary,
        operation_id=operation_id,
        url_name=operation_id,
    )(view)


for _fmt in ("docx", "pdf"):
    _document("handling-form", _fmt, records.handling_form, f"提案承办单（{_fmt}）", f"handling_form_{_fmt}")
    _document("co-opinion", _fmt, records.co_opinion, f"会办意见（{_fmt}，协办单位致主办单位）", f"co_opinion_{_fmt}")
    _document("feedback-form", _fmt, records.feedback_form, f"提案办理征询意见表（{_fmt}）", f"feedback_form_{_fmt}")


def _letter(fmt: str) -> None:
    render, content_type = FORMATS[fmt]
    summary = f"答复函（{fmt}）：签发后为正式文件；未签发的稿件为带“草稿”水印的预览"

    def view(request: HttpRequest, assignment_id: int, version: int | None = None) -> HttpResponse:
        named = records.reply_letter(request.auth, assignment_id, version)  # type: ignore[attr-defined]
        return _file(render(named.doc), content_type, f"{named.name}.{fmt}", inline=fmt == "pdf")

    view.__name__ = f"reply_letter_{fmt}"
    router.get(
        f"/assignments/{{assignment_id}}/reply-letter.{fmt}",
        response=responses(200, None, SIGNED_IN, ON_OBJECT),
        openapi_extra=_binary(content_type, summary),
        summary=summary,
        description="`version`：第几稿（工作人员可取任一稿；提案人只能取已送达的答复）。不指定时为最新一稿。",
        operation_id=f"reply_letter_{fmt}",
        url_name=f"reply_letter_{fmt}",
    )(view)


_letter("docx")
_letter("pdf")


@router.get(
    "/exports/reply-letters.zip",
    response=responses(200, None, SIGNED_IN),
    openapi_extra=_binary(ZIP_TYPE, "答复函打包下载（每件已签发答复函一个 .docx）"),
    summary="打包下载答复函：某届次或某承办单位的全部已签发答复函（.docx），边生成边传送",
    operation_id="reply_letters_zip",
    url_name="reply_letters_zip",
)
def reply_letters_zip(
    request: HttpRequest, session_id: int | None = None, department_id: int | None = None
) -> StreamingHttpResponse:
    actor: User = request.auth  # type: ignore[attr-defined]
    ids = records.signed_letters(actor, session_id=session_id, department_id=department_id)
    parts = [f"届次{session_id}" if session_id else "", f"单位{department_id}" if department_id else ""]
    name = "答复函-" + "-".join(p for p in parts if p) + ".zip"
    resp = StreamingHttpResponse(zip_stream(records.letters_of(ids)), content_type=ZIP_TYPE)
    resp["Content-Disposition"] = content_disposition_header(True, name) or "attachment"
    resp["Cache-Control"] = "private, no-cache"
    return resp
