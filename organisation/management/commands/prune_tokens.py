"""Delete expired API tokens (idle for API_TOKEN_DAYS, or older than API_TOKEN_MAX_DAYS)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from organisation import tokens


class Command(BaseCommand):
    help = "删除已过期的接口令牌（闲置超过 API_TOKEN_DAYS 天，或签发超过 API_TOKEN_MAX_DAYS 天）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="只统计将删除多少个，不删除")

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        if dry_run:
            # The same deletion, rolled back: what is counted is exactly what a real run removes.
            with transaction.atomic():
                count = tokens.prune()
                transaction.set_rollback(True)
            self.stdout.write(f"试运行：将删除 {count} 个过期令牌（未删除）。")
            return
        count = tokens.prune()
        self.stdout.write(f"已删除 {count} 个过期令牌。")
