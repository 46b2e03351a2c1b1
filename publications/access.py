"""Who reads an issued circular: the office and the CPPCC staff of its jurisdiction or one above it (the
circular is copied to the CPPCC's proposal committee), and the users of every unit it was sent to. Anyone
else is told it does not exist (404), as for one that does not."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from lib.errors import NotFound
from organisation.models import DEPT_ROLES, Jurisdiction, Role, User

from .models import Circular


def visible_circulars(user: User) -> QuerySet[Circular]:
    qs = Circular.objects.all()
    if user.is_superuser:
        return qs
    if user.role in (Role.OFFICE_STAFF, Role.CPPCC_STAFF) and user.jurisdiction_id is not None:
        # their own jurisdiction's and those of the jurisdictions under it
        return qs.filter(jurisdiction_id__in=Jurisdiction(pk=user.jurisdiction_id).descendant_ids())
    if user.role in DEPT_ROLES and user.department_id is not None:
        # the circulars sent to their unit
        return qs.filter(Q(recipients__department_id=user.department_id)).distinct()
    return qs.none()


def access_circular(user: User, circular_id: int) -> Circular:
    circular = visible_circulars(user).filter(pk=circular_id).select_related("issued_by", "jurisdiction").first()
    if circular is None:
        raise NotFound("通报不存在或您无权查看。")
    return circular
