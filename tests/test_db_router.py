"""The read replica for reports (config/db_router.py): reads go there only inside reads_from_replica(),
writes never. The replica here is a second alias on the same test database (TEST MIRROR), as Django
tests replicas, so the rows each test commits are there to read."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from django.conf import settings
from django.db import connections, router
from django.test import Client
from django.test.utils import CaptureQueriesContext

from config.db_router import REPLICA, reads_from_replica
from conftest import read_settings
from organisation.models import Jurisdiction

both = pytest.mark.django_db(transaction=True, databases=["default", REPLICA])


@pytest.fixture(scope="module", autouse=True)
def replica(django_db_setup: None) -> Iterator[str]:
    """The "replica" alias settings.py makes from DATABASE_REPLICA_URL, pointing at the test database.
    Module-scoped, so it exists before each test's database access is set up."""
    mirror: Any = copy.deepcopy(connections["default"].settings_dict)
    mirror["TEST"] = {**mirror["TEST"], "MIRROR": "default"}
    settings.DATABASES[REPLICA] = connections.settings[REPLICA] = mirror  # usually one dict: both, to be sure
    yield REPLICA
    connections[REPLICA].close()
    del connections[REPLICA]
    connections.settings.pop(REPLICA, None)
    settings.DATABASES.pop(REPLICA, None)


def city() -> Jurisdiction:
    return Jurisdiction.objects.create(name="示例市")


def test_settings_add_the_replica_and_the_router_from_the_environment() -> None:
    names = read_settings({"DATABASE_REPLICA_URL": "postgres://reader@replica.internal:5432/banli"})
    replica = names["DATABASES"][REPLICA]
    assert (replica["HOST"], replica["USER"], replica["NAME"]) == ("replica.internal", "reader", "banli")
    assert replica["TEST"] == {"MIRROR": "default"}
    assert replica["CONN_MAX_AGE"] == 600
    assert names["DATABASE_ROUTERS"] == ["config.db_router.ReplicaRouter"]
    assert REPLICA not in read_settings({"DATABASE_REPLICA_URL": ""})["DATABASES"]


def test_settings_pool_replaces_persistent_connections_on_postgresql() -> None:
    names = read_settings({"DATABASE_URL": "postgres://app@db/banli", "DATABASE_POOL": "true"})
    assert names["DATABASES"]["default"]["OPTIONS"]["pool"] is True
    assert names["DATABASES"]["default"]["CONN_MAX_AGE"] == 0
    assert "pool" not in read_settings({"DATABASE_URL": "postgres://app@db/banli"})["DATABASES"]["default"].get(
        "OPTIONS", {}
    )


@both
def test_reads_inside_the_block_go_to_the_replica() -> None:
    made = city()
    with (
        CaptureQueriesContext(connections["default"]) as on_default,
        CaptureQueriesContext(connections[REPLICA]) as on_replica,
    ):
        with reads_from_replica():
            found = list(Jurisdiction.objects.filter(name="示例市"))
        outside = Jurisdiction.objects.get(name="示例市")
    assert [j.pk for j in found] == [made.pk]
    assert found[0]._state.db == REPLICA
    assert len(on_replica) == 1
    assert outside._state.db == "default"
    assert len(on_default) == 1


@both
def test_writes_inside_the_block_go_to_default() -> None:
    with reads_from_replica(), CaptureQueriesContext(connections[REPLICA]) as on_replica:
        made = city()
        Jurisdiction.objects.filter(pk=made.pk).update(name="示例市（改）")
    assert made._state.db == "default"
    assert len(on_replica) == 0
    assert Jurisdiction.objects.get(pk=made.pk).name == "示例市（改）"


@both
def test_as_a_decorator_and_restored_after_an_error() -> None:
    city()

    @reads_from_replica()
    def report() -> str:
        return Jurisdiction.objects.get(name="示例市")._state.db or ""

    @reads_from_replica()
    def failing() -> None:
        raise ValueError("报表出错")

    assert report() == REPLICA
    with pytest.raises(ValueError, match="报表出错"):
        failing()
    assert Jurisdiction.objects.get(name="示例市")._state.db == "default"


@both
def test_readyz_shows_the_replica() -> None:
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "replica": "ok"}


def test_without_a_replica_reads_stay_on_default() -> None:
    mirror = settings.DATABASES.pop(REPLICA)
    try:
        with reads_from_replica():
            assert router.db_for_read(Jurisdiction) == "default"
    finally:
        settings.DATABASES[REPLICA] = mirror


def test_migrate_never_runs_on_the_replica() -> None:
    assert router.allow_migrate(REPLICA, "organisation") is False
    assert router.allow_migrate("default", "organisation") is True
    with reads_from_replica():
        assert router.db_for_write(Jurisdiction) == "default"


@both
def test_the_statistics_read_from_the_replica() -> None:
    from reports.queries import department_stats

    made = city()
    with (
        CaptureQueriesContext(connections["default"]) as on_default,
        CaptureQueriesContext(connections[REPLICA]) as on_replica,
    ):
        department_stats([made.pk], today=date(2026, 12, 2), year=2026)
    assert len(on_replica) >= 1 and len(on_default) == 0
