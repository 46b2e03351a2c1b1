"""The member's pages (/my/): own proposals only, the reply, the rating form and the history."""

from __future__ import annotations

import re
from typing import Any

import pytest
import time_machine
from django.test import Client

from conftest import act, assign, file_proposal, make_session
from handling.models import Assignment, Feedback
from history.models import Event
from lib.dates import cn_date
from web.labels import EVENT_LABELS

from .conftest import PHONE
from .helpers import csv_text, look, no_horizontal_scroll, queries, signed_in

REPLY_TEXT = "经研究，我局已将课后服务纳入年度重点工作。"
DRAFT = {
    "text": REPLY_TEXT,
    "result_class": "A",
    "method": "written",
    "is_public": True,
    "contact_person": "王老师",
    "contact_phone": "0512-1234567",
}


def replied(world: Any, result_class: str = "A", units: Any = None, **overrides: Any) -> tuple[int, int]:
    """File, assign to 市教育局 as lead and drive it to "replied"; return (proposal id, lead assignment id)."""
    p = file_proposal(world, **overrides)
    data = assign(world, p["id"], units or [(world.jyj, "lead")])
    lead = next(a for a in data["assignments"] if a["role"] == "lead")["id"]
    act(world, world.jyj_handler, lead, "receive")
    act(
        world,
        world.jyj_handler,
        lead,
        "submit-form",
        {"opinion": "拟由基础教育处办理", "handler_id": world.jyj_handler.pk},
    )
    act(world, world.jyj_head, lead, "approve-form", {"approve": True})
    act(world, world.jyj_handler, lead, "draft-reply", {**DRAFT, "result_class": result_class})
    for co in (a for a in data["assignments"] if a["role"] == "co"):
        handler = next(u for u in (world.wjw_handler, world.zjj_handler) if u.department_id == co["department_id"])
        act(world, handler, co["id"], "receive")
        act(world, handler, co["id"], "co-opinion", {"text": "同意主办单位意见"})
    assert act(world, world.jyj_head, lead, "sign-reply", {})["state"] == "replied"
    return p["id"], lead


def joint(world: Any) -> dict[str, Any]:
    return {
        "kind": "joint",
        "proposers": [
            {"name": world.member1.name, "user_id": world.member1.pk},
            {"name": world.member2.name, "user_id": world.member2.pk},
        ],
    }


def page(world: Any, user: Any, url: str) -> Any:
    return signed_in(user).get(url)


def card_of(html: str, pid: int) -> str:
    cards = [c for c in html.split('<li class="card') if f'href="/my/{pid}/"' in c]
    assert len(cards) == 1
    return cards[0].split("</li>")[0]


def has_rating_form(html: str, assignment_id: int) -> bool:
    return f'action="/assignments/{assignment_id}/feedback/"' in html


@pytest.fixture
def frozen() -> Any:
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False):
        yield


# ---------------------------------------------------------------------------------------------------
# My proposals (我的提案)


def test_member_sees_own_proposals_only(world: Any) -> None:
    mine = file_proposal(world, title="关于张委员自己提出的建议")
    cosigned = file_proposal(world, title="关于联名提出的建议", **joint(world))
    file_proposal(
        world, title="关于别人提出的建议", proposers=[{"name": world.member3.name, "user_id": world.member3.pk}]
    )

    html = page(world, world.member1, "/my/").content.decode()
    assert "关于张委员自己提出的建议" in html and "关于联名提出的建议" in html
    assert "关于别人提出的建议" not in html

    html2 = page(world, world.member2, "/my/").content.decode()
    assert "关于联名提出的建议" in html2 and "关于张委员自己提出的建议" not in html2
    assert page(world, world.member2, f"/my/{cosigned['id']}/").status_code == 200

    html3 = page(world, world.member3, "/my/").content.decode()
    assert "张委员" not in html3 and "关于联名提出的建议" not in html3 and "关于别人提出的建议" in html3
    resp = page(world, world.member3, f"/my/{mine['id']}/")
    assert resp.status_code == 404
    assert "关于张委员自己提出的建议" not in resp.content.decode()


def test_other_roles_may_not_open_the_member_workbench(world: Any) -> None:
    assert page(world, world.office, "/my/").status_code == 403
    assert page(world, world.jyj_handler, "/my/").status_code == 403
    assert Client().get("/my/").status_code == 302  # to the sign-in page


