"""The API's conventions (api.md "Conventions", "Status codes", "Limits", "Idempotency"): auth, errors,
paging, limits, garbage in, the OpenAPI document and the docs page."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import time_machine
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client

from conftest import Api, World, act, assign, file_proposal, make_session
from organisation.models import ApiToken, User
from proposals.models import Proposal, Session

CJK = re.compile(r"[\u4e00-\u9fff]")
TITLE = "关于加强中小学课后服务的建议"


@pytest.fixture
def frozen():
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False):
        yield


def raw_client() -> Client:
    """A client that returns a 500 as a response instead of raising the view's exception."""
    return Client(raise_request_exception=False)


def bearer(user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {ApiToken.issue(user)}"}


def error_of(status: int, content: bytes, content_type: str) -> dict[str, Any]:
    """Check the error shape of api.md and return ``error``."""
    assert "application/json" in content_type, (status, content[:200])
    body = json.loads(content)
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}, body
    assert isinstance(body["error"]["code"], str) and body["error"]["code"]
    assert isinstance(body["error"]["details"], dict)
    assert CJK.search(body["error"]["message"]), body["error"]["message"]
    return body["error"]


def check_error(resp: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert resp.status_code == status, (resp.status_code, resp.content[:300])
    err = error_of(resp.status_code, resp.content, resp.get("Content-Type", ""))
    if code is not None:
        assert err["code"] == code, err
    return err


def proposal_body(world: World, **overrides: Any) -> dict[str, Any]:
    body = {
        "session_id": make_session(world),
        "number": "101",
        "title": TITLE,
        "body": "情况分析……具体建议：一、……二、……",
        "kind": "individual",
        "proposers": [{"name": world.member1.name, "user_id": world.member1.pk}],
        "category": "教育",
    }
    body.update(overrides)
    return body


# --------------------------------------------------------------------------------------------------
# Authentication


def test_token_for_the_right_password_only(world):
    client = raw_client()
    resp = client.post(
        "/api/v1/auth/token",
        json.dumps({"username": "office", "password": "demo-2026"}),
        content_type="application/json",
    )
    assert resp.status_code == 200
    body = json.loads(resp.content)
    assert set(body) >= {"token"} and isinstance(body["token"], str) and len(body["token"]) >= 20
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    assert json.loads(me.content)["username"] == "office"

    for creds in (
        {"username": "office", "password": "wrong-password"},
        {"username": "nobody", "password": "demo-2026"},
    ):
        resp = client.post("/api/v1/auth/token", json.dumps(creds), content_type="application/json")
        check_error(resp, 401, "unauthenticated")


def test_bad_or_missing_tokens_are_401(world):
    client = raw_client()
    token = ApiToken.issue(world.member1)
    for header in (None, "Bearer", "Bearer ", "Bearer not-a-real-token", f"Token {token}", token, f"Bearer {token}x"):
        headers = {"Authorization": header} if header is not None else {}
        check_error(client.get("/api/v1/me", headers=headers), 401, "unauthenticated")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200

    # A deactivated account's token stops working, and it cannot get a new one.
    world.member1.is_active = False
    world.member1.save()
    check_error(client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}), 401, "unauthenticated")
    resp = client.post(
        "/api/v1/auth/token",
        json.dumps({"username": "member1", "password": "demo-2026"}),
        content_type="application/json",
    )
    check_error(resp, 401, "unauthenticated")


def test_me_shows_the_user(world):
    me = world.api(world.jyj_handler).get("/me")
    assert me.status == 200
    assert me.data["id"] == world.jyj_handler.pk and me.data["username"] == "jyj_handler"
    assert me.data["name"] == world.jyj_handler.name
    assert me.data["role"] == "dept_handler"
    assert me.data["department_id"] == world.jyj.pk and me.data["jurisdiction_id"] == world.city.pk


def test_browser_session_with_csrf(world):
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.force_login(world.cppcc)
    me = client.get("/api/v1/me")
    assert me.status_code == 200
    assert json.loads(me.content)["username"] == "cppcc"

    body = json.dumps({"jurisdiction_id": world.city.pk, "name": "十四届三次会议", "year": 2027})
    resp = client.post("/api/v1/sessions", body, content_type="application/json")
    check_error(resp, 403, "forbidden")
    assert not Session.objects.filter(name="十四届三次会议").exists()

    secret = "AbCdEfGhIjKlMnOpQrStUvWxYz012345"  # a well-formed CSRF secret (32 letters and digits)
    client.cookies["csrftoken"] = secret
    resp = client.post("/api/v1/sessions", body, content_type="application/json", headers={"X-CSRFToken": secret})
    assert resp.status_code == 201, resp.content
    assert Session.objects.filter(name="十四届三次会议").count() == 1


