"""Lists on every page: filters, sorting and paging kept in the URL, and export of what is filtered.

A list is declared once (its filters and columns); the same declaration draws the filter form, sorts,
pages and writes the export with the filters applied: CSV (``?export=csv``, UTF-8 with a byte-order mark,
so that Excel opens Chinese correctly) or Excel (``?export=xlsx``, lib/spreadsheet.py), named after the
list and the day: 提案列表-2026-12-01.csv, 提案列表-2026-12-01.xlsx.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.db.models import F, QuerySet
from django.http import FileResponse, HttpRequest, StreamingHttpResponse
from django.utils import timezone

from lib.paging import bounded_count, fetch_in_order, page_ids
from lib.spreadsheet import XLSX_CONTENT_TYPE, SheetColumn, attachment, safe_cell, xlsx_file

PAGE_SIZE = 20
EXPORT_LIMIT = 100_000


@dataclass(frozen=True)
class Filter:
    name: str
    label: str
    apply: Callable[[QuerySet[Any], str], QuerySet[Any]]
    choices: tuple[tuple[str, str], ...] = ()  # empty: a text box
    kind: str = "select"  # select | text | date


@dataclass(frozen=True)
class Column:
    label: str
    value: Callable[[Any], Any]  # the cell as exported (and shown, unless the template draws it)
    sort: str = ""  # the ordering field, when the column can be sorted
    shown: bool = True  # False: only in the export (the page shows it within another cell)
    percent: bool = False  # a rate 0..1: a percentage in the Excel export


def count_label(n: int, exact: bool) -> str:
    """A list's size as the pages show it: exact below the cap, "1万+" beyond."""
    if exact:
        return str(n)
    return f"{n // 10_000}万+" if n % 10_000 == 0 else f"{n}+"


@dataclass(frozen=True)
class PageInfo:
    """One page of a list, for ``web/_pager.html``: the page number, whether there are others, and the next
    page's link (``after=<last id>`` on lists ordered newest first, else ``page=n+1``)."""

    number: int
    total: int
    exact: bool
    has_next: bool
    next_after: int | None = None

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))

    @property
    def num_pages_label(self) -> str:
        return str(self.num_pages) if self.exact else f"{self.num_pages}+"


def page_rows(qs: QuerySet[Any], start: int, size: int, after: int | None) -> tuple[list[Any], bool]:
    """One page's rows and whether more follow: the ids first (from the index alone: a deep OFFSET skips
    index entries, not rows), then those rows (the deferred join); ``after`` is keyset paging on ``-id``."""
    ids = page_ids(qs, start, size + 1, after)
    more, ids = len(ids) > size, ids[:size]
    return fetch_in_order(qs, ids), more


@dataclass
class ListResult:
    rows: list[Any]
    page: Any
    filters: list[dict[str, Any]]
    columns: list[dict[str, Any]]
    query: dict[str, str]
    total: int
    sort: str
    extra: dict[str, Any] = field(default_factory=dict)
    total_exact: bool = True

    @property
    def total_label(self) -> str:
        return count_label(self.total, self.total_exact)

    @property
    def next_url(self) -> str:
        if self.page.next_after is not None:
            return self.url(after=self.page.next_after, page=self.page.next_page_number)
        return self.url(page=self.page.next_page_number, after=None)

    def url(self, **changes: Any) -> str:
        params = {**self.query, **{k: str(v) for k, v in changes.items() if v not in (None, "")}}
        for k, v in changes.items():
            if v in (None, ""):
                params.pop(k, None)
        return "?" + urlencode(params)

    @property
    def export_url(self) -> str:
        return self.url(export="csv", page=None)

    @property
    def export_xlsx_url(self) -> str:
        return self.url(export="xlsx", page=None)

    def page_url(self, number: int) -> str:
        return self.url(page=number, after=None)


def _cell(value: Any, percent: bool = False) -> str:
    """The cell as CSV text; text that a spreadsheet would run as a formula is neutralised."""
    if percent:
        return "—" if value is None else f"{value:.1%}"
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float):
        return str(value)  # a number (a negative one too) is data, not a formula
    return str(safe_cell(str(value)))


class _Echo:
    def write(self, value: str) -> str:
        return value


