"""Send the reports' reads to a read replica (``DATABASE_REPLICA_URL``), and nothing else.

Reads go to the replica only inside ``reads_from_replica()`` (a context manager and a decorator), which
the report and statistics endpoints wrap themselves in: the replica lags the primary by a moment, which
a yearly figure can bear and a page that has just saved a step cannot. Writes, and every read outside it,
go to "default". Without a replica configured the router answers nothing and Django uses "default".
"""

from __future__ import annotations

from typing import Any

from django.db import models

from lib.replica import REPLICA, reading_from_replica, reads_from_replica, replica_configured

__all__ = ["REPLICA", "ReplicaRouter", "reads_from_replica"]


class ReplicaRouter:
    def db_for_read(self, model: type[models.Model], **hints: Any) -> str | None:
        if reading_from_replica() and replica_configured():
            return REPLICA
        return None

    def db_for_write(self, model: type[models.Model], **hints: Any) -> str | None:
        return "default"

    def allow_relation(self, obj1: models.Model, obj2: models.Model, **hints: Any) -> bool | None:
        # The replica holds the same rows: an object read there may be related to one from "default".
        if {obj1._state.db, obj2._state.db} <= {"default", REPLICA}:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool | None:
        # The replica receives the schema by replication; migrate never runs against it.
        return False if db == REPLICA else None