def test_createsuperuser_noinput_may_set_up_everything(db, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "root")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Root-pass-2026")
    call_command("createsuperuser", interactive=False, username="root", email="root@example.com", verbosity=0)

    client = raw_client()
    resp = client.post(
        "/api/v1/auth/token",
        json.dumps({"username": "root", "password": "Root-pass-2026"}),
        content_type="application/json",
    )
    assert resp.status_code == 200, resp.content
    api = Api()
    api.headers["Authorization"] = f"Bearer {json.loads(resp.content)['token']}"

    me = api.get("/me")
    assert me.status == 200
    assert me.data["is_superuser"] is True and me.data["role"] is None and me.data["username"] == "root"

    city = api.post("/jurisdictions", {"name": "新市"})
    assert city.status == 201, city.data
    county = api.post("/jurisdictions", {"name": "新县", "parent_id": city.data["id"]})
    assert county.status == 201 and county.data["parent_id"] == city.data["id"]
    dept = api.post(
        "/departments", {"name": "新市教育局", "jurisdiction_id": city.data["id"], "duties": "主管全市教育工作"}
    )
    assert dept.status == 201, dept.data
    users = [
        {"username": "new_office", "role": "office_staff"},
        {"username": "new_cppcc", "role": "cppcc_staff"},
        {"username": "new_handler", "role": "dept_handler", "department_id": dept.data["id"]},
        {"username": "new_leader", "role": "gov_leader", "charged_department_ids": [dept.data["id"]]},
        {"username": "new_member", "role": "member"},
    ]
    for u in users:
        created = api.post(
            "/users", {"password": "Start-2026!", "name": "新用户", "jurisdiction_id": city.data["id"], **u}
        )
        assert created.status == 201, (u, created.data)
        assert isinstance(created.data["id"], int)

    # The office the superuser created can now work, once it has replaced the password it was given.
    office = Api(User.objects.get(username="new_office"))
    assert office.get("/me").error_code == "password_change_required"
    changed = office.post("/auth/password", {"old_password": "Start-2026!", "new_password": "Mine-2026-abc"})
    office.headers["Authorization"] = f"Bearer {changed.data['token']}"
    assert office.get("/me").data["role"] == "office_staff"
    session = office.post("/sessions", {"jurisdiction_id": city.data["id"], "name": "一届一次会议", "year": 2026})
    assert session.status == 201, session.data


# --------------------------------------------------------------------------------------------------
# Errors, status codes, Chinese as is


def test_every_error_has_the_documented_shape_with_a_chinese_message(world, frozen):
    client = raw_client()
    cppcc, office, member = bearer(world.cppcc), bearer(world.office), bearer(world.member1)
    p = file_proposal(world)
    lead = assign(world, p["id"], [(world.jyj, "lead")])["assignments"][0]
    act(world, world.jyj_handler, lead["id"], "receive")

    def post(path: str, body: Any, headers: dict[str, str]) -> Any:
        return client.post("/api/v1" + path, json.dumps(body), content_type="application/json", headers=headers)

    check_error(post("/proposals", {"title": TITLE}, cppcc), 400, "invalid")
    check_error(client.get("/api/v1/me"), 401, "unauthenticated")
    check_error(post("/proposals", proposal_body(world), member), 403, "forbidden")
    check_error(client.get("/api/v1/proposals/987654", headers=office), 404, "not_found")
    err = check_error(
        post(f"/assignments/{lead['id']}/receive", {}, bearer(world.jyj_handler)), 409, "invalid_transition"
    )
    text = json.dumps(err, ensure_ascii=False)
    assert "received" in text and "submit-form" in text, err  # names the state and the allowed actions
    check_error(post("/proposals", proposal_body(world, number=p["number"]), cppcc), 422, "duplicate_number")
    check_error(post(f"/proposals/{p['id']}/assign",
                     {"assignments": [{"department_id": world.wjw.pk, "role": "co"}], "assigned_on": "2026-03-03"},
                     office), 422, "date_in_future")  # fmt: skip
    check_error(client.get("/api/v1/proposals", {"page_size": 500}, headers=office), 400, "invalid")


