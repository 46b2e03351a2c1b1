"""Refusals (403) on the API and on the pages, and the changes an auditor must find — users, units,
jurisdiction rules, the holiday table — leave audit entries with who, from where and what."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from conftest import World
from organisation.models import User

from .conftest import entries

ADDRESS = "198.51.100.23"
HOLIDAYS = {"days": [{"date": "2027-10-01", "is_workday": False, "name": "国庆节"}], "note": "国务院办公厅通知"}


def call(user: User, method: str, path: str, body: Any = None) -> Any:
    """The API as ``user`` with a bearer token, from ``ADDRESS``."""
    from organisation.models import ApiToken

    client = Client(REMOTE_ADDR=ADDRESS, headers={"Authorization": f"Bearer {ApiToken.issue(user)}"})
    if method == "get":
        return client.get("/api/v1" + path)
    return getattr(client, method)("/api/v1" + path, json.dumps(body or {}), content_type="application/json")


def test_api_refusal_is_recorded(world: World) -> None:
    assert call(world.member1, "put", "/calendar/2027", HOLIDAYS).status_code == 403
    (entry,) = entries(kind="permission_denied")
    assert (entry.outcome, entry.user_id, entry.actor_id, entry.ip) == (
        "denied", world.member1.pk, world.member1.pk, ADDRESS,
    )  # fmt: skip
    assert (entry.method, entry.path, entry.data["code"]) == ("PUT", "/api/v1/calendar/2027", "forbidden")


def test_page_refusal_is_recorded(world: World) -> None:
    client = Client(REMOTE_ADDR=ADDRESS)
    client.force_login(world.member1)
    assert client.get("/unit/").status_code == 403
    (entry,) = entries(kind="permission_denied")
    assert (entry.username, entry.actor_username, entry.ip, entry.path) == ("member1", "member1", ADDRESS, "/unit/")


def test_not_found_is_not_a_denial(world: World) -> None:
    assert call(world.member1, "get", "/proposals/999999").status_code == 404
    assert entries(kind="permission_denied") == []


def test_creating_a_unit_and_a_user_is_recorded(world: World) -> None:
    unit = {"name": "市审计局", "jurisdiction_id": world.city.pk, "code": "sjj"}
    resp = call(world.office, "post", "/departments", unit)
    assert resp.status_code == 201
    person = {
        "username": "sjj_handler", "password": "Initial-pass-2026", "name": "审计局经办人", "role": "dept_handler",
        "jurisdiction_id": world.city.pk, "department_id": resp.json()["id"],
    }  # fmt: skip
    assert call(world.office, "post", "/users", person).status_code == 201
    (unit_entry,) = entries(kind="department_created")
    assert (unit_entry.actor_username, unit_entry.ip, unit_entry.data["name"]) == ("office", ADDRESS, "市审计局")
    (user_entry,) = entries(kind="user_created")
    assert (user_entry.username, user_entry.actor_username, user_entry.data["role"]) == (
        "sjj_handler", "office", "dept_handler",
    )  # fmt: skip
    assert "Initial-pass-2026" not in json.dumps(user_entry.data)


def test_changing_the_rules_records_before_and_after(world: World) -> None:
    resp = call(world.office, "patch", f"/jurisdictions/{world.city.pk}", {"rules": {"reply_months": 2}})
    assert resp.status_code == 200
    (entry,) = entries(kind="jurisdiction_changed")
    assert entry.actor_username == "office" and entry.ip == ADDRESS
    assert (entry.data["before"]["rules"]["reply_months"], entry.data["after"]["rules"]["reply_months"]) == (3, 2)


def test_a_refused_change_leaves_no_change_entry(world: World) -> None:
    body = {"rules": {"reply_months": 2}}
    assert call(world.county_office, "patch", f"/jurisdictions/{world.city.pk}", body).status_code == 403
    assert entries(kind="jurisdiction_changed") == [] and len(entries(kind="permission_denied")) == 1


def test_saving_the_holiday_table_is_recorded(world: World) -> None:
    assert call(world.office, "put", "/calendar/2027", HOLIDAYS).status_code == 200
    (entry,) = entries(kind="calendar_changed")
    assert (entry.actor_username, entry.ip, entry.path) == ("office", ADDRESS, "/api/v1/calendar/2027")
    assert (entry.data["year"], entry.data["days"]) == (2027, 1)
