"""In-app messages in the operator's console: shown only (delivery writes them, the user reads them,
``manage.py prune_notifications`` removes old read ones); and their e-mail/SMS deliveries, to see what
went out and what failed (the worker alone changes them), and the daily tally the pruned ones leave."""

from __future__ import annotations

from datetime import datetime

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from organisation.admin import ReadOnlyAdmin

from .models import Delivery, DeliveryTally, Notification

COLUMNS = ("recipient", "text", "proposal_ref", "sent", "read")


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin[Notification]):
    list_display = COLUMNS
    list_select_related = ["user", "proposal"]
    search_fields = ["=user__username", "text"]
    ordering = ["-pk"]
    show_full_result_count = False
    fields = COLUMNS

    def get_queryset(self, request: HttpRequest) -> QuerySet[Notification]:
        qs: QuerySet[Notification] = super().get_queryset(request)
        return qs.select_related("user", "proposal")

    @admin.display(description="收件人", ordering="user__username")
    def recipient(self, obj: Notification) -> str:
        return f"{obj.user.username}（{obj.user.display_name}）"

    @admin.display(description="提案")
    def proposal_ref(self, obj: Notification) -> str:
        return str(obj.proposal) if obj.proposal else "—"

    @admin.display(description="发送时间", ordering="created_at")
    def sent(self, obj: Notification) -> datetime:
        return obj.created_at

    @admin.display(description="阅读时间", ordering="read_at")
    def read(self, obj: Notification) -> datetime | None:
        return obj.read_at


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin[Delivery]):
    list_display = ("user", "channel", "outcome", "attempts", "last_error", "next_attempt_at", "sent_at")
    list_filter = ("channel", "outcome")
    list_select_related = ["user"]
    search_fields = ["=user__username"]
    ordering = ["-pk"]
    show_full_result_count = False
    fields = ("user", "notification", "channel", "day", "outcome", "attempts", "last_error", "next_attempt_at",
              "sent_at", "created_at")  # fmt: skip


@admin.register(DeliveryTally)
class DeliveryTallyAdmin(ReadOnlyAdmin[DeliveryTally]):
    list_display = ("day", "channel", "outcome", "count", "attempts")
    list_filter = ("channel", "outcome")
    date_hierarchy = "day"
    ordering = ["-day", "channel", "outcome"]
    fields = list_display
