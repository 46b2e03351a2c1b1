"""Whole journeys in a real browser, each step by the role whose step it is, through the pages' forms.

Every step clicks the form a user would use; the assertions read the database (state, events, actor),
so a page that only looks right does not pass.
"""

from __future__ import annotations

from typing import Any

import pytest

from conftest import act, assign, file_proposal
from handling.models import Assignment, Contact, Feedback, Reply
from history.models import Event
from proposals.models import Instruction
from tests.test_transitions import advance_lead

from .conftest import PHONE, check_a11y, go, shot, sign_in

TODAY = "2026-03-02"  # the fixed_day fixture's


pytestmark = pytest.mark.usefixtures("fixed_day")


def panel(page: Any, action: str) -> Any:
    """The form of one action on the page, opened."""
    box = page.locator(f"#action-{action}")
    if box.get_attribute("open") is None:
        box.locator("summary").click()
    return box


def submit(box: Any, button: str = "提交") -> None:
    """Click the button and wait until the page the server answered with has replaced this one."""
    page = box.page
    page.evaluate("document.querySelector('main').dataset.stale = '1'")
    box.get_by_role("button", name=button, exact=True).click()
    page.locator("main:not([data-stale])").wait_for()


def draft_reply(page: Any, text: str, *, public: bool) -> None:
    """The unit's handler drafts an A-class reply, the first method, with a contact person."""
    box = panel(page, "draft_reply")
    box.get_by_label("答复内容").fill(text)
    box.get_by_role("group", name="办理结果").get_by_label("A类（所提问题已经解决或基本解决）").check()
    box.get_by_label("答复方式").select_option(index=1)
    box.get_by_role("group", name="是否公开").get_by_label("是" if public else "否").check()
    box.get_by_label("联系人").fill("蒋亚军")
    box.get_by_label("联系电话").fill("0571-87000000")
    submit(box)


def rate(page: Any, attitude: str, result: str, comment: str = "") -> None:
    """The member rates the reply: the attitude and the result (满意 / 基本满意 / 不满意)."""
    box = panel(page, "feedback")
    box.get_by_role("group", name="办理态度").get_by_label(attitude, exact=True).check()
    box.get_by_role("group", name="办理结果").get_by_label(result, exact=True).check()
    if comment:
        box.get_by_label("意见建议").fill(comment)
    submit(box)


def state_of(assignment_id: int) -> str:
    return Assignment.objects.get(pk=assignment_id).state


def wait_state(page: Any, assignment_id: int, state: str) -> None:
    """The page says the step is done, and the database agrees."""
    assert page.locator(".alert-success").count() == 1, page.locator("main").inner_text()[:500]
    assert state_of(assignment_id) == state


def actions_of(assignment_id: int) -> list[tuple[str, int | None]]:
    return list(Event.objects.filter(assignment_id=assignment_id).order_by("pk").values_list("action", "actor_id"))


