"""Searching: apply ``q`` to a list's queryset through the index (``search.models.Document``).

Two questions, whatever the database: which rows match (``matching`` — a filter that keeps the list's own
order) and which come first (``search_proposals`` / ``search_public_replies`` — filtered and ranked: an
exact title first, then the title holding every word, then the rest; newest first within each). The ranking
is the same on SQLite and PostgreSQL (no ts_rank / bm25, which would order ties differently), so both give
the same ids in the same order.

A very common word (发展 is in half of all proposals) is not ranked: ranking every match would read them all.
Up to ``RANK_LIMIT`` matches in the index are ranked; beyond that the newest come first, which the index and
the list's id order serve without reading the rest. ``capped_count`` counts up to ``TOTAL_CAP`` (shown as
“10000+”).

A search engine (OpenSearch or Elasticsearch with a Chinese analyzer) would replace this module and
``search.index`` only: ``matching`` would return the engine's ids, the views would not change.
"""

from __future__ import annotations

import re
from typing import Any, Final, cast

from django.db.models import Case, IntegerField, Lookup, Model, Q, QuerySet, Value, When
from django.db.models.sql.compiler import SQLCompiler

from . import tokens
from .models import Document, Kind, TokensField

RANK_LIMIT: Final = 2_000
TOTAL_CAP: Final = 10_000
MAX_QUERY = 200  # characters of q that are searched


@TokensField.register_lookup
class Matches(Lookup):
    """``tokens__matches=<expression>``: every token of the expression (``a b`` or one ``prefix*``)."""

    lookup_name = "matches"

    def _sides(self, compiler: SQLCompiler, connection: Any) -> tuple[str, str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return lhs, rhs, [*lhs_params, *rhs_params]

    def as_postgresql(self, compiler: SQLCompiler, connection: Any) -> tuple[str, list[Any]]:
        lhs, rhs, params = self._sides(compiler, connection)
        return f"{lhs} @@ ({rhs})::tsquery", params

    def as_sqlite(self, compiler: SQLCompiler, connection: Any) -> tuple[str, list[Any]]:
        _, rhs, params = self._sides(compiler, connection)
        table = compiler.quote_name(self.lhs.alias)
        return f"{table}.id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH {rhs})", params  # noqa: S608

    def get_db_prep_lookup(self, value: Any, connection: Any) -> Any:
        expression = str(value)
        if connection.vendor == "postgresql":
            expression = expression.replace(" ", " & ").replace("*", ":*")
        return ("%s", [expression])


def _expression(q: str, *, title: bool = False) -> str | None:
    """The index expression for a query, or None when it has nothing to search for."""
    q = q[:MAX_QUERY]
    prefix = tokens.prefix_of(q)
    mark = tokens.TITLE if title else ""
    if prefix:
        return f"{mark}{prefix}*"
    found = tokens.tokens(q)
    return " ".join(mark + t for t in found) if found else None


def _documents(kind: int, expression: str) -> QuerySet[Document]:
    return Document.objects.filter(kind=kind, tokens__matches=expression)


def matching(kind: int, q: str, *, numbers: list[int] | None = None) -> QuerySet[Document, Any]:
    """The ids (``object_id``) of the documents matching ``q``, plus ``numbers`` (rows found otherwise,
    e.g. by their proposal number) in the same subquery: one semi-join, never an OR over the whole list."""
    expression = _expression(q)
    condition = Q(pk__in=[])
    if expression:
        condition |= Q(tokens__matches=expression)
    if numbers:
        condition |= Q(object_id__in=numbers)
    return Document.objects.filter(condition, kind=kind).values("object_id")


def ranked[M: Model](
    qs: QuerySet[M], kind: int, q: str, *, field: str, ids: QuerySet[Document, Any] | None = None
) -> QuerySet[M]:
    """``qs`` where ``field`` is a matching document's ``object_id`` (or in ``ids``), ranked."""
    ids = matching(kind, q) if ids is None else ids
    found = qs.filter(**{f"{field}__in": ids})
    expression = _expression(q)
    if (
        expression is None
        or Document.objects.filter(kind=kind, tokens__matches=expression)[RANK_LIMIT : RANK_LIMIT + 1].exists()
    ):
        return found.order_by("-pk")  # too common to rank: newest first
    title = _expression(q, title=True)
    exact = Document.objects.filter(kind=kind, title_key=tokens.title_key(q)).values("object_id")
    rank = Case(
        When(**{f"{field}__in": exact}, then=Value(2)),
        When(**{f"{field}__in": _documents(kind, str(title)).values("object_id")}, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    return cast("QuerySet[M]", found.annotate(search_rank=rank).order_by("-search_rank", "-pk"))


def search_proposals[M: Model](qs: QuerySet[M], q: str, *, prefix: str = "") -> QuerySet[M]:
    """Proposals (or rows of a proposal, with ``prefix`` such as ``"proposal__"``) matching ``q`` in the
    title or the body, or numbered ``q``; ranked (module docstring)."""
    numbers = _numbers(qs, q, prefix)
    return ranked(qs, Kind.PROPOSAL, q, field=f"{prefix}pk", ids=matching(Kind.PROPOSAL, q, numbers=numbers))


def filter_proposals[M: Model](qs: QuerySet[M], q: str, *, prefix: str = "") -> QuerySet[M]:
    """The same rows as ``search_proposals``, in the list's own order (lists sorted by a column)."""
    numbers = _numbers(qs, q, prefix)
    return qs.filter(**{f"{prefix}pk__in": matching(Kind.PROPOSAL, q, numbers=numbers)})


def search_public_replies[M: Model](qs: QuerySet[M], q: str, *, field: str = "assignment_id") -> QuerySet[M]:
    """Published replies whose proposal's title or published text matches ``q``; ranked."""
    return ranked(qs, Kind.PUBLIC_REPLY, q, field=field)


def filter_public_replies[M: Model](qs: QuerySet[M], q: str, *, field: str = "assignment_id") -> QuerySet[M]:
    """The same rows as ``search_public_replies``, in the list's own order."""
    return qs.filter(**{f"{field}__in": matching(Kind.PUBLIC_REPLY, q)})


_NUMBER: Final = re.compile(r"[0-9A-Za-z()（）〔〕\[\]第号-]{1,30}")


def _numbers(qs: QuerySet[Any], q: str, prefix: str) -> list[int]:
    """Rows whose proposal number is ``q`` exactly (only looked up when ``q`` looks like a number)."""
    q = q.strip()
    if not _NUMBER.fullmatch(q):
        return []
    return list(qs.filter(**{f"{prefix}number": q}).values_list(f"{prefix}pk", flat=True)[:50])


def capped_count(qs: QuerySet[Any], cap: int = TOTAL_CAP) -> int:
    """How many rows, counting no further than ``cap`` (a search shows “10000+” beyond)."""
    return qs.order_by()[:cap].count()


def highlight_terms(q: str) -> list[str]:
    """The words to mark in a shown text: each run of the query as typed (normalised), longest first."""
    return sorted({t for t in tokens.query_runs(q[:MAX_QUERY]) if t}, key=len, reverse=True)
