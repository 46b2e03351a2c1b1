"""Every change to a spot check goes through one function here.

Each function locks the check (then the item), checks role and jurisdiction or unit (403), the state of
the check and the item (409) and the rules (422), writes the change and, for every item it touches, the
event in that proposal's history in the same transaction; messages to the unit (or the office) are
written once it commits. The API and the pages call these and nothing else.

Who: the office of the check's jurisdiction opens checks, draws and chooses items, accepts or sends back
the answers and closes the check; the CPPCC's staff of that jurisdiction record findings with it (the
office "会同政协相关部门", seed §二(四)); the checked unit's staff answer its findings.
"""

from __future__ import annotations

import math
import random
import secrets
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from handling.models import Assignment
from history.recording import record_event
from lib.dates import cn_date
from lib.errors import Forbidden, InvalidInput, InvalidTransition, RuleViolation
from notifications.delivery import notify, office_users, unit_users
from organisation.actions import require_office_of
from organisation.models import DEPT_ROLES, Jurisdiction, Role, User

from .commands import SEED_MAX, DrawIn, FindingIn, SpotCheckIn
from .models import SETTLED, CheckState, Draw, How, ItemState, SpotCheck, SpotCheckItem, Verdict
from .queries import eligible, not_yet_in

I = ItemState  # noqa: E741 - short, as handling's S


def today() -> date:
    return timezone.localdate()


# ---------------------------------------------------------------------------------------------------
# Who may do what (also called by the API before it parses a body: 403 comes before 400)


def require_office(actor: User, check: SpotCheck) -> None:
    require_office_of(actor, check.jurisdiction)


def require_checker(actor: User, check: SpotCheck) -> None:
    if actor.is_superuser:
        return
    if actor.role not in (Role.OFFICE_STAFF, Role.CPPCC_STAFF) or actor.jurisdiction_id != check.jurisdiction_id:
        raise Forbidden("只有本辖区督查室或政协提案委工作人员可以记录检查情况。")


def require_unit(actor: User, item: SpotCheckItem) -> None:
    if actor.is_superuser:
        return
    if actor.role not in DEPT_ROLES or actor.department_id != item.department_id:
        raise Forbidden("只有被抽查单位的工作人员可以反馈整改情况。")


# ---------------------------------------------------------------------------------------------------
# Plumbing


def _lock_check(check: SpotCheck) -> SpotCheck:
    return SpotCheck.objects.select_for_update(of=("self",)).select_related("jurisdiction").get(pk=check.pk)


def _lock_item(item: SpotCheckItem) -> SpotCheckItem:
    return (
        SpotCheckItem.objects.select_for_update(of=("self",))
        .select_related("assignment", "assignment__proposal", "assignment__proposal__session", "department")
        .get(pk=item.pk)
    )


def _require_open(check: SpotCheck) -> None:
    if check.state != CheckState.OPEN:
        raise InvalidTransition("该抽查已结束，不能再修改。", details={"state": check.state})


def _require_item_state(item: SpotCheckItem, allowed: Iterable[str], doing: str) -> None:
    allowed = tuple(allowed)
    if item.state not in allowed:
        raise InvalidTransition(
            f"该事项当前为“{ItemState(item.state).label}”，不能{doing}。",
            details={"state": item.state, "allowed_states": list(allowed)},
        )


def _record(item: SpotCheckItem, action: str, *, actor: User, data: dict[str, Any]) -> None:
    """The event in the proposal's history; the assignment's own state is unchanged (from = to)."""
    a = item.assignment
    record_event(a.proposal, action, actor=actor, assignment=a, from_state=a.state, to_state=a.state,
                 data={"spot_check_id": item.spot_check_id, "item_id": item.pk, **data})  # fmt: skip


def _label(a: Assignment) -> str:
    p = a.proposal
    return f"{p.session.name}第{p.number}号提案《{p.title}》"


def _tell_unit(item: SpotCheckItem, text: str) -> None:
    a = item.assignment
    notify(unit_users(item.department_id), text, proposal_id=a.proposal_id, assignment_id=a.pk)


