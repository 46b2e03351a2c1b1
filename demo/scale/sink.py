"""Bulk writes for ``load_scale``: COPY on PostgreSQL, ``executemany`` on SQLite, in a writer thread.

The generator fills one chunk of rows (every table) while the writer sends the previous one, so Python
and the database work at the same time on a two-core machine. A chunk is one transaction (unless the
caller already holds one, as a test does). Non-unique secondary indexes can be dropped for the load and
re-created from their own definitions (the catalogue's), then the tables are analysed.
"""

from __future__ import annotations

import queue
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.management.color import no_style
from django.db import connection
from django.db.models import Model

Row = Sequence[Any]


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]


@dataclass
class Batch:
    table: Table
    rows: list[Row]


class Sink:
    """Writes chunks of rows, each in one transaction: ``write`` at once, or ``put`` for a background thread
    (``threaded``), then ``close``."""

    def __init__(self, in_transaction: bool, threaded: bool = True) -> None:
        connection.ensure_connection()
        self.vendor = connection.vendor
        self.raw: Any = connection.connection
        self.in_transaction = in_transaction
        self.rows: Counter[str] = Counter()
        self.error: BaseException | None = None
        self._queue: queue.Queue[list[Batch] | None] = queue.Queue(maxsize=1)
        self._thread = threading.Thread(target=self._run, name="load_scale-writer", daemon=True)
        if threaded:
            self._thread.start()

    def write(self, chunk: list[Batch]) -> None:
        self._write_chunk(chunk)

    def put(self, chunk: list[Batch]) -> None:
        """Queue one chunk (waits while the writer is still busy with the one before)."""
        self._raise()
        self._queue.put(chunk)

    def close(self) -> None:
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        self._raise()

    def _raise(self) -> None:
        if self.error is not None:
            raise self.error

    def _run(self) -> None:
        while True:
            chunk = self._queue.get()
            if chunk is None:
                return
            if self.error is not None:
                continue  # keep draining so that the producer never blocks on a dead writer
            try:
                self._write_chunk(chunk)
            except BaseException as exc:  # noqa: BLE001 (re-raised in the producer's thread)
                self.error = exc

    def _write_chunk(self, chunk: list[Batch]) -> None:
        own = not self.in_transaction
        cur = self.raw.cursor()
        try:
            if own:
                cur.execute("BEGIN IMMEDIATE" if self.vendor == "sqlite" else "BEGIN")
            for batch in chunk:
                if batch.rows:
                    self._write(cur, batch)
                    self.rows[batch.table.name] += len(batch.rows)
            if own:
                cur.execute("COMMIT")
        except BaseException:
            if own:
                cur.execute("ROLLBACK")
            raise
        finally:
            cur.close()

    def _write(self, cur: Any, batch: Batch) -> None:
        t = batch.table
        cols = ", ".join(f'"{c}"' for c in t.columns)
        if self.vendor == "postgresql":
            with cur.copy(f'COPY "{t.name}" ({cols}) FROM STDIN') as copy:
                write = copy.write_row
                for row in batch.rows:
                    write(row)
        else:
            marks = ", ".join("?" * len(t.columns))
            # table and column names are the load's own constants (tables.py), never input
            cur.executemany(f'INSERT INTO "{t.name}" ({cols}) VALUES ({marks})', batch.rows)  # noqa: S608


# ---------------------------------------------------------------------------------------------------
# Session settings, indexes, sequences, statistics


def is_superuser() -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cur:
        cur.execute("SELECT current_setting('is_superuser')")
        row = cur.fetchone()
    return bool(row and row[0] == "on")


