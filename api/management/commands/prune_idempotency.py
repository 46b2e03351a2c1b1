"""Delete the Idempotency-Key records older than IDEMPOTENCY_KEEP_DAYS: a retry comes within minutes,
and the table would otherwise keep every keyed write's response for ever."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db.models import QuerySet
from django.utils import timezone

from api.models import IdempotencyRecord


def stale(days: int, now: datetime | None = None) -> QuerySet[IdempotencyRecord]:
    return IdempotencyRecord.objects.filter(created_at__lt=(now or timezone.now()) - timedelta(days=days))


class Command(BaseCommand):
    help = "删除超过保留天数（IDEMPOTENCY_KEEP_DAYS，默认 7 天）的幂等记录（Idempotency-Key 的首次响应）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, help="保留天数（默认取 IDEMPOTENCY_KEEP_DAYS）")
        parser.add_argument("--dry-run", action="store_true", help="只统计将删除多少条，不删除")

    def handle(self, *args: Any, days: int | None = None, dry_run: bool = False, **options: Any) -> None:
        keep = settings.IDEMPOTENCY_KEEP_DAYS if days is None else days
        rows = stale(keep)
        if dry_run:
            self.stdout.write(f"试运行：将删除 {rows.count()} 条超过 {keep} 天的幂等记录（未删除）。")
            return
        count, _ = rows.delete()
        self.stdout.write(f"已删除 {count} 条超过 {keep} 天的幂等记录。")
