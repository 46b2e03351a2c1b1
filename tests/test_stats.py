"""Every metric of /stats against figures worked out by hand (domain.md §7, api.md "Metrics")."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine

from conftest import World, act, assign, file_proposal, make_session
from history.models import UnitChange
from proposals.models import Session
from reports.upkeep import figures
from tests.test_transitions import draft_body

ASSIGNED_ON = "2026-03-02"  # due 2026-06-02, extension cap 2026-09-02


def lead_of(world: World, unit: Any, assigned_on: str = ASSIGNED_ON, **proposal: Any) -> int:
    p = file_proposal(world, **proposal)
    return assign(world, p["id"], [(unit, "lead")], assigned_on=assigned_on)["assignments"][0]["id"]


def to_handling(world: World, aid: int, unit: str) -> None:
    handler = getattr(world, f"{unit}_handler")
    act(world, handler, aid, "receive")
    act(world, handler, aid, "submit-form", {"opinion": "拟办", "handler_id": handler.pk})
    act(world, getattr(world, f"{unit}_leader"), aid, "approve-form", {})


def reply(world: World, aid: int, unit: str, result_class: str, signed_on: str) -> None:
    act(world, getattr(world, f"{unit}_handler"), aid, "draft-reply", draft_body(result_class))
    act(world, getattr(world, f"{unit}_head"), aid, "sign-reply", {"signed_on": signed_on})


def contact(world: World, aid: int, stage: str, on: str) -> None:
    body = {"stage": stage, "date": on, "method": "visit", "participants": "委员", "notes": "沟通"}
    act(world, world.jyj_handler, aid, "contact", body)


@pytest.fixture
def scene(world: World) -> dict[str, Any]:
    """市教育局 (jyj) and 市住房和城乡建设局 (zjj) in 2026, one 2025 proposal and one county proposal; today 2026-07-01.

    jyj: P1 replied A on time with all three meetings, rated satisfied; P2 replied B on time after one
    meeting, rated unsatisfied, re-handled and replied C; P3 never replied (overdue); P4 returned.
    zjj: P5 extended to 07-15 and replied B within it; P6 replied A late. jyj is also co on P5.
    """
    with time_machine.travel("2026-07-01 09:00 +0800", tick=False):
        p1 = lead_of(world, world.jyj)
        to_handling(world, p1, "jyj")
        for stage, on in (("before", "2026-03-05"), ("during", "2026-03-20"), ("after", "2026-04-02")):
            contact(world, p1, stage, on)
        reply(world, p1, "jyj", "A", "2026-04-01")
        act(world, world.member1, p1, "feedback", {"attitude": "satisfied", "result": "satisfied"})

        p2 = lead_of(world, world.jyj)
        to_handling(world, p2, "jyj")
        contact(world, p2, "before", "2026-03-06")
        reply(world, p2, "jyj", "B", "2026-04-10")
        act(world, world.member1, p2, "feedback", {"attitude": "satisfied", "result": "unsatisfied"})
        reply(world, p2, "jyj", "C", "2026-07-01")

        lead_of(world, world.jyj)  # P3: never received, due 2026-06-02
        p4 = lead_of(world, world.jyj, assigned_on="2026-06-25")
        act(world, world.jyj_handler, p4, "request-return", {"reason": "不属于本单位职责"})
        act(world, world.office, p4, "decide-return", {"approve": True})

        p5 = file_proposal(world)
        data = assign(world, p5["id"], [(world.zjj, "lead"), (world.jyj, "co")], assigned_on=ASSIGNED_ON)
        lead5, co5 = (next(a["id"] for a in data["assignments"] if a["role"] == r) for r in ("lead", "co"))
        act(world, world.jyj_handler, co5, "receive")
        act(world, world.jyj_handler, co5, "co-opinion", {"text": "同意"})
        act(world, world.zjj_handler, lead5, "request-extension", {"reason": "需协调", "new_due_on": "2026-07-15"})
        act(world, world.office, lead5, "decide-extension", {"approve": True, "cppcc_consulted": True})
        to_handling(world, lead5, "zjj")
        reply(world, lead5, "zjj", "B", "2026-07-01")

        p6 = lead_of(world, world.zjj)
        to_handling(world, p6, "zjj")
        reply(world, p6, "zjj", "A", "2026-06-20")

        old = Session.objects.create(jurisdiction=world.city, name="十四届一次会议", year=2025)
        lead_of(world, world.jyj, assigned_on="2025-03-01", session_id=old.pk)

        county = Session.objects.create(jurisdiction=world.county, name="县十七届二次会议", year=2026)
        county_body = {"session_id": county.pk, "number": "1", "title": "关于县域教育的建议", "body": "建议",
                       "kind": "individual", "proposers": [{"name": "县委员"}]}  # fmt: skip
        cp = world.api(world.county_office).post("/proposals", county_body).data
        world.api(world.county_office).post(
            f"/proposals/{cp['id']}/assign",
            {"assignments": [{"department_id": world.xq.pk, "role": "lead"}], "assigned_on": ASSIGNED_ON},
        )
    return {"session_2026": make_session(world)}


@pytest.fixture(params=["counted", "stored"])
def figures_read(request: pytest.FixtureRequest, scene: dict[str, Any]) -> str:
    """Each figure twice: counted from the assignments (no worker has run), and read from the rows the worker
    keeps (reports.upkeep, its scan run first)."""
    if request.param == "stored":
        with time_machine.travel("2026-07-01 17:00 +0800", tick=False):
            assert figures() > 0
        assert not UnitChange.objects.exists()
    return str(request.param)


def stats(world: World, **params: Any) -> dict[str, Any]:
    with time_machine.travel("2026-07-01 18:00 +0800", tick=False):
        world._apis.clear()  # tokens of earlier travels are idle beyond their 30 days
        resp = world.api(world.office).get("/stats", **params)
    assert resp.status == 200, resp.data
    return resp.data


def row(data: dict[str, Any], department: Any) -> dict[str, Any]:
    return next(d for d in data["departments"] if d["department_id"] == department.pk)


def test_every_metric_of_a_unit(world, scene, figures_read):
    data = stats(world, year=2026)
    jyj = row(data, world.jyj)
    assert {k: jyj[k] for k in ("assigned", "replied", "overdue", "returns", "extensions", "rehandled")} == {
        "assigned": 3, "replied": 2, "overdue": 1, "returns": 1, "extensions": 0, "rehandled": 1,
    }  # fmt: skip
    assert jyj["reply_rate"] == round(2 / 3, 4)
    assert jyj["on_time_rate"] == 1.0
    assert jyj["meeting_rate"] == round(2 / 3, 4)
    assert jyj["three_meetings_rate"] == round(1 / 3, 4)
    assert jyj["satisfaction_rate"] == 0.5  # P2's latest rating is the unsatisfied one
    assert (jyj["a"], jyj["b"], jyj["c"]) == (1, 0, 1)  # P2 counts by its latest reply, C

    zjj = row(data, world.zjj)
    assert (zjj["assigned"], zjj["replied"], zjj["overdue"], zjj["extensions"]) == (2, 2, 0, 1)
    assert zjj["on_time_rate"] == 0.5  # P5 within its extension, P6 late
    assert zjj["meeting_rate"] == 0.0 and zjj["satisfaction_rate"] is None
    assert (zjj["a"], zjj["b"], zjj["c"]) == (1, 1, 0)

    wjw = row(data, world.wjw)
    assert wjw["assigned"] == 0 and wjw["reply_rate"] is None

    totals = data["totals"]
    assert (totals["assigned"], totals["replied"], totals["overdue"], totals["returns"]) == (5, 4, 1, 1)
    assert totals["reply_rate"] == 0.8 and totals["on_time_rate"] == 0.75
    assert (totals["a"], totals["b"], totals["c"]) == (2, 1, 1)
    assert set(totals) == set(jyj) - {"department_id", "name", "jurisdiction_id"}


def test_year_session_and_jurisdiction_filters(world, scene, figures_read):
    assert row(stats(world), world.jyj)["assigned"] == 4  # the 2025 proposal too
    assert row(stats(world, year=2025), world.jyj)["assigned"] == 1
    assert row(stats(world, session=scene["session_2026"]), world.jyj)["assigned"] == 3
    assert world.xq.pk not in {d["department_id"] for d in stats(world, year=2026)["departments"]}
    with_county = stats(world, year=2026, include_children="true")
    assert row(with_county, world.xq)["assigned"] == 1
    assert with_county["totals"]["assigned"] == 6
