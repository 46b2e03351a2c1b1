"""The role × object × action matrix of issue 7, through the API and the pages.

Generated, not listed: every action of the transition table (on a lead and on a co assignment in a state
where it is open), every proposal command and every read, for every persona of ``tests/matrix_world.py``
(each role in its own unit, another unit of the jurisdiction and a unit of the other jurisdiction; office and
CPPCC staff of either jurisdiction; leaders in charge or not; the first proposer, a co-signer, a stranger;
the superuser; anonymous). The expected outcome comes from api.md: can't see → 404, sees but role or unit not
allowed → 403, allowed → it reaches the state and rule checks (anything but 401/403/404). A forbidden
request is sent a second time with a malformed body, which must not change the answer (403/404 before
400). The pages answer the same with their error pages; anonymous visitors are sent to sign in, members
reading an internal page to ``/my/<id>/``.

Built once for the module; every attempted write runs in a savepoint rolled back at once, so each attempt
starts from the same state. Each test (the actions of either side, the commands, the reads, the lists)
reports all its mismatches together as one table.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.test import Client

from conftest import Api, World, build_shared
from handling.commands import COMMANDS
from handling.proposal_commands import PROPOSAL_COMMANDS
from handling.states import API_NAMES, TRANSITIONS, State, is_open_for
from organisation.models import Department, Role
from tests.matrix_world import (
    PROPOSAL_WHO,
    WHO,
    Obj,
    Persona,
    ProposalRecord,
    Side,
    action_body,
    build_objects,
    build_sides,
    command_body,
    form_data,
    lists_assignment,
    may_act,
    may_command,
    sees_proposal,
)
from web.action_forms import ASSIGNMENT_FORMS, PROPOSAL_FORMS

# Which object an action needs besides an open state: something to decide on, an item to finish.
SETUP = {"decide_extension": "extension", "consult_extension": "extension", "follow_up_done": "planned",
         "second_feedback": "done"}  # fmt: skip
# The API's path of each proposal command.
COMMAND_CALLS = {"assign": ("POST", "/proposals/{}/assign"), "flags": ("PATCH", "/proposals/{}"),
                 "instruction": ("POST", "/proposals/{}/instructions")}  # fmt: skip
MALFORMED = "not json at all"
NOW = "2026-03-02 09:00 +0800"


def test_spec_tables_cover_the_product_tables():
    """The spec's "who" is the transition table's, and every command the API and the pages run is covered."""
    api_actions = {name for name, tr in TRANSITIONS.items() if not tr.internal}
    assert set(WHO) == api_actions == set(COMMANDS) == set(ASSIGNMENT_FORMS)
    assert set(PROPOSAL_WHO) == set(PROPOSAL_COMMANDS) == set(PROPOSAL_FORMS) == set(COMMAND_CALLS)
    loose = {a: sorted(TRANSITIONS[a].who ^ roles) for a, roles in WHO.items() if TRANSITIONS[a].who != roles}
    assert not loose, loose


def rolled_back(request: Callable[[], Any]) -> Any:
    """Send a request inside a savepoint that is rolled back, so the next attempt finds the same state."""
    with transaction.atomic():
        try:
            return request()
        finally:
            transaction.set_rollback(True)


@dataclass
class Mismatch:
    persona: str
    obj: str
    action: str
    channel: str
    expected: str
    got: str


@dataclass
class Matrix:
    world: World
    sides: dict[str, Side] = field(default_factory=dict)
    personas: list[Persona] = field(default_factory=list)
    objects: list[Obj] = field(default_factory=list)
    mismatches: list[Mismatch] = field(default_factory=list)
    reached: set[tuple[str, str]] = field(default_factory=set)  # (side, action) an allowed persona did
    problems: list[str] = field(default_factory=list)
    pages: dict[int, Client] = field(default_factory=dict)

    def build(self) -> None:
        sides, self.personas = build_sides(self.world)
        self.sides = {s.name: s for s in sides}
        for side in sides:
            self.objects += build_objects(self.world, side)
        for p in self.personas:  # tokens and sessions outside the savepoints, which would roll them back
            self.api(p)
            self.page(p)

    # -- the two channels ---------------------------------------------------------------------------

    def api(self, p: Persona) -> Api:
        return self.world.api(p.user) if p.user is not None else Api()

    def page(self, p: Persona) -> Client:
        key = p.user.pk if p.user is not None else 0
        if key not in self.pages:
            self.pages[key] = Client()
            if p.user is not None:
                self.pages[key].force_login(p.user)
        return self.pages[key]

    def call_api(self, p: Persona, method: str, path: str, body: Any) -> int:
        api = self.api(p)
        raw = body if isinstance(body, str) else json.dumps(body)
        resp = api.client.generic(method, "/api/v1" + path, raw, content_type="application/json", headers=api.headers)
        return int(resp.status_code)

    def note(self, p: Persona, obj: str, action: str, channel: str, expected: str, got: str) -> None:
        if got != expected and not got.startswith(expected + " ("):  # "ok (409)" is an "ok"
            self.mismatches.append(Mismatch(p.label, obj, action, channel, expected, got))

    # -- writes ---------------------------------------------------------------------------------------

    def attempt(self, p: Persona, label: str, name: str, api: tuple[str, str, Any], page: tuple[str, Any],
                expected: str, page_expected: str, side: str, retry: bool = True) -> None:  # fmt: skip
        method, path, body = api
        status = self._safely(lambda: rolled_back(lambda: self.call_api(p, method, path, body)))
        self.note(p, label, name, f"API {method} {path}", expected, _write_outcome(status))
        if status in (200, 201):
            self.reached.add((side, name))
        if expected in ("403", "404") and retry:
            status = self._safely(lambda: self.call_api(p, method, path, MALFORMED))  # refused before parsing
            self.note(p, label, name, f"API {method} {path} (malformed body)", expected, _write_outcome(status))
        url, data = page
        got = self._safely(lambda: rolled_back(lambda: _page_outcome(self.page(p).post(url, data), write=True)))
        self.note(p, label, name, f"page POST {url}", page_expected, str(got))

    @staticmethod
    def _safely(request: Callable[[], Any]) -> Any:
        try:
            return request()
        except Exception as exc:  # a server error is a mismatch like any other, reported with the rest
            return f"exception {type(exc).__name__}: {exc}"[:120]

    def action_pairs(self, side: str) -> list[tuple[str, Obj]]:
        """Each API action, on a lead and a co assignment where it applies, in a state where it is open."""
        pairs = []
        for action in sorted(API_NAMES):
            for role in sorted(TRANSITIONS[action].applies_to):
                found = [
                    o for o in self.objects
                    if o.side == side and o.role == role and o.setup == SETUP.get(action, "")
                    and o.state != State.WITHDRAWN and is_open_for(action, o.state, o.role, key=o.key)
                ]  # fmt: skip
                if not found:
                    self.problems.append(f"{side}: no {role} assignment where {action} is open")
                    continue
                pairs.append((action, found[0]))
        return pairs

    def run_actions(self, side_name: str) -> None:
        retried: set[tuple[str, str, str, str]] = set()
        for action, obj in self.action_pairs(side_name):
            side = self.sides[obj.side]
            body = action_body(action, obj, side)
            path = f"/assignments/{obj.aid}/{API_NAMES[action]}"
            url = f"/assignments/{obj.aid}/{API_NAMES[action]}/"
            for p in self.personas:
                expected = _expected(p, obj.proposal, p.user is not None and may_act(p, action, obj))
                # Every action is served by the same generated view: a malformed body is tried once per
                # persona, object kind and refusal, which keeps the matrix fast.
                retry = (p.label, obj.side, obj.role, expected) not in retried
                retried.add((p.label, obj.side, obj.role, expected))
                self.attempt(p, obj.label, action, ("POST", path, body), (url, form_data(body)), expected,
                             _page_expected(expected), obj.side, retry)  # fmt: skip
        for action in API_NAMES:
            if (side_name, action) not in self.reached:
                self.problems.append(f"{side_name}: {action} never succeeded for an allowed persona")

    def run_commands(self) -> None:
        for side_name, side in self.sides.items():
            rec = next(o.proposal for o in self.objects if o.label == f"{side_name}/lead/pending")
            for command, (method, template) in COMMAND_CALLS.items():
                body = command_body(command, side)
                for p in self.personas:
                    expected = _expected(p, rec, p.user is not None and may_command(p, command, rec))
                    api = (method, template.format(rec.pid), body)
                    page = (f"/proposals/{rec.pid}/{command}/", form_data(body))
                    self.attempt(p, f"{side_name}/proposal", command, api, page, expected,
                                 _page_expected(expected), side_name)  # fmt: skip
                if (side_name, command) not in self.reached:
                    self.problems.append(f"{side_name}: {command} never succeeded for an allowed persona")

    # -- reads ----------------------------------------------------------------------------------------

    def read_page(self, p: Persona, url: str) -> str:
        return str(self._safely(lambda: _page_outcome(self.page(p).get(url))))

    def run_reads(self) -> None:
        """Details and pages of a proposal with lead and co, and of a returned one, on either side."""
        ends = ("/lead/pending", "/returned/withdrawn")
        objs = {o.proposal.pid: o for o in self.objects if o.label.endswith(ends)}
        for p in self.personas:
            for obj in objs.values():
                rec = obj.proposal
                label = f"{rec.number} {obj.label}"
                seen = p.user is not None and sees_proposal(p, rec)
                api_expected = "401" if p.user is None else ("200" if seen else "404")
                page_expected = _read_page_expected(p, seen, rec)
                got = str(self.api(p).get(f"/proposals/{rec.pid}").status)
                self.note(p, label, "read", "API GET proposal", api_expected, got)
                got = self.read_page(p, f"/proposals/{rec.pid}/")
                self.note(p, label, "read", "page GET /proposals/<id>/", page_expected, got)
                for aid in rec.assignments:
                    got = str(self.api(p).get(f"/assignments/{aid}").status)
                    self.note(p, label, f"assignment {aid}", "API GET assignment", api_expected, got)
                    got = self.read_page(p, f"/assignments/{aid}/")
                    self.note(p, label, f"assignment {aid}", "page GET /assignments/<id>/", page_expected, got)
                got = self.read_page(p, f"/my/{rec.pid}/")
                self.note(p, label, "read", "page GET /my/<id>/", _member_page_expected(p, seen), got)

    def run_lists(self) -> None:
        records = {o.proposal.pid: o.proposal for o in self.objects}
        names = dict(Department.objects.values_list("pk", "name"))
        for p in self.personas:
            if p.user is None:
                self.note(p, "*", "list", "API GET /proposals", "401", str(self.api(p).get("/proposals").status))
                self.note(p, "*", "list", "page GET /proposals/", "login", self.read_page(p, "/proposals/"))
                continue
            proposals = {r.number for r in records.values() if sees_proposal(p, r)}
            assignments = {(r.number, names[unit]) for r in records.values() for unit in r.assignments.values()
                           if lists_assignment(p, r, unit)}  # fmt: skip
            numbers = {r.pid: r.number for r in records.values()}
            resp = self.api(p).get("/proposals", page_size=200)
            got = {numbers[i["id"]] for i in resp.data["items"] if i["id"] in numbers}
            self._compare(p, "API GET /proposals", proposals, got)
            resp = self.api(p).get("/assignments", page_size=200)
            got_a = {(numbers[i["proposal_id"]], names[i["department_id"]]) for i in resp.data["items"]
                     if i["proposal_id"] in numbers}  # fmt: skip
            self._compare(p, "API GET /assignments", assignments, got_a)
            ours = set(numbers.values())
            rows = _csv(self.page(p).get("/proposals/", {"export": "csv"}))
            self._compare(p, "page GET /proposals/?export=csv", proposals, {r["提案号"] for r in rows} & ours)
            rows = _csv(self.page(p).get("/assignments/", {"export": "csv"}))
            got_a = {(r["提案号"], r["承办单位"]) for r in rows if r["提案号"] in ours}
            self._compare(p, "page GET /assignments/?export=csv", assignments, got_a)

    def _compare(self, p: Persona, channel: str, expected: set[Any], got: set[Any]) -> None:
        if expected != got:
            extra, missing = sorted(map(str, got - expected)), sorted(map(str, expected - got))
            self.note(p, "list", "list", channel, f"{len(expected)} rows", f"extra {extra} missing {missing}")

    def report(self) -> str:
        rows = [("persona", "object", "action", "channel", "expected", "got")]
        rows += [(m.persona, m.obj, m.action, m.channel, m.expected, m.got) for m in self.mismatches]
        widths = [min(60, max(len(r[i]) for r in rows)) for i in range(6)]
        lines = [" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
        return "\n".join([f"{len(self.mismatches)} mismatches:", *lines, *self.problems])


def _expected(p: Persona, rec: ProposalRecord, allowed: bool) -> str:
    if p.user is None:
        return "401"
    if not sees_proposal(p, rec):
        return "404"
    return "ok" if allowed else "403"


def _page_expected(api_expected: str) -> str:
    return "login" if api_expected == "401" else api_expected


def _read_page_expected(p: Persona, seen: bool, rec: ProposalRecord) -> str:
    if p.user is None:
        return "login"
    if not seen:
        return "404"
    return f"my {rec.pid}" if p.role == Role.MEMBER else "200"


def _member_page_expected(p: Persona, seen: bool) -> str:
    """``/my/<id>/`` is the members' page: other roles are refused whatever the proposal."""
    if p.user is None:
        return "login"
    if p.role != Role.MEMBER and not p.superuser:
        return "403"
    return "200" if seen else "404"


