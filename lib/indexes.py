"""Index classes the models share (no models here)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import OrderBy


class NullsLastIndex(models.Index):
    """An index whose DESC NULLS LAST keys match the lists' ``F(x).desc(nulls_last=True)`` on PostgreSQL
    (where DESC alone puts NULLs first); SQLite refuses the clause, and its DESC already puts NULLs last."""

    def create_sql(self, model: Any, schema_editor: Any, using: str = "", **kwargs: Any) -> Any:
        if schema_editor.connection.vendor != "sqlite":
            return super().create_sql(model, schema_editor, using=using, **kwargs)
        plain = [
            OrderBy(e.expression, descending=e.descending) if isinstance(e, OrderBy) else e for e in self.expressions
        ]
        index = models.Index(*plain, name=self.name, condition=self.condition)
        return index.create_sql(model, schema_editor, using=using, **kwargs)
