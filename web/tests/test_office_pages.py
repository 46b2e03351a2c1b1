"""The office's workbench (交办督办): its lists, the red/yellow/green board, reminders to many units at once,
the assignment dialog, and who may open it."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from conftest import World, act, assign, file_proposal
from handling.models import Assignment, Reminder
from handling.permissions import can_act
from history.models import Event
from proposals.models import Proposal, Session
from tests.test_transitions import drive_lead

from ..labels import light
from ..views.office import SECTIONS
from .conftest import PHONE, check_a11y
from .helpers import csv_text, frozen_clock, look, page, queries, section, signed_in

TODAY = "2026-03-02"


_today = frozen_clock(TODAY + " 09:00 +0800")


def lead_of(data: dict[str, Any], unit: Any) -> int:
    return next(a["id"] for a in data["assignments"] if a["department_id"] == unit.pk)


def county_proposal(world: World) -> Proposal:
    """A registered proposal of the county, which the city office sees but does not act on."""
    session = Session.objects.create(jurisdiction=world.county, name="县十届三次会议", year=2026)
    return Proposal.objects.create(
        session=session,
        jurisdiction=world.county,
        year=2026,
        number="X1",
        title="县里的提案",
        body="……",
        kind="individual",
    )


def county_assignment(world: World) -> int:
    """An open assignment of the county's unit, assigned by the county office."""
    p = county_proposal(world)
    body = {"assignments": [{"department_id": world.xq.pk, "role": "lead"}]}
    resp = world.api(world.county_office).post(f"/proposals/{p.pk}/assign", body)
    assert resp.status == 200, resp.data
    return resp.data["assignments"][0]["id"]


# ---------------------------------------------------------------------------------------------------------------
# Who may open it


@pytest.mark.parametrize("who", ["jyj_handler", "jyj_head", "cppcc", "mayor", "member1"])
def test_only_office_staff_open_the_workbench(world, who):
    client = signed_in(getattr(world, who))
    for url in ("/office/", "/office/pending/", "/office/board/export/", f"/office/assign/{1}/"):
        assert client.get(url).status_code == 403, url
    p = file_proposal(world)
    assign(world, p["id"], [(world.jyj, "lead")])
    resp = client.post("/office/remind/", {"departments": [world.jyj.pk], "message": "请抓紧"})
    assert resp.status_code == 403
    assert not Reminder.objects.exists()


def test_anonymous_is_sent_to_sign_in(world):
    resp = Client().get("/office/")
    assert resp.status_code == 302 and resp["Location"].startswith("/login/")


# ---------------------------------------------------------------------------------------------------------------
# The lists


def test_pending_lists_registered_proposals_of_own_jurisdiction(world):
    waiting = file_proposal(world, title="关于增加社区养老床位的建议")
    done = file_proposal(world, title="关于治理城区噪声的建议")
    assign(world, done["id"], [(world.jyj, "lead")])
    county_proposal(world)

    resp = page(world.office, "/office/")
    rows = [r["o"].pk for r in resp.context["sections"]["pending"]["rows"]]
    assert rows == [waiting["id"]]
    html = section(resp, "pending")
    assert "关于增加社区养老床位的建议" in html
    assert "关于治理城区噪声的建议" not in html and "县里的提案" not in html
    # each row opens the assignment dialog, loaded from the office's own panel URL
    assert f'hx-get="/office/assign/{waiting["id"]}/?next=/office/"' in html
    assert 'data-bs-target="#assign-dialog"' in html
    summary = {s["label"]: s["value"] for s in resp.context["summary"]}
    assert summary["待交办"] == 1

    # the county office sees its own
    resp = page(world.county_office, "/office/")
    assert [r["o"].title for r in resp.context["sections"]["pending"]["rows"]] == ["县里的提案"]


