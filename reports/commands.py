"""The input of the assessment's two changes, shared by the API and the pages (as ``handling.commands``):
one schema, so a field's limits and messages exist once."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from lib.input import StrictSchema

from .actions import MIN_ASSIGNED_MAX

YEAR_MIN, YEAR_MAX = 1949, 2200


def _no_bool(value: Any) -> Any:
    # pydantic's lax mode reads true as 1; a weight or a score is a number, and a form posts it as text
    if isinstance(value, bool):
        raise ValueError("应为整数")
    return value


Number = Annotated[int, BeforeValidator(_no_bool)]


class WeightsIn(StrictSchema):
    """All seven weights (points out of 100, summing to 100) and the fewest lead assignments to be ranked."""

    reply: Number = Field(ge=0, le=100)
    on_time: Number = Field(ge=0, le=100)
    meeting: Number = Field(ge=0, le=100)
    satisfaction: Number = Field(ge=0, le=100)
    self_check: Number = Field(ge=0, le=100)
    follow_up: Number = Field(ge=0, le=100)
    evaluation: Number = Field(0, ge=0, le=100)
    min_assigned: Number = Field(3, ge=1, le=MIN_ASSIGNED_MAX)


class EvaluationIn(StrictSchema):
    department_id: Number = Field(ge=1, le=2**63 - 1)
    year: Number = Field(ge=YEAR_MIN, le=YEAR_MAX)
    score: Number | None = Field(ge=0, le=100, description="0..100；null 撤回")
