"""``manage.py backup PATH``: a portable JSON-lines backup of every table (history/backup.py), and the
attachments' files in the folder beside it (history/backup_files.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from history.backup import backup_to
from history.backup_files import folder_for


class Command(BaseCommand):
    help = (
        "备份全部业务数据为可移植的 JSON Lines 文件（含文件头：格式版本、迁移状态、行数、SHA-256），"
        "附件文件复制到旁边的 <文件名>.files/ 文件夹（逐个核对 SHA-256）。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", type=Path, help="备份文件路径（默认 banli-年月日-时分秒.jsonl）")
        parser.add_argument(
            "--without-files",
            action="store_true",
            help="不复制附件文件（例如对象存储另有版本备份）；恢复时只报告存储中缺少的文件",
        )

    def handle(self, *args: Any, path: Path | None = None, without_files: bool = False, **options: Any) -> None:
        path = path or Path(f"banli-{timezone.localtime():%Y%m%d-%H%M%S}.jsonl")
        result = backup_to(path, progress=lambda text: self.stderr.write(text), with_files=not without_files)
        total = sum(result.counts.values())
        files = result.files
        where = f"，附件文件 {files.count} 个（{files.bytes} 字节）到 {folder_for(path)}" if files is not None else ""
        self.stdout.write(self.style.SUCCESS(f"已备份 {total} 行到 {path}（SHA-256 {result.sha256}）{where}。"))
        if files is not None and files.problems:
            parts = []
            if files.missing:
                parts.append(f"存储中缺少 {len(files.missing)} 个：{'、'.join(files.missing[:10])}")
            if files.damaged:
                parts.append(f"与记录的 SHA-256 或大小不符 {len(files.damaged)} 个：{'、'.join(files.damaged[:10])}")
            raise CommandError("备份已写出，但附件文件有问题（" + "；".join(parts) + "），请检查附件存储。")
