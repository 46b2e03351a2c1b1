"""The operator's console for jurisdictions, units and users (Django admin, superusers only in practice).

Whatever an action exists for goes through it, so the admin checks the same rules and leaves the same
audit entries as the API: a jurisdiction, unit or user added here is created by ``organisation.actions``,
a password set here by ``actions.reset_password`` (the user must replace it at the next sign-in). Turning
a user off (the change form or the action 停用所选用户) saves ``is_active``, which revokes their API tokens
(``organisation.receivers``). Nothing is deleted here: accounts and units are referenced by the history.

``ReadOnlyAdmin`` is the base of every admin that shows records only actions may write (assignments,
events, notifications, the audit log).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from lib.errors import DomainError

from . import actions
from .models import DEPT_ROLES, ApiToken, Department, Jurisdiction, Role, User
from .tokens import expires_at


class ReadOnlyAdmin[M: models.Model](admin.ModelAdmin[M]):
    """Shows the records and lets no one add, change or delete one: a POST to change or delete is 403.
    Every column of ``fields`` (or of the model) is read-only."""

    def get_readonly_fields(self, request: HttpRequest, obj: M | None = None) -> list[str]:
        if self.fieldsets:
            return list(flatten_fieldsets(self.fieldsets))
        if self.fields:
            return [f for f in self.fields if isinstance(f, str)]
        return [f.name for f in self.model._meta.concrete_fields]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: M | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: M | None = None) -> bool:
        return False


class ReadOnlyInline[M: models.Model](admin.TabularInline[M, Any]):
    """Records listed on their parent's page, every column read-only (subclasses name ``fields``)."""

    extra = 0
    can_delete = False
    show_change_link = False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f for f in self.fields or () if isinstance(f, str)]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def refuse(exc: DomainError) -> PermissionDenied:
    """An action refused the operator (e.g. a staff account that is not a superuser): the admin's 403."""
    return PermissionDenied(str(exc))


# ---------------------------------------------------------------------------------------------------
# Jurisdictions and units


@admin.register(Jurisdiction)
class JurisdictionAdmin(admin.ModelAdmin[Jurisdiction]):
    list_display = ["name", "parent", "department_count"]
    list_select_related = ["parent"]
    search_fields = ["name"]
    autocomplete_fields = ["parent"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Jurisdiction]:
        qs: QuerySet[Jurisdiction] = super().get_queryset(request)
        return qs.annotate(n_departments=models.Count("departments"))

    @admin.display(description="承办单位数", ordering="n_departments")
    def department_count(self, obj: Jurisdiction) -> int:
        return getattr(obj, "n_departments", 0)

    fields = ["name", "parent", "rules"]

    def get_readonly_fields(self, request: HttpRequest, obj: Jurisdiction | None = None) -> list[str]:
        # Moving a jurisdiction under another would move its proposals' scope: not an edit. The time
        # rules are changed where their bounds are checked (the office's PATCH /jurisdictions/{id}).
        return ["parent", "rules"] if obj is not None else ["rules"]

    def has_delete_permission(self, request: HttpRequest, obj: Jurisdiction | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Jurisdiction, form: Any, change: bool) -> None:
        """Create or change through the actions, which check the operator and write the audit entry."""
        actor = _operator(request)
        try:
            if change:
                stored = Jurisdiction.objects.get(pk=obj.pk)
                name = obj.name if obj.name != stored.name else None
                saved = actions.update_jurisdiction(stored, actor=actor, name=name, rules=None)
            else:
                saved = actions.create_jurisdiction(actor=actor, name=obj.name, parent=obj.parent)
        except DomainError as exc:
            raise refuse(exc) from exc
        _adopt(obj, saved)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin[Department]):
    list_display = ["name", "code", "short_name", "jurisdiction", "is_active"]
    list_filter = ["is_active", "jurisdiction"]
    list_select_related = ["jurisdiction"]
    search_fields = ["name", "short_name", "code"]
    autocomplete_fields = ["jurisdiction"]
    ordering = ["jurisdiction", "code", "pk"]

    def get_readonly_fields(self, request: HttpRequest, obj: Department | None = None) -> list[str]:
        # A unit's assignments, staff and leaders belong to its jurisdiction: it cannot move.
        return ["jurisdiction"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: Department | None = None) -> bool:
        return False  # switch it off (启用) instead: assignments and history point at it

    def save_model(self, request: HttpRequest, obj: Department, form: Any, change: bool) -> None:
        """A new unit is created by the action (duplicate names refused, audit entry written)."""
        if change:
            super().save_model(request, obj, form, change)
            return
        try:
            saved = actions.create_department(
                obj.jurisdiction, actor=_operator(request), name=obj.name, short_name=obj.short_name,
                duties=obj.duties, code=obj.code, reply_prefix=obj.reply_prefix,
            )  # fmt: skip
        except DomainError as exc:
            raise refuse(exc) from exc
        if not obj.is_active:
            saved.is_active = False
            saved.save(update_fields=["is_active"])
        _adopt(obj, saved)


