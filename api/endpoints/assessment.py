"""The yearly assessment (目标考核): the scores and ranking, the weights the office sets, the CPPCC's
evaluation (评议) of the units. The scoring rule is ``reports.assessment``'s docstring."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router

from api.http import body_doc, json_response, parse_body
from api.schemas import ON_OBJECT, SIGNED_IN, STATEFUL, WITH_BODY, responses
from api.schemas.assessment import AssessmentRowOut, EvaluationOut, WeightsOut
from lib.errors import InvalidInput, NotFound
from organisation.models import Department, Jurisdiction, Role, User
from organisation.roles import require_role
from reports.actions import set_evaluation, set_weights, weights_of
from reports.assessment import assess
from reports.commands import YEAR_MAX, YEAR_MIN, EvaluationIn, WeightsIn
from reports.models import AssessmentWeights

from .reports import scoped_jurisdiction_ids

router = Router(tags=["统计考核"])


def _year(year: int | None) -> int:
    if year is None:
        return timezone.localdate().year
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise InvalidInput(f"年度应在{YEAR_MIN}到{YEAR_MAX}之间。", details={"fields": {"year": "超出范围"}})
    return year


def _jurisdiction(actor: User, jurisdiction: int | None) -> Jurisdiction:
    (jid,) = scoped_jurisdiction_ids(actor, jurisdiction, include_children=False)
    return Jurisdiction.objects.get(pk=jid)


def weights_json(jurisdiction_id: int) -> dict[str, Any]:
    row = AssessmentWeights.objects.filter(jurisdiction_id=jurisdiction_id).select_related("updated_by").first()
    weights = weights_of(jurisdiction_id)
    by = row.updated_by if row else None
    return {
        "jurisdiction_id": jurisdiction_id,
        **weights.as_json(),
        "total": weights.total,
        "updated_at": row.updated_at if row else None,
        "updated_by": (by.name or by.username) if by else None,
    }


@router.get(
    "/assessment",
    response={**responses(200, None, SIGNED_IN, ON_OBJECT), 200: list[AssessmentRowOut]},  # api.md: a bare list
    summary="目标考核：各承办单位得分与排名（督查室）",
)
def assessment(request: HttpRequest, jurisdiction: int | None = None, year: int | None = None) -> HttpResponse:
    actor: User = request.auth  # type: ignore[attr-defined]
    require_role(actor, Role.OFFICE_STAFF)
    target = _jurisdiction(actor, jurisdiction)
    return json_response(assess(target.pk, year=_year(year), today=timezone.localdate())["rows"])


@router.get(
    "/assessment/weights",
    response=responses(200, WeightsOut, SIGNED_IN, ON_OBJECT),
    summary="目标考核权重（督查室）",
)
def read_weights(request: HttpRequest, jurisdiction: int | None = None) -> HttpResponse:
    actor: User = request.auth  # type: ignore[attr-defined]
    require_role(actor, Role.OFFICE_STAFF)
    return json_response(weights_json(_jurisdiction(actor, jurisdiction).pk))


@router.put(
    "/assessment/weights",
    response=responses(200, WeightsOut, SIGNED_IN, ON_OBJECT, WITH_BODY, STATEFUL),
    openapi_extra=body_doc(WeightsIn),
    summary="设定目标考核权重，各项之和须为 100（本辖区督查室）",
)
def write_weights(request: HttpRequest, jurisdiction: int | None = None) -> HttpResponse:
    actor: User = request.auth  # type: ignore[attr-defined]
    require_role(actor, Role.OFFICE_STAFF)
    target = _jurisdiction(actor, jurisdiction)
    data = parse_body(request, WeightsIn)
    set_weights(target, actor=actor, values=data.model_dump())
    return json_response(weights_json(target.pk))


@router.get(
    "/assessment/evaluations",
    response={**responses(200, None, SIGNED_IN, ON_OBJECT), 200: list[EvaluationOut]},
    summary="政协评议得分（提案委、督查室）",
)
def evaluations(request: HttpRequest, jurisdiction: int | None = None, year: int | None = None) -> HttpResponse:
    actor: User = request.auth  # type: ignore[attr-defined]
    require_role(actor, Role.CPPCC_STAFF, Role.OFFICE_STAFF)
    target = _jurisdiction(actor, jurisdiction)
    the_year = _year(year)
    rows = assess(target.pk, year=the_year, today=timezone.localdate())["rows"]
    return json_response(
        [{"department_id": r["department_id"], "name": r["name"], "year": the_year, "score": r["evaluation"]}
         for r in sorted(rows, key=lambda r: r["department_id"])]
    )  # fmt: skip


@router.put(
    "/assessment/evaluations",
    response=responses(200, EvaluationOut, SIGNED_IN, ON_OBJECT, WITH_BODY, STATEFUL),
    openapi_extra=body_doc(EvaluationIn),
    summary="录入政协对承办单位的评议得分（本辖区提案委）",
)
def write_evaluation(request: HttpRequest) -> HttpResponse:
    actor: User = request.auth  # type: ignore[attr-defined]
    require_role(actor, Role.CPPCC_STAFF)
    data = parse_body(request, EvaluationIn)
    department = Department.objects.filter(pk=data.department_id).first()
    if department is None:
        raise NotFound("承办单位不存在。")
    # a unit of another jurisdiction, as an unknown one, unless the actor's own or one below it
    scoped_jurisdiction_ids(actor, department.jurisdiction_id, include_children=False)
    set_evaluation(department, year=data.year, score=data.score, actor=actor)
    return json_response(
        {"department_id": department.pk, "name": department.name, "year": data.year, "score": data.score}
    )
