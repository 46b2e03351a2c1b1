"""Creating and changing jurisdictions, units and users."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from lib.errors import Forbidden, InvalidInput, RuleViolation

from .models import DEPT_ROLES, Department, Jurisdiction, Role, Rules, User
from .passwords import check_new_password
from .signals import security_event


def require_superuser(actor: User) -> None:
    if not actor.is_superuser:
        raise Forbidden("只有系统管理员可以进行此项操作。")


def require_office_of(actor: User, jurisdiction: Jurisdiction) -> None:
    if actor.is_superuser:
        return
    if actor.role != Role.OFFICE_STAFF or actor.jurisdiction_id != jurisdiction.pk:
        raise Forbidden("只有本辖区督查室工作人员或系统管理员可以进行此项操作。")


def _changed(kind: str, *, actor: User | None, user: User | None = None, **data: Any) -> None:
    """Report a change to the audit log. Sent inside the action's transaction, so the entry commits with
    the change or not at all (a rolled-back change leaves no entry claiming it happened)."""
    security_event.send(sender=User, kind=kind, user=user, actor=actor, request=None, outcome="success", data=data)


@transaction.atomic
def create_jurisdiction(*, actor: User, name: str, parent: Jurisdiction | None) -> Jurisdiction:
    require_superuser(actor)
    jurisdiction = Jurisdiction.objects.create(name=name, parent=parent)
    parent_id = parent.pk if parent else None
    _changed("jurisdiction_created", actor=actor, jurisdiction_id=jurisdiction.pk, name=name, parent_id=parent_id)
    return jurisdiction


@transaction.atomic
def update_jurisdiction(
    jurisdiction: Jurisdiction, *, actor: User, name: str | None, rules: dict[str, Any] | None
) -> Jurisdiction:
    """Rename, or change the time rules; new rules apply to new assignments only."""
    require_office_of(actor, jurisdiction)
    before = {"name": jurisdiction.name, "rules": jurisdiction.time_rules.as_json()}
    fields = []
    if name is not None:
        jurisdiction.name = name
        fields.append("name")
    if rules is not None:
        jurisdiction.rules = Rules.from_json({**jurisdiction.time_rules.as_json(), **rules}).as_json()
        fields.append("rules")
    if fields:
        jurisdiction.save(update_fields=fields)
        after = {"name": jurisdiction.name, "rules": jurisdiction.time_rules.as_json()}
        _changed("jurisdiction_changed", actor=actor, jurisdiction_id=jurisdiction.pk, before=before, after=after)
    return jurisdiction


@transaction.atomic
def create_department(
    jurisdiction: Jurisdiction,
    *,
    actor: User,
    name: str,
    short_name: str = "",
    duties: str = "",
    code: str = "",
    reply_prefix: str = "",
) -> Department:
    require_office_of(actor, jurisdiction)
    if Department.objects.filter(jurisdiction=jurisdiction, name=name).exists():
        raise RuleViolation("duplicate_department", f"本辖区已有承办单位“{name}”。")
    department = Department.objects.create(
        jurisdiction=jurisdiction,
        name=name,
        short_name=short_name,
        duties=duties,
        code=code,
        reply_prefix=reply_prefix,
    )
    _changed("department_created", actor=actor, department_id=department.pk, name=name, jurisdiction_id=jurisdiction.pk)
    return department


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
        # The office chose this password: the user replaces it at the first sign-in.
        must_change_password=actor is not None,
    )
    check_new_password(new.password, user)
    user.set_password(new.password)
    user.save()
    if new.charged_departments:
        user.charged_departments.set(new.charged_departments)
    _changed("user_created", actor=actor, user=user, role=user.role, jurisdiction_id=new.jurisdiction.pk,
             department_id=user.department_id)  # fmt: skip
    return user


@transaction.atomic
def deactivate_users(users: QuerySet[User], *, actor: User, request: HttpRequest | None) -> list[User]:
    """Switch accounts off (the operator's own stays on): the save revokes their API tokens
    (``organisation.receivers``) and each is audited in the same transaction."""
    require_superuser(actor)
    done = []
    for user in users.filter(is_active=True).exclude(pk=actor.pk).order_by("pk"):
        user.is_active = False
        user.save(update_fields=["is_active"])
        user_deactivated(user, actor=actor, request=request)
        done.append(user)
    return done


def user_deactivated(user: User, *, actor: User, request: HttpRequest | None) -> None:
    """Audit a deactivation saved through the admin's change form (the token receiver has already run)."""
    security_event.send(sender=User, kind="user_deactivated", user=user, actor=actor, request=request,
                        outcome="success", data={})  # fmt: skip


def require_office_role(actor: User) -> None:
    """Check the role before the body is read (api.md: 403 comes before 400)."""
    if not actor.is_superuser and actor.role != Role.OFFICE_STAFF:
        raise Forbidden("只有督查室工作人员或系统管理员可以进行此项操作。")


def _password_changed(user: User, *, actor: User, request: HttpRequest | None, reset: bool) -> None:
    security_event.send(
        sender=User,
        kind="password_changed",
        user=user,
        actor=actor,
        request=request,
        outcome="success",
        data={"reset_by_other": reset},
    )


@transaction.atomic
def change_own_password(user: User, *, old_password: str, new_password: str, request: HttpRequest | None) -> User:
    """The user replaces their own password; this clears the forced change."""
    if not user.check_password(old_password):
        raise InvalidInput(
            "原密码不正确。", details={"field": "old_password", "fields": {"old_password": "原密码不正确"}}
        )
    if old_password == new_password:
        raise InvalidInput(
            "新密码不能与原密码相同。",
            details={"field": "new_password", "fields": {"new_password": "新密码不能与原密码相同"}},
        )
    check_new_password(new_password, user, field="new_password")
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    _password_changed(user, actor=user, request=request, reset=False)
    return user


@transaction.atomic
def reset_password(user: User, *, actor: User, new_password: str, request: HttpRequest | None) -> User:
    """The office (or an administrator) sets a new password for a user, who must replace it at sign-in."""
    if user.jurisdiction is None:
        require_superuser(actor)
    else:
        require_office_of(actor, user.jurisdiction)
    if user.is_superuser and not actor.is_superuser:
        raise Forbidden("只有系统管理员可以重置系统管理员的密码。")
    check_new_password(new_password, user, field="new_password")
    user.set_password(new_password)
    user.must_change_password = user.pk != actor.pk
    user.save(update_fields=["password", "must_change_password"])
    _password_changed(user, actor=actor, request=request, reset=True)
    return user
