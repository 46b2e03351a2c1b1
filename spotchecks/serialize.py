"""Spot checks and their items as the API returns them."""

from __future__ import annotations

from typing import Any

from .models import Draw, SpotCheck, SpotCheckItem
from .queries import summary


def _name(user: Any) -> str | None:
    return (user.name or user.username) if user is not None else None


def item_json(item: SpotCheckItem) -> dict[str, Any]:
    """Reads ``assignment__proposal__session`` and ``department`` (select them with the item)."""
    a = item.assignment
    p = a.proposal
    return {
        "id": item.pk,
        "spot_check_id": item.spot_check_id,
        "assignment_id": a.pk,
        "proposal_id": p.pk,
        "proposal_number": p.number,
        "session": p.session.name,
        "title": p.title,
        "department_id": item.department_id,
        "department": item.department.name,
        "how": item.how,
        "draw_id": item.draw_id,
        "state": item.state,
        "verdict": item.verdict or None,
        "findings": item.findings,
        "fixes": item.fixes,
        "fix_due": item.fix_due,
        "found_at": item.found_at,
        "answer": item.answer,
        "answered_at": item.answered_at,
        "review_comment": item.review_comment,
        "reviewed_at": item.reviewed_at,
        "times_returned": item.times_returned,
    }


def draw_json(draw: Draw) -> dict[str, Any]:
    return {
        "id": draw.pk,
        "seed": draw.seed,
        "size": draw.size,
        "percent": draw.percent,
        "criteria": draw.criteria,
        "pool_size": len(draw.pool_ids),
        "pool_ids": draw.pool_ids,
        "drawn_ids": draw.drawn_ids,
        "drawn_by": _name(draw.drawn_by),
        "drawn_at": draw.drawn_at,
    }


def check_json(check: SpotCheck) -> dict[str, Any]:
    """A check in a list (no items)."""
    return {
        "id": check.pk,
        "jurisdiction_id": check.jurisdiction_id,
        "year": check.year,
        "title": check.title,
        "checked_by": check.checked_by,
        "cppcc_staff": check.cppcc_staff,
        "members_took_part": check.members_took_part,
        "members": check.members,
        "checked_on": check.checked_on,
        "state": check.state,
        "created_at": check.created_at,
        "closed_at": check.closed_at,
    }


def item_rows(check: SpotCheck) -> list[SpotCheckItem]:
    return list(
        check.items.select_related("assignment__proposal__session", "department").order_by(
            "assignment__proposal__number", "pk"
        )
    )


def check_detail_json(check: SpotCheck) -> dict[str, Any]:
    """A check with its items, its draws and its figures."""
    items = item_rows(check)
    s = summary(items)
    return {
        **check_json(check),
        "items": [item_json(i) for i in items],
        "draws": [draw_json(d) for d in check.draws.select_related("drawn_by").order_by("pk")],
        "summary": {
            "total": s["total"],
            "checked": s["checked"],
            "verdicts": {code: n for code, _, n in s["verdicts"]},
            "states": {code: n for code, _, n in s["states"]},
            "fixes_demanded": s["fixes_demanded"],
            "fixes_accepted": s["fixes_accepted"],
        },
    }