def _tell_office(check: SpotCheck, item: SpotCheckItem, text: str) -> None:
    a = item.assignment
    notify(office_users(check.jurisdiction_id), text, proposal_id=a.proposal_id, assignment_id=a.pk)


# ---------------------------------------------------------------------------------------------------
# The check and its items


@transaction.atomic
def create_spot_check(jurisdiction: Jurisdiction, *, actor: User, data: SpotCheckIn) -> SpotCheck:
    """Open a check of the jurisdiction's year, with a first random draw and/or assignments chosen by hand."""
    require_office_of(actor, jurisdiction)
    members = data.members.strip() if data.members_took_part else ""
    if data.members_took_part and not members:
        raise InvalidInput(
            "邀请了政协委员参加时，请填写参加的委员。", details={"fields": {"members": "请填写参加的委员"}}
        )
    check = SpotCheck.objects.create(
        jurisdiction=jurisdiction, year=data.year, title=data.title.strip(), checked_by=data.checked_by.strip(),
        cppcc_staff=data.cppcc_staff.strip(), members_took_part=data.members_took_part, members=members,
        checked_on=data.checked_on, created_by=actor,
    )  # fmt: skip
    check = _lock_check(check)
    if data.draw is not None:
        _draw(check, actor, data.draw)
    if data.assignment_ids:
        _choose(check, actor, data.assignment_ids)
    return check


@transaction.atomic
def draw_items(check: SpotCheck, *, actor: User, spec: DrawIn) -> list[SpotCheckItem]:
    """Draw more items at random (from the eligible assignments not yet in the check)."""
    check = _lock_check(check)
    require_office(actor, check)
    _require_open(check)
    return _draw(check, actor, spec)


@transaction.atomic
def choose_items(check: SpotCheck, *, actor: User, assignment_ids: list[int]) -> list[SpotCheckItem]:
    """Add assignments chosen by hand, all or none."""
    check = _lock_check(check)
    require_office(actor, check)
    _require_open(check)
    return _choose(check, actor, assignment_ids)


def draw_sample(pool: list[int], size: int, seed: int) -> list[int]:
    """The draw's rule, the one a ``Draw`` row records: run again on its ``pool_ids`` and ``seed`` it gives
    its ``drawn_ids`` again, so anyone can check a draw was not arranged."""
    return random.Random(seed).sample(pool, size)  # noqa: S311 - a reproducible sample, not a secret


def _criteria(spec: DrawIn) -> dict[str, Any]:
    chosen = {
        "key_only": spec.key_only,
        "multi_unit": spec.multi_unit,
        "category": spec.category.strip(),
        "department_ids": sorted(set(spec.department_ids)),
    }
    return {k: v for k, v in chosen.items() if v}


def _draw(check: SpotCheck, actor: User, spec: DrawIn) -> list[SpotCheckItem]:
    if (spec.size is None) == (spec.percent is None):
        both = "请填写抽取件数或抽取比例（二选一）"
        raise InvalidInput(both + "。", details={"fields": {"size": both, "percent": both}})
    criteria = _criteria(spec)
    pool = sorted(not_yet_in(check, eligible(check.jurisdiction_id, check.year, criteria)).values_list("pk", flat=True))
    if not pool:
        raise RuleViolation(
            "nothing_to_draw", f"{check.year}年没有符合条件、可供抽取的已答复主办件。", details={"available": 0}
        )
    size = spec.size if spec.size is not None else max(1, math.ceil(len(pool) * (spec.percent or 0) / 100))
    if size > len(pool):
        raise RuleViolation(
            "sample_too_large",
            f"符合条件、可供抽取的只有{len(pool)}件，少于要抽取的{size}件。",
            details={"available": len(pool), "size": size, "field": "size"},
        )
    seed = spec.seed if spec.seed is not None else secrets.randbelow(SEED_MAX + 1)
    drawn = draw_sample(pool, size, seed)
    draw = Draw.objects.create(
        spot_check=check, seed=seed, size=size, percent=spec.percent, criteria=criteria, pool_ids=pool,
        drawn_ids=drawn, drawn_by=actor,
    )  # fmt: skip
    return _add(check, actor, drawn, How.RANDOM, draw)


