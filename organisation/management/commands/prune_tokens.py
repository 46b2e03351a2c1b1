"""Delete expired API tokens (idle for API_TOKEN_DAYS, or older than API_TOKEN_MAX_DAYS)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from organisation import tokens


class Command(BaseCommand):
    help = "删除已过期的接口令牌（闲置超过 API_TOKEN_DAYS 天，或签发超过 API_TOKEN_MAX_DAYS 天）。"

    def handle(self, *args: Any, **options: Any) -> None:
        count = tokens.prune()
        self.stdout.write(f"已删除 {count} 个过期令牌。")
