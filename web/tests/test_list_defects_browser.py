"""Defects a new user hit, seen in the browser: pages wider than a phone, and exports saved as download.csv.

Each page is looked at at 1280 and 375 px (screenshots under test-output/screenshots/list-defects-*).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from conftest import World, act, assign, file_proposal
from tests.test_transitions import drive_lead

from .conftest import DESKTOP, PHONE, go, shot, sign_in

pytestmark = pytest.mark.usefixtures("fixed_day")

TODAY = "2026-03-02"  # the fixed_day fixture's


def busy_city(world: World) -> dict[str, int]:
    """Every workbench with rows in each of its lists: proposals pending, in handling (one overdue), waiting
    for review and approval, replied, closed with a B-class follow-up, a return and an extension asked for,
    instructions; long titles and unit names, as real ones are."""
    ids: dict[str, int] = {}
    world.zjj.name = "市住房和城乡建设局（市人民防空办公室）"
    world.zjj.save(update_fields=["name"])
    file_proposal(world, title="关于进一步完善城市社区嵌入式养老托育服务设施布局和运营补贴机制的建议")
    p = file_proposal(world, title="关于加强中小学课后服务的建议", submitted_on="2026-01-20")
    assign(world, p["id"], [(world.jyj, "lead"), (world.wjw, "co")], assigned_on="2025-10-01")  # overdue
    ids["proposal"] = p["id"]
    drive_lead(world, "office_review", key=True, title="关于建设智慧校园的建议", unit=world.zjj)
    drive_lead(world, "leader_approval", key=True, title="关于职业教育产教融合发展的建议", is_suggestion=True)
    pid, aid = drive_lead(world, "closed", key=False, result_class="B", title="关于发展普惠托育服务的建议")
    item = {"text": "新建课后服务示范校", "department_id": world.jyj.pk, "person": "王科长", "due_on": "2026-12-31"}
    act(world, world.jyj_handler, aid, "follow-up-plan", {"items": [item]})
    ids["member_proposal"] = pid
    drive_lead(world, "replied", title="关于完善老旧小区加装电梯政策的建议", unit=world.wjw)
    _, ret = drive_lead(world, "received", title="关于规范物业服务收费的建议", unit=world.zjj)
    act(world, world.zjj_handler, ret, "request-return", {"reason": "物业服务收费属市发展改革委职责。"})
    _, ext = drive_lead(world, "handling", title="关于建设城市绿道的建议")
    act(world, world.jyj_handler, ext, "request-extension", {"reason": "需现场调研", "new_due_on": "2026-07-30"})
    for who in (world.mayor, world.vicemayor):
        resp = world.api(who).post(f"/proposals/{pid}/instructions", {"text": "请认真研究，抓好落实，按期办结。"})
        assert resp.status == 201, resp.data
    return ids


def width(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def too_wide(page: Any) -> list[str]:
    """The first elements reaching past the right edge (to say what overflows; some sit in a scroll box)."""
    script = """() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
        .slice(0, 8)
        .map(e => `${e.tagName}.${[...e.classList].join('.')} ${Math.round(e.getBoundingClientRect().right)}`)"""
    return list(page.evaluate(script))


def test_workbenches_and_the_proposal_page_fit_a_phone(bworld: Any, open_page: Any) -> None:
    """At 375 px nothing scrolls sideways (the leader's workbench was 419 px wide)."""
    ids = busy_city(bworld)
    pages = [
        ("leader", bworld.mayor, "/leader/"),
        ("office", bworld.office, "/office/"),
        ("unit", bworld.jyj_handler, "/unit/"),
        ("cppcc", bworld.cppcc, "/cppcc/"),
        ("member", bworld.member1, "/my/"),
        ("member-proposal", bworld.member1, f"/my/{ids['member_proposal']}/"),
        ("proposal", bworld.office, f"/proposals/{ids['proposal']}/"),
        ("proposals", bworld.office, "/proposals/"),
        ("assignments", bworld.office, "/assignments/"),
        ("public", None, "/public/"),
    ]
    wide = {}
    page = open_page(None)  # one page, signed in as each user in turn, at each width
    for name, user, path in pages:
        sign_in(page, user)
        for viewport in (DESKTOP, PHONE):
            page.set_viewport_size(viewport)
            go(page, path)
            shot(page, f"list-defects-{name}")  # once the charts are drawn
            if viewport is PHONE and width(page) > PHONE["width"]:
                wide[path] = (width(page), too_wide(page))
    assert wide == {}


def test_assignment_dialog_on_the_workbench(bworld: Any, open_page: Any) -> None:
    """The 交办 dialog marks only the first unit row required, and fits a phone."""
    file_proposal(bworld, title="关于进一步完善城市社区嵌入式养老托育服务设施布局的建议")
    page = open_page(bworld.office)
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        go(page, "/office/")
        page.locator("#pending").get_by_role("link", name=re.compile("^交办")).click()
        dialog = page.locator("#assign-dialog")
        dialog.get_by_label("办理方式").first.wait_for()
        expect(dialog).to_have_css("opacity", "1")  # the dialog's fade-in is over
        shot(page, "list-defects-assign-dialog")
        required = dialog.locator("select[required]")
        names = {required.nth(i).get_attribute("name") for i in range(required.count())}
        assert names == {"assignments-0-department_id", "assignments-0-role"}
        assert dialog.locator(".rows-row .required").count() == 2  # 单位 and 办理方式 of the first row
        if viewport is PHONE:
            assert width(page) <= PHONE["width"]


def test_export_downloads_with_the_list_name_and_day(bworld: Any, open_page: Any) -> None:
    """Chromium saves the export as 提案列表-2026-03-02.csv, not download.csv."""
    file_proposal(bworld)
    page = open_page(bworld.office, path="/proposals/")
    with page.expect_download() as info:
        page.get_by_role("link", name="导出", exact=True).click()
    assert info.value.suggested_filename == f"提案列表-{TODAY}.csv"
    go(page, "/office/")
    with page.expect_download() as info:
        page.locator("#pending").get_by_role("link", name=re.compile("^导出")).click()
    assert info.value.suggested_filename == f"待交办提案-{TODAY}.csv"
