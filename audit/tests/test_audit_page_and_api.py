"""The auditor's page /audit/ and GET /api/v1/audit: who may read them, the filters, paging, CSV export."""

from __future__ import annotations

import json
from typing import Any

import pytest
import time_machine
from django.test import Client

from conftest import Api, World
from organisation.models import User

from .conftest import entries

HOSTILE = '=HYPERLINK("http://evil.example/","点我")'


def fail_sign_in(username: str, address: str) -> None:
    body = json.dumps({"username": username, "password": "Wrong-guess-2026"})
    Client(REMOTE_ADDR=address).post("/api/v1/auth/token", body, content_type="application/json")


@pytest.fixture
def log(world: World) -> None:
    """Four entries over two days: three failed sign-ins from two addresses, one refusal."""
    with time_machine.travel("2026-11-30 10:00 +08:00", tick=False):
        fail_sign_in("root", "203.0.113.7")
        fail_sign_in("office", "203.0.113.7")
    with time_machine.travel("2026-12-01 09:00 +08:00", tick=False):
        fail_sign_in(HOSTILE, "192.0.2.44")
        assert world.api(world.member1).put("/calendar/2027", {"days": []}).status == 403


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_page_is_for_auditors_and_superusers(world: World, auditor: User) -> None:
    assert signed_in(auditor).get("/audit/").status_code == 200
    assert signed_in(world.admin).get("/audit/").status_code == 200
    for user in (world.office, world.jyj_head, world.member1):
        assert signed_in(user).get("/audit/").status_code == 403, user.username
    assert Client().get("/audit/").status_code == 302
    # reading the log is not a refusal; trying to is
    assert [e.username for e in entries(kind="permission_denied")] == ["office", "jyj_head", "member1"]


def test_the_navigation_links_the_page_for_those_who_may_see_it(world: World, auditor: User) -> None:
    assert 'href="/audit/"' in signed_in(auditor).get("/audit/").content.decode()
    assert 'href="/audit/"' not in signed_in(world.office).get("/office/").content.decode()


def test_the_auditor_lands_on_the_audit_page(world: World, auditor: User) -> None:
    resp = Client().post("/login/", {"username": "auditor", "password": "demo-2026"})
    assert resp.status_code == 302 and resp["Location"] == "/audit/"


def test_the_api_is_for_auditors_and_superusers(world: World, auditor: User) -> None:
    assert Api(auditor).get("/audit").status == 200
    assert Api(world.admin).get("/audit").status == 200
    resp = Api(world.office).get("/audit")
    assert (resp.status, resp.error_code) == (403, "forbidden")
    assert Api().get("/audit").status == 401


def test_page_filters_and_newest_first(world: World, auditor: User, log: None) -> None:
    client = signed_in(auditor)

    def shown(**params: str) -> str:
        resp = client.get("/audit/", params)
        assert resp.status_code == 200
        return resp.content.decode()

    everything = shown(kind="login_failed")
    assert "共 3 条" in everything and "登录失败" in everything
    assert everything.index("2026年12月1日") < everything.index("2026年11月30日")  # newest first
    assert "共 2 条" in shown(ip="203.0.113.7")
    assert "共 1 条" in shown(user="root")
    assert "共 2 条" in shown(since="2026-12-01", until="2026-12-01")  # the hostile name and the refusal
    assert "共 1 条" in shown(outcome="denied") and "越权访问被拒绝" in shown(outcome="denied")
    assert "共 0 条" in shown(ip="not-an-address")


def test_api_filters(world: World, auditor: User, log: None) -> None:
    api = Api(auditor)
    denied = api.get("/audit", outcome="denied").data
    assert denied["total"] == 1
    (item,) = denied["items"]
    assert (item["kind"], item["kind_label"], item["username"], item["path"]) == (
        "permission_denied", "越权访问被拒绝", "member1", "/api/v1/calendar/2027",
    )  # fmt: skip
    assert api.get("/audit", ip="203.0.113.7", kind="login_failed").data["total"] == 2
    assert api.get("/audit", since="2026-12-01", user="member1").data["total"] == 1
    assert api.get("/audit", until="2026-11-30").data["total"] == 2
    assert api.get("/audit", ip="nonsense").status == 400
    assert api.get("/audit", since="yesterday").status == 400


def test_paging_is_kept_in_the_url(world: World, auditor: User) -> None:
    for _ in range(21):
        fail_sign_in("root", "203.0.113.7")
    html = signed_in(auditor).get("/audit/", {"kind": "login_failed", "user": "root"}).content.decode()
    assert "第 1 / 2 页" in html and "kind=login_failed&amp;user=root&amp;page=2" in html
    second = Api(auditor).get("/audit", kind="login_failed", user="root", page=2, page_size=20).data
    assert (second["total"], len(second["items"])) == (21, 1)


def test_csv_export_of_the_filtered_rows(world: World, auditor: User, log: None) -> None:
    resp: Any = signed_in(auditor).get("/audit/", {"kind": "login_failed", "export": "csv"})
    assert resp["Content-Type"].startswith("text/csv")
    text = b"".join(resp.streaming_content).decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].startswith("编号,时间,事件,结果,用户名") and len(lines) == 4
    assert "登录失败" in lines[1] and "203.0.113.7" in text
    assert "'=HYPERLINK" in text  # the typed name is neutralised, not a live formula


def test_time_shown_on_the_page_is_local(world: World, auditor: User) -> None:
    with time_machine.travel("2026-12-01 23:30 +00:00", tick=False):  # 2 December in Beijing
        fail_sign_in("root", "203.0.113.7")
    assert "2026年12月2日 07:30" in signed_in(auditor).get("/audit/").content.decode()
