"""The security pages as their users meet them in Chromium: a lock-out and the office lifting it, the
forced first password change, enrolling a second factor and signing in with it, the auditor's log; and
that the session cookie the other browser tests sign in with is the session the sign-in form makes.

Each page is screenshotted (test-output/screenshots/) and checked with axe-core.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEntry
from conftest import assign, file_proposal
from organisation.models import User

from .conftest import DESKTOP, PHONE, go, login
from .helpers import look


def _code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time += steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def _fail_login(page: Any, username: str) -> None:
    """A wrong password, answered (the server is done with it before the test touches the database)."""
    page.goto(page.base + "/login/")
    page.get_by_label("账号").fill(username)
    page.get_by_label("密码").fill("wrong-password-1")
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()


def test_a_locked_account_sees_when_it_opens_and_the_office_unlocks_it(bworld: Any, open_page: Any) -> None:
    page = open_page(None, PHONE)
    for _ in range(5):
        _fail_login(page, "member1")
    page.get_by_role("heading", name="登录已暂时锁定").wait_for()
    look(page, "login-locked-out")
    # even the right password is refused while locked
    page.goto(page.base + "/login/")
    page.get_by_label("账号").fill("member1")
    page.get_by_label("密码").fill("demo-2026")
    page.get_by_role("button", name="登录").click()
    page.get_by_role("heading", name="登录已暂时锁定").wait_for()

    office = open_page(bworld.office, DESKTOP, "/office/lockouts/")
    row = office.get_by_role("row").filter(has_text="member1")
    row.wait_for()
    look(office, "office-lockouts")
    row.get_by_role("button", name="解除锁定").click()
    row.wait_for(state="detached")

    login(page, bworld.url, "member1")
    assert "/my/" in page.url


def test_an_account_set_up_by_the_office_changes_its_password_first(bworld: Any, open_page: Any) -> None:
    User.objects.filter(pk=bworld.member1.pk).update(must_change_password=True)
    page = open_page(None, PHONE)
    login(page, bworld.url, "member1")  # the first sign-in, at the form
    assert page.url.endswith("/account/password/"), page.url
    go(page, "/my/")
    assert page.url.endswith("/account/password/"), "every page leads to the change until it is done"
    page.get_by_label("原密码").fill("demo-2026")
    page.get_by_label("新密码", exact=True).fill("12345678")
    page.get_by_label("再次输入新密码").fill("12345678")
    page.get_by_role("button", name="修改密码").click()
    page.locator(".invalid-feedback").first.wait_for()
    look(page, "password-change-refused")
    page.get_by_label("原密码").fill("demo-2026")
    page.get_by_label("新密码", exact=True).fill("Zhang2026weiyuan")
    page.get_by_label("再次输入新密码").fill("Zhang2026weiyuan")
    page.get_by_role("button", name="修改密码").click()
    page.wait_for_url(lambda url: "/account/password/" not in url)
    assert "/my/" in page.url
    bworld.member1.refresh_from_db()
    assert not bworld.member1.must_change_password


def test_staff_enrol_a_second_factor_and_sign_in_with_it(bworld: Any, open_page: Any) -> None:
    page = open_page(bworld.office, DESKTOP, "/account/two-factor/")
    page.locator("svg").first.wait_for()  # the QR code, drawn on the page itself
    look(page, "two-factor-enrol")
    device = TOTPDevice.objects.get(user=bworld.office, confirmed=False)
    page.get_by_label("6 位动态验证码").fill(_code(device))
    page.get_by_role("button", name="确认绑定").click()
    page.get_by_text("已启用：登录时除密码外").wait_for()

    fresh = open_page(None, DESKTOP)
    fresh.goto(fresh.base + "/login/")
    fresh.get_by_label("账号").fill("office")
    fresh.get_by_label("密码").fill("demo-2026")
    fresh.get_by_role("button", name="登录").click()
    fresh.get_by_role("heading", name="双因素认证").wait_for()
    look(fresh, "login-code")
    code_box = fresh.get_by_role("textbox", name="验证器上的 6 位动态验证码")
    # enrolling may have synchronised the device's drift (a code from the step before): read it back, and
    # give the next step's code, since the one just used to enrol may not be replayed
    device.refresh_from_db()
    code_box.fill(_code(device, steps_ahead=1))
    fresh.get_by_role("button", name="登录").click()
    fresh.wait_for_url(lambda url: "/office/" in url)

    # a wrong code keeps the door shut (django-otp then throttles the device, so this comes last)
    again = open_page(None, DESKTOP)
    again.goto(again.base + "/login/")
    again.get_by_label("账号").fill("office")
    again.get_by_label("密码").fill("demo-2026")
    again.get_by_role("button", name="登录").click()
    device.refresh_from_db()
    wrong = "000000" if _code(device) != "000000" else "111111"
    again.get_by_role("textbox", name="验证器上的 6 位动态验证码").fill(wrong)
    again.get_by_role("button", name="登录").click()
    again.locator(".alert-danger").wait_for()
    assert "/office/" not in again.url


def test_the_auditor_reads_the_security_log(bworld: Any, open_page: Any) -> None:
    auditor = User.objects.create_user("auditor", password="demo-2026", name="审计管理员")
    # a transactional test before this one may have flushed migrate's rows: make the permission if need be
    kind = ContentType.objects.get_for_model(AuditEntry)
    view, _ = Permission.objects.get_or_create(content_type=kind, codename="view_auditentry", defaults={"name": "查看"})
    auditor.user_permissions.add(view)
    anonymous = open_page(None, DESKTOP)
    _fail_login(anonymous, "office")
    page = open_page(auditor, DESKTOP, "/audit/")
    page.get_by_role("heading", name="安全审计").wait_for()
    assert page.get_by_role("row").filter(has_text="office").count() >= 1, "the failed sign-in is listed"
    look(page, "audit-log")
    # the office itself may not read the auditor's log
    office = open_page(bworld.office, DESKTOP)
    response = office.goto(office.base + "/audit/")
    assert response is not None and response.status == 403


def _session_of(page: Any) -> dict[str, Any]:
    key = next(c["value"] for c in page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME)
    return Session.objects.get(session_key=key).get_decoded()


def _as_served(html: str) -> str:
    """A page's HTML without what differs from one load to the next (CSRF tokens, CSP nonces)."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken"', html)
    html = re.sub(r'"X-CSRFToken": ?"[^"]+"', '"X-CSRFToken"', html)
    return re.sub(r' nonce="[^"]*"', "", html)


