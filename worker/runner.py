"""The long-running worker: queued tasks (``django.tasks``) and the scheduled scans, in one loop.

Stopping: the first SIGTERM/SIGINT lets the current item (one reminder, one task) finish and then exits;
a second one exits at once, and the open transaction rolls back, so nothing is half written. Every scan
item and every queued task is claimed under a row lock, so two workers (two hosts) can run side by side.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import time
from types import FrameType
from typing import Any

from django.conf import settings
from django.db import close_old_connections
from django.tasks import task_backends

from .scans import SCANS

log = logging.getLogger("worker")


class Worker:
    def __init__(self, *, scan_interval: float, poll_interval: float = 1.0, backend: str = "default") -> None:
        self.scan_interval = scan_interval
        self.poll_interval = poll_interval
        self.backend = backend
        self.worker_id = f"{socket.gethostname()}-{os.getpid()}"
        self.stopping = False
        self._queue: Any = None  # the backend's own worker while it runs tasks, told to stop too

    # -- signals ------------------------------------------------------------------------------------

    def install_signals(self) -> None:
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        if self.stopping:
            log.warning("再次收到 %s，立即退出（未提交的事务回滚）。", signal.strsignal(signum))
            sys.exit(1)
        log.warning("收到 %s，完成当前一项后退出。", signal.strsignal(signum))
        self.stopping = True
        if self._queue is not None:
            self._queue.running = False

    def is_stopping(self) -> bool:
        return self.stopping

    # -- the loop -----------------------------------------------------------------------------------

    def run(self, *, once: bool = False) -> None:
        self.install_signals()
        log.info("后台任务已启动 worker_id=%s backend=%s", self.worker_id, settings.TASKS[self.backend]["BACKEND"])
        next_scan = 0.0
        while not self.stopping:
            close_old_connections()
            if time.monotonic() >= next_scan:
                self.run_scans()
                next_scan = time.monotonic() + self.scan_interval
            self.run_queued_tasks()
            if once:
                return
            self._sleep(min(self.poll_interval, max(0.0, next_scan - time.monotonic())))
        log.info("后台任务已停止 worker_id=%s", self.worker_id)

    def _sleep(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < end:
            time.sleep(min(0.1, end - time.monotonic()))

    def run_scans(self) -> dict[str, int]:
        done = {}
        for name, scan in SCANS.items():
            if self.stopping:
                break
            done[name] = scan(self.is_stopping)
            if done[name]:
                log.info("定时扫描 %s：处理 %d 项", name, done[name])
        return done

    def run_queued_tasks(self) -> None:
        """Run every task that is ready now, then return (the loop sleeps and comes back)."""
        path = str(settings.TASKS[self.backend]["BACKEND"])
        if path.startswith("django_tasks_rq."):
            self._run_rq()
        else:
            self._run_db()

    def _run_db(self) -> None:
        from django_tasks_db.management.commands.db_worker import Worker as DBWorker

        self._queue = DBWorker(
            queue_names=["*"],
            interval=0,
            batch=True,
            backend_name=self.backend,
            startup_delay=False,
            max_tasks=None,
            worker_id=self.worker_id,
            excluded_queue_names=[],
        )
        self._queue.running = not self.stopping
        try:
            self._queue.run()
        finally:
            self._queue = None

    def _run_rq(self) -> None:
        import django_rq

        queues = task_backends[self.backend].queues
        rq_worker = django_rq.get_worker(*queues, job_class="django_tasks_rq.Job")
        try:
            # rq installs its own SIGTERM/SIGINT handlers for the burst (warm shutdown after the job).
            rq_worker.work(burst=True, with_scheduler=False, logging_level="WARNING")
        finally:
            if getattr(rq_worker, "_stop_requested", False):
                self.stopping = True
            self.install_signals()