def test_chinese_is_not_escaped(world):
    p = file_proposal(world, title="关于“双减”背景下课后服务的建议")
    for path in (f"/api/v1/proposals/{p['id']}", "/api/v1/proposals"):
        resp = Client().get(path, headers=bearer(world.office))
        assert "关于“双减”背景下课后服务的建议".encode() in resp.content
        assert b"\\u" not in resp.content
        assert "charset=utf-8" in resp["Content-Type"].lower().replace(" ", "")
    resp = Client().get("/api/v1/me")
    assert CJK.search(resp.content.decode()) and b"\\u" not in resp.content


def test_creating_returns_201_and_actions_200(world, frozen):
    cppcc = world.api(world.cppcc)
    s = cppcc.post("/sessions", {"jurisdiction_id": world.city.pk, "name": "十四届三次会议", "year": 2026})
    assert s.status == 201 and isinstance(s.data["id"], int)
    p = cppcc.post("/proposals", proposal_body(world, session_id=s.data["id"]))
    assert p.status == 201 and isinstance(p.data["id"], int) and p.data["status"] == "registered"
    data = assign(world, p.data["id"], [(world.jyj, "lead")])
    a = world.api(world.jyj_handler).post(f"/assignments/{data['assignments'][0]['id']}/receive", {})
    assert a.status == 200 and a.data["state"] == "received"
    i = world.api(world.mayor).post(f"/proposals/{p.data['id']}/instructions", {"text": "请教育局认真研究办理"})
    assert i.status == 201, i.data
    assert i.data["text"] == "请教育局认真研究办理" and isinstance(i.data["id"], int)


# --------------------------------------------------------------------------------------------------
# Paging


LISTS = ["/proposals", "/assignments", "/public/replies", "/departments", "/jurisdictions", "/sessions"]


def test_paging(world):
    ids = [file_proposal(world)["id"] for _ in range(25)]
    api = world.api(world.office)

    first = api.get("/proposals")
    assert first.status == 200
    assert (first.data["total"], first.data["page"], first.data["page_size"], len(first.data["items"])) == (
        25,
        1,
        20,
        20,
    )
    second = api.get("/proposals", page=2)
    assert (second.data["total"], second.data["page"], second.data["page_size"], len(second.data["items"])) == (
        25,
        2,
        20,
        5,
    )
    seen = [p["id"] for p in first.data["items"] + second.data["items"]]
    assert sorted(seen) == sorted(ids)
    beyond = api.get("/proposals", page=3)
    assert beyond.status == 200 and beyond.data["items"] == [] and beyond.data["total"] == 25
    far = api.get("/proposals", page=1000, page_size=10)
    assert far.status == 200 and far.data["items"] == [] and far.data["total"] == 25

    biggest = api.get("/proposals", page_size=200)
    assert biggest.status == 200 and len(biggest.data["items"]) == 25 and biggest.data["page_size"] == 200
    small = api.get("/proposals", page_size=7, page=4)
    assert len(small.data["items"]) == 4 and small.data["page"] == 4


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize(
    "params",
    [
        {"page_size": 201},
        {"page_size": 0},
        {"page_size": -5},
        {"page": 0},
        {"page": -1},
        {"page": "abc"},
        {"page_size": "x"},
        {"page_size": 10**30},
    ],
    ids=lambda params: "&".join(f"{k}={str(v)[:8]}" for k, v in params.items()),
)
def test_bad_paging_is_400(world, path, params):
    client = raw_client()
    resp = client.get("/api/v1" + path, params, headers=bearer(world.office))
    check_error(resp, 400, "invalid")


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("page", [10**6, 2**63, 10**30], ids=["1e6", "2^63", "1e30"])
def test_a_huge_page_number_is_beyond_the_last_page(world, path, page):
    resp = raw_client().get("/api/v1" + path, {"page": page}, headers=bearer(world.office))
    assert resp.status_code == 200, (resp.status_code, resp.content[:200])
    body = json.loads(resp.content)
    assert body["items"] == [] and body["total"] == world.api(world.office).get(path).data["total"]


@pytest.mark.parametrize("path", LISTS)
def test_lists_have_the_paging_envelope(world, path):
    resp = world.api(world.office).get(path, page_size=200)
    assert resp.status == 200, resp.data
    assert set(resp.data) >= {"items", "total", "page", "page_size"}
    assert resp.data["page"] == 1 and resp.data["page_size"] == 200 and isinstance(resp.data["total"], int)
    default = world.api(world.office).get(path)
    assert default.data["page_size"] == 20


