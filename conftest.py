"""Personas and an API client shared by every test.

The city (示例市) and its county (示例县):
- office (督查室) assigns and supervises; cppcc (提案委) registers; county_office works for the county;
- mayor is in charge of every city unit; vicemayor only of 市教育局 (jyj);
- jyj_head / jyj_leader / jyj_handler work at 市教育局; wjw_* at 市卫生健康委员会; zjj_* at 市住房和城乡建设局;
- member1 files proposals, member2 co-signs joint ones, member3 files nothing;
- xq_handler works at a county unit and sees nothing of the city's.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from organisation.models import ApiToken, Department, Jurisdiction, Role, User


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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


@pytest.fixture
def world(db: Any) -> World:
    return World()


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
