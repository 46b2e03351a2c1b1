"""What a received file is, read from its bytes, and the name it is shown under.

The type is decided by the content (magic bytes), never by the name or the browser's Content-Type: a
script renamed ``scan.pdf`` is refused, and so is a PNG named ``.pdf`` (the name would lie to whoever
opens it). The user's name is kept for display only, cleaned of paths, control and formatting characters;
the storage key is generated (``new_key``).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass
from typing import IO, Final

from django.conf import settings

from lib.errors import DomainError, InvalidInput

CHUNK = 64 * 1024
NAME_MAX = 120  # characters of the stem shown; the extension comes on top
MAX_ZIP_ENTRIES = 5_000  # a real .docx/.xlsx holds dozens; reading a huge central directory costs memory


class FileTooLarge(DomainError):
    """413: the file is over ``ATTACHMENT_MAX_BYTES`` (api.md: beyond a limit, 400 or 413)."""

    status = 413
    code = "too_large"


@dataclass(frozen=True)
class FileType:
    content_type: str
    extension: str
    label: str


PDF: Final = FileType("application/pdf", ".pdf", "PDF 文件")
JPEG: Final = FileType("image/jpeg", ".jpg", "JPEG 图片")
PNG: Final = FileType("image/png", ".png", "PNG 图片")
DOCX: Final = FileType(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx", "Word 文档（.docx）"
)
XLSX: Final = FileType(
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx", "Excel 表格（.xlsx）"
)
TYPES: Final = (PDF, JPEG, PNG, DOCX, XLSX)
IMAGES: Final = frozenset({JPEG, PNG})
# The names a type may carry; any other known extension on a file of this type is a lie and refused.
EXTENSIONS: Final = {".pdf": PDF, ".jpg": JPEG, ".jpeg": JPEG, ".png": PNG, ".docx": DOCX, ".xlsx": XLSX}
ACCEPTED: Final = "PDF、JPEG、PNG、Word（.docx）、Excel（.xlsx）"


def max_bytes() -> int:
    return int(settings.ATTACHMENT_MAX_BYTES)


def size_label(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} 字节"


def _zip_entries(f: IO[bytes]) -> int | None:
    """The entry count in the zip's end-of-central-directory record, read before ``zipfile`` builds an
    object per entry (None: no record, or a zip64 one, which no office document of this size needs)."""
    f.seek(0, 2)
    end = f.tell()
    tail_start = max(0, end - (65_535 + 22))  # the record, after a comment of at most 64 KiB
    f.seek(tail_start)
    tail = f.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) < at + 22:
        return None
    total = int.from_bytes(tail[at + 10 : at + 12], "little")  # entries in the whole archive
    return None if total == 0xFFFF else total


def _office(f: IO[bytes]) -> FileType | None:
    """A .docx or .xlsx: a zip (its directory only is read, nothing is inflated) with the OOXML parts."""
    entries = _zip_entries(f)
    if entries is None or entries > MAX_ZIP_ENTRIES:
        return None
    f.seek(0)
    try:
        with zipfile.ZipFile(f) as z:
            names = set(z.namelist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    return None


def sniff(f: IO[bytes]) -> FileType | None:
    """The type of the file's content, or None when it is none of the accepted ones."""
    f.seek(0)
    head = f.read(8)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head == b"\x89PNG\r\n\x1a\n":
        return PNG
    if head.startswith(b"PK\x03\x04"):
        return _office(f)
    return None


_RESERVED = re.compile(r'[<>:"|?*]')  # not in a name Windows saves (a download keeps the shown name)
_SPACES = re.compile(r"\s+")


def clean_name(raw: str) -> str:
    """The user's name as shown: the last path segment, without control or formatting characters (a
    right-to-left override makes ``gpj.exe`` read as ``exe.jpg``), leading dots or surrounding space."""
    name = unicodedata.normalize("NFC", raw or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]  # a path, whichever way its separators lean
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")  # Cc, Cf, Cs, Co, Cn
    name = _RESERVED.sub("_", name)
    return _SPACES.sub(" ", name).strip().lstrip(".").strip()


def display_name(raw: str, ftype: FileType) -> str:
    """``clean_name`` with the extension of the content: kept if it agrees, added if there is none.

    A known extension that disagrees with the content is refused (``InvalidInput``)."""
    name = clean_name(raw)
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    claimed = EXTENSIONS.get("." + ext.lower()) if ext else None
    if ext and ("." + ext.lower()) in EXTENSIONS and claimed is not ftype:
        raise InvalidInput(
            f"文件扩展名（.{ext}）与文件内容（{ftype.label}）不符，请确认上传的是正确的文件。",
            details={"field": "file", "content_type": ftype.content_type},
        )
    if claimed is None:  # no extension, or one that is not a type's own: the content's is added
        stem, ext = name, ftype.extension.lstrip(".")
    stem = stem.strip()[:NAME_MAX].strip() or "附件"
    return f"{stem}.{ext}"


@dataclass(frozen=True)
class Checked:
    """A received file that passed every check: its type, the name to show, its size and digest."""

    ftype: FileType
    name: str
    size: int
    sha256: str


def check(f: IO[bytes], raw_name: str, size: int | None = None) -> Checked:
    """Check a received file: not empty, not over the limit, an accepted type by content, a clean name.

    ``size`` (the upload handler's count) refuses an oversized file before it is read; the bytes are
    counted again while hashed, in chunks, so nothing is trusted and the file is never held in memory."""
    limit = max_bytes()
    if size is not None and size > limit:
        raise _too_large(size, limit)
    digest = hashlib.sha256()
    counted = 0
    f.seek(0)
    while chunk := f.read(CHUNK):
        counted += len(chunk)
        if counted > limit:
            raise _too_large(counted, limit)
        digest.update(chunk)
    if counted == 0:
        raise InvalidInput("上传的文件是空的。", details={"field": "file"})
    ftype = sniff(f)
    f.seek(0)
    if ftype is None:
        raise InvalidInput(
            f"不支持的文件类型：只接受 {ACCEPTED} 文件（按文件内容判断，与扩展名无关）。",
            details={"field": "file", "accepted": [t.content_type for t in TYPES]},
        )
    return Checked(ftype, display_name(raw_name, ftype), counted, digest.hexdigest())


def _too_large(size: int, limit: int) -> FileTooLarge:
    return FileTooLarge(
        f"文件过大：附件最大 {size_label(limit)}。", details={"field": "file", "max_bytes": limit, "size": size}
    )


def new_key(ftype: FileType) -> str:
    """A generated storage name (two levels of folders keep a directory listing short)."""
    hex_ = uuid.uuid4().hex
    return f"{hex_[:2]}/{hex_}{ftype.extension}"