def test_assign_to_closed_through_the_pages(bworld: Any, open_page: Any) -> None:
    w = bworld
    p = file_proposal(w, title="关于建设城市社区嵌入式托育点的建议")

    # 督查室: assign from the proposal page, one lead and one co unit.
    office = open_page(w.office, path=f"/proposals/{p['id']}/")
    box = panel(office, "assign")
    box.locator("#f-assign-assignments-0-department_id").select_option(label="市教育局")
    box.locator("#f-assign-assignments-0-role").select_option(label="主办")
    box.locator("#f-assign-assignments-1-department_id").select_option(label="市卫生健康委员会")
    box.locator("#f-assign-assignments-1-role").select_option(label="协办")
    submit(box, "交办")
    assert office.locator(".alert-success").count() == 1
    lead = Assignment.objects.get(proposal_id=p["id"], department=w.jyj)
    co = Assignment.objects.get(proposal_id=p["id"], department=w.wjw)
    assert (lead.role, lead.state, co.role, co.state) == ("lead", "pending", "co", "pending")
    assert office.get_by_role("cell", name="待签收").count() == 2
    shot(office, "proposal-assigned")

    # 市教育局经办人: receive, fill in the handling form.
    handler = open_page(w.jyj_handler, path=f"/assignments/{lead.pk}/")
    submit(panel(handler, "receive"), "签收")
    wait_state(handler, lead.pk, "received")
    box = panel(handler, "submit_form")
    box.get_by_label("拟办意见").fill("由基础教育处牵头研究，会同卫健部门提出意见。")
    box.get_by_label("经办人").select_option(label=f"{w.jyj_handler.name}（经办人）")
    submit(box)
    wait_state(handler, lead.pk, "form_submitted")

    # 分管领导: approve the handling form.
    leader = open_page(w.jyj_leader, path=f"/assignments/{lead.pk}/")
    box = panel(leader, "approve_form")
    box.get_by_label("领导批示").fill("请抓紧办理，办前与委员见面。")
    submit(box, "同意")
    wait_state(leader, lead.pk, "handling")

    # 三见面: before, during and after; a date in the future is refused next to the field.
    box = panel(handler, "contact")
    box.get_by_label("办前见面").check()
    box.get_by_label("日期").fill("2026-03-05")
    box.get_by_label("方式").select_option(label="上门走访")
    submit(box)
    error = handler.locator("#action-contact .invalid-feedback")
    assert "见面日期不能晚于今天" in error.inner_text()
    assert not Contact.objects.filter(assignment=lead).exists()
    for stage in ("办前见面", "办中见面", "办后见面"):
        box = panel(handler, "contact")
        box.get_by_label(stage).check()
        box.get_by_label("日期").fill(TODAY)
        box.get_by_label("方式").select_option(label="座谈")
        box.get_by_label("参加人员").fill("张委员、基础教育处")
        submit(box)
        assert handler.locator(".alert-success").count() == 1
    assert Contact.objects.filter(assignment=lead).count() == 3
    assert handler.locator(".checklist .check.done").count() == 3

    # 市卫健委: receive and send the co-handler's opinion.
    co_handler = open_page(w.wjw_handler, path=f"/assignments/{co.pk}/")
    submit(panel(co_handler, "receive"), "签收")
    wait_state(co_handler, co.pk, "received")
    box = panel(co_handler, "co_opinion")
    box.get_by_label("协办意见").fill("同意主办单位意见，卫健部门负责托育机构卫生保健指导。")
    submit(box)
    wait_state(co_handler, co.pk, "opinion_submitted")

    # The lead sees the co-opinion, drafts the reply; the head signs it.
    go(handler, f"/assignments/{lead.pk}/")
    assert "卫生保健指导" in handler.locator("section[aria-labelledby=co-title]").inner_text()
    draft_reply(handler, "张委员：您提出的关于建设托育点的建议收悉，现答复如下：一、……", public=True)
    wait_state(handler, lead.pk, "reply_drafted")
    assert handler.locator("#action-sign_reply").count() == 0  # only the head signs
    shot(handler, "unit-handling-page")
    check_a11y(handler)

    head = open_page(w.jyj_head, path=f"/assignments/{lead.pk}/")
    submit(panel(head, "sign_reply"), "签发")  # the confirm dialog is accepted by the fixture
    wait_state(head, lead.pk, "replied")
    reply = Reply.objects.get(assignment=lead)
    assert reply.signed_by == w.jyj_head and reply.delivered_on is not None and reply.result_class == "A"

    # The member rates the reply on a phone: satisfied, so the assignment is closed.
    member = open_page(w.member1, viewport=PHONE, path=f"/assignments/{lead.pk}/")  # shown the member's own page
    assert member.url.endswith(f"/my/{p['id']}/")
    assert "现答复如下" in member.locator("main").inner_text()
    assert "卫生保健指导" not in member.locator("main").inner_text()  # the co-handler's opinion is internal
    rate(member, "满意", "满意")
    wait_state(member, lead.pk, "closed")
    feedback = Feedback.objects.get(assignment=lead)
    assert (feedback.entered_by, feedback.result, feedback.decisive) == (w.member1, "satisfied", True)

    assert actions_of(lead.pk) == [
        ("assign", w.office.pk),
        ("receive", w.jyj_handler.pk),
        ("submit_form", w.jyj_handler.pk),
        ("approve_form", w.jyj_leader.pk),
        ("contact", w.jyj_handler.pk),
        ("contact", w.jyj_handler.pk),
        ("contact", w.jyj_handler.pk),
        ("draft_reply", w.jyj_handler.pk),
        ("sign_reply", w.jyj_head.pk),
        ("feedback", w.member1.pk),
    ]
    # The proposal page shows the whole history and the final states.
    go(office, f"/proposals/{p['id']}/")
    history = office.locator("section[aria-labelledby=history-title]").inner_text()
    for label in ("交办", "签收", "填写承办单", "批准承办单", "提交协办意见", "起草答复函", "签发答复函", "反馈意见"):
        assert label in history
    assert office.locator(".badge.status-closed").count() == 1
    check_a11y(office)


