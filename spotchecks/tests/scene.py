"""A small fixed year to spot-check, built through the API as people would (today 2026-07-01).

Replied lead assignments of 示例市 in 2026 (the six a check may take):
  J1 市教育局, 教育, reply A, rated satisfied → closed;
  J2 市教育局, 教育, reply B → replied;
  J3 市教育局, 教育, rated unsatisfied → rehandling;
  W1 市卫生健康委员会, 卫生, reply A, marked a key proposal after the reply;
  W2 市卫生健康委员会, 卫生, reply B, with 市住房和城乡建设局 as co unit (ZC, its co assignment: never taken);
  Z1 市住房和城乡建设局, 城建, reply C.
Not to be taken: J4 (市教育局, still handling), ZC (a co assignment), OLD (市教育局, replied, 2025).
"""

from __future__ import annotations

from typing import Any

from conftest import World, act, assign, file_proposal, make_session
from tests.test_stats import lead_of, reply, to_handling

NOW = "2026-07-01 09:00 +0800"
YEAR = 2026
ELIGIBLE = ("J1", "J2", "J3", "W1", "W2", "Z1")


def build(world: World) -> dict[str, int]:
    ids: dict[str, int] = {}
    j1 = lead_of(world, world.jyj)
    to_handling(world, j1, "jyj")
    reply(world, j1, "jyj", "A", "2026-04-01")
    act(world, world.member1, j1, "feedback", {"attitude": "satisfied", "result": "satisfied"})

    j2 = lead_of(world, world.jyj)
    to_handling(world, j2, "jyj")
    reply(world, j2, "jyj", "B", "2026-04-10")

    j3 = lead_of(world, world.jyj)
    to_handling(world, j3, "jyj")
    reply(world, j3, "jyj", "B", "2026-04-15")
    act(world, world.member1, j3, "feedback", {"attitude": "satisfied", "result": "unsatisfied"})

    j4 = lead_of(world, world.jyj)
    to_handling(world, j4, "jyj")

    w1 = lead_of(world, world.wjw, category="卫生", title="关于提升基层医疗服务能力的建议")
    to_handling(world, w1, "wjw")
    reply(world, w1, "wjw", "A", "2026-05-01")
    proposal_w1 = world.api(world.office).get(f"/assignments/{w1}").data["proposal_id"]
    resp = world.api(world.cppcc).patch(f"/proposals/{proposal_w1}", {"is_key": True})
    assert resp.status == 200, resp.data

    p = file_proposal(world, category="卫生", title="关于老旧小区加装电梯的建议")
    units = assign(world, p["id"], [(world.wjw, "lead"), (world.zjj, "co")], assigned_on="2026-03-02")["assignments"]
    w2 = next(a["id"] for a in units if a["role"] == "lead")
    zc = next(a["id"] for a in units if a["role"] == "co")
    act(world, world.zjj_handler, zc, "receive")
    act(world, world.zjj_handler, zc, "co-opinion", {"text": "同意主办单位意见"})
    to_handling(world, w2, "wjw")
    reply(world, w2, "wjw", "B", "2026-05-05")

    z1 = lead_of(world, world.zjj, category="城建", title="关于改善城市道路交通的建议")
    to_handling(world, z1, "zjj")
    reply(world, z1, "zjj", "C", "2026-05-10")

    old_session = make_session(world, "十四届一次会议", 2025)
    old = lead_of(world, world.jyj, assigned_on="2025-03-02", session_id=old_session)
    to_handling(world, old, "jyj")
    reply(world, old, "jyj", "A", "2025-04-01")

    ids.update(J1=j1, J2=j2, J3=j3, J4=j4, W1=w1, W2=w2, ZC=zc, Z1=z1, OLD=old)
    return ids


def new_check(world: World, **overrides: Any) -> dict[str, Any]:
    """Open a check as the office through the API; ``expect`` the status (201)."""
    expect = overrides.pop("expect", 201)
    body: dict[str, Any] = {
        "title": "2026年重点提案办理落实情况抽查",
        "year": YEAR,
        "checked_on": "2026-07-01",
        "checked_by": "市政府办公室会同市政协提案委",
        "cppcc_staff": "提案委李主任",
        "members_took_part": True,
        "members": "张委员、李委员",
    }
    body.update(overrides)
    resp = world.api(world.office).post("/spot-checks", body)
    assert resp.status == expect, resp.data
    return resp.data
