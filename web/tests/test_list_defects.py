"""Defects a new user hit on the lists, exports, the proposal page and the workbenches (issue 8 item 6).

Each test walks what the user did through the pages or the API and reads what came back.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from urllib.parse import unquote

import pydantic
import pytest
from django.test import Client

from conftest import World, act, assign, file_proposal, make_session
from handling.commands import DraftIn
from handling.models import Assignment, Reply
from lib.dates import cn_date
from proposals.models import Proposal, Session
from tests.test_transitions import drive_lead
from web.action_forms import ASSIGNMENT_FORMS
from web.forms import errors_from_validation, labels_of

from .helpers import csv_text, frozen_clock, page, signed_in
from .test_cppcc_pages import field_error, registration

TODAY = "2026-03-02"
_today = frozen_clock(TODAY + " 09:00 +0800")


def lead_of(data: dict[str, Any], unit: Any) -> int:
    return next(a["id"] for a in data["assignments"] if a["department_id"] == unit.pk)


# ---------------------------------------------------------------------------------------------------------------
# 1. The assignment form: only the first unit row is required.


def required_rows(html: str) -> list[int]:
    """The numbers of the unit rows whose selects are marked required (attribute and asterisk)."""
    marked = set()
    for m in re.finditer(r'<select [^>]*name="assignments-(\d+)-(department_id|role)"[^>]*>', html):
        if " required" in m.group(0):
            marked.add(int(m.group(1)))
    for m in re.finditer(r'<label [^>]*for="f-assign-assignments-(\d+)-[a-z_]+">[^<]*<span class="required"', html):
        marked.add(int(m.group(1)))
    return sorted(marked)


def test_assignment_dialog_and_panel_require_only_the_first_unit_row(world: World) -> None:
    p = file_proposal(world)
    office = signed_in(world.office)
    dialog = office.get(f"/office/assign/{p['id']}/", headers={"HX-Request": "true"}).content.decode()
    assert dialog.count('name="assignments-') >= 8  # four rows of unit and role
    assert required_rows(dialog) == [0]
    assert required_rows(page(world.office, f"/proposals/{p['id']}/").content.decode()) == [0]


# ---------------------------------------------------------------------------------------------------------------
# 3. Exports are named after the list and the day, in UTF-8 (RFC 5987) with an ASCII fallback.


def download_name(resp: Any) -> tuple[str, str]:
    """(the ASCII fallback, the UTF-8 name) of an attachment."""
    header = resp["Content-Disposition"]
    assert header.isascii(), header  # not MIME-encoded (=?utf-8?b?…?=), which browsers save as download.csv
    fallback = re.fullmatch(r'attachment; filename="([\x20-\x7e]+)"; filename\*=UTF-8\'\'(\S+)', header)
    assert fallback, header
    return fallback.group(1), unquote(fallback.group(2))


def test_exports_are_named_after_the_list_and_the_day(world: World) -> None:
    p = file_proposal(world)
    assign(world, p["id"], [(world.jyj, "lead")])
    exports = [
        (world.office, "/proposals/?export=csv", "提案列表"),
        (world.office, "/assignments/?export=csv", "办理进度"),
        (world.office, "/office/pending/?export=csv", "待交办提案"),
        (world.office, "/office/board/export/", "督办看板"),
        (world.mayor, "/leader/progress/export/", "分管单位办理进度"),
        (world.member1, "/my/?export=csv", "我的提案"),
        (None, "/public/?export=csv", "公开答复"),
    ]
    for user, url, name in exports:
        resp = (signed_in(user) if user else Client()).get(url)
        assert resp.status_code == 200, url
        fallback, utf8 = download_name(resp)
        assert utf8 == f"{name}-{TODAY}.csv", url
        assert fallback == f"export-{TODAY}.csv", url


# ---------------------------------------------------------------------------------------------------------------
# 4. A future 提交日期 is refused by the registration itself; the proposal page shows the date.


def test_future_submission_date_is_refused_through_the_api(world: World) -> None:
    body = {
        "session_id": make_session(world),
        "number": "12",
        "title": "关于规范校外培训的建议",
        "body": "……",
        "kind": "individual",
        "proposers": [{"name": world.member1.name}],
        "submitted_on": "2026-03-03",
    }
    resp = world.api(world.cppcc).post("/proposals", body)
    assert resp.status == 400 and resp.error_code == "invalid", resp.data
    assert resp.data["error"]["details"]["fields"] == {"submitted_on": "提交日期不能晚于今天（2026年3月2日）。"}
    assert not Proposal.objects.exists()
    assert world.api(world.cppcc).post("/proposals", {**body, "submitted_on": TODAY}).status == 201


def test_future_submission_date_is_refused_next_to_the_field(world: World) -> None:
    resp = signed_in(world.cppcc).post("/cppcc/proposals/new/", registration(world, submitted_on="2026-12-31"))
    assert resp.status_code == 422
    assert field_error(resp.content.decode(), "reg-submitted_on") == "提交日期不能晚于今天（2026年3月2日）。"
    assert not Proposal.objects.exists()


def test_proposal_page_shows_the_submission_date(world: World) -> None:
    p = file_proposal(world, submitted_on="2026-01-20")
    html = page(world.office, f"/proposals/{p['id']}/").content.decode()
    assert '提交日期：</span><time datetime="2026-01-20">2026年1月20日</time>' in html


# ---------------------------------------------------------------------------------------------------------------
# 5. Numbers with their session; the light says the days in words, never a raw "-37".


def two_sessions_with_number_001(world: World) -> tuple[dict[str, Any], dict[str, Any]]:
    third = Session.objects.create(jurisdiction=world.city, name="十四届三次会议", year=2026).pk
    first = file_proposal(world, session_id=make_session(world), number="001", title="关于第一件的建议")
    second = file_proposal(world, session_id=third, number="001", title="关于第二件的建议")
    return first, second


def test_lists_show_each_number_with_its_session(world: World) -> None:
    two_sessions_with_number_001(world)
    for url in ("/proposals/", "/office/", "/office/pending/"):
        html = page(world.office, url).content.decode()
        assert "十四届二次会议 第001号" in html and "十四届三次会议 第001号" in html, url
    text = csv_text(signed_in(world.office).get("/proposals/?export=csv"))
    assert text.splitlines()[0].startswith("提案号,案由,提案人,届次,")  # the export keeps them apart


def test_assignment_and_workbench_lists_show_the_session_too(world: World) -> None:
    first, second = two_sessions_with_number_001(world)
    for p in (first, second):
        assign(world, p["id"], [(world.jyj, "lead")])
    for user, url in ((world.office, "/assignments/"), (world.jyj_handler, "/assignments/")):
        html = page(user, url).content.decode()
        assert "十四届二次会议 第001号" in html and "十四届三次会议 第001号" in html, url
    # The case page's title and breadcrumb name the session too: two "第001号提案" would be the same words.
    aid = Assignment.objects.get(proposal_id=second["id"]).pk
    html = page(world.jyj_handler, f"/assignments/{aid}/").content.decode()
    assert "十四届三次会议 第001号提案 · 政协提案办理系统</title>" in html
    assert re.search(r'<nav aria-label="位置"[^>]*><a [^>]*>十四届三次会议 第001号提案</a>', html)


def test_overdue_light_says_the_days_in_words_without_a_raw_number(world: World) -> None:
    p = file_proposal(world)
    aid = lead_of(assign(world, p["id"], [(world.jyj, "lead")], assigned_on="2025-10-01"), world.jyj)
    due = Assignment.objects.get(pk=aid).watch_on
    assert due is not None and due < date.fromisoformat(TODAY)
    overdue = (due - date.fromisoformat(TODAY)).days
    html = page(world.office, "/assignments/").content.decode()
    assert f"超期 {-overdue} 天" in html
    assert not re.search(r">\s*-\d+\s*<", html), "a raw negative number in a cell"


# ---------------------------------------------------------------------------------------------------------------
# 6. Dates on pages as offices write them: no ISO date outside <time datetime> and form values.

ISO = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def iso_dates_shown(html: str) -> list[str]:
    """ISO dates a reader sees: outside <time datetime="…">, input values and scripts' data."""
    html = re.sub(r"<script\b.*?</script>", "", html, flags=re.S)
    html = re.sub(r'\s(?:datetime|value)="[^"]*"', "", html)
    return [html[max(0, m.start() - 60) : m.end() + 10] for m in ISO.finditer(html)]