# --------------------------------------------------------------------------------------------------
# Limits and malformed input


def test_title_and_body_limits(world):
    client = raw_client()
    headers = bearer(world.cppcc)

    def create(**overrides: Any) -> Any:
        body = json.dumps(proposal_body(world, **overrides), ensure_ascii=False).encode()
        return client.post("/api/v1/proposals", body, content_type="application/json", headers=headers)

    check_error(create(number="1", title="题" * 501), 400, "invalid")
    check_error(create(number="2", body="字" * 200_001), 400, "invalid")
    assert Proposal.objects.count() == 0

    assert create(number="3", title="题" * 500).status_code == 201
    assert create(number="4", body="字" * 200_000).status_code == 201


def test_json_over_5_mib_is_refused(world):
    client = raw_client()
    body = json.dumps(proposal_body(world, body="x" * (5 * 1024 * 1024 + 100))).encode()
    resp = client.post("/api/v1/proposals", body, content_type="application/json", headers=bearer(world.cppcc))
    check_error(resp, 413, "too_large")
    assert Proposal.objects.count() == 0


@pytest.mark.parametrize(
    "overrides",
    [
        {"kind": "bogus"},
        {"title": ["关于"]},
        {"title": 123},
        {"session_id": "abc"},
        {"session_id": None},
        {"proposers": "张委员"},
        {"proposers": []},
        {"proposers": [{"user_id": 1}]},
        {"is_key": "maybe"},
        {"submitted_on": "2026-02-30"},
        {"submitted_on": "2026/03/01"},
        {"submitted_on": 20260301.5},
        {"number": ""},
        {"unknown_field": 1},
    ],
)
def test_malformed_proposal_is_400(world, overrides):
    body = proposal_body(world, **overrides)
    resp = raw_client().post("/api/v1/proposals", json.dumps(body), content_type="application/json",
                             headers=bearer(world.cppcc))  # fmt: skip
    check_error(resp, 400, "invalid")
    assert Proposal.objects.count() == 0


@pytest.mark.parametrize("field", ["session_id", "number", "title", "body", "kind", "proposers"])
def test_missing_field_is_400(world, field):
    body = proposal_body(world)
    del body[field]
    resp = raw_client().post("/api/v1/proposals", json.dumps(body), content_type="application/json",
                             headers=bearer(world.cppcc))  # fmt: skip
    check_error(resp, 400, "invalid")


def test_invalid_dates_and_enums_are_400(world, frozen):
    client = raw_client()
    p = file_proposal(world)
    office = bearer(world.office)
    path = f"/api/v1/proposals/{p['id']}/assign"

    def post(path: str, body: Any, headers: dict[str, str]) -> Any:
        return client.post(path, json.dumps(body), content_type="application/json", headers=headers)

    unit = [{"department_id": world.jyj.pk, "role": "lead"}]
    check_error(post(path, {"assignments": unit, "assigned_on": "2026-02-30"}, office), 400, "invalid")
    check_error(post(path, {"assignments": [{"department_id": world.jyj.pk, "role": "boss"}]}, office), 400, "invalid")
    check_error(post(path, {"assignments": []}, office), 400, "invalid")
    check_error(post(path, {"assignments": [{"department_id": "jyj", "role": "lead"}]}, office), 400, "invalid")
    lead = assign(world, p["id"], [(world.jyj, "lead")])["assignments"][0]["id"]
    handler = bearer(world.jyj_handler)
    act(world, world.jyj_handler, lead, "receive")
    contact = {"stage": "before", "date": "2026-02-30", "method": "visit", "participants": "张委员", "notes": "见面"}
    check_error(post(f"/api/v1/assignments/{lead}/contact", contact, handler), 400, "invalid")
    for bad in ({"method": "fax"}, {"stage": "sometime"}, {"participants": ["张"]}, {"date": 20260301}):
        body = {**contact, "date": "2026-03-01", **bad}
        check_error(post(f"/api/v1/assignments/{lead}/contact", body, handler), 400, "invalid")

    for params in ({"status": "bogus"}, {"is_key": "maybe"}, {"year": "twenty"}, {"session": "x"}):
        check_error(client.get("/api/v1/proposals", params, headers=office), 400, "invalid")
    for params in ({"state": "bogus"}, {"light": "purple"}, {"due_before": "2026-02-30"}, {"proposal": "x"}):
        check_error(client.get("/api/v1/assignments", params, headers=office), 400, "invalid")


