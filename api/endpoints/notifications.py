"""My messages: the inbox of the signed-in user."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Router

from api.http import json_response, paginate
from api.schemas import ON_OBJECT, SIGNED_IN, responses
from api.schemas.notifications import NotificationOut, NotificationPage
from notifications import inbox
from notifications.models import Notification
from organisation.models import User

router = Router(tags=["消息提醒"])


def notification_json(n: Notification) -> dict[str, object]:
    return {
        "id": n.pk,
        "text": n.text,
        "proposal_id": n.proposal_id,
        "assignment_id": n.assignment_id,
        "created_at": n.created_at,
        "read_at": n.read_at,
    }


@router.get("/notifications", response=responses(200, NotificationPage, SIGNED_IN), summary="我的消息")
def list_notifications(
    request: HttpRequest, unread: bool = False, page: int | None = None, page_size: int | None = None
) -> HttpResponse:
    user: User = request.auth  # type: ignore[attr-defined]
    qs = Notification.objects.filter(user=user).order_by("-pk")
    if unread:
        qs = qs.filter(read_at__isnull=True)
    return json_response(paginate(qs, page, page_size, lambda rows: [notification_json(n) for n in rows]))


@router.post(
    "/notifications/{notification_id}/read",
    response=responses(200, NotificationOut, SIGNED_IN, ON_OBJECT),
    summary="标记为已读",
)
def mark_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    user: User = request.auth  # type: ignore[attr-defined]
    return json_response(notification_json(inbox.mark_read(user, notification_id)))
