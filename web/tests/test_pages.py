"""The proposal and assignment pages through Django's test client: redirects, refusals, no open redirect."""

from __future__ import annotations

import re
from typing import Any

import time_machine
from django.test import Client
from django.utils.html import escape

from conftest import act, assign, file_proposal
from handling.models import Assignment, Feedback, Reply
from history.models import Event
from proposals.models import Session
from tests.test_transitions import advance_lead


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_a_member_is_shown_the_members_page_not_the_internal_one(world: Any) -> None:
    p = file_proposal(world)
    aid = assign(world, p["id"], [(world.jyj, "lead")])["assignments"][0]["id"]
    c = _client(world.member1)
    for path in (f"/assignments/{aid}/", f"/proposals/{p['id']}/"):
        resp = c.get(path)
        assert resp.status_code == 302 and resp["Location"] == f"/my/{p['id']}/"


def test_a_members_refused_rating_comes_back_to_the_members_page_with_the_reason(world: Any) -> None:
    p = file_proposal(world)
    aid = assign(world, p["id"], [(world.jyj, "lead")])["assignments"][0]["id"]
    c = _client(world.member1)
    resp = c.post(f"/assignments/{aid}/feedback/", {"attitude": "satisfied", "result": "satisfied"}, follow=True)
    assert resp.redirect_chain[-1][0] == f"/my/{p['id']}/"
    assert "不能进行此项操作" in resp.content.decode()  # 待签收 cannot be rated
    assert not Feedback.objects.exists()
    assert Assignment.objects.get(pk=aid).state == "pending"


def test_next_may_only_point_inside_the_site(world: Any) -> None:
    p = file_proposal(world)
    aid = assign(world, p["id"], [(world.jyj, "lead")])["assignments"][0]["id"]
    c = _client(world.jyj_handler)
    resp = c.post(f"/assignments/{aid}/receive/", {"next": "https://evil.example/"})
    assert resp.status_code == 302 and resp["Location"] == f"/assignments/{aid}/"
    assert Event.objects.filter(assignment_id=aid, action="receive").count() == 1


def test_an_unknown_action_is_404_and_a_foreign_unit_403(world: Any) -> None:
    p = file_proposal(world)
    aid = assign(world, p["id"], [(world.jyj, "lead")])["assignments"][0]["id"]
    assert _client(world.jyj_handler).post(f"/assignments/{aid}/fly/").status_code == 404
    assert _client(world.office).post(f"/assignments/{aid}/receive/").status_code == 403
    assert _client(world.wjw_handler).get(f"/assignments/{aid}/").status_code == 404
    assert Assignment.objects.get(pk=aid).state == "pending"


