"""Password guessing, as an attacker would: per account and per address, on the API and the sign-in page.

Issue 7, hole 3 (登录失败处理): an account locks after 5 failures, an address after 20, for 30 minutes
after the last failure or until the office unlocks it; a locked attempt gets 429 with Retry-After, even
with the right password, and never reaches the password hasher.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.contrib.auth.hashers import MD5PasswordHasher
from django.test import Client

from conftest import World
from organisation.models import ApiToken

T0 = "2026-12-02 09:00 +0800"
LOCK_SECONDS = 30 * 60


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def token(username: str, password: str, address: str = "10.0.0.1") -> Any:
    resp = Client(REMOTE_ADDR=address).post(
        "/api/v1/auth/token", json.dumps({"username": username, "password": password}), content_type="application/json"
    )
    return resp


def fail(username: str, times: int, address: str = "10.0.0.1") -> list[int]:
    """Guess wrong ``times`` times; the guess that reaches a limit is already answered with 429."""
    return [token(username, "wrong-guess", address).status_code for _ in range(times)]


def sign_in(client: Client, username: str, password: str) -> Any:
    return client.post("/login/", {"username": username, "password": password})


def assert_locked_json(resp: Any, seconds: int = LOCK_SECONDS) -> None:
    assert resp.status_code == 429
    body = json.loads(resp.content)
    assert body["error"]["code"] == "too_many_attempts"
    assert "锁定" in body["error"]["message"]
    assert resp["Retry-After"] == str(seconds)


def test_api_locks_the_account_after_five_failures_even_for_the_right_password(
    world: World, clock: Any, security_events: list[dict[str, Any]]
) -> None:
    assert fail("jyj_handler", 5) == [401, 401, 401, 401, 429]
    before = ApiToken.objects.filter(user=world.jyj_handler).count()
    resp = token("jyj_handler", "demo-2026")
    assert_locked_json(resp)
    assert "token" not in json.loads(resp.content)
    assert ApiToken.objects.filter(user=world.jyj_handler).count() == before
    # from another address too: the lock is on the account
    assert_locked_json(token("jyj_handler", "demo-2026", address="10.9.9.9"))
    locks = [e for e in security_events if e["kind"] == "lockout"]
    assert locks and all(e["outcome"] == "locked" and e["user"] == world.jyj_handler for e in locks)
    assert "account" in locks[0]["data"]["scopes"]
    # other accounts still sign in from the same address
    assert token("wjw_handler", "demo-2026").status_code == 200
    # a locked attempt does not extend the lock: 10 minutes on, 20 are left
    clock.shift(timedelta(minutes=10))
    assert_locked_json(token("jyj_handler", "demo-2026"), seconds=20 * 60)
    clock.shift(timedelta(minutes=20, seconds=1))
    resp = token("jyj_handler", "demo-2026")
    assert resp.status_code == 200 and json.loads(resp.content)["token"]


def test_a_locked_attempt_never_runs_the_password_hasher(world: World, clock: Any) -> None:
    fail("office", 5)
    with (
        mock.patch.object(MD5PasswordHasher, "verify", autospec=True, side_effect=MD5PasswordHasher.verify) as verify,
        mock.patch.object(MD5PasswordHasher, "encode", autospec=True, side_effect=MD5PasswordHasher.encode) as encode,
    ):
        assert token("office", "demo-2026").status_code == 429
        assert sign_in(Client(REMOTE_ADDR="10.0.0.1"), "office", "demo-2026").status_code == 429
        assert verify.call_count == 0 and encode.call_count == 0
        # the spies do see a guess that is not locked
        assert token("cppcc", "wrong-guess").status_code == 401
        assert verify.call_count == 1


def test_an_address_locks_after_twenty_failures_across_many_usernames(world: World, clock: Any) -> None:
    attacker = "203.0.113.7"
    statuses = [token(f"guess{i}", "wrong-guess", attacker).status_code for i in range(20)]
    assert statuses == [401] * 19 + [429]
    resp = token("office", "demo-2026", attacker)
    assert_locked_json(resp)
    assert sign_in(Client(REMOTE_ADDR=attacker), "cppcc", "demo-2026").status_code == 429
    # the accounts themselves are not locked: from elsewhere they sign in
    assert token("office", "demo-2026", "198.51.100.1").status_code == 200


def test_an_office_behind_nat_is_not_locked_out_by_one_user(world: World, clock: Any) -> None:
    office_nat = "192.0.2.10"
    assert fail("jyj_handler", 5, office_nat)[-1] == 429
    assert fail("jyj_leader", 4, office_nat) == [401] * 4
    assert token("jyj_head", "demo-2026", office_nat).status_code == 200
    assert token("jyj_leader", "demo-2026", office_nat).status_code == 200


def test_a_successful_sign_in_clears_the_accounts_failures(world: World, clock: Any) -> None:
    fail("cppcc", 4)
    assert token("cppcc", "demo-2026").status_code == 200
    fail("cppcc", 4)
    assert token("cppcc", "demo-2026").status_code == 200
    page = Client(REMOTE_ADDR="10.0.0.2")
    for _ in range(4):
        assert sign_in(page, "mayor", "wrong-guess").status_code == 200
    assert sign_in(page, "mayor", "demo-2026").status_code == 302
    page = Client(REMOTE_ADDR="10.0.0.2")
    for _ in range(4):
        assert sign_in(page, "mayor", "wrong-guess").status_code == 200
    assert sign_in(page, "mayor", "demo-2026").status_code == 302
    # what was cleared is the count, not the limit
    assert fail("cppcc", 5)[-1] == 429


def test_the_sign_in_page_locks_with_a_chinese_page(world: World, clock: Any) -> None:
    page = Client(REMOTE_ADDR="10.0.0.3")
    for _ in range(4):
        resp = sign_in(page, "member1", "wrong-guess")
        assert resp.status_code == 200 and "请输入一个正确的" in resp.content.decode()
    assert sign_in(page, "member1", "wrong-guess").status_code == 429  # the fifth failure locks
    resp = sign_in(page, "member1", "demo-2026")
    assert resp.status_code == 429 and resp["Retry-After"] == str(LOCK_SECONDS)
    text = resp.content.decode()
    assert "登录已暂时锁定" in text and "30 分钟后再试" in text and "2026年12月2日 09:30" in text
    assert page.get("/my/").status_code == 302  # not signed in
    clock.shift(timedelta(minutes=30, seconds=1))
    assert sign_in(page, "member1", "demo-2026").status_code == 302
    assert page.get("/my/").status_code == 200


def test_the_office_unlocks_an_account_of_its_jurisdiction(
    world: World, clock: Any, security_events: list[dict[str, Any]]
) -> None:
    fail("jyj_handler", 5)
    target = f"/users/{world.jyj_handler.pk}/unlock"
    assert world.api(world.jyj_head).post(target).status == 403
    assert world.api(world.member1).post(target).status == 403
    assert world.api(world.county_office).post(target).status == 404
    assert world.api(world.office).post("/users/999999/unlock").status == 404
    assert token("jyj_handler", "demo-2026").status_code == 429
    resp = world.api(world.office).post(target)
    assert resp.status == 200 and resp.data["locked"] is False and resp.data["cleared"] >= 1
    unlock = [e for e in security_events if e["kind"] == "unlock"]
    assert unlock and unlock[0]["user"] == world.jyj_handler and unlock[0]["actor"] == world.office
    assert token("jyj_handler", "demo-2026").status_code == 200
    # a superuser may unlock anyone
    fail("xq_handler", 5)
    assert world.api(world.admin).post(f"/users/{world.xq_handler.pk}/unlock").status == 200
    assert token("xq_handler", "demo-2026").status_code == 200


def test_the_office_page_lists_locked_accounts_and_unlocks_them(world: World, clock: Any) -> None:
    fail("jyj_handler", 5)
    fail("xq_handler", 5, "10.0.0.9")  # the county's: not the city office's to see
    office = Client()
    office.force_login(world.office)
    text = office.get("/office/lockouts/").content.decode()
    assert "jyj_handler" in text and "xq_handler" not in text and "2026年12月2日 09:30" in text
    assert office.post(f"/office/lockouts/{world.xq_handler.pk}/unlock/").status_code == 404
    resp = office.post(f"/office/lockouts/{world.jyj_handler.pk}/unlock/", follow=True)
    assert resp.status_code == 200 and "已解除" in resp.content.decode()
    assert "jyj_handler" not in office.get("/office/lockouts/").content.decode().split("</h1>")[1]
    assert token("jyj_handler", "demo-2026").status_code == 200
    assert token("xq_handler", "demo-2026", "10.0.0.9").status_code == 429
    unit = Client()
    unit.force_login(world.jyj_head)
    assert unit.get("/office/lockouts/").status_code == 403
    admin = Client()
    admin.force_login(world.admin)
    assert "xq_handler" in admin.get("/office/lockouts/").content.decode()
