"""The checks of a received file on their own: the type by content, the name shown, the limit."""

from __future__ import annotations

import io
import zipfile

import pytest

from attachments import files
from lib.errors import InvalidInput

from . import samples


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\boot.ini.pdf", "boot.ini.pdf"),
        ("/var/www/答复函.pdf", "答复函.pdf"),
        ("答复\x00函\x1b[31m.pdf", "答复函[31m.pdf"),
        ("\u202egpj.exe.pdf", "gpj.exe.pdf"),  # a right-to-left override, which would show "fdp.exe.jpg"
        ('a<b>:"c"|?*.pdf', "a_b___c____.pdf"),
        ("   .hidden.pdf  ", "hidden.pdf"),
        ("", "附件.pdf"),
        ("..", "附件.pdf"),
        ("扫描件", "扫描件.pdf"),
        ("scan.PDF", "scan.PDF"),
        ("scan.tiff", "scan.tiff.pdf"),
        ("长" * 300 + ".pdf", "长" * files.NAME_MAX + ".pdf"),
    ],
)
def test_the_shown_name_is_cleaned(raw, shown):
    assert files.display_name(raw, files.PDF) == shown


def test_a_known_extension_must_match_the_content():
    assert files.display_name("照片.JPG", files.JPEG) == "照片.JPG"
    with pytest.raises(InvalidInput, match="不符"):
        files.display_name("照片.docx", files.JPEG)


def test_types_are_read_from_the_content():
    assert files.sniff(io.BytesIO(samples.PDF)) is files.PDF
    assert files.sniff(io.BytesIO(samples.JPEG)) is files.JPEG
    assert files.sniff(io.BytesIO(samples.png())) is files.PNG
    assert files.sniff(io.BytesIO(samples.docx())) is files.DOCX
    assert files.sniff(io.BytesIO(samples.xlsx())) is files.XLSX
    for impostor in (samples.EXE, samples.HTML, samples.plain_zip(), b"PK\x03\x04broken", b"%PD"):
        assert files.sniff(io.BytesIO(impostor)) is None


def test_a_zip_with_a_huge_directory_is_not_opened():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
        for i in range(files.MAX_ZIP_ENTRIES):
            z.writestr(f"x/{i}", "")
    assert files.sniff(io.BytesIO(out.getvalue())) is None


def test_the_size_is_counted_not_trusted(settings):
    settings.ATTACHMENT_MAX_BYTES = 100
    with pytest.raises(files.FileTooLarge):
        files.check(io.BytesIO(samples.PDF + b"0" * 100), "a.pdf", size=10)  # the claimed size lies
    checked = files.check(io.BytesIO(samples.PDF), "a.pdf", size=len(samples.PDF))
    assert checked.size == len(samples.PDF) and len(checked.sha256) == 64
