"""Validated input shared by every channel: strict request schemas and the Chinese message of each
validation error (the API's 400 and the pages' field errors say the same thing)."""

from __future__ import annotations

import pydantic

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
    "less_than_equal": "数值过大",
    "too_short": "至少需要一项",
    "too_long": "项数过多",
}


def validation_error(exc: pydantic.ValidationError) -> InvalidInput:
    fields = {}
    for err in exc.errors():
        name = ".".join(str(p) for p in err["loc"]) or "body"
        fields[name] = FIELD_MESSAGES.get(err["type"], "格式不正确")
    summary = "；".join(f"{k}：{v}" for k, v in fields.items())
    return InvalidInput(f"请求内容不正确：{summary}", details={"fields": fields})