def _write_outcome(status: Any) -> str:
    """401/403/404 and server errors as they are; anything else reached the state and rule checks."""
    if not isinstance(status, int) or status in (401, 403, 404) or status >= 500:
        return str(status)
    return f"ok ({status})"


def _page_outcome(resp: Any, write: bool = False) -> str:
    location = resp.get("Location", "") if resp.status_code == 302 else ""
    if location.startswith("/login/"):
        return "login"
    if location.startswith("/my/") and not write:
        return "my " + location.strip("/").split("/")[1]
    if write and resp.status_code in (200, 302, 422):
        return "ok"
    return str(resp.status_code) + (f" → {location}" if location else "")


def _csv(resp: Any) -> list[dict[str, str]]:
    assert resp.status_code == 200, resp.status_code
    text = b"".join(resp.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def _built(world: World) -> Matrix:
    matrix = Matrix(world)
    matrix.build()
    return matrix


@pytest.fixture(scope="module")
def built(module_world, django_db_blocker):
    return build_shared(module_world, django_db_blocker, _built, at=NOW)


@pytest.fixture
def matrix(built: Matrix, db: Any) -> Iterator[Matrix]:
    """The module's matrix, with nothing noted yet, at the moment it was built."""
    built.mismatches, built.problems, built.reached = [], [], set()
    with time_machine.travel(NOW, tick=False):
        yield built


@pytest.mark.parametrize("side", ["city", "county"])
def test_every_persona_tries_every_action_on_the_assignments_of_a_side(matrix, side):
    matrix.run_actions(side)
    assert not matrix.mismatches and not matrix.problems, matrix.report()


def test_every_persona_tries_every_proposal_command(matrix):
    matrix.run_commands()
    assert not matrix.mismatches and not matrix.problems, matrix.report()


def test_every_persona_reads_the_proposals_and_assignments(matrix):
    matrix.run_reads()
    assert not matrix.mismatches and not matrix.problems, matrix.report()


def test_every_persona_lists_what_it_sees(matrix):
    matrix.run_lists()
    assert not matrix.mismatches and not matrix.problems, matrix.report()
