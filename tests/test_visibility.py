"""Who sees what (api.md "Visibility"): the role × unit matrix over lists, details, to-do lists and stats.

The scene, all assigned on 2026-03-02:
- P1: city proposal by member1, lead 市教育局 (jyj) + co 市卫生健康委员会 (wjw);
- P2: city proposal by member2, lead 市住房和城乡建设局 (zjj);
- P3: city proposal, registered, never assigned (its proposer has no account);
- P4: county proposal (a session of 示例县) by member1, filed and assigned to 示例县教育局 by the county office;
- P5: city proposal by member2, first assigned to jyj, returned (approved) and reassigned to zjj.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import time_machine
from django.test import Client

from conftest import World, act, assign, build_shared, file_proposal
from organisation.models import User

ALL = {"P1", "P2", "P3", "P4", "P5"}

# persona (username) → the proposals they may see.
VISIBLE: dict[str, set[str]] = {
    "admin": ALL,
    "office": ALL,  # the city's office sees the county under it
    "cppcc": ALL,
    "county_office": {"P4"},
    "mayor": {"P1", "P2", "P5"},  # in charge of jyj, wjw and zjj; P3 is assigned to nobody
    "vicemayor1": {"P1", "P5"},  # in charge of jyj only; P5 was once jyj's
    "jyj_head": {"P1", "P5"},
    "jyj_leader": {"P1", "P5"},
    "jyj_handler": {"P1", "P5"},
    "wjw_head": {"P1"},  # the co unit of P1
    "wjw_leader": {"P1"},
    "wjw_handler": {"P1"},
    "zjj_head": {"P2", "P5"},
    "zjj_leader": {"P2", "P5"},
    "zjj_handler": {"P2", "P5"},
    "xq_handler": {"P4"},
    "member1": {"P1", "P4"},  # a proposer whatever the jurisdiction
    "member2": {"P2", "P5"},
    "member3": set(),
}

CJK = re.compile(r"[\u4e00-\u9fff]")


NOW = "2026-03-02 09:00 +0800"


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(scope="module")
def built_scene(module_world: World | None, django_db_blocker: Any) -> dict[str, Any]:
    return build_shared(module_world, django_db_blocker, build_scene, at=NOW)


@pytest.fixture
def scene(built_scene: dict[str, Any], world: World, frozen: None) -> dict[str, Any]:
    """P1…P5, built once for the module: their ids and assignment ids."""
    return built_scene


def build_scene(world: World) -> dict[str, Any]:
    """Build P1…P5 and return their ids and assignment ids."""
    ids: dict[str, Any] = {}
    p1 = file_proposal(world, title="关于加强中小学课后服务的建议")
    d1 = assign(world, p1["id"], [(world.jyj, "lead"), (world.wjw, "co")])
    ids["P1"] = p1["id"]
    ids["P1.jyj"] = next(a["id"] for a in d1["assignments"] if a["department_id"] == world.jyj.pk)
    ids["P1.wjw"] = next(a["id"] for a in d1["assignments"] if a["department_id"] == world.wjw.pk)

    p2 = file_proposal(
        world, title="关于推进老旧小区改造的建议", proposers=[{"name": world.member2.name, "user_id": world.member2.pk}]
    )
    d2 = assign(world, p2["id"], [(world.zjj, "lead")])
    ids["P2"] = p2["id"]
    ids["P2.zjj"] = d2["assignments"][0]["id"]

    p3 = file_proposal(world, title="关于完善社区养老服务的建议", proposers=[{"name": "王委员"}])
    ids["P3"] = p3["id"]

    county = world.api(world.county_office)
    s = county.post("/sessions", {"jurisdiction_id": world.county.pk, "name": "十届二次会议", "year": 2026})
    assert s.status == 201, s.data
    p4 = county.post(
        "/proposals",
        {
            "session_id": s.data["id"],
            "number": "1",
            "title": "关于改善乡村学校校车服务的建议",
            "body": "建议……",
            "kind": "individual",
            "proposers": [{"name": world.member1.name, "user_id": world.member1.pk}],
        },
    )
    assert p4.status == 201, p4.data
    d4 = county.post(
        f"/proposals/{p4.data['id']}/assign", {"assignments": [{"department_id": world.xq.pk, "role": "lead"}]}
    )
    assert d4.status == 200, d4.data
    ids["P4"] = p4.data["id"]
    ids["P4.xq"] = d4.data["assignments"][0]["id"]

    p5 = file_proposal(
        world, title="关于规范校外培训机构的建议", proposers=[{"name": world.member2.name, "user_id": world.member2.pk}]
    )
    d5 = assign(world, p5["id"], [(world.jyj, "lead")])
    ids["P5"] = p5["id"]
    ids["P5.jyj"] = d5["assignments"][0]["id"]
    act(world, world.jyj_handler, ids["P5.jyj"], "request-return", {"reason": "该事项属住建部门职责"})
    act(world, world.office, ids["P5.jyj"], "decide-return",
        {"approve": True, "reassign": [{"department_id": world.zjj.pk, "role": "lead"}]})  # fmt: skip
    detail = world.api(world.office).get(f"/proposals/{ids['P5']}").data
    ids["P5.zjj"] = next(a["id"] for a in detail["assignments"] if a["department_id"] == world.zjj.pk)
    return ids


def _user(username: str) -> User:
    return User.objects.get(username=username)


@pytest.mark.parametrize("username", sorted(VISIBLE))
def test_proposal_list_and_detail_follow_visibility(world, scene, username):
    api = world.api(_user(username))
    by_id = {scene[k]: k for k in ALL}

    listed = api.get("/proposals", page_size=200)
    assert listed.status == 200, listed.data
    assert {by_id[p["id"]] for p in listed.data["items"]} == VISIBLE[username]
    assert listed.data["total"] == len(VISIBLE[username])

    for name in sorted(ALL):
        resp = api.get(f"/proposals/{scene[name]}")
        if name in VISIBLE[username]:
            assert resp.status == 200, (name, resp.data)
            assert resp.data["id"] == scene[name]
        else:
            assert resp.status == 404, (name, resp.status)
            assert resp.error_code == "not_found"


def test_every_persona_is_in_the_table(world):
    personas = set(User.objects.values_list("username", flat=True))
    assert personas == set(VISIBLE)


def test_withdrawn_assignment_is_visible_but_read_only(world, scene):
    detail = world.api(world.jyj_handler).get(f"/proposals/{scene['P5']}")
    assert detail.status == 200
    states = {a["department_id"]: a["state"] for a in detail.data["assignments"]}
    assert states == {world.jyj.pk: "withdrawn", world.zjj.pk: "pending"}
    assert detail.data["status"] == "assigned"

    withdrawn = scene["P5.jyj"]
    attempts = [
        (world.jyj_handler, "receive", {}),
        (world.jyj_handler, "request-return", {"reason": "再次申请"}),
        (world.jyj_handler, "submit-form", {"opinion": "拟办", "handler_id": world.jyj_handler.pk}),
        (world.jyj_handler, "contact", {"stage": "before", "date": "2026-03-02", "method": "visit",
                                        "participants": "张委员", "notes": "见面"}),
        (world.jyj_handler, "draft-reply", {"text": "答复", "result_class": "A", "method": "written", "is_public": True,
                                            "contact_person": "王老师", "contact_phone": "0512-1234567"}),
        (world.jyj_handler, "request-extension", {"reason": "需要时间", "new_due_on": "2026-07-01"}),
        (world.jyj_head, "sign-reply", {}),
        (world.jyj_leader, "approve-form", {}),
        (world.office, "remind", {"message": "请抓紧办理"}),
        (world.office, "decide-return", {"approve": True}),
    ]  # fmt: skip
    for user, action, body in attempts:
        resp = world.api(user).post(f"/assignments/{withdrawn}/{action}", body)
        assert (resp.status, resp.error_code) == (409, "invalid_transition"), (action, resp.status, resp.data)

    after = world.api(world.office).get(f"/proposals/{scene['P5']}").data
    assert [e["action"] for e in after["events"]] == [e["action"] for e in detail.data["events"]]


def _assignment_ids(api: Any, **params: Any) -> set[int]:
    resp = api.get("/assignments", page_size=200, **params)
    assert resp.status == 200, resp.data
    assert resp.data["total"] == len(resp.data["items"])
    return {a["id"] for a in resp.data["items"]}


def test_unit_users_list_only_their_own_units_assignments(world, scene):
    wjw = world.api(world.wjw_handler)
    assert _assignment_ids(wjw) == {scene["P1.wjw"]}
    assert _assignment_ids(wjw, proposal=scene["P1"]) == {scene["P1.wjw"]}
    assert _assignment_ids(wjw, department=world.jyj.pk) == set()
    detail = wjw.get(f"/proposals/{scene['P1']}")
    assert detail.status == 200
    assert {a["id"] for a in detail.data["assignments"]} == {scene["P1.jyj"], scene["P1.wjw"]}

    for user in (world.jyj_head, world.jyj_leader, world.jyj_handler):
        assert _assignment_ids(world.api(user)) == {scene["P1.jyj"], scene["P5.jyj"]}
    assert _assignment_ids(world.api(world.zjj_handler)) == {scene["P2.zjj"], scene["P5.zjj"]}
    assert _assignment_ids(world.api(world.xq_handler)) == {scene["P4.xq"]}
    assert _assignment_ids(world.api(world.wjw_head)) == {scene["P1.wjw"]}

    every = {scene[k] for k in ("P1.jyj", "P1.wjw", "P2.zjj", "P4.xq", "P5.jyj", "P5.zjj")}
    assert _assignment_ids(world.api(world.office)) == every
    assert _assignment_ids(world.api(world.admin)) == every
    assert _assignment_ids(world.api(world.county_office)) == {scene["P4.xq"]}
    assert _assignment_ids(world.api(world.member3)) == set()


def test_acting_on_what_you_cannot_see_is_404_and_on_another_unit_is_403(world, scene):
    def post(user: User, key: str, action: str, body: Any = None) -> Any:
        return world.api(user).post(f"/assignments/{scene[key]}/{action}", body or {})

    # Not visible: 404, even though the role could never act anyway.
    for user, key in ((world.zjj_handler, "P1.jyj"), (world.xq_handler, "P1.jyj"), (world.jyj_handler, "P4.xq"),
                      (world.wjw_handler, "P2.zjj")):  # fmt: skip
        resp = post(user, key, "receive")
        assert (resp.status, resp.error_code) == (404, "not_found"), (user.username, key, resp.data)
        assert world.api(user).get(f"/assignments/{scene[key]}").status == 404
    resp = post(world.member3, "P1.jyj", "feedback", {"attitude": "satisfied", "result": "satisfied"})
    assert (resp.status, resp.error_code) == (404, "not_found")
    resp = post(world.county_office, "P1.jyj", "remind", {"message": "请抓紧"})
    assert (resp.status, resp.error_code) == (404, "not_found")
    resp = post(world.member3, "P1.jyj", "remind", "not json at all")
    assert (resp.status, resp.error_code) == (404, "not_found")
    resp = world.api(world.county_office).post(
        f"/proposals/{scene['P3']}/assign", {"assignments": [{"department_id": world.xq.pk, "role": "lead"}]}
    )
    assert (resp.status, resp.error_code) == (404, "not_found")

    # Visible, but not this unit's or this role's: 403.
    resp = post(world.wjw_handler, "P1.jyj", "receive")
    assert (resp.status, resp.error_code) == (403, "forbidden")
    resp = post(world.jyj_handler, "P1.wjw", "receive")
    assert (resp.status, resp.error_code) == (403, "forbidden")
    resp = post(world.member1, "P1.jyj", "receive")
    assert (resp.status, resp.error_code) == (403, "forbidden")
    resp = post(world.wjw_handler, "P1.jyj", "receive", "not json at all")  # 403 comes before 400
    assert (resp.status, resp.error_code) == (403, "forbidden")


def _api_calls(doc: dict[str, Any], ids: dict[str, Any]) -> list[tuple[str, str]]:
    """Return (method, url) for every operation in the OpenAPI document, path parameters filled in."""
    values = {"proposal_id": ids["P1"], "assignment_id": ids["P1.jyj"], "jurisdiction_id": 1, "year": 2026}
    calls = []
    for path, ops in doc["paths"].items():
        url = re.sub(r"\{(\w+)\}", lambda m: str(values.get(m.group(1), 1)), path)
        calls += [(method.upper(), url) for method in ops if method in ("get", "post", "put", "patch", "delete")]
    return calls


def test_anonymous_is_401_everywhere_but_public_replies_and_token(world, scene):
    client = Client(raise_request_exception=False)
    doc = json.loads(client.get("/api/v1/openapi.json").content)
    calls = _api_calls(doc, scene)
    assert len(calls) > 30
    open_paths = {"/api/v1/public/replies", "/api/v1/auth/token"}
    for method, url in calls:
        if url in open_paths:
            continue
        resp = client.generic(method, url, b"{}", content_type="application/json")
        assert resp.status_code == 401, (method, url, resp.status_code)
        body = json.loads(resp.content)
        assert body["error"]["code"] == "unauthenticated"
        assert CJK.search(body["error"]["message"])
    # With a query string and with a bad token, still 401.
    assert client.get("/api/v1/proposals", {"page_size": 5}).status_code == 401
    bad = {"Authorization": "Bearer not-a-token"}
    assert client.get(f"/api/v1/proposals/{scene['P1']}", headers=bad).status_code == 401

    assert client.get("/api/v1/public/replies").status_code == 200
    token = client.post(
        "/api/v1/auth/token",
        json.dumps({"username": "office", "password": "demo-2026"}),
        content_type="application/json",
    )
    assert token.status_code == 200


def _deliver(world: World, assignment_id: int, *, public: bool, sign: bool = True) -> None:
    """Take a lead assignment with no co unit from pending to a signed (delivered) reply."""
    act(world, world.jyj_handler, assignment_id, "receive")
    act(world, world.jyj_handler, assignment_id, "submit-form", {"opinion": "拟办", "handler_id": world.jyj_handler.pk})
    act(world, world.jyj_leader, assignment_id, "approve-form", {})
    act(world, world.jyj_handler, assignment_id, "draft-reply", {
        "text": "关于课后服务，我局已出台实施方案。", "result_class": "A", "method": "written", "is_public": public,
        "contact_person": "王联络员", "contact_phone": "0512-7654321"})  # fmt: skip
    if sign:
        act(world, world.jyj_head, assignment_id, "sign-reply", {})


def test_public_replies_only_public_delivered_replies_without_contacts(world, frozen):
    def proposal(title: str, *, public: bool = True) -> int:
        proposers = [
            {"name": "欧阳明远", "user_id": world.member1.pk},
            {"name": "司马静怡", "user_id": world.member2.pk},
        ]
        p = file_proposal(world, title=title, kind="joint", is_public=public, proposers=proposers)
        return p["id"]

    shown = proposal("关于公开答复的提案甲")
    private_reply = proposal("关于不公开答复的提案乙")
    private_proposal = proposal("关于不公开提案的提案丙", public=False)
    unsigned = proposal("关于尚未签发的提案丁")
    unassigned = proposal("关于尚未交办的提案戊")
    cases = {shown: True, private_reply: False, private_proposal: True, unsigned: True}
    for pid, public in cases.items():
        a = assign(world, pid, [(world.jyj, "lead")])["assignments"][0]["id"]
        _deliver(world, a, public=public, sign=pid != unsigned)

    resp = Client().get("/api/v1/public/replies")
    assert resp.status_code == 200
    data = json.loads(resp.content)
    assert data["total"] == 1
    (item,) = data["items"]
    assert item["proposal_id"] == shown and unassigned not in {i["proposal_id"] for i in data["items"]}
    assert {"proposal_id", "session", "number", "title", "department", "result_class", "text", "signed_on"} <= set(item)
    assert item["department"] == "市教育局" and item["signed_on"] == "2026-03-02"
    raw = resp.content.decode()
    for secret in ("王联络员", "0512-7654321", "欧阳明远", "司马静怡", world.jyj_handler.name, "contact_phone",
                   "contact_person", "proposers"):  # fmt: skip
        assert secret not in raw, secret
    # The office still sees the contact details it needs.
    detail = world.api(world.office).get(f"/proposals/{shown}").data
    assert detail["assignments"][0]["reply"]["contact_phone"] == "0512-7654321"

    # Searching does not widen the scope.
    for q in ("提案", "课后服务"):
        found = json.loads(Client().get("/api/v1/public/replies", {"q": q}).content)
        assert {i["proposal_id"] for i in found["items"]} == {shown}


def _stats_rows(resp: Any) -> set[int]:
    assert resp.status == 200, resp.data
    return {d["department_id"] for d in resp.data["departments"]}


def test_stats_scope(world, scene):
    for user in (world.member1, world.member3, world.jyj_handler, world.jyj_head, world.xq_handler):
        resp = world.api(user).get("/stats")
        assert (resp.status, resp.error_code) == (403, "forbidden"), user.username
    assert Client().get("/api/v1/stats").status_code == 401

    city = {world.jyj.pk, world.wjw.pk, world.zjj.pk}
    office = world.api(world.office)
    assert _stats_rows(office.get("/stats")) == city
    assert _stats_rows(office.get("/stats", jurisdiction=world.city.pk)) == city
    assert _stats_rows(office.get("/stats", jurisdiction=world.city.pk, include_children="true")) == city | {
        world.xq.pk
    }
    assert _stats_rows(office.get("/stats", jurisdiction=world.county.pk)) == {world.xq.pk}
    assert _stats_rows(world.api(world.cppcc).get("/stats", year=2026)) == city
    assert _stats_rows(world.api(world.mayor).get("/stats")) >= {world.jyj.pk}
    assert _stats_rows(world.api(world.admin).get("/stats", jurisdiction=world.county.pk)) == {world.xq.pk}

    with_children = office.get("/stats", jurisdiction=world.city.pk, include_children="true").data
    xq_row = next(d for d in with_children["departments"] if d["department_id"] == world.xq.pk)
    assert xq_row["assigned"] == 1
    # Lead assignments not withdrawn: P1 jyj, P2 zjj, P5 zjj, and with the county P4 xq.
    assert with_children["totals"]["assigned"] == 4
    assert office.get("/stats").data["totals"]["assigned"] == 3

    county = world.api(world.county_office)
    resp = county.get("/stats", jurisdiction=world.city.pk)
    assert (resp.status, resp.error_code) == (404, "not_found")
    resp = county.get("/stats", jurisdiction=world.city.pk, include_children="true")
    assert (resp.status, resp.error_code) == (404, "not_found")
    assert _stats_rows(county.get("/stats")) == {world.xq.pk}
    assert _stats_rows(county.get("/stats", include_children="true")) == {world.xq.pk}
    resp = office.get("/stats", jurisdiction=987654)
    assert (resp.status, resp.error_code) == (404, "not_found")
