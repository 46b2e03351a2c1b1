"""A small handled proposal, built through the API, for the history and backup tests."""

from __future__ import annotations

from typing import Any

import time_machine

from conftest import World, act, assign, file_proposal


def handled_proposal(world: World, title: str = "关于加强中小学课后服务的建议") -> dict[str, Any]:
    """Register, assign to 市教育局 alone, handle, reply (signed) and return the lead assignment's JSON."""
    with time_machine.travel("2026-03-02 09:00 +0800", tick=True):
        return _handle(world, title)


def _handle(world: World, title: str) -> dict[str, Any]:
    p = file_proposal(world, title=title)
    data = assign(world, p["id"], [(world.jyj, "lead")])
    lead = data["assignments"][0]
    act(world, world.jyj_handler, lead["id"], "receive")
    act(
        world,
        world.jyj_handler,
        lead["id"],
        "submit-form",
        {"opinion": "拟由基础教育处办理", "handler_id": world.jyj_handler.pk},
    )
    act(world, world.jyj_leader, lead["id"], "approve-form", {"instruction": "抓紧办理"})
    for stage in ("before", "during"):
        contact = {
            "stage": stage,
            "date": "2026-03-02",
            "method": "visit",
            "participants": "张委员",
            "notes": "听取意见",
        }
        act(world, world.jyj_handler, lead["id"], "contact", contact)
    act(world, world.jyj_handler, lead["id"], "draft-reply",
        {"text": "答复内容", "result_class": "A", "method": "written", "is_public": True,
         "contact_person": "王老师", "contact_phone": "0512-1234567"})  # fmt: skip
    return act(world, world.jyj_head, lead["id"], "sign-reply", {})