def _choose(check: SpotCheck, actor: User, assignment_ids: list[int]) -> list[SpotCheckItem]:
    ids = list(dict.fromkeys(assignment_ids))
    if not ids:
        raise InvalidInput("请选择要抽查的交办件。", details={"fields": {"assignment_ids": "至少选择一件"}})
    already = sorted(
        SpotCheckItem.objects.filter(spot_check=check, assignment_id__in=ids).values_list("assignment_id", flat=True)
    )
    if already:
        raise RuleViolation(
            "already_in_check", "所选交办件已在本次抽查中，同一件不重复抽查。", details={"assignment_ids": already}
        )
    found = set(eligible(check.jurisdiction_id, check.year).filter(pk__in=ids).values_list("pk", flat=True))
    missing = [i for i in ids if i not in found]
    if missing:
        raise RuleViolation(
            "not_eligible",
            f"只能抽查{check.jurisdiction.name}{check.year}年已答复的主办件（已答复、已办结或再次办理中）。",
            details={"assignment_ids": missing},
        )
    return _add(check, actor, ids, How.CHOSEN, None)


def _add(check: SpotCheck, actor: User, ids: list[int], how: str, draw: Draw | None) -> list[SpotCheckItem]:
    assignments = Assignment.objects.select_related("proposal").in_bulk(ids)
    items = SpotCheckItem.objects.bulk_create(
        SpotCheckItem(spot_check=check, assignment=assignments[i], department_id=assignments[i].department_id,
                      how=how, draw=draw, added_by=actor)
        for i in sorted(ids)
    )  # fmt: skip
    data: dict[str, Any] = {"title": check.title, "how": how}
    if draw is not None:
        data["draw_id"], data["seed"] = draw.pk, draw.seed
    # the proposals' history rows are locked in id order: two checks drawing at once never wait in a circle
    for item in sorted(items, key=lambda i: (i.assignment.proposal_id, i.assignment_id)):
        _record(item, "spot_check_add", actor=actor, data=data)
    return items


@transaction.atomic
def close_spot_check(check: SpotCheck, *, actor: User) -> SpotCheck:
    """End the check once every item is settled (checked with nothing to fix, or its fixes accepted)."""
    check = _lock_check(check)
    require_office(actor, check)
    _require_open(check)
    items = list(
        SpotCheckItem.objects.filter(spot_check=check)
        .select_related("assignment", "assignment__proposal")
        .order_by("assignment__proposal_id", "assignment_id")
    )
    unsettled = sum(1 for i in items if i.state not in SETTLED)
    if unsettled:
        raise RuleViolation(
            "items_open",
            f"还有{unsettled}件未检查或整改尚未验收，不能结束抽查。",
            details={"open": unsettled},
        )
    check.state = CheckState.CLOSED
    check.closed_by, check.closed_at = actor, timezone.now()
    check.save(update_fields=["state", "closed_by", "closed_at"])
    for item in items:
        _record(item, "spot_check_close", actor=actor, data={"title": check.title})
    return check


# ---------------------------------------------------------------------------------------------------
# Per item: the finding, the unit's answer, the office's review


