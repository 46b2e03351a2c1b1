"""Token revocation and lifetime, as a holder of a stolen token would find them.

Issue 7, hole 7: ``DELETE /api/v1/auth/token`` revokes the token used; a password change or a
deactivation revokes every token of the user; a token dies API_TOKEN_MAX_DAYS (90) after it was issued
even if used every day; ``manage.py prune_tokens`` deletes the expired ones.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from io import StringIO
from typing import Any

import time_machine
from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password
from django.core.management import call_command
from django.test import Client

from conftest import World
from organisation.models import ApiToken, User


class FastPBKDF2(PBKDF2PasswordHasher):
    """A cheap stand-in for a stronger hasher, so a sign-in upgrades the stored MD5 hash."""

    iterations = 2


def sign_in(username: str, password: str = "demo-2026") -> str:
    resp = Client().post(
        "/api/v1/auth/token", json.dumps({"username": username, "password": password}), content_type="application/json"
    )
    assert resp.status_code == 200, resp.content
    return json.loads(resp.content)["token"]


def me(token: str) -> int:
    return Client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code


def revoke(token: str | None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return Client().delete("/api/v1/auth/token", headers=headers)


def test_delete_revokes_only_the_token_used(world: World, security_events: list[dict[str, Any]]) -> None:
    first, second = sign_in("office"), sign_in("office")
    assert me(first) == 200 and me(second) == 200
    assert revoke(first).status_code == 204
    assert me(first) == 401 and me(second) == 200
    assert revoke(first).status_code == 401  # already gone
    assert revoke(None).status_code == 401
    revoked = [e for e in security_events if e["kind"] == "token_revoked"]
    assert len(revoked) == 1 and revoked[0]["user"] == world.office and revoked[0]["data"]["reason"] == "signed_out"
    issued = [e for e in security_events if e["kind"] == "token_issued"]
    assert len(issued) == 2 and all(e["outcome"] == "success" and e["user"] == world.office for e in issued)


def test_a_browser_session_has_no_token_to_revoke(world: World) -> None:
    token = sign_in("office")
    browser = Client()
    browser.force_login(world.office)
    resp = browser.delete("/api/v1/auth/token")
    assert resp.status_code == 400 and json.loads(resp.content)["error"]["code"] == "invalid"
    assert me(token) == 200


def test_a_password_change_revokes_every_token(world: World, security_events: list[dict[str, Any]]) -> None:
    stolen = [sign_in("jyj_handler"), sign_in("jyj_handler")]
    other = sign_in("jyj_head")
    user = User.objects.get(username="jyj_handler")
    user.set_password("new-Password-2026")
    user.save()
    assert [me(t) for t in stolen] == [401, 401] and me(other) == 200
    assert not ApiToken.objects.filter(user=user).exists()
    assert any(e["kind"] == "token_revoked" and e["data"]["reason"] == "password_changed" for e in security_events)
    fresh = sign_in("jyj_handler", "new-Password-2026")
    # a hash written directly (a script, an import) counts as a change too
    user.password = make_password("another-Password-2026")
    user.save(update_fields=["password"])
    assert me(fresh) == 401


def test_a_hash_upgrade_at_sign_in_is_not_a_password_change(world: World, settings: Any) -> None:
    token = sign_in("cppcc")
    settings.PASSWORD_HASHERS = ["tests.test_tokens.FastPBKDF2", "django.contrib.auth.hashers.MD5PasswordHasher"]
    sign_in("cppcc")  # Django rehashes the password with the preferred hasher here
    assert User.objects.get(username="cppcc").password.startswith("pbkdf2_sha256$2$")
    assert me(token) == 200


def test_deactivating_a_user_revokes_their_tokens_for_good(world: World) -> None:
    token = sign_in("wjw_handler")
    user = User.objects.get(username="wjw_handler")
    user.is_active = False
    user.save()
    assert not ApiToken.objects.filter(user=user).exists()
    user.is_active = True
    user.save()
    assert me(token) == 401


def test_a_token_dies_ninety_days_after_it_was_issued_even_if_used_daily(world: World) -> None:
    with time_machine.travel("2026-01-05 09:00 +0800", tick=False) as clock:
        resp = Client().post(
            "/api/v1/auth/token",
            json.dumps({"username": "mayor", "password": "demo-2026"}),
            content_type="application/json",
        )
        body = json.loads(resp.content)
        assert datetime.fromisoformat(body["expires_at"]) == datetime.fromisoformat("2026-04-05T09:00:00+08:00")
        for _ in range(4):  # used every 20 days: never idle for API_TOKEN_DAYS
            clock.shift(timedelta(days=20))
            assert me(body["token"]) == 200
        clock.shift(timedelta(days=9, hours=23))
        assert me(body["token"]) == 200
        clock.shift(timedelta(hours=2))
        assert me(body["token"]) == 401


def test_prune_tokens_deletes_the_expired_ones(world: World) -> None:
    with time_machine.travel("2026-06-01 09:00 +0800", tick=False) as clock:
        old = ApiToken.objects.create(user=world.office, key_hash="a" * 64)  # will pass 90 days
        clock.shift(timedelta(days=59))
        idle = ApiToken.objects.create(user=world.office, key_hash="b" * 64)  # will sit unused for 31 days
        clock.shift(timedelta(days=31))
        fresh = ApiToken.objects.create(user=world.office, key_hash="c" * 64)
        ApiToken.objects.filter(pk=old.pk).update(last_used_at=datetime.fromisoformat("2026-08-29T09:00:00+08:00"))
        clock.shift(timedelta(hours=1))
        out = StringIO()
        call_command("prune_tokens", stdout=out)
    assert "已删除 2 个过期令牌" in out.getvalue()
    assert list(ApiToken.objects.filter(user=world.office, key_hash__in=["a" * 64, "b" * 64, "c" * 64])) == [fresh]
    assert idle.pk not in ApiToken.objects.values_list("pk", flat=True)