def test_return_and_reassignment(bworld: Any, open_page: Any) -> None:
    w = bworld
    p = file_proposal(w, title="关于规范物业服务收费的建议")
    wrong = assign(w, p["id"], [(w.zjj, "lead")])["assignments"][0]["id"]

    unit = open_page(w.zjj_handler, path=f"/assignments/{wrong}/")
    box = panel(unit, "request_return")
    box.get_by_label("退回理由").fill("物业服务收费属市发展改革委职责。")
    submit(box, "提交退回申请")
    wait_state(unit, wrong, "return_requested")

    office = open_page(w.office, path=f"/assignments/{wrong}/")
    box = panel(office, "decide_return")
    box.get_by_label("审批意见").fill("同意退回，改由市教育局主办。")
    box.locator("#f-decide_return-reassign-0-department_id").select_option(label="市教育局")
    box.locator("#f-decide_return-reassign-0-role").select_option(label="主办")
    submit(box, "同意")
    assert office.locator(".alert-success").count() == 1
    assert state_of(wrong) == "withdrawn"
    new = Assignment.objects.get(proposal_id=p["id"], department=w.jyj)
    assert (new.role, new.state) == ("lead", "pending")
    assert [a for a, _ in actions_of(wrong)] == ["assign", "request_return", "decide_return"]
    # The unit that returned it can no longer act on it.
    go(unit, f"/assignments/{wrong}/")
    assert unit.locator(".state-withdrawn").count() == 1
    assert unit.locator(".action-panel").count() == 0


def test_key_proposal_through_review_and_approval(bworld: Any, open_page: Any) -> None:
    w = bworld
    p = file_proposal(w, title="关于加快建设城市更新项目的建议")

    cppcc = open_page(w.cppcc, path=f"/proposals/{p['id']}/")
    box = panel(cppcc, "flags")
    box.get_by_label("重点提案").check()
    submit(box, "保存")
    assert cppcc.locator(".alert-success").count() == 1
    assert cppcc.locator(".badge", has_text="重点提案").count() == 1

    aid = assign(w, p["id"], [(w.jyj, "lead")])["assignments"][0]["id"]
    advance_lead(w, aid, "reply_drafted", unit=w.jyj, key=True)

    head = open_page(w.jyj_head, path=f"/assignments/{aid}/")
    submit(panel(head, "sign_reply"), "签发")
    wait_state(head, aid, "office_review")  # a key proposal's reply goes to the office, not the member

    office = open_page(w.office, path=f"/assignments/{aid}/")
    box = panel(office, "review_reply")
    box.get_by_label("审核意见").fill("答复内容完整，同意报领导审定。")
    submit(box, "同意")
    wait_state(office, aid, "leader_approval")

    # The member sees progress but cannot act, and no letter has been delivered yet.
    member = open_page(w.member1, path=f"/my/{p['id']}/")
    assert member.locator(".action-panel").count() == 0
    assert "答复函尚未送达" in member.locator("main").inner_text()
    assert "答复如下" not in member.locator("main").inner_text()

    mayor = open_page(w.vicemayor, path=f"/assignments/{aid}/")
    box = panel(mayor, "approve_reply")
    box.get_by_label("审定意见").fill("同意。")
    submit(box, "同意")
    wait_state(mayor, aid, "approved")
    shot(mayor, "leader-approval-page")
    go(mayor, f"/proposals/{p['id']}/")
    box = panel(mayor, "instruction")
    box.get_by_label("批示内容").fill("请市教育局会同有关部门抓好落实，按期办结。")
    submit(box, "提交批示")
    instruction = Instruction.objects.get(proposal_id=p["id"])
    assert instruction.leader == w.vicemayor and "抓好落实" in instruction.text
    assert "抓好落实" in mayor.locator("section[aria-labelledby=instructions-title]").inner_text()

    go(office, f"/assignments/{aid}/")
    box = panel(office, "reply_meeting")
    box.get_by_label("日期").fill(TODAY)
    box.get_by_label("主持人").fill("副市长")
    submit(box)
    wait_state(office, aid, "replied")
    assert [a for a, _ in actions_of(aid)][-4:] == ["sign_reply", "review_reply", "approve_reply", "reply_meeting"]
    assert Event.objects.get(assignment_id=aid, action="approve_reply").actor == w.vicemayor


