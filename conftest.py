"""Personas and an API client shared by every test.

The city (示例市) and its county (示例县):
- office (督查室) assigns and supervises; cppcc (提案委) registers; county_office works for the county;
- mayor is in charge of every city unit; vicemayor only of 市教育局 (jyj);
- jyj_head / jyj_leader / jyj_handler work at 市教育局; wjw_* at 市卫生健康委员会; zjj_* at 市住房和城乡建设局;
- member1 files proposals, member2 co-signs joint ones, member3 files nothing;
- xq_handler works at a county unit and sees nothing of the city's.
"""

from __future__ import annotations

import copy
import json
import os
import runpy
from collections.abc import Callable, Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.db import models, transaction
from django.test import Client, override_settings

from organisation.models import ApiToken, Department, Jurisdiction, Role, User

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True, scope="session")
def _fast_passwords() -> Iterator[None]:
    """MD5 for the whole run (a test may still set its own hashers with the ``settings`` fixture)."""
    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        yield


@pytest.fixture(autouse=True, scope="session")
def _one_middleware_chain() -> Iterator[None]:
    """Each test ``Client`` builds Django's middleware chain at its first request, and WhiteNoise's part
    reads every static file then (tens of ms, for every client of every test). Build it once and hand it
    to every client; build again after any setting changes, as a middleware may read settings when built."""
    from django.test.client import ClientHandler
    from django.test.signals import setting_changed

    built: dict[bool, tuple[Any, ...]] = {}
    parts = ("_view_middleware", "_template_response_middleware", "_exception_middleware", "_middleware_chain")
    original = ClientHandler.load_middleware

    def load(self: ClientHandler, is_async: bool = False) -> None:
        if is_async not in built:
            original(self, is_async)
            built[is_async] = tuple(getattr(self, name) for name in parts)
        for name, value in zip(parts, built[is_async], strict=True):
            setattr(self, name, value)

    def forget(**kwargs: Any) -> None:
        built.clear()

    setting_changed.connect(forget, weak=False, dispatch_uid="conftest.one_middleware_chain")
    ClientHandler.load_middleware = load  # type: ignore[method-assign,assignment]
    yield
    ClientHandler.load_middleware = original  # type: ignore[method-assign]
    setting_changed.disconnect(dispatch_uid="conftest.one_middleware_chain")


