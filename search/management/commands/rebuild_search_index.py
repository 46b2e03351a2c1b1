"""``manage.py rebuild_search_index [--kind proposal|public_reply] [--workers N]``: refill the search index.

Run it after loading rows in bulk without the actions (``load_scale``, a restore from a backup); the
actions keep the index current by themselves. Prints progress as it goes.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.module_loading import autodiscover_modules

from search.index import SOURCES, rebuild
from search.models import Kind

KINDS = {"proposal": Kind.PROPOSAL, "public_reply": Kind.PUBLIC_REPLY}


class Command(BaseCommand):
    help = "重建全文检索索引（提案、公开答复）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kind", choices=sorted(KINDS), action="append", help="只重建这一类（可重复）")
        parser.add_argument("--workers", type=int, default=None, help="分词进程数（默认：CPU 核数，至多 4）")

    def handle(self, *args: Any, kind: list[str] | None, workers: int | None, **options: Any) -> None:
        autodiscover_modules("actions")  # each domain registers where its documents come from
        kinds = [KINDS[k] for k in kind] if kind else sorted(SOURCES)
        start = time.monotonic()
        counts = rebuild(kinds, say=self.stdout.write, workers=workers)
        summary = "，".join(f"{Kind(k).label} {n:,} 篇" for k, n in counts.items())
        self.stdout.write(self.style.SUCCESS(f"索引已重建：{summary}，共用 {time.monotonic() - start:,.1f} 秒。"))
