"""The security audit log in the operator's console: read only, like the auditor's page (/audit/).

Entries are append-only (a trigger on PostgreSQL, the keyed hash chain everywhere); nobody may add,
change or delete one, and the model grants only ``view`` (``default_permissions``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from organisation.admin import ReadOnlyAdmin

from .labels import KIND_LABELS, OUTCOME_LABELS
from .models import AuditEntry


class KindFilter(admin.SimpleListFilter):
    """The known kinds from the labels, not a DISTINCT over the whole log."""

    title = "事件"
    parameter_name = "kind"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return list(KIND_LABELS.items())

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(kind=self.value()) if self.value() else queryset


class OutcomeFilter(admin.SimpleListFilter):
    title = "结果"
    parameter_name = "outcome"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return list(OUTCOME_LABELS.items())

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(outcome=self.value()) if self.value() else queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin[AuditEntry]):
    list_display = ["at", "kind_name", "outcome_name", "username", "actor_username", "ip", "method", "path"]
    list_filter = [KindFilter, OutcomeFilter]
    search_fields = ["=username", "=actor_username", "=ip"]
    ordering = ["-pk"]
    date_hierarchy = "at"
    show_full_result_count = False
    fields = ["at", "kind_name", "outcome_name", "username", "actor_username", "ip", "user_agent", "method", "path",
              "details"]  # fmt: skip

    @admin.display(description="事件", ordering="kind")
    def kind_name(self, obj: AuditEntry) -> str:
        return obj.kind_label

    @admin.display(description="结果", ordering="outcome")
    def outcome_name(self, obj: AuditEntry) -> str:
        return obj.outcome_label

    @admin.display(description="详情")
    def details(self, obj: AuditEntry) -> str:
        return obj.details or "—"
