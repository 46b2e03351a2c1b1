"""The demo city, loaded once for all the tests that read it (test_load_demo, test_demo_published).

``load_demo`` takes tens of seconds, so it runs on the first test asking for ``demo_output`` and stays,
inside a transaction, while the tests that follow ask for it too; it is rolled back before the first
test that does not (and at the end), so no other test ever sees the demo's rows. Each test runs in a
savepoint on top of it, as in a module-scoped fixture. Those tests run first in the session, together,
so that under ``pytest -n 2`` they fall in the first worker's first batch and the demo is loaded once.
"""

from __future__ import annotations

from collections.abc import Generator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test.utils import override_settings

FAST = ["django.contrib.auth.hashers.MD5PasswordHasher"]
FIXTURE = "demo_output"


class LoadedDemo:
    """The demo in an open transaction of the test database, and what ``load_demo`` printed."""

    def __init__(self, blocker: Any) -> None:
        self.blocker = blocker
        self.block: Any = None
        self.output = ""
        self.loads = 0

    def load(self) -> str:
        if self.block is None:
            out = StringIO()
            with self.blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST):
                self.block = transaction.atomic()
                self.block.__enter__()
                try:
                    call_command("load_demo", "--url", "http://127.0.0.1:8123/", stdout=out)
                except BaseException:
                    self.release()
                    raise
            self.output = out.getvalue()
            self.loads += 1
        return self.output

    def release(self) -> None:
        if self.block is not None:
            with self.blocker.unblock():
                transaction.set_rollback(True)
                self.block.__exit__(None, None, None)
            self.block = None


_loaded: LoadedDemo | None = None


@pytest.fixture(scope="session")
def _loaded_demo(django_db_setup: None, django_db_blocker: Any) -> Generator[LoadedDemo]:
    global _loaded
    _loaded = LoadedDemo(django_db_blocker)
    yield _loaded
    _loaded.release()
    _loaded = None


@pytest.fixture(scope="module")
def demo_output(_loaded_demo: LoadedDemo) -> str:
    """What ``load_demo`` printed; the demo's rows are in the database. Module-scoped, so it is set up
    before any test's own transaction (a savepoint inside the demo's)."""
    return _loaded_demo.load()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None]:
    try:
        return (yield)
    finally:
        if _loaded is not None and FIXTURE not in getattr(nextitem, "fixturenames", ()):
            _loaded.release()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The modules reading the demo first, in their order: xdist hands each worker a first batch of
    consecutive tests, and one load of the demo then serves them all (split across the two workers, each
    would load it). Starting the slowest set first also keeps it off the end of the run."""
    demo = {getattr(i, "module", None) for i in items if FIXTURE in getattr(i, "fixturenames", ())}
    if demo:
        items[:] = [i for i in items if getattr(i, "module", None) in demo] + [
            i for i in items if getattr(i, "module", None) not in demo
        ]
