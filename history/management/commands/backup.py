"""``manage.py backup PATH``: a portable JSON-lines backup of every table (history/backup.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from history.backup import backup_to


class Command(BaseCommand):
    help = "备份全部业务数据为可移植的 JSON Lines 文件（含文件头：格式版本、迁移状态、行数、SHA-256）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", type=Path, help="备份文件路径（默认 banli-年月日-时分秒.jsonl）")

    def handle(self, *args: Any, path: Path | None = None, **options: Any) -> None:
        path = path or Path(f"banli-{timezone.localtime():%Y%m%d-%H%M%S}.jsonl")
        result = backup_to(path, progress=lambda text: self.stderr.write(text))
        total = sum(result.counts.values())
        self.stdout.write(self.style.SUCCESS(f"已备份 {total} 行到 {path}（SHA-256 {result.sha256}）。"))
