"""Which characters a request may carry: one test for the API's JSON bodies and for the pages' forms and
query strings (lib/middleware.py).

NUL cannot be stored in a PostgreSQL text column (the query fails: a 500), and the other C0 control
characters and DEL are never typed by a person: they only break exports, a later move from SQLite to
PostgreSQL, or what a terminal shows. Tab, LF and CR are text (a textarea sends CR LF), but never part of
a query string or a path.
"""

from __future__ import annotations

import re

_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # C0 but tab, LF, CR; and DEL
_IN_LINE = re.compile("[\x00-\x1f\x7f]")  # every C0, and DEL

CONTROL_CHARACTER_MESSAGE = "请求内容含有不允许的控制字符（如空字符 \\u0000）。"


def has_control_characters(value: str, *, multiline: bool = True) -> bool:
    """Whether ``value`` holds a character no field may hold; ``multiline=False`` (a query string, a
    path) refuses tab, LF and CR too."""
    return (_IN_TEXT if multiline else _IN_LINE).search(value) is not None
