"""Send the automatic reminders (催办) as deadlines approach and pass."""

from __future__ import annotations

import signal
import time
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from handling.actions import handle_one_reminder


class Command(BaseCommand):
    help = "发送到期自动催办：期限前15天、5天、当天，逾期后每周一次。--loop 常驻运行（可安全地用 SIGTERM 停止）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="常驻运行，每隔 --interval 秒检查一次")
        parser.add_argument("--interval", type=int, default=600, help="检查间隔（秒）")

    def handle(self, *args: Any, loop: bool, interval: int, **options: Any) -> None:
        stopping = False

        def stop(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        while True:
            sent = 0
            while not stopping and handle_one_reminder():
                sent += 1
            self.stdout.write(f"已发送自动催办 {sent} 条。")
            if not loop or stopping:
                return
            for _ in range(interval):
                if stopping:
                    return
                time.sleep(1)
