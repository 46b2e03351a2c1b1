"""The user's own message channels (/account/notifications/): e-mail, SMS, the office's daily digest.
The in-app inbox is always on; the choice is saved by ``notifications.preferences.choose``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from notifications import preferences
from notifications.models import Delivery
from organisation.models import User


@login_required
@require_http_methods(["GET", "POST"])
def notification_preferences(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if request.method == "POST":
        preferences.choose(
            user,
            email=request.POST.get("email") == "on",
            sms=request.POST.get("sms") == "on",
            digest=request.POST.get("digest") == "on",
        )
        messages.success(request, "消息接收方式已保存。")
        return redirect("notification-preferences")
    recent = Delivery.objects.filter(user=user).select_related("notification").order_by("-pk")[:10]
    context = {
        "channels": preferences.chosen(user),
        "may_digest": preferences.may_digest(user),
        "email_on": preferences.email_configured(),
        "email": preferences.email_address(user),
        "mobile": preferences.mobile_number(user),
        "recent": recent,
    }
    return render(request, "web/account/notifications.html", context)