@transaction.atomic
def record_finding(item: SpotCheckItem, *, actor: User, data: FindingIn) -> SpotCheckItem:
    """Record (or correct, before the unit has answered) what the check found; fixes demanded go to the unit."""
    check = _lock_check(item.spot_check)
    require_checker(actor, check)
    _require_open(check)
    it = _lock_item(item)
    _require_item_state(it, (I.PENDING, I.NO_ACTION, I.AWAITING_ANSWER), "再修改检查情况")
    fixes = data.fixes.strip()
    if data.verdict != Verdict.FULFILLED and not fixes:
        raise RuleViolation("fixes_required", "结论为基本落实或未落实的，须提出整改要求。", details={"field": "fixes"})
    if fixes and data.fix_due is None:
        raise RuleViolation("fix_due_required", "提出整改要求的，须写明整改时限。", details={"field": "fix_due"})
    if fixes and data.fix_due is not None and data.fix_due < today():
        raise RuleViolation("date_in_past", "整改时限不能早于今天。", details={"field": "fix_due"})
    before = it.state
    it.verdict, it.findings, it.fixes = data.verdict, data.findings.strip(), fixes
    it.fix_due = data.fix_due if fixes else None
    it.found_by, it.found_at = actor, timezone.now()
    it.state = I.AWAITING_ANSWER if fixes else I.NO_ACTION
    it.save(update_fields=["verdict", "findings", "fixes", "fix_due", "found_by", "found_at", "state"])
    _record(it, "spot_check_finding", actor=actor, data={
        "verdict": it.verdict, "findings": it.findings, "fixes": fixes,
        "fix_due": it.fix_due.isoformat() if it.fix_due else "", "item_from": before, "item_to": it.state,
    })  # fmt: skip
    verdict = Verdict(it.verdict).label
    if fixes:
        text = (f"抽查“{check.title}”：{_label(it.assignment)}的落实情况为“{verdict}”，整改要求：{fixes}。"
                f"请于{cn_date(it.fix_due)}前反馈整改情况。")  # fmt: skip
    else:
        text = f"抽查“{check.title}”：{_label(it.assignment)}的落实情况为“{verdict}”，无需整改。"
    _tell_unit(it, text)
    return it


@transaction.atomic
def answer_finding(item: SpotCheckItem, *, actor: User, text: str) -> SpotCheckItem:
    """The unit says how it fixed what the check found (整改情况)."""
    check = _lock_check(item.spot_check)
    require_unit(actor, item)
    _require_open(check)
    it = _lock_item(item)
    _require_item_state(it, (I.AWAITING_ANSWER,), "反馈整改情况")
    before = it.state
    it.answer, it.answered_by, it.answered_at = text.strip(), actor, timezone.now()
    it.state = I.ANSWERED
    it.save(update_fields=["answer", "answered_by", "answered_at", "state"])
    _record(it, "spot_check_answer", actor=actor, data={"note": it.answer, "item_from": before, "item_to": it.state})
    _tell_office(
        check, it, f"{it.department.name}已反馈抽查“{check.title}”中{_label(it.assignment)}的整改情况，请验收。"
    )
    return it


@transaction.atomic
def review_answer(item: SpotCheckItem, *, actor: User, accept: bool, comment: str = "") -> SpotCheckItem:
    """The office accepts the unit's answer, or sends it back with the reason (退回整改)."""
    check = _lock_check(item.spot_check)
    require_office(actor, check)
    _require_open(check)
    it = _lock_item(item)
    _require_item_state(it, (I.ANSWERED,), "验收")
    comment = comment.strip()
    if not accept and not comment:
        raise RuleViolation("comment_required", "退回整改的，须写明理由。", details={"field": "comment"})
    before = it.state
    it.review_comment, it.reviewed_by, it.reviewed_at = comment, actor, timezone.now()
    fields = ["review_comment", "reviewed_by", "reviewed_at", "state"]
    if accept:
        it.state = I.ACCEPTED
    else:
        it.state = I.AWAITING_ANSWER
        it.times_returned += 1
        fields.append("times_returned")
    it.save(update_fields=fields)
    _record(it, "spot_check_review", actor=actor,
            data={"accept": accept, "comment": comment, "item_from": before, "item_to": it.state})  # fmt: skip
    if accept:
        _tell_unit(it, f"抽查“{check.title}”：{_label(it.assignment)}的整改情况已验收。")
    else:
        _tell_unit(
            it, f"抽查“{check.title}”：{_label(it.assignment)}的整改情况被退回，理由：{comment}。请继续整改并再次反馈。"
        )
    return it
