"""Assignments in the operator's console: shown with their records, never changed.

An assignment's state, deadlines and records change only through ``handling.actions`` (role, unit and
state checked, the history event in the same transaction); the admin has no add, change or delete here,
so a POST to change or delete one is refused (403).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from history.models import Event
from organisation.admin import ReadOnlyAdmin, ReadOnlyInline

from .models import Assignment, ExtensionRequest, Reminder, Reply, ReturnRequest
from .states import State


def _name(user: Any) -> str:
    return user.display_name if user is not None else "系统"


class ReplyInline(ReadOnlyInline[Reply]):
    model = Reply
    fields = ["version", "result_class", "method", "is_public", "signed_on", "delivered_on", "drafter"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Reply]:
        qs: QuerySet[Reply] = super().get_queryset(request)
        return qs.select_related("drafted_by").order_by("version")

    @admin.display(description="起草人")
    def drafter(self, obj: Reply) -> str:
        return _name(obj.drafted_by)


class ExtensionInline(ReadOnlyInline[ExtensionRequest]):
    model = ExtensionRequest
    fields = ["requested", "new_due_on", "reason", "decision_label", "cppcc_consulted"]

    @admin.display(description="申请时间")
    def requested(self, obj: ExtensionRequest) -> Any:
        return obj.requested_at

    @admin.display(description="审批结果")
    def decision_label(self, obj: ExtensionRequest) -> str:
        return obj.get_decision_display()


class ReturnInline(ReadOnlyInline[ReturnRequest]):
    model = ReturnRequest
    fields = ["requested", "reason", "decision_label"]

    @admin.display(description="申请时间")
    def requested(self, obj: ReturnRequest) -> Any:
        return obj.requested_at

    @admin.display(description="审批结果")
    def decision_label(self, obj: ReturnRequest) -> str:
        return obj.get_decision_display()


class ReminderInline(ReadOnlyInline[Reminder]):
    model = Reminder
    fields = ["sent", "message", "sender"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Reminder]:
        qs: QuerySet[Reminder] = super().get_queryset(request)
        return qs.select_related("sent_by")

    @admin.display(description="催办时间")
    def sent(self, obj: Reminder) -> Any:
        return obj.created_at

    @admin.display(description="催办人")
    def sender(self, obj: Reminder) -> str:
        return _name(obj.sent_by)


class AssignmentEventInline(ReadOnlyInline[Event]):
    model = Event
    verbose_name_plural = "办理历史（只读）"
    fields = ["at", "action", "before", "after", "by"]
    ordering = ["pk"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Event]:
        qs: QuerySet[Event] = super().get_queryset(request)
        return qs.select_related("actor")

    @admin.display(description="原状态")
    def before(self, obj: Event) -> str:
        return State(obj.from_state).label if obj.from_state in State.values else obj.from_state or "—"

    @admin.display(description="新状态")
    def after(self, obj: Event) -> str:
        return State(obj.to_state).label if obj.to_state in State.values else obj.to_state or "—"

    @admin.display(description="操作人")
    def by(self, obj: Event) -> str:
        return _name(obj.actor)


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin[Assignment]):
    list_display = ["number", "title", "unit", "role", "state", "assigned_on", "due_on", "first_replied_on"]
    list_display_links = ["number", "title"]
    list_filter = ["state", "role", "year", "department__jurisdiction"]
    list_select_related = ["proposal", "department"]
    search_fields = ["=proposal__number", "proposal__title", "department__name"]
    ordering = ["-year", "proposal__number", "pk"]
    show_full_result_count = False
    inlines = [ReplyInline, ExtensionInline, ReturnInline, ReminderInline, AssignmentEventInline]
    fieldsets = (
        (None, {"fields": ("proposal_ref", "unit", "role", "state", "year")}),
        (
            "期限",
            {
                "fields": (
                    "assigned_on",
                    "assigner",
                    "due_on",
                    "max_due_on",
                    "return_deadline",
                    "co_opinion_due",
                    "remind_on",
                    "self_check_due",
                )
            },
        ),  # fmt: skip
        ("办理情况", {"fields": ("first_replied_on", "extensions", "was_rehandled", "was_returned")}),
    )

    @admin.display(description="提案号", ordering="proposal__number")
    def number(self, obj: Assignment) -> str:
        return obj.proposal.number

    @admin.display(description="案由")
    def title(self, obj: Assignment) -> str:
        return obj.proposal.title

    @admin.display(description="提案")
    def proposal_ref(self, obj: Assignment) -> str:
        return str(obj.proposal)

    @admin.display(description="承办单位", ordering="department__name")
    def unit(self, obj: Assignment) -> str:
        return obj.department.name

    @admin.display(description="交办人")
    def assigner(self, obj: Assignment) -> str:
        return _name(obj.assigned_by)

    @admin.display(description="获准延期次数")
    def extensions(self, obj: Assignment) -> int:
        return obj.extensions_approved

    @admin.display(description="曾再次办理", boolean=True)
    def was_rehandled(self, obj: Assignment) -> bool:
        return obj.rehandled

    @admin.display(description="曾退回", boolean=True)
    def was_returned(self, obj: Assignment) -> bool:
        return obj.returned

    def get_queryset(self, request: HttpRequest) -> QuerySet[Assignment]:
        qs: QuerySet[Assignment] = super().get_queryset(request)
        # With its own select_related the changelist would skip list_select_related: name them all.
        return qs.select_related("proposal", "department", "assigned_by")
