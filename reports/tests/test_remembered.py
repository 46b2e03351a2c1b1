"""Reports kept until the next change (reports/remembered.py): computed once between two changes, again after
any change, per day and per scope; in each process's memory and, with CACHE_URL, in Redis."""

from __future__ import annotations

import socket
from datetime import date
from typing import Any

import pytest
from django.core.cache import cache
from django.test import override_settings

from conftest import World, file_proposal
from reports.remembered import latest_change, remembered

TODAY = date(2026, 7, 1)


def counter() -> tuple[list[int], Any]:
    calls: list[int] = []

    def compute() -> dict[str, Any]:
        calls.append(1)
        return {"n": len(calls), "rows": [{"name": "市教育局", "score": 71.75}]}

    return calls, compute


def check_kept_until_a_change(world: World) -> None:
    calls, compute = counter()
    first = remembered("test", (1, 2026), TODAY, compute)
    assert remembered("test", (1, 2026), TODAY, compute) == first and len(calls) == 1
    # another scope, another day: computed for themselves
    remembered("test", (2, 2026), TODAY, compute)
    remembered("test", (1, 2026), date(2026, 7, 2), compute)
    assert len(calls) == 3
    # a change (a proposal filed writes its history event): computed afresh
    before = latest_change()
    file_proposal(world)
    assert latest_change() > before
    assert remembered("test", (1, 2026), TODAY, compute)["n"] == 4
    assert remembered("test", (1, 2026), TODAY, compute)["n"] == 4 and len(calls) == 4


def test_kept_in_memory_until_a_change(world: World) -> None:
    check_kept_until_a_change(world)


def test_not_kept_when_turned_off(world: World, settings: Any) -> None:
    settings.REPORT_CACHE_SECONDS = 0
    calls, compute = counter()
    remembered("test", (1,), TODAY, compute)
    remembered("test", (1,), TODAY, compute)
    assert len(calls) == 2


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")
def test_kept_in_redis_with_cache_url(world: World) -> None:
    """What CACHE_URL=redis://… sets (config/settings.py): shared by every app server."""
    redis = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                         "LOCATION": "redis://127.0.0.1:6379/15", "KEY_PREFIX": "banli-test"}}  # fmt: skip
    with override_settings(CACHES=redis):
        cache.clear()
        try:
            check_kept_until_a_change(world)
            assert any(b"banli:report:test" in key for key in cache._cache.get_client().keys("*"))  # type: ignore[attr-defined]
        finally:
            cache.clear()
