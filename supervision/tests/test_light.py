"""The supervision light: red once an open milestone is past its date, yellow within 15 days, else green."""

from __future__ import annotations

from datetime import date

import time_machine

from conftest import World
from proposals.models import Proposal
from supervision import actions
from supervision.lights import light_on, supervision_light
from supervision.models import Milestone
from supervision.tests.scene import key_proposal


def test_the_bands() -> None:
    today = date(2026, 3, 10)
    assert light_on(None, today) == "green"  # nothing open
    assert light_on(date(2026, 3, 9), today) == "red"
    assert light_on(date(2026, 3, 10), today) == "yellow"  # due today
    assert light_on(date(2026, 3, 25), today) == "yellow"  # 15 days left
    assert light_on(date(2026, 3, 26), today) == "green"


def test_a_proposal_turns_red_when_a_milestone_is_missed_and_green_when_done(world: World) -> None:
    p = Proposal.objects.get(pk=key_proposal(world)["id"])
    assert supervision_light(p, date(2026, 3, 10)) == "green"  # no plan yet
    with time_machine.travel("2026-03-10 10:00 +0800", tick=False):
        early = actions.add_milestone(p, actor=world.office, title="调研", due_on=date(2026, 3, 31),
                                      department=world.jyj)  # fmt: skip
        actions.add_milestone(p, actor=world.office, title="出台方案", due_on=date(2026, 6, 30), department=world.wjw)
    assert supervision_light(p, date(2026, 3, 10)) == "green"  # 21 days before the first date
    assert supervision_light(p, date(2026, 3, 16)) == "yellow"
    assert supervision_light(p, date(2026, 3, 31)) == "yellow"
    assert supervision_light(p, date(2026, 4, 1)) == "red"  # the later milestone does not hide the missed one
    with time_machine.travel("2026-04-02 10:00 +0800", tick=False):
        actions.finish_milestone(Milestone.objects.get(pk=early.pk), actor=world.jyj_handler, note="已完成调研")
    assert supervision_light(p, date(2026, 4, 2)) == "green"  # the open one is 89 days away
    assert supervision_light(p, date(2026, 7, 1)) == "red"
