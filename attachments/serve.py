"""An attachment as an HTTP download, the same for the API and the pages.

Always a download (``attachment``), never shown inline under the site's origin; the type is the one read
from the content at upload, and ``nosniff`` tells the browser not to guess another. The name is given
twice (RFC 6266 / RFC 5987): an ASCII fallback, and the real one in UTF-8 for every current browser.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

from django.http import FileResponse

from .actions import storage
from .models import Attachment


def _ascii_fallback(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    folded = unicodedata.normalize("NFKD", stem if dot else name).encode("ascii", "ignore").decode()
    folded = "".join(c if c.isalnum() or c in "-_. " else "_" for c in folded).strip(" ._") or "attachment"
    return f"{folded}.{ext}" if dot and ext.isascii() else folded


def content_disposition(name: str) -> str:
    return f"attachment; filename=\"{_ascii_fallback(name)}\"; filename*=UTF-8''{quote(name, safe='')}"


def download(attachment: Attachment) -> FileResponse:
    response = FileResponse(storage().open(attachment.key, "rb"), content_type=attachment.content_type)
    response["Content-Disposition"] = content_disposition(attachment.name)
    response["Content-Length"] = str(attachment.size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
