"""The files beside a backup's rows: bytes kept in a storage (``settings.STORAGES``), not in the database.

``manage.py backup banli.jsonl`` writes the rows to ``banli.jsonl`` and each file a backed-up row names
into the folder ``banli.files/`` beside it, under the row's own storage name, plus ``SHA256SUMS`` (so
``sha256sum -c`` checks the folder without the system). Files are read through Django's storage API
(``storages[alias]``: a local folder or an S3-compatible store alike) and copied in chunks, never held in
memory. The rows carry each file's SHA-256 and size (the attachment's own record, covered by the rows'
checksum), so both directions check every file against them:

- the backup copies after the rows' snapshot is closed (slow copying never holds the database), only the
  files of the rows it holds: a file is stored before its row commits and never removed while its row
  exists. A file missing from the storage or not matching its row is named in the header's ``files``;
  the command reports it and fails, after writing everything else.
- the restore puts each file back under its name inside the restore's transaction: a file missing from
  the folder or not matching its row refuses the restore (the rows roll back and the files put so far are
  removed). A file already in the storage with the right digest is kept (the database was lost, the
  storage was not). A backup without files (``--without-files``, or older than this) restores its rows and
  reports the files the storage lacks.

Which rows name files is declared here by model label (as ``SKIPPED`` in history/backup.py): the history
layer does not import the apps above it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any, Final

from django.core.files import File
from django.core.files.storage import Storage, storages

from lib.errors import DomainError

CHUNK: Final = 1 << 20
SUMS: Final = "SHA256SUMS"


@dataclass(frozen=True)
class FileSet:
    """Rows of ``model`` name a file of ``storage`` in their field ``key``, with its ``sha256`` and ``size``."""

    model: str
    storage: str
    key: str = "key"
    sha256: str = "sha256"
    size: str = "size"


FILE_SETS: Final = (FileSet("attachments.Attachment", "attachments"),)


class FilesRefused(DomainError):
    status = 409
    code = "restore_refused"


def folder_for(path: Path) -> Path:
    """The files' folder of the backup at ``path`` (``banli.jsonl`` → ``banli.files``)."""
    return path.with_name(path.stem + ".files")


class Names:
    """Which files the rows name, collected while they stream by: one JSON line per file in a temporary
    file (a million attachments cost no memory), ``[storage alias, key, sha256, size]``."""

    def __init__(self, spool: IO[bytes]) -> None:
        self.spool = spool
        self.columns: dict[str, tuple[str, int, int, int]] = {}
        self.count = 0

    def watch(self, label: str, names: list[str]) -> None:
        """Note the positions of a model's file columns in its rows (``names``: the fields' attnames)."""
        for s in FILE_SETS:
            if s.model == label:
                self.columns[label] = (s.storage, names.index(s.key), names.index(s.sha256), names.index(s.size))

    def feed(self, label: str, values: list[Any]) -> None:
        spec = self.columns.get(label)
        if spec is None:
            return
        alias, key, sha, size = spec
        self.spool.write((json.dumps([alias, values[key], values[sha], values[size]]) + "\n").encode())
        self.count += 1

    def __iter__(self) -> Iterator[tuple[str, str, str, int]]:
        self.spool.seek(0)
        for line in self.spool:
            alias, key, sha, size = json.loads(line)
            yield alias, str(key), str(sha), int(size)


def _safe(key: str) -> PurePosixPath:
    """A stored name as a relative path inside the folder (a name from a backup is checked, not trusted)."""
    rel = PurePosixPath(key)
    if not key or rel.is_absolute() or any(part in ("", ".", "..") for part in rel.parts) or "\\" in key:
        raise FilesRefused(f"备份中的文件名不合法：{key!r}。")
    return rel


def _digest(f: IO[bytes]) -> tuple[str, int]:
    h = hashlib.sha256()
    n = 0
    while chunk := f.read(CHUNK):
        h.update(chunk)
        n += len(chunk)
    return h.hexdigest(), n


