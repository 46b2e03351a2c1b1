"""The office's page of locked accounts (登录锁定), with a button to unlock each one.

Listed and unlocked within ``organisation.lockout.users_managed_by``: the office's own jurisdiction,
every account for a superuser; the same rule as ``POST /api/v1/users/{id}/unlock``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from lib.errors import NotFound
from organisation import lockout
from organisation.models import Role, User
from organisation.roles import require_role


@login_required
def locked_list(request: HttpRequest) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    require_role(actor, Role.OFFICE_STAFF)
    accounts = lockout.locked_accounts(lockout.users_managed_by(actor))
    return render(request, "web/office/lockouts.html", {"accounts": accounts})


@login_required
@require_POST
def unlock(request: HttpRequest, user_id: int) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    require_role(actor, Role.OFFICE_STAFF)
    user = lockout.users_managed_by(actor).filter(pk=user_id).first()
    if user is None:
        raise NotFound("用户不存在。")
    lockout.unlock(user, actor=actor, request=request)
    messages.success(request, f"已解除“{user.display_name}”（{user.username}）的登录锁定。")
    return redirect("lockouts")


urlpatterns = [
    path("", locked_list, name="lockouts"),
    path("<int:user_id>/unlock/", unlock, name="lockout-unlock"),
]
