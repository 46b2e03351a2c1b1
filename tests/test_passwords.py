"""Passwords as an attacker and a new colleague would meet them (issue 7, holes 9 and 13b).

Weak passwords are refused with Chinese reasons wherever a password is chosen (creating a user, the
user's own change on the API and on the page); an account whose password the office chose must be
changed at the first sign-in before any page or API call; the SM3 hasher (商用密码) hashes, verifies
and takes over old PBKDF2-SHA256 hashes at the next sign-in.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password
from django.test import Client

from conftest import Api, World, read_settings
from organisation.hashers import PBKDF2SM3PasswordHasher
from organisation.models import ApiToken, Role, User

GOOD = "Qingshui2026river"
WEAK = {
    "12345678": ["太短", "太常见", "只包含数字"],
    "password": ["太短", "太常见"],
    "abcdefghijk": ["字母和数字"],
    "abc12345": ["太短"],
}


class FastSM3Hasher(PBKDF2SM3PasswordHasher):
    """The SM3 hasher with few rounds, so the tests stay fast; same algorithm name and format."""

    iterations = 3


class FastPBKDF2Hasher(PBKDF2PasswordHasher):
    iterations = 3


SM3_FIRST = ["tests.test_passwords.FastSM3Hasher", "tests.test_passwords.FastPBKDF2Hasher"]


def new_user_body(world: World, username: str = "newclerk", password: str = GOOD) -> dict[str, Any]:
    return {
        "username": username,
        "password": password,
        "name": "新同事",
        "role": Role.DEPT_HANDLER,
        "jurisdiction_id": world.city.pk,
        "department_id": world.jyj.pk,
    }


def token_for(username: str, password: str) -> str:
    resp = Api().post("/auth/token", {"username": username, "password": password})
    assert resp.status == 200, resp.data
    return str(resp.data["token"])


def api_with(token: str) -> Api:
    api = Api()
    api.headers["Authorization"] = f"Bearer {token}"
    return api


def page_client(username: str, password: str) -> Client:
    client = Client()
    resp = client.post("/login/", {"username": username, "password": password})
    assert resp.status_code == 302, resp.content.decode()[:500]
    return client


# ---- hole 9: the rules ---------------------------------------------------------------------------


@pytest.mark.parametrize("weak", list(WEAK))
def test_weak_password_refused_when_the_office_creates_a_user(world: World, weak: str) -> None:
    resp = world.api(world.office).post("/users", new_user_body(world, password=weak))
    assert resp.status == 400, resp.data
    assert resp.data["error"]["details"]["field"] == "password"
    for reason in WEAK[weak]:
        assert reason in resp.data["error"]["message"], resp.data
    assert not User.objects.filter(username="newclerk").exists()


def test_reasons_are_chinese_whatever_language_the_client_asks(world: World) -> None:
    api = world.api(world.office)
    resp = api.post("/users", new_user_body(world, password="password"), headers={"Accept-Language": "en"})
    assert resp.status == 400
    assert "太常见" in resp.data["error"]["message"], resp.data


def test_password_like_the_username_refused(world: World) -> None:
    resp = world.api(world.office).post(
        "/users", new_user_body(world, username="wangxiaoming", password="wangxiaoming1")
    )
    assert resp.status == 400
    assert "太相似" in resp.data["error"]["message"], resp.data


def test_good_password_accepted_and_the_new_user_must_change_it(world: World) -> None:
    resp = world.api(world.office).post("/users", new_user_body(world))
    assert resp.status == 201, resp.data
    assert User.objects.get(username="newclerk").must_change_password is True


@pytest.mark.parametrize("weak", list(WEAK))
def test_weak_password_refused_on_the_api_change(world: World, weak: str) -> None:
    api = world.api(world.member1)
    resp = api.post("/auth/password", {"old_password": "demo-2026", "new_password": weak})
    assert resp.status == 400, resp.data
    assert resp.data["error"]["details"]["fields"]["new_password"], resp.data
    for reason in WEAK[weak]:
        assert reason in resp.data["error"]["message"], resp.data
    assert User.objects.get(pk=world.member1.pk).check_password("demo-2026")


def test_api_change_checks_the_old_password(world: World) -> None:
    resp = world.api(world.member1).post("/auth/password", {"old_password": "wrong-2026x", "new_password": GOOD})
    assert resp.status == 400
    assert resp.data["error"]["details"]["fields"] == {"old_password": "原密码不正确"}
    assert User.objects.get(pk=world.member1.pk).check_password("demo-2026")


def test_api_change_answers_a_fresh_token_and_reports_it(world: World, security_events: list[dict[str, Any]]) -> None:
    api = world.api(world.member1)
    resp = api.post("/auth/password", {"old_password": "demo-2026", "new_password": GOOD})
    assert resp.status == 200, resp.data
    assert User.objects.get(pk=world.member1.pk).check_password(GOOD)
    assert api_with(resp.data["token"]).get("/me").status == 200
    assert [e["outcome"] for e in security_events if e["kind"] == "password_changed"] == ["success"]


@pytest.mark.parametrize("weak", ["12345678", "abcdefghijk"])
def test_weak_password_refused_on_the_change_page(world: World, weak: str) -> None:
    client = page_client("member1", "demo-2026")
    resp = client.post(
        "/account/password/", {"old_password": "demo-2026", "new_password1": weak, "new_password2": weak}
    )
    assert resp.status_code == 200
    text = resp.content.decode()
    assert WEAK[weak][-1] in text
    assert User.objects.get(pk=world.member1.pk).check_password("demo-2026")


def test_change_page_reachable_from_the_navigation(world: World) -> None:
    client = page_client("member1", "demo-2026")
    assert 'href="/account/password/"' in client.get("/my/").content.decode()
    assert "修改密码" in client.get("/account/password/").content.decode()


# ---- hole 9: the forced first change -------------------------------------------------------------


def test_office_created_user_is_sent_to_the_change_page_until_changed(
    world: World, security_events: list[dict[str, Any]]
) -> None:
    assert world.api(world.office).post("/users", new_user_body(world)).status == 201
    client = page_client("newclerk", GOOD)
    for path in ("/", "/unit/", "/proposals/", "/assignments/", "/notifications/", "/public/", "/account/two-factor/"):
        resp = client.get(path)
        assert (resp.status_code, resp["Location"]) == (302, "/account/password/"), path
    page = client.get("/account/password/")
    assert page.status_code == 200 and "请先修改" in page.content.decode()
    resp = client.post(
        "/account/password/",
        {"old_password": GOOD, "new_password1": "Xinmima2027abc", "new_password2": "Xinmima2027abc"},
    )
    assert resp.status_code == 302
    user = User.objects.get(username="newclerk")
    assert user.must_change_password is False and user.check_password("Xinmima2027abc")
    assert client.get("/unit/").status_code == 200  # still signed in, now free to work
    assert [e["user"].username for e in security_events if e["kind"] == "password_changed"] == ["newclerk"]


def test_sign_out_stays_possible_while_the_change_is_due(world: World) -> None:
    assert world.api(world.office).post("/users", new_user_body(world)).status == 201
    client = page_client("newclerk", GOOD)
    assert client.post("/logout/")["Location"] == "/"
    assert client.get("/unit/")["Location"].startswith("/login/")


def test_api_refuses_everything_but_the_change_until_it_is_done(world: World) -> None:
    assert world.api(world.office).post("/users", new_user_body(world)).status == 201
    api = api_with(token_for("newclerk", GOOD))
    for resp in (api.get("/me"), api.get("/proposals"), api.post("/proposals", {})):
        assert (resp.status, resp.error_code) == (403, "password_change_required"), resp.data
    resp = api.post("/auth/password", {"old_password": GOOD, "new_password": "Xinmima2027abc"})
    assert resp.status == 200, resp.data
    fresh = api_with(resp.data["token"])
    assert fresh.get("/me").data["username"] == "newclerk"
    assert not User.objects.get(username="newclerk").must_change_password


def test_api_sign_out_allowed_while_the_change_is_due(world: World) -> None:
    assert world.api(world.office).post("/users", new_user_body(world)).status == 201
    api = api_with(token_for("newclerk", GOOD))
    resp = api.client.delete("/api/v1/auth/token", headers=api.headers)
    assert resp.status_code == 204
    assert not ApiToken.objects.filter(user__username="newclerk").exists()


def test_office_reset_sets_a_checked_password_that_must_be_changed(world: World) -> None:
    office = world.api(world.office)
    weak = office.post(f"/users/{world.jyj_handler.pk}/password", {"new_password": "12345678"})
    assert weak.status == 400 and "太短" in weak.data["error"]["message"]
    resp = office.post(f"/users/{world.jyj_handler.pk}/password", {"new_password": GOOD})
    assert resp.status == 200, resp.data
    assert User.objects.get(pk=world.jyj_handler.pk).must_change_password
    reset = api_with(token_for("jyj_handler", GOOD)).get("/me")
    assert reset.error_code == "password_change_required"


def test_only_the_office_of_the_users_jurisdiction_resets(world: World) -> None:
    resp = world.api(world.county_office).post(f"/users/{world.jyj_handler.pk}/password", {"new_password": GOOD})
    assert resp.status == 403
    resp = world.api(world.jyj_head).post(f"/users/{world.jyj_handler.pk}/password", {"new_password": GOOD})
    assert resp.status == 403
    assert User.objects.get(pk=world.jyj_handler.pk).check_password("demo-2026")


# ---- hole 13b: the SM3 hasher --------------------------------------------------------------------


def test_sm3_known_answer() -> None:
    # GB/T 32905-2016, example 1.
    assert hashlib.new("sm3", b"abc").hexdigest() == (
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    )


def test_hasher_is_pbkdf2_over_hmac_sm3() -> None:
    encoded = FastSM3Hasher().encode("Qingshui2026", "somesalt")
    algorithm, iterations, salt, b64 = encoded.split("$")
    # PBKDF2 by hand (RFC 8018), one block, with HMAC-SM3.
    u = hmac.new(b"Qingshui2026", b"somesalt" + b"\x00\x00\x00\x01", "sm3").digest()
    block = u
    for _ in range(int(iterations) - 1):
        u = hmac.new(b"Qingshui2026", u, "sm3").digest()
        block = bytes(a ^ b for a, b in zip(block, u, strict=True))
    assert (algorithm, salt) == ("pbkdf2_sm3", "somesalt")
    assert base64.b64decode(b64) == block
    assert FastSM3Hasher().verify("Qingshui2026", encoded) and not FastSM3Hasher().verify("qingshui2026", encoded)


def test_user_created_under_sm3_has_an_sm3_hash_and_signs_in(world: World, settings: Any) -> None:
    settings.PASSWORD_HASHERS = SM3_FIRST
    assert world.api(world.office).post("/users", new_user_body(world)).status == 201
    assert User.objects.get(username="newclerk").password.startswith("pbkdf2_sm3$3$")
    assert Api().post("/auth/token", {"username": "newclerk", "password": GOOD}).status == 200
    assert Api().post("/auth/token", {"username": "newclerk", "password": GOOD + "x"}).status == 401


def test_old_pbkdf2_hash_is_upgraded_to_sm3_at_the_next_sign_in(world: World, settings: Any) -> None:
    settings.PASSWORD_HASHERS = SM3_FIRST
    User.objects.filter(pk=world.mayor.pk).update(password=make_password(GOOD, hasher=FastPBKDF2Hasher()))
    assert User.objects.get(pk=world.mayor.pk).password.startswith("pbkdf2_sha256$")
    page_client("mayor", GOOD)
    assert User.objects.get(pk=world.mayor.pk).password.startswith("pbkdf2_sm3$")
    page_client("mayor", GOOD)  # and the new hash verifies


def test_password_hasher_setting_selects_sm3() -> None:
    sm3 = "organisation.hashers.PBKDF2SM3PasswordHasher"
    chosen = read_settings({"PASSWORD_HASHER": "sm3"})["PASSWORD_HASHERS"]
    assert chosen[:2] == [sm3, "django.contrib.auth.hashers.PBKDF2PasswordHasher"], chosen
    # By default SM3 hashes still verify (listed last), so switching back does not lock anyone out.
    default = read_settings({"PASSWORD_HASHER": "pbkdf2"})["PASSWORD_HASHERS"]
    assert default[0] == "django.contrib.auth.hashers.PBKDF2PasswordHasher" and sm3 in default


def test_unknown_password_hasher_setting_fails_at_start() -> None:
    with pytest.raises(ValueError, match="PASSWORD_HASHER"):
        read_settings({"PASSWORD_HASHER": "md4"})
