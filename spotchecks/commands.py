"""The input of every spot-check change, shared by the API and the pages (as ``handling.commands``): one
schema per change, so a field's limits and messages exist once. The pages' forms are flat (HTML posts no
nested objects); ``NewCheckForm`` and ``DrawForm`` turn them into the API's shape."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, StrictBool, StrictInt
from pydantic_core import PydanticCustomError

from lib.input import StrictSchema

from .models import Verdict

YEAR_MIN, YEAR_MAX = 1949, 2200
SEED_MAX = 2**53 - 1  # a JSON number every client reads exactly
ITEMS_MAX = 500  # assignments chosen by hand in one request
SIZE_MAX = 10_000
ID_MAX = 2**63 - 1
# The API's bodies take JSON numbers and booleans as such (true is no id, "3" no size); the pages' flat forms
# below post text, which their own schemas read, and hand these typed values.
Id = Annotated[StrictInt, Field(ge=1, le=ID_MAX)]
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: Any) -> Any:
    # pydantic would read 0 or "1700000000" as a Unix time; a date is written YYYY-MM-DD
    if isinstance(value, date) or (isinstance(value, str) and ISO_DATE.fullmatch(value)):
        return value
    raise PydanticCustomError("date_parsing", "日期格式应为 YYYY-MM-DD")


Day = Annotated[date, BeforeValidator(_iso_date)]

Text = Field(min_length=1, max_length=20_000)
OptText = Field("", max_length=20_000)


class DrawIn(StrictSchema):
    """A random draw: ``size`` items or ``percent`` of the eligible ones (rounded up), from the replied lead
    assignments of the check's jurisdiction and year, optionally only key proposals and 建议案, those handled
    by several units, of one category or of some units. Without a ``seed`` one is chosen and recorded."""

    size: StrictInt | None = Field(None, ge=1, le=SIZE_MAX)
    percent: StrictInt | None = Field(None, ge=1, le=100)
    seed: StrictInt | None = Field(None, ge=0, le=SEED_MAX)
    key_only: StrictBool = False
    multi_unit: StrictBool = False
    category: str = Field("", max_length=50)
    department_ids: list[Id] = Field(default_factory=list, max_length=500)


class SpotCheckIn(StrictSchema):
    title: str = Field(min_length=1, max_length=200)
    year: StrictInt = Field(ge=YEAR_MIN, le=YEAR_MAX)
    checked_on: Day
    checked_by: str = Field(min_length=1, max_length=200)
    cppcc_staff: str = Field("", max_length=300)
    members_took_part: StrictBool = False
    members: str = Field("", max_length=500)
    jurisdiction_id: Id | None = Field(None, description="默认为本人所在辖区")
    draw: DrawIn | None = None
    assignment_ids: list[Id] = Field(default_factory=list, max_length=ITEMS_MAX)


class ItemsIn(StrictSchema):
    """Add items to a check: the assignments chosen by hand, or a further random draw (one of the two)."""

    assignment_ids: list[Id] = Field(default_factory=list, max_length=ITEMS_MAX)
    draw: DrawIn | None = None


class FindingIn(StrictSchema):
    verdict: Verdict
    findings: str = Text
    fixes: str = OptText
    fix_due: Day | None = None


class AnswerIn(StrictSchema):
    text: str = Text


class ReviewIn(StrictSchema):
    accept: StrictBool
    comment: str = OptText


# ---------------------------------------------------------------------------------------------------
# The pages' flat forms


class DrawForm(StrictSchema):
    """The draw as the page posts it: the method, then the draw's own fields side by side."""

    method: Literal["random", "chosen"] = "random"
    size: int | None = Field(None, ge=1, le=SIZE_MAX)
    percent: int | None = Field(None, ge=1, le=100)
    seed: int | None = Field(None, ge=0, le=SEED_MAX)
    key_only: bool = False
    multi_unit: bool = False
    category: str = Field("", max_length=50)
    department_ids: list[int] = Field(default_factory=list, max_length=500)

    def as_draw(self) -> DrawIn | None:
        if self.method != "random":
            return None
        return DrawIn(
            size=self.size, percent=self.percent, seed=self.seed, key_only=self.key_only,
            multi_unit=self.multi_unit, category=self.category, department_ids=self.department_ids,
        )  # fmt: skip


class NewCheckForm(DrawForm):
    title: str = Field(min_length=1, max_length=200)
    year: int = Field(ge=YEAR_MIN, le=YEAR_MAX)
    checked_on: Day
    checked_by: str = Field(min_length=1, max_length=200)
    cppcc_staff: str = Field("", max_length=300)
    members_took_part: bool = False
    members: str = Field("", max_length=500)

    def as_command(self) -> SpotCheckIn:
        return SpotCheckIn(
            title=self.title, year=self.year, checked_on=self.checked_on, checked_by=self.checked_by,
            cppcc_staff=self.cppcc_staff, members_took_part=self.members_took_part, members=self.members,
            jurisdiction_id=None, draw=self.as_draw(),
        )  # fmt: skip


class ChooseForm(StrictSchema):
    assignment_ids: list[int] = Field(min_length=1, max_length=ITEMS_MAX)