@pytest.mark.parametrize("ident", ["abc", "1.5", "-1", "0", "99999999999999999999999", "1e3", "%20"])
@pytest.mark.parametrize("template", ["/proposals/{}", "/assignments/{}", "/jurisdictions/{}", "/calendar/{}"])
def test_odd_path_ids_are_400_or_404(world, ident, template):
    resp = raw_client().get("/api/v1" + template.format(ident), headers=bearer(world.admin))
    # Not an integer: 400. An integer no object has: 404; but a calendar year out of range is 400.
    integer = ident.lstrip("-").isdigit()
    if integer and not template.startswith("/calendar/"):
        check_error(resp, 404, "not_found")
    else:
        check_error(resp, 400, "invalid")


# --------------------------------------------------------------------------------------------------
# Garbage in, over every endpoint of the OpenAPI document: never a 500.

RAW_GARBAGE: list[bytes] = [
    b"not json",
    b"{",
    b'{"a": 1,}',
    b"[1, 2, 3]",
    b"[]",
    b"null",
    b"42",
    b'"text"',
    b"true",
    b"\xff\xfe\xfa",
    b'{"a": NaN}',
    b'{"a": Infinity}',
    b'{"x": 1e400}',
    b"[" * 50_000 + b"]" * 50_000,
    b'{"a": ' * 5_000 + b"1" + b"}" * 5_000,
    b"{}",
    b'{"unknown": 1}',
]

JUNK: list[Any] = [None, True, -1, 0, 10**30, -(10**30), 1.5, "", "abc", "2026-02-30", [], {}, [None], [{}], ["x"],
                   [10**30], {"a": 1}]  # fmt: skip


def _sample(schema: dict[str, Any], variant: str) -> Any:
    """Build a plausible value for a JSON schema, with one kind of bad value where the variant says."""
    if "anyOf" in schema:
        options = [s for s in schema["anyOf"] if s.get("type") != "null"]
        return _sample(options[0], variant) if options else None
    if "enum" in schema:
        return "bogus" if variant == "enum" else schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if kind == "string":
        if schema.get("format") == "date":
            return {"bad_date": "2026-02-30", "future": "9999-12-31", "ancient": "0001-01-01",
                    "datetime": "2026-03-01T10:00:00+08:00"}.get(variant, "2026-03-01")  # fmt: skip
        return "测试内容"
    if kind == "integer":
        return {"huge": 10**30, "negative": -1, "zero": 0, "big": 2**63}.get(variant, 1)
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return True
    if kind == "array":
        if variant == "long_list":
            return [_sample(schema.get("items", {}), "plain")] * 600
        return [_sample(schema.get("items", {}), variant)]
    if kind == "object" or "properties" in schema:
        return {k: _sample(v, variant) for k, v in schema.get("properties", {}).items()}
    return "x"


VARIANTS = [
    "plain",
    "huge",
    "big",
    "negative",
    "zero",
    "bad_date",
    "future",
    "ancient",
    "datetime",
    "enum",
    "long_list",
]


def _bodies(schema: dict[str, Any] | None) -> list[bytes]:
    bodies = list(RAW_GARBAGE)
    props = (schema or {}).get("properties", {})
    for variant in VARIANTS:
        bodies.append(json.dumps(_sample(schema or {}, variant)).encode())
    for junk in JUNK:
        bodies.append(json.dumps(dict.fromkeys(props, junk)).encode())
        for name in props:  # one field wrong, the others plausible
            body = _sample(schema or {}, "plain")
            body[name] = junk
            bodies.append(json.dumps(body).encode())
    return bodies


def _problem(method: str, url: str, body: bytes, resp: Any) -> str | None:
    if resp.status_code >= 500:
        shown = body if len(body) <= 300 else body[:60] + b"..."
        return f"{method} {url} {shown!r} → {resp.status_code}"
    if resp.status_code >= 400:
        try:
            error_of(resp.status_code, resp.content, resp.get("Content-Type", ""))
        except (AssertionError, ValueError) as exc:
            return f"{method} {url} {body[:80]!r} → {resp.status_code} without the error shape: {exc!s:.120}"
    return None


