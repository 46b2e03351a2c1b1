"""动态督办 in Chromium: the office's list with its lights (1280 px), a plan and its milestone form; the unit
marking its milestone done on a phone (375 px). Screenshots: test-output/screenshots/supervision-*.png."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from playwright.sync_api import expect

from conftest import assign, file_proposal
from proposals.models import Proposal
from supervision import actions
from supervision.models import Milestone

from .conftest import PHONE
from .helpers import look

pytestmark = pytest.mark.usefixtures("fixed_day")  # the server's today: 2026-03-02


def _scene(world) -> int:
    """Three key proposals: one with a missed milestone (red), one due within 15 days (yellow), one green."""
    made = []
    with time_machine.travel("2026-02-20 09:00 +0800", tick=False):
        for title, due in (("关于加强中小学课后服务的建议", date(2026, 2, 27)),
                           ("关于推进老旧小区加装电梯的建议", date(2026, 3, 12)),
                           ("关于建设城市绿道网络的建议", date(2026, 6, 30))):  # fmt: skip
            p = file_proposal(world, is_key=True, title=title)
            assign(world, p["id"], [(world.jyj, "lead"), (world.wjw, "co")])
            proposal = Proposal.objects.get(pk=p["id"])
            actions.add_milestone(proposal, actor=world.office, title="制定实施方案", due_on=due, department=world.jyj)
            actions.add_progress_note(proposal, actor=world.jyj_handler, text="已完成全市摸底调查，正在起草方案。")
            made.append(p["id"])
        actions.record_instruction(Proposal.objects.get(pk=made[0]), actor=world.vicemayor,
                                   text="请教育局牵头，三月底前拿出方案。")  # fmt: skip
    return made[0]


def test_the_office_supervises_and_the_unit_reports_done(bworld, open_page):
    red = _scene(bworld)
    web = open_page(bworld.office, path="/supervision/")
    assert web.locator(".light-red").count() == 1 and web.locator(".light-yellow").count() == 1
    assert web.locator(".light-green").count() == 1
    look(web, "supervision-list")
    web.get_by_label("督办灯").select_option("red")  # not the form's first select: a change of any applies
    expect(web.locator("tbody tr")).to_have_count(1)  # the list follows the filter (htmx), no click needed
    web.get_by_role("link", name="关于加强中小学课后服务的建议").click()
    web.locator("#milestones-title").wait_for()
    assert "超期 3 天" in web.locator(".supervision-light").inner_text()
    web.get_by_label("节点内容").fill("完成试点学校推广")
    web.get_by_label("责任单位").select_option(label="市卫生健康委员会")
    web.get_by_label("完成时限").fill("2026-04-30")
    web.get_by_role("button", name="设置节点").click()
    web.get_by_text("已设置督办节点").wait_for()
    assert web.locator(".milestone-table tbody tr").count() == 2
    look(web, "supervision-detail")

    phone = open_page(bworld.jyj_handler, viewport=PHONE, path=f"/supervision/{red}/")
    look(phone, "supervision-detail")
    phone.get_by_role("button", name="标记完成").first.click()
    phone.get_by_text("已标记节点完成").wait_for()
    assert Milestone.objects.get(plan__proposal_id=red, title="制定实施方案").done_on is not None
    look(phone)
