"""Benchmark: importing 5,000 proposals from Excel (target under 5 s), and exporting 1,000 and 100,000 with
the memory each export takes (it must not grow with the rows).

Both go through the HTTP API in-process (Django's test client): ``POST /api/v1/proposals/import`` with a
5,000-row workbook, ``GET /api/v1/exports/proposals.xlsx`` over a session of 1,000 and one of 100,000
proposals. Each export runs in a process of its own, so its peak resident memory (ru_maxrss) is its own;
the peak of Python's allocations (tracemalloc) is measured in a second run, as tracing slows it down.

Run with `make bench` (a SQLite database of its own, .bench/spreadsheets.sqlite3, filled once).
"""

from __future__ import annotations

import io
import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from organisation.models import Jurisdiction, Role, User  # noqa: E402
from proposals.models import Proposal, ProposalKind, Proposer, Session  # noqa: E402

IMPORT_ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "5000"))
EXPORT_ROWS = (1_000, int(os.environ.get("BENCH_EXPORT_ROWS", "100000")))
BODY_CHARS = 800  # a summary list's 案由 and a shortened text; full 1,500-character texts make a 5,000-row file > 10 MB
CITY = "表格基准市"


def text(seed: int, n: int) -> str:
    """Chinese text that does not compress away (a zip of repeated text would flatter the import)."""
    return "".join(chr(0x4E00 + (seed * 7919 + j * 104729) % 20000) for j in range(n))


def world() -> tuple[Jurisdiction, User]:
    city, _ = Jurisdiction.objects.get_or_create(name=CITY)
    clerk = User.objects.filter(username="bench_cppcc").first()
    if clerk is None:
        clerk = User.objects.create_user("bench_cppcc", password="bench-only", name="提案委", role=Role.CPPCC_STAFF,
                                         jurisdiction=city)  # fmt: skip
        User.objects.bulk_create(
            User(username=f"bench_member{i}", name=f"委员{i}", role=Role.MEMBER, jurisdiction=city) for i in range(300)
        )
    return city, clerk


def filled_session(city: Jurisdiction, rows: int) -> Session:
    """A session of ``rows`` proposals, made once in bulk (the export reads them; how they came is not timed)."""
    session, created = Session.objects.get_or_create(jurisdiction=city, name=f"导出基准{rows}", year=2026)
    if not created and Proposal.objects.filter(session=session).count() == rows:
        return session
    Proposal.objects.filter(session=session).delete()
    for start in range(0, rows, 5000):
        with transaction.atomic():
            batch = Proposal.objects.bulk_create(
                Proposal(
                    session=session,
                    jurisdiction=city,
                    year=2026,
                    number=f"{i:06d}",
                    title=f"关于{text(i, 12)}的建议",
                    body=text(i, 300),
                    kind=ProposalKind.INDIVIDUAL,
                    category="城乡建设",
                )  # fmt: skip
                for i in range(start, min(rows, start + 5000))
            )
            Proposer.objects.bulk_create(Proposer(proposal=p, position=0, name=f"委员{p.pk % 300}") for p in batch)
    return session


