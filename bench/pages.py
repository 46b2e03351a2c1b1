"""Benchmark: how long each workbench and list takes to render over the demo city, in-process.

Reference, measured in the same run: the anonymous front page (the same middleware, session and base
template, no data: about what Django costs before a page does any work of its own). Each page is
requested warm, REPEAT times; the median and the 90th percentile are printed with the number of SQL
queries and the ratio of the median to the reference's.

Run with `make bench` (a database of its own under .bench/, loaded with the demo once).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from demo.loader import pad  # noqa: E402
from handling.models import Assignment  # noqa: E402
from organisation.models import User  # noqa: E402
from proposals.models import Proposal  # noqa: E402

REPEAT = int(os.environ.get("BENCH_REPEAT", "30"))


def measure(client: Client, url: str) -> tuple[float, float, int]:
    for _ in range(3):  # warm caches, templates, connections
        assert client.get(url).status_code == 200, url
    queries: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries.append(sql)
        return execute(sql, params, many, context)

    # Count with a wrapper: each request resets connection.queries, which would hide them.
    with connection.execute_wrapper(count):
        client.get(url)
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, url
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.9) - 1], len(queries)


def main() -> None:
    call_command("migrate", verbosity=0)
    if not Proposal.objects.exists():
        call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    replied = Assignment.objects.filter(state="replied", role="lead").select_related("proposal").first()
    review = Assignment.objects.filter(state="office_review").first()
    assert replied and review
    member = replied.proposal.proposers.exclude(user=None).first()
    pages = [
        ("office", "/office/", "交办督办工作台"),
        ("office", "/assignments/?light=red", "办理进度（红灯）"),
        ("office", "/proposals/?year=2026", "提案列表"),
        ("office", f"/assignments/{review.pk}/", "交办办理页（审核）"),
        ("office", f"/proposals/{review.proposal_id}/", "提案页"),
        ("jyj_handler", "/unit/", "承办工作台"),
        ("mayor", "/leader/", "领导工作台"),
        ("cppcc", "/cppcc/", "提案委工作台"),
        (member.user.username if member and member.user else "member1", "/my/", "我的提案"),
        (None, "/public/", "公开答复"),
    ]
    anonymous = Client()
    reference, _, ref_queries = measure(anonymous, "/")
    print(f"banli page benchmark: {Proposal.objects.count()} proposals, {Assignment.objects.count()} assignments, "
          f"{REPEAT} warm requests each, in-process (Django test client, {connection.vendor})")  # fmt: skip
    print(f"{'page':<22}{'median ms':>10}{'p90 ms':>9}{'queries':>9}{'× ref':>8}")
    print(f"{pad('参照：匿名首页', 22)}{reference:>10.1f}{'':>9}{ref_queries:>9}{1:>8.1f}")
    for username, url, label in pages:
        client = Client()
        if username:
            client.force_login(User.objects.get(username=username))
        median, p90, queries = measure(client, url)
        print(f"{pad(label, 22)}{median:>10.1f}{p90:>9.1f}{queries:>9}{median / reference:>8.1f}")


if __name__ == "__main__":
    main()
