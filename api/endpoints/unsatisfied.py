"""不满意提案分析: every unsatisfied rating with its re-handling and outcome, and each unit's first against
final satisfaction (``reports.unsatisfied``, whose docstring has the definitions)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router

from api.http import json_response
from api.schemas import ON_OBJECT, SIGNED_IN, responses
from api.schemas.unsatisfied import UnsatisfiedOut
from lib.errors import InvalidInput
from organisation.models import Role, User
from organisation.roles import require_role
from reports.commands import YEAR_MAX, YEAR_MIN
from reports.unsatisfied import OUTCOMES, analysis

from .reports import scoped_jurisdiction_ids

router = Router(tags=["统计考核"])


def _year(year: int | None) -> int:
    if year is None:
        return timezone.localdate().year
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise InvalidInput(f"年度应在{YEAR_MIN}到{YEAR_MAX}之间。", details={"fields": {"year": "超出范围"}})
    return year


@router.get(
    "/reports/unsatisfied",
    response=responses(200, UnsatisfiedOut, SIGNED_IN, ON_OBJECT),
    summary="不满意提案分析：不满意评价、再次办理及其结果，各单位首次与最终满意率",
)
def unsatisfied(
    request: HttpRequest,
    jurisdiction: int | None = None,
    year: int | None = None,
    include_children: bool = False,
    department: int | None = None,
    outcome: str | None = None,
) -> HttpResponse:
    """Office and CPPCC staff: the jurisdiction (and with ``include_children`` those under it); a government
    leader: the units in their charge. ``department`` narrows to one unit, ``outcome`` the cases."""
    actor: User = request.auth  # type: ignore[attr-defined]
    require_role(actor, Role.OFFICE_STAFF, Role.CPPCC_STAFF, Role.GOV_LEADER)
    ids = scoped_jurisdiction_ids(actor, jurisdiction, include_children)
    if outcome is not None and outcome not in OUTCOMES:
        raise InvalidInput(
            "outcome 应为 " + "、".join(OUTCOMES) + " 之一。", details={"fields": {"outcome": "取值不正确"}}
        )
    units: list[int] | None = None
    if actor.role == Role.GOV_LEADER and not actor.is_superuser:
        units = list(actor.charged_departments.values_list("pk", flat=True))
    if department is not None:
        units = [department] if units is None or department in units else []
    result = analysis(ids, year=_year(year), today=timezone.localdate(), department_ids=units).as_json()
    if outcome is not None:
        result["cases"] = [c for c in result["cases"] if c["outcome"] == outcome]
    return json_response(result)
