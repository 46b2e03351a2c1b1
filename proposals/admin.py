"""Sessions and proposals in the operator's console: read-mostly.

A session is registered through ``actions.create_session`` and then only shown (its year and
jurisdiction are copied into every proposal and assignment). A proposal's text, proposers and status
are the record of what was filed and how it went: shown only. Its flags (重点提案, 建议案, 重大提案, 领办领导)
change through ``actions.set_flags``, which writes the history event, as the API's ``flags`` command does.
Nothing is deleted.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from history.admin import EventColumns
from history.models import Event
from lib.errors import DomainError
from organisation.admin import ReadOnlyInline
from organisation.models import Role, User

from . import actions
from .models import Instruction, Proposal, Proposer, Session


def _operator(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin[Session]):
    list_display = ["name", "year", "jurisdiction", "is_daily", "proposal_count"]
    list_filter = ["year", "is_daily", "jurisdiction"]
    list_select_related = ["jurisdiction"]
    search_fields = ["name", "=year"]
    autocomplete_fields = ["jurisdiction"]
    ordering = ["-year", "jurisdiction", "name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Session]:
        qs: QuerySet[Session] = super().get_queryset(request)
        return qs.annotate(n_proposals=Count("proposals"))

    @admin.display(description="提案数", ordering="n_proposals")
    def proposal_count(self, obj: Session) -> int:
        return getattr(obj, "n_proposals", 0)

    def has_change_permission(self, request: HttpRequest, obj: Session | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Session | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Session, form: Any, change: bool) -> None:
        """Register through the action (duplicates refused), as the API does."""
        try:
            saved = actions.create_session(
                obj.jurisdiction, actor=_operator(request), name=obj.name, year=obj.year, is_daily=obj.is_daily
            )
        except DomainError as exc:
            raise PermissionDenied(str(exc)) from exc
        obj.pk = saved.pk
        obj._state.adding = False


class ProposerInline(ReadOnlyInline[Proposer]):
    model = Proposer
    fields = ["position", "name", "user"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Proposer]:
        qs: QuerySet[Proposer] = super().get_queryset(request)
        return qs.select_related("user")


class InstructionInline(ReadOnlyInline[Instruction]):
    model = Instruction
    fields = ["leader", "text", "given_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Instruction]:
        qs: QuerySet[Instruction] = super().get_queryset(request)
        return qs.select_related("leader")

    @admin.display(description="批示时间")
    def given_at(self, obj: Instruction) -> Any:
        return obj.created_at


class EventInline(ReadOnlyInline[Event], EventColumns):
    """The proposal's history, oldest first (append-only: shown, never edited)."""

    model = Event
    verbose_name_plural = "办理历史（只读）"
    fields = ["at", "action", "assignment_ref", "before", "after", "by"]
    ordering = ["pk"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Event]:
        qs: QuerySet[Event] = super().get_queryset(request)
        return qs.select_related("actor", "assignment__department")


FLAGS = ("is_key", "is_suggestion", "is_major", "leading_leader")


class FlagsForm(forms.ModelForm[Proposal]):
    class Meta:
        model = Proposal
        fields = list(FLAGS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields.get("leading_leader")
        if isinstance(field, forms.ModelChoiceField):
            leaders = User.objects.filter(role=Role.GOV_LEADER, is_active=True)
            if self.instance.pk is not None:
                leaders = leaders.filter(jurisdiction_id=self.instance.jurisdiction_id)
            field.queryset = leaders.order_by("username")

    def clean_leading_leader(self) -> User | None:
        leader: User | None = self.cleaned_data.get("leading_leader")
        if leader is None and self.instance.leading_leader_id is not None:
            raise forms.ValidationError("领办领导只能更换，不能取消。")
        return leader


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin[Proposal]):
    form = FlagsForm
    list_display = ["number", "title", "session", "jurisdiction", "kind", "status", "is_key", "is_suggestion",
                    "is_major", "submitted_on"]  # fmt: skip
    list_display_links = ["number", "title"]
    list_filter = ["status", "kind", "is_key", "is_suggestion", "is_major", "year", "jurisdiction"]
    list_select_related = ["session", "jurisdiction"]
    search_fields = ["=number", "title", "proposers__name"]
    ordering = ["-year", "session", "number"]
    show_full_result_count = False
    inlines = [ProposerInline, InstructionInline, EventInline]
    fieldsets = (
        (None, {"fields": ("session", "jurisdiction", "year", "number", "title", "body", "category", "kind")}),
        ("办理", {"fields": ("status", "submitted_on", "is_public", "registered_at", "registered_by")}),
        ("标记（经操作记录入办理历史）", {"fields": FLAGS}),
    )
    readonly_fields = ["session", "jurisdiction", "year", "number", "title", "body", "category", "kind", "status",
                       "submitted_on", "is_public", "registered_at", "registered_by"]  # fmt: skip

    @admin.display(description="登记时间")
    def registered_at(self, obj: Proposal) -> Any:
        return obj.created_at

    @admin.display(description="登记人")
    def registered_by(self, obj: Proposal) -> str:
        return obj.created_by.display_name if obj.created_by else "—"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Proposal]:
        qs: QuerySet[Proposal] = super().get_queryset(request)
        # With its own select_related the changelist would skip list_select_related: name them all.
        return qs.select_related("session", "jurisdiction", "created_by", "leading_leader")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # registering is the CPPCC's page or POST /api/v1/proposals

    def has_delete_permission(self, request: HttpRequest, obj: Proposal | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Proposal, form: Any, change: bool) -> None:
        """Change the flags through the action; the admin's own save would leave no history event."""
        stored = Proposal.objects.get(pk=obj.pk)
        data = form.cleaned_data
        try:
            actions.set_flags(
                stored, actor=_operator(request), is_key=data.get("is_key"), is_suggestion=data.get("is_suggestion"),
                is_major=data.get("is_major"), leading_leader=data.get("leading_leader"),
            )  # fmt: skip
        except DomainError as exc:
            raise PermissionDenied(str(exc)) from exc
