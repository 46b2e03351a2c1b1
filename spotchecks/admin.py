"""Spot checks in the operator's console: shown with their items and draws, never changed (only
``spotchecks.actions`` changes them, with the history event)."""

from __future__ import annotations

from django.contrib import admin

from organisation.admin import ReadOnlyAdmin, ReadOnlyInline

from .models import Draw, SpotCheck, SpotCheckItem


class ItemInline(ReadOnlyInline[SpotCheckItem]):
    model = SpotCheckItem
    fields = ["assignment", "department", "how", "state", "verdict", "fix_due", "times_returned"]


class DrawInline(ReadOnlyInline[Draw]):
    model = Draw
    fields = ["seed", "size", "percent", "criteria", "drawn_ids", "drawn_by", "drawn_at"]


@admin.register(SpotCheck)
class SpotCheckAdmin(ReadOnlyAdmin[SpotCheck]):
    list_display = ["title", "jurisdiction", "year", "checked_on", "state", "members_took_part"]
    list_filter = ["state", "year", "jurisdiction"]
    search_fields = ["title", "checked_by", "members"]
    fields = ["title", "jurisdiction", "year", "checked_on", "checked_by", "cppcc_staff", "members_took_part",
              "members", "state", "created_by", "created_at", "closed_by", "closed_at"]  # fmt: skip
    inlines = [DrawInline, ItemInline]
