"""A portable backup: every row of the project's tables as JSON lines, and its restore.

File format (UTF-8, one JSON value per line):

- line 1, the header: ``{"format": "banli-backup", "version": 1, "created_at", "vendor", "migrations":
  {app: [applied migration names]}, "models": [{"model", "fields"}], "counts": {model: rows},
  "sha256": hex of every following line's bytes}``;
- then one line per row, ``[model label, [values in the header's field order]]``, models in dependency
  order (a row's foreign keys point at models written before it), events by (proposal, id) so the
  restore can check the hash chain as it reads.

Values are database-independent: dates and times in ISO 8601 (UTC for times), decimals and UUIDs as
strings, binary as base64, JSON as JSON; foreign keys to permissions and content types as natural keys
(migrate recreates those tables with ids of its own).

Files (attachments) are not rows: they go into a folder beside the file, ``<name>.files/``, and come back
from it (history/backup_files.py); the header's ``files`` says how many, or null when left out.

Left out, on purpose: content types and permissions (made by migrate), sessions, API tokens (bearer
secrets: users sign in again), idempotency records (a one-day replay cache), sign-in throttling records
(django-axes) and the admin's log. TOTP devices ARE included, so second factors survive a restore:
the file holds their secrets and the password hashes, and must be kept like the database itself.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO, Any
from uuid import UUID

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Field, JSONField, Model
from django.db.models.sql import InsertQuery
from django.utils import timezone

from history import backup_files
from history.backup_files import FilesResult, Names
from history.chain import FIELDS, GENESIS, Break, check_link
from history.integrity import verify_history
from lib.errors import DomainError, InvalidInput

FORMAT = "banli-backup"
VERSION = 1
EXTRA_MODELS = ("auth.Group", "auth.Group_permissions", "otp_totp.TOTPDevice")
SKIPPED = ("organisation.ApiToken", "api.IdempotencyRecord")
NATURAL = (Permission, ContentType)  # referenced by natural key, not by id
# Tables that migrate fills (the official holiday calendar): a restore replaces their rows.
SEEDED = ("workcalendar.CalendarDay", "workcalendar.CalendarYear")
ORDER = {"history.Event": ("proposal_id", "id")}
NUL = "\x00"
REPLACEMENT = "\ufffd"


class RestoreRefused(DomainError):
    status = 409
    code = "restore_refused"


# ---------------------------------------------------------------------------------------------------
# Which models, in which order


def _is_project(app_path: str) -> bool:
    base = str(settings.BASE_DIR)
    return app_path.startswith(base) and f"{os.sep}.venv{os.sep}" not in app_path


def backup_models() -> list[type[Model]]:
    """The models backed up, each after every model its foreign keys point at."""
    chosen: dict[str, type[Model]] = {}
    for config in apps.get_app_configs():
        for model in config.get_models(include_auto_created=True):
            label = model._meta.label
            wanted = _is_project(config.path) or label in EXTRA_MODELS
            if wanted and label not in SKIPPED and not model._meta.proxy and model._meta.managed:
                chosen[label] = model
    return _dependency_order(chosen)


def _dependency_order(chosen: dict[str, type[Model]]) -> list[type[Model]]:
    ordered: list[type[Model]] = []
    seen: set[str] = set()

    def visit(label: str) -> None:
        if label in seen:
            return
        seen.add(label)
        for f in chosen[label]._meta.concrete_fields:
            target = f.related_model._meta.label if f.is_relation and f.related_model else None
            if target in chosen and target != label:
                visit(target)
        ordered.append(chosen[label])

    for label in sorted(chosen):
        visit(label)
    return ordered


def _fields(model: type[Model]) -> list[Field[Any, Any]]:
    return [f for f in model._meta.concrete_fields if not getattr(f, "generated", False)]


def _natural_target(f: Field[Any, Any]) -> type[Model] | None:
    target = f.related_model if f.is_relation else None
    return target if isinstance(target, type) and issubclass(target, NATURAL) else None


# ---------------------------------------------------------------------------------------------------
# Values


def dump_value(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if timezone.is_aware(value) else value.isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, (Decimal, UUID, timedelta)):
        return str(value)
    if isinstance(value, (bytes, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value  # JSON (dicts, lists) as it is


def _natural_keys(using: str) -> dict[type[Model], dict[int, list[Any]]]:
    return {m: {o.pk: list(o.natural_key()) for o in m._default_manager.using(using).all()} for m in NATURAL}


# ---------------------------------------------------------------------------------------------------
# Backup


def migration_state(using: str, labels: Iterable[str]) -> dict[str, list[str]]:
    state: dict[str, list[str]] = {label: [] for label in labels}
    for app, name in MigrationRecorder(connections[using]).applied_migrations():
        if app in state:
            state[app].append(name)
    return {app: sorted(names) for app, names in sorted(state.items())}


def _rows(model: type[Model], using: str, natural: dict[type[Model], dict[int, list[Any]]]) -> Iterator[list[Any]]:
    fields = _fields(model)
    keyed = [(i, _natural_target(f)) for i, f in enumerate(fields)]
    keyed = [(i, t) for i, t in keyed if t is not None]
    order = ORDER.get(model._meta.label, ("pk",))
    qs = model._base_manager.using(using).order_by(*order).values_list(*[f.attname for f in fields])
    for row in qs.iterator(chunk_size=2000):
        values = [dump_value(v) for v in row]
        for i, target in keyed:
            if values[i] is not None:
                values[i] = natural[target][values[i]]  # type: ignore[index]
        yield values


@dataclass
class BackupResult:
    counts: dict[str, int]
    sha256: str
    files: FilesResult | None = None


def write_backup(
    out: IO[bytes],
    using: str = DEFAULT_DB_ALIAS,
    progress: Callable[[str], None] | None = None,
    files_dir: Path | None = None,
) -> BackupResult:
    """Stream every row to ``out``: the body goes to a temporary file first, so the header can carry
    the counts and checksum while memory stays constant. With ``files_dir``, the files the rows name are
    copied there (after the snapshot) and counted in the header."""
    models = backup_models()
    counts: Counter[str] = Counter()
    digest = hashlib.sha256()
    with tempfile.TemporaryFile() as body, tempfile.TemporaryFile() as spool:
        names = Names(spool)
        with _snapshot(using):
            header = _write_rows(body, names, models, using, counts, digest, progress)
        files = backup_files.copy_out(names, files_dir, progress) if files_dir is not None else None
        folder = files_dir.name.removesuffix(".partial") if files_dir is not None else ""
        header["files"] = files.as_json(folder) if files is not None else None
        out.write((json.dumps(header, ensure_ascii=False) + "\n").encode())
        body.seek(0)
        shutil.copyfileobj(body, out)
    return BackupResult(dict(counts), digest.hexdigest(), files)


def _write_rows(
    body: IO[bytes],
    names: Names,
    models: list[type[Model]],
    using: str,
    counts: Counter[str],
    digest: Any,
    progress: Callable[[str], None] | None,
) -> dict[str, Any]:
    """Every row into ``body`` (the files they name into ``names``); the header, without ``files``."""
    natural = _natural_keys(using)
    for model in models:
        label = model._meta.label
        names.watch(label, [f.attname for f in _fields(model)])
        for values in _rows(model, using, natural):
            line = (json.dumps([label, values], ensure_ascii=False, separators=(",", ":")) + "\n").encode()
            digest.update(line)
            body.write(line)
            names.feed(label, values)
            counts[label] += 1
        if progress is not None:
            progress(f"{label}：{counts[label]} 行")
    return {
        "format": FORMAT,
        "version": VERSION,
        "created_at": timezone.now().isoformat(),
        "vendor": connections[using].vendor,
        "migrations": migration_state(using, sorted({m._meta.app_label for m in models})),
        "models": [{"model": m._meta.label, "fields": [f.attname for f in _fields(m)]} for m in models],
        "counts": {m._meta.label: counts[m._meta.label] for m in models},
        "sha256": digest.hexdigest(),
    }


class _snapshot:
    """One consistent, read-only view of the database for the whole backup."""

    def __init__(self, using: str) -> None:
        self.using = using
        self.atomic = transaction.atomic(using=using)

    def __enter__(self) -> None:
        self.atomic.__enter__()
        connection = connections[self.using]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")

    def __exit__(self, *exc: Any) -> None:
        self.atomic.__exit__(*exc)


def backup_to(
    path: Path,
    using: str = DEFAULT_DB_ALIAS,
    progress: Callable[[str], None] | None = None,
    with_files: bool = True,
) -> BackupResult:
    """The rows to ``path``, the files to ``backup_files.folder_for(path)`` (unless ``with_files`` is false)."""
    partial = path.with_name(path.name + ".partial")
    folder = backup_files.folder_for(path)
    files_partial = folder.with_name(folder.name + ".partial") if with_files else None
    if files_partial is not None and files_partial.exists():
        shutil.rmtree(files_partial)  # left by a backup that crashed
    with partial.open("wb") as out:
        result = write_backup(out, using, progress, files_partial)
    if files_partial is not None:
        backup_files.replace_folder(files_partial, folder)
    partial.replace(path)  # a crash never leaves a file that looks complete
    return result


# ---------------------------------------------------------------------------------------------------
# Restore


@dataclass
class RestoreResult:
    counts: dict[str, int]
    nul_replaced: int = 0
    nul_rows: dict[str, int] = field(default_factory=dict)
    rechained: int = 0
    files: FilesResult | None = None
    with_files: bool = True  # false: the backup holds no files (``files`` lists those the storage lacks)


def _replace_nul(value: Any) -> tuple[Any, int]:
    if isinstance(value, str):
        n = value.count(NUL)
        return (value.replace(NUL, REPLACEMENT), n) if n else (value, 0)
    if isinstance(value, list):
        pairs = [_replace_nul(v) for v in value]
        return [v for v, _ in pairs], sum(n for _, n in pairs)
    if isinstance(value, dict):
        total, out = 0, {}
        for k, v in value.items():
            (k2, a), (v2, b) = _replace_nul(k), _replace_nul(v)
            out[k2] = v2
            total += a + b
        return out, total
    return value, 0


class _Table:
    """How to turn one model's backed-up values into rows of this database."""

    def __init__(self, model: type[Model], names: list[str], using: str) -> None:
        by_attname = {f.attname: f for f in _fields(model)}
        missing = sorted(set(by_attname) - set(names))
        unknown = sorted(set(names) - set(by_attname))
        if missing or unknown:
            raise RestoreRefused(
                f"备份中 {model._meta.label} 的字段与本数据库不一致（缺少 {missing or '无'}，多出 {unknown or '无'}）。"
            )
        self.model = model
        self.fields = [by_attname[n] for n in names]
        self.natural = {i: _natural_target(f) for i, f in enumerate(self.fields) if _natural_target(f)}
        self.lookup: dict[type[Model], dict[tuple[Any, ...], int]] = {}
        for target in set(self.natural.values()):
            assert target is not None
            self.lookup[target] = {
                tuple(o.natural_key()): o.pk  # type: ignore[attr-defined]
                for o in target._default_manager.using(using).all()
            }

    def instance(self, values: list[Any]) -> Model:
        obj = self.model()
        for i, (f, v) in enumerate(zip(self.fields, values, strict=True)):
            target = self.natural.get(i)
            if target is not None and v is not None:
                try:
                    v = self.lookup[target][tuple(v)]
                except KeyError:
                    raise RestoreRefused(f"本数据库没有备份中引用的 {target._meta.label}：{v}。") from None
            elif v is not None and not isinstance(f, JSONField):
                v = f.to_python(v)
            setattr(obj, f.attname, v)
        return obj


