"""The public portal (/public/): published replies only, searchable, no sign-in."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from conftest import act, assign, file_proposal, make_session
from handling.models import Reply
from handling.queries import published_replies

from .conftest import PHONE, check_a11y, shot


def draft(text: str, **overrides: Any) -> dict[str, Any]:
    return {
        "text": text,
        "result_class": "A",
        "method": "written",
        "is_public": True,
        "contact_person": "王老师",
        "contact_phone": "0512-7654321",
        **overrides,
    }


def handle(world: Any, unit: Any, text: str, sign: bool = True, reply: Any = None, **proposal: Any) -> int:
    """File a proposal, assign it to ``unit`` as lead, draft a reply and (unless told not to) sign it."""
    p = file_proposal(world, **proposal)
    lead = assign(world, p["id"], [(unit, "lead")])["assignments"][0]["id"]
    handler, head = (world.jyj_handler, world.jyj_head) if unit == world.jyj else (world.wjw_handler, world.wjw_head)
    act(world, handler, lead, "receive")
    act(world, handler, lead, "submit-form", {"opinion": "拟办", "handler_id": handler.pk})
    act(world, head, lead, "approve-form", {"approve": True})
    act(world, handler, lead, "draft-reply", draft(text, **(reply or {})))
    if sign:
        act(world, head, lead, "sign-reply", {})
    return lead


def get(url: str) -> str:
    resp = Client().get(url)
    assert resp.status_code == 200
    return resp.content.decode()


def reply_of(assignment_id: int, version: int = 1) -> Reply:
    return Reply.objects.get(assignment_id=assignment_id, version=version)


@pytest.fixture
def published(world: Any) -> dict[str, int]:
    """One published reply and, next to it, every kind of reply that must stay hidden."""
    ids = {
        "shown": handle(world, world.jyj, "公开答复正文：课后服务已全面推开。", title="关于加强中小学课后服务的建议"),
        "reply_private": handle(
            world, world.jyj, "不公开答复正文甲", reply={"is_public": False}, title="关于答复不公开的建议"
        ),
        "proposal_private": handle(
            world, world.jyj, "不公开提案的答复正文乙", title="关于不公开提案的建议", is_public=False
        ),
        "draft": handle(world, world.jyj, "尚未签发的草稿正文丙", sign=False, title="关于尚在起草答复的建议"),
        "key": handle(world, world.jyj, "重点提案待审核的答复正文丁", title="关于重点提案待审定的建议", is_key=True),
    }
    # a reply rated unsatisfied, handled again and replied anew: only the new letter is published
    again = handle(world, world.jyj, "第一稿答复正文戊", title="关于再次办理的建议")
    act(world, world.member1, again, "feedback", {"attitude": "satisfied", "result": "unsatisfied"})
    act(world, world.jyj_handler, again, "draft-reply", draft("再次办理后的第二稿答复正文己", result_class="B"))
    act(world, world.jyj_head, again, "sign-reply", {})
    ids["again"] = again
    return ids


# ---------------------------------------------------------------------------------------------------
# Nothing unpublished leaks


def test_only_published_latest_replies_are_listed(world: Any, published: dict[str, int]) -> None:
    html = get("/public/")
    assert "关于加强中小学课后服务的建议" in html and "关于再次办理的建议" in html
    for title in ("关于答复不公开的建议", "关于不公开提案的建议", "关于尚在起草答复的建议", "关于重点提案待审定的建议"):
        assert title not in html
    assert "共 2 条" in html
    assert f'href="/public/{reply_of(published["again"], 2).pk}/"' in html
    assert f'href="/public/{reply_of(published["again"], 1).pk}/"' not in html
    assert set(published_replies().values_list("assignment_id", "version")) == {
        (published["shown"], 1),
        (published["again"], 2),
    }


def test_unpublished_letters_are_404(world: Any, published: dict[str, int]) -> None:
    hidden = [
        reply_of(published["reply_private"]),
        reply_of(published["proposal_private"]),
        reply_of(published["draft"]),
        reply_of(published["key"]),  # signed, but not yet approved nor delivered
        reply_of(published["again"], 1),  # superseded by the second letter
    ]
    for r in hidden:
        resp = Client().get(f"/public/{r.pk}/")
        assert resp.status_code == 404, r.text
        assert r.text not in resp.content.decode()
    assert Client().get("/public/999999/").status_code == 404


def test_search_never_reaches_hidden_text(world: Any, published: dict[str, int]) -> None:
    for word in (
        "不公开答复正文甲",
        "不公开提案的答复正文乙",
        "尚未签发的草稿正文丙",
        "重点提案待审核",
        "第一稿答复正文戊",
    ):
        assert "共 0 条" in get(f"/public/?q={word}")
    csv: Any = Client().get("/public/?export=csv")
    body = b"".join(csv.streaming_content).decode("utf-8-sig")
    assert "课后服务已全面推开" in body and "第二稿答复正文己" in body
    for word in ("正文甲", "正文乙", "正文丙", "正文丁", "正文戊"):
        assert word not in body


# ---------------------------------------------------------------------------------------------------
# Search, filters, paging


def test_search_by_title_or_reply_text(world: Any) -> None:
    handle(world, world.jyj, "我局将新建三所幼儿园。", title="关于增加学前教育学位的建议")
    handle(world, world.wjw, "将增设社区卫生服务站。", title="关于完善社区医疗的建议")
    by_title = get("/public/?q=学前教育")
    assert "关于增加<mark>学前教育</mark>学位的建议" in by_title and "关于完善社区医疗的建议" not in by_title
    by_text = get("/public/?q=社区卫生服务站")
    assert "关于完善社区医疗的建议" in by_text and "关于增加学前教育学位的建议" not in by_text
    assert 'value="社区卫生服务站"' in by_text  # the search stays in the form (and the URL)


def test_filter_by_year_and_unit(world: Any) -> None:
    handle(world, world.jyj, "答复一", title="关于今年教育的建议")
    handle(world, world.wjw, "答复二", title="关于今年卫生的建议")
    handle(
        world, world.jyj, "答复三", title="关于去年教育的建议", session_id=make_session(world, "十四届一次会议", 2025)
    )

    by_year = get("/public/?year=2025")
    assert "关于去年教育的建议" in by_year and "关于今年教育的建议" not in by_year and "共 1 条" in by_year
    assert '<option value="2025" selected>2025年</option>' in by_year

    by_unit = get(f"/public/?department={world.wjw.pk}")
    assert "关于今年卫生的建议" in by_unit and "教育的建议" not in by_unit
    both = get(f"/public/?department={world.jyj.pk}&year=2026")
    assert "关于今年教育的建议" in both and "关于去年教育的建议" not in both and "卫生" not in both.split("<tbody>")[1]
    # the unit filter offers only units with published replies
    handle(world, world.jyj, "草稿", sign=False)
    options = get("/public/").split('id="filter-department"')[1].split("</select>")[0]
    assert world.jyj.name in options and world.wjw.name in options and world.zjj.name not in options


def test_paged_with_filters_in_page_links(world: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr("web.lists.PAGE_SIZE", 2)
    for i in range(3):
        handle(world, world.jyj, f"答复{i}", title=f"关于第{i}件事的建议")
    first = get(f"/public/?department={world.jyj.pk}")
    assert "第 1 / 2 页" in first and f"department={world.jyj.pk}&amp;page=2" in first
    second = get(f"/public/?department={world.jyj.pk}&page=2")
    assert second.count('href="/public/') - second.count('href="/public/"') == 1


def test_list_query_count_does_not_grow_with_rows(world: Any) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            get("/public/")
        return len(ctx.captured_queries)

    handle(world, world.jyj, "答复甲")
    few = count()
    handle(world, world.wjw, "答复乙")
    handle(world, world.jyj, "答复丙", session_id=make_session(world, "十四届一次会议", 2025))
    assert count() == few


# ---------------------------------------------------------------------------------------------------
# The letter page


def test_letter_page_shows_the_letter_without_contact_details(world: Any) -> None:
    joint: dict[str, Any] = {
        "kind": "joint",
        "proposers": [
            {"name": world.member1.name, "user_id": world.member1.pk},
            {"name": world.member2.name, "user_id": world.member2.pk},
        ],
    }
    lead = handle(
        world, world.jyj, "经研究，答复如下：一、……", title="关于加强中小学课后服务的建议", number="123", **joint
    )
    r = reply_of(lead)
    assert r.signed_on is not None
    html = get(f"/public/{r.pk}/")
    assert "关于加强中小学课后服务的建议" in html and "第123号" in html and "十四届二次会议" in html
    assert f"{world.member1.name}、{world.member2.name}" in html
    assert "市教育局" in html and "A类（所提问题已经解决或基本解决）" in html
    assert "经研究，答复如下" in html and f"{r.signed_on:%Y}年{r.signed_on.month}月{r.signed_on.day}日" in html
    assert "0512-7654321" not in html and "王老师" not in html  # no contact details in public
    assert world.jyj_head.display_name not in html


def test_public_pages_need_no_sign_in_and_signed_in_users_see_the_same(world: Any) -> None:
    lead = handle(world, world.jyj, "答复正文")
    anonymous = Client()
    assert anonymous.get("/public/").status_code == 200
    assert anonymous.get(f"/public/{reply_of(lead).pk}/").status_code == 200
    member = Client()
    member.force_login(world.member3)  # not a proposer of it: the public letter is still public
    assert member.get(f"/public/{reply_of(lead).pk}/").status_code == 200


# ---------------------------------------------------------------------------------------------------
# In the browser


def test_public_portal_in_the_browser(bworld: Any, open_page: Any) -> None:
    handle(bworld, bworld.jyj, "课后服务已覆盖全市中小学。", title="关于加强中小学课后服务的建议")
    handle(bworld, bworld.wjw, "将增设社区卫生服务站。", title="关于完善社区医疗的建议")

    desk = open_page(None, path="/public/")
    desk.get_by_text("共 2 条").wait_for()
    shot(desk, "public-portal")
    check_a11y(desk)

    phone = open_page(None, viewport=PHONE, path="/public/")
    phone.get_by_label("案由或答复内容").fill("社区卫生")
    phone.get_by_role("button", name="筛选").click()
    phone.get_by_text("共 1 条").wait_for()
    assert "q=" in phone.url
    shot(phone, "public-portal")
    check_a11y(phone)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375

    phone.get_by_role("link", name="关于完善社区医疗的建议").click()
    phone.get_by_text("将增设社区卫生服务站。").wait_for()
    check_a11y(phone)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
