"""Password rules (等保 2.0 level 3, 身份鉴别) and the forced change of a password someone else chose.

The rules are Django's validators (AUTH_PASSWORD_VALIDATORS: similarity to the account, minimum length,
common passwords, all digits) plus ``LettersAndDigitsValidator`` here. ``check_new_password`` runs them
all in Chinese, whatever language the client asked for, and raises the domain error every channel shows.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.password_validation import password_validators_help_texts, validate_password
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import translation

from lib.errors import Forbidden, InvalidInput

from . import otp
from .models import User


class LettersAndDigitsValidator:
    """At least one letter and one digit (complexity: two kinds of characters)."""

    def validate(self, password: str, user: User | None = None) -> None:
        has_letter = any(c.isalpha() for c in password)
        has_digit = any(c.isdigit() for c in password)
        if not (has_letter and has_digit):
            raise ValidationError("密码须同时包含字母和数字。", code="password_no_letters_and_digits")

    def get_help_text(self) -> str:
        return "密码须同时包含字母和数字。"


def password_messages(password: str, user: User | None) -> list[str]:
    """The Chinese reasons the password is refused (empty if it is good)."""
    with translation.override(settings.LANGUAGE_CODE):
        try:
            validate_password(password, user)
        except ValidationError as exc:
            return [str(m) for m in exc.messages]
    return []


def check_new_password(password: str, user: User | None, field: str = "password") -> None:
    """Raise ``InvalidInput`` naming ``field`` (as parse_body does) if the password breaks a rule."""
    messages = password_messages(password, user)
    if messages:
        text = "；".join(m.rstrip("。.") for m in messages) + "。"
        raise InvalidInput("密码不符合要求：" + text, details={"field": field, "fields": {field: text}})


def password_rules_text() -> list[str]:
    """The rules as users read them, for the forms."""
    with translation.override(settings.LANGUAGE_CODE):
        return [str(t) for t in password_validators_help_texts()]


class PasswordChangeRequired(Forbidden):
    code = "password_change_required"


# The calls a user with a password to replace may still make: replace it, or sign out.
_ALLOWED_WHILE_FLAGGED = {("POST", "/api/v1/auth/password"), ("DELETE", "/api/v1/auth/token")}


def require_account_ready(request: HttpRequest, user: User) -> None:
    """Called by the API's authenticators: every call but the change itself (and signing out) is refused
    while the user must replace the initial password, or must enrol a second factor first."""
    if (request.method, request.path) in _ALLOWED_WHILE_FLAGGED:
        return
    if user.must_change_password:
        raise PasswordChangeRequired("请先修改初始密码（POST /api/v1/auth/password）后再使用其他功能。")
    if otp.needs_enrolment(user):
        raise Forbidden("本角色须启用双因素认证：请先在网页“双因素认证”页绑定验证器。", code="otp_enrolment_required")
