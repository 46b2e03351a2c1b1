"""Signing in and out; each role lands on its own workbench."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from organisation import otp
from organisation.models import User

from .. import second_step
from ..labels import workbench_url
from .common import safe_next


def home(request: HttpRequest) -> HttpResponse:
    """Signed in: to the workbench. Otherwise the front page with sign-in and the public replies."""
    if request.user.is_authenticated:
        user: User = request.user
        return redirect(workbench_url(user))
    return render(request, "web/home.html")


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True

    def get_success_url(self) -> str:
        user: User = self.request.user  # type: ignore[assignment]
        return safe_next(self.request, workbench_url(user))

    def form_valid(self, form: Any) -> HttpResponse:
        # The password was right; with a confirmed authenticator the sign-in waits for its code.
        user: User = form.get_user()
        if otp.confirmed_device(user) is None:
            return super().form_valid(form)
        second_step.begin(self.request, user, next_url=safe_next(self.request, ""))
        return redirect("login-code")


@require_http_methods(["GET", "POST"])
def login_code(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: the 6-digit code of the user's authenticator."""
    user = second_step.pending_user(request)
    if user is None:
        return redirect("login")
    error = ""
    if request.method == "POST":
        if not second_step.allowed(request, user):
            return second_step.locked_response(request, user)
        device = otp.check_code(user, request.POST.get("code", ""), request)
        if device is not None:
            target = second_step.finish(request, user, device)
            return redirect(target or workbench_url(user))
        error = "动态验证码不正确或已过期，请重新输入验证器上当前显示的 6 位数字。"
    return render(request, "web/login_code.html", {"error": error}, status=400 if error else 200)


class LogoutView(auth_views.LogoutView):
    next_page = "home"  # a URL name (resolve_url)
