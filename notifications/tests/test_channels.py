"""A message reaches a real SMTP server and an SMS gateway, sent by the worker: in Chinese, with a link
to the case, once, retried on failure and recorded, as each user chose."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import time_machine
from django.db import transaction
from django.test import Client
from django.utils import timezone

from conftest import World, act, assign, file_proposal
from notifications.delivery import notify
from notifications.models import Channel, Delivery, Notification, Outcome
from notifications.outbox import send_due_deliveries
from notifications.preferences import choose
from notifications.tests.conftest import SITE, Gateway, Mailbox
from worker.runner import Worker

HANDLER_MAIL = "handler@jyj.example.gov.cn"
HANDLER_MOBILE = "13912345678"


def scans() -> dict[str, int]:
    return Worker(scan_interval=600).run_scans()


def reachable(world: World) -> None:
    """The unit's handler with an address and a mobile, SMS chosen on the page (the default is off)."""
    world.jyj_handler.email = HANDLER_MAIL
    world.jyj_handler.phone = "139-1234-5678"
    world.jyj_handler.save()
    client = Client()
    client.force_login(world.jyj_handler)
    resp = client.post("/account/notifications/", {"email": "on", "sms": "on"})
    assert resp.status_code == 302


def assigned(world: World, django_capture_on_commit_callbacks: Any) -> int:
    p = file_proposal(world, title="关于加强中小学课后服务的建议")
    with django_capture_on_commit_callbacks(execute=True):
        lead = assign(world, p["id"], [(world.jyj, "lead")])["assignments"][0]
    return int(lead["id"])


def test_a_reminder_reaches_smtp_and_sms_in_chinese_with_the_link(
    world: World, channels_on: tuple[Mailbox, Gateway], django_capture_on_commit_callbacks: Any
) -> None:
    mailbox, gateway = channels_on
    reachable(world)
    aid = assigned(world, django_capture_on_commit_callbacks)
    act(world, world.office, aid, "remind", {"message": "请于本周内报送答复函。"})
    # Nothing leaves in the request: the rows wait for the worker.
    assert mailbox.messages == [] and gateway.received == []
    pending = Delivery.objects.filter(user=world.jyj_handler, outcome=Outcome.PENDING)
    assert sorted(pending.values_list("channel", flat=True)) == ["email", "email", "sms", "sms"]

    assert scans()["deliveries"] >= 4
    link = f"{SITE}/assignments/{aid}/"
    mails = mailbox.to(HANDLER_MAIL)
    assert len(mails) == 2  # 交办 and 催办
    remind_mail = next(m for m in mails if "催办" in str(m["Subject"]))
    body = remind_mail.get_content().replace("\r\n", "\n")
    assert "请于本周内报送答复函。" in body and "《关于加强中小学课后服务的建议》" in body
    assert f"查看办理情况：{link}\n" in body
    assert str(remind_mail["Subject"]).startswith("【提案办理】催办：")
    assert "duchashi@example.gov.cn" in str(remind_mail["From"])
    assert mailbox.logins and set(mailbox.logins) == {("banli@example.gov.cn", "p@ss word")}
    texts = gateway.to(HANDLER_MOBILE)
    assert len(texts) == 2
    assert any("催办" in t and "请于本周内报送答复函。" in t and t.endswith(f" 详情：{link}") for t in texts)
    assert gateway.paths[0] == "/sms/send?token=t0ken"
    # Recorded: every row sent once, with its time.
    rows = Delivery.objects.filter(user=world.jyj_handler)
    assert {(d.outcome, d.attempts, d.last_error) for d in rows} == {(Outcome.SENT, 1, "")}
    assert all(d.sent_at is not None for d in rows)
    # The unit's leader has no address: the inbox only, no rows.
    assert Notification.objects.filter(user=world.jyj_leader).count() == 2
    assert not Delivery.objects.filter(user=world.jyj_leader).exists()


def test_sent_once_however_often_the_scan_runs(
    world: World, channels_on: tuple[Mailbox, Gateway], django_capture_on_commit_callbacks: Any
) -> None:
    mailbox, gateway = channels_on
    reachable(world)
    assigned(world, django_capture_on_commit_callbacks)
    assert scans()["deliveries"] == 2
    assert scans()["deliveries"] == 0
    assert send_due_deliveries() == 0
    assert len(mailbox.messages) == 1 and len(gateway.received) == 1


