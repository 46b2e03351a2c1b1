"""``manage.py housekeeping`` and its parts prune what only grows: Idempotency-Key records older than
IDEMPOTENCY_KEEP_DAYS, expired API tokens, messages read more than READ_NOTIFICATIONS_KEEP_DAYS ago
(unread ones stay); ``--dry-run`` counts and deletes nothing."""

from __future__ import annotations

from datetime import datetime
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command

from api.models import IdempotencyRecord
from conftest import World
from notifications.models import Notification
from organisation.models import ApiToken

START = "2026-03-02 09:00 +0800"


def at(moment: str) -> datetime:
    return datetime.fromisoformat(moment)


@pytest.fixture
def aged(world: World, settings: Any) -> dict[str, Any]:
    """Rows of every age, made on 2 March; the clean-up then runs on 1 June (91 days later)."""
    settings.IDEMPOTENCY_KEEP_DAYS = 7
    settings.READ_NOTIFICATIONS_KEEP_DAYS = 90
    user = world.jyj_handler
    with time_machine.travel(START, tick=False) as clock:
        old_key = IdempotencyRecord.objects.create(user=user, key="old", fingerprint="f")
        old_token = ApiToken.objects.create(user=user, key_hash="a" * 64)  # 91 days: past API_TOKEN_MAX_DAYS
        read_long_ago = Notification.objects.create(user=user, text="早已阅读", read_at=at("2026-03-02T10:00+08:00"))
        unread = Notification.objects.create(user=user, text="从未阅读")
        clock.move_to("2026-05-30 09:00 +0800")
        fresh_key = IdempotencyRecord.objects.create(user=user, key="fresh", fingerprint="f")
        fresh_token = ApiToken.objects.create(user=user, key_hash="b" * 64)
        read_lately = Notification.objects.create(user=user, text="刚读过", read_at=at("2026-05-30T10:00+08:00"))
    return {
        "keys": (old_key, fresh_key),
        "tokens": (old_token, fresh_token),
        "notifications": (read_long_ago, unread, read_lately),
    }


def run(*args: str) -> str:
    out = StringIO()
    with time_machine.travel("2026-06-01 09:00 +0800", tick=False):
        call_command(*args, stdout=out)
    return out.getvalue()


def test_housekeeping_prunes_each_table_by_its_age(aged: dict[str, Any]) -> None:
    old_key, fresh_key = aged["keys"]
    old_token, fresh_token = aged["tokens"]
    read_long_ago, unread, read_lately = aged["notifications"]

    out = run("housekeeping")

    assert "已删除 1 个过期令牌。" in out
    assert "已删除 1 条超过 7 天的幂等记录。" in out
    assert "已删除 1 条阅读已超过 90 天的消息。" in out
    assert list(IdempotencyRecord.objects.order_by("pk")) == [fresh_key]
    assert list(ApiToken.objects.filter(pk__in=[old_token.pk, fresh_token.pk])) == [fresh_token]
    assert list(Notification.objects.order_by("pk")) == [unread, read_lately]


def test_a_dry_run_counts_and_deletes_nothing(aged: dict[str, Any]) -> None:
    before = (IdempotencyRecord.objects.count(), ApiToken.objects.count(), Notification.objects.count())

    out = run("housekeeping", "--dry-run")

    assert "试运行：将删除 1 个过期令牌（未删除）。" in out
    assert "试运行：将删除 1 条超过 7 天的幂等记录（未删除）。" in out
    assert "试运行：将删除 1 条阅读已超过 90 天的消息（未删除）。" in out
    assert before == (IdempotencyRecord.objects.count(), ApiToken.objects.count(), Notification.objects.count())


def test_each_part_runs_alone_with_its_own_age(aged: dict[str, Any]) -> None:
    read_long_ago, unread, read_lately = aged["notifications"]
    old_key, fresh_key = aged["keys"]

    assert "已删除 2 条阅读已超过 1 天的消息。" in run("prune_notifications", "--days", "1")
    assert list(Notification.objects.order_by("pk")) == [unread]
    assert "已删除 0 条超过 100 天的幂等记录。" in run("prune_idempotency", "--days", "100")
    assert IdempotencyRecord.objects.count() == 2
