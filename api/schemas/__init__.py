"""What the OpenAPI document says each operation answers: the error body, pages, and the sets of statuses.

Views return ``HttpResponse`` (``api.http.json_response``), so ninja never validates these models: they
are the contract only, and ``tests/test_openapi_contract.py`` checks with schemathesis that the answers
really match them. Each app keeps its response models in its own ``schemas.py`` beside its serializers.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, create_model


class Out(BaseModel):
    """A response body: fields the serializer adds later are allowed (api.md: "add freely")."""

    model_config = ConfigDict(extra="allow")


class ErrorDetail(BaseModel):
    code: str = Field(description="错误代码：invalid、unauthenticated、forbidden、not_found、conflict 等，或规则代码")
    message: str = Field(description="中文说明")
    details: dict[str, Any] = Field(description="补充信息，例如出错的字段")


class ErrorOut(BaseModel):
    """Every error of the API: ``{"error": {"code", "message", "details"}}``."""

    model_config = ConfigDict(extra="forbid")
    error: ErrorDetail


class PageOut(Out):
    total: int = Field(description="条数；超过 10000 条时只数到 10000（见 total_exact）")
    page: int
    page_size: int
    # extensions of api.md's page (issue 9): a bounded count, and keyset paging on newest-first lists
    total_exact: bool = Field(True, description="false：total 为计数上限 10000，实际条数更多")
    next_after: int | None = Field(
        None, description="按 id 倒序的列表：本页最后一条的 id，作下一页的 ?after=；已是最后一页时为 null"
    )


def page_of(item: type[BaseModel], name: str) -> type[PageOut]:
    """A list page ``{items, total, page, page_size}`` of ``item`` (a named class, so the document has no
    generic names such as ``Page[X]`` that some tools refuse)."""
    return create_model(name, __base__=PageOut, items=(list[item], ...))  # type: ignore[valid-type]


# Statuses, by what an operation does (api.md "Errors" and "Order of checks"):
# 400 bad query/path/body (also an id or number beyond 64 bits); 401 no or bad token; 403 role or unit,
# and for every signed-in call an account that must first change its password or enrol a second factor,
# or a session request without CSRF; 404 unknown or not visible; 409 wrong state or concurrent change;
# 413 a body over 5 MiB; 422 a rule (also a reused Idempotency-Key); 429 too many failed sign-ins.
SIGNED_IN = (400, 401, 403)
WITH_BODY = (400, 413)
ON_OBJECT = (404,)
STATEFUL = (409, 422)


def responses(ok: int, model: type[BaseModel] | None, *errors: tuple[int, ...]) -> dict[int, Any]:
    """``response=`` for a ninja decorator: the success model and ``ErrorOut`` for each error status."""
    result: dict[int, Any] = {ok: model}
    for status in sorted({s for group in errors for s in group}):
        result[status] = ErrorOut
    return result


RETRY_AFTER = {
    "responses": {
        429: {  # an int, as ninja keys its responses: a string would make a second "429" key
            "description": "登录失败次数过多，暂时锁定",
            "headers": {
                "Retry-After": {
                    "description": "多少秒后可以再试",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 0},
                }
            },
        }
    }
}


def _iso_date_only(value: Any) -> Any:
    # pydantic reads "0" or "1700000000" as a Unix time; a query's date must be written YYYY-MM-DD.
    if isinstance(value, str) and not ISO_DATE.fullmatch(value):
        raise ValueError("日期格式应为 YYYY-MM-DD")
    return value


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
IsoDate = Annotated[date, BeforeValidator(_iso_date_only)]
"""A date query parameter (``since: IsoDate | None = None``): only ``YYYY-MM-DD``, as documented."""
