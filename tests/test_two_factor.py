"""Two-factor sign-in (TOTP, django-otp) as a staff member and a password thief would meet it
(issue 7, hole 13a): enrol on the page with a QR code, then sign in with password and code on the
page and the API; a wrong code is refused and counts towards the lock-out; a role may be required
to use it. Codes are computed from the device's secret at a time fixed with time-machine.
"""

from __future__ import annotations

from base64 import b32encode
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import Api, World
from organisation.models import Role, User

START = "2026-03-02 09:00 +0800"


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def code_now(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    return f"{(int(code_now(device)) + 1) % 10**6:06d}"


def signed_in(username: str, password: str = "demo-2026") -> Client:
    client = Client()
    assert client.post("/login/", {"username": username, "password": password}).status_code == 302
    return client


def enrol(user: User, clock: Any) -> TOTPDevice:
    """Enrol through the page as the user would; leaves the clock on the next 30-second step."""
    client = signed_in(user.username)
    page = client.get("/account/two-factor/")
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert client.post("/account/two-factor/", {"action": "confirm", "code": code_now(device)}).status_code == 302
    clock.shift(31)  # a code is accepted once: the next step brings a new one
    return TOTPDevice.objects.get(user=user, confirmed=True)


def token_call(username: str, otp: str | None = None, password: str = "demo-2026") -> Any:
    body = {"username": username, "password": password}
    if otp is not None:
        body["otp"] = otp
    return Api().post("/auth/token", body)


# ---- enrolment ------------------------------------------------------------------------------------


def test_enrolment_page_shows_secret_and_inline_qr_and_needs_a_right_first_code(
    world: World, clock: Any, security_events: list[dict[str, Any]]
) -> None:
    client = signed_in("office")
    page = client.get("/account/two-factor/")
    text = page.content.decode()
    device = TOTPDevice.objects.get(user=world.office, confirmed=False)
    assert "<svg" in text and "<img" not in text.split("<main", 1)[1]  # drawn here, no image service
    assert code_now(device) not in text
    assert b32encode(device.bin_key).decode() in text
    wrong = client.post("/account/two-factor/", {"action": "confirm", "code": wrong_code(device)})
    assert wrong.status_code == 400 and "验证码不正确" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=world.office, confirmed=True).exists()
    clock.shift(2)  # django-otp waits a second after a wrong code
    ok = client.post("/account/two-factor/", {"action": "confirm", "code": code_now(device)})
    assert ok.status_code == 302
    assert TOTPDevice.objects.filter(user=world.office, confirmed=True).count() == 1
    assert [(e["data"]["step"], e["outcome"]) for e in security_events if e["kind"] == "otp"] == [
        ("enrol", "failure"),
        ("enrol", "success"),
    ]


def test_two_factor_page_linked_for_staff(world: World) -> None:
    assert 'href="/account/two-factor/"' in signed_in("office").get("/office/").content.decode()


def test_disabling_needs_a_code(world: World, clock: Any) -> None:
    device = enrol(world.office, clock)
    client = Client()
    client.post("/login/", {"username": "office", "password": "demo-2026"})
    client.post("/login/code/", {"code": code_now(device)})
    clock.shift(31)
    refused = client.post("/account/two-factor/", {"action": "disable", "code": wrong_code(device)})
    assert refused.status_code == 400
    clock.shift(31)
    device.refresh_from_db()
    assert client.post("/account/two-factor/", {"action": "disable", "code": code_now(device)}).status_code == 302
    assert not TOTPDevice.objects.filter(user=world.office).exists()


# ---- signing in on the pages ----------------------------------------------------------------------


def test_page_sign_in_asks_for_the_code_after_the_password(
    world: World, clock: Any, security_events: list[dict[str, Any]]
) -> None:
    device = enrol(world.office, clock)
    client = Client()
    resp = client.post("/login/", {"username": "office", "password": "demo-2026"})
    assert resp["Location"] == "/login/code/"
    assert client.get("/office/")["Location"].startswith("/login/")  # not signed in yet
    assert "动态验证码" in client.get("/login/code/").content.decode()
    wrong = client.post("/login/code/", {"code": wrong_code(device)})
    assert wrong.status_code == 400
    assert client.get("/office/")["Location"].startswith("/login/")
    assert AccessAttempt.objects.filter(username="office").get().failures_since_start == 1
    clock.shift(2)
    ok = client.post("/login/code/", {"code": code_now(device)})
    assert ok["Location"] == "/office/"
    assert client.get("/office/").status_code == 200
    otp_events = [(e["data"]["step"], e["outcome"]) for e in security_events if e["kind"] == "otp"]
    assert otp_events[-2:] == [("sign_in", "failure"), ("sign_in", "success")]


