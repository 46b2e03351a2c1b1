"""Signing in and out; each role lands on its own workbench."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from organisation.models import User

from ..labels import workbench_url
from .common import safe_next


def home(request: HttpRequest) -> HttpResponse:
    """Signed in: to the workbench. Otherwise the front page with sign-in and the public replies."""
    if request.user.is_authenticated:
        user: User = request.user  # type: ignore[assignment]
        return redirect(workbench_url(user))
    return render(request, "web/home.html")


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True

    def get_success_url(self) -> str:
        user: User = self.request.user  # type: ignore[assignment]
        return safe_next(self.request, workbench_url(user))


class LogoutView(auth_views.LogoutView):
    next_page = "/"