def walked(world: World) -> tuple[int, int]:
    """A key proposal walked to the end with a B-class reply, its follow-up plan, a self-check and an
    instruction; beside it one proposal waiting for an extension and one waiting to be assigned."""
    pid, aid = drive_lead(world, "closed", key=True, result_class="B", co=world.wjw, submitted_on="2026-01-20")
    assert world.api(world.mayor).post(f"/proposals/{pid}/instructions", {"text": "请抓好落实。"}).status == 201
    item = {"text": "新建课后服务示范校", "department_id": world.jyj.pk, "person": "王科长", "due_on": "2026-12-31"}
    act(world, world.jyj_handler, aid, "follow-up-plan", {"items": [item]})
    act(world, world.jyj_handler, aid, "self-check", {"findings": "部分落实", "fulfilled": False,
        "actions": [{"text": "补建两所示范校", "due_on": "2026-09-30"}]})  # fmt: skip
    _, other = drive_lead(world, "handling", title="关于建设城市绿道的建议")
    act(world, world.jyj_handler, other, "request-extension", {"reason": "需现场调研", "new_due_on": "2026-07-30"})
    file_proposal(world, title="关于待交办的建议", submitted_on="2026-02-10")
    return pid, aid


def test_walked_proposal_pages_show_no_iso_dates(world: World) -> None:
    pid, aid = walked(world)
    reply = Reply.objects.filter(assignment_id=aid).latest("version")
    pages = [
        (world.office, f"/proposals/{pid}/"),
        (world.office, "/proposals/"),
        (world.office, "/assignments/"),
        (world.office, "/office/"),
        (world.office, "/office/extensions/"),
        (world.mayor, "/leader/"),
        (world.mayor, "/leader/instructions/"),
        (world.cppcc, "/cppcc/"),
        (world.cppcc, "/cppcc/extensions/"),
        (world.cppcc, "/cppcc/proposals/"),
        (world.member1, "/my/"),
        (world.member1, f"/my/{pid}/"),
        (world.member1, "/notifications/"),
        (None, "/public/"),
        (None, f"/public/{reply.pk}/"),
    ]
    found = {}
    for user, url in pages:
        resp = (signed_in(user) if user else Client()).get(url)
        assert resp.status_code == 200, url
        found[url] = iso_dates_shown(resp.content.decode())
    assert {url: dates for url, dates in found.items() if dates} == {}
    assert cn_date(reply.signed_on) in page(world.member1, f"/my/{pid}/").content.decode()


