"""The assessment's fixed year (reports/tests/assessment_scene.py, today 2026-07-01) and three proposals more:

- W1 at 市卫生健康委员会 (wjw), assigned 03-02: one contact, reply A signed 04-15 whose text carries a phone
  number (the published text leaves it out), rated satisfied → wjw meets every target, nothing overdue;
- K1, a key proposal (重点提案) with a hostile title, assigned to 市住房和城乡建设局 (zjj) on 06-25, not received;
- S1, a 建议案 registered, not assigned.

By hand, lead assignments assigned 2026-01-01…06-30 (all of the year's), counted on 07-01:
  jyj 4 assigned, 3 replied, 3 met, 2 rated / 1 satisfied, 1 overdue (J3)  → 75%, 75%, 50%
  wjw 1, 1, 1, 1/1, 0                                                     → 100%, 100%, 100%  (praised)
  zjj 3, 2, 0, 0/0, 0                                                     → 66.7%, 0%, —       (reminded)
  jtj 1, 0, 0, 0/0, 0; wlj the same                                       → 0%, 0%, —          (reminded)
  mzj: its one assignment returned (withdrawn): not in the table.
  total 10, 6 replied, 4 met, 3 rated / 2 satisfied, 1 overdue            → 60%, 40%, 66.7%
  replies by latest class: jyj A1 B1 C1, zjj A1 B1, wjw A1 → A 3 (50%), B 2 (33.3%), C 1 (16.7%).
"""

from __future__ import annotations

from typing import Any

from conftest import World, act, assign, file_proposal
from reports.tests import assessment_scene
from tests.test_stats import lead_of, to_handling

NOW = assessment_scene.NOW
HOSTILE = '关于"智慧交通"<script>alert(1)</script>&amp;的建议'
PHONE = "0512-7654321"
W1_TEXT = (
    "关于您提出的建议，答复如下：\n"
    "一、我委已在全市推广家庭医生签约服务，覆盖率达到百分之八十。\n"
    f"二、下一步将继续扩大服务范围。联系电话：{PHONE}。\n"
)


def build(world: World) -> dict[str, Any]:
    ids = assessment_scene.build(world)
    w1 = lead_of(world, world.wjw, title="关于做实家庭医生签约服务的建议")
    to_handling(world, w1, "wjw")
    contact = {"stage": "before", "date": "2026-03-09", "method": "visit", "participants": "委员", "notes": "沟通"}
    act(world, world.wjw_handler, w1, "contact", contact)
    body = {"text": W1_TEXT, "result_class": "A", "method": "written", "is_public": True,
            "contact_person": "刘医生", "contact_phone": "0512-1111111"}  # fmt: skip
    act(world, world.wjw_handler, w1, "draft-reply", body)
    act(world, world.wjw_head, w1, "sign-reply", {"signed_on": "2026-04-15"})
    act(world, world.member1, w1, "feedback", {"attitude": "satisfied", "result": "satisfied"})

    key = file_proposal(world, title=HOSTILE, is_key=True)
    k1 = assign(world, key["id"], [(world.zjj, "lead")], assigned_on="2026-06-25")["assignments"][0]["id"]
    suggestion = file_proposal(world, title="关于建设区域医疗中心的建议案", is_suggestion=True)
    ids.update(W1=w1, K1=k1, S1=suggestion["id"])
    return ids