@dataclass
class FilesResult:
    count: int = 0
    bytes: int = 0
    missing: list[str] = field(default_factory=list)  # named by a row, not in the storage (or the folder)
    damaged: list[str] = field(default_factory=list)  # there, but not the bytes its row describes
    kept: int = 0  # restore: already in the storage, with the right digest

    @property
    def problems(self) -> list[str]:
        return self.missing + self.damaged

    def as_json(self, folder: str) -> dict[str, Any]:
        return {"folder": folder, "count": self.count, "bytes": self.bytes, "missing": self.missing,
                "damaged": self.damaged}  # fmt: skip


def copy_out(names: Names, folder: Path, progress: Callable[[str], None] | None = None) -> FilesResult:
    """Copy every named file from its storage into ``folder`` (created), checking each against its row."""
    result = FilesResult()
    folder.mkdir(parents=True)
    with (folder / SUMS).open("w", encoding="utf-8") as sums:
        for alias, key, sha, size in names:
            target = folder / _safe(key)
            store = storages[alias]
            try:
                source = store.open(key, "rb")
            except FileNotFoundError:
                result.missing.append(key)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            h = hashlib.sha256()
            n = 0
            with source, target.open("wb") as out:
                while chunk := source.read(CHUNK):
                    h.update(chunk)
                    n += len(chunk)
                    out.write(chunk)
            if h.hexdigest() != sha or n != size:
                result.damaged.append(key)  # kept in the folder as found, for whoever investigates
            sums.write(f"{sha}  {key}\n")
            result.count += 1
            result.bytes += n
    if progress is not None:
        progress(f"附件文件：{result.count} 个，{result.bytes} 字节")
    return result


def _holds(store: Storage, key: str, sha: str, size: int) -> bool | None:
    """Whether the storage holds this file: True with the right bytes, False with others, None not at all."""
    if not store.exists(key):
        return None
    with store.open(key, "rb") as f:
        return _digest(f) == (sha, size)


def copy_in(names: Names, folder: Path | None, progress: Callable[[str], None] | None = None) -> FilesResult:
    """Put every named file back into its storage from ``folder``; any problem refuses (see the module).

    ``folder`` None: the backup holds no files; only report which ones the storage lacks."""
    result = FilesResult()
    put: list[tuple[Storage, str]] = []
    try:
        for alias, key, sha, size in names:
            store = storages[alias]
            held = _holds(store, key, sha, size)
            if held is False:
                raise FilesRefused(f"存储中已有同名但内容不同的附件文件 {key}，未恢复：请先移走它。")
            if held:
                result.kept += 1
                continue
            if folder is None:
                result.missing.append(key)
                continue
            source = folder / _safe(key)
            if not source.is_file():
                raise FilesRefused(f"备份的附件文件夹 {folder} 中缺少文件 {key}，未恢复。")
            with source.open("rb") as f:
                if _digest(f) != (sha, size):
                    raise FilesRefused(f"附件文件 {key} 与备份记录的 SHA-256 或大小不符，文件被改动或损坏，未恢复。")
                f.seek(0)
                saved = store.save(key, File(f, name=key))
            put.append((store, saved))
            if saved != key:
                raise FilesRefused(f"附件文件 {key} 未能按原名写入存储（存为 {saved}），未恢复。")
            result.count += 1
            result.bytes += size
    except BaseException:
        for store, name in put:
            store.delete(name)  # the rows roll back: no file of theirs stays behind
        raise
    if progress is not None:
        progress(f"附件文件：恢复 {result.count} 个（{result.bytes} 字节），存储中已有 {result.kept} 个")
    return result


def replace_folder(partial: Path, final: Path) -> None:
    """Move a finished files folder into place (a crash never leaves one that looks complete)."""
    if final.exists():
        shutil.rmtree(final)
    partial.rename(final)
