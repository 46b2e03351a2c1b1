"""Helpers the page tests share: signed-in clients, what a response holds, and looking at a page in the browser."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from .conftest import PHONE, check_a11y, shot


def frozen_clock(moment: str) -> Callable[..., Iterator[None]]:
    """An autouse fixture for a module (``_today = frozen_clock(...)``): every test but a browser one runs at
    ``moment``; the browser's clock is real, so its session cookie does not expire."""

    @pytest.fixture(autouse=True)
    def _frozen_clock(request: Any) -> Iterator[None]:
        if "bworld" in request.fixturenames:
            yield
            return
        with time_machine.travel(moment, tick=False):
            yield

    return _frozen_clock


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(user: Any, url: str, **params: Any) -> Any:
    """``url`` as ``user`` sees it (with ``params`` in the query string); it must open."""
    resp = signed_in(user).get(url, params)
    assert resp.status_code == 200, (url, resp.status_code)
    return resp


def queries(client: Client, url: str) -> int:
    """How many SQL queries opening ``url`` takes; it must open."""
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def csv_text(resp: Any) -> str:
    """The text of a CSV export (its byte-order mark left out)."""
    assert resp["Content-Type"].startswith("text/csv")
    return b"".join(resp.streaming_content).decode("utf-8-sig")


def section(resp: Any, section_id: str) -> str:
    """The HTML of one card of the page (cards do not nest)."""
    html = resp.content.decode()
    match = re.search(rf'<section [^>]*id="{section_id}"[^>]*>(.*?)</section>', html, re.S)
    assert match, f"no section {section_id}"
    return match.group(1)


def no_horizontal_scroll(browser_page: Any) -> None:
    assert browser_page.evaluate("document.documentElement.scrollWidth") <= browser_page.viewport_size["width"]


def look(browser_page: Any, name: str = "") -> None:
    """Check a page as it stands: a screenshot when named, axe-core, and on a phone no sideways scrolling."""
    if name:
        shot(browser_page, name)
    check_a11y(browser_page)
    if browser_page.viewport_size["width"] <= PHONE["width"]:
        no_horizontal_scroll(browser_page)
