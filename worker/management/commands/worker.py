"""Start the background worker: queued tasks and the scheduled scans (催办), until SIGTERM/SIGINT."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from worker.runner import Worker


class Command(BaseCommand):
    help = "常驻运行后台任务：执行队列中的任务，并定时扫描自动催办。可随时用 SIGTERM/Ctrl-C 安全停止，可多台同时运行。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scan-interval", type=float, default=settings.WORKER_SCAN_INTERVAL, help="定时扫描间隔（秒）"
        )
        parser.add_argument("--poll-interval", type=float, default=1.0, help="检查任务队列的间隔（秒）")
        parser.add_argument("--once", action="store_true", help="扫描一次、执行完已就绪的任务后退出")

    def handle(self, *args: Any, scan_interval: float, poll_interval: float, once: bool, **options: Any) -> None:
        if int(options["verbosity"]) >= 2:
            logging.getLogger("worker").setLevel(logging.INFO)
        worker = Worker(scan_interval=scan_interval, poll_interval=poll_interval)
        self.stdout.write(f"后台任务已启动（{worker.worker_id}，队列 {settings.TASKS['default']['BACKEND']}）。")
        worker.run(once=once)
        self.stdout.write("后台任务已停止。")
