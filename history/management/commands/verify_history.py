"""``manage.py verify_history``: walk every proposal's hash chain and report the first broken link."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from history.integrity import verify_history
from history.models import Event


class Command(BaseCommand):
    help = "校验办理历史的哈希链：逐件提案检查每条事件，报告第一处断裂；有断裂时以非零状态退出。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=int, default=10000, help="每检查多少条事件报告一次进度")

    def handle(self, *args: Any, every: int = 10000, **options: Any) -> None:
        total = Event.objects.count()
        self.stdout.write(f"共 {total} 条事件，开始校验……")

        def progress(n: int) -> None:
            self.stdout.write(f"已校验 {n}/{total} 条")

        broken, n = verify_history(progress, every=max(1, every))
        if broken is not None:
            raise CommandError(f"办理历史校验失败（已读 {n} 条）：{broken}")
        self.stdout.write(self.style.SUCCESS(f"办理历史完整：{n} 条事件的哈希链全部一致。"))
