"""A small fixed year for the unsatisfied analysis, built through the API as people would, each step on
its own day (today 2026-07-01; every lead assigned 2026-03-02, due 06-02; re-handling: 1 month).

市教育局 (jyj):
  U1 replied A 04-01, rated satisfied 04-25 (first and final satisfied);
  U2 replied B 04-10, rated unsatisfied 04-25 "未解决实际问题" (re-handle by 05-25), replied again A 05-10
     (on time), rated satisfied 05-20 → resolved;
  U3 replied B 04-10, rated unsatisfied 04-25 "答复敷衍" (by 05-25), replied again C 05-28 (late), rated
     unsatisfied again 05-31 "仍未解决" (by 06-30) → round 1 still unsatisfied; round 2 not replied again,
     06-30 has passed → overdue;
  U4 replied A 04-20, the CPPCC staff enter a paper form: unsatisfied 06-22 "纸质反馈：不满意" (by 07-22)
     → rehandling;
  U5 returned (withdrawn: not counted);
  U6 replied B 04-10, rated unsatisfied 06-01 "=SUM(A1) 未回应第二条建议" (a formula to the eye of a
     spreadsheet; by 07-01), replied again A 06-22 (on time), not rated yet
     → awaiting rating.
  → assigned 5, rated 5, first satisfied 1 (U1), final satisfied 2 (U1, U2); 5 cases: resolved 1,
    still unsatisfied 1, overdue 1, rehandling 1, awaiting rating 1.
市住房和城乡建设局 (zjj): Z1 a joint proposal, replied A 04-10, the first proposer rates basically satisfied
  04-25, the co-signer unsatisfied 04-26 (decides nothing: no case); Z2 replied A 04-10, not rated.
  → assigned 2, rated 1, first and final satisfied 1, no case.
市卫生健康委员会 (wjw): no proposal.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import time_machine

from conftest import World, act
from tests.test_stats import lead_of, reply, to_handling

TODAY = "2026-07-01"
YEAR = 2026


@contextmanager
def on(world: World, day: str) -> Iterator[None]:
    """The clock at 10:00 of ``day`` (Beijing); API tokens of other days are dropped (30 idle days)."""
    world._apis.clear()
    with time_machine.travel(f"{day} 10:00 +0800", tick=False):
        yield


def rate(world: World, aid: int, result: str, comment: str = "", user: Any = None) -> None:
    body = {"attitude": "satisfied", "result": result, "comment": comment}
    act(world, user or world.member1, aid, "feedback", body)


def build(world: World) -> dict[str, int]:
    with on(world, "2026-04-20"):
        u = {}
        for name, signed, cls in (("U1", "04-01", "A"), ("U2", "04-10", "B"), ("U3", "04-10", "B"),
                                  ("U4", "04-20", "A"), ("U6", "04-10", "B")):  # fmt: skip
            u[name] = lead_of(world, world.jyj)
            to_handling(world, u[name], "jyj")
            reply(world, u[name], "jyj", cls, f"2026-{signed}")
        u["U5"] = lead_of(world, world.jyj, assigned_on="2026-04-15")
        act(world, world.jyj_handler, u["U5"], "request-return", {"reason": "不属于本单位职责"})
        act(world, world.office, u["U5"], "decide-return", {"approve": True})
        joint = [{"name": world.member1.name, "user_id": world.member1.pk},
                 {"name": world.member2.name, "user_id": world.member2.pk}]  # fmt: skip
        u["Z1"] = lead_of(world, world.zjj, kind="joint", proposers=joint)
        u["Z2"] = lead_of(world, world.zjj)
        for z in ("Z1", "Z2"):
            to_handling(world, u[z], "zjj")
            reply(world, u[z], "zjj", "A", "2026-04-10")
    with on(world, "2026-04-25"):
        rate(world, u["U1"], "satisfied")
        rate(world, u["U2"], "unsatisfied", "未解决实际问题")
        rate(world, u["U3"], "unsatisfied", "答复敷衍")
        rate(world, u["Z1"], "basically_satisfied")
    with on(world, "2026-04-26"):
        rate(world, u["Z1"], "unsatisfied", "附议人意见", user=world.member2)
    with on(world, "2026-05-10"):
        reply(world, u["U2"], "jyj", "A", "2026-05-10")
    with on(world, "2026-05-20"):
        rate(world, u["U2"], "satisfied", "问题已解决")
    with on(world, "2026-05-28"):
        reply(world, u["U3"], "jyj", "C", "2026-05-28")
    with on(world, "2026-05-31"):
        rate(world, u["U3"], "unsatisfied", "仍未解决")
    with on(world, "2026-06-01"):
        rate(world, u["U6"], "unsatisfied", "=SUM(A1) 未回应第二条建议")
    with on(world, "2026-06-22"):
        rate(world, u["U4"], "unsatisfied", "纸质反馈：不满意", user=world.cppcc)
        reply(world, u["U6"], "jyj", "A", "2026-06-22")
    return u
