"""A small fixed year for the assessment tests, built through the API as people would (today 2026-07-01).

市教育局 (jyj), 4 lead assignments + 1 returned:
  J1 three contacts, reply A signed 04-01 (due 06-02: on time), self-check done, rated satisfied;
  J2 one contact, reply B 04-10 on time, rated unsatisfied, re-handled, reply C 07-01 (its self-check is now
     due 08-01: not yet due);
  J3 never replied (overdue since 06-02);
  J4 one contact, reply B 05-20 on time (self-check due 06-22: due, not done), follow-up plan of two items,
     one due 06-30 not done, one due 12-31 done;
  J5 returned (withdrawn: not counted).
  → assigned 4, replied 3, on time 3, met 3, rated 2 / satisfied 1, self-checks 1 of 2, follow-up 1 of 2,
    overdue 1.
市住房和城乡建设局 (zjj), 2: Z1 extended to 07-15 and replied B 07-01 (on time), Z2 replied A 06-20 (late).
  → assigned 2, replied 2, on time 1, met 0, nothing rated, no self-check due yet.
市卫生健康委员会 (wjw): nothing. 市交通运输局 (jtj) and 市文化广电和旅游局 (wlj): one lead each, assigned 06-25,
not received. 市民政局 (mzj): one lead, returned (all withdrawn).
"""

from __future__ import annotations

from typing import Any

from conftest import World, act
from organisation.models import Department, Role
from tests.test_stats import contact, lead_of, reply, to_handling

NOW = "2026-07-01 09:00 +0800"
YEAR = 2026


def _return(world: World, handler: Any, aid: int) -> None:
    act(world, handler, aid, "request-return", {"reason": "不属于本单位职责"})
    act(world, world.office, aid, "decide-return", {"approve": True})


def build(world: World) -> dict[str, Any]:
    ids: dict[str, Any] = {}
    j1 = lead_of(world, world.jyj)
    to_handling(world, j1, "jyj")
    for stage, on in (("before", "2026-03-05"), ("during", "2026-03-20"), ("after", "2026-04-02")):
        contact(world, j1, stage, on)
    reply(world, j1, "jyj", "A", "2026-04-01")
    act(world, world.jyj_handler, j1, "self-check", {"findings": "承诺事项均已落实", "fulfilled": True})
    act(world, world.member1, j1, "feedback", {"attitude": "satisfied", "result": "satisfied"})

    j2 = lead_of(world, world.jyj)
    to_handling(world, j2, "jyj")
    contact(world, j2, "before", "2026-03-06")
    reply(world, j2, "jyj", "B", "2026-04-10")
    act(world, world.member1, j2, "feedback", {"attitude": "satisfied", "result": "unsatisfied"})
    reply(world, j2, "jyj", "C", "2026-07-01")

    j3 = lead_of(world, world.jyj)

    j4 = lead_of(world, world.jyj)
    to_handling(world, j4, "jyj")
    contact(world, j4, "before", "2026-03-10")
    reply(world, j4, "jyj", "B", "2026-05-20")
    plan = {"items": [
        {"text": "落实事项一", "department_id": world.jyj.pk, "person": "王科长", "due_on": "2026-06-30"},
        {"text": "落实事项二", "department_id": world.jyj.pk, "person": "王科长", "due_on": "2026-12-31"},
    ]}  # fmt: skip
    act(world, world.jyj_handler, j4, "follow-up-plan", plan)
    items = world.api(world.jyj_handler).get(f"/assignments/{j4}").data["follow_up_items"]
    second = next(i["id"] for i in items if i["due_on"] == "2026-12-31")
    act(world, world.jyj_handler, j4, "follow-up-done", {"item_id": second, "note": "已完成"})

    j5 = lead_of(world, world.jyj, assigned_on="2026-06-25")
    _return(world, world.jyj_handler, j5)

    z1 = lead_of(world, world.zjj)
    act(world, world.zjj_handler, z1, "request-extension", {"reason": "需协调", "new_due_on": "2026-07-15"})
    act(world, world.office, z1, "decide-extension", {"approve": True, "cppcc_consulted": True})
    to_handling(world, z1, "zjj")
    reply(world, z1, "zjj", "B", "2026-07-01")
    z2 = lead_of(world, world.zjj)
    to_handling(world, z2, "zjj")
    reply(world, z2, "zjj", "A", "2026-06-20")

    for code, name in (("jtj", "市交通运输局"), ("wlj", "市文化广电和旅游局"), ("mzj", "市民政局")):
        unit = Department.objects.create(jurisdiction=world.city, name=name, code=code)
        ids[code] = unit.pk
        aid = lead_of(world, unit, assigned_on="2026-06-25")
        if code == "mzj":
            _return(world, world.user("mzj_handler", Role.DEPT_HANDLER, "民政局经办人", unit), aid)
    ids.update(J1=j1, J2=j2, J3=j3, J4=j4, J5=j5, Z1=z1, Z2=z2)
    return ids
