"""Writing the search index: one document per proposal and per published reply, from plain values.

The domain calls ``index_proposal`` / ``index_public_reply`` / ``remove_*`` inside its own transaction, so
the index changes with the record. ``rebuild`` refills a kind in bulk from the sources the domain
registers (``register_source``): COPY on PostgreSQL with the GIN index built afterwards, one INSERT … SELECT
into FTS5 on SQLite; tokenising runs in worker processes.

A search engine (OpenSearch or Elasticsearch with a Chinese analyzer) would replace this module and
``search.query`` only: the callers pass the same plain values and ask the same two questions.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from multiprocessing.pool import AsyncResult
from typing import Final

from django.conf import settings
from django.db import connection, transaction

from lib.tasks import enqueue_with_transaction

from . import tokens
from .models import Document, Kind


@dataclass(frozen=True)
class Doc:
    kind: int
    object_id: int
    proposal_id: int
    jurisdiction_id: int
    year: int
    title: str
    body: str


Row = tuple[int, int, int, int, int, str, str]
COLUMNS: Final = ("kind", "object_id", "proposal_id", "jurisdiction_id", "year", "title_key", "tokens")


def _row(d: Doc, document: Callable[[str, str], str] = tokens.document) -> Row:
    return (d.kind, d.object_id, d.proposal_id, d.jurisdiction_id, d.year, tokens.title_key(d.title),
            document(d.title, d.body))  # fmt: skip


def _write(d: Doc) -> None:
    row = dict(zip(COLUMNS, _row(d), strict=True))
    Document.objects.update_or_create(kind=d.kind, object_id=d.object_id, defaults=row)


def index_proposal(proposal_id: int, *, jurisdiction_id: int, year: int, title: str, body: str) -> None:
    _write(Doc(Kind.PROPOSAL, proposal_id, proposal_id, jurisdiction_id, year, title, body))


def index_public_reply(
    assignment_id: int, *, proposal_id: int, jurisdiction_id: int, year: int, title: str, text: str
) -> None:
    """The assignment's published reply: ``text`` exactly as the public reads it (no contact details);
    a later published version replaces the earlier one."""
    _write(Doc(Kind.PUBLIC_REPLY, assignment_id, proposal_id, jurisdiction_id, year, title, text))


def _documents(docs: Iterable[Doc]) -> list[Document]:
    return [Document(**dict(zip(COLUMNS, _row(d), strict=True))) for d in docs]


def indexed_at_once(count: int) -> bool:
    """Whether ``count`` documents registered together are indexed in the registering transaction."""
    return count <= int(getattr(settings, "SEARCH_INLINE_BATCH", 200))


def index_proposals(docs: Sequence[Doc]) -> bool:
    """Index proposals just registered in bulk (none of them has a document yet); True if they are
    searchable when the caller commits.

    Up to ``SEARCH_INLINE_BATCH`` (200) are indexed here, in the caller's transaction. A longer list (a
    session's import) is queued for the worker, in the same transaction: tokenising and the full-text
    insert cost about 1 ms a document (5,000 documents: 5–7 s, holding SQLite's write lock), which the clerk
    should not wait for; the worker indexes them within seconds, a chunk per transaction."""
    if indexed_at_once(len(docs)):
        Document.objects.bulk_create(_documents(docs), batch_size=500)
        return True
    from .tasks import index_later  # the task module imports this one

    kinds = {d.kind for d in docs}
    for kind in kinds:
        enqueue_with_transaction(index_later, kind, [d.object_id for d in docs if d.kind == kind])
    return False


def index_queued(kind: int, object_ids: Sequence[int], *, chunk: int = 250) -> int:
    """Index the documents queued by ``index_proposals``, reading them from the source as they are now; a
    document written meanwhile (the proposal edited) or by an earlier run of the same task is left as it
    is, so running it twice writes nothing twice. Returns the number written."""
    source = SOURCES[kind]
    assert source.by_ids is not None, f"{Kind(kind).label} 的来源不能按编号读取"
    written = 0
    for start in range(0, len(object_ids), chunk):
        ids = list(object_ids[start : start + chunk])
        with transaction.atomic():
            have = set(Document.objects.filter(kind=kind, object_id__in=ids).values_list("object_id", flat=True))
            todo = [d for d in source.by_ids(ids) if d.object_id not in have]
            Document.objects.bulk_create(_documents(todo), ignore_conflicts=True)
        written += len(todo)
    return written


def remove_proposal(proposal_id: int) -> None:
    Document.objects.filter(kind=Kind.PROPOSAL, object_id=proposal_id).delete()


def remove_public_reply(assignment_id: int) -> None:
    """The assignment has no published reply (any more)."""
    Document.objects.filter(kind=Kind.PUBLIC_REPLY, object_id=assignment_id).delete()


# ---------------------------------------------------------------------------------------------------
# Rebuilding in bulk


@dataclass(frozen=True)
class Source:
    count: Callable[[], int]
    docs: Callable[[], Iterable[Doc]]
    by_ids: Callable[[Sequence[int]], Iterable[Doc]] | None = None


SOURCES: dict[int, Source] = {}


def register_source(
    kind: int,
    count: Callable[[], int],
    docs: Callable[[], Iterable[Doc]],
    by_ids: Callable[[Sequence[int]], Iterable[Doc]] | None = None,
) -> None:
    """The domain says where a kind's documents come from (kept here, so this layer imports nothing above):
    all of them for a rebuild, and, for a kind indexed by the worker, those of some objects."""
    SOURCES[kind] = Source(count, docs, by_ids)


CHUNK = 1000
_GIN: Final[dict[int, str]] = {
    Kind.PROPOSAL: "search_document_proposal_gin",
    Kind.PUBLIC_REPLY: "search_document_reply_gin",
}


@functools.lru_cache(maxsize=4096)
def _cached_document(title: str, body: str) -> str:
    return tokens.document(title, body)


def _rows(chunk: list[Doc]) -> list[Row]:
    """A rebuild meets the same text many times where proposals were loaded in bulk from a few samples
    (``load_scale``); the cache makes each one cost a lookup, and bounds memory on real, distinct texts."""
    return [_row(d, _cached_document) for d in chunk]


def _chunks(docs: Iterable[Doc]) -> Iterator[list[Doc]]:
    it = iter(docs)
    while chunk := list(islice(it, CHUNK)):
        yield chunk


def _encoded(docs: Iterable[Doc], workers: int) -> Iterator[list[Row]]:
    if workers <= 1:
        yield from map(_rows, _chunks(docs))
        return
    # The source is read here, in this thread (it is this connection's transaction); the workers (fork)
    # only tokenise and never touch the database. A few chunks in flight keep them busy, in order.
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        pending: deque[AsyncResult[list[Row]]] = deque()
        for chunk in _chunks(docs):
            pending.append(pool.apply_async(_rows, (chunk,)))
            if len(pending) > 2 * workers:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


def _groups(batches: Iterator[list[Row]], size: int = 20) -> Iterator[list[Row]]:
    """Batches joined into groups, each taken whole before it is written: a source read on the same
    connection must not fetch while a COPY is open."""
    while group := [row for batch in islice(batches, size) for row in batch]:
        yield group


class _Progress:
    def __init__(self, label: str, total: int, say: Callable[[str], None]) -> None:
        self.label, self.total, self.say = label, total, say
        self.done, self.start, self.shown = 0, time.monotonic(), 0.0

    def add(self, n: int, *, last: bool = False) -> None:
        self.done += n
        now = time.monotonic()
        if last or now - self.shown >= 5:
            self.shown = now
            elapsed = now - self.start
            rate = self.done / elapsed if elapsed else 0.0
            self.say(f"{self.label}：{self.done:,}/{self.total:,}，{rate:,.0f} 条/秒，已用 {elapsed:,.1f} 秒")


def _load_postgresql(kind: int, batches: Iterator[list[Row]], progress: _Progress) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cursor.execute(f"DROP INDEX IF EXISTS {_GIN[kind]}")
        cursor.execute("DELETE FROM search_document WHERE kind = %s", [kind])
        raw = cursor.cursor  # psycopg's own cursor, for COPY
        for group in _groups(batches):
            with raw.copy(f"COPY search_document ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for row in group:
                    copy.write_row(row)
            progress.add(len(group))
        progress.say(f"{progress.label}：建立索引…")
        cursor.execute(
            f"CREATE INDEX {_GIN[kind]} ON search_document USING gin (tokens) WITH (fastupdate = off) "
            f"WHERE kind = {int(kind)}"  # as the migration creates it
        )
        cursor.execute("ANALYZE search_document")


def _load_sqlite(kind: int, batches: Iterator[list[Row]], progress: _Progress) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM search_document WHERE kind = %s", [kind])  # the trigger empties FTS rows
        cursor.execute("DROP TRIGGER IF EXISTS search_document_ai")
        placeholders = ", ".join(["%s"] * len(COLUMNS))
        for batch in batches:
            insert = f"INSERT INTO search_document ({', '.join(COLUMNS)}) VALUES ({placeholders})"  # noqa: S608
            cursor.executemany(insert, batch)
            progress.add(len(batch))
        progress.say(f"{progress.label}：建立索引…")
        cursor.execute(
            "INSERT INTO search_fts(rowid, tokens) SELECT id, tokens FROM search_document WHERE kind = %s", [kind]
        )
        cursor.execute(
            "CREATE TRIGGER search_document_ai AFTER INSERT ON search_document BEGIN "
            "INSERT INTO search_fts(rowid, tokens) VALUES (new.id, new.tokens); END"
        )


def rebuild(
    kinds: Iterable[int] | None = None,
    *,
    say: Callable[[str], None] = print,
    workers: int | None = None,
    sources: dict[int, Source] | None = None,
) -> dict[int, int]:
    """Refill the index of each kind from its source, in one transaction per kind; returns the counts.
    Searches of that kind wait for the commit on PostgreSQL (the GIN index is dropped and rebuilt)."""
    sources = SOURCES if sources is None else sources
    workers = workers if workers is not None else min(4, os.cpu_count() or 1)
    done: dict[int, int] = {}
    for kind in kinds if kinds is not None else sorted(sources):
        source = sources[kind]
        progress = _Progress(Kind(kind).label, source.count(), say)
        load = _load_postgresql if connection.vendor == "postgresql" else _load_sqlite
        with transaction.atomic():
            load(kind, _encoded(source.docs(), workers), progress)
        progress.add(0, last=True)
        done[kind] = progress.done
    return done
