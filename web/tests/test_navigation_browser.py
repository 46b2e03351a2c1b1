"""The navigation bar in Chromium: every role's fits one line at 1280 px; the account menu (修改密码, 接收方式,
双因素认证, 退出) and the office's 督办 menu open and close, with and without scripts, at 1280 and 375 px.

Screenshots: test-output/screenshots/navigation-account-1280.png, navigation-supervision-1280.png,
navigation-account-375.png.
"""

from __future__ import annotations

from typing import Any

from .conftest import DESKTOP, PHONE, go, session_cookie, settled, sign_in
from .helpers import look

# the top-level entries of the bar: the role's links, the menus' summaries, the bell
ENTRIES = "#nav-menu > .navbar-nav > .nav-item, #nav-menu .nav-account > *"


def one_line(page: Any) -> bool:
    """Whether the bar's entries stand on one line (their vertical centres within a few pixels)."""
    centres = page.locator(ENTRIES).evaluate_all(
        "els => els.map(e => { const r = e.getBoundingClientRect(); return r.top + r.height / 2; })"
    )
    return len(centres) > 2 and max(centres) - min(centres) < 6


def test_every_roles_bar_fits_one_line_at_1280(bworld: Any, open_page: Any) -> None:
    w = bworld
    page = open_page(None)
    for user in (w.office, w.cppcc, w.mayor, w.jyj_handler, w.member1, w.admin):
        sign_in(page, user)
        go(page, "/proposals/" if user != w.member1 else "/my/")
        assert one_line(page), user.username
        assert page.locator(".site-header .navbar").bounding_box()["height"] < 70, user.username


def test_the_account_and_supervision_menus_at_1280(bworld: Any, open_page: Any) -> None:
    page = open_page(bworld.office, DESKTOP, "/office/")
    account = page.locator("#nav-account")
    links = account.get_by_role("link")
    assert not links.first.is_visible()  # closed until asked
    account.locator("summary").click()
    assert [links.nth(i).inner_text() for i in range(links.count())] == ["修改密码", "接收方式", "双因素认证"]
    assert account.get_by_role("button", name="退出").is_visible()
    assert "政府办督查室工作人员" in account.inner_text()
    look(page, "navigation-account")

    # opening the other menu closes this one; Escape closes it and gives the focus back to its summary
    supervision = page.locator("#nav-supervision")
    supervision.locator("summary").click()
    assert not account.evaluate("d => d.open") and supervision.evaluate("d => d.open")
    entries = supervision.get_by_role("link")
    assert [entries.nth(i).inner_text() for i in range(entries.count())] == [
        "不满意分析", "目标考核", "动态督办", "抽查", "进展通报", "年度报告",
    ]  # fmt: skip
    look(page, "navigation-supervision")
    page.keyboard.press("Escape")
    assert not supervision.evaluate("d => d.open")
    assert page.evaluate("document.activeElement.textContent.trim()") == "督办"

    supervision.locator("summary").click()
    supervision.get_by_role("link", name="不满意分析").click()
    page.get_by_role("heading", name="不满意提案分析 · ", exact=False).wait_for()
    assert "active" in (supervision.locator("summary").get_attribute("class") or "")
    page.locator("body").click(position={"x": 5, "y": 400})  # a click elsewhere closes an open menu
    account.locator("summary").click()
    page.locator("main h1").click()
    assert not account.evaluate("d => d.open")

    account.locator("summary").click()
    account.get_by_role("button", name="退出").click()
    page.locator(".site-header").get_by_role("link", name="登录").wait_for()


def test_the_menus_on_a_phone(bworld: Any, open_page: Any) -> None:
    page = open_page(bworld.jyj_handler, PHONE, "/unit/")
    page.get_by_role("button", name="展开菜单").click()
    account = page.locator("#nav-account")
    account.locator("summary").wait_for(state="visible")
    # A unit's 督办 menu: the key proposals it handles, the spot-check findings to answer, the circulars.
    unit_menu = page.locator("#nav-supervision a")
    assert [unit_menu.nth(i).text_content().strip() for i in range(unit_menu.count())] == [
        "动态督办",
        "抽查整改",
        "收到的通报",
    ]
    account.locator("summary").click()
    account.get_by_role("link", name="接收方式").wait_for(state="visible")
    settled(page)
    look(page, "navigation-account")  # axe, and no sideways scrolling
    account.get_by_role("link", name="修改密码").click()
    page.wait_for_url(lambda url: url.endswith("/account/password/"))


def test_the_account_menu_works_without_scripts(bworld: Any, browser: Any) -> None:
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN", java_script_enabled=False)
    try:
        context.add_cookies([session_cookie(bworld.cppcc, bworld.url)])
        page = context.new_page()
        page.goto(bworld.url + "/cppcc/")
        account = page.locator("#nav-account")
        account.locator("summary").click()
        account.get_by_role("button", name="退出").click()
        page.locator(".site-header").get_by_role("link", name="登录").wait_for()
    finally:
        context.close()
