"""The daily clean-up of the tables that only grow: expired API tokens, old Idempotency-Key records and
long-read messages (settings API_TOKEN_DAYS / API_TOKEN_MAX_DAYS, IDEMPOTENCY_KEEP_DAYS,
READ_NOTIFICATIONS_KEEP_DAYS). The history and the audit log are never pruned: they are the record."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

PARTS = ("prune_tokens", "prune_idempotency", "prune_notifications")


class Command(BaseCommand):
    help = (
        "日常清理：删除过期的接口令牌、超过保留天数的幂等记录和阅读已久的站内消息（建议每天定时运行）。"
        "办理历史和安全审计记录永不清理。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="只统计各项将删除多少，不删除")

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        for name in PARTS:
            call_command(name, dry_run=dry_run, stdout=self.stdout, stderr=self.stderr)
