"""Holes 5 and 8 of issue 7, tried as a hostile client would, through HTTP.

Hole 5: NUL and control characters in a page's path, query string or form are refused with 400 before
any view (and database) sees them — 500 on PostgreSQL and stored on SQLite before. Hole 8: the security
headers, the HTTPS switch (cookies, HSTS, redirect, `check --deploy`), the demo app only when wanted,
and the session idle timeout.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.test import Client

from conftest import World, act, assign, file_proposal, make_session, read_settings
from handling.models import Contact
from history.models import Event
from proposals.models import Proposal
from web.hardening import LAST_SEEN_KEY

BEIJING_MORNING = "2026-03-02 09:00 +0800"


@pytest.fixture
def frozen():
    with time_machine.travel(BEIJING_MORNING, tick=False) as traveller:
        yield traveller


def page_client(user: Any = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


# --- Hole 5: control characters ----------------------------------------------------------------------


def _refused_page(response: Any) -> None:
    assert response.status_code == 400, response.content[:300]
    assert "text/html" in response["Content-Type"]
    assert "控制字符" in response.content.decode()


@pytest.mark.parametrize(
    "query",
    ["q=a%00b", "q=a%01b", "q=a%7Fb", "q=a%0Ab", "q=a%09b", "a%00=1"],
    ids=["nul", "soh", "del", "lf-in-query", "tab-in-query", "nul-in-key"],
)
def test_public_search_with_control_characters_is_400(db: Any, query: str) -> None:
    _refused_page(page_client().get(f"/public/?{query}"))


def test_lists_with_nul_are_400_for_staff(world: World) -> None:
    _refused_page(page_client(world.office).get("/proposals/?q=a%00b"))
    _refused_page(page_client(world.jyj_handler).get("/assignments/?q=a%00b"))
    _refused_page(page_client(world.office).get("/proposals/?q=%E6%95%99%00%E8%82%B2&export=csv"))


def test_nul_in_the_path_is_400(db: Any) -> None:
    _refused_page(page_client().get("/public/%00/"))


def test_api_query_with_nul_is_the_json_error(world: World) -> None:
    response = world.api(world.office).get("/assignments", q="a\x00b")
    assert response.status == 400
    assert response.error_code == "invalid"
    assert "控制字符" in response.data["error"]["message"]


def test_api_json_body_uses_the_same_test(world: World) -> None:
    proposers = [{"name": "张委员", "user_id": world.member1.pk}]
    body = {"session_id": make_session(world), "number": "1", "title": "关于\x01的建议", "body": "正文",
            "kind": "individual", "proposers": proposers, "category": "教育"}  # fmt: skip
    response = world.api(world.cppcc).post("/proposals", body)
    assert response.status == 400 and response.error_code == "invalid", response.data
    assert "控制字符" in response.data["error"]["message"]
    assert Proposal.objects.count() == 0
    body["title"] = "关于\t课后服务\n的建议"  # tab and newline are text
    assert world.api(world.cppcc).post("/proposals", body).status == 201


@pytest.fixture
def handled(world: World, frozen: Any) -> int:
    """A lead assignment of 市教育局 whose form is approved: its handler may record contacts."""
    p = file_proposal(world)
    a = assign(world, p["id"], [(world.jyj, "lead")])["assignments"][0]["id"]
    act(world, world.jyj_handler, a, "receive")
    act(world, world.jyj_handler, a, "submit-form", {"opinion": "拟办", "handler_id": world.jyj_handler.pk})
    act(world, world.jyj_leader, a, "approve-form", {})
    return int(a)


def _contact(world: World, assignment_id: int, notes: str, participants: str = "王联络员") -> Any:
    form = {"stage": "before", "date": "2026-03-02", "method": "visit", "participants": participants, "notes": notes}
    return page_client(world.jyj_handler).post(f"/assignments/{assignment_id}/contact/", form)


@pytest.mark.parametrize("bad", ["会面\x00记录", "会面\x1b[31m记录", "会面\x7f"], ids=["nul", "escape", "del"])
def test_contact_form_with_control_characters_stores_nothing(world: World, handled: int, bad: str) -> None:
    events = Event.objects.count()
    _refused_page(_contact(world, handled, bad))
    _refused_page(_contact(world, handled, "正常记录", participants=bad))
    assert Contact.objects.count() == 0
    assert Event.objects.count() == events


def test_multipart_form_is_checked_too(world: World, handled: int) -> None:
    client = page_client(world.jyj_handler)
    form = {"stage": "before", "date": "2026-03-02", "method": "visit", "notes": "a\x00b"}
    response = client.post(f"/assignments/{handled}/contact/", form)  # the test client sends multipart
    assert response.request["CONTENT_TYPE"].startswith("multipart/form-data")
    _refused_page(response)
    assert Contact.objects.count() == 0


def test_chinese_text_with_newlines_still_works(world: World, handled: int) -> None:
    notes = "第一次见面：\r\n\t一、介绍办理思路；\r\n二、听取委员意见。"
    response = _contact(world, handled, notes)
    assert response.status_code == 302, response.content[:500]
    assert Contact.objects.get().notes.replace("\r\n", "\n") == notes.replace("\r\n", "\n")
    found = page_client(world.office).get("/proposals/", {"q": "课后服务"})
    assert found.status_code == 200 and "关于加强中小学<mark>课后服务</mark>的建议" in found.content.decode()


# --- Hole 8: headers ---------------------------------------------------------------------------------


def test_security_headers_on_every_page(world: World) -> None:
    for client, path in (
        (page_client(), "/login/"),
        (page_client(), "/public/"),
        (page_client(world.office), "/office/"),
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        csp = dict(d.strip().split(" ", 1) for d in response["Content-Security-Policy"].split(";"))
        assert csp["default-src"] == "'self'"
        assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'"  # nothing inline
        assert csp["object-src"] == "'none'" and csp["base-uri"] == "'self'"
        assert csp["frame-ancestors"] == "'none'" and csp["form-action"] == "'self'"
        assert csp["img-src"] == "'self' data:"
        assert "unsafe" not in response["Content-Security-Policy"]
        for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
            assert f"{feature}=()" in response["Permissions-Policy"]
        assert response["X-Frame-Options"] == "DENY"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Content-Type-Options"] == "nosniff"
    api = world.api(world.office).client.get("/api/v1/proposals")
    assert "Permissions-Policy" in api and "Content-Security-Policy" in api


def _production_env(**extra: str) -> dict[str, str]:
    # A deployment's environment: nothing the test run itself sets (the browser tests allow async-unsafe calls)
    unset = ("DEMO", "HTTPS", "DEBUG", "HSTS_PRELOAD", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update(DEBUG="False", SECRET_KEY=secrets.token_urlsafe(64), ALLOWED_HOSTS="banli.example.gov.cn", **extra)
    return env


SWITCHED = ["SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
            "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "SECURE_PROXY_SSL_HEADER"]  # fmt: skip


def _settings_with(env: dict[str, str]) -> dict[str, Any]:
    read = read_settings(env, replace=True)
    return {**{n: read[n] for n in SWITCHED}, "demo": "demo" in read["INSTALLED_APPS"]}


def test_check_deploy_is_clean_with_https() -> None:
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=_production_env(HTTPS="true"), cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "System check identified no issues" in output, output
    assert "WARNING" not in output and "security." not in output, output


def test_https_switch_and_demo_rule() -> None:
    on = _settings_with(_production_env(HTTPS="true"))
    assert on == {
        "SESSION_COOKIE_SECURE": True, "CSRF_COOKIE_SECURE": True, "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000, "SECURE_HSTS_INCLUDE_SUBDOMAINS": True, "SECURE_HSTS_PRELOAD": False,
        "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"), "demo": False,
    }  # fmt: skip
    off = _settings_with(_production_env(DEMO="true"))
    assert not off["SESSION_COOKIE_SECURE"] and not off["SECURE_SSL_REDIRECT"] and off["SECURE_HSTS_SECONDS"] == 0
    assert off["demo"] is True
    assert "demo" in settings.INSTALLED_APPS  # the suite (DEBUG by default) keeps demo/tests


HTTPS_ON = {
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
    "SECURE_SSL_REDIRECT": True,
    "SECURE_HSTS_SECONDS": 31536000,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
}


def test_https_on_redirects_and_secures_cookies(world: World, settings: Any) -> None:
    for name, value in HTTPS_ON.items():
        setattr(settings, name, value)
    plain = Client().get("/login/")
    assert plain.status_code == 301 and plain["Location"] == "https://testserver/login/"
    client = Client(headers={"X-Forwarded-Proto": "https"})
    page = client.get("/login/")
    assert page.status_code == 200
    assert page["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert page.cookies["csrftoken"]["secure"]
    signed_in = client.post("/login/", {"username": "office", "password": "demo-2026"})
    assert signed_in.status_code == 302, signed_in.content[:500]
    assert signed_in.cookies["sessionid"]["secure"] and signed_in.cookies["sessionid"]["httponly"]


# --- Hole 8: session idle timeout --------------------------------------------------------------------


def _signed_in(client: Client, path: str) -> bool:
    response = client.get(path)
    if response.status_code == 302 and response["Location"].startswith("/login/"):
        return False
    assert response.status_code == 200, (path, response.status_code)
    return True


def test_staff_session_ends_after_30_idle_minutes(world: World, frozen: Any) -> None:
    client = page_client(world.office)
    assert _signed_in(client, "/office/")
    first = client.session[LAST_SEEN_KEY]
    frozen.shift(timedelta(seconds=50))
    assert _signed_in(client, "/office/")
    assert client.session[LAST_SEEN_KEY] == first  # not written again within the minute
    frozen.shift(timedelta(minutes=20))
    assert _signed_in(client, "/office/")
    assert client.session[LAST_SEEN_KEY] > first  # noted again: the idle time starts over
    frozen.shift(timedelta(minutes=29))
    assert _signed_in(client, "/office/")
    frozen.shift(timedelta(minutes=30, seconds=1))
    assert not _signed_in(client, "/office/")
    assert not _signed_in(client, "/office/")  # signed out for good, not only for one request


def test_member_session_lasts_a_week_idle(world: World, frozen: Any, settings: Any) -> None:
    assert settings.MEMBER_SESSION_IDLE_MINUTES == 7 * 24 * 60
    client = page_client(world.member1)
    assert _signed_in(client, "/my/")
    for _ in range(3):  # a visit every six days keeps the phone signed in, beyond the first week
        frozen.shift(timedelta(days=6, hours=23))
        assert _signed_in(client, "/my/")
    frozen.shift(timedelta(days=7, minutes=1))
    assert not _signed_in(client, "/my/")


def test_idle_limit_is_configurable(world: World, frozen: Any, settings: Any) -> None:
    settings.SESSION_IDLE_MINUTES = 5
    client = page_client(world.jyj_handler)
    assert _signed_in(client, "/unit/")
    frozen.shift(timedelta(minutes=5, seconds=1))
    assert not _signed_in(client, "/unit/")