def test_requests_for_return_and_extension_wait_for_the_office(world):
    returned = file_proposal(world, title="关于规范校外培训的建议")
    a_ret = lead_of(assign(world, returned["id"], [(world.jyj, "lead")]), world.jyj)
    act(world, world.jyj_handler, a_ret, "request-return", {"reason": "应由市市场监管局办理"})
    extended = file_proposal(world, title="关于建设城市绿道的建议")
    a_ext = lead_of(assign(world, extended["id"], [(world.zjj, "lead")]), world.zjj)
    act(world, world.zjj_handler, a_ext, "receive")
    act(world, world.zjj_handler, a_ext, "request-extension", {"reason": "需要现场调研", "new_due_on": "2026-07-30"})
    quiet = file_proposal(world, title="关于无人问津的建议")
    assign(world, quiet["id"], [(world.wjw, "lead")])

    resp = page(world.office, "/office/")
    returns = section(resp, "returns")
    assert "关于规范校外培训的建议" in returns and "应由市市场监管局办理" in returns and "市教育局" in returns
    assert f'href="/assignments/{a_ret}/#action-decide_return"' in returns
    assert "关于建设城市绿道的建议" not in returns and "关于无人问津的建议" not in returns
    extensions = section(resp, "extensions")
    assert "关于建设城市绿道的建议" in extensions and "需要现场调研" in extensions and "2026年7月30日" in extensions
    assert f'href="/assignments/{a_ext}/#action-decide_extension"' in extensions
    assert "关于规范校外培训的建议" not in extensions
    summary = {s["label"]: s["value"] for s in resp.context["summary"]}
    assert summary["待审批申请"] == 2

    # once decided, they leave the lists
    act(world, world.office, a_ret, "decide-return", {"approve": False, "comment": "属于本单位职责"})
    act(world, world.office, a_ext, "decide-extension", {"approve": False, "cppcc_consulted": False})
    resp = page(world.office, "/office/")
    assert resp.context["sections"]["returns"]["total"] == 0
    assert resp.context["sections"]["extensions"]["total"] == 0


def test_key_replies_waiting_for_review(world):
    pid, aid = drive_lead(world, "office_review", key=True, title="关于建设智慧校园的建议")
    drive_lead(world, "leader_approval", key=True, title="已审核过的建议")
    drive_lead(world, "reply_drafted", key=True, title="还未签发的建议")

    resp = page(world.office, "/office/")
    html = section(resp, "reviews")
    assert "关于建设智慧校园的建议" in html and f'href="/assignments/{aid}/#action-review_reply"' in html
    assert "已审核过的建议" not in html and "还未签发的建议" not in html
    assert "2026年3月2日" in html  # signed today
    assert [r["o"].pk for r in resp.context["sections"]["reviews"]["rows"]] == [aid]


def test_latest_instructions_of_the_jurisdiction(world):
    p = file_proposal(world, title="关于课后服务的建议")
    assign(world, p["id"], [(world.jyj, "lead")])
    resp = world.api(world.vicemayor).post(f"/proposals/{p['id']}/instructions", {"text": "请教育局认真研究办理"})
    assert resp.status == 201, resp.data

    resp = page(world.office, "/office/")
    html = section(resp, "instructions")
    assert "请教育局认真研究办理" in html and "副市长" in html and f'href="/proposals/{p["id"]}/"' in html
    assert "请教育局认真研究办理" not in section(page(world.county_office, "/office/"), "instructions")


