"""``{{ text|highlight:request }}``: the text escaped, each word of the list's search (``?q=``) in <mark>.

Given the request rather than ``q`` itself, so that a row template shared with the workbenches' cards (no
search there) needs no variable of its own."""

from __future__ import annotations

import re

from django import template
from django.http import HttpRequest
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from search.query import highlight_terms

register = template.Library()


@register.filter
def highlight(text: object, request: HttpRequest | str | None) -> SafeString:
    shown = "" if text is None else str(text)
    q = request if isinstance(request, str) else request.GET.get("q", "") if request is not None else ""
    terms = highlight_terms(q) if q else []
    if not terms:
        return escape(shown)
    pattern = re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE)
    out: list[str] = []
    at = 0
    for m in pattern.finditer(shown):
        out.append(escape(shown[at : m.start()]))
        out.append(f"<mark>{escape(m.group(0))}</mark>")
        at = m.end()
    out.append(escape(shown[at:]))
    return mark_safe("".join(out))  # noqa: S308 (every piece escaped above)
