"""Users choose their channels on /account/notifications/; the office may take one digest a day instead
of an e-mail per message, sent once per day by the worker."""

from __future__ import annotations

from typing import Any

import time_machine
from django.db import transaction
from django.test import Client

from conftest import World
from notifications.delivery import notify
from notifications.models import Channel, ChannelPreference, Delivery, Notification, Outcome
from notifications.outbox import send_due_deliveries
from notifications.preferences import chosen
from notifications.tests.conftest import SITE, Gateway, Mailbox
from organisation.models import User
from worker.runner import Worker

OFFICE_MAIL = "office@example.gov.cn"


def page(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def channels(user: User) -> list[str]:
    return sorted(Delivery.objects.filter(user=user).values_list("channel", flat=True))


def tell(user: User, text: str, **ids: Any) -> None:
    with transaction.atomic():
        notify([user], text, **ids)


def run_scans(at: str) -> dict[str, int]:
    with time_machine.travel(at, tick=False):
        return Worker(scan_interval=600).run_scans()


def test_the_page_shows_and_saves_the_choice(world: World, channels_on: tuple[Mailbox, Gateway]) -> None:
    user = world.jyj_handler
    user.email, user.phone = "h@example.gov.cn", "13912345678"
    user.save()
    client = page(user)
    resp = client.get("/account/notifications/")
    html = resp.content.decode()
    assert resp.status_code == 200
    assert "消息接收方式" in html and "发往 h@example.gov.cn" in html and "发往 13912345678" in html
    assert 'name="email" checked' in html and 'name="sms">' in html  # defaults: e-mail on, SMS off
    assert 'name="digest"' not in html  # a unit's staff get no digest
    resp = client.post("/account/notifications/", {"sms": "on"})
    assert resp.status_code == 302
    assert (chosen(user).email, chosen(user).sms, chosen(user).digest) == (False, True, False)

    tell(user, "提案已交办。")
    assert channels(user) == ["sms"]  # e-mail turned off: no e-mail row
    client.post("/account/notifications/", {"email": "on", "digest": "on"})
    assert ChannelPreference.objects.get(user=user).digest is False  # not for a unit's staff
    html = client.get("/account/notifications/").content.decode()
    assert "最近的投递" in html and "提案已交办。" in html and "待发送" in html


def test_a_channel_turned_off_before_the_worker_came_is_skipped(
    world: World, channels_on: tuple[Mailbox, Gateway]
) -> None:
    mailbox, gateway = channels_on
    user = world.member1
    user.email, user.phone = "m@example.com", "13800000001"
    user.save()
    tell(user, "您的提案已答复。")
    assert channels(user) == ["email", "sms"]  # a member's defaults: both
    page(user).post("/account/notifications/", {"email": "on"})  # SMS off, before the worker runs
    assert send_due_deliveries() == 2
    assert len(mailbox.to("m@example.com")) == 1 and gateway.received == []
    sms = Delivery.objects.get(user=user, channel=Channel.SMS)
    assert sms.outcome == Outcome.SKIPPED and "关闭短信" in sms.last_error


def test_nothing_beyond_the_inbox_without_an_address_or_with_email_off(world: World, settings: Any) -> None:
    from notifications.mail_url import mailers_from_url

    settings.EMAIL_URL = ""
    settings.MAILERS = mailers_from_url("")
    world.jyj_handler.email = "h@example.gov.cn"
    world.jyj_handler.save()
    tell(world.jyj_handler, "提案已交办。")
    tell(world.member1, "提案已交办。")  # SMS by default, but no phone on record
    assert Notification.objects.filter(user__in=[world.jyj_handler, world.member1]).count() == 2
    assert not Delivery.objects.exists()


def test_the_office_digest_goes_out_once_a_day(world: World, channels_on: tuple[Mailbox, Gateway]) -> None:
    mailbox, _ = channels_on
    office = world.office
    office.email = OFFICE_MAIL
    office.save()
    other = User.objects.create(username="office2", role="office_staff", name="督查室李科员", email="o2@example.gov.cn",
                                jurisdiction=world.city)  # fmt: skip
    page(other).post("/account/notifications/", {"email": "on"})  # chose single e-mails instead
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False):
        tell(office, "示例市教育局申请延期，请审批。", assignment_id=None)
        tell(office, "第12号提案已答复。")
        tell(office, "第13号提案已答复。")
        Notification.objects.filter(user=office, text="第13号提案已答复。").update(read_at="2026-03-02T02:00Z")
        tell(other, "第12号提案已答复。")
    # The digest user gets no single e-mails; the other office user does.
    assert channels(office) == [] and channels(other) == ["email"]
    assert run_scans("2026-03-02 16:59 +0800")["digests"] == 0  # before DIGEST_HOUR
    assert mailbox.to(OFFICE_MAIL) == [] and len(mailbox.to("o2@example.gov.cn")) == 1

    assert run_scans("2026-03-02 17:10 +0800")["digests"] == 1
    assert run_scans("2026-03-02 17:20 +0800")["digests"] == 0  # once a day
    assert run_scans("2026-03-02 23:50 +0800")["digests"] == 0
    [digest] = mailbox.to(OFFICE_MAIL)
    assert str(digest["Subject"]) == "【提案办理】3月2日17时消息汇总（2 条未读）"
    body = digest.get_content().replace("\r\n", "\n")
    assert "1. 示例市教育局申请延期，请审批。" in body and "2. 第12号提案已答复。" in body
    assert "第13号提案已答复。" not in body  # read already
    assert f"全部消息：{SITE}/notifications/" in body
    row = Delivery.objects.get(user=office, channel=Channel.DIGEST)
    assert (row.outcome, str(row.day), row.attempts) == (Outcome.SENT, "2026-03-02", 1)

    # The next day: only what came since yesterday's digest hour, and only once.
    with time_machine.travel("2026-03-02 18:00 +0800", tick=False):
        tell(office, "第14号提案已答复。")
    assert run_scans("2026-03-03 08:00 +0800")["digests"] == 0
    assert run_scans("2026-03-03 17:00 +0800")["digests"] == 1
    assert run_scans("2026-03-03 17:30 +0800")["digests"] == 0
    assert len(mailbox.to(OFFICE_MAIL)) == 2
    second = mailbox.to(OFFICE_MAIL)[1].get_content()
    assert "第14号提案已答复。" in second and "第12号提案已答复。" not in second

    # A day with nothing unread sends nothing.
    assert run_scans("2026-03-04 17:30 +0800")["digests"] == 0
    assert len(mailbox.to(OFFICE_MAIL)) == 2


def test_the_console_lists_deliveries_read_only(world: World, channels_on: tuple[Mailbox, Gateway]) -> None:
    world.member1.phone = "13800000001"
    world.member1.save()
    tell(world.member1, "您的提案已交办。")
    client = page(world.admin)
    resp = client.get("/admin/notifications/delivery/")
    assert resp.status_code == 200 and "短信" in resp.content.decode() and "待发送" in resp.content.decode()
    d = Delivery.objects.get()
    assert client.post(f"/admin/notifications/delivery/{d.pk}/delete/", {"post": "yes"}).status_code == 403
