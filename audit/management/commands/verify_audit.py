"""manage.py verify_audit: check the audit log's hash chain; exit 1 at the first broken link."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from audit.chain import verify


class Command(BaseCommand):
    help = "校验安全审计日志的哈希链：报告第一处断裂，有断裂时以非零状态退出。"

    def handle(self, *args: Any, **options: Any) -> None:
        checked, broken = verify()
        if broken is not None:
            raise CommandError(f"安全审计日志校验失败：{broken.describe()}此前 {checked} 条记录完好。")
        self.stdout.write(f"安全审计日志完好：{checked} 条记录，哈希链完整。")