@pytest.fixture(autouse=True, scope="session")
def _flush_past_append_only() -> Iterator[None]:
    """Transactional tests empty the database with TRUNCATE, which the history's trigger refuses on
    PostgreSQL (lib/append_only.py): let that flush, and only it, through the maintenance bypass."""
    from django.db.backends.base.operations import BaseDatabaseOperations

    from lib.append_only import append_only_bypass

    original = BaseDatabaseOperations.execute_sql_flush

    def flush(self: BaseDatabaseOperations, sql_list: Iterable[str]) -> None:
        with append_only_bypass(self.connection.alias):
            original(self, sql_list)

    BaseDatabaseOperations.execute_sql_flush = flush  # type: ignore[method-assign]
    yield
    BaseDatabaseOperations.execute_sql_flush = original  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """Reports are kept under the latest event's id (reports/remembered.py), and a rolled-back test's ids
    come again in the next test on SQLite: each test starts with an empty cache."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def security_events() -> Iterator[list[dict[str, Any]]]:
    """The ``security_event`` signals sent during the test, as keyword dicts (kind, user, outcome, data …)."""
    from organisation.signals import security_event

    got: list[dict[str, Any]] = []

    def record(sender: Any, **kwargs: Any) -> None:
        got.append(kwargs)

    security_event.connect(record, weak=False)
    yield got
    security_event.disconnect(record)


@dataclass
class Response:
    status: int
    data: Any

    @property
    def error_code(self) -> str | None:
        return self.data.get("error", {}).get("code") if isinstance(self.data, dict) else None


class Api:
    """Call the v1 API as a given user (bearer token), or anonymously."""

    def __init__(self, user: User | None = None) -> None:
        self.client = Client()
        self.headers: dict[str, str] = {}
        if user is not None:
            self.headers["Authorization"] = f"Bearer {ApiToken.issue(user)}"

    def _wrap(self, resp: Any) -> Response:
        ctype = resp.get("Content-Type", "")
        data = json.loads(resp.content) if "json" in ctype and resp.content else resp.content
        return Response(resp.status_code, data)

    def get(self, path: str, **params: Any) -> Response:
        return self._wrap(self.client.get("/api/v1" + path, params, headers=self.headers))

    def post(self, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Response:
        raw = body if isinstance(body, (str, bytes)) else json.dumps(body if body is not None else {})
        return self._wrap(
            self.client.post(
                "/api/v1" + path, raw, content_type="application/json", headers={**self.headers, **(headers or {})}
            )
        )

    def patch(self, path: str, body: Any) -> Response:
        return self._wrap(
            self.client.patch("/api/v1" + path, json.dumps(body), content_type="application/json", headers=self.headers)
        )

    def put(self, path: str, body: Any) -> Response:
        return self._wrap(
            self.client.put("/api/v1" + path, json.dumps(body), content_type="application/json", headers=self.headers)
        )


class World:
    """The personas, their units, and an ``api(user)`` factory."""

    jyj_head: User
    jyj_leader: User
    jyj_handler: User
    wjw_head: User
    wjw_leader: User
    wjw_handler: User
    zjj_head: User
    zjj_leader: User
    zjj_handler: User

    def __init__(self) -> None:
        self.city = Jurisdiction.objects.create(name="示例市")
        self.county = Jurisdiction.objects.create(name="示例县", parent=self.city)
        self.jyj = Department.objects.create(jurisdiction=self.city, name="市教育局", code="jyj")
        self.wjw = Department.objects.create(jurisdiction=self.city, name="市卫生健康委员会", code="wjw")
        self.zjj = Department.objects.create(jurisdiction=self.city, name="市住房和城乡建设局", code="zjj")
        self.xq = Department.objects.create(jurisdiction=self.county, name="示例县教育局", code="xjyj")
        self.office = self.user("office", Role.OFFICE_STAFF, "督查室王科长")
        self.cppcc = self.user("cppcc", Role.CPPCC_STAFF, "提案委李主任")
        self.county_office = self.user("county_office", Role.OFFICE_STAFF, "县督查室", jurisdiction=self.county)
        self.mayor = self.user("mayor", Role.GOV_LEADER, "市长")
        self.mayor.charged_departments.set([self.jyj, self.wjw, self.zjj])
        self.vicemayor = self.user("vicemayor1", Role.GOV_LEADER, "副市长")
        self.vicemayor.charged_departments.set([self.jyj])
        for dept in (self.jyj, self.wjw, self.zjj):
            for suffix, role in (
                ("head", Role.DEPT_HEAD),
                ("leader", Role.DEPT_LEADER),
                ("handler", Role.DEPT_HANDLER),
            ):
                setattr(
                    self,
                    f"{dept.code}_{suffix}",
                    self.user(f"{dept.code}_{suffix}", role, f"{dept.name}{suffix}", dept),
                )
        self.xq_handler = self.user("xq_handler", Role.DEPT_HANDLER, "县教育局经办人", self.xq, self.county)
        self.member1 = self.user("member1", Role.MEMBER, "张委员")
        self.member2 = self.user("member2", Role.MEMBER, "李委员")
        self.member3 = self.user("member3", Role.MEMBER, "赵委员")
        self.admin = User.objects.create_superuser("admin", "admin@example.com", "demo-2026")
        self._apis: dict[int, Api] = {}

    def user(
        self, username: str, role: str, name: str, department: Department | None = None,
        jurisdiction: Jurisdiction | None = None,
    ) -> User:  # fmt: skip
        user = User(
            username=username, role=role, name=name, jurisdiction=jurisdiction or self.city, department=department
        )
        user.set_password("demo-2026")
        user.save()
        return user

    def api(self, user: User | None = None) -> Api:
        if user is None:
            return Api()
        if user.pk not in self._apis:
            self._apis[user.pk] = Api(user)
        return self._apis[user.pk]


def copy_world(template: World) -> World:
    """A test's own copy of a shared world: the same rows, model instances of its own (as Django's
    ``setUpTestData`` gives each test), no API client of another test."""
    world = copy.copy(template)
    memo: dict[int, Any] = {}
    for name, value in vars(template).items():
        if isinstance(value, models.Model):
            setattr(world, name, copy.deepcopy(value, memo))
    world._apis = {}
    return world


TRANSACTIONAL_FIXTURES = {
    "transactional_db", "live_server", "django_db_reset_sequences", "django_db_serialized_rollback",
}  # fmt: skip


def _is_transactional(item: pytest.Item) -> bool:
    if TRANSACTIONAL_FIXTURES & set(getattr(item, "fixturenames", ())):
        return True
    marker = item.get_closest_marker("django_db")
    if marker is None:
        return False
    return bool(marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences") or marker.args[:1] == (True,))


@pytest.fixture(scope="module")
def module_atomic(request: pytest.FixtureRequest, django_db_setup: None, django_db_blocker: Any) -> Iterator[bool]:
    """One transaction around the module's tests, rolled back at its end: rows made in it by module-scoped
    fixtures (the personas, proposals driven to a state) are shared, and each test's own transaction is a
    savepoint in it, rolled back after the test. Not in a module with transactional tests, which commit
    and flush: then False, and the fixtures build per test."""
    if any(_is_transactional(i) for i in request.session.items if getattr(i, "module", None) is request.module):
        yield False
        return
    with django_db_blocker.unblock():
        block = transaction.atomic()
        block.__enter__()
    try:
        yield True
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            block.__exit__(None, None, None)


@pytest.fixture(scope="module")
def module_world(module_atomic: bool, django_db_blocker: Any) -> World | None:
    """The personas, built once per module (None in a module with transactional tests)."""
    if not module_atomic:
        return None
    with django_db_blocker.unblock():
        return World()


@pytest.fixture
def world(module_world: World | None, db: Any) -> World:
    return World() if module_world is None else copy_world(module_world)


def build_shared[T](module_world: World | None, django_db_blocker: Any, build: Callable[[World], T], *,
                 at: str | None = None) -> T:  # fmt: skip
    """For a module-scoped fixture: ``build(world)`` once, in the module's transaction, the clock at ``at``.
    Each test then starts from what it built and its changes are rolled back after it."""
    assert module_world is not None, "shared rows need a module without transactional tests"
    clock = time_machine.travel(at, tick=False) if at else nullcontext()
    with django_db_blocker.unblock(), clock:
        return build(copy_world(module_world))


def read_settings(env: dict[str, str], *, replace: bool = False) -> dict[str, Any]:
    """The names ``config/settings.py`` defines when it runs afresh, as at a process start, in the
    environment plus ``env`` (``replace``: in ``env`` alone). Faster than a new interpreter by seconds."""
    from django.conf import settings

    with mock.patch.dict(os.environ, env, clear=replace):
        return runpy.run_path(str(settings.BASE_DIR / "config" / "settings.py"))


def make_session(world: World, name: str = "十四届二次会议", year: int = 2026) -> int:
    from proposals.models import Session

    session, _ = Session.objects.get_or_create(jurisdiction=world.city, name=name, year=year)
    return session.pk


_numbers = iter(range(1, 10**6))


def file_proposal(world: World, **overrides: Any) -> dict[str, Any]:
    """Register a proposal through the API as the CPPCC staff and return its JSON."""
    body = {
        "session_id": make_session(world),
        "number": str(next(_numbers)),
        "title": "关于加强中小学课后服务的建议",
        "body": "情况分析……具体建议：一、……二、……",
        "kind": "individual",
        "proposers": [{"name": world.member1.name, "user_id": world.member1.pk}],
        "category": "教育",
    }
    body.update(overrides)
    resp = world.api(world.cppcc).post("/proposals", body)
    assert resp.status == 201, resp.data
    return resp.data


def assign(
    world: World, proposal_id: int, units: list[tuple[Department, str]], assigned_on: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"assignments": [{"department_id": d.pk, "role": r} for d, r in units]}
    if assigned_on:
        body["assigned_on"] = assigned_on
    resp = world.api(world.office).post(f"/proposals/{proposal_id}/assign", body)
    assert resp.status == 200, resp.data
    return resp.data


def act(world: World, user: User, assignment_id: int, action: str, body: Any = None, expect: int = 200) -> Any:
    resp = world.api(user).post(f"/assignments/{assignment_id}/{action}", body or {})
    assert resp.status == expect, (action, resp.status, resp.data)
    return resp.data