def test_lists_have_their_own_pages_with_filters_and_csv(world):
    file_proposal(world, title="关于增加社区养老床位的建议")
    file_proposal(world, title="关于整治占道经营的建议")
    client = signed_in(world.office)

    resp = client.get("/office/pending/", {"q": "养老"})
    assert resp.status_code == 200
    assert [p.title for p in resp.context["result"].rows] == ["关于增加社区养老床位的建议"]
    resp = client.get("/office/pending/", {"sort": "-title"})
    assert [p.title for p in resp.context["result"].rows] == ["关于整治占道经营的建议", "关于增加社区养老床位的建议"]

    resp = client.get("/office/pending/", {"q": "养老", "export": "csv"})
    assert resp["Content-Type"].startswith("text/csv")
    text = csv_text(resp)
    assert text.splitlines()[0].startswith("提案号,案由,提案人")
    assert "关于增加社区养老床位的建议" in text and "占道经营" not in text

    p = file_proposal(world, title="关于退回件的建议")
    aid = lead_of(assign(world, p["id"], [(world.jyj, "lead")]), world.jyj)
    act(world, world.jyj_handler, aid, "request-return", {"reason": "应由市市场监管局办理"})
    for slug in ("returns", "extensions", "reviews", "instructions"):
        resp = client.get(f"/office/{slug}/", {"export": "csv"})
        assert resp.status_code == 200 and resp["Content-Type"].startswith("text/csv"), slug
        lines = csv_text(resp).splitlines()
        assert lines[0] == ",".join(c.label for c in SECTIONS[slug].columns), slug
        assert len(lines) == (2 if slug == "returns" else 1), slug
        if slug == "returns":
            assert "关于退回件的建议" in lines[1] and "应由市市场监管局办理" in lines[1]
    assert client.get("/office/nothing/").status_code == 404


def test_workbench_queries_do_not_grow_with_rows(world):
    client = signed_in(world.office)
    queries(client, "/office/")  # warm the caches
    file_proposal(world)
    drive_lead(world, "office_review", key=True)
    first = queries(client, "/office/")
    for _ in range(3):
        file_proposal(world)
        pid, _ = drive_lead(world, "office_review", key=True, unit=world.wjw)
        resp = world.api(world.mayor).post(f"/proposals/{pid}/instructions", {"text": "阅"})
        assert resp.status == 201
    assert queries(client, "/office/") == first


# ---------------------------------------------------------------------------------------------------------------
# 督办看板


def board_case(world: World) -> dict[str, int]:
    """市教育局 one red and one yellow lead; 市卫健委 one green lead, 市住建局 one green co; one withdrawn."""
    today = timezone.localdate()
    red_on = (today - timedelta(days=130)).isoformat()  # due 3 months later: overdue
    yellow_on = (today - timedelta(days=85)).isoformat()  # due in about 5 days
    ids = {}
    p = file_proposal(world)
    ids["red"] = lead_of(assign(world, p["id"], [(world.jyj, "lead")], assigned_on=red_on), world.jyj)
    p = file_proposal(world)
    ids["yellow"] = lead_of(assign(world, p["id"], [(world.jyj, "lead")], assigned_on=yellow_on), world.jyj)
    p = file_proposal(world)
    data = assign(world, p["id"], [(world.wjw, "lead"), (world.zjj, "co")])
    ids["green"] = lead_of(data, world.wjw)
    ids["co"] = lead_of(data, world.zjj)
    p = file_proposal(world)
    ids["withdrawn"] = lead_of(assign(world, p["id"], [(world.jyj, "lead")]), world.jyj)
    act(world, world.jyj_handler, ids["withdrawn"], "request-return", {"reason": "不属于本单位职责"})
    act(world, world.office, ids["withdrawn"], "decide-return", {"approve": True})
    return ids