def _insert(model: type[Model], objs: list[Model], using: str) -> None:
    """INSERT the rows as they are: with their primary keys, no auto_now, no signals (like loaddata)."""
    if not objs:
        return
    fields = _fields(model)
    query = InsertQuery(model)
    query.insert_values(fields, objs, raw=True)
    query.get_compiler(using=using).execute_sql(returning_fields=None)
    objs.clear()


def _read_header(stream: IO[bytes]) -> dict[str, Any]:
    first = stream.readline()
    try:
        header = json.loads(first)
    except ValueError:
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise InvalidInput("这不是本系统的备份文件。")
    if header.get("version") != VERSION:
        raise InvalidInput(f"不支持的备份格式版本：{header.get('version')}（本系统为 {VERSION}）。")
    return header


def _check_target(header: dict[str, Any], using: str) -> dict[str, type[Model]]:
    labels = [entry["model"] for entry in header["models"]]
    models: dict[str, type[Model]] = {}
    for label in labels:
        try:
            models[label] = apps.get_model(label)
        except LookupError:
            raise RestoreRefused(f"本系统没有备份中的数据表 {label}。") from None
    here = migration_state(using, header["migrations"])
    if here != header["migrations"]:
        differ = sorted(app for app in here if here[app] != header["migrations"].get(app))
        raise RestoreRefused(
            f"数据库结构版本与备份不一致（{'、'.join(differ)}）：请先把本系统升级到备份时的版本并执行 migrate。"
        )
    occupied = [
        label for label, model in models.items() if label not in SEEDED and model._base_manager.using(using).exists()
    ]
    if occupied:
        raise RestoreRefused(
            f"只能恢复到空的数据库（已执行 migrate、尚无业务数据）；这些表已有数据：{'、'.join(occupied)}。"
        )
    return models


