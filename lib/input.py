"""Validated input shared by every channel: strict request schemas and the Chinese message of each
validation error (the API's 400 and the pages' field errors say the same thing).

A message says what the field accepts, from the error's own limits (pydantic's ``ctx``): "最多 500 字",
"应为以下之一：A、B、C", "不能小于 1949"; a choice left empty (a page posts "" for an unchosen select)
reads "请选择答复方式" when the caller knows the field's label.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pydantic
from pydantic_core import ErrorDetails

from lib.errors import InvalidInput


class StrictSchema(pydantic.BaseModel):
    """A request body: unknown fields are refused, so a misspelt field is a 400, not silently ignored."""

    model_config = pydantic.ConfigDict(extra="forbid")


FIELD_MESSAGES = {
    "missing": "此项为必填项",
    "string_too_long": "内容过长",
    "string_too_short": "内容不能为空",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "date_type": "日期格式应为 YYYY-MM-DD",
    "enum": "取值不在允许范围内",
    "literal_error": "取值不在允许范围内",
    "list_type": "应为列表",
    "string_type": "应为文本",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "extra_forbidden": "不认识的字段",
    "greater_than": "数值过小",
    "greater_than_equal": "数值过小",
    "less_than": "数值过大",
    "less_than_equal": "数值过大",
    "too_short": "至少需要一项",
    "too_long": "项数过多",
}
"""The message of each error type when its limits are unknown (no ``ctx``)."""


def _choices(ctx: Mapping[str, Any]) -> str:
    """pydantic's "'A', 'B' or 'C'" as 「A、B、C」."""
    return "、".join(re.findall(r"'([^']*)'", str(ctx.get("expected", ""))))


def _with_limit(ctx: Mapping[str, Any], key: str, text: Callable[[Any], str]) -> str | None:
    return text(ctx[key]) if key in ctx else None


_FROM_CTX: dict[str, Callable[[Mapping[str, Any]], str | None]] = {
    "string_too_long": lambda c: _with_limit(c, "max_length", lambda n: f"最多 {n} 字"),
    "string_too_short": lambda c: _with_limit(c, "min_length", lambda n: "内容不能为空" if n == 1 else f"至少 {n} 字"),
    "too_long": lambda c: _with_limit(c, "max_length", lambda n: f"最多 {n} 项"),
    "too_short": lambda c: _with_limit(c, "min_length", lambda n: "至少需要一项" if n == 1 else f"至少需要 {n} 项"),
    "greater_than": lambda c: _with_limit(c, "gt", lambda n: f"应大于 {n}"),
    "greater_than_equal": lambda c: _with_limit(c, "ge", lambda n: f"不能小于 {n}"),
    "less_than": lambda c: _with_limit(c, "lt", lambda n: f"应小于 {n}"),
    "less_than_equal": lambda c: _with_limit(c, "le", lambda n: f"不能大于 {n}"),
    "literal_error": lambda c: f"应为以下之一：{_choices(c)}" if _choices(c) else None,
    "enum": lambda c: f"应为以下之一：{_choices(c)}" if _choices(c) else None,
}
CHOICE_ERRORS = ("literal_error", "enum")


def field_message(err: ErrorDetails, label: str = "") -> str:
    """The Chinese message of one validation error; ``label`` is the field's name as the page shows it."""
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind in CHOICE_ERRORS and err.get("input") in ("", None):
        return f"请选择{label}" if label else f"请选择，{_FROM_CTX[kind](ctx) or FIELD_MESSAGES[kind]}"
    specific = _FROM_CTX[kind](ctx) if kind in _FROM_CTX else None
    return specific or FIELD_MESSAGES.get(kind, "格式不正确")


def validation_error(exc: pydantic.ValidationError) -> InvalidInput:
    fields = {}
    for err in exc.errors():
        name = ".".join(str(p) for p in err["loc"]) or "body"
        fields[name] = field_message(err)
    summary = "；".join(f"{k}：{v}" for k, v in fields.items())
    return InvalidInput(f"请求内容不正确：{summary}", details={"fields": fields})


def choice_error(field: str, allowed: Sequence[str]) -> InvalidInput:
    """A query or form value outside its choices: the 400 names the field and what it accepts."""
    accepts = f"应为以下之一：{'、'.join(allowed)}"
    return InvalidInput(f"{field} {accepts}。", details={"fields": {field: accepts}})
