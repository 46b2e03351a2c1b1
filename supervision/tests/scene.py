"""A key proposal under supervision: filed and assigned on 2026-03-02 (市教育局 leads, 市卫生健康委员会 co)."""

from __future__ import annotations

from typing import Any

import time_machine

from conftest import World, assign, file_proposal

START = "2026-03-02 09:00 +0800"


def key_proposal(world: World, **flags: Any) -> dict[str, Any]:
    """A key proposal (or the flags given) assigned to jyj (lead) and wjw (co); returns the proposal's JSON."""
    with time_machine.travel(START, tick=False):
        p = file_proposal(world, **(flags or {"is_key": True}))
        assign(world, p["id"], [(world.jyj, "lead"), (world.wjw, "co")])
    return p


def milestone_body(world: World, due_on: str = "2026-04-30", **overrides: Any) -> dict[str, Any]:
    return {"title": "制定课后服务实施方案", "due_on": due_on, "department_id": world.jyj.pk, **overrides}
