"""Lists and details run a constant number of queries, whatever the number of rows (no N+1).

Each proposal is handled all the way: a lead and a co unit, a contact, the co opinion, a B-class reply
that is delivered, ratings by both proposers, a follow-up plan with one item done. The same calls are
counted with 5 proposals and with 40, and with a page of 5 and of 40 rows: the counts must be equal.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import World, act, assign, file_proposal

PERSONAS = ["office", "jyj_handler", "member1", "mayor"]


@pytest.fixture
def frozen():
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False):
        yield


def handle_fully(world: World) -> int:
    """File a joint proposal and take it to closed with every kind of related record; return its id."""
    p = file_proposal(
        world,
        kind="joint",
        proposers=[
            {"name": world.member1.name, "user_id": world.member1.pk},
            {"name": world.member2.name, "user_id": world.member2.pk},
        ],
    )
    data = assign(world, p["id"], [(world.jyj, "lead"), (world.wjw, "co")])
    lead = next(a["id"] for a in data["assignments"] if a["role"] == "lead")
    co = next(a["id"] for a in data["assignments"] if a["role"] == "co")
    act(world, world.jyj_handler, lead, "receive")
    act(
        world,
        world.jyj_handler,
        lead,
        "submit-form",
        {"opinion": "拟由基础教育处办理", "handler_id": world.jyj_handler.pk},
    )
    act(world, world.jyj_leader, lead, "approve-form", {"instruction": "抓紧办理"})
    contact = {
        "stage": "before",
        "date": "2026-03-02",
        "method": "visit",
        "participants": "张委员",
        "notes": "听取意见",
    }
    act(world, world.jyj_handler, lead, "contact", contact)
    act(world, world.wjw_handler, co, "receive")
    act(world, world.wjw_handler, co, "co-opinion", {"text": "同意主办单位意见"})
    act(world, world.jyj_handler, lead, "draft-reply", {
        "text": "答复内容：已列入计划，逐步落实。", "result_class": "B", "method": "written", "is_public": True,
        "contact_person": "王老师", "contact_phone": "0512-1234567"})  # fmt: skip
    act(world, world.jyj_head, lead, "sign-reply", {})
    act(world, world.member1, lead, "feedback", {"attitude": "satisfied", "result": "basically_satisfied"})
    act(world, world.member2, lead, "feedback", {"attitude": "satisfied", "result": "satisfied"})
    plan = act(world, world.jyj_handler, lead, "follow-up-plan", {"items": [
        {"text": "新建课后服务场地", "department_id": world.jyj.pk, "person": "李处长", "due_on": "2026-09-01"},
        {"text": "落实经费保障", "department_id": world.jyj.pk, "person": "赵科长", "due_on": "2026-12-01"},
    ]})  # fmt: skip
    act(
        world,
        world.jyj_handler,
        lead,
        "follow-up-done",
        {"item_id": plan["follow_up_items"][0]["id"], "note": "已完成"},
    )
    world.api(world.mayor).post(f"/proposals/{p['id']}/instructions", {"text": "请认真办理"})
    return p["id"]


def enrich(world: World, proposal_id: int) -> None:
    """Give one proposal many more related rows: another co unit, contacts, instructions."""
    data = assign(world, proposal_id, [(world.zjj, "co")])
    co = next(a["id"] for a in data["assignments"] if a["department_id"] == world.zjj.pk)
    act(world, world.zjj_handler, co, "receive")
    act(world, world.zjj_handler, co, "co-opinion", {"text": "补充意见"})
    lead = next(a["id"] for a in data["assignments"] if a["role"] == "lead")
    for i in range(6):
        contact = {
            "stage": "after",
            "date": "2026-03-02",
            "method": "phone",
            "participants": "张委员",
            "notes": f"回访{i}",
        }
        act(world, world.jyj_handler, lead, "contact", contact)
    for i in range(4):
        resp = world.api(world.mayor).post(f"/proposals/{proposal_id}/instructions", {"text": f"批示{i}"})
        assert resp.status == 201


def count(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as ctx:
        result = fn(*args, **kwargs)
    return len(ctx.captured_queries), result


def measure(world: World, first_id: int, counts: dict[tuple[str, str], list[int]], rows: dict[str, int]) -> None:
    """Count the queries of every call for every persona; record how many rows came back."""
    for username in PERSONAS:
        api = world.api(getattr(world, username))
        api.get("/me")  # the first use of a token stamps it once; leave that out of the counts
        calls = [(f"{path}?page_size={size}", path, {"page_size": size})
                 for path in ("/proposals", "/assignments", "/public/replies") for size in (5, 40)]  # fmt: skip
        calls += [("/stats", "/stats", {}), ("/proposals/{id}", f"/proposals/{first_id}", {})]
        for name, path, params in calls:
            n, resp = count(api.get, path, **params)
            counts[(username, name.split("?")[0])].append(n)
            if resp.status == 200 and isinstance(resp.data, dict) and "items" in resp.data:
                rows[f"{username} {name}"] = len(resp.data["items"])


def test_lists_and_details_run_a_constant_number_of_queries(world, frozen):
    ids = [handle_fully(world) for _ in range(5)]
    counts: dict[tuple[str, str], list[int]] = defaultdict(list)
    small: dict[str, int] = {}
    measure(world, ids[0], counts, small)

    ids += [handle_fully(world) for _ in range(35)]
    enrich(world, ids[0])
    large: dict[str, int] = {}
    measure(world, ids[0], counts, large)

    # The data is really there: with 40 proposals a page of 40 is full for every persona.
    for username in PERSONAS:
        assert small[f"{username} /proposals?page_size=40"] == 5
        assert large[f"{username} /proposals?page_size=40"] == 40
        assert large[f"{username} /proposals?page_size=5"] == 5
        assert large[f"{username} /assignments?page_size=40"] == 40
        assert large[f"{username} /public/replies?page_size=40"] == 40
    detail = world.api(world.office).get(f"/proposals/{ids[0]}").data
    assert len(detail["assignments"]) == 3 and len(detail["instructions"]) == 5 and len(detail["events"]) > 25
    lead = next(a for a in detail["assignments"] if a["role"] == "lead")
    assert lead["reply"] and lead["feedback"] and len(lead["follow_up_items"]) == 2
    stats = world.api(world.office).get("/stats").data
    assert next(d for d in stats["departments"] if d["department_id"] == world.jyj.pk)["b"] == 40

    varying = {key: n for key, n in counts.items() if len(set(n)) != 1}
    assert varying == {}, f"query counts that grow with the rows: {varying}"
    # And the constant is small.
    assert max(max(n) for n in counts.values()) <= 25, dict(counts)
