"""The history in the operator's console: every event shown, none added, changed or deleted.

Events are append-only (a trigger on PostgreSQL, the hash chain everywhere): the admin only reads them,
so a POST to change or delete one is refused (403) before the database is asked.
"""

from __future__ import annotations

import json

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from organisation.admin import ReadOnlyAdmin

from .models import Event

COLUMNS = ("at", "proposal_ref", "assignment_ref", "action", "before", "after", "by")


class EventColumns:
    """The columns an event shows wherever it is listed (this admin and the proposal's inline)."""

    @admin.display(description="交办单位")
    def assignment_ref(self, obj: Event) -> str:
        return obj.assignment.department.name if obj.assignment else "—"

    @admin.display(description="原状态")
    def before(self, obj: Event) -> str:
        return obj.from_state or "—"

    @admin.display(description="新状态")
    def after(self, obj: Event) -> str:
        return obj.to_state or "—"

    @admin.display(description="操作人")
    def by(self, obj: Event) -> str:
        return obj.actor.display_name if obj.actor else "系统"


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin[Event], EventColumns):
    list_display = COLUMNS
    list_select_related = ["proposal", "assignment__department", "actor"]
    # Exact matches only: the table is the largest there is, and a LIKE over it would scan every row.
    search_fields = ["=proposal__number", "=action", "=actor__username"]
    ordering = ["-pk"]
    show_full_result_count = False
    fields = (*COLUMNS, "details", "previous_hash", "own_hash")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Event]:
        qs: QuerySet[Event] = super().get_queryset(request)
        return qs.select_related("proposal", "assignment__department", "actor")

    @admin.display(description="提案", ordering="proposal__number")
    def proposal_ref(self, obj: Event) -> str:
        return str(obj.proposal)

    @admin.display(description="详情")
    def details(self, obj: Event) -> str:
        return json.dumps(obj.data, ensure_ascii=False, sort_keys=True) if obj.data else "—"

    @admin.display(description="前一事件哈希")
    def previous_hash(self, obj: Event) -> str:
        return obj.prev_hash or "—"

    @admin.display(description="本事件哈希")
    def own_hash(self, obj: Event) -> str:
        return obj.hash
