"""The handling unit's workbench (承办单位): what needs doing, by whom, and the unit's whole to-do list.

Counts link to the same list filtered (state, role, light are the list's own filters), so a count and
the rows behind it never disagree. "需要我处理" asks the actions' own checks (``refusal``) what this user
may do now and puts first what the role usually does (签发 for the head, 签收/起草 for the handler), then what is left
after the reply (回头看, the B-class follow-up plan). Its 签收 button signs for the case right there.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.urls import path
from django.utils import timezone

from handling.access import visible_assignments, visible_follow_up_items
from handling.deadlines import follow_up_plan_due
from handling.models import Assignment, FollowUpItem, ResultClass
from handling.permissions import prefetch_for_actions, refusal
from handling.queries import light_bands
from handling.states import FINISHED, TRANSITIONS, AssignmentRole, State
from lib.paging import bounded_count
from organisation.models import DEPT_ROLES, Role, User
from organisation.roles import require_role

from ..action_forms import ASSIGNMENT_FORMS
from ..labels import LIGHT_LABELS, days_left, light
from ..links import assignment_url
from ..lists import Column, Filter, ListResult
from ..sections import list_page, proposal_head, search_proposal, unit_column, year_filter
from .browse import ASSIGNMENT_COLUMNS, assignment_rows, lit

S = State
LEAD, CO = AssignmentRole.LEAD, AssignmentRole.CO

# (label, the list's filters that show those rows); the count is taken with the same conditions.
COUNTS: list[tuple[str, dict[str, str]]] = [
    ("待签收", {"state": S.PENDING}),
    ("待填承办单", {"state": S.RECEIVED, "role": LEAD}),
    ("承办单待批", {"state": S.FORM_SUBMITTED}),
    ("办理中", {"state": S.HANDLING}),
    ("答复待签发", {"state": S.REPLY_DRAFTED}),
    ("再次办理", {"state": S.REHANDLING}),
    ("协办意见待提交", {"state": S.RECEIVED, "role": CO}),
    ("超期", {"light": "red"}),
]


# The usual next steps of each role, most pressing first; re-drafting a reply already waiting for
# signature is not a step to chase.
FOCUS: dict[str, list[str]] = {
    Role.DEPT_HEAD: ["sign_reply", "approve_form", "receive", "submit_form", "co_opinion", "draft_reply"],
    Role.DEPT_LEADER: ["approve_form", "receive", "submit_form", "co_opinion", "draft_reply"],
    Role.DEPT_HANDLER: ["receive", "submit_form", "co_opinion", "draft_reply"],
}
# The states those steps are open in (the transition table's), to pick the candidate rows in SQL.
FOCUS_STATES = sorted(frozenset().union(*(TRANSITIONS[n].sources for steps in FOCUS.values() for n in steps)))
# Rows examined for "需要我处理", by nearest deadline: each is loaded with what its checks read (~0.3 ms a row
# at a province's size); a unit with more sees the count as "100+" and its nearest deadlines.
CANDIDATES = 100
MINE_SHOWN = 12
FOLLOW_UPS_SHOWN = 8


def _unit_user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    require_role(user, *DEPT_ROLES)
    return user


def _condition(params: dict[str, str], today: date) -> Q:
    """The rows the list shows for these filters (state, role, light: the bands of ``browse.lit``)."""
    q = Q()
    if "state" in params:
        q &= Q(state=params["state"])
    if "role" in params:
        q &= Q(role=params["role"])
    if "light" in params:
        q &= light_bands(today)[params["light"]]
    return q


def _counts(qs: QuerySet[Assignment]) -> list[dict[str, Any]]:
    today = timezone.localdate()
    # COUNT(department_id): every column read is in assignment_dept_role_state_idx, counted from the index alone
    counts = {f"c{n}": Count("department", filter=_condition(p, today)) for n, (_, p) in enumerate(COUNTS)}
    values = qs.aggregate(**counts)
    return [
        {"label": label, "n": values[f"c{n}"], "url": "?" + urlencode(params) + "#todo", "params": params}
        for n, (label, params) in enumerate(COUNTS)
    ]


def _later(user: User, qs: QuerySet[Assignment]) -> tuple[list[tuple[Assignment, str]], int, bool]:
    """Replied cases with a step left, shown to every role after its usual work: the self-check (回头看)
    not yet done, by the deadline the reply's delivery set, then B-class replies without a follow-up plan
    (跟踪落实方案), earliest reply first. Returns the first ``MINE_SHOWN`` of each, how many there are, and
    whether that count stopped at ``CANDIDATES``."""

    # Each query asks what the transition table asks of its step (the assignment's role, its state) and what
    # the step's records need; the check left reads the user's role and unit: as the first row answers, so
    # would every row. So only the rows shown are loaded, and the rest counted (a unit of a province has
    # thousands of old cases).
    def open_step(name: str) -> QuerySet[Assignment]:
        t = TRANSITIONS[name]
        return qs.filter(role__in=t.applies_to, state__in=t.sources).select_related("proposal__session", "department")

    steps = (
        ("self_check", open_step("self_check").filter(
            self_check_due__isnull=False, self_check_done_on__isnull=True
        ).order_by("self_check_due", "pk")),
        ("follow_up_plan", open_step("follow_up_plan").filter(
            delivered_class=ResultClass.B, follow_up_items__isnull=True
        ).order_by("first_replied_on", "pk")),
    )  # fmt: skip
    shown: list[tuple[Assignment, str]] = []
    total, capped = 0, False
    for name, step in steps:
        first = list(step[:MINE_SHOWN])
        if first and refusal(user, name, first[0]) is None:
            shown += [(a, name) for a in first]
            n, exact = (len(first), True) if len(first) < MINE_SHOWN else bounded_count(step, CANDIDATES)
            total, capped = total + min(n, CANDIDATES), capped or not exact
    return shown, total, capped


def _due(a: Assignment, name: str) -> tuple[date | None, str]:
    """The deadline a row of "需要我处理" shows: the assignment's watched one, or the self-check's."""
    if name == "self_check":
        return a.self_check_due, "回头看期限"
    if name == "follow_up_plan":
        return follow_up_plan_due(a), "方案期限"
    return a.watch_on, "期限"


def _needs_me(user: User, qs: QuerySet[Assignment]) -> tuple[list[dict[str, Any]], int, bool]:
    """Assignments whose next step is this user's, the role's usual work first, then by deadline."""
    focus = FOCUS.get(user.role or "", FOCUS[Role.DEPT_HANDLER])
    candidates = (
        prefetch_for_actions(qs.filter(state__in=FOCUS_STATES))
        .select_related("proposal__session")
        .order_by("watch_on", "pk")[:CANDIDATES]
    )
    found = []
    for a in candidates:
        # the role's steps in order, each asked alone (``refusal``, the actions' own checks): the first open
        # one is the row's; asking for every action of the table per row cost seconds at a province's size
        first = next((n for n in focus if not (n == "draft_reply" and a.state == S.REPLY_DRAFTED)
                      and refusal(user, n, a) is None), None)  # fmt: skip
        if first is not None:
            found.append((focus.index(first), a, first))
    found.sort(key=lambda t: t[0])  # stable: within one kind of work, the nearest deadline first
    total, capped = len(found), len(candidates) == CANDIDATES
    later, later_total, later_capped = _later(user, qs)
    found += [(len(focus), a, name) for a, name in later]
    rows = []
    for _, a, name in found[:MINE_SHOWN]:
        due, due_label = _due(a, name)
        form = ASSIGNMENT_FORMS[name]
        rows.append(
            {
                "a": a,
                "action": name,
                "label": form.title,
                # the case page opens its usual step; any other is asked for (a closed case's 回头看)
                "href": assignment_url(a, open_form=None if form.primary else name, anchor=name),
                "due": due,
                "due_label": due_label,
                "days_left": days_left(due),
                "light": light(due),
            }
        )
    return rows, total + later_total, capped or later_capped


def _todo_filters(base: QuerySet[Assignment]) -> list[Filter]:
    return [
        search_proposal("proposal__"),
        Filter("state", "状态", lambda qs, v: qs.filter(state=v), tuple(State.choices)),
        Filter("role", "办理方式", lambda qs, v: qs.filter(role=v), tuple(AssignmentRole.choices)),
        Filter("light", "督办灯", lit, tuple(LIGHT_LABELS.items())),
        year_filter(base),
        Filter(
            "open",
            "范围",
            lambda qs, v: qs.exclude(state__in=FINISHED) if v == "1" else qs.filter(state__in=FINISHED),
            (("1", "未办完"), ("0", "已办完")),
        ),
    ]


@login_required
def workbench(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    user = _unit_user(request)
    base = visible_assignments(user)
    qs = base.select_related("proposal", "department")

    def context(result: ListResult) -> dict[str, Any]:
        counts = _counts(base)
        chosen = {k: v for k, v in result.query.items() if k in ("state", "role", "light")}
        for c in counts:
            c["active"] = chosen == c["params"]
        mine, mine_total, mine_capped = _needs_me(user, base)
        items = _open_items(user)
        return {
            "rows": assignment_rows(result.rows),
            "counts": counts,
            "mine": mine,
            "mine_total": mine_total,
            "mine_capped": mine_capped,
            "items": _item_rows(list(items[:FOLLOW_UPS_SHOWN])),
            "items_total": items.count(),
            "department": user.department,
        }

    return list_page(
        request,
        qs,
        _todo_filters(base),
        ASSIGNMENT_COLUMNS,
        "watch_on",
        csv_name="本单位交办",
        template="web/unit/workbench.html",
        context=context,
    )


# ---------------------------------------------------------------------------------------------------
# B-class follow-up items (跟踪落实事项)


def _items(user: User) -> QuerySet[FollowUpItem]:
    return visible_follow_up_items(user).select_related("assignment__proposal__session", "department")


def _open_items(user: User) -> QuerySet[FollowUpItem]:
    return _items(user).filter(done_on__isnull=True).order_by("due_on", "pk")


def _item_rows(items: list[FollowUpItem]) -> list[dict[str, Any]]:
    return [
        {
            "i": i,
            "days_left": None if i.done_on else days_left(i.due_on),
            "light": None if i.done_on else light(i.due_on),
        }
        for i in items
    ]


ITEM_COLUMNS = [
    *proposal_head("assignment__proposal"),
    Column("落实事项", lambda i: i.text),
    unit_column("责任单位"),
    Column("责任人", lambda i: i.person, "person"),
    Column("落实时限", lambda i: i.due_on, "due_on"),
    Column("剩余天数", lambda i: None if i.done_on else days_left(i.due_on)),
    Column("完成日期", lambda i: i.done_on, "done_on"),
]


@login_required
def follow_ups(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    user = _unit_user(request)
    filters = [
        Filter(
            "q",
            "案由、提案号或事项",
            lambda qs, v: qs.filter(
                Q(assignment__proposal__title__icontains=v[:200])
                | Q(assignment__proposal__number=v[:30])
                | Q(text__icontains=v[:200])
            ),
            kind="text",
        ),
        Filter("done", "状态", lambda qs, v: qs.filter(done_on__isnull=v == "0"), (("0", "未完成"), ("1", "已完成"))),
        Filter(
            "light",
            "督办灯（未完成）",
            lambda qs, v: lit(qs.filter(done_on__isnull=True), v, "due_on"),
            tuple(LIGHT_LABELS.items()),
        ),
    ]
    return list_page(
        request,
        _items(user),
        filters,
        ITEM_COLUMNS,
        "due_on",
        csv_name="跟踪落实事项",
        template="web/unit/follow_ups.html",
        context=lambda result: {"rows": _item_rows(result.rows)},
    )


urlpatterns = [
    path("", workbench, name="unit"),
    path("follow-ups/", follow_ups, name="unit-follow-ups"),
]
