"""The OpenAPI document is a contract (issue 7, hole 11): schemathesis fuzzes every operation it lists, with
every check on, and must find nothing — statuses, content types, bodies and headers as documented.

Each operation is one test (a few examples, derandomized), run against Django's WSGI app in-process on the
test database, as the superuser and as the office, with a small world so that ids reach real objects. The
world is built once for the module; what a test's examples change is rolled back after it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, Phase, settings
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig
from schemathesis.schemas import BaseSchema

from conftest import World, assign, build_shared, file_proposal
from notifications.models import Notification
from organisation.models import ApiToken

# Every built-in check is on. Two expectations are set to api.md's codes instead of schemathesis' defaults:
# - positive_data_acceptance: a schema-valid body may still be refused by the domain for the object's state
#   (409) or a rule (422), and ids in a valid body may name no object (400, api.md: bad input), e.g. a
#   `department_id` that does not exist; the default list already holds 401/403/404/409/429.
# - negative_data_rejection: api.md answers malformed input with 400 (422 is a rule, never a shape error),
#   and a body over the limit with 413; 401/403/404 come first in api.md's order of checks.
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "enabled": True,
            "positive_data_acceptance": {"expected-statuses": ["2xx", "400", "401", "403", "404", "409", "422", "429"]},
            "negative_data_rejection": {"expected-statuses": ["400", "401", "403", "404", "405", "413"]},
        },
    }
)

schema: BaseSchema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application(), config=CONFIG)
if os.environ.get("CONTRACT_PATHS"):  # to look at a few operations while fixing them, e.g. CONTRACT_PATHS=/me$
    schema = schema.include(path_regex=os.environ["CONTRACT_PATHS"])


@dataclass
class Contract:
    """Ids of real objects and the callers' tokens."""

    ids: dict[str, int]
    tokens: list[str]


def _contract(world: World) -> Contract:
    """The personas plus one proposal assigned to 市教育局 (lead) and 市卫生健康委员会 (co)."""
    proposal = file_proposal(world)
    detail = assign(world, proposal["id"], [(world.jyj, "lead"), (world.wjw, "co")])
    lead = next(a for a in detail["assignments"] if a["role"] == "lead")
    note = Notification.objects.create(user=world.office, text="请及时交办", proposal_id=proposal["id"])
    # A schema-valid path parameter is pointed at a real object, so positive cases reach the real code.
    ids = {
        "proposal_id": proposal["id"],
        "assignment_id": lead["id"],
        "jurisdiction_id": world.city.pk,
        "user_id": world.member3.pk,
        "notification_id": note.pk,
        "year": 2026,
    }
    return Contract(ids, [ApiToken.issue(world.admin), ApiToken.issue(world.office)])


@pytest.fixture(scope="module")
def built_contract(module_world: World | None, django_db_blocker: Any) -> Contract:
    return build_shared(module_world, django_db_blocker, _contract)


@pytest.fixture
def contract_world(built_contract: Contract, db: Any) -> Iterator[Contract]:
    # Like Django's test Client: a request must not close the test's connection (its transaction) on the way.
    # Disconnected after the world is built: each request of Django's Client connects the signals again.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield built_contract
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _aim(case: Any, ids: dict[str, int]) -> None:
    if case.meta is not None and case.meta.generation.mode is not GenerationMode.POSITIVE:
        return
    for name, value in (case.path_parameters or {}).items():
        if name in ids and isinstance(value, int):
            case.path_parameters[name] = ids[name]


@schema.parametrize()
@settings(
    max_examples=5,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_operation_keeps_its_contract(case: Any, contract_world: Contract) -> None:
    _aim(case, contract_world.ids)
    for token in contract_world.tokens:
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"})


def test_the_contract_covers_every_operation() -> None:
    """Every operation of the API is in the document with its error statuses, so the run above covers it."""
    doc = json.loads(Client().get("/api/v1/openapi.json").content)
    operations = [(path, method, op) for path, item in doc["paths"].items() for method, op in item.items()]
    assert len(operations) >= 50
    for path, method, op in operations:
        codes = set(op["responses"])
        assert any(c.startswith("2") for c in codes), (method, path)
        assert "400" in codes, (method, path)
        if op.get("security"):
            assert {"401", "403"} <= codes, (method, path)
        for code in codes - {"200", "201", "204"}:
            assert op["responses"][code]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/ErrorOut"
            }, (method, path, code)


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v2/x", "/api/", "/api", "/api/v1/", "/api/v1/proposals/1/nope"])
def test_unknown_api_paths_answer_json_404(db: Any, path: str) -> None:
    resp = Client().post(path) if path.endswith("x") else Client().get(path)
    assert resp.status_code == 404
    assert resp["Content-Type"].startswith("application/json")
    assert json.loads(resp.content)["error"]["code"] == "not_found"


def test_pages_keep_their_html_404(db: Any) -> None:
    resp = Client().get("/no-such-page/")
    assert resp.status_code == 404
    assert resp["Content-Type"].startswith("text/html")


def test_wrong_method_on_a_known_path_is_json_405(world: World) -> None:
    resp = Client().delete("/api/v1/me", headers={"Authorization": f"Bearer {ApiToken.issue(world.office)}"})
    assert resp.status_code == 405
    assert resp["Allow"] == "GET"
    error = json.loads(resp.content)["error"]
    assert error["code"] == "method_not_allowed" and error["details"] == {"allowed": ["GET"]}