def test_a_cookie_session_is_the_session_the_form_makes(bworld: Any, open_page: Any) -> None:
    """The other browser tests sign in with ``session_cookie`` instead of the form: the same session keys
    (the verified authenticator included), the same landing page, the same pages as served and as shown."""
    w = bworld
    p = file_proposal(w)
    aid = assign(w, p["id"], [(w.jyj, "lead")])["assignments"][0]["id"]
    device = TOTPDevice.objects.create(user=w.office, name="手机", confirmed=True)
    for user, path in ((w.jyj_handler, f"/assignments/{aid}/"), (w.office, f"/proposals/{p['id']}/")):
        by_form = open_page(None, path="/login/")
        by_form.get_by_label("账号").fill(user.username)
        by_form.get_by_label("密码").fill("demo-2026")
        by_form.get_by_role("button", name="登录").click()
        if user is w.office:  # then the authenticator's code
            by_form.get_by_role("textbox", name="验证器上的 6 位动态验证码").fill(_code(device))
            by_form.get_by_role("button", name="登录").click()
        by_form.wait_for_url(lambda url: "/login/" not in url)
        by_cookie = open_page(user)
        assert by_form.url == by_cookie.url, user.username  # the workbench, where the form lands
        form_session, cookie_session = _session_of(by_form), _session_of(by_cookie)
        assert form_session.keys() == cookie_session.keys(), (form_session, cookie_session)
        assert {k: v for k, v in form_session.items() if k != "last_seen"} == {
            k: v for k, v in cookie_session.items() if k != "last_seen"
        }
        for url in (by_form.url, w.url + path):  # the workbench, then a case page
            served = [_as_served(page.goto(url).text()) for page in (by_form, by_cookie)]
            assert served[0] == served[1], (user.username, url)
            shown = [page.locator("body").inner_text() for page in (by_form, by_cookie)]
            assert shown[0] == shown[1], (user.username, url)
