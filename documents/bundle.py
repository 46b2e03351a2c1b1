"""打包下载: a zip of letters, streamed as it is written (each file deflated and handed on, never the whole
archive in memory): ``zipfile`` writes into a stream that cannot seek, with data descriptors."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator

from .docx import render_docx
from .records import Named


class _Pipe:
    """A write-only, unseekable stream: what is written waits in ``chunks`` until the generator takes it."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self.chunks)
        self.chunks.clear()
        return data


def zip_stream(letters: Iterable[Named]) -> Iterator[bytes]:
    """Yield the zip of ``letters`` as .docx files, one file's bytes at a time."""
    pipe = _Pipe()
    names: set[str] = set()
    with zipfile.ZipFile(pipe, "w", zipfile.ZIP_DEFLATED) as archive:  # type: ignore[call-overload]
        for letter in letters:
            name = f"{letter.name}.docx"
            n = 2
            while name in names:
                name = f"{letter.name}-{n}.docx"
                n += 1
            names.add(name)
            dated = letter.doc.dated
            info = zipfile.ZipInfo(name, date_time=(max(dated.year, 1980), dated.month, dated.day, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w") as entry:
                entry.write(render_docx(letter.doc))
            yield pipe.take()
    yield pipe.take()  # the central directory