def test_board_counts_each_units_open_assignments_by_light(world):
    ids = board_case(world)
    watch: dict[str, Any] = {k: Assignment.objects.get(pk=v).watch_on for k, v in ids.items()}
    today = date.fromisoformat(TODAY)  # the case is what it says
    assert watch["red"] < today <= watch["yellow"] <= today + timedelta(days=15)
    assert watch["green"] > today + timedelta(days=15) and watch["co"] > today + timedelta(days=15)
    assert watch["withdrawn"] is None

    resp = page(world.office, "/office/")
    board = {r["name"]: (r["red"], r["yellow"], r["green"], r["total"]) for r in resp.context["board"]}
    assert board == {"市教育局": (1, 1, 0, 2), "市卫生健康委员会": (0, 0, 1, 1), "市住房和城乡建设局": (0, 0, 1, 1)}
    assert resp.context["board_totals"] == {"red": 1, "yellow": 1, "green": 2, "total": 4}
    summary = {s["label"]: s["value"] for s in resp.context["summary"]}
    assert summary["办理中"] == 4 and summary["已超期（红灯）"] == 1

    # each count links to the assignment list, which finds the same assignments (the same bands)
    html = section(resp, "board")
    client = signed_in(world.office)
    for band, expected in (("red", [ids["red"]]), ("yellow", [ids["yellow"]]), ("green", [])):
        url = f"/assignments/?department={world.jyj.pk}&amp;light={band}"
        assert (url in html) == bool(expected), band
        listed = client.get(url.replace("&amp;", "&")).context["result"].rows
        assert [x.pk for x in listed] == expected, band
    # the chart says the same as the table
    chart = resp.context["board_chart"]
    assert chart["yAxis"]["data"][0] == "市教育局"
    assert [s["data"][0] for s in chart["series"]] == [1, 1, 0]
    assert 'data-chart="board-chart"' in html and 'id="board-chart"' in resp.content.decode()

    resp = client.get("/office/board/export/")
    lines = csv_text(resp).splitlines()
    assert lines[0].startswith("承办单位,红灯")
    assert "市教育局,1,1,0,2" in lines


def test_board_bands_at_their_edges(world):
    """Due yesterday or before: red; today up to 15 days: yellow; later: green (as the light badges say)."""
    ids = []
    for assigned_on in ("2025-11-27", "2025-12-02", "2025-12-17", "2025-12-18"):
        p = file_proposal(world)
        ids.append(lead_of(assign(world, p["id"], [(world.jyj, "lead")], assigned_on=assigned_on), world.jyj))
    dues = [str(Assignment.objects.get(pk=pk).watch_on) for pk in ids]
    assert dues == ["2026-02-27", "2026-03-02", "2026-03-17", "2026-03-18"]
    assert [light(date.fromisoformat(d)) for d in dues] == ["red", "yellow", "yellow", "green"]

    [row] = page(world.office, "/office/").context["board"]
    assert (row["red"], row["yellow"], row["green"]) == (1, 2, 1)


# ---------------------------------------------------------------------------------------------------------------
# 催办


def test_reminding_chosen_units_presses_exactly_their_open_assignments(world):
    ids = board_case(world)
    county = county_assignment(world)  # the city office sees it but does not press the county's units
    client = signed_in(world.office)

    resp = client.post(
        "/office/remind/",
        {"departments": [world.jyj.pk, world.wjw.pk, world.xq.pk], "scope": "all", "message": "请于本周内报送办理进度"},
        follow=True,
    )
    assert resp.status_code == 200
    assert "已向 2 个单位的 3 件交办事项发出催办。" in resp.content.decode()
    reminded = set(Reminder.objects.values_list("assignment_id", flat=True))
    assert reminded == {ids["red"], ids["yellow"], ids["green"]}
    assert all(r.sent_by == world.office and r.message == "请于本周内报送办理进度" for r in Reminder.objects.all())
    events = Event.objects.filter(action="remind")
    assert sorted(e.assignment_id or 0 for e in events) == sorted(reminded)
    assert all(e.actor == world.office and e.data["message"] == "请于本周内报送办理进度" for e in events)
    assert all(can_act(world.office, "remind", Assignment.objects.get(pk=pk)) for pk in reminded)
    assert not can_act(world.office, "remind", Assignment.objects.get(pk=county))
    # 市住建局 was not chosen: its open co assignment is not pressed
    assert ids["co"] not in reminded


