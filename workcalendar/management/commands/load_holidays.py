"""Seed the holiday calendar from the installed chinesecalendar package."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from workcalendar.counting import set_year
from workcalendar.models import CalendarYear
from workcalendar.package import package_days, package_version, package_years


class Command(BaseCommand):
    help = (
        "从 chinesecalendar 包（重新）载入法定节假日与调休上班日，可重复执行；"
        "办公室录入的年份默认跳过，加 --force 覆盖。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, help="只载入这一年（默认：包里已知的所有年份）")
        parser.add_argument("--force", action="store_true", help="也覆盖办公室录入或修改过的年份")

    def handle(self, *args: Any, year: int | None = None, force: bool = False, **options: Any) -> None:
        """Replace each chosen year's days with the package's."""
        version = package_version()
        known = package_years()
        if year is not None:
            if year not in known:
                raise CommandError(
                    f"chinesecalendar {version} 没有 {year} 年的安排"
                    f"（已知 {known[0]}–{known[-1]} 年）；请在管理后台录入。"
                )
            years = [year]
        else:
            years = known
        manual = set(
            CalendarYear.objects.filter(year__in=years, source=CalendarYear.Source.MANUAL).values_list(
                "year", flat=True
            )
        )
        loaded = []
        for y in years:
            if y in manual and not force:
                self.stdout.write(f"跳过 {y} 年：办公室录入或修改过（加 --force 覆盖）。")
                continue
            set_year(y, package_days(y), source=CalendarYear.Source.PACKAGE, note=f"chinesecalendar {version}")
            loaded.append(y)
        if loaded:
            span = f"{loaded[0]}–{loaded[-1]}" if len(loaded) > 1 else str(loaded[0])
            self.stdout.write(
                self.style.SUCCESS(f"已从 chinesecalendar {version} 载入 {len(loaded)} 个年份（{span}）。")
            )
        else:
            self.stdout.write("没有载入任何年份。")
