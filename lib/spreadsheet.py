"""Cells written to spreadsheets (CSV now, Excel later): text that a spreadsheet would run as a formula.

Every export writes its cells through :func:`safe_cell` — the CSV export of every list (web/lists.py)
and the Excel exports to come (``/api/v1/exports/*.xlsx`` must call it for each text cell too) — so a
proposal titled ``=HYPERLINK("http://evil.example/","点我")`` is shown as text, never run (OWASP, CSV
injection).
"""

from __future__ import annotations

from typing import Any

# A cell beginning with one of these is taken for a formula (or a DDE call) by Excel, LibreOffice and
# Google Sheets; tab and CR because some of them strip those and read what follows.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Return ``value`` ready for a spreadsheet cell: a string that could start a formula gets a leading
    ``'`` (shown as text, the quote itself hidden by Excel); anything else is returned unchanged.

    Only strings are escaped: a number or a date is data, written as such (``-3`` stays a number in an
    Excel export). The CSV export turns dates into ISO text (``2026-12-02``) before calling this, and
    such text never starts with a formula character.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
