"""Time the search on a synthetic index: ``manage.py search_bench --fill 1000000`` then ``search_bench``.

The documents are made of real titles and sentences from ../shared/data/jiangsu-2019 (read at run time,
never copied), ~1,600 characters each like the real bodies, spread over 15 jurisdictions and ten years.
It fills only the search index (kind 提案), so it runs on a database of its own (e.g. banli_search_bench).
"""

from __future__ import annotations

import csv
import random
import re
import statistics
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from search.index import Doc, Source, rebuild
from search.models import Document, Kind
from search.query import capped_count, ranked

DATA = Path(settings.BASE_DIR).parent / "shared" / "data" / "jiangsu-2019" / "proposals-dev.csv"
WORDS = ["发展", "教育", "乡村振兴", "养老服务", "新能源汽车", "公厕", "5G", "垃圾分类", "的", "粮"]


def synthetic(n: int, seed: int = 2026) -> Iterator[Doc]:
    if not DATA.exists():
        raise CommandError(f"找不到 {DATA}：合成文档需要真实提案文本。")
    with DATA.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    sentences = [s for r in rows for s in re.split(r"(?<=[。！？；\n])", r["content"]) if len(s.strip()) > 4]
    titles = [r["title"] for r in rows]
    rng = random.Random(seed)  # noqa: S311 (synthetic text, not a secret)
    for i in range(1, n + 1):
        body: list[str] = []
        length = 0
        target = rng.randint(800, 2600)
        while length < target:
            s = rng.choice(sentences)
            body.append(s)
            length += len(s)
        yield Doc(Kind.PROPOSAL, i, i, 1 + i % 15, 2017 + (i * 10 // (n + 1)), rng.choice(titles), "".join(body))


class Command(BaseCommand):
    help = "在独立数据库中用合成文档测量全文检索的耗时。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--fill", type=int, default=0, help="先写入这么多篇合成文档（替换已有的）")
        parser.add_argument("--runs", type=int, default=15)
        parser.add_argument("--workers", type=int, default=None)

    def handle(self, *args: Any, fill: int, runs: int, workers: int | None, **options: Any) -> None:
        if fill:
            source = Source(lambda: fill, lambda: synthetic(fill))
            rebuild([Kind.PROPOSAL], say=self.stdout.write, workers=workers, sources={Kind.PROPOSAL: source})
        total = Document.objects.filter(kind=Kind.PROPOSAL).count()
        self.stdout.write(f"{connection.vendor}，{total:,} 篇文档；每个检索词 {runs} 次，取中位数：")
        for word in WORDS:
            times = []
            for _ in range(runs):
                start = time.perf_counter()
                qs = ranked(Document.objects.filter(kind=Kind.PROPOSAL), Kind.PROPOSAL, word, field="object_id")
                ids = list(qs.values_list("object_id", flat=True)[:20])
                count = capped_count(qs)
                times.append((time.perf_counter() - start) * 1000)
            self.stdout.write(
                f"  {word:<8} 命中 {count:>7}  中位数 {statistics.median(times):7.1f} ms  "
                f"最慢 {max(times):7.1f} ms  前几条 {ids[:3]}"
            )
