"""Browser tests: Playwright driving Debian's Chromium against the live test server.

Never downloads a browser: it launches /usr/bin/chromium (``apt-get install -y chromium``). Each test
gets the personas of the root conftest (password ``demo-2026``) and pages signed in as any of them.
Screenshots go to test-output/screenshots/; ``check_a11y`` runs axe-core (from node_modules) in the page.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings

# Playwright's sync API runs an event loop in this thread; the ORM calls of the test itself are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
OUTPUT = Path(settings.BASE_DIR) / "test-output" / "screenshots"
AXE = Path(settings.NODE_MODULES) / "axe-core" / "axe.min.js"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"找不到 Chromium（{CHROMIUM}）：请先运行 make test，它会安装 Debian 的 chromium。")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def bworld(transactional_db: Any, live_server: Any) -> Any:
    """The personas, in a database the live server thread sees."""
    from conftest import World

    world = World()
    world.url = live_server.url  # type: ignore[attr-defined]
    return world


@pytest.fixture
def fixed_day(settings: Any) -> Iterator[None]:
    """The server's clock at 2026-03-02 09:00 (Beijing), ticking. The browser's clock is not moved, so the
    session cookie must not carry a date it would take for expired."""
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    with time_machine.travel("2026-03-02 09:00 +0800", tick=True):
        yield


@pytest.fixture
def open_page(browser: Any, bworld: Any) -> Iterator[Callable[..., Any]]:
    """``open_page(user, viewport=DESKTOP, path="")``: a new browser context signed in as the user (None:
    anonymous), at ``path`` if given."""
    contexts = []

    def make(user: Any = None, viewport: dict[str, int] | None = None, path: str = "") -> Any:
        context = browser.new_context(viewport=viewport or DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai")
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.base = bworld.url
        page.on("dialog", lambda dialog: dialog.accept())
        if user is not None:
            login(page, bworld.url, user.username)
        if path:
            go(page, path)
        return page

    yield make
    for c in contexts:
        c.close()


def login(page: Any, base: str, username: str, password: str = "demo-2026") -> None:
    page.goto(base + "/login/")
    page.get_by_label("账号").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/login/" not in url)


def go(page: Any, path: str) -> Any:
    """Open ``path`` of the live server; it must open (a 403, 404 or 500 page is not the page under test)."""
    response = page.goto(page.base + path)
    assert response is not None and response.ok, (path, response and response.status)
    return response


def shot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under test-output/screenshots/<name>-<width>.png."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    path = OUTPUT / f"{name}-{page.viewport_size['width']}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def check_a11y(page: Any) -> None:
    """Run axe-core in the page; fail on any serious or critical finding (labels, contrast, landmarks…)."""
    # Evaluated through the DevTools protocol: the page's Content-Security-Policy refuses an injected
    # inline <script> (add_script_tag), as it would an attacker's.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'best-practice']}})"
    )
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"{page.url}: " + "\n".join(bad)
