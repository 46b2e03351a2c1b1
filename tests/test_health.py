"""/healthz and /readyz: open to the load balancer, cheap, and honest about the database."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection, connections
from django.db.utils import load_backend
from django.test import Client

from config import health
from organisation.models import Role, User


def body(response: Any) -> dict[str, str]:
    assert response["Content-Type"].startswith("application/json")
    return json.loads(response.content)


def assert_untracked(response: Any) -> None:
    """No session is read or written: nothing for a cache to split on, no cookie handed out."""
    assert "Set-Cookie" not in response.headers
    assert not response.cookies
    assert "cookie" not in response.get("Vary", "").lower()


@pytest.fixture
def changing_password(db: Any) -> Client:
    """A signed-in user the account gate would send to the password change before any page."""
    user = User.objects.create_user("newclerk", password="x", role=Role.OFFICE_STAFF, must_change_password=True)
    client = Client()
    client.force_login(user)
    return client


def test_healthz_answers_without_database_or_session(db: Any, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(0):
        response = Client().get("/healthz")
    assert response.status_code == 200
    assert body(response) == {"status": "ok"}
    assert_untracked(response)
    assert "no-store" in response["Cache-Control"]


def test_health_checks_pass_the_account_gate_and_leave_the_session_alone(
    changing_password: Client, django_assert_num_queries: Any
) -> None:
    assert changing_password.get("/proposals/").status_code == 302  # the gate is on for this user
    with django_assert_num_queries(0):
        response = changing_password.get("/healthz")
    assert response.status_code == 200
    assert_untracked(response)
    response = changing_password.get("/readyz")
    assert response.status_code == 200
    assert body(response) == {"status": "ok", "database": "ok"}
    assert_untracked(response)


def test_readyz_reads_the_database_once(db: Any, django_assert_max_num_queries: Any) -> None:
    health.expected_migrations()  # read from disk once per process, before the first check
    with django_assert_max_num_queries(1):
        response = Client().get("/readyz")
    assert response.status_code == 200
    assert body(response) == {"status": "ok", "database": "ok"}
    assert_untracked(response)


def test_readyz_is_503_while_a_migration_is_missing(db: Any) -> None:
    app, name = sorted(health.expected_migrations())[0]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM django_migrations WHERE app = %s AND name = %s", [app, name])
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert body(response) == {
        "status": "unavailable",
        "database": "数据库迁移未完成：缺少 1 项（请运行 manage.py migrate）",
    }


def test_an_unreachable_database_is_reported_in_chinese(db: Any, tmp_path: Any) -> None:
    """A real connection that cannot be opened (its directory does not exist), outside ``connections``."""
    settings_dict = connections.configure_settings(
        {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "no" / "db.sqlite3")}}
    )["default"]
    unreachable = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, alias="unreachable")
    assert health.check_database(unreachable) == "数据库无法连接"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health_checks_are_not_redirected_to_https(settings: Any, path: str) -> None:
    """The load balancer calls the app server over plain HTTP; everything else is redirected."""
    settings.SECURE_SSL_REDIRECT = True
    client = Client()
    assert client.get(path).status_code == 200
    assert client.get("/login/").status_code == 301


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health_checks_only_read(path: str) -> None:
    assert Client().head(path).status_code == 200
    assert Client().post(path).status_code == 405