def test_the_code_step_cannot_be_skipped_or_entered_without_the_password(world: World, clock: Any) -> None:
    device = enrol(world.office, clock)
    client = Client()
    assert client.post("/login/code/", {"code": code_now(device)})["Location"] == "/login/"
    assert client.get("/office/")["Location"].startswith("/login/")


def test_wrong_codes_lock_the_account_out(world: World, clock: Any, settings: Any) -> None:
    device = enrol(world.office, clock)
    client = Client()
    client.post("/login/", {"username": "office", "password": "demo-2026"})
    statuses = []
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        statuses.append(client.post("/login/code/", {"code": wrong_code(device)}).status_code)
        clock.shift(40)
    assert statuses[-1] == 429 and set(statuses[:-1]) == {400}
    # locked: even the right code is refused now
    assert client.post("/login/code/", {"code": code_now(device)}).status_code == 429
    assert client.get("/office/")["Location"].startswith("/login/")


def test_the_waiting_step_expires(world: World, clock: Any) -> None:
    device = enrol(world.office, clock)
    client = Client()
    client.post("/login/", {"username": "office", "password": "demo-2026"})
    clock.shift(301)
    assert client.post("/login/code/", {"code": code_now(device)})["Location"] == "/login/"
    assert client.get("/office/")["Location"].startswith("/login/")


# ---- the API --------------------------------------------------------------------------------------


def test_api_token_needs_the_code_once_enrolled(world: World, clock: Any) -> None:
    device = enrol(world.office, clock)
    missing = token_call("office")
    assert (missing.status, missing.error_code) == (401, "otp_required")
    wrong = token_call("office", wrong_code(device))
    assert (wrong.status, wrong.error_code) == (401, "otp_invalid")
    assert AccessAttempt.objects.filter(username="office").get().failures_since_start == 1
    clock.shift(2)
    ok = token_call("office", code_now(device))
    assert ok.status == 200, ok.data
    api = Api()
    api.headers["Authorization"] = f"Bearer {ok.data['token']}"
    assert api.get("/me").data["username"] == "office"
    # the wrong password is still the first answer, code or not
    assert token_call("office", code_now(device), password="nope-2026x").error_code == "unauthenticated"


def test_api_token_without_a_device_needs_no_code(world: World) -> None:
    assert token_call("office").status == 200


# ---- required per role ----------------------------------------------------------------------------


def test_required_role_without_device_must_enrol_first(world: World, clock: Any, settings: Any) -> None:
    settings.OTP_REQUIRED_ROLES = frozenset({Role.OFFICE_STAFF})
    refused = token_call("office")
    assert (refused.status, refused.error_code) == (403, "otp_enrolment_required")
    assert token_call("cppcc").status == 200  # other roles unaffected
    client = signed_in("office")
    for path in ("/", "/office/", "/proposals/", "/account/password/"):
        assert client.get(path)["Location"] == "/account/two-factor/", path
    page = client.get("/account/two-factor/")
    assert page.status_code == 200 and "须使用双因素认证" in page.content.decode()
    # an old session cookie on the API is held back too
    assert client.get("/api/v1/me").status_code == 403
    device = TOTPDevice.objects.get(user=world.office, confirmed=False)
    assert client.post("/account/two-factor/", {"action": "confirm", "code": code_now(device)}).status_code == 302
    assert client.get("/office/").status_code == 200
    clock.shift(31)
    device.refresh_from_db()
    assert token_call("office", code_now(device)).status == 200


def test_required_role_may_not_disable(world: World, clock: Any, settings: Any) -> None:
    device = enrol(world.office, clock)
    settings.OTP_REQUIRED_ROLES = frozenset({Role.OFFICE_STAFF})
    client = Client()
    client.post("/login/", {"username": "office", "password": "demo-2026"})
    client.post("/login/code/", {"code": code_now(device)})
    clock.shift(31)
    device.refresh_from_db()
    resp = client.post("/account/two-factor/", {"action": "disable", "code": code_now(device)})
    assert resp.status_code == 400 and "不能停用" in resp.content.decode()
    assert TOTPDevice.objects.filter(user=world.office, confirmed=True).exists()
