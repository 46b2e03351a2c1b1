"""The supervision plans in the operator's console: shown with their milestones, notes and instructions,
never changed (they change only through ``supervision.actions``, with their history events)."""

from __future__ import annotations

from django.contrib import admin

from organisation.admin import ReadOnlyAdmin, ReadOnlyInline

from .models import Instruction, Milestone, Plan, ProgressNote


class MilestoneInline(ReadOnlyInline[Milestone]):
    model = Milestone
    fields = ["title", "department", "due_on", "done_on", "note", "remind_on"]


class ProgressNoteInline(ReadOnlyInline[ProgressNote]):
    model = ProgressNote
    fields = ["department", "author", "text", "created_at"]


class InstructionInline(ReadOnlyInline[Instruction]):
    model = Instruction
    fields = ["leader", "text", "recorded_by", "created_at"]


@admin.register(Plan)
class PlanAdmin(ReadOnlyAdmin[Plan]):
    list_display = ["proposal", "watch_on", "next_milestone", "created_at"]
    list_select_related = ["proposal", "next_milestone"]
    search_fields = ["=proposal__number", "proposal__title"]
    ordering = ["watch_on", "pk"]
    fields = ["proposal", "next_milestone", "watch_on", "created_at", "created_by"]
    inlines = [MilestoneInline, ProgressNoteInline, InstructionInline]