def export_csv(qs: QuerySet[Any] | list[Any], columns: list[Column], filename: str) -> StreamingHttpResponse:
    """Stream the rows (a query, or rows already computed such as a summary per unit) as CSV."""
    writer = csv.writer(_Echo())
    rows = qs[:EXPORT_LIMIT]

    def lines() -> Iterator[str]:
        yield "\ufeff" + writer.writerow([c.label for c in columns])
        for row in rows.iterator(chunk_size=2000) if isinstance(rows, QuerySet) else rows:
            yield writer.writerow([_cell(c.value(row), c.percent) for c in columns])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = attachment(f"{filename}-{timezone.localdate().isoformat()}.csv")
    return response


def export_xlsx(qs: QuerySet[Any] | list[Any], columns: list[Column], filename: str) -> FileResponse:
    """The same rows and columns as the CSV, as an Excel workbook written row by row to a temporary file
    (constant memory whatever the number of rows), then streamed."""
    rows = qs[:EXPORT_LIMIT]
    source = rows.iterator(chunk_size=2000) if isinstance(rows, QuerySet) else rows
    sheet = [SheetColumn(c.label, percent=c.percent) for c in columns]
    out = xlsx_file(sheet, ([c.value(row) for c in columns] for row in source), title=filename)
    response = FileResponse(out, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = attachment(f"{filename}-{timezone.localdate().isoformat()}.xlsx")
    return response


EXPORT_FORMATS = ("csv", "xlsx")


def export_format(request: HttpRequest, default: str | None = None) -> str | None:
    """The export the query string asks for (``?export=csv`` or ``?export=xlsx``), else ``default``."""
    fmt = request.GET.get("export", "")
    return fmt if fmt in EXPORT_FORMATS else default


def export(fmt: str, qs: QuerySet[Any] | list[Any], columns: list[Column], filename: str) -> StreamingHttpResponse:
    """The list exported as ``fmt`` (one of EXPORT_FORMATS)."""
    return export_xlsx(qs, columns, filename) if fmt == "xlsx" else export_csv(qs, columns, filename)


def run_list(
    request: HttpRequest, qs: QuerySet[Any], filters: list[Filter], columns: list[Column], default_sort: str
) -> ListResult:
    """Apply the filters and the sort from the query string, then take one page."""
    query = {k: str(v) for k, v in request.GET.items() if v and k not in ("export", "after")}
    drawn = []
    for f in filters:
        value = request.GET.get(f.name, "").strip()
        if value and (not f.choices or value in {c for c, _ in f.choices}):
            qs = f.apply(qs, value)
        drawn.append({"name": f.name, "label": f.label, "choices": f.choices, "kind": f.kind, "value": value})
    sortable = {c.sort for c in columns if c.sort}
    sort = request.GET.get("sort", "")
    if sort.lstrip("-") not in sortable:
        sort = default_sort
    if sort.lstrip("-") in ("id", "pk"):
        qs = qs.order_by("-pk" if sort.startswith("-") else "pk")
    elif sort:
        # Empty values (no deadline, say) go last in either direction, on SQLite as on PostgreSQL.
        term = F(sort.lstrip("-"))
        qs = qs.order_by(term.desc(nulls_last=True) if sort.startswith("-") else term.asc(nulls_last=True), "pk")
    try:
        number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        number = 1
    # keyset paging (?after=<id>) where the list is ordered newest first: no row skipped or repeated
    keyset = list(qs.query.order_by) in (["-pk"], ["-id"])
    after_text = request.GET.get("after", "")
    after = int(after_text) if keyset and after_text.isdigit() else None
    total, exact = bounded_count(qs)
    if after is None and exact:
        number = min(number, max(1, -(-total // PAGE_SIZE)))  # past the end: the last page, as get_page did
    rows, more = page_rows(qs, (number - 1) * PAGE_SIZE, PAGE_SIZE, after)
    next_after = rows[-1].pk if keyset and more and rows else None
    result = ListResult(
        rows=rows,
        page=PageInfo(number=number, total=total, exact=exact, has_next=more, next_after=next_after),
        filters=drawn,
        columns=[],
        query=query,
        total=total,
        sort=sort,
        total_exact=exact,
    )
    for c in (c for c in columns if c.shown):
        next_sort = "" if not c.sort else ("-" + c.sort if sort == c.sort else c.sort)
        result.columns.append(
            {
                "label": c.label,
                "sort_url": result.url(sort=next_sort, page=None) if c.sort else "",
                "active": sort.lstrip("-") == c.sort if c.sort else False,
                "descending": sort.startswith("-"),
            }
        )
    result.extra["sorted_qs"] = qs
    return result