@pytest.fixture
def garbage_scene(world: World, frozen: None) -> tuple[Client, dict[str, Any], dict[str, int]]:
    client = raw_client()
    doc = json.loads(client.get("/api/v1/openapi.json").content)
    p = file_proposal(world)
    data = assign(world, p["id"], [(world.jyj, "lead"), (world.wjw, "co")])
    lead = next(a["id"] for a in data["assignments"] if a["role"] == "lead")
    values = {"proposal_id": p["id"], "assignment_id": lead, "jurisdiction_id": world.city.pk, "year": 2026}
    return client, doc, values


def _fill(path: str, values: dict[str, int]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(values.get(m.group(1), 1)), path)


def test_garbage_bodies_never_cause_a_500(world, garbage_scene):
    client, doc, values = garbage_scene
    headers = bearer(world.admin)  # a superuser passes every role check, so the body is parsed
    problems: list[str] = []
    endpoints = 0
    for path, ops in doc["paths"].items():
        for method in ("post", "put", "patch"):
            if method not in ops:
                continue
            endpoints += 1
            content = ops[method].get("requestBody", {}).get("content", {})
            schema = content.get("application/json", {}).get("schema")
            url = _fill(path, values)
            for body in _bodies(schema):
                resp = client.generic(method.upper(), url, body, content_type="application/json", headers=headers)
                problem = _problem(method.upper(), url, body, resp)
                if problem:
                    problems.append(problem)
    assert endpoints >= 30
    assert problems == [], "\n".join(problems[:300])


def test_garbage_query_and_path_parameters_never_cause_a_500(world, garbage_scene):
    client, doc, values = garbage_scene
    headers = bearer(world.admin)
    problems: list[str] = []
    odd = ["abc", "-1", "0", "99999999999999999999999", "9223372036854775808", "2026-02-30", "", "1.5", "true", "%00"]
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            if method != "get":
                continue
            params = [p for p in op.get("parameters", []) if p.get("in") == "query"]
            url = _fill(path, values)
            for param in params:
                for value in odd:
                    resp = client.get(url, {param["name"]: value}, headers=headers)
                    problem = _problem("GET", f"{url}?{param['name']}={value}", b"", resp)
                    if problem:
                        problems.append(problem)
            for name in re.findall(r"\{(\w+)\}", path):
                for value in odd:
                    if not value:
                        continue  # an empty segment is another URL, not a bad id
                    bad_url = _fill(path, {**values, name: value})  # type: ignore[dict-item]
                    resp = client.get(bad_url, headers=headers)
                    problem = _problem("GET", bad_url, b"", resp)
                    if problem:
                        problems.append(problem)
    assert problems == [], "\n".join(problems[:300])


# --------------------------------------------------------------------------------------------------
# Assign


def test_assign_dates_and_response(world):
    with time_machine.travel("2026-03-10 09:00 +0800", tick=False):
        p = file_proposal(world)
        office = world.api(world.office)
        unit = [{"department_id": world.jyj.pk, "role": "lead"}]
        resp = office.post(f"/proposals/{p['id']}/assign", {"assignments": unit, "assigned_on": "2026-03-11"})
        assert (resp.status, resp.error_code) == (422, "date_in_future")
        detail = office.get(f"/proposals/{p['id']}").data
        assert detail["assignments"] == [] and detail["status"] == "registered"

        resp = office.post(
            f"/proposals/{p['id']}/assign", {"assignments": [{"department_id": world.wjw.pk, "role": "co"}]}
        )
        assert (resp.status, resp.error_code) == (400, "invalid"), resp.data  # the proposal would have no lead
        assert office.get(f"/proposals/{p['id']}").data["assignments"] == []

        data = assign(world, p["id"], [(world.jyj, "lead"), (world.wjw, "co")], assigned_on="2026-03-02")
        assert data["id"] == p["id"] and data["status"] == "assigned"
        assert len(data["assignments"]) == 2
        for a in data["assignments"]:
            assert {"id", "proposal_id", "department_id", "role", "state", "assigned_on", "due_on", "return_deadline",
                    "co_opinion_due", "light", "reply", "feedback", "follow_up_items"} <= set(a)  # fmt: skip
            assert a["assigned_on"] == "2026-03-02" and a["state"] == "pending" and a["proposal_id"] == p["id"]
        lead = next(a for a in data["assignments"] if a["role"] == "lead")
        co = next(a for a in data["assignments"] if a["role"] == "co")
        assert lead["due_on"] == "2026-06-02" and lead["return_deadline"] == "2026-03-12"
        assert co["co_opinion_due"] == "2026-04-02" and lead["co_opinion_due"] is None

        today = assign(world, file_proposal(world)["id"], [(world.zjj, "lead")])
        assert today["assignments"][0]["assigned_on"] == "2026-03-10"


