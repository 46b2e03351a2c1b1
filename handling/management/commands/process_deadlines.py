"""Send the automatic reminders (催办) that are due now, once; `manage.py worker` runs the same scan."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from handling.reminders import send_due_reminders


class Command(BaseCommand):
    help = "发送到期自动催办（期限前15天、5天、当天，逾期后每周一次），运行一次即退出；常驻运行请用 manage.py worker。"

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"已发送自动催办 {send_due_reminders()} 条。")
