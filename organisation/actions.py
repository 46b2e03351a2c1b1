"""Creating and changing jurisdictions, units and users."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from lib.errors import Forbidden, InvalidInput, RuleViolation

from .models import DEPT_ROLES, Department, Jurisdiction, Role, Rules, User


def require_superuser(actor: User) -> None:
    if not actor.is_superuser:
        raise Forbidden("只有系统管理员可以进行此项操作。")


def require_office_of(actor: User, jurisdiction: Jurisdiction) -> None:
    if actor.is_superuser:
        return
    if actor.role != Role.OFFICE_STAFF or actor.jurisdiction_id != jurisdiction.pk:
        raise Forbidden("只有本辖区督查室工作人员或系统管理员可以进行此项操作。")


@transaction.atomic
def create_jurisdiction(*, actor: User, name: str, parent: Jurisdiction | None) -> Jurisdiction:
    require_superuser(actor)
    return Jurisdiction.objects.create(name=name, parent=parent)


@transaction.atomic
def update_jurisdiction(
    jurisdiction: Jurisdiction, *, actor: User, name: str | None, rules: dict[str, Any] | None
) -> Jurisdiction:
    """Rename, or change the time rules; new rules apply to new assignments only."""
    require_office_of(actor, jurisdiction)
    fields = []
    if name is not None:
        jurisdiction.name = name
        fields.append("name")
    if rules is not None:
        jurisdiction.rules = Rules.from_json({**jurisdiction.time_rules.as_json(), **rules}).as_json()
        fields.append("rules")
    if fields:
        jurisdiction.save(update_fields=fields)
    return jurisdiction


@transaction.atomic
def create_department(
    jurisdiction: Jurisdiction, *, actor: User, name: str, short_name: str = "", duties: str = "", code: str = ""
) -> Department:
    require_office_of(actor, jurisdiction)
    if Department.objects.filter(jurisdiction=jurisdiction, name=name).exists():
        raise RuleViolation("duplicate_department", f"本辖区已有承办单位“{name}”。")
    return Department.objects.create(
        jurisdiction=jurisdiction, name=name, short_name=short_name, duties=duties, code=code
    )


@dataclass(frozen=True)
class NewUser:
    username: str
    password: str
    name: str
    role: str
    jurisdiction: Jurisdiction
    department: Department | None = None
    phone: str = ""
    email: str = ""
    charged_departments: Sequence[Department] = ()


@transaction.atomic
def create_user(*, actor: User | None, new: NewUser) -> User:
    """Create an account; ``actor`` None is the demo loader."""
    if actor is not None:
        require_office_of(actor, new.jurisdiction)
    if new.role not in Role.values:
        raise InvalidInput("角色不正确。", details={"field": "role"})
    if new.role in DEPT_ROLES and new.department is None:
        raise InvalidInput("承办单位人员须指定所在单位（department_id）。", details={"field": "department_id"})
    if new.department is not None and new.department.jurisdiction_id != new.jurisdiction.pk:
        raise InvalidInput("所在单位不属于该辖区。", details={"field": "department_id"})
    if new.charged_departments and new.role != Role.GOV_LEADER:
        raise InvalidInput("只有政府领导可以设置分管单位。", details={"field": "charged_department_ids"})
    if User.objects.filter(username=new.username).exists():
        raise RuleViolation("duplicate_username", f"用户名“{new.username}”已被使用。")
    user = User(
        username=new.username,
        name=new.name,
        role=new.role,
        jurisdiction=new.jurisdiction,
        department=new.department if new.role in DEPT_ROLES else None,
        phone=new.phone,
        email=new.email,
    )
    try:
        validate_password(new.password, user)
    except ValidationError as exc:
        raise InvalidInput("密码不符合要求：" + "；".join(exc.messages), details={"field": "password"}) from exc
    user.set_password(new.password)
    user.save()
    if new.charged_departments:
        user.charged_departments.set(new.charged_departments)
    return user


def require_office_role(actor: User) -> None:
    """Check the role before the body is read (api.md: 403 comes before 400)."""
    if not actor.is_superuser and actor.role != Role.OFFICE_STAFF:
        raise Forbidden("只有督查室工作人员或系统管理员可以进行此项操作。")