def test_unsatisfied_rating_and_rehandling(bworld: Any, open_page: Any) -> None:
    w = bworld
    p = file_proposal(w, title="关于增加中小学心理健康教师配备的建议")
    aid = assign(w, p["id"], [(w.jyj, "lead")])["assignments"][0]["id"]
    advance_lead(w, aid, "replied", unit=w.jyj, key=False, result_class="C")

    member = open_page(w.member1, viewport=PHONE, path=f"/my/{p['id']}/")
    rate(member, "基本满意", "不满意", "答复未回应师资编制问题。")
    wait_state(member, aid, "rehandling")
    shot(member, "member-rating-unsatisfied")

    handler = open_page(w.jyj_handler, path=f"/assignments/{aid}/")
    draft_reply(handler, "再次办理后答复：已核增心理健康教师编制 50 名。", public=False)
    wait_state(handler, aid, "reply_drafted")

    head = open_page(w.jyj_head, path=f"/assignments/{aid}/")
    submit(panel(head, "sign_reply"), "签发")
    wait_state(head, aid, "replied")
    assert Reply.objects.filter(assignment_id=aid).count() == 2

    go(member, f"/my/{p['id']}/")
    assert "核增心理健康教师编制" in member.locator("main").inner_text()
    rate(member, "满意", "满意")
    wait_state(member, aid, "closed")
    a = Assignment.objects.get(pk=aid)
    assert a.rehandled is True and a.feedback_result == "satisfied"


def test_each_role_sees_only_what_it_may(bworld: Any, open_page: Any) -> None:
    w = bworld
    p = file_proposal(w)
    ids = {x["department_id"]: x["id"] for x in assign(w, p["id"], [(w.jyj, "lead"), (w.wjw, "co")])["assignments"]}
    lead, co = ids[w.jyj.pk], ids[w.wjw.pk]

    # Not theirs: the same 404 as for a page that does not exist.
    page = open_page(None)  # signed in as each in turn
    for user, path in ((w.member3, f"/proposals/{p['id']}/"), (w.xq_handler, f"/assignments/{lead}/"),
                       (w.zjj_handler, f"/assignments/{co}/")):  # fmt: skip
        sign_in(page, user)
        response = page.goto(w.url + path)
        assert response.status == 404, (user.username, path)
        assert "未找到" in page.locator("h1").inner_text()

    # Visible but not theirs to act on: no forms, and a forged post is refused and changes nothing.
    sign_in(page, w.jyj_handler)
    go(page, f"/assignments/{co}/")
    assert page.locator(".action-panel").count() == 0
    assert (
        page.evaluate(
            """async (url) => {
            const token = document.cookie.split('; ').find(c => c.startsWith('csrftoken=')).split('=')[1];
            const r = await fetch(url, {method: 'POST', headers: {'X-CSRFToken': token}, body: new URLSearchParams()});
            return r.status;
        }""",
            f"{w.url}/assignments/{co}/receive/",
        )
        == 403
    )
    assert state_of(co) == "pending"

    # The office sees the assignments but the unit's own steps are not offered to it.
    sign_in(page, w.office)
    go(page, f"/assignments/{lead}/")
    panels = page.locator(".action-panel")
    names = {panels.nth(i).get_attribute("id") for i in range(panels.count())}
    assert "action-receive" not in names and "action-remind" in names

    # Anonymous visitors are sent to sign in.
    sign_in(page, None)
    go(page, f"/assignments/{lead}/")
    assert "/login/" in page.url
    act(w, w.jyj_handler, lead, "receive")  # the page's 404s and 403s above left the assignment usable


def test_draft_reply_keeps_what_was_typed_when_refused(bworld: Any, open_page: Any) -> None:
    """A refused form comes back with the user's text and the error next to the field, in Chinese."""
    w = bworld
    p = file_proposal(w)
    aid = assign(w, p["id"], [(w.jyj, "lead")])["assignments"][0]["id"]
    advance_lead(w, aid, "handling", unit=w.jyj, key=False)
    page = open_page(w.jyj_handler, path=f"/assignments/{aid}/")
    box = panel(page, "draft_reply")
    box.get_by_label("答复内容").fill("答复正文草稿")
    submit(box)  # no class, method, contact: refused
    assert page.locator("#action-draft_reply").get_by_label("答复内容").input_value() == "答复正文草稿"
    assert "此项为必填项" in page.locator("#action-draft_reply").inner_text()
    assert state_of(aid) == "handling"
    assert not Reply.objects.filter(assignment_id=aid).exists()
