"""``manage.py load_scale --proposals N``: fill the configured database with a province (demo/scale/)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from demo.scale import Options, ScaleError, ScaleLoad


class Command(BaseCommand):
    help = (
        "载入一个省规模的数据集：15 个辖区、每个约 40 个承办单位、各角色账号（示例市沿用演示账号，密码 demo-2026）、"
        "10 年的届次和提案及其全部办理记录与历史，用批量 SQL（PostgreSQL 用 COPY，SQLite 用 executemany）写入。"
        "数据库中已有提案时拒绝载入，除非加 --append。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--proposals", type=int, required=True, help="提案件数，如 1000000")
        parser.add_argument("--jurisdictions", type=int, default=15, help="辖区个数（默认 15）")
        parser.add_argument("--units", type=int, default=40, help="每个辖区的承办单位数（默认 40）")
        parser.add_argument("--years", type=int, default=10, help="年度数，截至今年（默认 10）")
        parser.add_argument("--seed", type=int, default=2026, help="随机种子：同一种子生成同样的数据（默认 2026）")
        parser.add_argument("--data-dir", default=None, help="真实提案所在目录（默认 ../shared/data/jiangsu-2019）")
        parser.add_argument("--append", action="store_true", help="数据库中已有提案时仍然载入（另建一个省份）")
        parser.add_argument(
            "--indexes",
            choices=("auto", "rebuild", "keep"),
            default="auto",
            help="载入期间去掉并在载入后重建非唯一二级索引：auto（5 万件以上时）、rebuild（总是）、keep（从不）",
        )
        parser.add_argument("--chunk", type=int, default=10_000, help="每批写入的提案数（默认 10000）")
        parser.add_argument(
            "--no-search-index",
            action="store_true",
            help="载入后不运行 rebuild_search_index（全文检索索引可稍后单独重建）",
        )
        parser.add_argument(
            "--processes",
            choices=("auto", "1", "2"),
            default="auto",
            help="2：在子进程中生成、本进程写入（auto：2 万件以上且系统支持 fork 时）；1：都在本进程",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        options = Options(
            proposals=opts["proposals"], jurisdictions=opts["jurisdictions"], units=opts["units"],
            years=opts["years"], seed=opts["seed"], data_dir=opts["data_dir"], append=opts["append"],
            indexes=opts["indexes"], chunk=max(100, opts["chunk"]), processes=opts["processes"],
            search_index=not opts["no_search_index"],
        )  # fmt: skip
        db = connection.settings_dict
        where = db["NAME"] if connection.vendor == "sqlite" else f"{db.get('HOST') or 'localhost'}/{db['NAME']}"
        self.stdout.write(f"载入省级规模数据：{options.proposals:,} 件提案 → {connection.vendor}（{where}）")
        try:
            summary = ScaleLoad(options, self._line).run()
        except ScaleError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write("")
        self.stdout.write("各表写入行数：")
        for table, n in sorted(summary.rows.items(), key=lambda kv: -kv[1]):
            self.stdout.write(f"  {table:<42}{n:>14,}")
        total = summary.total_rows
        self.stdout.write(f"  {'合计':<40}{total:>14,}")
        self.stdout.write("各阶段用时：")
        for name, seconds in summary.stages:
            self.stdout.write(f"  {seconds:>8.1f} 秒  {name}")
        for note in summary.notes:
            self.stdout.write(f"注：{note}")
        rate = total / summary.seconds if summary.seconds else 0.0
        took = f"用时 {summary.seconds:.1f} 秒（{rate:,.0f} 行/秒）"
        self.stdout.write(self.style.SUCCESS(f"完成：{options.proposals:,} 件提案，共 {total:,} 行，{took}。"))
        if summary.demo_accounts:
            accounts = "office、cppcc、mayor、vicemayor1、jyj_head、jyj_handler、member1 …"
            self.stdout.write(f"演示账号（密码 demo-2026）：{accounts}")

    def _line(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()
