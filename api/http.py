"""Small helpers every API module uses: JSON responses, body parsing, paging, idempotency."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

import pydantic
from django.core.exceptions import RequestDataTooBig
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from lib.errors import DomainError, InvalidInput, RuleViolation
from lib.input import validation_error
from lib.paging import bounded_count, fetch_in_order, page_ids
from lib.text import CONTROL_CHARACTER_MESSAGE, has_control_characters

from .models import IdempotencyRecord

MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 20


def json_response(data: Any, status: int = 200) -> HttpResponse:
    """Return JSON with Chinese text as is (not escaped to \\uXXXX)."""
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    return HttpResponse(body, status=status, content_type="application/json; charset=utf-8")


def error_response(error: DomainError) -> HttpResponse:
    return json_response(
        {"error": {"code": error.code, "message": error.message, "details": error.details}}, status=error.status
    )


BIGINT_MAX = 2**63 - 1


class TooLarge(DomainError):
    status = 413
    code = "too_large"


def _check_values(node: Any) -> None:
    """Refuse what no database column can hold: NUL and other control characters (lib/text.py; the pages
    use the same test) and integers beyond 64 bits."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if has_control_characters(item):
                raise InvalidInput(CONTROL_CHARACTER_MESSAGE)
        elif isinstance(item, bool):
            continue
        elif isinstance(item, int):
            if not -BIGINT_MAX <= item <= BIGINT_MAX:
                raise InvalidInput("请求中的整数超出范围。")
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def parse_body[T: pydantic.BaseModel](request: HttpRequest, schema: type[T]) -> T:
    """Parse and validate the JSON body; anything malformed is a 400 with a Chinese message."""
    try:
        raw = request.body or b"{}"
    except RequestDataTooBig as exc:
        raise TooLarge("请求内容过大（最多 5 MiB）。") from exc
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise InvalidInput("请求内容不是合法的 JSON。") from exc
    if not isinstance(data, dict):
        raise InvalidInput("请求内容应为 JSON 对象。")
    _check_values(data)
    try:
        return schema.model_validate(data)
    except pydantic.ValidationError as exc:
        raise validation_error(exc) from exc


def page_params(page: int | None, page_size: int | None) -> tuple[int, int]:
    page = 1 if page is None else page
    page_size = DEFAULT_PAGE_SIZE if page_size is None else page_size
    if page < 1:
        raise InvalidInput("page 应为从 1 开始的页码。", details={"fields": {"page": "数值过小"}})
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InvalidInput(f"page_size 应在 1 到 {MAX_PAGE_SIZE} 之间。", details={"fields": {"page_size": "超出范围"}})
    return page, page_size


def newest_first(qs: QuerySet[Any]) -> bool:
    """Whether the list is ordered by ``-id`` alone, the order keyset paging (``after``) follows."""
    return list(qs.query.order_by) in (["-pk"], ["-id"])


def paginate(
    qs: QuerySet[Any],
    page: int | None,
    page_size: int | None,
    shape: Callable[[list[Any]], list[dict[str, Any]]],
    after: int | None = None,
) -> dict[str, Any]:
    """Return one page as ``{items, total, page, page_size}`` (api.md), plus ``total_exact`` (false when
    ``total`` is the count's cap) and, on lists ordered newest first, ``next_after``: the last id of the page,
    for ``?after=`` (keyset paging, which never skips or repeats a row while rows are added).

    ``shape`` turns the rows into JSON. Three queries whatever the page: the bounded count, the page's ids,
    the page's rows."""
    page, page_size = page_params(page, page_size)
    keyset = newest_first(qs)
    if after is not None and not keyset:
        raise InvalidInput("该列表不支持 after 分页，请使用 page。", details={"fields": {"after": "不支持"}})
    if after is not None and after < 1:
        raise InvalidInput("after 应为上一页最后一条的 id。", details={"fields": {"after": "数值过小"}})
    total, exact = bounded_count(qs)
    start = (page - 1) * page_size
    wanted = after is not None or start < total or not exact
    ids = page_ids(qs, start, page_size + 1, after) if wanted else []  # one more: is there a next page?
    more, ids = len(ids) > page_size, ids[:page_size]
    rows = fetch_in_order(qs, ids)
    result: dict[str, Any] = {"items": shape(rows), "total": total, "page": page, "page_size": page_size}
    result["total_exact"] = exact
    if keyset:
        result["next_after"] = ids[-1] if more else None
    return result


