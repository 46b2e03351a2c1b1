"""EMAIL_URL, the one setting for e-mail, mapped onto Django 6.1's MAILERS; SMS_URL picks the gateway."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import read_settings
from notifications.mail_url import OFF_BACKEND, SMTP_BACKEND, mailers_from_url
from notifications.sms import HttpGateway, LoggingGateway, gateway


def options(url: str) -> dict[str, Any]:
    mailer = mailers_from_url(url)["default"]
    assert mailer["BACKEND"] == SMTP_BACKEND
    return dict(mailer["OPTIONS"])


def test_plain_smtp_with_a_login() -> None:
    assert options("smtp://banli%40example.gov.cn:p%40ss%3Aword@mail.example.gov.cn:2525") == {
        "host": "mail.example.gov.cn",
        "port": 2525,
        "use_tls": False,
        "use_ssl": False,
        "timeout": 10.0,
        "username": "banli@example.gov.cn",
        "password": "p@ss:word",
    }


def test_plain_smtp_without_a_login_defaults_to_port_25() -> None:
    got = options("smtp://relay.intranet")
    assert (got["host"], got["port"], got["use_tls"], got["use_ssl"]) == ("relay.intranet", 25, False, False)
    assert "username" not in got and "password" not in got


def test_smtps_is_implicit_tls_on_465() -> None:
    got = options("smtps://u:p@smtp.exmail.qq.com")
    assert (got["port"], got["use_ssl"], got["use_tls"]) == (465, True, False)
    assert options("smtps://u:p@smtp.example.com:994")["port"] == 994


def test_starttls_on_587_and_a_timeout() -> None:
    got = options("smtp+starttls://u:p@smtp.example.com?timeout=3")
    assert (got["port"], got["use_tls"], got["use_ssl"], got["timeout"]) == (587, True, False, 3.0)


def test_unset_is_email_off() -> None:
    assert mailers_from_url("") == {"default": {"BACKEND": OFF_BACKEND}}


@pytest.mark.parametrize("url", ["http://mail.example.com", "smtp://", "mailto:a@b.c"])
def test_a_wrong_url_stops_the_start(url: str) -> None:
    with pytest.raises(ValueError, match="EMAIL_URL"):
        mailers_from_url(url)


def test_the_settings_read_the_environment() -> None:
    on = read_settings({"EMAIL_URL": "smtps://u:p@mail.example.gov.cn", "EMAIL_FROM": "督查室 <dc@example.gov.cn>"})
    assert on["MAILERS"]["default"]["OPTIONS"]["use_ssl"] is True
    assert on["DEFAULT_FROM_EMAIL"] == "督查室 <dc@example.gov.cn>"
    off = read_settings({"EMAIL_URL": "", "SMS_URL": "", "SITE_URL": ""})
    assert off["MAILERS"] == {"default": {"BACKEND": OFF_BACKEND}}
    default = read_settings({}, replace=True)
    assert default["SITE_URL"] == "http://127.0.0.1:8000" and default["SMS_URL"] == ""
    assert default["MAILERS"] == {"default": {"BACKEND": OFF_BACKEND}}


def test_email_off_drops_mail_without_a_server(settings: Any, caplog: pytest.LogCaptureFixture) -> None:
    from django.core.mail import EmailMessage

    settings.MAILERS = mailers_from_url("")
    with caplog.at_level("INFO", logger="notifications"):
        assert EmailMessage("主题", "正文", "a@b.c", ["x@y.z"]).send(using="default") == 0
    assert "邮件未配置" in caplog.text


def test_sms_url_picks_the_http_gateway(settings: Any) -> None:
    settings.SMS_URL = ""
    assert isinstance(gateway(), LoggingGateway)
    settings.SMS_URL = "https://sms.example.gov.cn/send?token=abc"
    got = gateway()
    assert isinstance(got, HttpGateway) and got.url == "https://sms.example.gov.cn/send?token=abc"
    with pytest.raises(ValueError):
        HttpGateway("ftp://x")
