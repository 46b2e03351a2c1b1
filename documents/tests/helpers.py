"""Open what the documents endpoints answer: Word with python-docx, PDF with poppler's tools."""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import docx
from django.conf import settings
from docx.oxml.ns import qn

from conftest import World

PNG_DIR = Path(settings.BASE_DIR) / "test-output" / "documents"


def fetch(world: World, user: Any, path: str, expect: int = 200, **params: Any) -> bytes:
    resp = world.api(user).get(path, **params)
    assert resp.status == expect, (path, resp.status, resp.data)
    return resp.data if isinstance(resp.data, bytes) else b""


def open_docx(data: bytes) -> Any:
    assert data[:2] == b"PK"
    return docx.Document(io.BytesIO(data))


def all_text(document: Any) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [c.text for c in row.cells]
    return "\n".join(parts)


def east_asia(element: Any) -> str | None:
    """The ``w:eastAsia`` face of a run or style element."""
    rpr = element.find(qn("w:rPr"))
    fonts = rpr.find(qn("w:rFonts")) if rpr is not None else None
    return fonts.get(qn("w:eastAsia")) if fonts is not None else None


def runs(document: Any) -> list[Any]:
    found = [r for p in document.paragraphs for r in p.runs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                found += [r for p in cell.paragraphs for r in p.runs]
    return found


def _tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} (poppler-utils) is needed: apt-get install -y poppler-utils (make browser)"
    return path


def pdf_fonts(data: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        return subprocess.run([_tool("pdffonts"), f.name], capture_output=True, text=True, check=True).stdout  # noqa: S603


def pdf_text(data: bytes, page: int | None = None) -> str:
    """The text (``-layout``), of one page when ``page`` is given."""
    pages = ["-f", str(page), "-l", str(page)] if page is not None else []
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        return subprocess.run(  # noqa: S603
            [_tool("pdftotext"), "-layout", *pages, f.name, "-"], capture_output=True, text=True, check=True
        ).stdout


def pdf_pages(data: bytes) -> int:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        info = subprocess.run([_tool("pdfinfo"), f.name], capture_output=True, text=True, check=True).stdout  # noqa: S603
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def first_page_png(data: bytes, name: str) -> Path:
    """Render the first page to ``test-output/documents/<name>.png`` (to look at) and return its path."""
    PNG_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        stem = PNG_DIR / name
        subprocess.run(  # noqa: S603
            [_tool("pdftoppm"), "-png", "-r", "100", "-f", "1", "-l", "1", "-singlefile", f.name, str(stem)], check=True
        )
    path = stem.with_suffix(".png")
    assert path.stat().st_size > 10_000
    return path
