"""Defects a new user hit on the case (handling) pages and the unit workbench (issue 8 item 6), as pages.

Each test reads the page as its user gets it and the database behind it; the browser half of the same
defects (layout, the panel that stays open, screenshots) is in test_case_defects_browser.py.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import World, act, assign, file_proposal
from handling.models import Assignment
from handling.states import State
from lib.dates import cn_date
from proposals.models import ProposalStatus
from tests.test_transitions import draft_body, drive_lead

from .helpers import frozen_clock, page, signed_in

_today = frozen_clock("2026-03-02 09:00 +0800")


def lead_of(world: World, *units: Any, **fields: Any) -> int:
    """File a proposal and assign it to ``units`` (the first leads, the others co-handle); its lead's id."""
    p = file_proposal(world, **fields)
    roles = [(units[0], "lead"), *((u, "co") for u in units[1:])]
    data = assign(world, p["id"], roles)
    return next(a["id"] for a in data["assignments"] if a["department_id"] == units[0].pk)


def panel_html(html: str, action: str) -> str:
    """The HTML of one action form of the page (its <details>), which must be there."""
    match = re.search(rf'<details [^>]*id="action-{action}"[^>]*>.*?</details>', html, re.S)
    assert match, f"no form {action}"
    return match.group(0)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def timeline_text(html: str) -> str:
    match = re.search(r'<ol class="timeline[^"]*">(.*?)</ol>', html, re.S)
    assert match, "no timeline"
    return text_of(match.group(1))


# ---------------------------------------------------------------------------------------------------
# 1. Help texts state the jurisdiction's rules for the assignment shown


def test_receive_help_states_the_rules_of_the_jurisdiction(world: World) -> None:
    lead = lead_of(world, world.jyj, world.wjw)
    html = page(world.jyj_handler, f"/assignments/{lead}/").content.decode()
    intro = text_of(panel_html(html, "receive"))
    assert (
        "办理期限自交办之日起计算（本辖区：3个月，本件至2026年6月2日）；"
        "如不属于本单位职责，可在交办后10日内申请退回（截至2026年3月12日）。"
    ) in intro
    assert "5 个工作日" not in html and "签收后开始计算" not in html
    assert "退回申请须在交办后10日内提出（截至2026年3月12日）" in text_of(panel_html(html, "request_return"))
    co = Assignment.objects.get(proposal=Assignment.objects.get(pk=lead).proposal, department=world.wjw)
    co_html = page(world.wjw_handler, f"/assignments/{co.pk}/").content.decode()
    assert "协办意见应自交办之日起1个月内送主办单位（截至2026年4月2日）" in text_of(panel_html(co_html, "receive"))


def test_changing_a_rule_changes_the_help_text(world: World) -> None:
    world.city.rules = {"reply_months": 2, "return_window_days": 5, "return_window_working": True,
                        "max_extension_months": 4, "co_opinion_months": 2}  # fmt: skip
    world.city.save()
    lead = lead_of(world, world.jyj, world.wjw)
    html = page(world.jyj_handler, f"/assignments/{lead}/").content.decode()
    intro = text_of(panel_html(html, "receive"))
    a = Assignment.objects.get(pk=lead)  # 2026-03-02 + 5 working days = 2026-03-09
    assert "本辖区：2个月" in intro and "交办后5个工作日内申请退回（截至2026年3月9日）" in intro
    assert f"本件至{cn_date(a.due_on)}" in intro
    assert "10日内" not in html
    extension = text_of(panel_html(html, "request_extension"))
    assert f"最迟不超过交办之日起4个月（本件至{cn_date(a.max_due_on)}）" in extension
    co = Assignment.objects.get(proposal=Assignment.objects.get(pk=lead).proposal, department=world.wjw)
    co_html = page(world.wjw_handler, f"/assignments/{co.pk}/").content.decode()
    assert "协办意见应自交办之日起2个月内送主办单位" in text_of(panel_html(co_html, "receive"))


def test_self_check_and_rating_help_follow_the_rules(world: World) -> None:
    world.city.rules = {"self_check_months": 2, "rehandle_months": 2}
    world.city.save()
    pid, aid = drive_lead(world, "replied", result_class="A")
    html = page(world.jyj_handler, f"/assignments/{aid}/").content.decode()
    check = text_of(panel_html(html, "self_check"))
    due = Assignment.objects.get(pk=aid).self_check_due  # 2026-05-02 falls in the May Day holiday
    assert due is not None and (due.month, due.day) == (5, 6)
    assert "答复之日起2个月内自查答复中承诺事项的落实情况（本件至2026年5月6日）" in check
    member = page(world.member1, f"/my/{pid}/").content.decode()
    assert "承办单位将在2个月内再次办理" in text_of(panel_html(member, "feedback"))


# ---------------------------------------------------------------------------------------------------
# 2. 签收 on the workbench signs for the case right there