def import_file(rows: int) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(["提案号", "案由", "提案人", "联名人", "类别", "提交日期", "内容"])
    for i in range(rows):
        cosigner = f"委员{(i + 1) % 300}" if i % 3 == 0 else None
        ws.append([f"{i + 1:05d}", f"关于{text(i, 14)}的建议", f"委员{i % 300}", cosigner, "城乡建设", "2026-01-12",
                   text(i, BODY_CHARS)])  # fmt: skip
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def bench_import(city: Jurisdiction, clerk: User) -> None:
    """The import through the API in a warm process (the first request of a process imports the URL
    modules, ~1 s, as a server's first request does once); then the worker's indexing of the new
    proposals, timed apart; and, as the reference, registering rows one at a time (create_proposal)."""
    from proposals.actions import NewProposal, ProposerEntry, create_proposal
    from search.models import Document, Kind
    from worker.runner import Worker

    session = Session.objects.create(jurisdiction=city, name=f"导入基准{time.time_ns()}", year=2026)
    data = import_file(IMPORT_ROWS)
    client = Client()
    client.force_login(clerk)
    assert client.get("/api/v1/proposals?page_size=1").status_code == 200  # warm up
    started = time.perf_counter()
    resp = client.post("/api/v1/proposals/import",
                       {"file": SimpleUploadedFile("提案.xlsx", data), "session_id": str(session.pk)})  # fmt: skip
    elapsed = time.perf_counter() - started
    body = json.loads(resp.content)
    assert resp.status_code == 201 and body["created"] == IMPORT_ROWS, (resp.status_code, str(body)[:500])
    started = time.perf_counter()
    Worker(scan_interval=600).run_queued_tasks()
    indexing = time.perf_counter() - started
    indexed = Document.objects.filter(kind=Kind.PROPOSAL, object_id__in=body["ids"]).count()
    assert indexed == IMPORT_ROWS, indexed

    one_by_one = Session.objects.create(jurisdiction=city, name=f"逐件基准{time.time_ns()}", year=2026)
    single_rows = 200
    started = time.perf_counter()
    for i in range(single_rows):
        create_proposal(one_by_one, actor=clerk, new=NewProposal(
            number=f"{i + 1:05d}", title=f"关于{text(i, 14)}的建议", body=text(i, BODY_CHARS), category="城乡建设",
            kind="individual", proposers=[ProposerEntry(f"委员{i % 300}")]))  # fmt: skip
    single = (time.perf_counter() - started) / single_rows
    verdict = "met" if elapsed < 5 else "MISSED"
    print(f"import  {IMPORT_ROWS:>7} rows  {elapsed:6.2f} s  ({IMPORT_ROWS / elapsed:,.0f} rows/s, "
          f"file {len(data) / 1024 / 1024:.1f} MB; target < 5 s: {verdict})")  # fmt: skip
    print(f"        search index written by the worker {indexing:.2f} s later ({IMPORT_ROWS / indexing:,.0f} docs/s)")
    print(f"        reference: one row at a time {single * 1000:.1f} ms/row ({single_rows} rows, create_proposal, "
          f"search included): the import is {single * IMPORT_ROWS / elapsed:.1f}x faster")  # fmt: skip


def export_once(session_id: int, trace: bool) -> None:
    """In a process of its own: one export through the API, read to its end; print what it took."""
    clerk = User.objects.get(username="bench_cppcc")
    client = Client()
    client.force_login(clerk)
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    resp = client.get("/api/v1/exports/proposals.xlsx", {"session": session_id})
    size = sum(len(chunk) for chunk in resp)  # read as a client would, never all of it at once
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if trace else 0
    assert resp.status_code == 200
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"seconds": elapsed, "bytes": size, "rss": rss, "traced_peak": peak}))


def bench_export(city: Jurisdiction) -> None:
    for rows in EXPORT_ROWS:
        session = filled_session(city, rows)
        runs = []
        for trace in (False, True):
            out = subprocess.run(  # noqa: S603 (this very script, with its own arguments)
                [sys.executable, "-W", "ignore", __file__, "--export", str(session.pk), "--trace" if trace else "--no"],
                check=True, capture_output=True, text=True, env=os.environ,
            )  # fmt: skip
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        plain, traced = runs
        print(f"export  {rows:>7} rows  {plain['seconds']:6.2f} s  ({rows / plain['seconds']:,.0f} rows/s, "
              f"file {plain['bytes'] / 1024 / 1024:.1f} MB); peak RSS {plain['rss'] / 1024 / 1024:.0f} MB, "
              f"peak Python allocations {traced['traced_peak'] / 1024 / 1024:.1f} MB")  # fmt: skip


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--export":
        export_once(int(sys.argv[2]), sys.argv[3] == "--trace")
        return
    call_command("migrate", verbosity=0)
    city, clerk = world()
    print(f"banli spreadsheet benchmark ({connection.vendor}, in-process through the API)")
    bench_import(city, clerk)
    bench_export(city)


if __name__ == "__main__":
    main()
