"""Spreadsheets written by the product: the formula-safety rule every export shares, and the Excel writer.

Every export writes its cells through this module — the CSV export of every list (web/lists.py) through
:func:`safe_cell`, the Excel exports (the lists' ``?export=xlsx``, ``/api/v1/exports/*.xlsx``) through
:func:`write_xlsx` — so a proposal titled ``=HYPERLINK("http://evil.example/","点我")`` is shown as text,
never run (OWASP, CSV injection). Both ask :func:`formula_like`, the one rule.

The Excel writer streams: openpyxl's write-only mode writes each row to a temporary file as it comes
(strings inline, no shared-string table kept in memory), so 100,000 rows take no more memory than 1,000.
"""

from __future__ import annotations

import re
import tempfile
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import islice
from typing import IO, Any
from urllib.parse import quote

from django.utils import timezone

# A cell beginning with one of these is taken for a formula (or a DDE call) by Excel, LibreOffice and
# Google Sheets; tab and CR because some of them strip those and read what follows.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Excel reads these as error values rather than text.
_ERROR_VALUES = frozenset(("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"))
# Characters an .xlsx cannot hold (XML 1.0): control characters but tab, LF and CR.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
EXCEL_CELL_MAX = 32_767  # characters in one cell; Excel reports a longer one as a damaged file
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
PERCENT_FORMAT = "0.0%"
WIDTH_SAMPLE = 200  # rows measured for the column widths (a write-only sheet sets them before any row)
MIN_WIDTH, MAX_WIDTH = 6, 60


def formula_like(value: object) -> bool:
    """Whether a spreadsheet would run ``value`` as a formula: the one rule of every export."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def safe_cell(value: Any) -> Any:
    """Return ``value`` ready for a CSV cell: a string that could start a formula gets a leading ``'``
    (shown as text, the quote itself hidden by Excel); anything else is returned unchanged.

    Only strings are escaped: a number or a date is data, written as such (``-3`` stays a number). The CSV
    export turns dates into ISO text (``2026-12-02``) before calling this, and such text never starts
    with a formula character. An Excel cell needs no quote: it is typed text (:func:`write_xlsx`).
    """
    if formula_like(value):
        return "'" + value
    return value


@dataclass(frozen=True)
class SheetColumn:
    label: str
    percent: bool = False  # a rate 0..1, shown as 85.0%
    width: int | None = None  # in characters; None: measured from the header and the first rows


def display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: a CJK (wide) character counts two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _width_of(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    text = str(value)
    return max((display_width(line) for line in text.splitlines()), default=0)


def _text(value: str) -> str:
    return _NOT_IN_XML.sub("", value)[:EXCEL_CELL_MAX]


def write_xlsx(out: IO[bytes], columns: Sequence[SheetColumn], rows: Iterable[Sequence[Any]], *,
               title: str = "Sheet1") -> int:  # fmt: skip
    """Write one sheet: a bold header row frozen at the top, columns sized to their contents, dates as
    dates, rates as percentages, numbers as numbers, every text as text (never a formula). Return the
    number of rows written (the header not counted)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=re.sub(r"[\[\]:*?/\\]", "", title)[:31] or "Sheet1")
    it = iter(rows)
    head = [list(r) for r in islice(it, WIDTH_SAMPLE)]
    for i, col in enumerate(columns):
        width = col.width
        if width is None:
            measured = max((_width_of(r[i]) for r in head), default=0)
            width = max(display_width(col.label), measured) + 2
        ws.column_dimensions[get_column_letter(i + 1)].width = max(MIN_WIDTH, min(MAX_WIDTH, width))
    ws.freeze_panes = "A2"

    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    centred = Alignment(horizontal="center", vertical="center", wrap_text=True)
    header = []
    for col in columns:
        h = WriteOnlyCell(ws, value=_text(col.label))
        h.data_type = "s"
        h.font, h.fill, h.alignment = bold, fill, centred
        header.append(h)
    ws.append(header)

    percent = [c.percent for c in columns]

    def cell(value: Any, is_percent: bool) -> Any:
        if value is None:
            return None
        if isinstance(value, bool):
            return "是" if value else "否"
        if isinstance(value, str):
            value = _text(value)
            if not (formula_like(value) or value in _ERROR_VALUES):
                return value
            # typed text, and quotePrefix so that Excel keeps it text when the cell is edited
            c = WriteOnlyCell(ws, value=value)
            c.data_type = "s"
            c.quotePrefix = True
            return c
        if isinstance(value, datetime):
            if value.tzinfo is not None:
                value = timezone.localtime(value).replace(tzinfo=None)  # Excel has no time zones
            c = WriteOnlyCell(ws, value=value)
            c.number_format = DATETIME_FORMAT
            return c
        if isinstance(value, date):
            c = WriteOnlyCell(ws, value=value)
            c.number_format = DATE_FORMAT
            return c
        if isinstance(value, int | float | Decimal):
            if is_percent:
                c = WriteOnlyCell(ws, value=value)
                c.number_format = PERCENT_FORMAT
                return c
            return value
        return cell(str(value), is_percent)

    count = 0
    for chunk in (head, it):
        for row in chunk:
            ws.append([cell(v, p) for v, p in zip(row, percent, strict=False)])
            count += 1
    wb.save(out)
    return count


def xlsx_file(columns: Sequence[SheetColumn], rows: Iterable[Sequence[Any]], *, title: str = "Sheet1") -> IO[bytes]:
    """The workbook in a temporary file (on disk past a few MB), positioned at its start, for a response
    to stream; it is deleted when closed."""
    out = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)  # noqa: SIM115 (the response closes it)
    write_xlsx(out, columns, rows, title=title)
    out.seek(0)
    return out


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def attachment(name: str) -> str:
    """A Content-Disposition that keeps a Chinese file name (RFC 6266 / RFC 5987).

    A header is Latin-1: Django would MIME-encode the raw name (=?utf-8?b?…?=), which browsers do not decode
    and save as download.csv. ``filename*`` carries the UTF-8 name percent-encoded; ``filename`` is the plain
    ASCII fallback for clients without RFC 5987.
    """
    ascii_only = re.sub(r"[^A-Za-z0-9._-]+", "", name).lstrip("-_.")
    fallback = ascii_only if ascii_only == name else f"export-{ascii_only}".rstrip("-")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
