"""Who may read the audit log, and the auditor's searches — one definition for the page and the API."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from lib.errors import Forbidden
from organisation.models import User

from .chain import normal_ip
from .models import AuditEntry

PERMISSION = "audit.view_auditentry"


def may_audit(user: User) -> bool:
    """A superuser, or an account given the permission (the 审计管理员 of the three-role separation)."""
    return bool(user.is_active and (user.is_superuser or user.has_perm(PERMISSION)))


def require_auditor(user: User) -> None:
    if not may_audit(user):
        raise Forbidden("只有审计管理员或系统管理员可以查看安全审计记录。")


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def on_or_after(qs: QuerySet[AuditEntry], day: date) -> QuerySet[AuditEntry]:
    # A range on the indexed column, not a __date lookup (one function call per row on SQLite).
    return qs.filter(at__gte=_day_start(day))


def on_or_before(qs: QuerySet[AuditEntry], day: date) -> QuerySet[AuditEntry]:
    return qs.filter(at__lt=_day_start(day + timedelta(days=1)))


def of_kind(qs: QuerySet[AuditEntry], kind: str) -> QuerySet[AuditEntry]:
    return qs.filter(kind=kind)


def with_outcome(qs: QuerySet[AuditEntry], outcome: str) -> QuerySet[AuditEntry]:
    return qs.filter(outcome=outcome)


def by_user(qs: QuerySet[AuditEntry], username: str) -> QuerySet[AuditEntry]:
    """Entries about the account or done by it (the names as they were then)."""
    name = username.strip()
    return qs.filter(Q(username=name) | Q(actor_username=name))


def from_address(qs: QuerySet[AuditEntry], address: str) -> QuerySet[AuditEntry]:
    ip = normal_ip(address)
    # Not an address: nothing matches (and PostgreSQL's inet column is never asked to parse it).
    return qs.filter(ip=ip) if ip else qs.none()


def newest_first(qs: QuerySet[AuditEntry] | None = None) -> QuerySet[AuditEntry]:
    return (qs if qs is not None else AuditEntry.objects.all()).order_by("-at", "-pk")
