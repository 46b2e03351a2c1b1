"""The member's pages (委员): my proposals, and one proposal with its reply, rating form and history.

Designed for a phone first. The member rates through the shared feedback form, which posts to the
assignment endpoint (the same command as the API) and comes back here via ``next``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone

from attachments.access import proposal_attachments
from attachments.models import Attachment
from handling.access import access_proposal, visible_assignments, visible_proposals
from handling.disclosure import Audience, audience_of, disclosed_events, may_read, reply_for
from handling.models import (
    Assignment,
    ContactMethod,
    ContactStage,
    Feedback,
    FollowUpItem,
    Rating,
    Reply,
    ReplyMeeting,
    SecondFeedback,
    SelfCheck,
)
from handling.queries import awaiting_feedback
from handling.states import FINISHED, AssignmentRole, State
from history.models import Event
from lib.dates import cn_date
from organisation.models import Role, User
from organisation.roles import require_role
from proposals.models import Proposal, ProposalStatus, Proposer
from search.query import filter_proposals

from ..labels import days_left, light
from ..lists import Column, Filter, export, export_format, run_list
from .assignments import action_panels

RATINGS = dict(Rating.choices)


def awaiting_rating(user: User) -> QuerySet[Assignment]:
    """Lead assignments whose delivered reply waits for this member's rating.

    Waiting for feedback (``handling.queries.awaiting_feedback``: where the feedback form is offered),
    the member is one of the proposers, and the member has not yet rated the latest delivered reply (a
    co-signer's rating leaves the state as it is, so the state alone does not tell).
    """
    newer = Reply.objects.filter(
        assignment_id=OuterRef("assignment_id"), delivered_on__isnull=False, version__gt=OuterRef("reply__version")
    )
    rated = Feedback.objects.filter(assignment_id=OuterRef("pk"), proposer__user=user).exclude(Exists(newer))
    mine = Proposer.objects.filter(proposal_id=OuterRef("proposal_id"), user=user)
    return visible_assignments(user).filter(awaiting_feedback(), Exists(mine)).exclude(Exists(rated))


def _years(base: QuerySet[Proposal]) -> tuple[tuple[str, str], ...]:
    years = base.order_by("-year").values_list("year", flat=True).distinct()
    return tuple((str(y), f"{y}年") for y in years)


def _filters(user: User, base: QuerySet[Proposal]) -> list[Filter]:
    waiting = awaiting_rating(user).values("proposal_id")
    return [
        Filter("q", "案由、正文或提案号", filter_proposals, kind="text"),
        Filter("year", "年度", lambda qs, v: qs.filter(year=int(v)), _years(base)),
        Filter("status", "状态", lambda qs, v: qs.filter(status=v), tuple(ProposalStatus.choices)),
        Filter(
            "rating",
            "满意度测评",
            lambda qs, v: qs.filter(pk__in=waiting) if v == "waiting" else qs.exclude(pk__in=waiting),
            (("waiting", "待您评价"), ("other", "无需评价")),
        ),
    ]


def _units(p: Proposal) -> str:
    return "、".join(f"{a.department.name}（{a.get_role_display()}）" for a in p.assignments.all())


COLUMNS = [
    Column("提案号", lambda p: p.number, "number"),
    Column("案由", lambda p: p.title, "title"),
    Column("届次", lambda p: p.session.name),
    Column("状态", lambda p: p.get_status_display(), "status"),
    Column("承办单位", _units),
    Column(
        "答复日期", lambda p: min((a.first_replied_on for a in p.assignments.all() if a.first_replied_on), default=None)
    ),
    Column("登记时间", lambda p: timezone.localtime(p.created_at).date(), "created_at"),
]


def _card(p: Proposal, waiting: set[int]) -> dict[str, Any]:
    assignments = list(p.assignments.all())
    leads = [a for a in assignments if a.role == AssignmentRole.LEAD and a.state != State.WITHDRAWN]
    return {
        "p": p,
        "units": [a for a in assignments if a.state != State.WITHDRAWN],
        "replied": [a for a in leads if a.first_replied_on],
        "waiting": [a for a in leads if a.pk in waiting],
    }


@login_required
def workbench(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    user: User = request.user  # type: ignore[assignment]
    require_role(user, Role.MEMBER)
    base = visible_proposals(user)
    # "lead" sorts after "co": descending puts the lead units, who answer the member, first
    units = Assignment.objects.select_related("department").order_by("-role", "pk")
    qs = base.select_related("session").prefetch_related(Prefetch("assignments", queryset=units))
    result = run_list(request, qs, _filters(user, base), COLUMNS, "-created_at")
    if fmt := export_format(request):
        return export(fmt, result.extra["sorted_qs"], COLUMNS, "我的提案")
    waiting = set(awaiting_rating(user).values_list("pk", flat=True))
    waiting_count = awaiting_rating(user).values("proposal_id").distinct().count()
    context = {
        "result": result,
        "cards": [_card(p, waiting) for p in result.rows],
        "waiting_count": waiting_count,
        "waiting_url": result.url(rating="waiting", page=None),
        "sorts": [c for c in result.columns if c["sort_url"]],
    }
    return render(request, "web/member/home.html", context)


def _day(iso: Any) -> str:
    """A date an event keeps as ISO text, as offices write it (2026年3月2日)."""
    try:
        return cn_date(date.fromisoformat(str(iso)))
    except ValueError:
        return str(iso or "")


def _event_detail(action: str, d: dict[str, Any]) -> str:
    """One step in words, from the part of its event the member may read (``handling.disclosure``)."""
    if action == "contact":
        stage = dict(ContactStage.choices).get(d.get("stage", ""), "")
        method = dict(ContactMethod.choices).get(d.get("method", ""), "")
        return f"{stage}（{method}，{_day(d.get('date'))}）"
    if action == "feedback":
        who = f"{d['proposer']}：" if d.get("proposer") else ""
        return f"{who}办理态度{RATINGS.get(d.get('attitude', ''), '')}，办理结果{RATINGS.get(d.get('result', ''), '')}"
    if action == "sign_reply" and d.get("signed_on"):
        return f"签发日期 {_day(d['signed_on'])}"
    if action == "reply_meeting" and d.get("date"):
        return f"答复座谈会 {_day(d['date'])}"
    if action == "decide_extension" and isinstance(d.get("due_on"), dict):
        return f"办复期限延至 {_day(d['due_on'].get('to'))}"
    if action in ("second_feedback", "follow_up_done"):
        return str(d.get("text", ""))
    return ""


def _readable[T](rows: Iterable[T], action: str, audience: Audience) -> list[T]:
    """The records behind an action, if the audience reads that action (``handling.disclosure``)."""
    return list(rows) if may_read(action, audience) else []


def _lead_block(user: User, a: Assignment, waiting: set[int], files: list[Attachment]) -> dict[str, Any]:
    audience = audience_of(user)
    feedback_panel = None
    if a.pk in waiting:
        for panel in action_panels(user, a):
            if panel["name"] == "feedback":
                feedback_panel = panel
        if feedback_panel is not None and user.role == Role.MEMBER:
            # A member rates as themselves; choosing a proposer is for staff entering paper forms.
            form = feedback_panel["form"]
            fields = tuple(f for f in form.fields if f.name != "proposer_id")
            feedback_panel = {**feedback_panel, "form": dataclasses.replace(form, fields=fields), "open": True}
    before_reply = a.state not in FINISHED  # replied, closed, withdrawn: no deadline left to watch
    return {
        "a": a,
        "reply": reply_for(a.replies.all(), audience),
        "due_days": days_left(a.due_on) if before_reply else None,
        "due_light": light(a.due_on) if before_reply else None,
        "panel": feedback_panel,
        "my_feedbacks": [f for f in a.feedbacks.all() if f.proposer and f.proposer.user_id == user.pk],
        "items": _readable(a.follow_up_items.all(), "follow_up_plan", audience),
        "self_checks": _readable(a.self_checks.all(), "self_check", audience),
        "second_feedbacks": _readable(a.second_feedbacks.all(), "second_feedback", audience),
        "meetings": _readable(a.reply_meetings.all(), "reply_meeting", audience),
        "files": [f for f in files if f.assignment_id == a.pk],
    }


@login_required
def proposal(request: HttpRequest, proposal_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    require_role(user, Role.MEMBER)
    p = access_proposal(user, proposal_id)
    assignments = list(
        Assignment.objects.filter(proposal=p)
        .select_related("department", "proposal__jurisdiction")
        .prefetch_related(
            Prefetch("replies", queryset=Reply.objects.select_related("signed_by").order_by("-version")),
            Prefetch("feedbacks", queryset=Feedback.objects.select_related("proposer", "reply").order_by("pk")),
            Prefetch(
                "follow_up_items", queryset=FollowUpItem.objects.select_related("department").order_by("due_on", "pk")
            ),
            Prefetch("self_checks", queryset=SelfCheck.objects.order_by("pk")),
            Prefetch("second_feedbacks", queryset=SecondFeedback.objects.order_by("pk")),
            Prefetch("reply_meetings", queryset=ReplyMeeting.objects.order_by("date", "pk")),
        )
        .order_by("role", "pk")
    )
    waiting = set(awaiting_rating(user).filter(proposal=p).values_list("pk", flat=True))
    # What a member downloads is decided once, in attachments/access.py (the proposal's original, a
    # delivered reply's sealed scan); the page only places each file: with its unit, or the proposal's own.
    files = list(proposal_attachments(user, p))
    leads = [_lead_block(user, a, waiting, files) for a in assignments if a.role == AssignmentRole.LEAD]
    placed = {f.pk for b in leads for f in b["files"]}
    events = Event.objects.filter(proposal=p).select_related("actor", "assignment__department").order_by("pk")
    audience = audience_of(user)
    instructions = p.instructions.select_related("leader").order_by("pk")
    context = {
        "p": p,
        "proposers": list(p.proposers.order_by("position")),
        "instructions": _readable(instructions, "instruction", audience),
        "leads": leads,
        "co_units": [a for a in assignments if a.role == AssignmentRole.CO and a.state != State.WITHDRAWN],
        "files": [f for f in files if f.pk not in placed],
        "waiting": [b for b in leads if b["panel"]],
        "events": [{"e": e, "detail": _event_detail(e.action, d)} for e, d in disclosed_events(events, audience)],
        "here": reverse("member-proposal", args=[p.pk]),
        "today": timezone.localdate(),
    }
    return render(request, "web/member/proposal.html", context)


urlpatterns = [
    path("", workbench, name="member"),
    path("<int:proposal_id>/", proposal, name="member-proposal"),
]