def test_reminding_only_red_or_red_and_yellow(world):
    ids = board_case(world)
    client = signed_in(world.office)
    units = [world.jyj.pk, world.wjw.pk, world.zjj.pk]
    resp = client.post("/office/remind/", {"departments": units, "scope": "red", "message": "已超期，请说明原因"})
    assert resp.status_code == 302
    assert list(Reminder.objects.values_list("assignment_id", flat=True)) == [ids["red"]]
    client.post("/office/remind/", {"departments": units, "scope": "red_yellow", "message": "请抓紧"})
    assert sorted(Reminder.objects.filter(message="请抓紧").values_list("assignment_id", flat=True)) == sorted(
        [ids["red"], ids["yellow"]]
    )


def test_empty_remind_form_shows_errors_next_to_the_fields(world):
    board_case(world)
    client = signed_in(world.office)
    resp = client.post("/office/remind/", {"scope": "all", "message": ""})
    assert resp.status_code == 422
    html = section(resp, "remind")
    assert re.search(r'id="remind-departments-error"[^>]*>请至少选择一个承办单位。<', html)
    assert re.search(r'id="remind-message-help">内容不能为空<', html)
    assert 'aria-describedby="remind-departments-error"' in html
    assert resp["HX-Reswap"] == "innerHTML show:#remind:top"  # a boosted page scrolls to the errors
    assert client.get("/office/remind/")["Location"] == "/office/#remind"
    assert not Reminder.objects.exists() and not Event.objects.filter(action="remind").exists()

    # what was chosen is kept; a unit with nothing open is refused
    xq = world.xq.pk
    resp = client.post("/office/remind/", {"departments": [world.jyj.pk, xq], "message": ""})
    html = section(resp, "remind")
    assert f'value="{world.jyj.pk}" id="remind-dep-{world.jyj.pk}" checked' in html
    resp = client.post("/office/remind/", {"departments": [xq], "message": "请抓紧"})
    assert resp.status_code == 422
    assert "所选单位没有符合条件的未办结交办事项。" in section(resp, "remind")
    assert not Reminder.objects.exists()


# ---------------------------------------------------------------------------------------------------------------
# 交办 from the workbench


def test_assign_panel_posts_to_the_proposal_and_comes_back(world):
    p = file_proposal(world, title="关于增加社区养老床位的建议")
    client = signed_in(world.office)
    resp = client.get(f"/office/assign/{p['id']}/", {"next": "/office/"}, headers={"HX-Request": "true"})
    html = resp.content.decode()
    assert resp.status_code == 200 and "<html" not in html
    assert f'action="/proposals/{p["id"]}/assign/"' in html
    assert '<input type="hidden" name="next" value="/office/">' in html
    assert 'name="assignments-0-department_id"' in html and 'name="assignments-0-role"' in html
    # without htmx the button is a link to the proposal's page
    resp = client.get(f"/office/assign/{p['id']}/")
    assert resp.status_code == 302 and resp["Location"] == f"/proposals/{p['id']}/#action-assign"
    # a foreign next is not followed
    resp = client.get(f"/office/assign/{p['id']}/", {"next": "https://evil.example/"}, headers={"HX-Request": "1"})
    assert '<input type="hidden" name="next" value="/office/">' in resp.content.decode()
    # the county office does not see the city's proposals
    client.force_login(world.county_office)
    assert client.get(f"/office/assign/{p['id']}/", headers={"HX-Request": "1"}).status_code == 404

    client.force_login(world.office)
    resp = client.post(
        f"/proposals/{p['id']}/assign/",
        {
            "next": "/office/",
            "assignments-0-department_id": world.jyj.pk,
            "assignments-0-role": "lead",
            "assignments-1-department_id": world.wjw.pk,
            "assignments-1-role": "co",
            "assigned_on": "",
        },
    )
    assert resp.status_code == 302 and resp["Location"] == "/office/"
    made = {(a.department_id, a.role) for a in Assignment.objects.filter(proposal_id=p["id"])}
    assert made == {(world.jyj.pk, "lead"), (world.wjw.pk, "co")}
    assert page(world.office, "/office/").context["sections"]["pending"]["total"] == 0