def restore_from(
    stream: IO[bytes],
    using: str = DEFAULT_DB_ALIAS,
    progress: Callable[[str], None] | None = None,
    batch: int = 500,
    files_dir: Path | None = None,
) -> RestoreResult:
    """Restore a backup into an empty migrated database, all in one transaction; refuse otherwise.

    The files its rows name come back from ``files_dir`` (history/backup_files.py) inside the transaction,
    when the header says the backup holds them; refused if it does and ``files_dir`` is not there."""
    header = _read_header(stream)
    _check_checksum(stream, header)  # a first pass: a damaged file is refused before anything is written
    with_files = header.get("files") is not None
    if with_files and (files_dir is None or not files_dir.is_dir()):
        raise RestoreRefused(
            f"备份含 {header['files'].get('count', 0)} 个附件文件，但找不到其文件夹（{files_dir}）："
            "请把它放在备份文件旁边。"
        )
    connection = connections[using]
    replace_nul = connection.vendor == "postgresql"
    counts: Counter[str] = Counter()
    nul_rows: Counter[str] = Counter()
    nul_total = 0
    nul_proposals: set[int] = set()
    digest = hashlib.sha256()
    with tempfile.TemporaryFile() as spool, transaction.atomic(using=using):
        names = Names(spool)
        models = _check_target(header, using)
        for label in SEEDED:
            if label in models:
                models[label]._base_manager.using(using).all().delete()
        tables = {e["model"]: _Table(models[e["model"]], e["fields"], using) for e in header["models"]}
        for e in header["models"]:
            names.watch(e["model"], e["fields"])
        pending: list[Model] = []
        current: str | None = None
        event_fields = [f.attname for f in tables["history.Event"].fields] if "history.Event" in tables else []
        events = _EventCheck(event_fields) if event_fields else None
        for line in stream:
            digest.update(line)
            label, values = json.loads(line)
            if label != current:
                if current is not None:
                    _insert(models[current], pending, using)
                    if progress is not None:
                        progress(f"{current}：{counts[current]} 行")
                current = label
            if label == "history.Event" and events is not None:
                events.feed(values)
            if replace_nul:
                values, n = _replace_nul(values)
                if n:
                    nul_total += n
                    nul_rows[label] += 1
                    if label == "history.Event":
                        nul_proposals.add(values[event_fields.index("proposal_id")])
            pending.append(tables[label].instance(values))
            names.feed(label, values)
            counts[label] += 1
            if len(pending) >= batch:
                _insert(models[label], pending, using)
        if current is not None:
            _insert(models[current], pending, using)
            if progress is not None:
                progress(f"{current}：{counts[current]} 行")
        _check_totals(header, counts, digest.hexdigest())
        _reset_sequences(list(models.values()), using)
        rechained = _rechain_replaced(nul_proposals)
        broken, _ = verify_history()
        if broken is not None:
            raise RestoreRefused(f"恢复后办理历史校验失败，已全部撤销：{broken}")
        files = backup_files.copy_in(names, files_dir if with_files else None, progress)
    return RestoreResult(dict(counts), nul_total, dict(nul_rows), rechained, files, with_files)


