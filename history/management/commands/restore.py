"""``manage.py restore PATH``: restore a backup into an empty, migrated database (history/backup.py), and
the attachments' files from the folder beside it into their storage (history/backup_files.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from history.backup import restore_file
from lib.errors import DomainError


class Command(BaseCommand):
    help = (
        "把备份恢复到已执行 migrate 的空数据库，并把旁边 <文件名>.files/ 中的附件文件放回附件存储："
        "核对行数与 SHA-256、每个附件文件的 SHA-256，并校验办理历史；任何不符都全部撤销。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="备份文件路径")

    def handle(self, *args: Any, path: Path, **options: Any) -> None:
        if not path.is_file():
            raise CommandError(f"找不到备份文件：{path}")
        try:
            result = restore_file(path, progress=lambda text: self.stderr.write(text))
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        if result.nul_replaced:
            rows = "、".join(f"{label} {n} 行" for label, n in sorted(result.nul_rows.items()))
            self.stdout.write(
                self.style.WARNING(
                    f"PostgreSQL 不能保存 NUL 字符：已把 {result.nul_replaced} 个 NUL 替换为 U+FFFD（{rows}）"
                    + (f"，并为 {result.rechained} 件提案重算了哈希链（原链已校验）" if result.rechained else "")
                    + "。"
                )
            )
        total = sum(result.counts.values())
        files = result.files
        if files is not None and result.with_files:
            kept = f"，存储中已有 {files.kept} 个" if files.kept else ""
            done = f"，附件文件 {files.count} 个（{files.bytes} 字节）{kept}"
        else:
            done = ""
        self.stdout.write(self.style.SUCCESS(f"已恢复 {total} 行{done}；行数、SHA-256 与办理历史校验全部通过。"))
        if files is not None and files.missing:
            self.stdout.write(
                self.style.WARNING(
                    f"备份不含附件文件，附件存储中缺少 {len(files.missing)} 个"
                    f"（{'、'.join(files.missing[:10])}{' …' if len(files.missing) > 10 else ''}）："
                    "请从存储的备份中放回，否则这些附件无法下载。"
                )
            )
