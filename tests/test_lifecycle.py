"""Each lifecycle path end to end through the HTTP API, asserting state and history."""

from __future__ import annotations

import time_machine

from conftest import act, assign, file_proposal


@time_machine.travel("2026-03-02 09:00 +0800", tick=False)
def test_normal_proposal_from_assignment_to_closed(world):
    p = file_proposal(world)
    assert p["status"] == "registered"
    data = assign(world, p["id"], [(world.jyj, "lead"), (world.wjw, "co")])
    assert data["status"] == "assigned"
    lead, co = sorted(data["assignments"], key=lambda a: a["role"] != "lead")
    assert lead["due_on"] == "2026-06-02"
    assert co["co_opinion_due"] == "2026-04-02"
    assert lead["light"] == "green"

    act(world, world.jyj_handler, lead["id"], "receive")
    act(
        world,
        world.jyj_handler,
        lead["id"],
        "submit-form",
        {"opinion": "拟由基础教育处办理", "handler_id": world.jyj_handler.pk},
    )
    a = act(world, world.jyj_leader, lead["id"], "approve-form", {"instruction": "抓紧办理"})
    assert a["state"] == "handling"
    for stage in ("before", "during"):
        act(
            world,
            world.jyj_handler,
            lead["id"],
            "contact",
            {"stage": stage, "date": "2026-03-02", "method": "visit", "participants": "张委员", "notes": "听取意见"},
        )
    act(
        world,
        world.jyj_handler,
        lead["id"],
        "draft-reply",
        {
            "text": "答复内容",
            "result_class": "A",
            "method": "written",
            "is_public": True,
            "contact_person": "王老师",
            "contact_phone": "0512-1234567",
        },
    )
    r = world.api(world.jyj_head).post(f"/assignments/{lead['id']}/sign-reply", {})
    assert r.status == 422 and r.error_code == "co_opinions_missing"

    act(world, world.wjw_handler, co["id"], "receive")
    c = act(world, world.wjw_handler, co["id"], "co-opinion", {"text": "同意主办单位意见"})
    assert c["state"] == "opinion_submitted"
    a = act(world, world.jyj_head, lead["id"], "sign-reply", {})
    assert a["state"] == "replied" and a["light"] is None
    assert a["reply"]["signed_on"] == "2026-03-02"
    act(
        world,
        world.jyj_handler,
        lead["id"],
        "contact",
        {"stage": "after", "date": "2026-03-02", "method": "phone", "participants": "张委员", "notes": "送达答复"},
    )
    a = act(world, world.member1, lead["id"], "feedback", {"attitude": "satisfied", "result": "basically_satisfied"})
    assert a["state"] == "closed"

    detail = world.api(world.office).get(f"/proposals/{p['id']}").data
    assert detail["status"] == "closed"
    actions = [e["action"] for e in detail["events"]]
    assert actions == [
        "register",
        "assign",
        "assign",
        "receive",
        "submit_form",
        "approve_form",
        "contact",
        "contact",
        "draft_reply",
        "receive",
        "co_opinion",
        "sign_reply",
        "contact",
        "feedback",
    ]
    assert detail["events"][-1]["from_state"] == "replied" and detail["events"][-1]["to_state"] == "closed"
    # the proposer reads the outward steps only (handling.disclosure; tests/test_disclosure.py)
    mine = world.api(world.member1).get(f"/proposals/{p['id']}").data
    outward = ["register", "assign", "assign", "receive", "contact", "contact", "receive", "sign_reply", "contact"]
    assert [e["action"] for e in mine["events"]] == [*outward, "feedback"]

    stats = world.api(world.office).get("/stats", year=2026).data
    row = next(d for d in stats["departments"] if d["department_id"] == world.jyj.pk)
    assert row["assigned"] == 1 and row["replied"] == 1 and row["reply_rate"] == 1.0
    assert row["three_meetings_rate"] == 1.0 and row["satisfaction_rate"] == 1.0 and row["a"] == 1
    public = world.api().get("/public/replies").data
    assert public["total"] == 1 and public["items"][0]["department"] == "市教育局"