class _EventCheck:
    """Check the events' hash chain as the backup holds them (ordered by proposal, id), before any NUL
    is replaced, so a replacement can be re-chained without hiding a forgery."""

    def __init__(self, names: list[str]) -> None:
        self.index = [names.index("id" if n == "pk" else n) for n in (*FIELDS, "prev_hash", "hash")]
        self.at = FIELDS.index("at")
        self.proposal: Any = None
        self.prev = GENESIS

    def feed(self, values: list[Any]) -> None:
        row = [values[i] for i in self.index]
        row[self.at] = datetime.fromisoformat(row[self.at])
        if row[1] != self.proposal:
            self.proposal, self.prev = row[1], GENESIS
        what = check_link(tuple(row), self.prev)
        if what is not None:
            raise RestoreRefused(f"备份中的办理历史校验失败，未恢复：{Break(row[1], row[0], what)}")
        self.prev = row[-1]


def _check_checksum(stream: IO[bytes], header: dict[str, Any]) -> None:
    start = stream.tell()
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(1 << 20), b""):
        digest.update(chunk)
    if digest.hexdigest() != header.get("sha256"):
        raise RestoreRefused("备份内容的 SHA-256 与文件头不符，文件被改动或损坏，未恢复。")
    stream.seek(start)


def _check_totals(header: dict[str, Any], counts: Counter[str], sha256: str) -> None:
    expected = {label: n for label, n in header["counts"].items() if n}
    if dict(counts) != expected:
        raise RestoreRefused(
            f"备份的行数与文件头不符（文件头 {expected}，读到 {dict(counts)}），文件不完整或被改动，已全部撤销。"
        )
    if sha256 != header["sha256"]:
        raise RestoreRefused("备份内容的 SHA-256 与文件头不符，文件被改动或损坏，已全部撤销。")


def _reset_sequences(models: list[type[Model]], using: str) -> None:
    connection = connections[using]
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def _rechain_replaced(proposal_ids: set[int]) -> int:
    """Events whose text lost a NUL no longer match their hashes: re-chain those proposals (their chain
    in the backup was verified before the replacement)."""
    if not proposal_ids:
        return 0
    from history.maintenance import history_maintenance

    with history_maintenance() as touched:
        touched.update(proposal_ids)
    return len(proposal_ids)


def restore_file(
    path: Path, using: str = DEFAULT_DB_ALIAS, progress: Callable[[str], None] | None = None
) -> RestoreResult:
    with path.open("rb") as stream:
        return restore_from(stream, using, progress, files_dir=backup_files.folder_for(path))
