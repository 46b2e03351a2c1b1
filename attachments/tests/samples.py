"""Small real files of each accepted type, and a few impostors, built in memory for the tests."""

from __future__ import annotations

import functools
import io
import struct
import zipfile
import zlib

from docx import Document
from openpyxl import Workbook

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 100  # a Windows program
HTML = b"<html><script>alert(document.cookie)</script></html>"


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


# cached: a zip holds its members' times, so two builds a second apart differ in bytes
@functools.cache
def docx() -> bytes:
    out = io.BytesIO()
    doc = Document()
    doc.add_paragraph("会议纪要：关于加强中小学课后服务的提案办理座谈会")
    doc.save(out)
    return out.getvalue()


@functools.cache
def xlsx() -> bytes:
    out = io.BytesIO()
    wb = Workbook()
    wb.active.append(["事项", "进展"])
    wb.save(out)
    return out.getvalue()


def plain_zip() -> bytes:
    """A zip that is no office document (no [Content_Types].xml)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()
