"""Spot checks (抽查, /office/spot-checks/ and /unit/spot-checks/): the office's list with the new-check form
(a random draw or items chosen by hand), filters and the Excel export; one check's page with its sample,
the findings, the answers to accept and a chart of the verdicts and the rectification; and the unit's list
of findings to answer. The views parse, call ``spotchecks.actions`` and render; the rules live there."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from handling.access import visible_jurisdiction_ids
from handling.models import Assignment
from lib.dates import cn_date
from lib.errors import Forbidden, InvalidInput
from lib.input import StrictSchema
from lib.spreadsheet import XLSX_CONTENT_TYPE, SheetColumn, attachment, xlsx_file
from organisation.models import DEPT_ROLES, Department, Jurisdiction, Role, User
from organisation.roles import require_role
from proposals.models import Proposal
from spotchecks import actions
from spotchecks.access import access_check, access_item, visible_checks, visible_items
from spotchecks.commands import AnswerIn, ChooseForm, DrawForm, FindingIn, NewCheckForm, ReviewIn
from spotchecks.models import CheckState, ItemState, SpotCheck, SpotCheckItem, Verdict
from spotchecks.queries import eligible, not_yet_in, summary
from spotchecks.serialize import item_rows

from ..charts import chart_height, pie_chart, stacked_bar
from ..forms import FormErrors
from ..links import url
from ..perform import perform

VERDICT_COLOURS = {Verdict.FULFILLED: "#2e8b57", Verdict.PARTLY: "#e0a800", Verdict.NOT_FULFILLED: "#c0392b"}
STATE_COLOURS = {
    ItemState.PENDING: "#8a8f98",
    ItemState.NO_ACTION: "#2e8b57",
    ItemState.AWAITING_ANSWER: "#c0392b",
    ItemState.ANSWERED: "#e0a800",
    ItemState.ACCEPTED: "#0b5cad",
}
STATE_BADGES = {
    ItemState.PENDING: "text-bg-secondary",
    ItemState.NO_ACTION: "text-bg-success",
    ItemState.AWAITING_ANSWER: "text-bg-danger",
    ItemState.ANSWERED: "text-bg-warning",
    ItemState.ACCEPTED: "text-bg-primary",
}
CHOICES_SHOWN = 300  # eligible assignments offered to choose by hand (the rest by a draw)


def _staff(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    require_role(user, Role.OFFICE_STAFF, Role.CPPCC_STAFF)
    return user


def _own_jurisdiction(user: User) -> Jurisdiction | None:
    return Jurisdiction.objects.filter(pk=user.jurisdiction_id).first() if user.jurisdiction_id else None


def _years(user: User) -> list[int]:
    found = set(
        Assignment.objects.filter(jurisdiction_id__in=visible_jurisdiction_ids(user))
        .values_list("year", flat=True)
        .distinct()
    )
    return sorted(found | {timezone.localdate().year}, reverse=True)


# ---------------------------------------------------------------------------------------------------
# The office's list


def _form_options(user: User) -> dict[str, Any]:
    jurisdiction = _own_jurisdiction(user)
    if jurisdiction is None:
        return {}
    categories = (
        Proposal.objects.filter(jurisdiction=jurisdiction).exclude(category="")
        .values_list("category", flat=True).distinct().order_by("category")
    )  # fmt: skip
    return {
        "jurisdiction": jurisdiction,
        "units": list(Department.objects.filter(jurisdiction=jurisdiction, is_active=True).order_by("name")),
        "categories": list(categories),
        "default_checked_by": f"{jurisdiction.name}人民政府办公室会同{jurisdiction.name}政协提案委员会",
    }


def _list_context(request: HttpRequest, user: User) -> dict[str, Any]:
    years = _years(user)
    year_raw, state = request.GET.get("year", ""), request.GET.get("state", "")
    qs = visible_checks(user).select_related("jurisdiction")
    year = int(year_raw) if year_raw.isdigit() else None
    if year is not None:
        qs = qs.filter(year=year)
    if state in CheckState.values:
        qs = qs.filter(state=state)
    checks = list(qs.order_by("-checked_on", "-id")[:200])
    counts: dict[int, dict[str, int]] = {c.pk: {"total": 0, "checked": 0, "open": 0} for c in checks}
    for check_id, item_state in SpotCheckItem.objects.filter(spot_check__in=checks).values_list(
        "spot_check_id", "state"
    ):
        c = counts[check_id]
        c["total"] += 1
        c["checked"] += item_state != ItemState.PENDING
        c["open"] += item_state in (ItemState.AWAITING_ANSWER, ItemState.ANSWERED)
    return {
        "checks": [{"c": c, **counts[c.pk]} for c in checks],
        "years": years,
        "year": year,
        "state": state,
        "states": CheckState.choices,
        "is_office": user.is_superuser or user.role == Role.OFFICE_STAFF,
        "today_iso": timezone.localdate().isoformat(),
        "default_year": years[0] if years else timezone.localdate().year,
        "verdicts": Verdict.choices,
        "errors": FormErrors(),
        "values": {},
        **_form_options(user),
    }


@login_required
def spotcheck_list(request: HttpRequest) -> HttpResponse | FileResponse:
    user = _staff(request)
    context = _list_context(request, user)
    if request.GET.get("export") == "xlsx":
        return _export([row["c"] for row in context["checks"]])
    return render(request, "web/spotchecks/list.html", context)


@login_required
@require_POST
def spotcheck_new(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    require_role(user, Role.OFFICE_STAFF)
    jurisdiction = _own_jurisdiction(user)
    if jurisdiction is None:
        raise Forbidden("没有所属辖区，不能新建抽查。")
    check, errors = perform(
        NewCheckForm, request.POST,
        lambda data: actions.create_spot_check(jurisdiction, actor=user, data=data.as_command()),
    )  # fmt: skip
    if not errors:
        n = check.items.count()
        messages.success(request, f"已新建抽查“{check.title}”，抽查事项 {n} 件。")
        return redirect(url("spotcheck_detail", check.pk))
    context = _list_context(request, user)
    context.update(errors=errors, values=request.POST, open_form=True)
    return render(request, "web/spotchecks/list.html", context, status=422)


def _export(checks: list[SpotCheck]) -> FileResponse:
    heads = ("抽查名称", "年度", "检查日期", "检查单位", "邀请委员", "参加委员", "抽查状态", "提案号", "案由",
             "承办单位", "抽取方式", "检查结论", "检查情况", "整改要求", "整改时限", "整改情况", "事项状态",
             "退回次数")  # fmt: skip
    columns = [SheetColumn(h) for h in heads]
    items = (
        SpotCheckItem.objects.filter(spot_check__in=checks)
        .select_related("spot_check", "assignment__proposal", "department")
        .order_by("-spot_check__checked_on", "spot_check_id", "assignment__proposal__number", "pk")
    )

    def line(i: SpotCheckItem) -> list[Any]:
        c, p = i.spot_check, i.assignment.proposal
        return [c.title, c.year, c.checked_on, c.checked_by, "是" if c.members_took_part else "否", c.members,
                c.get_state_display(), p.number, p.title, i.department.name, i.get_how_display(),
                i.get_verdict_display() if i.verdict else "", i.findings, i.fixes, i.fix_due, i.answer,
                i.get_state_display(), i.times_returned]  # fmt: skip

    out = xlsx_file(columns, (line(i) for i in items.iterator()), title="抽查事项")
    response = FileResponse(out, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = attachment(f"抽查-{timezone.localdate().isoformat()}.xlsx")
    return response


# ---------------------------------------------------------------------------------------------------
# One check


def charts(items: list[SpotCheckItem]) -> dict[str, Any]:
    """The verdicts of the items checked (a ring), and each unit's items by where their rectification stands
    (bars stacked by state)."""
    s = summary(items)
    units = sorted({i.department.name for i in items})
    by_unit = {(i.department.name, i.state) for i in items}
    counts = {(u, st): sum(1 for i in items if i.department.name == u and i.state == st) for u, st in by_unit}
    progress = stacked_bar(
        units,
        [(label, STATE_COLOURS[ItemState(code)], [counts.get((u, code), 0) for u in units])
         for code, label, n in s["states"] if n],
    )  # fmt: skip
    progress["grid"]["top"] = 56  # the legend takes two lines on a phone
    verdicts = pie_chart([(label, VERDICT_COLOURS[Verdict(code)], n) for code, label, n in s["verdicts"] if n])
    # the count inside each segment, the names in the legend: outside labels are cut off on a phone
    verdicts["series"][0]["label"] = {"position": "inside", "formatter": "{c}件", "color": "#fff", "fontWeight": "bold"}
    return {
        "summary": s,
        "verdict_chart": verdicts,
        "progress_chart": progress,
        "progress_height": chart_height(len(units), 34) + 24,
    }


def _detail_context(user: User, check: SpotCheck) -> dict[str, Any]:
    items = item_rows(check)
    is_office = user.is_superuser or (user.role == Role.OFFICE_STAFF and user.jurisdiction_id == check.jurisdiction_id)
    may_check = user.is_superuser or (user.role in (Role.OFFICE_STAFF, Role.CPPCC_STAFF)
                                      and user.jurisdiction_id == check.jurisdiction_id)  # fmt: skip
    is_open = check.state == CheckState.OPEN
    choices: list[Assignment] = []
    if is_office and is_open:
        choices = list(
            not_yet_in(check, eligible(check.jurisdiction_id, check.year))
            .select_related("proposal__session", "department").order_by("proposal__number", "pk")[:CHOICES_SHOWN]
        )  # fmt: skip
    rows = [
        {
            "i": i,
            "badge": STATE_BADGES[ItemState(i.state)],
            "can_find": may_check and is_open and i.state in (ItemState.PENDING, ItemState.NO_ACTION,
                                                               ItemState.AWAITING_ANSWER),
            "can_review": is_office and is_open and i.state == ItemState.ANSWERED,
        }
        for i in items
    ]  # fmt: skip
    return {
        "check": check,
        "rows": rows,
        "draws": list(check.draws.select_related("drawn_by").order_by("pk")),
        "is_office": is_office,
        "is_open": is_open,
        "choices": choices,
        "verdicts": Verdict.choices,
        "today": timezone.localdate(),
        "errors": {},
        "values": {},
        "unsettled": sum(1 for i in items if i.state not in (ItemState.NO_ACTION, ItemState.ACCEPTED)),
        **_form_options(user),
        **charts(items),
    }


@login_required
def spotcheck_detail(request: HttpRequest, check_id: int) -> HttpResponse:
    user = _staff(request)
    check = access_check(user, check_id)
    return render(request, "web/spotchecks/detail.html", _detail_context(user, check))


def _after(request: HttpRequest, user: User, check: SpotCheck, form: str, errors: FormErrors, done: str,
           fragment: str = "") -> HttpResponse:  # fmt: skip
    """Back to the check's page on success; else the page again with the form's errors (422)."""
    if not errors:
        messages.success(request, done)
        return redirect(url("spotcheck_detail", check.pk, fragment=fragment))
    context = _detail_context(user, access_check(user, check.pk))
    context.update(errors={form: errors}, values={form: request.POST}, open_form=form)
    return render(request, "web/spotchecks/detail.html", context, status=422)


@login_required
@require_POST
def spotcheck_draw(request: HttpRequest, check_id: int) -> HttpResponse:
    user = _staff(request)
    check = access_check(user, check_id)
    actions.require_office(user, check)

    def run(data: DrawForm) -> Any:
        spec = data.as_draw()
        if spec is None:
            raise InvalidInput("请选择随机抽取。")
        return actions.draw_items(check, actor=user, spec=spec)

    added, errors = perform(DrawForm, request.POST, run)
    return _after(request, user, check, "draw", errors, f"已随机抽取 {len(added or [])} 件。", "items-title")


@login_required
@require_POST
def spotcheck_choose(request: HttpRequest, check_id: int) -> HttpResponse:
    user = _staff(request)
    check = access_check(user, check_id)
    actions.require_office(user, check)
    added, errors = perform(
        ChooseForm, request.POST, lambda d: actions.choose_items(check, actor=user, assignment_ids=d.assignment_ids)
    )
    return _after(request, user, check, "choose", errors, f"已加入 {len(added or [])} 件。", "items-title")


@login_required
@require_POST
def spotcheck_close(request: HttpRequest, check_id: int) -> HttpResponse:
    user = _staff(request)
    check = access_check(user, check_id)
    actions.require_office(user, check)
    _, errors = perform(StrictSchema, request.POST, lambda _: actions.close_spot_check(check, actor=user))
    return _after(request, user, check, "close", errors, "抽查已结束。")


@login_required
@require_POST
def spotcheck_finding(request: HttpRequest, item_id: int) -> HttpResponse:
    user = _staff(request)
    item = access_item(user, item_id)
    actions.require_checker(user, item.spot_check)
    _, errors = perform(FindingIn, request.POST, lambda d: actions.record_finding(item, actor=user, data=d))
    return _after(request, user, item.spot_check, f"finding-{item.pk}", errors, "已记录检查情况。", f"item-{item.pk}")


@login_required
@require_POST
def spotcheck_review(request: HttpRequest, item_id: int) -> HttpResponse:
    user = _staff(request)
    item = access_item(user, item_id)
    actions.require_office(user, item.spot_check)

    def run(d: ReviewIn) -> Any:
        return actions.review_answer(item, actor=user, accept=d.accept, comment=d.comment)

    _, errors = perform(ReviewIn, request.POST, run)
    done = "已验收整改情况。" if request.POST.get("accept") == "true" else "已退回整改。"
    return _after(request, user, item.spot_check, f"review-{item.pk}", errors, done, f"item-{item.pk}")


# ---------------------------------------------------------------------------------------------------
# The unit's findings


def _unit_user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    require_role(user, *DEPT_ROLES)
    return user


ORDER = {ItemState.AWAITING_ANSWER: 0, ItemState.ANSWERED: 1, ItemState.NO_ACTION: 2, ItemState.ACCEPTED: 3}


@login_required
def unit_spotchecks(request: HttpRequest) -> HttpResponse:
    user = _unit_user(request)
    items = list(
        visible_items(user)
        .select_related("spot_check", "assignment__proposal__session", "department")
        .order_by("fix_due", "-pk")[:500]
    )
    items.sort(key=lambda i: ORDER.get(ItemState(i.state), 9))
    rows = [{"i": i, "badge": STATE_BADGES[ItemState(i.state)]} for i in items]
    waiting = sum(1 for i in items if i.state == ItemState.AWAITING_ANSWER)
    return render(request, "web/spotchecks/unit_list.html", {"rows": rows, "waiting": waiting,
                                                              "today": timezone.localdate()})  # fmt: skip


@login_required
def unit_spotcheck(request: HttpRequest, item_id: int) -> HttpResponse:
    user = _unit_user(request)
    item = access_item(user, item_id)
    errors = FormErrors()
    if request.method == "POST":
        actions.require_unit(user, item)
        _, errors = perform(AnswerIn, request.POST, lambda d: actions.answer_finding(item, actor=user, text=d.text))
        if not errors:
            messages.success(request, "已反馈整改情况，待督查室验收。")
            return redirect(url("unit_spotchecks"))
        item = access_item(user, item_id)
    context = {
        "i": item,
        "badge": STATE_BADGES[ItemState(item.state)],
        "can_answer": item.spot_check.state == CheckState.OPEN and item.state == ItemState.AWAITING_ANSWER,
        "errors": errors,
        "posted": request.POST.get("text", ""),
        "due": cn_date(item.fix_due),
    }
    return render(request, "web/spotchecks/unit_item.html", context, status=422 if errors else 200)


office_urls = [
    path("", spotcheck_list, name="spotcheck_list"),
    path("new/", spotcheck_new, name="spotcheck_new"),
    path("<int:check_id>/", spotcheck_detail, name="spotcheck_detail"),
    path("<int:check_id>/draw/", spotcheck_draw, name="spotcheck_draw"),
    path("<int:check_id>/choose/", spotcheck_choose, name="spotcheck_choose"),
    path("<int:check_id>/close/", spotcheck_close, name="spotcheck_close"),
    path("items/<int:item_id>/finding/", spotcheck_finding, name="spotcheck_finding"),
    path("items/<int:item_id>/review/", spotcheck_review, name="spotcheck_review"),
]
unit_urls = [
    path("", unit_spotchecks, name="unit_spotchecks"),
    path("<int:item_id>/", unit_spotcheck, name="unit_spotcheck"),
]