def _operator(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _adopt(obj: models.Model, saved: models.Model) -> None:
    """Make the admin's instance the row the action saved, so its log entry and redirect point at it."""
    obj.pk = saved.pk
    obj._state.adding = False
    obj._state.db = saved._state.db


# ---------------------------------------------------------------------------------------------------
# Users

# The request whose operator sets a password: the password form is built by Django without it.
_password_request: ContextVar[HttpRequest | None] = ContextVar("password_request", default=None)

PLACEMENT_FIELDS = ("role", "jurisdiction", "department", "charged_departments")


def placement_errors(data: dict[str, Any]) -> dict[str, str]:
    """The rules ``actions.create_user`` enforces on role, jurisdiction, unit and charged units, as form
    errors: checked on the change form too, where no action exists yet."""
    role, jurisdiction, department = data.get("role"), data.get("jurisdiction"), data.get("department")
    charged = data.get("charged_departments") or []
    errors: dict[str, str] = {}
    if role and jurisdiction is None:
        errors["jurisdiction"] = "有角色的用户须指定辖区。"
    if role in DEPT_ROLES and department is None:
        errors["department"] = "承办单位人员须指定所在单位。"
    if role not in DEPT_ROLES and department is not None:
        errors["department"] = "只有承办单位人员可以指定所在单位。"
    if department is not None and jurisdiction is not None and department.jurisdiction_id != jurisdiction.pk:
        errors["department"] = "所在单位不属于该辖区。"
    if charged and role != Role.GOV_LEADER:
        errors["charged_departments"] = "只有政府领导可以设置分管单位。"
    return errors


class UserChange(UserChangeForm[User]):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        for name, message in placement_errors(data).items():
            if name in self.fields:
                self.add_error(name, message)
        return data


class UserAdd(UserCreationForm[User]):
    """The new account's place and first password; ``actions.create_user`` then creates it."""

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "name", "role", "jurisdiction", "department", "charged_departments", "phone", "email")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].required = True
        self.fields["jurisdiction"].required = True

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        for name, message in placement_errors(data).items():
            self.add_error(name, message)
        return data

    def new_user(self) -> actions.NewUser:
        data = self.cleaned_data
        return actions.NewUser(
            username=data["username"], password=data["password1"], name=data.get("name") or "", role=data["role"],
            jurisdiction=data["jurisdiction"], department=data.get("department"), phone=data.get("phone") or "",
            email=data.get("email") or "", charged_departments=list(data.get("charged_departments") or []),
        )  # fmt: skip


if TYPE_CHECKING:
    _PasswordForm = AdminPasswordChangeForm[User]
else:  # generic in the stubs only
    _PasswordForm = AdminPasswordChangeForm


class OperatorSetsPassword(_PasswordForm):
    """The operator chooses a new password: ``actions.reset_password`` sets it (the project's hasher, the
    password rules, the forced change at the next sign-in, the audit entry, the tokens revoked). A user
    is switched off by 启用, not by an unusable password, so that choice is not offered."""

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(user, *args, **kwargs)
        self.fields.pop("usable_password", None)
        self.fields["password1"].required = True
        self.fields["password2"].required = True

    def save(self, commit: bool = True) -> User:
        request = _password_request.get()
        if request is None:
            raise PermissionDenied("只能在管理后台的修改密码页设置密码。")
        assert isinstance(self.user, User)
        try:
            return actions.reset_password(
                self.user, actor=_operator(request), new_password=self.cleaned_data["password1"], request=request
            )
        except DomainError as exc:
            raise refuse(exc) from exc


