"""The second sign-in factor: a TOTP device (django-otp), optional for staff, required per role.

``OTP_REQUIRED_ROLES`` (settings, from the environment) lists the roles that must use one. A wrong code
counts as a failed sign-in for the lock-out (Django's ``user_login_failed``, which django-axes counts),
and every check is reported as ``security_event`` kind ``"otp"``.
"""

from __future__ import annotations

from base64 import b32encode

import segno
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice

from lib.errors import Forbidden, InvalidInput, Unauthenticated

from .models import Role, User
from .signals import security_event


def required_roles() -> frozenset[str]:
    roles = frozenset(settings.OTP_REQUIRED_ROLES)
    unknown = roles - set(Role.values)
    if unknown:
        raise ImproperlyConfigured(f"OTP_REQUIRED_ROLES 含有未知角色：{sorted(unknown)}；可选：{Role.values}")
    return roles


def is_required(user: User) -> bool:
    return bool(user.role) and user.role in required_roles()


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def needs_enrolment(user: User) -> bool:
    return is_required(user) and confirmed_device(user) is None


def _report(user: User, request: HttpRequest | None, outcome: str, step: str) -> None:
    security_event.send(
        sender=User, kind="otp", user=user, actor=user, request=request, outcome=outcome, data={"step": step}
    )


def check_code(user: User, code: str, request: HttpRequest | None, *, step: str = "sign_in") -> TOTPDevice | None:
    """The confirmed device accepting ``code``, or None; a refusal counts as a failed sign-in."""
    device = confirmed_device(user)
    code = (code or "").strip()
    with transaction.atomic():
        ok = device is not None and code.isdigit() and len(code) <= 10 and device.verify_token(code)
    if ok:
        _report(user, request, "success", step)
        return device
    _report(user, request, "failure", step)
    user_login_failed.send(sender=User, credentials={"username": user.get_username()}, request=request)
    return None


def check_api_second_factor(user: User, code: str | None, request: HttpRequest) -> None:
    """For ``POST /auth/token`` after the password: enrolment required, code missing, or code wrong."""
    if confirmed_device(user) is None:
        if is_required(user):
            raise Forbidden(
                "本角色须启用双因素认证：请先在网页“双因素认证”页绑定验证器后再获取令牌。",
                code="otp_enrolment_required",
            )
        return
    if not code:
        raise Unauthenticated(
            "该账号已启用双因素认证，请同时提交验证器上的 6 位动态验证码（otp）。", code="otp_required"
        )
    if check_code(user, code, request, step="token") is None:
        raise Unauthenticated("动态验证码不正确或已过期。", code="otp_invalid")


# ---- enrolment -----------------------------------------------------------------------------------


def pending_device(user: User) -> TOTPDevice:
    """The unconfirmed device being set up (one per user), made on first view."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="验证器", confirmed=False)
    return device


def secret_base32(device: TOTPDevice) -> str:
    return b32encode(device.bin_key).decode()


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL as an inline SVG QR code (drawn here: no image service)."""
    qr = segno.make(device.config_url, error="m")
    return str(qr.svg_inline(scale=4, border=2, title="双因素认证二维码", svgclass="otp-qr"))


def confirm_enrolment(user: User, code: str, request: HttpRequest | None) -> TOTPDevice:
    """Confirm the pending device with a first code; replaces any earlier device.

    The check is outside the write's transaction, so a refused code still counts (throttle, audit).
    """
    device = pending_device(user)
    code = (code or "").strip()
    if not (code.isdigit() and len(code) <= 10 and device.verify_token(code)):
        _report(user, request, "failure", "enrol")
        raise InvalidInput("验证码不正确，请核对手机时间后输入验证器上当前显示的 6 位数字。", details={"field": "code"})
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    _report(user, request, "success", "enrol")
    return device


def disable(user: User, code: str, request: HttpRequest | None) -> None:
    """Remove the user's devices after a valid code; a role that requires the factor may not."""
    if is_required(user):
        raise Forbidden("本角色须使用双因素认证，不能停用。")
    if check_code(user, code, request, step="disable") is None:
        raise InvalidInput("验证码不正确，未停用。", details={"field": "code"})
    TOTPDevice.objects.filter(user=user).delete()
    security_event.send(
        sender=User, kind="otp", user=user, actor=user, request=request, outcome="success", data={"step": "disabled"}
    )