# ---------------------------------------------------------------------------------------------------------------
# In the browser


def test_office_assigns_from_the_workbench_dialog(bworld, open_page):
    world = bworld
    p = file_proposal(world, title="关于增加社区养老床位的建议")
    key_id, _ = drive_lead(world, "office_review", key=True, title="关于建设智慧校园的建议")
    ids = board_case(world)
    later = (Assignment.objects.get(pk=ids["yellow"]).due_on + timedelta(days=30)).isoformat()
    act(world, world.jyj_handler, ids["yellow"], "request-extension", {"reason": "需要现场调研", "new_due_on": later})
    other = file_proposal(world, title="关于规范校外培训的建议")
    returned = lead_of(assign(world, other["id"], [(world.zjj, "lead")]), world.zjj)
    act(world, world.zjj_handler, returned, "request-return", {"reason": "应由市市场监管局办理"})
    resp = world.api(world.mayor).post(f"/proposals/{key_id}/instructions", {"text": "请认真研究，抓好落实"})
    assert resp.status == 201
    web = open_page(world.office, path="/office/")
    look(web, "office-workbench")

    web.locator("#pending tbody").get_by_role("link", name="交办").first.click()
    dialog = web.get_by_role("dialog", name="交办提案")
    dialog.get_by_text("关于增加社区养老床位的建议").wait_for()
    # (a locator check, not wait_for_function: the page's CSP refuses the eval that one needs)
    expect(web.locator("#assign-dialog")).to_have_css("opacity", "1")
    check_a11y(web)
    rows = dialog.locator(".rows-row")
    rows.nth(0).get_by_label("单位").select_option(label="市教育局")
    rows.nth(0).get_by_label("办理方式").select_option(label="主办")
    rows.nth(1).get_by_label("单位").select_option(label="市卫生健康委员会")
    rows.nth(1).get_by_label("办理方式").select_option(label="协办")
    dialog.get_by_role("button", name="交办").click()
    web.get_by_text("已交办。").wait_for()
    assert web.url.rstrip("/").endswith("/office")

    made = {(a.department_id, a.role) for a in Assignment.objects.filter(proposal_id=p["id"])}
    assert made == {(world.jyj.pk, "lead"), (world.wjw.pk, "co")}
    assert "关于增加社区养老床位的建议" not in web.locator("#pending").inner_text()
    # the new assignments are on the board: 市卫健委 now has one more green one, 市教育局 too
    wjw = web.locator("#board tbody tr", has_text="市卫生健康委员会").locator("td")
    assert [wjw.nth(i).inner_text().split("件")[0].strip() for i in range(4)] == ["0", "0", "2", "2"]
    assert "应由市市场监管局办理" in web.locator("#returns").inner_text()
    assert "请认真研究，抓好落实" in web.locator("#instructions").inner_text()


def test_office_workbench_on_a_phone(bworld, open_page):
    board_case(bworld)
    web = open_page(bworld.office, viewport=PHONE, path="/office/")
    web.locator("#board").wait_for()
    look(web, "office-workbench")

    # 催办 on the phone: a refused form scrolls to its errors, then the reminder goes out
    web.get_by_role("button", name="发出催办").click()
    error = web.locator("#remind-departments-error")
    error.wait_for()
    assert error.inner_text() == "请至少选择一个承办单位。"
    in_view = "e => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }"
    assert error.evaluate(in_view)  # the form is far down the page, yet its errors are in view
    web.get_by_label("市教育局").check()
    web.get_by_label("催办内容").fill("请抓紧办理")
    web.get_by_role("button", name="发出催办").click()
    web.get_by_text("已向 1 个单位的 2 件交办事项发出催办。").wait_for()
    assert Reminder.objects.filter(message="请抓紧办理").count() == 2
