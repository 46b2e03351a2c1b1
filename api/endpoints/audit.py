"""GET /api/v1/audit: the security audit log, newest first, with the page's filters (auditors only)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router

from api.http import json_response, paginate
from api.schemas import SIGNED_IN, IsoDate, responses
from api.schemas.audit import AuditEntryPage
from audit import queries
from audit.chain import normal_ip
from audit.labels import kind_label, outcome_label
from audit.models import AuditEntry
from lib.errors import InvalidInput
from organisation.models import User

router = Router(tags=["安全审计"])


def entry_json(e: AuditEntry) -> dict[str, Any]:
    return {
        "id": e.pk,
        "at": e.at,
        "kind": e.kind,
        "kind_label": kind_label(e.kind),
        "outcome": e.outcome,
        "outcome_label": outcome_label(e.outcome),
        "user_id": e.user_id,
        "username": e.username,
        "actor_id": e.actor_id,
        "actor_username": e.actor_username,
        "ip": e.ip,
        "user_agent": e.user_agent,
        "method": e.method,
        "path": e.path,
        "data": e.data,
        "prev_hash": e.prev_hash,
        "hash": e.hash,
    }


@router.get("/audit", response=responses(200, AuditEntryPage, SIGNED_IN), summary="安全审计记录（审计管理员）")
def list_entries(
    request: HttpRequest,
    since: IsoDate | None = None,
    until: IsoDate | None = None,
    kind: str | None = None,
    outcome: str | None = None,
    user: str | None = None,
    ip: str | None = None,
    page: int | None = None,
    page_size: int | None = None,
) -> HttpResponse:
    """``since``/``until``: dates (inclusive, local time); ``user``: the account concerned or the actor."""
    actor: User = request.auth  # type: ignore[attr-defined]
    queries.require_auditor(actor)
    qs = AuditEntry.objects.all()
    if since is not None:
        qs = queries.on_or_after(qs, since)
    if until is not None:
        qs = queries.on_or_before(qs, until)
    if kind:
        qs = queries.of_kind(qs, kind)
    if outcome:
        qs = queries.with_outcome(qs, outcome)
    if user:
        qs = queries.by_user(qs, user)
    if ip:
        if normal_ip(ip) is None:
            raise InvalidInput("ip 应为 IPv4 或 IPv6 地址。", details={"fields": {"ip": "格式不正确"}})
        qs = queries.from_address(qs, ip)
    return json_response(
        paginate(queries.newest_first(qs), page, page_size, lambda rows: [entry_json(e) for e in rows])
    )
