"""The holiday calendar: read any year; the office enters a new year when the State Council publishes it."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest, HttpResponse
from ninja import Router
from pydantic import Field

from api.http import body_doc, json_response, parse_body
from api.schemas import SIGNED_IN, STATEFUL, WITH_BODY, responses
from api.schemas.workcalendar import YearOut
from lib.errors import InvalidInput
from lib.input import StrictSchema
from organisation.models import Role, User
from organisation.roles import require_role
from workcalendar.counting import load_calendar, set_year
from workcalendar.models import CalendarDay, CalendarYear

router = Router(tags=["工作日历"])


class DayIn(StrictSchema):
    date: date
    is_workday: bool
    name: str = Field(min_length=1, max_length=64)


class YearIn(StrictSchema):
    days: list[DayIn] = Field(max_length=400)
    note: str = Field("", max_length=200)


def year_json(year: int) -> dict[str, object]:
    known = CalendarYear.objects.filter(year=year).first()
    days = CalendarDay.objects.filter(date__year=year).order_by("date")
    return {
        "year": year,
        "known": known is not None,
        "source": known.source if known else None,
        "note": known.note if known else "",
        "warning": load_calendar().warning_for(date(year, 1, 1)),
        "days": [{"date": d.date, "is_workday": d.is_workday, "name": d.name} for d in days],
    }


def _valid_year(year: int) -> int:
    if not 1900 <= year <= 2200:
        raise InvalidInput("年份应在 1900 到 2200 之间。", details={"fields": {"year": "超出范围"}})
    return year


@router.get("/calendar/{year}", response=responses(200, YearOut, SIGNED_IN), summary="某年的法定节假日与调休上班日")
def read_year(request: HttpRequest, year: int) -> HttpResponse:
    return json_response(year_json(_valid_year(year)))


@router.put(
    "/calendar/{year}",
    response=responses(200, YearOut, SIGNED_IN, WITH_BODY, STATEFUL),
    openapi_extra=body_doc(YearIn),
    summary="录入或更正某年的节假日安排（督查室）",
)
def write_year(request: HttpRequest, year: int) -> HttpResponse:
    actor: User = request.auth  # type: ignore[attr-defined]
    require_role(actor, Role.OFFICE_STAFF)
    _valid_year(year)
    data = parse_body(request, YearIn)
    set_year(year, [(d.date, d.is_workday, d.name) for d in data.days], note=data.note, actor=actor)
    return json_response(year_json(year))