def test_cards_show_units_reply_and_waiting_for_rating(world: Any) -> None:
    pid, _ = replied(world, title="关于已答复的建议", units=[(world.jyj, "lead"), (world.wjw, "co")], **joint(world))
    other = file_proposal(world, title="关于尚在办理的建议")
    assign(world, other["id"], [(world.zjj, "lead")])

    html = page(world, world.member1, "/my/").content.decode()
    card = card_of(html, pid)
    assert "待您评价" in card and "border-warning" in card
    assert "市教育局（主办）" in card and "市卫生健康委员会（协办）" in card
    assert "答复已送达" in card
    assert "有 <strong>1</strong> 件提案的答复待您评价" in html
    pending = card_of(html, other["id"])
    assert "尚未答复" in pending and "待您评价" not in pending and "border-warning" not in pending


def test_filters_by_year_status_and_waiting_kept_in_the_url(world: Any) -> None:
    file_proposal(world, title="关于去年的建议", session_id=make_session(world, "十四届一次会议", 2025))
    assigned = file_proposal(world, title="关于已交办的建议")
    assign(world, assigned["id"], [(world.zjj, "lead")])
    replied(world, title="关于待评价的建议")

    by_year = page(world, world.member1, "/my/?year=2025").content.decode()
    assert "关于去年的建议" in by_year and "关于已交办的建议" not in by_year
    assert 'value="2025" selected' in by_year

    by_status = page(world, world.member1, "/my/?status=assigned").content.decode()
    assert "关于已交办的建议" in by_status and "关于去年的建议" not in by_status
    assert "关于待评价的建议" not in by_status

    waiting = page(world, world.member1, "/my/?rating=waiting").content.decode()
    assert "关于待评价的建议" in waiting and "关于已交办的建议" not in waiting and "关于去年的建议" not in waiting
    # paging and sorting links keep the filters
    assert "rating=waiting" in waiting.split('aria-label="排序"')[1].split("</nav>")[0]

    body = csv_text(page(world, world.member1, "/my/?year=2025&export=csv"))
    assert "关于去年的建议" in body and "关于已交办的建议" not in body


def test_list_query_count_does_not_grow_with_rows(world: Any) -> None:
    p = file_proposal(world)
    assign(world, p["id"], [(world.jyj, "lead"), (world.wjw, "co")])
    few = queries(signed_in(world.member1), "/my/")
    for _ in range(4):
        p = file_proposal(world)
        assign(world, p["id"], [(world.zjj, "lead"), (world.wjw, "co")])
    assert queries(signed_in(world.member1), "/my/") == few


# ---------------------------------------------------------------------------------------------------
# One proposal: reply, rating, history


def test_proposal_page_shows_reply_letter_deadline_and_timeline(world: Any, frozen: Any) -> None:
    pid, lead = replied(world, units=[(world.jyj, "lead"), (world.wjw, "co")])
    html = page(world, world.member1, f"/my/{pid}/").content.decode()

    assert REPLY_TEXT in html
    assert 'class="badge class-A">A类' in html and "所提问题已经解决或基本解决" in html
    assert 'href="tel:0512-1234567"' in html and "王老师" in html
    assert world.jyj_head.display_name in html  # signer
    assert "2026年6月2日" in html  # 办复期限

    history = html.split('id="history-title"')[1]
    # the outward steps only (handling.disclosure): not the 承办单, the draft, the co-opinion
    labels = [EVENT_LABELS[e.action] for e in Event.objects.filter(proposal_id=pid).order_by("pk")]
    assert labels[0] == "登记提案" and labels[-1] == EVENT_LABELS["sign_reply"] and len(labels) == 10
    internal = {EVENT_LABELS[a] for a in ("submit_form", "approve_form", "draft_reply", "co_opinion")}
    assert all(f'fw-semibold">{label}<' not in history for label in internal)
    labels = [label for label in labels if label not in internal]
    positions = [history.index(f'fw-semibold">{label}<') for label in dict.fromkeys(labels)]
    assert positions == sorted(positions)
    assert "市教育局（主办）" in history and world.jyj_handler.display_name in history


def test_deadline_shows_days_left_while_handling(world: Any, frozen: Any) -> None:
    p = file_proposal(world)
    lead = assign(world, p["id"], [(world.jyj, "lead")])["assignments"][0]["id"]
    act(world, world.jyj_handler, lead, "receive")
    html = page(world, world.member1, f"/my/{p['id']}/").content.decode()
    assert "2026年6月2日" in html and "剩 92 天" in html
    assert "答复函尚未送达" in html
    assert not has_rating_form(html, lead)


