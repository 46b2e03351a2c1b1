"""The search index: one row per searchable document, its tokens (``search.tokens``) in a full-text index.

PostgreSQL keeps the tokens as a ``tsvector`` with a GIN index per kind; SQLite keeps them as text, mirrored
by triggers into the FTS5 table ``search_fts`` (external content). Written only through ``search.index``.
"""

from __future__ import annotations

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper


class Kind(models.IntegerChoices):
    PROPOSAL = 1, "提案"  # object_id: the proposal; title and body
    PUBLIC_REPLY = 2, "公开答复"  # object_id: the assignment; its published reply (the proposal's title, the text)


class TokensField(models.TextField):  # type: ignore[type-arg]
    """Space-separated tokens; a ``tsvector`` column on PostgreSQL (its text input is exactly that)."""

    def db_type(self, connection: BaseDatabaseWrapper) -> str | None:
        return "tsvector" if connection.vendor == "postgresql" else super().db_type(connection)


class Document(models.Model):
    kind = models.PositiveSmallIntegerField(choices=Kind.choices)
    object_id = models.BigIntegerField()
    proposal_id = models.BigIntegerField()
    jurisdiction_id = models.BigIntegerField()
    year = models.PositiveSmallIntegerField()
    title_key = models.CharField(max_length=200)  # tokens.title_key: an exact title match ranks first
    tokens = TokensField()

    class Meta:
        db_table = "search_document"
        verbose_name = verbose_name_plural = "检索文档"
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="search_document_unique")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.object_id}"
