"""Supervision endpoints: statistics per unit."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router

from api.http import json_response
from api.schemas import ON_OBJECT, SIGNED_IN, responses
from api.schemas.reports import StatsOut
from lib.errors import InvalidInput, NotFound
from organisation.models import Jurisdiction, Role, User
from organisation.roles import require_role
from reports.queries import department_stats

router = Router(tags=["统计考核"])


def scoped_jurisdiction_ids(actor: User, jurisdiction_id: int | None, include_children: bool) -> list[int]:
    """Return the jurisdictions a report covers; staff see their own and those under it, else 404."""
    if jurisdiction_id is None:
        if actor.jurisdiction_id is None:
            raise InvalidInput("请指定辖区（jurisdiction）。", details={"fields": {"jurisdiction": "必填"}})
        jurisdiction_id = actor.jurisdiction_id
    target = Jurisdiction.objects.filter(pk=jurisdiction_id).first()
    if target is None:
        raise NotFound("辖区不存在。")
    if not actor.is_superuser:
        assert actor.jurisdiction_id is not None
        if jurisdiction_id not in Jurisdiction(pk=actor.jurisdiction_id).descendant_ids():
            raise NotFound("辖区不存在或您无权查看。")
    return target.descendant_ids() if include_children else [target.pk]


@router.get("/stats", response=responses(200, StatsOut, SIGNED_IN, ON_OBJECT), summary="办理情况统计（按承办单位）")
def stats(
    request: HttpRequest,
    jurisdiction: int | None = None,
    year: int | None = None,
    session: int | None = None,
    include_children: bool = False,
) -> HttpResponse:
    actor: User = request.auth  # type: ignore[attr-defined]
    require_role(actor, Role.OFFICE_STAFF, Role.CPPCC_STAFF, Role.GOV_LEADER)
    ids = scoped_jurisdiction_ids(actor, jurisdiction, include_children)
    return json_response(department_stats(ids, today=timezone.localdate(), year=year, session_id=session))
