"""The user's own account: change the password (forced after the office set it), two-factor sign-in."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import translation
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from lib.errors import Forbidden, InvalidInput
from organisation import actions, otp
from organisation.models import Role, User
from organisation.passwords import password_rules_text


class PasswordChangeForm(forms.Form):
    """Only the two new entries are compared here; the rules live in ``actions.change_own_password``."""

    old_password = forms.CharField(label="原密码", strip=False, max_length=200, widget=forms.PasswordInput)
    new_password1 = forms.CharField(label="新密码", strip=False, max_length=200, widget=forms.PasswordInput)
    new_password2 = forms.CharField(label="再次输入新密码", strip=False, max_length=200, widget=forms.PasswordInput)

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password1") and data.get("new_password2") and data["new_password1"] != data["new_password2"]:
            self.add_error("new_password2", "两次输入的新密码不一致。")
        return data


# The action names the API's fields; the page's own names differ for the new password.
_FORM_FIELD = {"old_password": "old_password", "new_password": "new_password1"}


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "web/account/password.html"
    form_class = PasswordChangeForm  # type: ignore[assignment]
    success_url = reverse_lazy("home")

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # Django's own rule messages in Chinese whatever the browser's language.
        with translation.override(settings.LANGUAGE_CODE):
            return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["rules"] = password_rules_text()
        context["forced"] = self.request.user.must_change_password  # type: ignore[union-attr]
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        user: User = self.request.user  # type: ignore[assignment]
        try:
            actions.change_own_password(
                user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
                request=self.request,
            )
        except InvalidInput as exc:
            form.add_error(_FORM_FIELD.get(exc.details.get("field", "")), exc.message)
            return self.form_invalid(form)
        update_session_auth_hash(self.request, user)  # stay signed in with the new password
        messages.success(self.request, "密码已修改。")
        return HttpResponseRedirect(self.get_success_url())


def _is_staff_account(user: User) -> bool:
    return user.is_superuser or (bool(user.role) and user.role != Role.MEMBER)


@login_required
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """Enrol a TOTP authenticator (secret + QR code, confirmed by a first code), or disable it."""
    user: User = request.user  # type: ignore[assignment]
    if not _is_staff_account(user):
        raise Forbidden("双因素认证仅适用于工作人员账号。")
    error = ""
    if request.method == "POST":
        code = request.POST.get("code", "")
        try:
            if request.POST.get("action") == "disable":
                otp.disable(user, code, request)
                messages.success(request, "已停用双因素认证。")
            else:
                device = otp.confirm_enrolment(user, code, request)
                otp_login(request, device)  # this session has now shown the second factor
                messages.success(request, "双因素认证已启用：此后登录须输入验证器上的动态验证码。")
            return redirect("two-factor")
        except (InvalidInput, Forbidden) as exc:
            error = exc.message
    device = otp.confirmed_device(user)
    context: dict[str, Any] = {"device": device, "error": error, "required": otp.is_required(user)}
    if device is None:
        pending = otp.pending_device(user)
        context.update(secret=otp.secret_base32(pending), qr_svg=otp.qr_svg(pending))
    return render(request, "web/account/two_factor.html", context, status=400 if error else 200)
