"""What the proposer and the public may read (issue 7, holes 1 and 6), tried as an attacker would: through
the API and the pages, searching whole responses for texts written inside the government.

One definition (``handling.disclosure``) decides; these tests read only HTTP answers.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import time_machine
from django.test import Client

from conftest import act, assign, file_proposal
from handling.disclosure import PROPOSER_READS, public_text
from handling.states import TRANSITIONS
from tests.test_transitions import meeting_body
from web.tests.helpers import csv_text

TODAY = "2026-03-02"

# Texts written inside the government: none may reach the proposer.
INTERNAL = {
    "instruction": "批示内部甲一",
    "return_reason": "退回理由内部甲二",
    "return_comment": "退回审批内部甲三",
    "form": "拟办意见内部甲四",
    "form_instruction": "承办单批示内部甲五",
    "contact_notes": "见面记录内部甲六",
    "reminder": "催办内部甲七",
    "extension_reason": "延期理由内部甲八",
    "consult": "政协协商内部甲九",
    "extension_comment": "延期审批内部乙一",
    "co_opinion": "会办意见内部乙二",
    "first_draft": "第一稿答复内部乙三",
    "review_reject": "审核退回内部乙四",
    "review": "审核意见内部乙五",
    "approval": "审定意见内部乙六",
    "redraft": "再次办理未签发稿内部乙七",
    "class_note": "督查室审核将办理结果",  # the reply version's internal note
}
LETTER = "答复函正文外部丙一"
RATING = "提案人评价外部丙二"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY + " 09:00 +0800", tick=False):
        yield


def draft(text: str, result_class: str = "A") -> dict[str, Any]:
    return {"text": text, "result_class": result_class, "method": "written", "is_public": True,
            "contact_person": "王老师", "contact_phone": "0512-1234567"}  # fmt: skip


def dumped(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, default=str)


def leaked(text: str) -> list[str]:
    return [name for name, marker in INTERNAL.items() if marker in text]


@pytest.fixture
def handled(world: Any) -> dict[str, int]:
    """A key proposal through every internal step there is, then re-handled up to an unsigned redraft."""
    p = file_proposal(world, is_key=True)
    pid = p["id"]
    data = assign(world, pid, [(world.jyj, "lead"), (world.wjw, "co"), (world.zjj, "lead")])
    ids = {a["department_id"]: a["id"] for a in data["assignments"]}
    lead, co, other = ids[world.jyj.pk], ids[world.wjw.pk], ids[world.zjj.pk]
    resp = world.api(world.mayor).post(f"/proposals/{pid}/instructions", {"text": INTERNAL["instruction"]})
    assert resp.status == 201, resp.data

    # a unit returns the proposal
    act(world, world.zjj_handler, other, "receive")
    act(world, world.zjj_handler, other, "request-return", {"reason": INTERNAL["return_reason"]})
    act(world, world.office, other, "decide-return", {"approve": True, "comment": INTERNAL["return_comment"]})

    # the lead unit: 承办单, a contact, a reminder, an extension, the co unit's opinion
    h = world.jyj_handler
    act(world, h, lead, "receive")
    act(world, h, lead, "submit-form", {"opinion": INTERNAL["form"], "handler_id": h.pk})
    act(world, world.jyj_head, lead, "approve-form", {"approve": True, "instruction": INTERNAL["form_instruction"]})
    contact = {"stage": "before", "date": TODAY, "method": "visit", "participants": "张委员",
               "notes": INTERNAL["contact_notes"]}  # fmt: skip
    act(world, h, lead, "contact", contact)
    act(world, world.office, lead, "remind", {"message": INTERNAL["reminder"]})
    new_due = world.api(world.office).get(f"/assignments/{lead}").data["max_due_on"]
    act(world, h, lead, "request-extension", {"reason": INTERNAL["extension_reason"], "new_due_on": new_due})
    act(world, world.cppcc, lead, "consult-extension", {"agree": True, "opinion": INTERNAL["consult"]})
    act(world, world.office, lead, "decide-extension",
        {"approve": True, "cppcc_consulted": True, "comment": INTERNAL["extension_comment"]})  # fmt: skip
    act(world, world.wjw_handler, co, "receive")
    act(world, world.wjw_handler, co, "co-opinion", {"text": INTERNAL["co_opinion"]})

    # the reply: a first draft sent back by the office, a second one reviewed (class changed) and approved
    act(world, h, lead, "draft-reply", draft(INTERNAL["first_draft"]))
    act(world, world.jyj_head, lead, "sign-reply", {})
    act(world, world.office, lead, "review-reply", {"approve": False, "comment": INTERNAL["review_reject"]})
    act(world, h, lead, "draft-reply", draft(LETTER))
    act(world, world.jyj_head, lead, "sign-reply", {})
    act(world, world.office, lead, "review-reply",
        {"approve": True, "comment": INTERNAL["review"], "result_class": "B"})  # fmt: skip
    act(world, world.mayor, lead, "approve-reply", {"approve": True, "comment": INTERNAL["approval"]})
    act(world, world.office, lead, "reply-meeting", meeting_body(TODAY))

    # the member is not satisfied: handled again, the new letter not signed yet
    rated = act(world, world.member1, lead, "feedback", {"attitude": "satisfied", "result": "unsatisfied",
                                                         "comment": RATING})  # fmt: skip
    assert rated["state"] == "rehandling" and not leaked(dumped(rated))
    act(world, h, lead, "draft-reply", draft(INTERNAL["redraft"], "A"))
    return {"proposal": pid, "lead": lead, "co": co, "returned": other, "new_due": new_due}


# ---------------------------------------------------------------------------------------------------
# Hole 1: the proposer reads the outward steps only


def test_every_action_is_classified_for_the_proposer():
    """A new action must be placed in the table (outward keys or INTERNAL) before it ships."""
    recorded_outside_the_table = {"register", "set_flags", "instruction", "assign"}
    assert set(TRANSITIONS) | recorded_outside_the_table == set(PROPOSER_READS)


def test_staff_still_read_the_internal_record(world, handled):
    body = dumped(world.api(world.office).get(f"/proposals/{handled['proposal']}").data)
    # every marker is really in the record (the first draft and the reviewed version's note are older
    # versions of the reply: the office reads the latest one)
    assert set(leaked(body)) == set(INTERNAL) - {"first_draft", "class_note"}
    unit = dumped(world.api(world.jyj_handler).get(f"/assignments/{handled['lead']}").data)
    assert INTERNAL["redraft"] in unit  # the unit works on its latest draft


def test_proposer_api_shows_no_internal_deliberation(world, handled):
    pid, lead = handled["proposal"], handled["lead"]
    api = world.api(world.member1)
    detail = api.get(f"/proposals/{pid}")
    assert detail.status == 200
    for resp in (detail, api.get("/assignments", proposal=pid), api.get(f"/assignments/{lead}")):
        assert resp.status == 200
        assert leaked(dumped(resp.data)) == []

    # the outward steps are all there
    d = detail.data
    assert d["instructions"] == []
    actions = [e["action"] for e in d["events"]]
    assert actions == ["register", "assign", "assign", "assign", "receive", "receive", "contact",
                       "decide_extension", "receive", "reply_meeting", "feedback"]  # fmt: skip
    contact = next(e for e in d["events"] if e["action"] == "contact")
    assert contact["data"] == {"stage": "before", "date": TODAY, "method": "visit"}
    extension = next(e for e in d["events"] if e["action"] == "decide_extension")
    assert extension["data"] == {"due_on": {"from": "2026-06-02", "to": handled["new_due"]}}
    feedback = next(e for e in d["events"] if e["action"] == "feedback")
    assert feedback["data"]["comment"] == RATING and feedback["to_state"] == "rehandling"
    units = {e["data"]["department"] for e in d["events"] if e["action"] == "assign"}
    assert units == {world.jyj.name, world.wjw.name, world.zjj.name}

    # the delivered letter, not the draft the unit is writing now
    a = next(x for x in d["assignments"] if x["id"] == lead)
    assert a["state"] == "reply_drafted"
    assert a["reply"]["text"] == LETTER and a["reply"]["result_class"] == "B" and a["reply"]["note"] == ""
    assert a["reply"]["delivered_on"] == TODAY and a["reply"]["contact_phone"] == "0512-1234567"
    assert a["feedback"]["comment"] == RATING


def test_proposer_page_shows_no_internal_deliberation(world, handled):
    c = Client()
    c.force_login(world.member1)
    resp = c.get(f"/my/{handled['proposal']}/")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert leaked(html) == []
    assert LETTER in html and "王老师" in html
    assert world.zjj.name in html and "交办" in html
    # the internal pages send the member back to the member's page
    assert c.get(f"/assignments/{handled['lead']}/")["Location"] == f"/my/{handled['proposal']}/"
    assert c.get(f"/proposals/{handled['proposal']}/")["Location"] == f"/my/{handled['proposal']}/"


def test_follow_up_progress_is_outward(world):
    p = file_proposal(world)
    lead = assign(world, p["id"], [(world.jyj, "lead")])["assignments"][0]["id"]
    h = world.jyj_handler
    act(world, h, lead, "receive")
    act(world, h, lead, "submit-form", {"opinion": INTERNAL["form"], "handler_id": h.pk})
    act(world, world.jyj_head, lead, "approve-form", {"approve": True})
    act(world, h, lead, "draft-reply", draft(LETTER, "B"))
    act(world, world.jyj_head, lead, "sign-reply", {})
    act(world, world.member1, lead, "feedback", {"attitude": "satisfied", "result": "satisfied"})
    item = {"text": "落实事项外部丁一", "department_id": world.jyj.pk, "person": "王科长", "due_on": "2026-12-31"}
    planned = act(world, h, lead, "follow-up-plan", {"items": [item]})
    act(world, h, lead, "follow-up-done", {"item_id": planned["follow_up_items"][0]["id"], "note": "完成情况外部丁二"})
    act(world, h, lead, "second-feedback", {"text": "二次反馈外部丁三"})
    act(world, h, lead, "self-check", {"findings": "自查外部丁四", "fulfilled": True})

    d = world.api(world.member1).get(f"/proposals/{p['id']}").data
    body = dumped(d)
    for outward in ("落实事项外部丁一", "完成情况外部丁二", "二次反馈外部丁三", "自查外部丁四", LETTER):
        assert outward in body
    assert [e["action"] for e in d["events"]][-5:] == [
        "feedback", "follow_up_plan", "follow_up_done", "second_feedback", "self_check",
    ]  # fmt: skip
    assert leaked(body) == []
    c = Client()
    c.force_login(world.member1)
    html = c.get(f"/my/{p['id']}/").content.decode()
    assert "落实事项外部丁一" in html and "二次反馈外部丁三" in html and leaked(html) == []


# ---------------------------------------------------------------------------------------------------
# Hole 6: nothing published carries a contact detail

CONTACTS = (
    "（联系人：王小明，联系电话：0512-12345678）",
    "手机：13912345678，电子邮箱：wang.xm@jyj.example.gov.cn",
    "咨询电话（025）87654321",
    "电话 87654321",
)
# independent of the product's patterns: what a reader would call a contact detail
CONTACT_PATTERN = re.compile(
    r"1[3-9]\d{9}|0\d{2,3}-\d{7,8}|[（(]0\d{2,3}[）)]\s*\d{7,8}|(?:电话|手机)\D{0,3}\d{7,8}|[\w.]+@[\w.]+|联系人|王小明"
)


def contact_details(text: str) -> list[str]:
    return CONTACT_PATTERN.findall(text)


def test_public_text_strips_contact_details():
    text = "\n".join(["张委员：", "\u3000\u3000您的提案收悉，现答复如下。", *CONTACTS, "抄送：市政府督查室。"])
    published = public_text(text)
    assert contact_details(published) == []
    assert published.split("\n") == [
        "张委员：",
        "\u3000\u3000您的提案收悉，现答复如下。",
        "咨询电话",
        "抄送：市政府督查室。",
    ]
    assert public_text("办理经费2026年投入500万元，电话告知提案人。") == "办理经费2026年投入500万元，电话告知提案人。"


@pytest.fixture
def published_with_contacts(world: Any) -> int:
    p = file_proposal(world, title="关于公开答复联系方式的建议")
    lead = assign(world, p["id"], [(world.jyj, "lead")])["assignments"][0]["id"]
    act(world, world.jyj_handler, lead, "receive")
    act(world, world.jyj_handler, lead, "submit-form", {"opinion": "拟办", "handler_id": world.jyj_handler.pk})
    act(world, world.jyj_head, lead, "approve-form", {"approve": True})
    text = "\n".join(["张委员：", LETTER, *CONTACTS])
    act(world, world.jyj_handler, lead, "draft-reply", {**draft(text), "contact_person": "王小明",
                                                        "contact_phone": "13912345678"})  # fmt: skip
    act(world, world.jyj_head, lead, "sign-reply", {})
    return lead


def test_public_api_and_pages_carry_no_contact_details(world, published_with_contacts):
    api = world.api().get("/public/replies")
    assert api.status == 200 and api.data["total"] == 1
    assert LETTER in api.data["items"][0]["text"]
    assert contact_details(dumped(api.data)) == []

    client = Client()
    listing = client.get("/public/").content.decode()
    assert "关于公开答复联系方式的建议" in listing and contact_details(listing) == []
    reply_id = re.search(r'href="/public/(\d+)/"', listing)
    assert reply_id is not None
    letter = client.get(f"/public/{reply_id[1]}/").content.decode()
    assert LETTER in letter and contact_details(letter) == []
    export = csv_text(client.get("/public/?export=csv"))
    assert LETTER in export and contact_details(export) == []

    # the member, to whom the letter is addressed, still reads the contact fields
    c = Client()
    c.force_login(world.member1)
    assert "13912345678" in c.get(f"/my/{api.data['items'][0]['proposal_id']}/").content.decode()


def test_public_search_does_not_confirm_hidden_numbers(world, published_with_contacts):
    for q in ("13912345678", "87654321", "wang.xm@jyj", "联系人"):
        assert world.api().get("/public/replies", q=q).data["total"] == 0, q
    assert "共 0 条" in Client().get("/public/", {"q": "13912345678"}).content.decode()
    assert world.api().get("/public/replies", q="丙一").data["total"] == 1  # the letter is still searchable


def test_first_draft_skeleton_has_no_contact_line(world):
    p = file_proposal(world)
    lead = assign(world, p["id"], [(world.jyj, "lead")])["assignments"][0]["id"]
    act(world, world.jyj_handler, lead, "receive")
    act(world, world.jyj_handler, lead, "submit-form", {"opinion": "拟办", "handler_id": world.jyj_handler.pk})
    act(world, world.jyj_head, lead, "approve-form", {"approve": True})
    c = Client()
    c.force_login(world.jyj_handler)
    html = c.get(f"/assignments/{lead}/").content.decode()
    textarea = re.search(r'<textarea[^>]*name="text"[^>]*>(.*?)</textarea>', html, re.S)
    assert textarea is not None and "现答复如下" in textarea[1]
    assert "联系人" not in textarea[1] and "联系电话" not in textarea[1]
    assert f'value="{world.jyj_handler.display_name}"' in html  # the contact is a field of its own