def test_a_claimed_row_is_not_sent_by_a_second_worker_until_its_lease_runs_out(
    world: World, channels_on: tuple[Mailbox, Gateway]
) -> None:
    """A worker that claimed a row and died before recording: nobody else sends it while the lease holds;
    then it is tried again (counted as an attempt)."""
    mailbox, gateway = channels_on
    world.office.email = "office@example.gov.cn"
    world.office.save()
    choose(world.office, email=True, sms=False, digest=False)
    with transaction.atomic():
        notify([world.office], "示例消息：提案已交办。")
    d = Delivery.objects.get(user=world.office)
    from notifications.outbox import _claim

    claimed = _claim(timezone.now())
    assert isinstance(claimed, Delivery) and claimed.attempts == 1  # ... and the worker dies here
    assert send_due_deliveries() == 0
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        assert send_due_deliveries() == 1
    d.refresh_from_db()
    assert (d.outcome, d.attempts) == (Outcome.SENT, 2)
    assert len(mailbox.messages) == 1


def test_failures_are_retried_with_a_pause_and_recorded(
    world: World, channels_on: tuple[Mailbox, Gateway], settings: Any
) -> None:
    mailbox, gateway = channels_on
    settings.DELIVERY_MAX_ATTEMPTS = 3
    world.member1.email = "member1@example.com"
    world.member1.phone = "13800000001"
    world.member1.save()
    mailbox.refuse = 5  # the mail server refuses every try
    gateway.fail = 1  # the gateway fails once, then takes it
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        with transaction.atomic():
            notify([world.member1], "您的提案已答复，请评价办理结果。")
        assert send_due_deliveries() == 2
    mail = Delivery.objects.get(user=world.member1, channel=Channel.EMAIL)
    sms = Delivery.objects.get(user=world.member1, channel=Channel.SMS)
    for d in (mail, sms):
        d.refresh_from_db()
        assert d.outcome == Outcome.PENDING and d.attempts == 1
        assert d.next_attempt_at == start + timedelta(minutes=1)
    assert "451" in mail.last_error
    assert "503" in sms.last_error
    # Not before the pause is over.
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        assert send_due_deliveries() == 0
    with time_machine.travel(start + timedelta(minutes=1), tick=False):
        assert send_due_deliveries() == 2
    sms.refresh_from_db()
    assert (sms.outcome, sms.attempts, sms.last_error) == (Outcome.SENT, 2, "")
    assert gateway.to("13800000001") == [f"【提案办理】您的提案已答复，请评价办理结果。 详情：{SITE}/notifications/"]
    mail.refresh_from_db()
    assert (mail.outcome, mail.attempts) == (Outcome.PENDING, 2)
    assert mail.next_attempt_at == start + timedelta(minutes=1 + 4)
    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        assert send_due_deliveries() == 1
    mail.refresh_from_db()
    assert (mail.outcome, mail.attempts) == (Outcome.FAILED, 3)
    assert "451" in mail.last_error
    with time_machine.travel(start + timedelta(days=1), tick=False):
        assert send_due_deliveries() == 0  # given up: no fourth try
    assert mailbox.messages == []


def test_a_dead_server_is_a_recorded_failure(world: World, settings: Any) -> None:
    from notifications.mail_url import mailers_from_url
    from notifications.tests.conftest import free_port

    settings.EMAIL_URL = f"smtp://127.0.0.1:{free_port()}?timeout=2"  # nothing listens there
    settings.MAILERS = mailers_from_url(settings.EMAIL_URL)
    world.office.email = "office@example.gov.cn"
    world.office.save()
    choose(world.office, email=True, sms=False, digest=False)
    with transaction.atomic():
        notify([world.office], "示例消息。")
    assert send_due_deliveries() == 1
    d = Delivery.objects.get(user=world.office)
    assert (d.outcome, d.attempts) == (Outcome.PENDING, 1)
    assert "ConnectionRefused" in d.last_error


def test_a_members_message_links_to_their_own_page(world: World, channels_on: tuple[Mailbox, Gateway]) -> None:
    mailbox, gateway = channels_on
    p = file_proposal(world)
    world.member1.phone = "+86 138 0000 0001"
    world.member1.save()
    with transaction.atomic():
        notify([world.member1], "您的提案已交办。", proposal_id=p["id"])
    # A member gets SMS by default (no address: no e-mail).
    assert list(Delivery.objects.filter(user=world.member1).values_list("channel", flat=True)) == ["sms"]
    send_due_deliveries()
    assert gateway.to("13800000001") == [f"【提案办理】您的提案已交办。 详情：{SITE}/my/{p['id']}/"]