def test_receive_on_the_workbench_is_a_form_that_comes_back_to_it(world: World) -> None:
    aid = lead_of(world, world.jyj, title="关于在工作台签收的建议")
    c = signed_in(world.jyj_handler)
    html = c.get("/unit/").content.decode()
    form = re.search(rf'<form method="post" action="/assignments/{aid}/receive/"[^>]*>(.*?)</form>', html, re.S)
    assert form, "the workbench's 签收 is not a form"
    assert 'name="next" value="/unit/"' in form.group(1) and "csrfmiddlewaretoken" in form.group(1)

    resp = c.post(f"/assignments/{aid}/receive/", {"next": "/unit/"}, follow=True)
    assert resp.redirect_chain == [("/unit/", 302)]
    assert Assignment.objects.get(pk=aid).state == State.RECEIVED
    assert "已签收。" in resp.content.decode()
    rows = {r["a"].pk: r["label"] for r in resp.context["mine"]}
    assert rows[aid] == "填写承办单"  # the row moved on to its next step


# ---------------------------------------------------------------------------------------------------
# 3. The 承办单 names each person's role and starts with the signed-in handler


def test_handling_form_lists_people_with_roles_and_defaults_to_the_handler(world: World) -> None:
    aid = lead_of(world, world.jyj)
    act(world, world.jyj_handler, aid, "receive")
    form = panel_html(page(world.jyj_handler, f"/assignments/{aid}/").content.decode(), "submit_form")
    options = re.findall(r'<option value="(\d+)"( selected)?>([^<]*)</option>', form)
    assert [label for _, _, label in options] == [
        f"{world.jyj_handler.name}（经办人）",
        f"{world.jyj_leader.name}（分管领导）",
        f"{world.jyj_head.name}（主要负责人）",
    ]
    assert [pk for pk, selected, _ in options if selected] == [str(world.jyj_handler.pk)]
    # The head filling it in names the handler themselves: no one is chosen for them.
    head = panel_html(page(world.jyj_head, f"/assignments/{aid}/").content.decode(), "submit_form")
    assert " selected>" not in head


# ---------------------------------------------------------------------------------------------------
# 4. The contact form stays open after a save; the timeline names stages and states in Chinese


def test_contact_form_stays_open_and_its_line_names_stage_and_way(world: World) -> None:
    _, aid = drive_lead(world, "handling")
    c = signed_in(world.jyj_handler)
    body = {"stage": "during", "date": "2026-03-02", "method": "phone", "participants": "张委员"}
    resp = c.post(f"/assignments/{aid}/contact/", body)
    assert resp.status_code == 302 and resp["Location"] == f"/assignments/{aid}/?open=contact#action-contact"
    html = c.get(resp["Location"]).content.decode()
    assert re.search(r'<details [^>]*id="action-contact"[^>]* open>', html)
    c.post(f"/assignments/{aid}/contact/", {**body, "stage": "after", "method": "visit"})
    timeline = timeline_text(c.get(f"/assignments/{aid}/").content.decode())
    assert "办中见面（电话）" in timeline and "办后见面（上门走访）" in timeline
    assert "记录见面沟通（三见面）" not in timeline


CODES = sorted({*State.values, *ProposalStatus.values}, key=len, reverse=True)


def raw_codes(text: str) -> list[str]:
    return [code for code in CODES if re.search(rf"(?<![A-Za-z_]){code}(?![A-Za-z_])", text)]


def test_no_raw_state_code_in_the_timelines_of_a_long_walk(world: World) -> None:
    pid, aid = drive_lead(world, "rehandling", key=True, co=world.wjw)  # registered → … → approved → rehandling
    act(world, world.jyj_handler, aid, "contact", {"stage": "after", "date": "2026-03-02", "method": "online"})
    act(world, world.jyj_handler, aid, "draft-reply", draft_body("A"))
    act(world, world.jyj_head, aid, "sign-reply")
    walked = set(Assignment.objects.get(pk=aid).events.values_list("to_state", flat=True))
    assert {"pending", "office_review", "leader_approval", "approved", "rehandling"} <= walked
    for user, url in ((world.office, f"/proposals/{pid}/"), (world.jyj_handler, f"/assignments/{aid}/"),
                      (world.member1, f"/my/{pid}/")):  # fmt: skip
        text = timeline_text(page(user, url).content.decode())
        assert raw_codes(text) == [], (url, raw_codes(text))
        assert "—" not in text and "_" not in text, (url, text)
    proposal_page = timeline_text(page(world.office, f"/proposals/{pid}/").content.decode())
    assert "已登记" in proposal_page and "待签收" in proposal_page and "办后见面（网络）" in proposal_page


# ---------------------------------------------------------------------------------------------------
# 5. After the reply, 需要我处理 asks for the 回头看 and the B-class plan, with their deadlines


def mine(world: World, user: Any) -> list[tuple[int, str, Any]]:
    return [(r["a"].pk, r["action"], r["due"]) for r in signed_in(user).get("/unit/").context["mine"]]


