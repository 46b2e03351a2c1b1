"""The CPPCC committee's pages: registering proposals and sessions, flags, extensions, replies awaiting rating."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client

from conftest import World, act, assign, file_proposal, make_session
from handling.models import Assignment, Feedback
from history.models import Event
from lib.dates import cn_date
from proposals.models import Proposal, Session
from tests.test_transitions import drive_lead

from .conftest import check_a11y
from .helpers import csv_text, look, signed_in


def field_error(html: str, field_id: str) -> str:
    """The error drawn next to a field (``_field.html``: ``id="<form>-<field>-help"`` or ``-error``)."""
    m = re.search(rf'id="{re.escape(field_id)}-(?:help|error)">([^<]*)<', html)
    return m.group(1) if m else ""


def registration(world: World, **changes: Any) -> dict[str, Any]:
    data = {
        "session_id": str(make_session(world)),
        "number": "101",
        "title": "关于加快老旧小区加装电梯的建议",
        "body": "一、现状……二、建议……",
        "kind": "joint",
        "category": "城乡建设",
        "submitted_on": "2026-01-20",
        "is_key": "false",
        "is_suggestion": "false",
        "is_public": ["false", "true"],
        "proposers-0-name": world.member1.name,
        "proposers-0-user_id": str(world.member1.pk),
        "proposers-1-name": world.member2.name,
        "proposers-1-user_id": str(world.member2.pk),
        "proposers-2-name": "",
        "proposers-2-user_id": "",
    }
    data.update(changes)
    return data


# ---------------------------------------------------------------------------------------------------
# Registration (登记提案)


def test_registration_form_offers_own_sessions_and_member_accounts(world):
    own = make_session(world)
    county = Session.objects.create(jurisdiction=world.county, name="县十三届二次会议", year=2026)
    html = signed_in(world.cppcc).get("/cppcc/proposals/new/").content.decode()
    assert f'<option value="{own}" selected>2026年 十四届二次会议</option>' in html
    assert f'value="{county.pk}"' not in html
    assert f'<option value="{world.member1.pk}">张委员（member1）</option>' in html
    assert f'value="{world.jyj_handler.pk}"' not in html  # only members are proposers' accounts
    for n in range(3):
        assert f'name="proposers-{n}-name"' in html
    assert 'for="reg-title"' in html and 'id="reg-title"' in html  # labelled


def test_registration_creates_the_proposal_and_its_register_event(world):
    resp = signed_in(world.cppcc).post("/cppcc/proposals/new/", registration(world))
    p = Proposal.objects.get()
    assert resp.status_code == 302 and resp["Location"] == f"/proposals/{p.pk}/"
    assert (p.number, p.title, p.kind, p.category, str(p.submitted_on)) == (
        "101", "关于加快老旧小区加装电梯的建议", "joint", "城乡建设", "2026-01-20"
    )  # fmt: skip
    assert p.is_public and not p.is_key and not p.is_suggestion and p.status == "registered"
    assert [(x.position, x.name, x.user_id) for x in p.proposers.all()] == [
        (0, "张委员", world.member1.pk),
        (1, "李委员", world.member2.pk),
    ]
    event = Event.objects.get(proposal=p)
    assert (event.action, event.actor, event.data["number"]) == ("register", world.cppcc, "101")
    # the member sees it among their proposals (the account link worked)
    assert world.api(world.member2).get(f"/proposals/{p.pk}").status == 200


def test_registration_with_flags_and_a_proposer_without_account(world):
    data = registration(world, kind="collective", is_key=["false", "true"], is_suggestion=["false", "true"])
    data.update({"proposers-0-name": "民盟示例市委", "proposers-0-user_id": "", "proposers-1-name": ""})
    data["proposers-1-user_id"] = ""
    signed_in(world.cppcc).post("/cppcc/proposals/new/", data)
    p = Proposal.objects.get()
    assert p.is_key and p.is_suggestion and p.kind == "collective"
    assert [(x.name, x.user_id) for x in p.proposers.all()] == [("民盟示例市委", None)]


def test_missing_title_is_shown_next_to_the_title_and_nothing_is_created(world):
    resp = signed_in(world.cppcc).post("/cppcc/proposals/new/", registration(world, title=""))
    html = resp.content.decode()
    assert resp.status_code == 422
    assert field_error(html, "reg-title") == "内容不能为空"
    assert 'id="reg-title" name="title" value=""' in html and "is-invalid" in html
    assert 'value="关于加快老旧小区加装电梯的建议"' not in html
    assert 'name="number" value="101"' in html  # what was typed is kept
    assert Proposal.objects.count() == 0 and Event.objects.count() == 0


def test_unknown_session_is_shown_next_to_the_session(world):
    resp = signed_in(world.cppcc).post("/cppcc/proposals/new/", registration(world, session_id="999999"))
    assert resp.status_code == 422
    assert field_error(resp.content.decode(), "reg-session_id") == "届次不存在。"
    assert Proposal.objects.count() == 0 and Event.objects.count() == 0


def test_missing_session_and_first_proposer_are_required(world):
    data = registration(world, session_id="")
    data.update({"proposers-0-name": "", "proposers-0-user_id": "", "proposers-1-name": "", "proposers-1-user_id": ""})
    html = signed_in(world.cppcc).post("/cppcc/proposals/new/", data).content.decode()
    assert field_error(html, "reg-session_id") == "此项为必填项"
    assert "至少需要一项" in html  # no proposer at all
    assert Proposal.objects.count() == 0


def test_duplicate_number_is_shown_next_to_the_number(world):
    c = signed_in(world.cppcc)
    c.post("/cppcc/proposals/new/", registration(world))
    resp = c.post("/cppcc/proposals/new/", registration(world, title="另一件提案"))
    assert resp.status_code == 422
    assert field_error(resp.content.decode(), "reg-number") == "本届次已有第101号提案。"
    assert Proposal.objects.count() == 1


def test_individual_proposal_with_two_proposers_is_refused_above_the_rows(world):
    resp = signed_in(world.cppcc).post("/cppcc/proposals/new/", registration(world, kind="individual"))
    assert resp.status_code == 422
    assert "个人提案只能有一位提案人" in resp.content.decode()
    assert Proposal.objects.count() == 0


def test_add_row_draws_one_more_proposer_row_and_keeps_the_input(world):
    resp = signed_in(world.cppcc).post("/cppcc/proposals/new/", {**registration(world), "add_row": "1"})
    html = resp.content.decode()
    assert resp.status_code == 200
    assert 'name="proposers-3-name"' in html and 'name="proposers-4-name"' not in html
    assert 'name="proposers-1-name" value="李委员"' in html
    assert Proposal.objects.count() == 0


def test_another_jurisdictions_session_is_forbidden(world):
    county = Session.objects.create(jurisdiction=world.county, name="县十三届二次会议", year=2026)
    resp = signed_in(world.cppcc).post("/cppcc/proposals/new/", registration(world, session_id=str(county.pk)))
    assert resp.status_code == 403
    assert Proposal.objects.count() == 0


# ---------------------------------------------------------------------------------------------------
# Sessions (届次)


def test_session_is_created_in_the_committees_own_jurisdiction(world):
    c = signed_in(world.cppcc)
    # a posted jurisdiction is ignored: the committee registers its own sessions only
    resp = c.post(
        "/cppcc/sessions/", {"name": "十四届三次会议", "year": "2027", "jurisdiction_id": str(world.county.pk)}
    )
    assert resp.status_code == 302 and resp["Location"] == "/cppcc/sessions/"
    s = Session.objects.get()
    assert (s.jurisdiction, s.name, s.year, s.is_daily) == (world.city, "十四届三次会议", 2027, False)
    html = c.get("/cppcc/sessions/").content.decode()
    assert "十四届三次会议" in html and "已登记2027年“十四届三次会议”。" in html


def test_duplicate_or_blank_session_is_refused_next_to_the_field(world):
    c = signed_in(world.cppcc)
    c.post("/cppcc/sessions/", {"name": "日常提案", "year": "2026", "is_daily": ["false", "true"]})
    assert Session.objects.get().is_daily
    resp = c.post("/cppcc/sessions/", {"name": "日常提案", "year": "2026"})
    assert resp.status_code == 422
    assert field_error(resp.content.decode(), "session-name") == "2026年“日常提案”已经登记。"
    resp = c.post("/cppcc/sessions/", {"name": "", "year": "1800"})
    html = resp.content.decode()
    assert field_error(html, "session-name") == "内容不能为空" and field_error(html, "session-year") == "不能小于 1949"
    assert Session.objects.count() == 1


def test_session_list_filters_and_exports(world):
    make_session(world)
    make_session(world, "十四届一次会议", 2025)
    Session.objects.create(jurisdiction=world.county, name="县十三届二次会议", year=2026)
    c = signed_in(world.cppcc)
    html = c.get("/cppcc/sessions/?year=2025").content.decode()
    assert "十四届一次会议" in html and "十四届二次会议" not in html and "县十三届" not in html
    csv = csv_text(c.get("/cppcc/sessions/?export=csv"))
    assert csv.splitlines()[0] == "年度,届次,类型,提案数" and len(csv.splitlines()) == 3


# ---------------------------------------------------------------------------------------------------
# Flags (重点提案、建议案)


def test_flag_list_posts_to_the_proposal_flags_endpoint_and_returns(world):
    p = file_proposal(world, title="关于建设智慧养老平台的建议")
    c = signed_in(world.cppcc)
    page = "/cppcc/proposals/?q=智慧养老"
    html = c.get(page).content.decode()
    assert f'action="/proposals/{p["id"]}/flags/"' in html
    assert f'name="is_key" value="true" form="flags-{p["id"]}">' in html  # unticked
    found = re.search(r'name="next" value="([^"]+)"', html)
    assert found is not None
    back = found.group(1).replace("&amp;", "&")
    assert back.startswith("/cppcc/proposals/?q=")  # the list as filtered
    body = {"next": back, "is_key": ["false", "true"], "is_suggestion": ["false"]}
    resp = c.post(f"/proposals/{p['id']}/flags/", body)
    assert resp.status_code == 302 and resp["Location"] == back
    proposal = Proposal.objects.get(pk=p["id"])
    assert proposal.is_key and not proposal.is_suggestion
    assert Event.objects.filter(proposal=proposal, action="set_flags", data__is_key=True).exists()
    html = c.get(page).content.decode()
    assert f'name="is_key" value="true" form="flags-{p["id"]}" checked>' in html
    # unticking clears it (the hidden "false" is what is posted)
    c.post(f"/proposals/{p['id']}/flags/", {"next": page, "is_key": ["false"], "is_suggestion": ["false"]})
    assert not Proposal.objects.get(pk=p["id"]).is_key


def test_flag_list_shows_only_the_committees_jurisdiction_and_filters(world):
    file_proposal(world, title="关于市级事项的建议", is_key=True)
    file_proposal(world, title="关于另一件市级事项的建议")
    county_session = Session.objects.create(jurisdiction=world.county, name="县十三届二次会议", year=2026)
    county = world.user("county_cppcc", "cppcc_staff", "县提案委", jurisdiction=world.county)
    resp = world.api(county).post(
        "/proposals",
        {"session_id": county_session.pk, "number": "1", "title": "关于县级事项的建议", "body": "……",
         "kind": "individual", "proposers": [{"name": "县委员"}]},
    )  # fmt: skip
    assert resp.status == 201, resp.data
    html = signed_in(world.cppcc).get("/cppcc/proposals/?key=1").content.decode()
    assert "关于市级事项的建议" in html and "另一件" not in html and "县级事项" not in html


# ---------------------------------------------------------------------------------------------------
# Extensions and replies waiting for rating


def extension_requested(world: World) -> tuple[int, date]:
    """A lead assignment of 市教育局 asking for 30 more days; return its id and the date asked for."""
    p = file_proposal(world, title="关于扩大学位供给的建议")
    aid = assign(world, p["id"], [(world.jyj, "lead")])["assignments"][0]["id"]
    act(world, world.jyj_handler, aid, "receive")
    new_due = Assignment.objects.get(pk=aid).due_on + timedelta(days=30)
    act(world, world.jyj_handler, aid, "request-extension", {"reason": "需现场调研", "new_due_on": new_due.isoformat()})
    return aid, new_due


def test_pending_extension_is_listed_with_reason_and_date(world):
    aid, new_due = extension_requested(world)
    c = signed_in(world.cppcc)
    for url in ("/cppcc/extensions/", "/cppcc/"):
        html = c.get(url).content.decode()
        assert f'href="/assignments/{aid}/' in html and "需现场调研" in html and cn_date(new_due) in html
    assert f'href="/assignments/{aid}/#action-consult_extension"' in html
    csv = csv_text(c.get("/cppcc/extensions/?export=csv"))
    assert "需现场调研" in csv and "市教育局" in csv and "待协商" in csv


def test_consulted_extension_leaves_the_workbench_and_shows_the_opinion(world):
    aid, _ = extension_requested(world)
    c = signed_in(world.cppcc)
    resp = c.post(
        f"/assignments/{aid}/consult-extension/",
        {"agree": "true", "opinion": "同意延期一个月", "next": "/cppcc/extensions/"},
    )
    assert resp.status_code == 302 and resp["Location"] == "/cppcc/extensions/"
    assert Event.objects.filter(assignment_id=aid, action="consult_extension", actor=world.cppcc).exists()
    assert c.get("/cppcc/").context["extension_total"] == 0
    html = c.get("/cppcc/extensions/").content.decode()
    assert "同意延期一个月" in html and "#action-consult_extension" not in html
    assert c.get("/cppcc/extensions/?consulted=0").context["result"].total == 0
    assert c.get("/cppcc/extensions/?consulted=1").context["result"].total == 1
    # once the office decides, it is no longer pending
    act(world, world.office, aid, "decide-extension", {"approve": True, "cppcc_consulted": True})
    assert c.get("/cppcc/extensions/").context["result"].total == 0


def test_replied_assignment_waits_for_feedback_and_staff_enter_a_paper_form(world):
    pid, aid = drive_lead(world, "replied", title="关于校园周边交通安全的建议")
    drive_lead(world, "handling", title="关于尚未答复的建议")
    c = signed_in(world.cppcc)
    html = c.get("/cppcc/feedback/").content.decode()
    assert f'href="/assignments/{aid}/#action-feedback"' in html and "关于校园周边交通安全的建议" in html
    assert "尚未答复" not in html and "张委员" in html
    assert "关于校园周边交通安全的建议" in c.get("/cppcc/").content.decode()
    # the assignment page offers staff the feedback form with the proposer select
    page = c.get(f"/assignments/{aid}/").content.decode()
    assert f'action="/assignments/{aid}/feedback/"' in page and 'name="proposer_id"' in page
    proposer = Proposal.objects.get(pk=pid).proposers.get()
    c.post(
        f"/assignments/{aid}/feedback/",
        {"proposer_id": proposer.pk, "attitude": "satisfied", "result": "satisfied", "next": "/cppcc/feedback/"},
    )
    fb = Feedback.objects.get(assignment_id=aid)
    assert fb.on_paper and fb.entered_by == world.cppcc and Assignment.objects.get(pk=aid).state == "closed"
    assert "关于校园周边交通安全的建议" not in c.get("/cppcc/feedback/").content.decode()


def test_workbench_summary_counts_the_year(world):
    file_proposal(world)  # registered
    p2 = file_proposal(world)
    assign(world, p2["id"], [(world.jyj, "lead")])  # assigned: counted as in progress
    drive_lead(world, "replied")
    drive_lead(world, "closed")
    c = signed_in(world.cppcc)
    resp = c.get("/cppcc/")
    s, year = resp.context["s"], resp.context["year"]
    assert (s["total"], s["registered"], s["in_progress"], s["replied"], s["closed"]) == (4, 1, 1, 1, 1)
    assert s["satisfaction"] == "100.0%"
    # each number links to the list of exactly the proposals it counts
    html = resp.content.decode()
    for status in ("registered", "replied", "closed"):
        url = f"/proposals/?year={year}&status={status}"
        assert f'href="{url.replace("&", "&amp;")}"' in html, status
        assert c.get(url).context["result"].total == s[status], status


# ---------------------------------------------------------------------------------------------------
# Roles


@pytest.mark.parametrize(
    "url", ["/cppcc/", "/cppcc/proposals/new/", "/cppcc/sessions/", "/cppcc/proposals/", "/cppcc/extensions/",
            "/cppcc/feedback/"],
)  # fmt: skip
def test_other_roles_are_refused(world, url):
    for user in (world.office, world.jyj_handler, world.member1, world.mayor):
        assert signed_in(user).get(url).status_code == 403, (user.username, url)
    assert signed_in(world.cppcc).get(url).status_code == 200
    assert Client().get(url).status_code == 302  # anonymous: to the sign-in page


def test_other_roles_cannot_register(world):
    resp = signed_in(world.office).post("/cppcc/proposals/new/", registration(world))
    assert resp.status_code == 403
    resp = signed_in(world.jyj_head).post("/cppcc/sessions/", {"name": "x", "year": "2026"})
    assert resp.status_code == 403
    assert Proposal.objects.count() == 0 and Session.objects.count() == 1  # only registration()'s own


# ---------------------------------------------------------------------------------------------------
# In the browser


def test_cppcc_registers_a_joint_proposal_in_the_browser(bworld, open_page):
    make_session(bworld)
    drive_lead(bworld, "replied", title="关于校园周边交通安全的建议")
    extension_requested(bworld)
    file_proposal(bworld, title="关于发展社区嵌入式托育的建议")
    page = open_page(bworld.cppcc, path="/cppcc/")
    look(page, "cppcc-workbench")
    page.get_by_role("link", name="登记提案").first.click()
    page.wait_for_url("**/cppcc/proposals/new/")
    check_a11y(page)
    page.get_by_label("提案号").fill("201")
    page.get_by_label("案由").fill("关于完善城市慢行系统的建议")
    page.get_by_label("提案内容").fill("一、现状……二、建议……")
    page.get_by_label("联名提案").check()
    page.get_by_label("类别").fill("城乡建设")
    page.get_by_label("第一提案人（姓名或集体名称）").fill("张委员")
    page.locator("#reg-proposers-0-user_id").select_option(str(bworld.member1.pk))
    page.get_by_label("第2提案人（附议人）").fill("李委员")
    page.locator("#reg-proposers-1-user_id").select_option(str(bworld.member2.pk))
    page.get_by_label("重点提案").check()
    page.get_by_role("button", name="登记", exact=True).click()
    page.wait_for_url(re.compile(r"/proposals/\d+/$"))
    page.get_by_text("已登记第201号提案。").wait_for()
    page.get_by_role("heading", name="关于完善城市慢行系统的建议").wait_for()
    p = Proposal.objects.get(number="201")
    assert p.kind == "joint" and p.is_key
    assert [(x.name, x.user_id) for x in p.proposers.all()] == [
        ("张委员", bworld.member1.pk),
        ("李委员", bworld.member2.pk),
    ]
    assert Event.objects.filter(proposal=p, action="register", actor=bworld.cppcc).exists()


def test_registration_errors_and_an_added_row_in_the_browser(bworld, open_page):
    make_session(bworld)
    page = open_page(bworld.cppcc, path="/cppcc/proposals/new/")
    page.get_by_label("提案号").fill("202")
    page.get_by_label("第一提案人（姓名或集体名称）").fill("张委员")
    page.get_by_role("button", name="添加提案人").click()
    page.get_by_label("第4提案人（附议人）").wait_for()
    assert page.get_by_label("提案号").input_value() == "202"
    page.get_by_role("button", name="登记", exact=True).click()
    page.locator("#reg-title-help").wait_for()
    assert page.locator("#reg-title-help").inner_text() == "内容不能为空"
    check_a11y(page)
    assert Proposal.objects.count() == 0


def test_flags_toggle_from_the_list_in_the_browser(bworld, open_page):
    p = file_proposal(bworld, title="关于建设智慧养老平台的建议")
    page = open_page(bworld.cppcc, path="/cppcc/proposals/")
    check_a11y(page)
    page.get_by_label(re.compile(r"^建议案（.*第")).first.check()
    page.get_by_role("button", name=re.compile("保存")).first.click()
    page.get_by_text("已标记。").wait_for()
    assert page.url.endswith("/cppcc/proposals/")
    assert Proposal.objects.get(pk=p["id"]).is_suggestion
    assert page.get_by_label(re.compile(r"^建议案（.*第")).first.is_checked()


def test_extension_page_states_the_jurisdictions_own_limit(world):
    # The 延期 limit on the page is the jurisdiction's rule, not a number written into the template.
    client = Client()
    client.force_login(world.cppcc)
    assert "交办之日起6个月" in client.get("/cppcc/extensions/").content.decode()
    world.city.rules = {**world.city.rules, "max_extension_months": 4}
    world.city.save()
    html = client.get("/cppcc/extensions/").content.decode()
    assert "交办之日起4个月" in html and "六个月" not in html
