"""Concurrent sign-in failures on PostgreSQL still form one unbroken chain (the advisory lock)."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection, connections
from django.test import Client

from audit.chain import verify
from audit.models import AuditEntry

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers are tested on PostgreSQL"),
]

THREADS = 6
ATTEMPTS = 5


def test_concurrent_appends_keep_one_chain() -> None:
    barrier = threading.Barrier(THREADS)

    def worker(i: int) -> None:
        try:
            client = Client(REMOTE_ADDR=f"203.0.113.{i + 1}")
            body = json.dumps({"username": f"guess{i}", "password": "Wrong-guess-2026"})
            barrier.wait()
            for _ in range(ATTEMPTS):
                client.post("/api/v1/auth/token", body, content_type="application/json")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert AuditEntry.objects.filter(kind="login_failed").count() == THREADS * ATTEMPTS
    checked, broken = verify()
    assert broken is None, broken.describe()
    assert checked == AuditEntry.objects.count()
