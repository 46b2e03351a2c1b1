"""Load the demo city (示例市) with its county, units, people and a few hundred proposals at every step."""

from __future__ import annotations

import argparse
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.models import AuditEntry
from demo.loader import URL, Loader, demo_admin, demo_city, is_complete, loaded_count, login_lines, summary_lines
from demo.reset import wipe_demo

SECURITY_LOGGER = "banli.security"
SERVED_URL = re.compile(r"https?://[^/\s?#]+(/[^\s?#]*)?")


def served_url(value: str) -> str:
    """The address the banner shows (``make demo`` passes http://$(HOST):$(PORT)/), ending in a slash."""
    if not SERVED_URL.fullmatch(value):
        raise argparse.ArgumentTypeError(
            f"须为 http:// 或 https:// 开头的网址，如 http://127.0.0.1:8123/，而不是“{value}”。"
        )
    return value if value.endswith("/") else value + "/"


@contextmanager
def quiet_security_log() -> Iterator[None]:
    """Keep the security log's INFO lines (one per account and unit created, ~180) off the terminal while
    the demo loads; the audit entries are written all the same, and refusals or failures still print."""
    logger = logging.getLogger(SECURITY_LOGGER)
    level = logger.level
    logger.setLevel(max(level, logging.WARNING))
    try:
        yield
    finally:
        logger.setLevel(level)


class Command(BaseCommand):
    help = (
        "载入演示数据：示例市及示例县、30 多个承办单位、各类演示账号（密码 demo-2026）和覆盖办理全流程的提案。"
        "已载入时不重复载入；加 --reset 先清除演示数据再重新载入。"
        "只有加 --with-admin 才创建超级用户 admin（密码同为 demo-2026，仅供演示，切勿用于生产环境）。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reset", action="store_true", help="先清除示例市的全部演示数据，再重新载入")
        parser.add_argument(
            "--with-admin",
            action="store_true",
            help="同时创建超级用户 admin（密码 demo-2026，人人皆知：仅用于本机演示）",
        )
        parser.add_argument(
            "--data-dir",
            type=Path,
            help="真实提案数据目录（默认 $DEMO_DATA_DIR 或 ../shared/data/jiangsu-2019）；不存在时使用生成的提案",
        )
        parser.add_argument(
            "--url",
            type=served_url,
            default=URL,
            help=f"结尾提示中显示的网址，即随后 runserver 实际服务的地址（默认 {URL}；make demo 按 HOST、PORT 传入）",
        )

    def handle(
        self,
        *args: Any,
        reset: bool = False,
        with_admin: bool = False,
        data_dir: Path | None = None,
        url: str = URL,
        **options: Any,
    ) -> None:
        audited = AuditEntry.objects.count()
        with quiet_security_log():
            loaded = self._load(reset=reset, with_admin=with_admin, data_dir=data_dir)
        added = AuditEntry.objects.count() - audited
        if added > 0:
            self.stdout.write(f"已写入 {added} 条安全审计记录（载入期间未逐条输出日志）。")
        if loaded:
            self.stdout.write(self.style.SUCCESS("演示数据载入完成。"))
        self._report(url)

    def _load(self, *, reset: bool, with_admin: bool, data_dir: Path | None) -> bool:
        """Load the demo unless it is there already; return whether it was loaded now."""
        if demo_city() is not None:
            if reset:
                rows = wipe_demo()
                self.stdout.write(f"已清除原有演示数据（{rows} 行）。")
            elif not is_complete():
                raise CommandError(
                    f"示例市已存在，但演示数据不完整（{loaded_count()} 件提案）；请加 --reset 重新载入。"
                )
            else:
                self.stdout.write(self.style.SUCCESS(f"示例市演示数据已载入（{loaded_count()} 件提案），未重复载入。"))
                self.stdout.write("如需重新载入，请加 --reset。")
                if with_admin and demo_admin(self.stdout.write)[1]:
                    self.stdout.write("已补建超级用户 admin。")
                return False
        self.stdout.write("正在载入示例市演示数据……")
        loader = Loader(write=self.stdout.write, data_dir=data_dir, with_admin=with_admin)
        try:
            loader.run()
        except Exception:
            # Leave no half-loaded city behind: a rerun would take it for a finished one.
            wipe_demo()
            raise
        return True

    def _report(self, url: str) -> None:
        self.stdout.write("")
        for line in summary_lines():
            self.stdout.write(line)
        self.stdout.write("")
        for line in login_lines(url):
            self.stdout.write(line)