# ---------------------------------------------------------------------------------------------------------------
# 7. Validation messages say the limit and the choices.


def test_api_messages_say_the_limit_and_the_choices(world: World) -> None:
    too_long = {"session_id": make_session(world), "number": "1", "title": "长" * 501, "body": "",
                "kind": "single", "proposers": [{"name": "张委员"}]}  # fmt: skip
    resp = world.api(world.cppcc).post("/proposals", too_long)
    assert resp.status == 400
    assert resp.data["error"]["details"]["fields"] == {
        "title": "最多 500 字",
        "kind": "应为以下之一：individual、joint、collective",
    }
    resp = world.api(world.cppcc).post("/sessions", {"jurisdiction_id": world.city.pk, "name": "十四届", "year": 1900})
    assert resp.data["error"]["details"]["fields"] == {"year": "不能小于 1949"}

    _, aid = drive_lead(world, "handling")
    body = {"text": "答复如下", "result_class": "A", "method": "", "is_public": True,
            "contact_person": "王老师", "contact_phone": "0512-1234567"}  # fmt: skip
    resp = world.api(world.jyj_handler).post(f"/assignments/{aid}/draft-reply", body)
    assert resp.status == 400
    assert resp.data["error"]["details"]["fields"] == {"method": "请选择，应为以下之一：written、meeting、onsite"}

    # A list filter outside its choices names them too, in the message and beside the field.
    api = world.api(world.office)
    resp = api.get("/assignments?light=blue")
    assert resp.status == 400
    assert resp.data["error"]["details"]["fields"] == {"light": "应为以下之一：red、yellow、green"}
    resp = api.get("/proposals?status=done")
    assert resp.status == 400 and "registered、assigned、handling、replied、closed" in resp.data["error"]["message"]
    assert "pending、received" in api.get("/assignments?state=nope").data["error"]["details"]["fields"]["state"]


def test_page_says_choose_for_an_unchosen_select_and_the_limit_for_long_text(world: World) -> None:
    html = signed_in(world.cppcc).post("/cppcc/proposals/new/", registration(world, title="长" * 501)).content.decode()
    assert field_error(html, "reg-title") == "最多 500 字"

    _, aid = drive_lead(world, "handling")
    form = {"text": "答复如下", "result_class": "A", "method": "", "is_public": "true",
            "contact_person": "王老师", "contact_phone": "0512-1234567"}  # fmt: skip
    resp = signed_in(world.jyj_handler).post(f"/assignments/{aid}/draft_reply/", form)
    assert resp.status_code == 422
    message = field_error(resp.content.decode(), "f-draft_reply-method")
    assert message == "请选择答复方式", message  # the page names what the unchosen choice asks for
    assert Assignment.objects.get(pk=aid).state == "handling"


def test_form_errors_name_the_field_to_choose_when_the_page_knows_its_label() -> None:
    with pytest.raises(pydantic.ValidationError) as exc:
        DraftIn.model_validate({"text": "答复", "result_class": "", "method": "", "is_public": True,
                                "contact_person": "王老师", "contact_phone": "1" * 31})  # fmt: skip
    errors = errors_from_validation(exc.value, labels_of(ASSIGNMENT_FORMS["draft_reply"].fields))
    assert errors.fields == {
        "result_class": "请选择办理结果",
        "method": "请选择答复方式",
        "contact_phone": "最多 30 字",
    }