@contextmanager
def load_settings(in_transaction: bool) -> Iterator[list[str]]:
    """Session settings for a bulk load, restored afterwards; yields notes on what was set.

    PostgreSQL: UTC (the strings written carry no offset), no wait for the WAL flush at commit, and as a
    superuser ``session_replication_role = replica``, which skips the per-row foreign-key triggers (the
    generator writes consistent keys; ``verify_history`` and the tests check them). SQLite: no fsync, a
    big page cache, and foreign keys off (only possible outside a transaction).
    """
    notes: list[str] = []
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET TIME ZONE 'UTC'")
            cur.execute("SET synchronous_commit = off")
            # Proposal bodies and reply letters are TOASTed: lz4 compresses several times faster than pglz.
            cur.execute("SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")
            lz4 = bool((cur.fetchone() or [False])[0])
            if lz4:
                cur.execute("SET default_toast_compression = 'lz4'")
            replica = is_superuser()
            if replica:
                cur.execute("SET session_replication_role = replica")
                notes.append("PostgreSQL：载入期间跳过逐行外键检查（session_replication_role=replica）")
            try:
                yield notes
            finally:
                if replica:
                    cur.execute("SET session_replication_role = DEFAULT")
                if lz4:
                    cur.execute("SET default_toast_compression = DEFAULT")
                cur.execute("SET synchronous_commit = DEFAULT")
        else:
            cur.execute("PRAGMA cache_size = -262144")
            if not in_transaction:  # none of these can change inside a transaction
                cur.execute("PRAGMA temp_store = MEMORY")
                cur.execute("PRAGMA synchronous = OFF")
                cur.execute("PRAGMA foreign_keys = OFF")
                notes.append("SQLite：载入期间 synchronous=OFF、不检查外键")
            try:
                yield notes
            finally:
                if not in_transaction:
                    cur.execute("PRAGMA foreign_keys = ON")
                    cur.execute("PRAGMA synchronous = NORMAL")
                    cur.execute("PRAGMA temp_store = DEFAULT")
                cur.execute("PRAGMA cache_size = -2000")


def secondary_indexes(tables: Sequence[str]) -> list[tuple[str, str, str]]:
    """The non-unique, non-primary indexes of ``tables``: (table, name, the SQL that creates it)."""
    out: list[tuple[str, str, str]] = []
    with connection.cursor() as cur:
        for table in tables:
            if connection.vendor == "postgresql":
                cur.execute(
                    """SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x
                       JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
                       WHERE t.relname = %s AND t.relnamespace = 'public'::regnamespace
                         AND NOT x.indisunique AND NOT x.indisprimary ORDER BY i.relname""",
                    [table],
                )
            else:
                cur.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL"
                    " AND upper(sql) NOT LIKE 'CREATE UNIQUE%%' ORDER BY name",
                    [table],
                )
            out += [(table, name, sql) for name, sql in cur.fetchall()]
    return out


def drop_indexes(indexes: Sequence[tuple[str, str, str]]) -> None:
    with connection.cursor() as cur:
        for _, name, _ in indexes:
            cur.execute(f'DROP INDEX "{name}"')


def create_indexes(indexes: Sequence[tuple[str, str, str]], progress: Callable[[int, str], None]) -> None:
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET maintenance_work_mem = '1GB'")
        for i, (table, name, sql) in enumerate(indexes, start=1):
            cur.execute(sql)
            progress(i, f"{table}.{name}")
        if connection.vendor == "postgresql":
            cur.execute("RESET maintenance_work_mem")


def reset_sequences(models: Sequence[type[Model]]) -> None:
    """Let the next ORM insert continue after the ids the load chose (PostgreSQL; SQLite keeps up itself)."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(models))
    if statements:
        with connection.cursor() as cur:
            for sql in statements:
                cur.execute(sql)


def vacuum(tables: Sequence[str]) -> None:
    """VACUUM (ANALYZE) each table (PostgreSQL, outside any transaction): sets the visibility map that
    index-only scans need and removes the dead rows of the load's UPDATEs."""
    with connection.cursor() as cur:
        for table in tables:
            cur.execute(f'VACUUM (ANALYZE) "{table}"')


def analyze(tables: Sequence[str]) -> None:
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            for table in tables:
                cur.execute(f'ANALYZE "{table}"')
        else:
            cur.execute("PRAGMA analysis_limit = 2000")
            cur.execute("ANALYZE")