def test_needs_me_lists_the_self_check_and_the_follow_up_plan(world: World) -> None:
    _, b_closed = drive_lead(world, "closed", result_class="B", title="关于B类已办结的建议")
    _, a_replied = drive_lead(world, "replied", result_class="A", title="关于A类已答复的建议")
    due = Assignment.objects.get(pk=b_closed).self_check_due
    assert due is not None  # set when the reply was delivered (handling.actions)
    rows = mine(world, world.jyj_handler)
    assert (b_closed, "self_check", due) in rows and (a_replied, "self_check", due) in rows
    assert (b_closed, "follow_up_plan", due) in rows  # the plan is due with the self-check (handling.deadlines)
    assert not any(pk == a_replied and action == "follow_up_plan" for pk, action, _ in rows)  # only B replies
    html = signed_in(world.jyj_handler).get("/unit/").content.decode()
    assert f"回头看期限 {cn_date(due)}" in html
    assert f'href="/assignments/{b_closed}/?open=self_check#action-self_check"' in html

    item = {"text": "制定经费保障办法", "department_id": world.jyj.pk, "person": "王科长", "due_on": "2026-12-31"}
    act(world, world.jyj_handler, b_closed, "follow-up-plan", {"items": [item]})
    act(world, world.jyj_handler, b_closed, "self-check", {"findings": "承诺已落实", "fulfilled": True})
    rows = mine(world, world.jyj_handler)
    assert [action for pk, action, _ in rows if pk == b_closed] == []
    assert [action for pk, action, _ in rows if pk == a_replied] == ["self_check"]
    assert (a_replied, "self_check", due) in mine(world, world.jyj_head)  # every role of the unit is asked
    assert mine(world, world.wjw_handler) == []  # not another unit's


# ---------------------------------------------------------------------------------------------------
# 6. The follow-up plan: across the main column, only the first row required, the unit named


def test_follow_up_plan_form_requires_only_its_first_row(world: World) -> None:
    _, aid = drive_lead(world, "replied", result_class="B")
    html = page(world.jyj_handler, f"/assignments/{aid}/").content.decode()
    form = panel_html(html, "follow_up_plan")
    assert html.index('id="action-follow_up_plan"') < html.index('id="actions-title"')  # the main column
    for row, required in ((0, True), (1, False), (2, False)):
        for column in ("text", "department_id", "person", "due_on"):
            tag = re.search(rf'<(?:input|select|textarea)[^>]*id="f-follow_up_plan-items-{row}-{column}"[^>]*>', form)
            assert tag and (" required" in tag.group(0)) is required, (row, column)
    first_unit = re.search(r'id="f-follow_up_plan-items-0-department_id".*?</select>', form, re.S)
    assert first_unit and f'<option value="{world.jyj.pk}" selected>市教育局</option>' in first_unit.group(0)
    # Two rows left empty are skipped: the plan has the one item typed.
    post = {"items-0-text": "制定经费保障办法", "items-0-department_id": str(world.jyj.pk),
            "items-0-person": "王科长", "items-0-due_on": "2026-12-31",
            "items-1-text": "", "items-1-department_id": "", "items-2-person": ""}  # fmt: skip
    resp = signed_in(world.jyj_handler).post(f"/assignments/{aid}/follow-up-plan/", post)
    assert resp.status_code == 302
    assert list(Assignment.objects.get(pk=aid).follow_up_items.values_list("text", flat=True)) == ["制定经费保障办法"]


# ---------------------------------------------------------------------------------------------------
# 7. The head came to sign: 签发 first and open, the re-draft editor closed below the letter


def test_head_sees_signing_first_and_the_redraft_editor_closed_below(world: World) -> None:
    _, aid = drive_lead(world, "reply_drafted")
    html = page(world.jyj_head, f"/assignments/{aid}/").content.decode()
    sign, draft = panel_html(html, "sign_reply"), panel_html(html, "draft_reply")
    assert re.match(r"<details [^>]* open>", sign) and not re.match(r"<details [^>]* open>", draft)
    assert html.index('id="reply-title"') < html.index('id="action-draft_reply"')  # below the letter to sign
    side = html.split('id="actions-title"')[1]
    assert side.index('id="action-sign_reply"') < side.index('id="action-contact"')  # first among the side's
    # The handler, who drafts, still finds the editor open above the case.
    handler = page(world.jyj_handler, f"/assignments/{aid}/").content.decode()
    assert re.match(r"<details [^>]* open>", panel_html(handler, "draft_reply"))
    assert handler.index('id="action-draft_reply"') < handler.index('id="reply-title"')


def test_the_later_steps_cost_no_query_per_row(world: World) -> None:
    drive_lead(world, "replied", result_class="B", title="关于第一件B类的建议")
    c = signed_in(world.jyj_handler)
    c.get("/unit/")
    with CaptureQueriesContext(connection) as few:
        c.get("/unit/")
    for n in range(3):
        drive_lead(world, "replied", result_class="B", title=f"关于第{n}件加测B类的建议")
    with CaptureQueriesContext(connection) as many:
        resp = c.get("/unit/")
    assert len(resp.context["mine"]) == 8  # a self-check and a plan for each of the four
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
