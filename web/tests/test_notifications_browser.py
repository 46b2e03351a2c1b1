"""A member and an office clerk on their message page /account/notifications/ in Chromium, at 1280 and 375 px:
the unread count (on the page and on the bell), opening a message from the inbox marks it read and the count
drops, and the channels chosen there (e-mail, SMS, the office's daily digest) are what is stored.

Screenshots: test-output/screenshots/notifications-member-1280.png, notifications-member-375.png,
notifications-office-1280.png, notifications-office-375.png.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from conftest import file_proposal
from notifications.delivery import notify
from notifications.mail_url import mailers_from_url
from notifications.models import ChannelPreference, Delivery, Notification
from notifications.outbox import queue_digests
from notifications.preferences import Channels, chosen
from organisation.models import User

from .conftest import DESKTOP, PHONE, go
from .helpers import look

PAGE = "/account/notifications/"


def mail_on(settings: Any) -> None:
    """E-mail configured (nothing is sent: no worker runs in these tests)."""
    settings.EMAIL_URL = "smtp://127.0.0.1:2525"
    settings.MAILERS = mailers_from_url(settings.EMAIL_URL)


def three_messages(world: Any, user: User, email: str, phone: str) -> list[Notification]:
    user.email, user.phone = email, phone
    user.save()
    proposal = file_proposal(world)
    with transaction.atomic():
        for text in ("您的提案已交办。", "承办单位已签收。", "承办单位已答复，请评价。"):
            notify([user], f"第{proposal['number']}号提案：{text}", proposal_id=proposal["id"])
    return list(Notification.objects.filter(user=user).order_by("pk"))


def unread_on_page(page: Any) -> str:
    return " ".join(page.locator("#inbox-summary").inner_text().split())


def bell(page: Any) -> str:
    return page.locator(".nav-account a[href='/notifications/'] .badge").inner_text()


def read_one(page: Any, user: User, messages: list[Notification]) -> None:
    """From the page's summary to the inbox, open the newest message: it is read, the counts drop."""
    go(page, PAGE)
    assert unread_on_page(page) == "站内消息：3 条未读 查看消息"
    assert bell(page) == "3"
    page.locator("#inbox-summary").get_by_role("link", name="查看消息").click()
    page.wait_for_url(lambda url: "/notifications/" in url and "/account/" not in url)
    items = page.locator("main .list-group-item")
    assert items.count() == 3 and all("未读" in items.nth(i).inner_text() for i in range(3))
    newest = messages[-1]
    items.get_by_role("link", name=newest.text).click()
    page.wait_for_url(lambda url: "/notifications/" not in url)
    go(page, PAGE)
    assert unread_on_page(page) == "站内消息：2 条未读 查看消息"
    assert bell(page) == "2"
    newest.refresh_from_db()
    assert newest.read_at is not None
    assert Notification.objects.filter(user=user, read_at__isnull=True).count() == 2
    # the same through the API the phone app uses
    data = user_api(user).get("/notifications").data
    assert sorted(n["id"] for n in data["items"] if n["read_at"] is None) == [m.pk for m in messages[:2]]


def recent(page: Any) -> list[str]:
    """The page's recent deliveries: what, by which channel, in which state (the time left out)."""
    items = page.locator("[aria-labelledby=recent-deliveries] li").all_inner_texts()
    return [" ".join(re.sub(r" · \d{4}年.*$", "", t.replace("\n", " ")).split()) for t in items]


def digest_day() -> date:
    """The day whose digest hour comes next: today before DIGEST_HOUR, else tomorrow."""
    now = timezone.localtime()
    return now.date() if now.hour < settings.DIGEST_HOUR else now.date() + timedelta(days=1)


def digest_time(day: date) -> datetime:
    """Half an hour after that day's digest hour: its window holds the messages just written."""
    return timezone.make_aware(datetime.combine(day, time(settings.DIGEST_HOUR, 30)))


def user_api(user: User) -> Any:
    from conftest import Api

    return Api(user)


def box(page: Any, name: str) -> Any:
    return page.get_by_role("checkbox", name=name, exact=False)


def save(page: Any) -> None:
    page.get_by_role("button", name="保存").click()
    page.get_by_text("消息接收方式已保存。").wait_for()


def test_a_member_reads_a_message_and_turns_sms_off(bworld: Any, open_page: Any, settings: Any) -> None:
    mail_on(settings)
    member = bworld.member1
    messages = three_messages(bworld, member, "m1@example.com", "138-0000-0001")
    assert Delivery.objects.filter(user=member).count() == 6  # a member's defaults: e-mail and SMS

    page = open_page(member, DESKTOP, PAGE)
    read_one(page, member, messages)
    assert page.get_by_role("heading", name="消息接收方式").is_visible()
    assert box(page, "电子邮件").is_checked() and box(page, "短信").is_checked()
    assert box(page, "每日汇总").count() == 0  # the digest is the office's
    assert "发往 m1@example.com" in page.content() and "发往 13800000001" in page.content()
    newest_first = [f"{m.text} {channel} · 待发送" for m in reversed(messages) for channel in ("短信", "电子邮件")]
    assert recent(page) == newest_first
    box(page, "短信").uncheck()
    save(page)
    assert box(page, "电子邮件").is_checked() and not box(page, "短信").is_checked()
    assert chosen(member) == Channels(email=True, sms=False, digest=False)
    pref = ChannelPreference.objects.get(user=member)
    assert (pref.email, pref.sms, pref.digest) == (True, False, False)
    look(page, "notifications-member")

    phone = open_page(member, PHONE, PAGE)
    assert unread_on_page(phone) == "站内消息：2 条未读 查看消息"
    look(phone, "notifications-member")  # axe, and no sideways scrolling at 375 px


def test_an_office_clerk_takes_the_digest_or_single_mails_and_sms(bworld: Any, open_page: Any, settings: Any) -> None:
    mail_on(settings)
    office = bworld.office
    messages = three_messages(bworld, office, "office@example.gov.cn", "13912345678")
    assert Delivery.objects.filter(user=office).count() == 0  # the digest instead of single e-mails, no SMS
    day = digest_day()
    assert queue_digests(digest_time(day)) == 1  # the day's digest, waiting for the worker

    page = open_page(office, DESKTOP, PAGE)
    read_one(page, office, messages)
    assert box(page, "电子邮件").is_checked() and box(page, "每日汇总").is_checked()
    assert not box(page, "短信").is_checked()
    assert recent(page) == [f"{day.year}年{day.month}月{day.day}日的每日汇总 每日汇总邮件 · 待发送"]

    # single e-mails and SMS instead of the digest
    box(page, "每日汇总").uncheck()
    box(page, "短信").check()
    save(page)
    assert chosen(office) == Channels(email=True, sms=True, digest=False)
    assert not box(page, "每日汇总").is_checked() and box(page, "短信").is_checked()
    look(page, "notifications-office")

    # back to the digest, SMS off again, on the phone
    phone = open_page(office, PHONE, PAGE)
    box(phone, "每日汇总").check()
    box(phone, "短信").uncheck()
    save(phone)
    assert chosen(office) == Channels(email=True, sms=False, digest=True)
    pref = ChannelPreference.objects.get(user=office)
    assert (pref.email, pref.sms, pref.digest) == (True, False, True)
    look(phone, "notifications-office")