def test_timeline_hides_units_internal_notes(world: Any) -> None:
    """A co unit's opinion goes to the lead unit, never to the proposer (domain §5)."""
    p = file_proposal(world)
    data = assign(world, p["id"], [(world.jyj, "lead"), (world.wjw, "co")])
    co = next(a for a in data["assignments"] if a["role"] == "co")["id"]
    act(world, world.wjw_handler, co, "receive")
    act(world, world.wjw_handler, co, "co-opinion", {"text": "协办单位内部意见甲乙丙"})
    html = page(world, world.member1, f"/my/{p['id']}/").content.decode()
    assert "市卫生健康委员会" in html  # the co unit is named ...
    assert f'fw-semibold">{EVENT_LABELS["co_opinion"]}<' not in html  # ... its opinion is not a step of theirs
    assert "协办单位内部意见甲乙丙" not in html


def test_rating_form_only_when_replied_and_for_proposers(world: Any) -> None:
    p = file_proposal(world, **joint(world))
    lead = assign(world, p["id"], [(world.jyj, "lead")])["assignments"][0]["id"]
    act(world, world.jyj_handler, lead, "receive")
    assert not has_rating_form(page(world, world.member1, f"/my/{p['id']}/").content.decode(), lead)

    pid, lead = replied(world, **joint(world))
    html = page(world, world.member1, f"/my/{pid}/").content.decode()
    assert has_rating_form(html, lead)
    assert f'name="next" value="/my/{pid}/"' in html
    assert 'name="proposer_id"' not in html  # a member rates as themselves
    for code in ("satisfied", "basically_satisfied", "unsatisfied"):
        assert f'name="attitude" value="{code}"' in html and f'name="result" value="{code}"' in html

    # the co-signer rates too; that leaves the state, and then the form is gone for them only
    html2 = page(world, world.member2, f"/my/{pid}/").content.decode()
    assert has_rating_form(html2, lead)
    c = signed_in(world.member2)
    c.post(f"/assignments/{lead}/feedback/", {"attitude": "satisfied", "result": "satisfied", "next": f"/my/{pid}/"})
    assert Assignment.objects.get(pk=lead).state == "replied"
    assert not has_rating_form(page(world, world.member2, f"/my/{pid}/").content.decode(), lead)
    assert has_rating_form(page(world, world.member1, f"/my/{pid}/").content.decode(), lead)
    assert page(world, world.member3, f"/my/{pid}/").status_code == 404


def test_nothing_waits_for_a_co_signer_once_the_first_proposer_closed_it(world: Any) -> None:
    """Only the state the feedback form is open in waits for a rating; closed does not, rated or not."""
    pid, lead = replied(world, **joint(world))
    assert "待您评价" in page(world, world.member2, "/my/").content.decode()
    act(world, world.member1, lead, "feedback", {"attitude": "satisfied", "result": "satisfied"})
    assert Assignment.objects.get(pk=lead).state == "closed"
    assert not Feedback.objects.filter(assignment_id=lead, proposer__user=world.member2).exists()

    html = page(world, world.member2, "/my/").content.decode()
    assert "待您评价" not in card_of(html, pid) and "答复待您评价" not in html
    assert not has_rating_form(page(world, world.member2, f"/my/{pid}/").content.decode(), lead)


def rate(world: Any, member: Any, pid: int, lead: int, attitude: str, result: str) -> Any:
    client = signed_in(member)
    html = client.get(f"/my/{pid}/").content.decode()
    form = re.search(rf'<form method="post" action="(/assignments/{lead}/feedback/)".*?</form>', html, re.S)
    assert form is not None
    next_value = re.search(r'name="next" value="([^"]+)"', form.group(0))
    assert next_value is not None
    body = {"attitude": attitude, "result": result, "comment": "感谢", "next": next_value.group(1)}
    return client.post(form.group(1), body, follow=True)


def test_rating_satisfied_through_the_page_closes_the_assignment(world: Any) -> None:
    pid, lead = replied(world)
    resp = rate(world, world.member1, pid, lead, "satisfied", "satisfied")
    assert resp.redirect_chain == [(f"/my/{pid}/", 302)]
    a = Assignment.objects.get(pk=lead)
    assert a.state == "closed" and a.feedback_result == "satisfied"
    event = Event.objects.filter(assignment_id=lead).order_by("-pk").first()
    assert event is not None and event.action == "feedback"
    assert (event.from_state, event.to_state, event.actor_id) == ("replied", "closed", world.member1.pk)
    f = Feedback.objects.get(assignment_id=lead)
    assert f.proposer is not None and f.proposer.user_id == world.member1.pk and not f.on_paper

    html = resp.content.decode()
    assert "已反馈意见" in html  # the success message
    assert "您的评价" in html and "办理态度：满意；办理结果：" in html
    assert not has_rating_form(html, lead) and "待您评价" not in html
    assert "已办结" in html


