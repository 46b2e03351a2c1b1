"""``manage.py load_scale``: a province's worth of proposals, written with bulk SQL.

``ScaleLoad.run`` builds the organisation with the ORM (a few thousand rows), then generates the proposals
chunk by chunk (``play.Generator``) while a writer thread sends the previous chunk to the database
(``sink.Sink``: COPY on PostgreSQL, ``executemany`` on SQLite). For a large load the non-unique secondary
indexes are dropped first and re-created at the end, then the sequences are reset and the tables analysed.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, timedelta
from multiprocessing.connection import Connection

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from demo.loader import PASSWORD
from handling.models import Assignment, Reply, ReplyMeeting
from organisation.models import Department, Jurisdiction, User
from proposals.models import Proposal, Session
from workcalendar.counting import load_calendar

from . import letters, sink, tables
from .org import Builder, Ids, Place
from .play import Generator, count_plan
from .words import build as build_pools
from .words import sources as read_sources

STAGES = 6
PROGRESS_SECONDS = 5.0
AUTO_REBUILD_FROM = 50_000  # below this, dropping and re-creating the indexes costs more than it saves
AUTO_FORK_FROM = 20_000  # below this, a second process costs more than it saves
DEMO_ACCOUNTS = ("office", "cppcc", "mayor", "county_office", "jyj_handler", "member1", "auditor")


class ScaleError(Exception):
    """A load that cannot start; the message says why, in Chinese."""


@dataclass(frozen=True)
class Options:
    proposals: int
    jurisdictions: int = 15
    units: int = 40
    years: int = 10
    seed: int = 2026
    data_dir: str | None = None
    append: bool = False
    indexes: str = "auto"  # auto | rebuild | keep
    chunk: int = 10_000
    processes: str = "auto"  # auto | 1 | 2: generate in a child process while this one writes
    search_index: bool = True  # run rebuild_search_index afterwards, if the product has it


@dataclass
class Summary:
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    stages: list[tuple[str, float]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    demo_accounts: bool = False

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def _fmt_seconds(s: float) -> str:
    s = max(0, int(s))
    return f"{s // 60}分{s % 60:02d}秒" if s >= 60 else f"{s}秒"


class ScaleLoad:
    def __init__(self, options: Options, write: Callable[[str], None], clock: Callable[[], float] = time.monotonic):
        self.o = options
        self.write = write
        self.clock = clock
        self.summary = Summary()
        self._stage = 0
        self._stage_name = ""
        self._stage_started = 0.0

    # ------------------------------------------------------------------------------------------------

    def stage(self, name: str) -> None:
        self._end_stage()
        self._stage += 1
        self._stage_name = name
        self._stage_started = self.clock()
        self.write(f"[{self._stage}/{STAGES}] {name}……")

    def _end_stage(self) -> None:
        if self._stage_name:
            self.summary.stages.append((self._stage_name, self.clock() - self._stage_started))
            self._stage_name = ""

    def check(self) -> None:
        o = self.o
        if o.proposals < 1:
            raise ScaleError("--proposals 须为正整数。")
        if not 1 <= o.jurisdictions <= 200 or not 4 <= o.units <= 55 or not 1 <= o.years <= 30:
            raise ScaleError("--jurisdictions 须在 1–200 之间，--units 在 4–55 之间，--years 在 1–30 之间。")
        if o.indexes not in ("auto", "rebuild", "keep"):
            raise ScaleError("--indexes 只能是 auto、rebuild 或 keep。")
        if o.processes not in ("auto", "1", "2"):
            raise ScaleError("--processes 只能是 auto、1 或 2。")
        if o.processes == "2" and "fork" not in multiprocessing.get_all_start_methods():
            raise ScaleError("本系统不支持 fork，无法使用 --processes 2。")
        existing = Proposal.objects.count()
        if existing and not o.append:
            vendor = connection.vendor
            how = (
                "PostgreSQL 上请删除并重建数据库（dropdb / createdb，再 migrate）：办理历史只允许追加，flush 会被拒绝"
                if vendor == "postgresql"
                else "SQLite 上可运行 `python manage.py flush`（清空全部数据），或删除数据库文件后重新 migrate"
            )
            raise ScaleError(
                f"数据库中已有 {existing} 件提案，为免混入已有数据，load_scale 拒绝载入。"
                f"如确需在现有数据之外再载入一个省份，请加 --append；如需从空库开始：{how}。"
            )
        missing = tables.check_columns()
        if missing:
            raise ScaleError(f"以下必填字段 load_scale 尚未生成，请先补充 demo/scale/tables.py：{'、'.join(missing)}")

    def run(self) -> Summary:
        started = self.clock()
        o = self.o
        self.check()
        rng = random.Random(o.seed)  # noqa: S311 (demo data, reproducible by design)
        today = timezone.localdate()
        now = timezone.now()
        offset = timezone.localtime(now).utcoffset() or timedelta(0)
        years = list(range(today.year - o.years + 1, today.year + 1))

        self.stage("提案来源与文本模板")
        sources, note = read_sources(rng, o.data_dir)
        pools = build_pools(rng, years)
        self.write(f"  {note}")

        self.stage("辖区、承办单位、账号和届次")
        models: list[type[Model]] = [Jurisdiction, Department, User, Session, *tables.MODELS]
        models += [User.charged_departments.through, ReplyMeeting.assignments.through]
        ids = Ids(models)
        demo_names = not User.objects.filter(username__in=DEMO_ACCOUNTS).exists()
        password_hash = make_password(PASSWORD)  # hashed once, with the configured hasher, for every account
        joined = timezone.now().astimezone(UTC).isoformat(sep=" ", timespec="microseconds")[:26]
        builder = Builder(rng, ids, password_hash, years, today.year, demo_names, joined)
        with transaction.atomic():
            places = builder.build(o.jurisdictions, o.units, Jurisdiction.objects.count())
        self.summary.demo_accounts = demo_names
        self.summary.rows.update(
            {
                Jurisdiction._meta.db_table: len(places),
                Department._meta.db_table: len(builder.departments),
                User._meta.db_table: len(builder.users) + (1 if demo_names else 0),
                Session._meta.db_table: sum(len(p.sessions) for p in places),
            }
        )
        self.write(
            f"  {len(places)} 个辖区、{len(builder.departments)} 个承办单位、{len(builder.users)} 个账号、"
            f"{self.summary.rows[Session._meta.db_table]} 个届次"
            + ("；示例市沿用演示账号（office、jyj_handler、member1 …，密码 demo-2026）" if demo_names else "")
        )
        if not demo_names:
            self.summary.notes.append("数据库中已有演示账号（office 等），本次的账号一律带辖区前缀（如 c01_office）。")

        rebuild = o.indexes == "rebuild" or (o.indexes == "auto" and o.proposals >= AUTO_REBUILD_FROM)
        indexes = sink.secondary_indexes([t.name for t in tables.ORDER]) if rebuild else []
        in_transaction = connection.in_atomic_block
        cal = load_calendar()
        generator = Generator(
            rng=rng,
            places=places,
            sources=sources,
            pools=pools,
            ids=ids,
            cal=cal,
            today=today,
            now=now,
            utc_offset=offset,
        )
        plan = count_plan(places, years, o.proposals, rng)
        try:
            with sink.load_settings(in_transaction) as notes:
                self.summary.notes += notes
                if indexes:
                    drop_started = self.clock()
                    sink.drop_indexes(indexes)
                    took = self.clock() - drop_started
                    self.write(f"  载入前去掉 {len(indexes)} 个非唯一二级索引（{took:.1f} 秒），载入后重建")
                self.stage(f"生成并写入提案、交办、办理记录和历史（每批 {o.chunk} 件）")
                self._generate(generator, plan, in_transaction)
        finally:
            if indexes:
                self.stage(f"重建 {len(indexes)} 个二级索引")
                sink.create_indexes(indexes, self._index_progress(len(indexes)))
        self.stage("重置主键序列，更新统计信息（ANALYZE）")
        sink.reset_sequences(models)
        sink.analyze([t.name for t in tables.ORDER])
        self.stage("派生数据")
        units = [row[0] for row in builder.departments]
        n = letters.set_sequences(min(units), max(units))
        self.write(f"  答复函文号序列 {n} 个（承办单位×年度），各自续接载入时的最后一号")
        self._derived()
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            # After a bulk load no page is yet marked all-visible, so every index-only scan (the bounded
            # counts, the to-do lists) still reads the table; the derived data's UPDATEs left dead rows.
            # Autovacuum would get there in its own time; a province that has run for years is vacuumed.
            self.stage("清理并更新统计信息（VACUUM ANALYZE）")
            sink.vacuum([t.name for t in tables.ORDER])
        self._end_stage()
        self.summary.seconds = self.clock() - started
        return self.summary

    # ------------------------------------------------------------------------------------------------

    def _forks(self) -> bool:
        o = self.o
        if o.processes == "auto":
            return o.proposals >= AUTO_FORK_FROM and "fork" in multiprocessing.get_all_start_methods()
        return o.processes == "2"

    def _generate(self, g: Generator, plan: Sequence[tuple[Place, int, int]], in_transaction: bool) -> None:
        started = self.clock()
        forked = self._forks()
        writer = sink.Sink(in_transaction, threaded=not forked)
        self.write("  生成在子进程中进行，本进程同时写入数据库" if forked else "  生成在本进程中进行，写入在后台线程")
        last = started
        events = rows = 0
        try:
            chunks = _forked_chunks(g, plan, self.o.chunk) if forked else _chunks(g, plan, self.o.chunk)
            for done, events, chunk in chunks:
                rows += sum(len(b.rows) for b in chunk)
                if forked:
                    writer.write(chunk)
                else:
                    writer.put(chunk)
                now = self.clock()
                if now - last >= PROGRESS_SECONDS:
                    last = now
                    self._tick(done, events, rows, now - started)
        finally:
            writer.close()
        self._tick(self.o.proposals, events, rows, self.clock() - started)
        for name, n in writer.rows.items():
            self.summary.rows[name] = self.summary.rows.get(name, 0) + n

    @staticmethod
    def _read_columns() -> tuple[int, int, int]:
        """(assignments without a jurisdiction, published replies, assignments marked key), when the product
        has those columns."""
        missing = Assignment.objects.filter(jurisdiction__isnull=True).count() if tables.ASSIGNMENT_JURISDICTION else 0
        published = Reply.objects.filter(published_on__isnull=False).count() if tables.REPLY_PUBLISHED else 0
        key = Assignment.objects.filter(is_key_or_suggestion=True).count() if tables.ASSIGNMENT_KEY_FLAG else 0
        return missing, published, key

    def _tick(self, done: int, events: int, rows: int, elapsed: float) -> None:
        total = self.o.proposals
        per_second = 1 / elapsed if elapsed > 0 else 0.0
        left = (total - done) / (done * per_second) if done and per_second else 0.0
        self.write(
            f"  提案 {done:,}/{total:,}（{done * 100 // max(1, total)}%），事件 {events:,} 条，共 {rows:,} 行；"
            f"{done * per_second:,.0f} 件/秒，{rows * per_second:,.0f} 行/秒；已用 {_fmt_seconds(elapsed)}"
            + (f"，预计还需 {_fmt_seconds(left)}" if done < total else "")
        )

    def _index_progress(self, total: int) -> Callable[[int, str], None]:
        started = self.clock()

        def progress(i: int, name: str) -> None:
            self.write(f"  索引 {i}/{total}：{name}（已用 {_fmt_seconds(self.clock() - started)}）")

        return progress

    def _derived(self) -> None:
        from django.core.management import call_command, get_commands

        from handling import actions

        fill = getattr(actions, "fill_read_columns", None)
        if fill is not None and self.o.proposals >= AUTO_REBUILD_FROM:
            # Its anti-join over every reply takes minutes at a million; the load wrote the columns itself.
            self.write(
                "  读路径派生列（交办的辖区与重点标记、答复公开标记）已在载入时写入"
                "（小规模载入时用 fill_read_columns 核对）"
            )
        elif fill is not None:
            # The load writes the read-path columns itself (tables.py); the product's own set-based fill
            # then finds nothing to change (the tests hold it to that).
            started = self.clock()
            before = self._read_columns()
            fill()
            after = self._read_columns()
            took = self.clock() - started
            verdict = "核对无误，无需改动" if before == after else f"改动后为 {after}（载入时为 {before}）"
            self.write(f"  读路径派生列经 fill_read_columns {verdict}（{took:.1f} 秒）")
        from django.utils import timezone

        from handling.reminders import backfill

        # The rows were written in bulk: the reminder columns the load left empty are set for today,
        # and the worker's first scan dates each one (handling.reminders).
        self.write(f"  自动催办：{backfill(timezone.localdate())} 项待扫描核定日期")
        from reports.upkeep import recount_all

        # No event went through the actions, so no unit is marked changed: count every unit-year once
        # (the worker keeps them from now on; reports.upkeep).
        started = self.clock()
        self.write(f"  单位年度统计：{recount_all(timezone.localdate()):,} 行（{self.clock() - started:.1f} 秒）")
        if not self.o.search_index:
            self.write("  按 --no-search-index 跳过 rebuild_search_index（可稍后单独运行）。")
            self.summary.notes.append("未运行 rebuild_search_index（--no-search-index）。")
        elif "rebuild_search_index" in get_commands():
            self.write("  运行 rebuild_search_index 重建全文检索索引……")
            # inside the caller's transaction (a test) its worker processes could not see the rows
            options = {"workers": 1} if connection.in_atomic_block else {}
            call_command("rebuild_search_index", stdout=_Writer(self.write), **options)
            self.summary.notes.append("已运行 rebuild_search_index。")
        else:
            self.write("  未找到 rebuild_search_index 命令，跳过全文检索索引（该命令出现后可单独运行）。")
            self.summary.notes.append("未运行 rebuild_search_index（命令不存在）。")


Chunk = tuple[int, int, list[sink.Batch]]  # proposals done, events so far, the rows


def _interleaved(plan: Sequence[tuple[Place, int, int]]) -> Iterator[tuple[Place, int, str]]:
    """Each year's proposals with the places interleaved, as a province registers them through the year, not
    place after place: proposal i of a place's n comes at i/n of the year. So the newest ids of a list scoped to
    a few jurisdictions lie near the top of the index, as in a real province (place after place, an office's
    newest page first skipped the ten other cities' whole year)."""
    years: dict[int, list[tuple[Place, int]]] = {}
    for place, year, n in plan:
        years.setdefault(year, []).append((place, n))
    for year, places in years.items():
        order = sorted((i / n, j, i) for j, (_, n) in enumerate(places) for i in range(1, n + 1))
        for _, j, i in order:
            place, n = places[j]
            yield place, year, str(i).zfill(max(3, len(str(n))))


def _chunks(g: Generator, plan: Sequence[tuple[Place, int, int]], size: int) -> Iterator[Chunk]:
    """Generate the proposals of ``plan`` (interleaved within each year), a chunk of ``size`` at a time."""
    done = pending = 0
    for place, year, number in _interleaved(plan):
        g.proposal(place, year, number)
        pending += 1
        if pending >= size:
            done += pending
            pending = 0
            yield done, g.events, g.take_chunk()
    if pending:
        yield done + pending, g.events, g.take_chunk()


def _child(g: Generator, plan: Sequence[tuple[Place, int, int]], size: int, out: Connection) -> None:
    """The generating process: send each chunk, then the ids used; never touch the parent's database
    connection, and leave with ``os._exit`` so that no finaliser closes it from here."""
    try:
        for chunk in _chunks(g, plan, size):
            out.send(("chunk", chunk))
        out.send(("done", g.ids.next))
    except BaseException:  # noqa: BLE001 (reported to the parent, which raises)
        out.send(("error", traceback.format_exc()))
    finally:
        out.close()
        os._exit(0)


def _forked_chunks(g: Generator, plan: Sequence[tuple[Place, int, int]], size: int) -> Iterator[Chunk]:
    """The chunks of ``_chunks``, generated by a forked child while this process writes the previous one."""
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, args=(g, plan, size, send), name="load_scale-generator", daemon=True)
    child.start()
    send.close()
    try:
        while True:
            try:
                kind, payload = receive.recv()
            except EOFError as exc:
                raise ScaleError("生成数据的子进程意外退出。") from exc
            if kind == "chunk":
                yield payload
            elif kind == "done":
                g.ids.next.update(payload)  # the parent's counters catch up with the child's
                return
            else:
                raise ScaleError(f"生成数据的子进程出错：\n{payload}")
    finally:
        receive.close()
        child.join(timeout=30)
        if child.is_alive():
            child.kill()


class _Writer:
    """A stdout for ``call_command`` that passes lines on, indented."""

    def __init__(self, write: Callable[[str], None]) -> None:
        self._write = write

    def write(self, text: str) -> None:
        for line in text.rstrip("\n").splitlines():
            self._write(f"    {line}")

    def flush(self) -> None:
        pass