# --------------------------------------------------------------------------------------------------
# OpenAPI and docs

# Every path of api.md's tables except those of later issues (Excel import, similar proposals, route
# suggestions, documents, exports and assessment), which the handling-core issue leaves out.
DOCUMENTED_PATHS = [
    "/api/v1/auth/token",
    "/api/v1/me",
    "/api/v1/jurisdictions",
    "/api/v1/jurisdictions/{}",
    "/api/v1/departments",
    "/api/v1/users",
    "/api/v1/sessions",
    "/api/v1/proposals",
    "/api/v1/proposals/{}",
    "/api/v1/proposals/{}/assign",
    "/api/v1/proposals/{}/instructions",
    "/api/v1/assignments",
    *[
        f"/api/v1/assignments/{{}}/{action}"
        for action in (
            "receive",
            "request-return",
            "decide-return",
            "submit-form",
            "approve-form",
            "contact",
            "co-opinion",
            "draft-reply",
            "sign-reply",
            "review-reply",
            "approve-reply",
            "reply-meeting",
            "request-extension",
            "decide-extension",
            "feedback",
            "self-check",
            "follow-up-plan",
            "follow-up-done",
            "second-feedback",
            "remind",
        )
    ],  # fmt: skip
    "/api/v1/stats",
    "/api/v1/public/replies",
]


def test_openapi_document_lists_every_documented_path(db):
    resp = Client().get("/api/v1/openapi.json")
    assert resp.status_code == 200
    doc = json.loads(resp.content)
    assert str(doc["openapi"]).startswith("3.")
    assert doc["info"]["title"]
    paths = {re.sub(r"\{[^}]*\}", "{}", p) for p in doc["paths"]}
    missing = [p for p in DOCUMENTED_PATHS if p not in paths]
    assert missing == [], f"not in the OpenAPI document: {missing}"
    assert "post" in doc["paths"]["/api/v1/proposals/{proposal_id}/assign"]
    assert "requestBody" in doc["paths"]["/api/v1/proposals/{proposal_id}/assign"]["post"]


def test_docs_page_loads_swagger_from_our_static_files(db):
    resp = Client().get("/api/v1/docs")
    assert resp.status_code == 200
    assert "text/html" in resp["Content-Type"]
    html = resp.content.decode()
    assert not re.search(r"https?://", html), re.findall(r"https?://[^\s\"']+", html)
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    scripts = [a for a in assets if a.endswith(".js")]
    assert scripts, assets
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert finders.find(asset.removeprefix("/static/")), f"{asset} is not among our static files"
    assert "/api/v1/openapi.json" in html


# --------------------------------------------------------------------------------------------------
# Idempotency


def test_idempotency_key_on_creating_a_proposal(world):
    client = raw_client()
    headers = {**bearer(world.cppcc), "Idempotency-Key": "import-2026-0001"}
    body = json.dumps(proposal_body(world, number="7"))
    first = client.post("/api/v1/proposals", body, content_type="application/json", headers=headers)
    assert first.status_code == 201, first.content
    again = client.post("/api/v1/proposals", body, content_type="application/json", headers=headers)
    assert again.status_code == 201
    assert json.loads(again.content)["id"] == json.loads(first.content)["id"]
    assert Proposal.objects.filter(number="7").count() == 1

    other = json.dumps(proposal_body(world, number="8"))
    resp = client.post("/api/v1/proposals", other, content_type="application/json", headers=headers)
    check_error(resp, 422, "idempotency_key_reused")
    assert Proposal.objects.count() == 1

    # Without a key, the same body is a second registration of the same number.
    plain = bearer(world.cppcc)
    resp = client.post("/api/v1/proposals", body, content_type="application/json", headers=plain)
    check_error(resp, 422, "duplicate_number")
    # Another key is another request.
    resp = client.post("/api/v1/proposals", other, content_type="application/json",
                       headers={**plain, "Idempotency-Key": "import-2026-0002"})  # fmt: skip
    assert resp.status_code == 201
    assert Proposal.objects.count() == 2