def test_lists_export_what_is_filtered_as_csv(world: Any) -> None:
    a = file_proposal(world, title="关于校园食品安全的建议")
    file_proposal(world, title="关于停车难的建议")
    assign(world, a["id"], [(world.jyj, "lead")])
    c = _client(world.office)
    resp: Any = c.get("/proposals/", {"q": "食品", "export": "csv"})
    body = b"".join(resp.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff提案号,案由")
    assert "校园食品安全" in body and "停车难" not in body
    resp = c.get("/assignments/", {"state": "pending", "export": "csv"})
    rows = b"".join(resp.streaming_content).decode("utf-8").strip().splitlines()
    assert len(rows) == 2 and "市教育局" in rows[1]


def test_each_role_lands_on_its_own_workbench_after_signing_in(world: Any) -> None:
    landing = {
        world.office: "/office/",
        world.cppcc: "/cppcc/",
        world.mayor: "/leader/",
        world.jyj_handler: "/unit/",
        world.jyj_head: "/unit/",
        world.member1: "/my/",
    }
    for user, url in landing.items():
        c = Client()
        resp = c.post("/login/", {"username": user.username, "password": "demo-2026"})
        assert resp.status_code == 302 and resp["Location"] == url, user.username
        assert c.get("/").headers["Location"] == url
        assert c.get(url).status_code == 200
    resp = Client().post("/login/", {"username": "office", "password": "wrong"})
    assert resp.status_code == 200 and "请输入一个正确的" in resp.content.decode()


def test_error_pages_are_in_chinese(world: Any, settings: Any) -> None:
    settings.DEBUG = False
    c = _client(world.office)
    resp = c.get("/no-such-page/")
    assert resp.status_code == 404 and "未找到" in resp.content.decode()
    resp = _client(world.jyj_handler).get("/office/")
    assert resp.status_code == 403 and "无权" in resp.content.decode()


def test_opening_a_message_marks_it_read_and_goes_to_its_case(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from notifications.models import Notification

    p = file_proposal(world)
    with django_capture_on_commit_callbacks(execute=True):
        aid = assign(world, p["id"], [(world.jyj, "lead")])["assignments"][0]["id"]
    n = Notification.objects.filter(user=world.jyj_handler).get()
    assert n.read_at is None and n.assignment_id == aid
    c = _client(world.jyj_handler)
    assert f'href="/notifications/{n.pk}/"' in c.get("/notifications/").content.decode()
    resp = c.get(f"/notifications/{n.pk}/")
    assert resp.status_code == 302 and resp["Location"] == f"/assignments/{aid}/"
    n.refresh_from_db()
    assert n.read_at is not None
    assert _client(world.jyj_head).get(f"/notifications/{n.pk}/").status_code == 404  # someone else's message


@time_machine.travel("2026-03-02 09:00 +0800", tick=False)
def test_drafting_again_starts_from_the_last_version(world: Any) -> None:
    p = file_proposal(world)
    aid = assign(world, p["id"], [(world.jyj, "lead")])["assignments"][0]["id"]
    advance_lead(world, aid, "replied", unit=world.jyj, key=False, result_class="C")
    last = Reply.objects.get(assignment_id=aid)
    act(world, world.member1, aid, "feedback", {"attitude": "satisfied", "result": "unsatisfied"})
    html = _client(world.jyj_handler).get(f"/assignments/{aid}/").content.decode()
    form = re.search(r'<details class="action-panel[^>]*id="action-draft_reply".*?</details>', html, re.S)
    assert form is not None
    assert escape(last.text) in form.group(0)
    assert 'value="C" checked' in form.group(0)
    assert f'value="{last.contact_phone}"' in form.group(0)
    contact = re.search(r'id="action-contact".*?</details>', html, re.S)
    assert contact is not None and 'value="2026-03-02"' in contact.group(0)


def test_messages_export_as_csv(world: Any, django_capture_on_commit_callbacks: Any) -> None:
    p = file_proposal(world)
    with django_capture_on_commit_callbacks(execute=True):
        assign(world, p["id"], [(world.jyj, "lead")])
    resp: Any = _client(world.jyj_handler).get("/notifications/", {"export": "csv"})
    rows = b"".join(resp.streaming_content).decode("utf-8").strip().splitlines()
    assert rows[0] == "\ufeff时间,内容,已读" and len(rows) == 2 and rows[1].endswith(",否")


def test_acting_on_a_step_already_taken_says_why_on_top(world: Any) -> None:
    """Two clerks, or a double click: the second 签收 finds the step taken and is told so, in Chinese."""
    p = file_proposal(world)
    aid = assign(world, p["id"], [(world.jyj, "lead")])["assignments"][0]["id"]
    c = _client(world.jyj_handler)
    assert c.post(f"/assignments/{aid}/receive/").status_code == 302
    resp = c.post(f"/assignments/{aid}/receive/", follow=True)
    assert resp.redirect_chain[-1][0] == f"/assignments/{aid}/"
    assert "当前状态（已签收）不能进行此项操作" in resp.content.decode()
    assert Event.objects.filter(assignment_id=aid, action="receive").count() == 1


@time_machine.travel("2026-03-02 09:00 +0800", tick=False)
def test_a_first_draft_starts_from_the_standard_letter(world: Any) -> None:
    p = file_proposal(world, kind="joint", proposers=[
        {"name": world.member1.name, "user_id": world.member1.pk}, {"name": world.member2.name},
    ])  # fmt: skip
    aid = assign(world, p["id"], [(world.jyj, "lead")])["assignments"][0]["id"]
    advance_lead(world, aid, "handling", unit=world.jyj, key=False)
    html = _client(world.jyj_handler).get(f"/assignments/{aid}/").content.decode()
    form = re.search(r'id="action-draft_reply".*?</details>', html, re.S)
    assert form is not None
    text = form.group(0)
    assert f"{world.member1.name}等委员：" in text
    assert escape(f"您提出的《{p['title']}》") in text and f"第{p['number']}号提案）收悉" in text
    assert "市教育局\n2026年3月2日" in text
    assert "抄送：示例市人民政府督查室，政协示例市委员会提案委员会。" in text


def test_proposal_forms_follow_the_commands_roles_and_jurisdiction(world: Any) -> None:
    p = file_proposal(world)
    expected = {
        world.office: {"assign", "flags"},
        world.cppcc: {"flags"},
        world.mayor: set(),  # sees only proposals assigned to units in charge
    }
    assign(world, p["id"], [(world.jyj, "lead")])
    expected[world.mayor] = {"instruction"}
    for user, names in expected.items():
        html = _client(user).get(f"/proposals/{p['id']}/").content.decode()
        shown = set(re.findall(r'id="action-(\w+)"', html))
        assert shown == names, (user.username, shown)
    # The city office sees a county proposal but acts on its own jurisdiction's only (分级负责).
    county = Session.objects.create(jurisdiction=world.county, name="十三届二次会议", year=2026)
    resp = world.api(world.county_office).post("/proposals", {
        "session_id": county.pk, "number": "1", "title": "关于县域义务教育均衡发展的建议", "body": "……",
        "kind": "individual", "proposers": [{"name": "县委员"}],
    })  # fmt: skip
    assert resp.status == 201, resp.data
    for user, names in ((world.office, set()), (world.county_office, {"assign", "flags"})):
        html = _client(user).get(f"/proposals/{resp.data['id']}/").content.decode()
        assert set(re.findall(r'id="action-(\w+)"', html)) == names, user.username
