"""Turn an HTML form into a command's input, and errors into messages next to the fields.

The pages post plain HTML forms; the fields are named after the command schema's fields (the same schema
the API parses), so the web adds no second copy of any field or rule. Lists of objects are posted as
numbered rows (``items-0-text``, ``items-1-text``…); a row left wholly empty is skipped.
"""

from __future__ import annotations

import types
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Union, get_args, get_origin

import pydantic
from django.http import QueryDict

from lib.errors import DomainError
from lib.input import CHOICE_ERRORS, field_message

from .action_forms import Field

TRUE = ("on", "true", "1", "yes")


def _unwrap_optional(annotation: Any) -> tuple[Any, bool]:
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return annotation, False


def _scalar(annotation: Any, raw: str | None, optional: bool) -> Any:
    """Return the posted value for one field, or ``...`` when the field was not posted at all."""
    if annotation is bool:
        if raw is None:
            return None if optional else False  # an unticked checkbox posts nothing
        return raw.strip().lower() in TRUE
    if raw is None:
        return ...
    raw = raw.strip()
    if raw == "" and (optional or annotation in (int, date)):
        return None if optional else ...
    return raw


def form_to_data(schema: type[pydantic.BaseModel], post: QueryDict, prefix: str = "") -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, info in schema.model_fields.items():
        key = prefix + name
        annotation, optional = _unwrap_optional(info.annotation)
        if get_origin(annotation) is list:
            (item,) = get_args(annotation)
            if isinstance(item, type) and issubclass(item, pydantic.BaseModel):
                data[name] = _rows(item, post, key)
            else:
                data[name] = [v.strip() for v in post.getlist(key) if v.strip()]
            continue
        value = _scalar(annotation, post.get(key), optional)
        if value is not ...:
            data[name] = value
    return data


def row_indexes(post: Any, key: str) -> list[int]:
    """The row numbers posted for a list field: ``items-0-text``, ``items-3-text`` → [0, 3]."""
    numbers = set()
    for k in post or {}:
        head = k[len(key) + 1 :].split("-", 1)[0] if k.startswith(key + "-") else ""
        if head.isdigit():
            numbers.add(int(head))
    return sorted(numbers)


def _rows(item: type[pydantic.BaseModel], post: QueryDict, key: str) -> list[dict[str, Any]]:
    texts = [name for name, info in item.model_fields.items() if info.annotation is not bool]
    rows = []
    for n in row_indexes(post, key):
        prefix = f"{key}-{n}-"
        if any(post.get(prefix + name, "").strip() for name in texts):  # a wholly empty row is skipped
            rows.append(form_to_data(item, post, prefix))
    return rows


@dataclass
class FormErrors:
    """Errors to show: by field name (as posted), plus those that belong to the whole form."""

    fields: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.fields or self.general)


def _field_key(loc: tuple[Any, ...]) -> str:
    return "-".join(str(p) for p in loc)


def labels_of(fields: Iterable[Field]) -> dict[str, str]:
    """The label of each field of a form, keyed as ``errors_from_validation`` looks them up: a row field's
    columns without the row number (``assignments-role``)."""
    labels = {}
    for f in fields:
        labels[f.name] = f.label
        labels.update({f"{f.name}-{c.name}": c.label for c in f.columns})
    return labels


def errors_from_validation(exc: pydantic.ValidationError, labels: Mapping[str, str] | None = None) -> FormErrors:
    """The errors next to their fields; with ``labels`` an unchosen choice says what to choose ("请选择答复方式")."""
    errors = FormErrors()
    for err in exc.errors():
        key = _field_key(err["loc"])
        label = (labels or {}).get(_field_key(tuple(p for p in err["loc"] if not isinstance(p, int))), "")
        if err["type"] in CHOICE_ERRORS and err.get("input") in ("", None) and not label:
            message = "请选择"  # the label is beside the field; the codes the API would list mean nothing here
        else:
            message = field_message(err, label)
        if key:
            errors.fields.setdefault(key, message)
        else:
            errors.general.append(message)
    return errors


def errors_from_domain(exc: DomainError) -> FormErrors:
    """Put a domain error next to the field it names (``details.field`` / ``details.fields``), else on top."""
    errors = FormErrors()
    details = exc.details or {}
    if isinstance(details.get("fields"), dict):
        errors.fields.update({str(k).replace(".", "-"): str(v) for k, v in details["fields"].items()})
    if isinstance(details.get("field"), str):
        errors.fields[details["field"]] = exc.message
    if not errors.fields:
        errors.general.append(exc.message)
    return errors


def parse[T: pydantic.BaseModel](schema: type[T], post: QueryDict) -> T:
    """Validate the posted form against the schema; raises ``pydantic.ValidationError``."""
    return schema.model_validate(form_to_data(schema, post))