@contextmanager
def _setting_password(request: HttpRequest) -> Iterator[None]:
    token = _password_request.set(request)
    try:
        yield
    finally:
        _password_request.reset(token)


@admin.register(User)
class UserAdmin(DjangoUserAdmin[User]):
    form = UserChange
    add_form = UserAdd
    change_password_form = OperatorSetsPassword
    list_display = ["username", "name", "role", "jurisdiction", "department", "is_active", "must_change_password",
                    "is_superuser", "last_login"]  # fmt: skip
    list_filter = ["is_active", "role", "jurisdiction", "must_change_password", "is_superuser"]
    list_select_related = ["jurisdiction", "department"]
    search_fields = ["username", "name", "phone", "email", "department__name"]
    ordering = ["username"]
    autocomplete_fields = ["jurisdiction", "department"]
    filter_horizontal = ["charged_departments", "groups", "user_permissions"]
    readonly_fields = ["last_login", "date_joined"]
    actions = ["deactivate_selected"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("个人信息", {"fields": ("name", "phone", "email")}),
        ("岗位", {"fields": ("role", "jurisdiction", "department", "charged_departments")}),
        ("状态", {"fields": ("is_active", "must_change_password", "last_login", "date_joined")}),
        ("系统权限", {"classes": ("collapse",), "fields": ("is_staff", "is_superuser", "groups", "user_permissions")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "password1", "password2")}),
        ("个人信息", {"fields": ("name", "phone", "email")}),
        ("岗位", {"fields": ("role", "jurisdiction", "department", "charged_departments")}),
    )

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return False  # the history names who did what: switch the account off instead

    def formfield_for_manytomany(
        self, db_field: models.ManyToManyField[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> forms.ModelMultipleChoiceField[Any] | None:
        if db_field.name == "charged_departments":
            kwargs["queryset"] = Department.objects.select_related("jurisdiction").order_by("jurisdiction", "code")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        """A new account is created by ``actions.create_user`` (rules, forced password change, audit)."""
        if change:
            super().save_model(request, obj, form, change)
            if "is_active" in form.changed_data and not obj.is_active:
                actions.user_deactivated(obj, actor=_operator(request), request=request)
            return
        try:
            saved = actions.create_user(actor=_operator(request), new=form.new_user())
        except DomainError as exc:
            raise refuse(exc) from exc
        _adopt(obj, saved)
        obj.password = saved.password
        obj.must_change_password = saved.must_change_password

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        with _setting_password(request):
            return super().user_change_password(request, id, form_url)

    @admin.action(description="停用所选用户")
    def deactivate_selected(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        actor = _operator(request)
        done = actions.deactivate_users(queryset, actor=actor, request=request)
        for user in done:
            self.log_change(request, user, "停用")
        if queryset.filter(pk=actor.pk, is_active=True).exists():
            self.message_user(request, "不能停用自己的账号，已跳过。", messages.WARNING)
        self.message_user(request, f"已停用 {len(done)} 个用户，其接口令牌已全部撤销。", messages.SUCCESS)


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin[ApiToken]):
    """Who holds tokens and how fresh they are; the hash is never shown. Revoke by resetting the password
    or switching the user off."""

    list_display = ["holder", "issued", "last_used", "expires"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__name"]
    fields = ["holder", "issued", "last_used", "expires"]
    readonly_fields = ["holder", "issued", "last_used", "expires"]
    ordering = ["-created_at"]

    @admin.display(description="用户", ordering="user__username")
    def holder(self, obj: ApiToken) -> str:
        return f"{obj.user.username}（{obj.user.display_name}）"

    @admin.display(description="签发时间", ordering="created_at")
    def issued(self, obj: ApiToken) -> datetime:
        return obj.created_at

    @admin.display(description="最近使用", ordering="last_used_at")
    def last_used(self, obj: ApiToken) -> datetime | None:
        return obj.last_used_at

    @admin.display(description="最迟失效时间")
    def expires(self, obj: ApiToken) -> datetime:
        return expires_at(obj)
