"""Organisation endpoints: tokens, jurisdictions, units, users, /me."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.http import HttpRequest, HttpResponse
from ninja import Router
from pydantic import Field

from api.http import body_doc, json_response, paginate, parse_body
from api.schemas import ON_OBJECT, RETRY_AFTER, SIGNED_IN, STATEFUL, WITH_BODY, responses
from api.schemas.organisation import (
    DepartmentOut,
    DepartmentPage,
    JurisdictionOut,
    JurisdictionPage,
    MeOut,
    TokenOut,
    UnlockOut,
    UserOut,
)
from lib.errors import InvalidInput, NotFound, Unauthenticated
from lib.input import StrictSchema
from organisation import actions, lockout, otp, tokens
from organisation.models import Department, Jurisdiction, Role, User
from organisation.queries import existing_departments, existing_jurisdiction, get_jurisdiction

router = Router(tags=["组织机构"])


class TokenIn(StrictSchema):
    username: str = Field(max_length=150)
    password: str = Field(max_length=200)
    otp: str | None = Field(None, max_length=10, description="双因素认证的动态验证码（已绑定验证器时必填）")


class JurisdictionIn(StrictSchema):
    name: str = Field(min_length=1, max_length=100)
    parent_id: int | None = None


class RulesIn(StrictSchema):
    reply_months: int | None = Field(None, ge=1, le=12)
    max_extension_months: int | None = Field(None, ge=1, le=24)
    return_window_days: int | None = Field(None, ge=1, le=60)
    return_window_working: bool | None = None
    co_opinion_months: int | None = Field(None, ge=1, le=12)
    self_check_months: int | None = Field(None, ge=1, le=12)
    rehandle_months: int | None = Field(None, ge=1, le=12)
    feedback_days: int | None = Field(None, ge=1, le=90)
    deadline_rolls_to_workday: bool | None = None


class JurisdictionPatch(StrictSchema):
    name: str | None = Field(None, min_length=1, max_length=100)
    rules: RulesIn | None = None


class DepartmentIn(StrictSchema):
    name: str = Field(min_length=1, max_length=100)
    jurisdiction_id: int
    short_name: str = Field("", max_length=30)
    duties: str = Field("", max_length=20000)
    code: str = Field("", max_length=30)


class UserIn(StrictSchema):
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=200)
    name: str = Field(min_length=1, max_length=50)
    role: Role
    jurisdiction_id: int
    department_id: int | None = None
    phone: str = Field("", max_length=30)
    email: str = Field("", max_length=254)
    charged_department_ids: list[int] = Field(default_factory=list, max_length=500)


def jurisdiction_json(j: Jurisdiction) -> dict[str, Any]:
    return {"id": j.pk, "name": j.name, "parent_id": j.parent_id, "rules": j.time_rules.as_json()}


def department_json(d: Department) -> dict[str, Any]:
    return {
        "id": d.pk,
        "name": d.name,
        "short_name": d.short_name,
        "code": d.code,
        "jurisdiction_id": d.jurisdiction_id,
        "duties": d.duties,
    }


def user_json(u: User) -> dict[str, Any]:
    return {
        "id": u.pk,
        "username": u.username,
        "name": u.display_name,
        "role": u.role,
        "jurisdiction_id": u.jurisdiction_id,
        "department_id": u.department_id,
        "phone": u.phone,
        "email": u.email,
        "charged_department_ids": [d.pk for d in u.charged_departments.all()],
    }


@router.post(
    "/auth/token",
    auth=None,
    response=responses(200, TokenOut, WITH_BODY, (401, 403, 429)),
    openapi_extra={**body_doc(TokenIn), **RETRY_AFTER},
    summary="用户名和密码换取令牌",
)
def issue_token(request: HttpRequest) -> HttpResponse:
    data = parse_body(request, TokenIn)
    user = authenticate(request, username=data.username, password=data.password)
    if not isinstance(user, User) or not user.is_active:
        raise Unauthenticated("用户名或密码不正确。")
    otp.check_api_second_factor(user, data.otp, request)  # 401 otp_required / otp_invalid, 403 enrolment
    raw, token = tokens.issue(user, request)
    return json_response({"token": raw, "expires_at": tokens.expires_at(token)})


@router.delete("/auth/token", response=responses(204, None, SIGNED_IN), summary="撤销本次请求所用的令牌（退出）")
def revoke_token(request: HttpRequest) -> HttpResponse:
    """204 after revoking the bearer token of this request. A browser session has no token to revoke:
    400, so a script that meant to sign out does not believe it did (the page's 退出 ends the session)."""
    token = getattr(request, "api_token", None)
    if token is None:
        raise InvalidInput("本次请求未使用令牌，无令牌可撤销；网页会话请通过“退出”结束。")
    tokens.revoke(token, request)
    return HttpResponse(status=204)


@router.get("/me", response=responses(200, MeOut, SIGNED_IN), summary="当前用户")
def me(request: HttpRequest) -> HttpResponse:
    user: User = request.auth  # type: ignore[attr-defined]
    return json_response(
        {
            "id": user.pk,
            "username": user.username,
            "name": user.display_name,
            "role": None if user.is_superuser else user.role,  # api.md: a superuser has no role
            "department_id": user.department_id,
            "jurisdiction_id": user.jurisdiction_id,
            "is_superuser": user.is_superuser,
        }
    )


@router.post(
    "/jurisdictions",
    response=responses(201, JurisdictionOut, SIGNED_IN, WITH_BODY, STATEFUL),
    openapi_extra=body_doc(JurisdictionIn),
    summary="新建辖区（系统管理员）",
)
def create_jurisdiction(request: HttpRequest) -> HttpResponse:
    actor: User = request.auth  # type: ignore[attr-defined]
    actions.require_superuser(actor)
    data = parse_body(request, JurisdictionIn)
    parent = existing_jurisdiction(data.parent_id, "parent_id") if data.parent_id is not None else None
    j = actions.create_jurisdiction(actor=actor, name=data.name, parent=parent)
    return json_response(jurisdiction_json(j), status=201)


@router.get("/jurisdictions", response=responses(200, JurisdictionPage, SIGNED_IN), summary="辖区列表")
def list_jurisdictions(request: HttpRequest, page: int | None = None, page_size: int | None = None) -> HttpResponse:
    qs = Jurisdiction.objects.order_by("pk")
    return json_response(paginate(qs, page, page_size, lambda rows: [jurisdiction_json(j) for j in rows]))


@router.get(
    "/jurisdictions/{jurisdiction_id}",
    response=responses(200, JurisdictionOut, SIGNED_IN, ON_OBJECT),
    summary="辖区及其办理时限规则",
)
def read_jurisdiction(request: HttpRequest, jurisdiction_id: int) -> HttpResponse:
    return json_response(jurisdiction_json(get_jurisdiction(jurisdiction_id)))


@router.patch(
    "/jurisdictions/{jurisdiction_id}",
    response=responses(200, JurisdictionOut, SIGNED_IN, WITH_BODY, ON_OBJECT, STATEFUL),
    openapi_extra=body_doc(JurisdictionPatch),
    summary="修改辖区或时限规则",
)
def patch_jurisdiction(request: HttpRequest, jurisdiction_id: int) -> HttpResponse:
    actor: User = request.auth  # type: ignore[attr-defined]
    j = get_jurisdiction(jurisdiction_id)
    actions.require_office_of(actor, j)
    data = parse_body(request, JurisdictionPatch)
    rules = data.rules.model_dump(exclude_none=True) if data.rules is not None else None
    j = actions.update_jurisdiction(j, actor=actor, name=data.name, rules=rules)
    return json_response(jurisdiction_json(j))


@router.post(
    "/departments",
    response=responses(201, DepartmentOut, SIGNED_IN, WITH_BODY, STATEFUL),
    openapi_extra=body_doc(DepartmentIn),
    summary="新建承办单位",
)
def create_department(request: HttpRequest) -> HttpResponse:
    actor: User = request.auth  # type: ignore[attr-defined]
    actions.require_office_role(actor)
    data = parse_body(request, DepartmentIn)
    j = existing_jurisdiction(data.jurisdiction_id, "jurisdiction_id")
    d = actions.create_department(
        j, actor=actor, name=data.name, short_name=data.short_name, duties=data.duties, code=data.code
    )
    return json_response(department_json(d), status=201)


@router.get("/departments", response=responses(200, DepartmentPage, SIGNED_IN), summary="承办单位列表")
def list_departments(
    request: HttpRequest, jurisdiction: int | None = None, page: int | None = None, page_size: int | None = None
) -> HttpResponse:
    qs = Department.objects.filter(is_active=True).order_by("pk")
    if jurisdiction is not None:
        qs = qs.filter(jurisdiction_id=jurisdiction)
    return json_response(paginate(qs, page, page_size, lambda rows: [department_json(d) for d in rows]))


@router.post(
    "/users",
    response=responses(201, UserOut, SIGNED_IN, WITH_BODY, STATEFUL),
    openapi_extra=body_doc(UserIn),
    summary="新建用户",
)
def create_user(request: HttpRequest) -> HttpResponse:
    actor: User = request.auth  # type: ignore[attr-defined]
    actions.require_office_role(actor)
    data = parse_body(request, UserIn)
    j = existing_jurisdiction(data.jurisdiction_id, "jurisdiction_id")
    department = None
    if data.department_id is not None:
        department = existing_departments([data.department_id], "department_id")[0]
    charged = existing_departments(data.charged_department_ids, "charged_department_ids")
    user = actions.create_user(
        actor=actor,
        new=actions.NewUser(
            username=data.username,
            password=data.password,
            name=data.name,
            role=data.role,
            jurisdiction=j,
            department=department,
            phone=data.phone,
            email=data.email,
            charged_departments=charged,
        ),
    )
    return json_response(user_json(user), status=201)


@router.post(
    "/users/{user_id}/unlock",
    response=responses(200, UnlockOut, SIGNED_IN, ON_OBJECT),
    summary="解除账号的登录锁定（督查室、系统管理员）",
)
def unlock_user(request: HttpRequest, user_id: int) -> HttpResponse:
    actor: User = request.auth  # type: ignore[attr-defined]
    actions.require_office_role(actor)
    user = lockout.users_managed_by(actor).filter(pk=user_id).first()
    if user is None:
        raise NotFound("用户不存在。")
    cleared = lockout.unlock(user, actor=actor, request=request)
    return json_response({"user_id": user.pk, "username": user.username, "locked": False, "cleared": cleared})
