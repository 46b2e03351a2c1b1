"""The only way to fetch spot checks and their items: what a user may see, else 404 (as handling.access).

Office and CPPCC staff see the checks of their jurisdiction and those under it (they act on their own
jurisdiction's only: ``spotchecks.actions``); a unit's staff see the items of their unit once a finding
is on record — what was found is what they answer; an item still waiting to be checked is not shown to
them. Anyone else sees nothing. "Not yours" and "not there" are both 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from handling.access import visible_jurisdiction_ids
from lib.errors import NotFound
from organisation.models import DEPT_ROLES, Role

from .models import ItemState, SpotCheck, SpotCheckItem

if TYPE_CHECKING:
    from organisation.models import User

STAFF = (Role.OFFICE_STAFF, Role.CPPCC_STAFF)


def visible_checks(user: User) -> QuerySet[SpotCheck]:
    qs = SpotCheck.objects.all()
    if user.is_superuser:
        return qs
    if user.role in STAFF:
        return qs.filter(jurisdiction_id__in=visible_jurisdiction_ids(user))
    return qs.none()


def visible_items(user: User) -> QuerySet[SpotCheckItem]:
    qs = SpotCheckItem.objects.all()
    if user.is_superuser:
        return qs
    if user.role in STAFF:
        return qs.filter(spot_check__jurisdiction_id__in=visible_jurisdiction_ids(user))
    if user.role in DEPT_ROLES and user.department_id is not None:
        # the unit's own items, from the moment there is a finding to read
        return qs.filter(department_id=user.department_id).exclude(state=ItemState.PENDING)
    return qs.none()


def access_check(user: User, check_id: int) -> SpotCheck:
    check = visible_checks(user).select_related("jurisdiction").filter(pk=check_id).first()
    if check is None:
        raise NotFound("抽查不存在或您无权查看。")
    return check


def access_item(user: User, item_id: int) -> SpotCheckItem:
    item = (
        visible_items(user)
        .select_related("spot_check", "spot_check__jurisdiction", "assignment", "assignment__proposal",
                        "assignment__proposal__session", "department")
        .filter(pk=item_id)
        .first()
    )  # fmt: skip
    if item is None:
        raise NotFound("抽查事项不存在或您无权查看。")
    return item
