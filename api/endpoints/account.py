"""Password endpoints: the user's own change, and the office resetting someone's password."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Router
from pydantic import Field

from api.http import body_doc, json_response, parse_body
from api.schemas import ON_OBJECT, SIGNED_IN, STATEFUL, WITH_BODY, responses
from api.schemas.organisation import PasswordResetOut, TokenOut
from lib.errors import NotFound
from lib.input import StrictSchema
from organisation import actions, tokens
from organisation.models import User

router = Router(tags=["组织机构"])


class PasswordChangeIn(StrictSchema):
    old_password: str = Field(min_length=1, max_length=200)
    new_password: str = Field(min_length=1, max_length=200)


class PasswordResetIn(StrictSchema):
    new_password: str = Field(min_length=1, max_length=200)


@router.post(
    "/auth/password",
    response=responses(200, TokenOut, SIGNED_IN, WITH_BODY, STATEFUL),
    openapi_extra=body_doc(PasswordChangeIn),
    summary="修改本人密码，换取新令牌",
)
def change_password(request: HttpRequest) -> HttpResponse:
    """Every earlier token of the user is revoked by the change; the answer carries a fresh one."""
    user: User = request.auth  # type: ignore[attr-defined]
    data = parse_body(request, PasswordChangeIn)
    actions.change_own_password(user, old_password=data.old_password, new_password=data.new_password, request=request)
    raw, token = tokens.issue(user, request)
    return json_response({"token": raw, "expires_at": tokens.expires_at(token)})


@router.post(
    "/users/{user_id}/password",
    response=responses(200, PasswordResetOut, SIGNED_IN, WITH_BODY, ON_OBJECT, STATEFUL),
    openapi_extra=body_doc(PasswordResetIn),
    summary="重置用户密码（督查室、系统管理员）",
)
def reset_password(request: HttpRequest, user_id: int) -> HttpResponse:
    """The user must replace the new password at the next sign-in."""
    actor: User = request.auth  # type: ignore[attr-defined]
    actions.require_office_role(actor)
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise NotFound("用户不存在。")
    data = parse_body(request, PasswordResetIn)
    actions.reset_password(user, actor=actor, new_password=data.new_password, request=request)
    return json_response({"user_id": user.pk, "must_change_password": user.must_change_password})