def test_rating_unsatisfied_sends_it_back_for_rehandling(world: Any, frozen: Any) -> None:
    pid, lead = replied(world)
    resp = rate(world, world.member1, pid, lead, "basically_satisfied", "unsatisfied")
    assert resp.redirect_chain == [(f"/my/{pid}/", 302)]
    a = Assignment.objects.get(pk=lead)
    assert a.state == "rehandling" and a.rehandled
    assert Event.objects.filter(assignment_id=lead, action="feedback", to_state="rehandling").exists()
    html = resp.content.decode()
    assert "再次办理" in html and "rating-unsatisfied" in html
    assert cn_date(a.due_on) in html and "剩 " in html  # the new deadline, with days left


def test_follow_up_promises_self_check_and_second_feedback(world: Any) -> None:
    pid, lead = replied(world, result_class="B")
    plan = {
        "items": [
            {"text": "新建课后服务示范校", "department_id": world.jyj.pk, "person": "王科长", "due_on": "2026-12-31"},
            {"text": "出台经费保障办法", "department_id": world.jyj.pk, "person": "李处长", "due_on": "2027-03-31"},
        ]
    }
    act(world, world.jyj_handler, lead, "follow-up-plan", plan)
    html = page(world, world.member1, f"/my/{pid}/").content.decode()
    assert "承诺落实情况" in html and "新建课后服务示范校" in html and "王科长" in html and "落实中" in html

    rate(world, world.member1, pid, lead, "satisfied", "basically_satisfied")
    for item in Assignment.objects.get(pk=lead).follow_up_items.all():
        act(world, world.jyj_handler, lead, "follow-up-done", {"item_id": item.pk, "note": f"{item.text}已完成"})
    act(world, world.jyj_handler, lead, "self-check", {"findings": "承诺均已落实", "fulfilled": True})
    act(world, world.jyj_handler, lead, "second-feedback", {"text": "各项落实事项均已完成"})
    html = page(world, world.member1, f"/my/{pid}/").content.decode()
    assert html.count("已完成 ") == 2 and "新建课后服务示范校已完成" in html
    assert "回头看自查" in html and "承诺均已落实" in html
    assert "二次反馈" in html and "各项落实事项均已完成" in html
    assert '办理结果：<span class="rating-basically_satisfied">基本满意</span>' in html


# ---------------------------------------------------------------------------------------------------
# In the browser, on a phone


def test_member_reads_the_reply_and_rates_it_on_a_phone(bworld: Any, open_page: Any) -> None:
    pid, lead = replied(bworld, title="关于加强中小学课后服务的建议")
    other, _ = replied(bworld, title="关于改善校园周边交通秩序的建议")

    desk = open_page(bworld.member1, path="/my/")
    look(desk, "member-home")
    desk.goto(f"{bworld.url}/my/{other}/")
    look(desk, "member-proposal")

    phone = open_page(bworld.member1, viewport=PHONE, path="/my/")
    phone.get_by_text("有 2 件提案的答复待您评价").wait_for()
    look(phone, "member-home")

    phone.get_by_role("link", name="关于加强中小学课后服务的建议").click()
    phone.wait_for_url(f"**/my/{pid}/")
    phone.get_by_text(REPLY_TEXT).wait_for()
    assert phone.get_by_role("link", name="0512-1234567").get_attribute("href") == "tel:0512-1234567"
    look(phone, "member-proposal")

    phone.get_by_role("link", name="评价市教育局的答复").click()
    phone.get_by_role("group", name="办理态度").get_by_label("满意", exact=True).check()
    phone.get_by_role("group", name="办理结果").get_by_label("满意", exact=True).check()
    phone.get_by_role("button", name="提交").click()
    phone.get_by_text("您的评价").wait_for()
    assert phone.url.endswith(f"/my/{pid}/")
    assert phone.locator(".card-header .state-closed").inner_text() == "已办结"
    assert Assignment.objects.get(pk=lead).state == "closed"
    no_horizontal_scroll(phone)
