"""Links to the pages, built from the URL names of web/urls.py and the views' own ``urlpatterns``."""

from __future__ import annotations

from collections.abc import Mapping

from django.db.models import Model
from django.urls import reverse
from django.utils.http import urlencode


def url(name: str, *args: object, query: Mapping[str, str | int] | None = None, fragment: str = "") -> str:
    """The path of the page ``name``, with ``?query`` and ``#fragment`` appended as given."""
    path = reverse(name, args=args)
    if query:
        path += "?" + urlencode(query)
    return path + (f"#{fragment}" if fragment else "")


def _pk(obj: Model | int) -> object:
    return obj if isinstance(obj, int) else obj.pk


def assignment_url(
    a: Model | int, action: str | None = None, *, open_form: str | None = None, anchor: str | None = None
) -> str:
    """An assignment's page; with ``action`` where that form posts (``draft_reply`` → ``draft-reply/``);
    ``open_form`` asks the page to show that form open, ``anchor`` jumps to it (``#action-<name>``)."""
    if action is not None:
        return url("assignment-action", _pk(a), action.replace("_", "-"))
    query = {"open": open_form} if open_form else None
    return url("assignment", _pk(a), query=query, fragment=f"action-{anchor}" if anchor else "")


def proposal_url(p: Model | int, action: str | None = None, *, anchor: str | None = None) -> str:
    """A proposal's page, or where one of its forms posts (``assign/``, ``flags/``)."""
    if action is not None:
        return url("proposal-action", _pk(p), action)
    return url("proposal", _pk(p), fragment=f"action-{anchor}" if anchor else "")
