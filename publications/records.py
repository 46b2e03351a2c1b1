"""Which document a user gets, checked in api.md's order: the jurisdiction must be one the user sees (404
otherwise, as for one that does not exist), then the role (403: the circular and the annual report are the
office's), then the input (400). Shared by the API and the pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pydantic import Field

from documents.layout import Document
from lib.errors import Forbidden, InvalidInput, NotFound
from lib.input import StrictSchema
from organisation.models import Jurisdiction, Role, User

from .actions import check_range
from .content import annual_document, circular_document
from .figures import annual_figures, circular_figures, period_label

YEAR_MIN, YEAR_MAX = 1949, 2200


class CircularIn(StrictSchema):
    """The circular to issue: the assignment dates it covers (both included) and the jurisdiction (the
    user's own when left out)."""

    jurisdiction_id: int | None = Field(None, ge=1, le=2**63 - 1)
    date_from: date
    date_to: date


@dataclass(frozen=True)
class Named:
    doc: Document
    name: str  # the file's name, without the extension


def jurisdiction_for(user: User, jurisdiction_id: int | None) -> Jurisdiction:
    """The jurisdiction asked for (the user's own by default), if the user sees it: their own or one under it."""
    if jurisdiction_id is None:
        jurisdiction_id = user.jurisdiction_id
        if jurisdiction_id is None:
            raise InvalidInput("请指定辖区（jurisdiction）。", details={"fields": {"jurisdiction": "必填"}})
    target = Jurisdiction.objects.filter(pk=jurisdiction_id).first()
    if target is None:
        raise NotFound("辖区不存在。")
    own = Jurisdiction(pk=user.jurisdiction_id).descendant_ids() if user.jurisdiction_id is not None else []
    if not user.is_superuser and target.pk not in own:
        raise NotFound("辖区不存在或您无权查看。")
    return target


def require_office(user: User) -> None:
    if not user.is_superuser and user.role != Role.OFFICE_STAFF:
        raise Forbidden("只有督查室工作人员可以生成通报和年度报告。")


def office_jurisdiction(user: User, jurisdiction_id: int | None) -> Jurisdiction:
    target = jurisdiction_for(user, jurisdiction_id)
    require_office(user)
    return target


def check_year(year: int) -> int:
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise InvalidInput(f"年度应在{YEAR_MIN}到{YEAR_MAX}之间。", details={"fields": {"year": "超出范围"}})
    return year


def _safe(name: str) -> str:
    return "".join("_" if c in '/\\:*?"<>|' or ord(c) < 32 else c for c in name)[:120]


def circular_draft(jurisdiction: Jurisdiction, *, date_from: date, date_to: date, today: date) -> Named:
    """The circular as it would be issued today, unnumbered and watermarked 草稿 (the office's preview)."""
    check_range(date_from, date_to, today)
    figures = circular_figures(jurisdiction, date_from=date_from, date_to=date_to, today=today)
    name = f"通报（草稿）-{jurisdiction.name}-{period_label(date_from, date_to)}"
    return Named(circular_document(figures, number=None), _safe(name))


def annual_report(jurisdiction: Jurisdiction, *, year: int, today: date) -> Named:
    figures = annual_figures(jurisdiction, year=check_year(year), today=today)
    return Named(annual_document(figures), _safe(f"{year}年度政协提案办理工作情况的报告-{jurisdiction.name}"))


def circular_file_name(number: str, title: str) -> str:
    return _safe(f"{number}-{title}") + ".docx"
