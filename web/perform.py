"""Run a command from a posted form: parse with the command's schema, call it, collect errors for the page.

Access (404) and role (403) are checked by the caller first, as the API does; what the action refuses
(409, 422) comes back as ``FormErrors`` with Chinese messages for the page to show next to the fields.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pydantic
from django.http import QueryDict

from lib.errors import DomainError, Forbidden, NotFound

from .action_forms import Field
from .forms import FormErrors, errors_from_domain, errors_from_validation, form_to_data, labels_of


def perform[T: pydantic.BaseModel](
    schema: type[T], post: QueryDict, run: Callable[[T], Any], fields: Iterable[Field] = ()
) -> tuple[Any, FormErrors]:
    """Return ``(result, no errors)`` on success, else ``(None, errors)``; 403/404 propagate. ``fields``
    (the form's) name what an unchosen choice asks for: "请选择答复方式"."""
    try:
        data = schema.model_validate(form_to_data(schema, post))
    except pydantic.ValidationError as exc:
        return None, errors_from_validation(exc, labels_of(fields))
    try:
        return run(data), FormErrors()
    except (Forbidden, NotFound):
        raise
    except DomainError as exc:
        return None, errors_from_domain(exc)