def _fingerprint(request: HttpRequest) -> str:
    h = hashlib.sha256()
    h.update(request.method.encode() if request.method else b"")
    h.update(request.path.encode())
    h.update(request.body or b"")
    return h.hexdigest()


def _replay(record: IdempotencyRecord, fingerprint: str) -> HttpResponse:
    if record.fingerprint != fingerprint:
        return error_response(
            RuleViolation("idempotency_key_reused", "该 Idempotency-Key 已用于另一请求，请使用新的键。")
        )
    return json_response(record.body, status=record.status)


def idempotent(request: HttpRequest, run: Callable[[], HttpResponse]) -> HttpResponse:
    """Run a write once per ``Idempotency-Key``; a retry replays the first response.

    The record is inserted first, inside the same transaction as the write: a concurrent retry blocks on
    the unique key until the first commits, then replays it instead of acting twice.
    """
    key = request.headers.get("Idempotency-Key")
    user = request.auth  # type: ignore[attr-defined]
    if not key:
        return run()
    if len(key) > 200:
        return error_response(InvalidInput("Idempotency-Key 过长（最多 200 个字符）。"))
    fingerprint = _fingerprint(request)
    existing = IdempotencyRecord.objects.filter(user=user, key=key).first()
    if existing is not None:
        return _replay(existing, fingerprint)
    try:
        with transaction.atomic():
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(user=user, key=key, fingerprint=fingerprint)
            response = run()
            if response.status_code >= 400:
                # An error changes nothing; let the retry try again instead of replaying the error.
                transaction.set_rollback(True)
                return response
            record.status = response.status_code
            record.body = json.loads(response.content)
            record.save(update_fields=["status", "body"])
            return response
    except IntegrityError:
        return _replay(IdempotencyRecord.objects.get(user=user, key=key), fingerprint)


def idempotency_key(request: HttpRequest) -> str | None:
    """The request's ``Idempotency-Key``, for a write that records it itself (an upload: see ``replayed``)."""
    key = request.headers.get("Idempotency-Key")
    if key and len(key) > 200:
        raise InvalidInput("Idempotency-Key 过长（最多 200 个字符）。")
    return key or None


def replayed(request: HttpRequest, key: str, fingerprint: str) -> HttpResponse | None:
    """The first response to this key, or the refusal of a key reused for another request (None: new key).

    For writes that cannot run inside ``idempotent``'s transaction (a file is stored before the row), with a
    fingerprint of their own (a multipart body's boundary changes on every retry); they ``remember`` the
    response inside their own transaction."""
    existing = IdempotencyRecord.objects.filter(user=request.auth, key=key).first()  # type: ignore[attr-defined]
    return None if existing is None else _replay(existing, fingerprint)


def remember(request: HttpRequest, key: str, fingerprint: str, response: HttpResponse) -> None:
    """Record the response for ``key`` (an IntegrityError: a concurrent request with this key came first)."""
    user = request.auth  # type: ignore[attr-defined]
    IdempotencyRecord.objects.create(
        user=user, key=key, fingerprint=fingerprint, status=response.status_code, body=json.loads(response.content)
    )


def body_doc(schema: type[pydantic.BaseModel]) -> dict[str, Any]:
    """Describe a request body in the OpenAPI document (bodies are parsed in the view, after access checks)."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _inline_refs(schema.model_json_schema())}},
        }
    }


def _inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    defs = schema.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return walk(dict(defs[ref.removeprefix("#/$defs/")]))
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    result: dict[str, Any] = walk(schema)
    return result
