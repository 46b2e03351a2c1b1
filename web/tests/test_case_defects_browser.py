"""The case-page and workbench defects of issue 8 item 6, in Chromium at 1280 and 375 px.

The page tests (test_case_defects.py) read the HTML; these click as the user did, measure what the user
saw (a box 40 px wide, the editor above the signing form) and leave screenshots in test-output/.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from conftest import assign, file_proposal
from handling.models import Assignment, Contact, FollowUpItem
from tests.test_transitions import drive_lead

from .conftest import DESKTOP, PHONE
from .helpers import look
from .test_flows_browser import panel, submit

pytestmark = pytest.mark.usefixtures("fixed_day")
VIEWPORTS = pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])


def box(page: Any, selector: str) -> dict[str, float]:
    found = page.locator(selector).bounding_box()
    assert found is not None, selector
    return dict(found)


@VIEWPORTS
def test_receive_and_the_handling_form_on_the_case_page(bworld: Any, open_page: Any, viewport: Any) -> None:
    w = bworld
    p = file_proposal(w, title="关于增设社区托育点的建议")
    aid = assign(w, p["id"], [(w.jyj, "lead")])["assignments"][0]["id"]
    page = open_page(w.jyj_handler, viewport=viewport, path=f"/assignments/{aid}/")
    intro = page.locator("#action-receive .form-intro").inner_text()
    assert "本辖区：3个月，本件至2026年6月2日" in intro and "交办后10日内申请退回（截至2026年3月12日）" in intro
    look(page, "case-receive")
    submit(panel(page, "receive"), "签收")
    form = panel(page, "submit_form")
    chosen = form.get_by_label("经办人").locator("option:checked").inner_text()
    assert chosen == f"{w.jyj_handler.name}（经办人）"
    look(page, "case-handling-form")
    form.get_by_label("拟办意见").fill("由基础教育处牵头办理。")
    submit(form)
    a = Assignment.objects.get(pk=aid)
    assert a.state == "form_submitted" and a.handling_forms.get().handler == w.jyj_handler


@VIEWPORTS
def test_receive_in_place_on_the_workbench(bworld: Any, open_page: Any, viewport: Any) -> None:
    w = bworld
    p = file_proposal(w, title="关于在工作台直接签收的建议")
    aid = assign(w, p["id"], [(w.jyj, "lead")])["assignments"][0]["id"]
    page = open_page(w.jyj_handler, viewport=viewport, path="/unit/")
    mine = page.get_by_role("region", name=re.compile("需要我处理"))
    row = mine.locator("li", has_text="关于在工作台直接签收的建议")
    look(page, "unit-workbench-receive")
    page.evaluate("document.querySelector('main').dataset.stale = '1'")
    row.get_by_role("button", name=re.compile("^签收")).click()
    page.locator("main:not([data-stale])").wait_for()
    assert page.url.endswith("/unit/")
    assert page.locator(".alert-success").inner_text().strip().startswith("已签收")
    assert Assignment.objects.get(pk=aid).state == "received"
    assert row.get_by_role("link", name=re.compile("^填写承办单")).count() == 1  # the row moved on
    look(page, "unit-workbench-received")


@VIEWPORTS
def test_contact_form_stays_open_and_the_timeline_speaks_chinese(bworld: Any, open_page: Any, viewport: Any) -> None:
    w = bworld
    _, aid = drive_lead(w, "handling", title="关于加强校园周边交通安全的建议")
    page = open_page(w.jyj_handler, viewport=viewport, path=f"/assignments/{aid}/")
    for stage, method in (("办前见面", "上门走访"), ("办中见面", "电话")):
        form = panel(page, "contact")
        form.get_by_label(stage).check()
        form.get_by_label("方式").select_option(label=method)
        submit(form)
        assert page.locator(".alert-success").count() == 1
        assert page.locator("#action-contact").get_attribute("open") is not None  # still open for the next one
    assert Contact.objects.filter(assignment_id=aid).count() == 2
    timeline = page.locator("section[aria-labelledby=history-title]").inner_text()
    assert "办前见面（上门走访）" in timeline and "办中见面（电话）" in timeline
    assert "—" not in timeline and "pending" not in timeline
    look(page, "case-contact-saved")


@VIEWPORTS
def test_follow_up_plan_form_is_usable(bworld: Any, open_page: Any, viewport: Any) -> None:
    w = bworld
    _, aid = drive_lead(w, "replied", result_class="B", title="关于完善课后服务经费保障的建议")
    page = open_page(w.jyj_handler, viewport=viewport, path="/unit/")
    mine = page.get_by_role("region", name=re.compile("需要我处理"))
    assert mine.get_by_role("link", name=re.compile("^回头看自查")).count() == 1
    look(page, "unit-workbench-after-reply")
    mine.get_by_role("link", name=re.compile("^制定跟踪落实方案")).click()
    page.wait_for_url(f"**/assignments/{aid}/#action-follow_up_plan")
    form = page.locator("#action-follow_up_plan")
    assert form.get_attribute("open") is not None
    text = box(page, "#f-follow_up_plan-items-0-text")
    unit = page.locator("#f-follow_up_plan-items-0-department_id")
    assert text["width"] >= 280, text  # was about 40 px
    assert unit.locator("option:checked").inner_text() == "市教育局"
    assert box(page, "#f-follow_up_plan-items-0-department_id")["width"] >= 140
    look(page, "case-follow-up-plan")
    form.locator("#f-follow_up_plan-items-0-text").fill("制定课后服务经费保障办法")
    form.locator("#f-follow_up_plan-items-0-person").fill("王科长")
    form.locator("#f-follow_up_plan-items-0-due_on").fill("2026-12-31")
    submit(form)
    assert page.locator(".alert-success").count() == 1
    assert list(FollowUpItem.objects.filter(assignment_id=aid).values_list("text", flat=True)) == [
        "制定课后服务经费保障办法"
    ]


@VIEWPORTS
def test_the_head_signs_first(bworld: Any, open_page: Any, viewport: Any) -> None:
    w = bworld
    _, aid = drive_lead(w, "reply_drafted", title="关于推进老旧小区加装电梯的建议")
    page = open_page(w.jyj_head, viewport=viewport, path=f"/assignments/{aid}/")
    sign, draft = page.locator("#action-sign_reply"), page.locator("#action-draft_reply")
    assert sign.get_attribute("open") is not None and draft.get_attribute("open") is None
    assert box(page, "#action-sign_reply")["y"] < box(page, "#action-draft_reply")["y"]
    assert box(page, "#action-sign_reply")["y"] < viewport["height"]  # in sight without scrolling
    look(page, "case-head-signing")
    submit(sign, "签发")
    assert Assignment.objects.get(pk=aid).state == "replied"
