"""Browser tests: Playwright driving Debian's Chromium against the live test server.

Never downloads a browser: it launches /usr/bin/chromium (``apt-get install -y chromium``). Each test
gets the personas of the root conftest (password ``demo-2026``) and pages signed in as any of them.
Screenshots go to test-output/screenshots/; ``check_a11y`` runs axe-core (from node_modules) in the page.

What makes them fast: a page is signed in by a session cookie made as the sign-in form makes it
(``session_cookie``; only the tests of the sign-in form itself fill it in, with ``login``), pages are
kept for the next test (blank, signed out) instead of started afresh in a new browser context, and a
test that looks at many pages moves one page between users with ``sign_in``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import suppress
from functools import cache
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import login as auth_login
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django_otp import login as otp_login

from organisation import otp
from organisation.models import User

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
# The backend the sign-in form's authenticate() settles on: axes' backend only counts failures.
PASSWORD_BACKEND = "django.contrib.auth.backends.ModelBackend"
KEPT_PAGES = 8  # no test of ours holds more at once


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"找不到 Chromium（{CHROMIUM}）：请先运行 make test，它会安装 Debian 的 chromium。")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def _kept_pages(browser: Any) -> Iterator[list[Any]]:
    """Pages no test holds, each alone in its browser context. A new context and page cost a second or
    more (a renderer started, every script and style loaded afresh); a kept page a page load."""
    kept: list[Any] = []
    yield kept
    for page in kept:
        page.context.close()


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


def session_cookie(user: User, base: str) -> dict[str, Any]:
    """A session signed in as ``user``, made on the server as the sign-in form makes it (Django's
    ``login``: a new session key, the user's id, backend and password hash, the sign-in signal that
    audits it and sets ``last_login``; django-otp's verified device for an account with an authenticator),
    as the browser's cookie for ``base``. The account gate (forced password change, 2FA enrolment) and the
    idle time-out then apply to it as to any session."""
    request = RequestFactory().post("/login/")  # from 127.0.0.1, as the browser's requests
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    request.user = AnonymousUser()  # as the middleware leaves it before the form signs in
    auth_login(request, user, backend=PASSWORD_BACKEND)
    device = otp.confirmed_device(user)
    if device is not None:
        otp_login(request, device)
    request.session.save()
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": request.session.session_key,
        "url": base + "/",
        "httpOnly": settings.SESSION_COOKIE_HTTPONLY,
        "secure": settings.SESSION_COOKIE_SECURE,
        "sameSite": settings.SESSION_COOKIE_SAMESITE or "Lax",
    }  # no expiry: a browser-session cookie, which the browser's real clock cannot take for expired


def sign_in(page: Any, user: User | None) -> None:
    """From the next page load on, the page's browser is signed in as ``user`` (None: signed out): its
    cookies are replaced by the user's session. The page itself is not reloaded."""
    page.context.clear_cookies()
    if user is not None:
        page.context.add_cookies([session_cookie(user, page.base)])


@pytest.fixture
def open_page(browser: Any, bworld: Any, _kept_pages: list[Any]) -> Iterator[Callable[..., Any]]:
    """``open_page(user, viewport=DESKTOP, path="")``: a page in a browser of its own (cookies, storage),
    signed in as the user (None: anonymous), at ``path`` if given, else (signed in) at the user's
    workbench, where the sign-in form lands."""
    used: list[Any] = []

    def make(user: User | None = None, viewport: dict[str, int] | None = None, path: str = "") -> Any:
        page = _kept_pages.pop() if _kept_pages else _new_page(browser)
        used.append(page)
        size = viewport or DESKTOP
        if page.viewport_size != size:
            page.set_viewport_size(size)
        page.base = bworld.url
        sign_in(page, user)
        if path or user is not None:
            go(page, path or "/")
        return page

    yield make
    for page in used:
        _release(page, _kept_pages)


# What a test may change in how a page or its context behaves beyond one test: such a page is closed
# after the test instead of kept.
PAGE_SETUP = (
    "on", "once", "add_init_script", "expose_function", "expose_binding", "route", "route_from_har",
    "set_extra_http_headers", "emulate_media", "add_locator_handler", "set_default_timeout",
    "set_default_navigation_timeout",
)  # fmt: skip
CONTEXT_SETUP = (
    "on", "once", "add_init_script", "expose_function", "expose_binding", "route", "route_from_har",
    "set_extra_http_headers", "set_default_timeout", "set_default_navigation_timeout", "set_geolocation",
    "set_offline",
)  # fmt: skip
FORGET = "() => { try { localStorage.clear(); sessionStorage.clear(); } catch (e) {} }"  # none on about:blank


def _new_page(browser: Any) -> Any:
    # reduced motion: Bootstrap then drops its colour transitions, so axe never measures a button caught
    # half-way into its hover colours under the pointer of the last click (a contrast finding at random)
    context = browser.new_context(
        viewport=DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai", reduced_motion="reduce"
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    page.changed = False
    for target, names in ((page, PAGE_SETUP), (context, CONTEXT_SETUP)):
        for name in names:
            setattr(target, name, _noting_change(page, getattr(target, name)))
    return page


def _noting_change(page: Any, method: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        page.changed = True
        return method(*args, **kwargs)

    return call


def _release(page: Any, kept: list[Any]) -> None:
    """Keep the page for another test, blank and signed out (no cookies, web storage, permissions or routes
    left), if the test changed nothing else in it (listeners, scripts, other pages); else close it."""
    context = page.context
    try:
        keep = not page.changed and not page.is_closed() and len(context.pages) == 1 and len(kept) < KEPT_PAGES
        if keep:
            page.evaluate(FORGET)  # htmx notes the path in sessionStorage
            page.goto("about:blank")  # before the test's database is emptied: nothing left in flight
            context.clear_cookies()
            context.clear_permissions()
            context.unroute_all(behavior="ignoreErrors")
    except Exception:  # a page the test left broken is not worth keeping
        keep = False
    if keep:
        kept.append(page)
    else:
        with suppress(Exception):  # already gone with its browser
            context.close()


def login(page: Any, base: str, username: str, password: str = "demo-2026") -> None:
    """Sign in through the sign-in form, as a user does (for the tests of the form; others use sign_in)."""
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


def settled(page: Any) -> None:
    """Wait until what the page's scripts draw after loading is drawn (charts paint in animation frames)
    and its fonts are in: two frames, not networkidle's fixed half second."""
    page.evaluate(
        "() => document.fonts.ready.then(() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r))))"
    )


def shot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under test-output/screenshots/<name>-<width>.png."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    path = OUTPUT / f"{name}-{page.viewport_size['width']}.png"
    settled(page)
    page.screenshot(path=str(path), full_page=True)
    return path


@cache
def _axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


def check_a11y(page: Any) -> None:
    """Run axe-core in the page; fail on any serious or critical finding (labels, contrast, landmarks…)."""
    # Evaluated through the DevTools protocol: the page's Content-Security-Policy refuses an injected
    # inline <script> (add_script_tag), as it would an attacker's. Once per page load.
    if page.evaluate("typeof window.axe === 'undefined'"):
        page.evaluate(_axe_source())
    # Only the violations are reported in full (resultTypes): the passes axe would list node by node
    # are not read, and skipping them takes nothing from the check.
    result = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'best-practice']}, resultTypes: ['violations']})"""
    )
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"{page.url}: " + "\n".join(bad)
