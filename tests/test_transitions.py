"""Every allowed and every forbidden transition of an assignment, through the HTTP API.

The expected table below is written from domain.md §4 and api.md (who may do what, in which state);
``test_expected_table_matches_the_transition_table`` holds it against ``handling.states.TRANSITIONS``.
Helpers here (``drive_lead``, ``drive_co``, ``events``, ...) are shared by the other test modules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
import time_machine
from django.db import transaction

from conftest import World, act, assign, build_shared, file_proposal
from handling.states import API_NAMES, allowed_actions
from organisation.models import Role, User

TODAY = "2026-03-02"
NOW = "2026-03-02 09:00 +0800"

LEAD_STATES = [
    "pending", "received", "return_requested", "withdrawn", "form_submitted", "handling", "reply_drafted",
    "office_review", "leader_approval", "approved", "replied", "rehandling", "closed",
]  # fmt: skip
CO_STATES = ["pending", "received", "return_requested", "opinion_submitted", "withdrawn"]
KEY_ONLY_STATES = {"office_review", "leader_approval", "approved"}
ALL_ACTIONS = sorted(API_NAMES.values())

# What domain.md §4 and api.md allow, per assignment role and state (API spelling of the actions).
_BEFORE_REPLY = {"request-extension", "consult-extension", "decide-extension", "remind"}
EXPECTED_ALLOWED: dict[tuple[str, str], set[str]] = {
    ("lead", "pending"): {"receive", "request-return"} | _BEFORE_REPLY,
    ("lead", "received"): {"request-return", "submit-form", "contact"} | _BEFORE_REPLY,
    ("lead", "return_requested"): {"decide-return", "remind"},
    ("lead", "withdrawn"): set(),
    ("lead", "form_submitted"): {"approve-form", "contact"} | _BEFORE_REPLY,
    ("lead", "handling"): {"draft-reply", "contact", "government-decision"} | _BEFORE_REPLY,
    ("lead", "reply_drafted"): {"draft-reply", "sign-reply", "contact"} | _BEFORE_REPLY,
    ("lead", "office_review"): {"review-reply", "contact"} | _BEFORE_REPLY,
    ("lead", "leader_approval"): {"approve-reply", "contact"} | _BEFORE_REPLY,
    ("lead", "approved"): {"reply-meeting", "contact"} | _BEFORE_REPLY,
    ("lead", "replied"): {
        "contact",
        "reply-meeting",
        "feedback",
        "self-check",
        "follow-up-plan",
        "follow-up-done",
        "second-feedback",
    },
    ("lead", "rehandling"): {"contact", "draft-reply", "self-check", "remind", "government-decision"},
    ("lead", "closed"): {
        "contact",
        "reply-meeting",
        "self-check",
        "follow-up-plan",
        "follow-up-done",
        "second-feedback",
    },
    ("co", "pending"): {"receive", "request-return", "remind"},
    ("co", "received"): {"request-return", "co-opinion", "remind"},
    ("co", "return_requested"): {"decide-return", "remind"},
    ("co", "opinion_submitted"): set(),
    ("co", "withdrawn"): set(),
}


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


# ---------------------------------------------------------------------------------------------------
# Helpers shared with the other test modules


def draft_body(result_class: str = "B", text: str = "关于您提出的建议，答复如下：一、……二、……") -> dict[str, Any]:
    return {
        "text": text,
        "result_class": result_class,
        "method": "written",
        "is_public": True,
        "contact_person": "王老师",
        "contact_phone": "0512-1234567",
    }


def contact_body(stage: str = "during", on: str = TODAY) -> dict[str, Any]:
    return {"stage": stage, "date": on, "method": "visit", "participants": "张委员", "notes": "听取意见"}


def meeting_body(on: str = TODAY, **extra: Any) -> dict[str, Any]:
    return {"date": on, "chair": "副市长", "participants": "张委员、市教育局局长", "notes": "逐条答复", **extra}


def events(world: World, proposal_id: int) -> list[dict[str, Any]]:
    resp = world.api(world.office).get(f"/proposals/{proposal_id}")
    assert resp.status == 200, resp.data
    return resp.data["events"]


def proposal(world: World, proposal_id: int) -> dict[str, Any]:
    resp = world.api(world.office).get(f"/proposals/{proposal_id}")
    assert resp.status == 200, resp.data
    return resp.data


def assignment(world: World, assignment_id: int, user: User | None = None) -> dict[str, Any]:
    resp = world.api(user or world.office).get(f"/assignments/{assignment_id}")
    assert resp.status == 200, resp.data
    return resp.data


def leader(world: World, username: str, *units: Any) -> User:
    """Create a vice mayor in charge of the given units only."""
    user = world.user(username, Role.GOV_LEADER, f"副市长{username}")
    user.charged_departments.set(units)
    return user


def _step(world: World, aid: int, user: User, action: str, body: Any, expect_state: str) -> None:
    data = act(world, user, aid, action, body)
    assert data["state"] == expect_state, (action, data["state"], expect_state)


def advance_lead(
    world: World, aid: int, target: str, *, unit: Any = None, key: bool = False, result_class: str = "B",
    via: str = "pending",
) -> None:  # fmt: skip
    """Move a freshly assigned (pending) lead assignment of ``unit`` (default 市教育局) to ``target``."""
    unit = unit or world.jyj
    head, leader_, handler = (getattr(world, f"{unit.code}_{s}") for s in ("head", "leader", "handler"))
    if target == "pending":
        return
    if target in ("return_requested", "withdrawn"):
        advance_lead(world, aid, via, unit=unit, key=key, result_class=result_class)
        _step(world, aid, handler, "request-return", {"reason": "不属于本单位职责"}, "return_requested")
        if target == "withdrawn":
            _step(world, aid, world.office, "decide-return", {"approve": True, "comment": "同意退回"}, "withdrawn")
        return
    path = ["received", "form_submitted", "handling", "reply_drafted"]
    path += ["office_review", "leader_approval", "approved", "replied"] if key else ["replied"]
    final = target
    if target in ("closed", "rehandling"):
        final = "replied"
    charged = world.mayor
    for state in path[: path.index(final) + 1]:
        if state == "received":
            _step(world, aid, handler, "receive", {}, state)
        elif state == "form_submitted":
            _step(
                world, aid, handler, "submit-form", {"opinion": "拟由基础教育处办理", "handler_id": handler.pk}, state
            )
        elif state == "handling":
            _step(world, aid, leader_, "approve-form", {"instruction": "抓紧办理"}, state)
        elif state == "reply_drafted":
            _step(world, aid, handler, "draft-reply", draft_body(result_class), state)
        elif state in ("office_review",) or (state == "replied" and not key):
            _step(world, aid, head, "sign-reply", {}, state)
        elif state == "leader_approval":
            _step(world, aid, world.office, "review-reply", {"approve": True, "comment": "同意"}, state)
        elif state == "approved":
            _step(world, aid, charged, "approve-reply", {"approve": True, "comment": "同意"}, state)
        elif state == "replied":
            _step(world, aid, world.office, "reply-meeting", meeting_body(), state)
    if target == "closed":
        _step(world, aid, world.member1, "feedback", {"attitude": "satisfied", "result": "satisfied"}, "closed")
    elif target == "rehandling":
        _step(world, aid, world.member1, "feedback", {"attitude": "satisfied", "result": "unsatisfied"}, "rehandling")


def drive_lead(
    world: World, target: str, *, key: bool | None = None, result_class: str = "B", via: str = "pending",
    unit: Any = None, co: Any = None, **proposal_fields: Any,
) -> tuple[int, int]:  # fmt: skip
    """File and assign a proposal, drive its lead assignment to ``target``; return (proposal id, assignment id).

    With ``co`` (a unit) the proposal also gets a co assignment, which sends its opinion at once.
    """
    unit = unit or world.jyj
    key = target in KEY_ONLY_STATES if key is None else key
    p = file_proposal(world, is_key=key, **proposal_fields)
    units = [(unit, "lead")] + ([(co, "co")] if co is not None else [])
    data = assign(world, p["id"], units)
    aid = next(a["id"] for a in data["assignments"] if a["department_id"] == unit.pk)
    if co is not None:
        co_id = next(a["id"] for a in data["assignments"] if a["department_id"] == co.pk)
        co_handler = getattr(world, f"{co.code}_handler")
        act(world, co_handler, co_id, "receive")
        act(world, co_handler, co_id, "co-opinion", {"text": "同意主办单位意见"})
    advance_lead(world, aid, target, unit=unit, key=key, result_class=result_class, via=via)
    return p["id"], aid


def drive_co(world: World, target: str) -> tuple[int, int]:
    """Assign a proposal to 市教育局 (lead) and 市卫健委 (co); drive the co assignment to ``target``."""
    p = file_proposal(world)
    data = assign(world, p["id"], [(world.jyj, "lead"), (world.wjw, "co")])
    aid = next(a["id"] for a in data["assignments"] if a["role"] == "co")
    h = world.wjw_handler
    if target in ("received", "opinion_submitted"):
        _step(world, aid, h, "receive", {}, "received")
    if target == "opinion_submitted":
        _step(world, aid, h, "co-opinion", {"text": "同意主办单位意见"}, "opinion_submitted")
    if target in ("return_requested", "withdrawn"):
        _step(world, aid, h, "request-return", {"reason": "不属于本单位职责"}, "return_requested")
    if target == "withdrawn":
        _step(world, aid, world.office, "decide-return", {"approve": True}, "withdrawn")
    return p["id"], aid


@dataclass(frozen=True)
class Drive:
    """The way to an assignment in a state: ``drive_lead`` or ``drive_co`` with these arguments."""

    role: str
    state: str
    key: bool
    via: str = "pending"
    co: str = ""  # code of a co unit that sends its opinion at once
    result_class: str = "B"

    @classmethod
    def of(cls, role: str, state: str, *, key: bool | None = None, via: str = "pending", co: str = "",
           result_class: str = "B") -> Drive:  # fmt: skip
        return cls(role, state, state in KEY_ONLY_STATES if key is None else key, via, co, result_class)

    def run(self, world: World) -> tuple[int, int]:
        if self.role == "co":
            return drive_co(world, self.state)
        co = getattr(world, self.co) if self.co else None
        return drive_lead(world, self.state, key=self.key, via=self.via, co=co, result_class=self.result_class)


class Driven:
    """Assignments driven once per module, each to its state: every test of the module starts from the same
    one, and what it does there is rolled back after it (the module's transaction, ``build_shared``)."""

    def __init__(self, world: World, drives: list[Drive]) -> None:
        self.ids = {d: d.run(world) for d in dict.fromkeys(drives)}

    def at(self, world: World, role: str, state: str, **kw: Any) -> tuple[int, int]:
        """(proposal id, assignment id) of the assignment driven so; one not built up front is driven now."""
        d = Drive.of(role, state, **kw)
        return self.ids[d] if d in self.ids else d.run(world)


def sample_body(world: World, action: str, role: str = "lead") -> dict[str, Any]:
    """A well-formed body for each action (valid in shape and in every rule, whatever the state)."""
    unit = world.jyj if role == "lead" else world.wjw
    handler = getattr(world, f"{unit.code}_handler")
    bodies: dict[str, dict[str, Any]] = {
        "receive": {},
        "request-return": {"reason": "不属于本单位职责"},
        "decide-return": {"approve": True, "comment": "同意"},
        "submit-form": {"opinion": "拟由业务处室办理", "handler_id": handler.pk},
        "approve-form": {"instruction": "抓紧办理"},
        "contact": contact_body(),
        "co-opinion": {"text": "同意主办单位意见"},
        "draft-reply": draft_body(),
        "government-decision": {"report": "初步意见", "decision": "市政府常务会议决定", "decided_on": TODAY},
        "sign-reply": {},
        "review-reply": {"approve": True, "comment": "同意"},
        "approve-reply": {"approve": True, "comment": "同意"},
        "reply-meeting": meeting_body(),
        "request-extension": {"reason": "涉及多部门协调", "new_due_on": "2026-07-01"},
        "consult-extension": {"agree": True, "opinion": "同意延期"},
        "decide-extension": {"approve": True, "cppcc_consulted": True, "comment": "已与提案委商议"},
        "feedback": {"attitude": "satisfied", "result": "satisfied"},
        "self-check": {"findings": "承诺事项均在落实", "fulfilled": True},
        "follow-up-plan": {
            "items": [{"text": "新建学校一所", "department_id": unit.pk, "person": "王科长", "due_on": "2026-12-31"}]
        },
        "follow-up-done": {"item_id": 1, "note": "已完成"},
        "second-feedback": {"text": "落实情况已向委员反馈"},
        "remind": {"message": "请抓紧办理"},
    }
    return bodies[action]


def allowed_actor(world: World, action: str, role: str) -> User:
    """A user whose role and unit may do ``action`` on the lead (市教育局) or co (市卫健委) assignment."""
    unit = "jyj" if role == "lead" else "wjw"
    special = {
        "decide-return": world.office,
        "review-reply": world.office,
        "decide-extension": world.office,
        "consult-extension": world.cppcc,
        "remind": world.office,
        "government-decision": world.office,
        "approve-reply": world.mayor,
        "feedback": world.member1,
    }
    return special.get(action) or getattr(world, f"{unit}_head")


def post(world: World, user: User, aid: int, action: str, body: Any) -> Any:
    return world.api(user).post(f"/assignments/{aid}/{action}", body)


# ---------------------------------------------------------------------------------------------------
# The expected table against the product's table


def test_expected_table_matches_the_transition_table():
    # States only key proposals reach are read with the key proposals' sources; the rest as normal ones.
    key_only = {"office_review", "leader_approval", "approved"}
    for (role, state), expected in EXPECTED_ALLOWED.items():
        in_table = set(allowed_actions(state, role, key=state in key_only))
        assert in_table == expected, (role, state, sorted(in_table ^ expected))


@pytest.mark.parametrize("state", LEAD_STATES)
def test_drive_lead_reaches_every_state(world, driven, state):
    pid, aid = driven.at(world, "lead", state)
    a = assignment(world, aid)
    assert a["state"] == state
    assert set(a["allowed_actions"]) == EXPECTED_ALLOWED[("lead", state)]


# ---------------------------------------------------------------------------------------------------
# Forbidden: every action not allowed in a state is 409 invalid_transition, changing nothing

# Each (role, state) is driven once; every action it does not allow is tried there, each in a savepoint
# rolled back at once, so that each attempt meets the same state. Every failed attempt is reported.
FORBIDDEN: dict[tuple[str, str], list[str]] = {
    (role, state): [action for action in ALL_ACTIONS if action not in EXPECTED_ALLOWED[(role, state)]]
    for role, states in (("lead", LEAD_STATES), ("co", CO_STATES))
    for state in states
}


def _refused_with_409(world: World, role: str, state: str, action: str, ids: tuple[int, int], before: Any) -> None:
    pid, aid = ids
    resp = post(world, allowed_actor(world, action, role), aid, action, sample_body(world, action, role))
    assert resp.status == 409, (resp.status, resp.data)
    assert resp.error_code == "invalid_transition"
    details = resp.data["error"]["details"]
    assert details["state"] == state
    assert set(details["allowed_actions"]) == EXPECTED_ALLOWED[(role, state)]
    assert resp.data["error"]["message"]
    assert assignment(world, aid)["state"] == state
    assert events(world, pid) == before


@pytest.mark.parametrize(("role", "state"), [pytest.param(*rs, id="-".join(rs)) for rs in FORBIDDEN])
def test_actions_not_allowed_in_the_state_are_409(world, driven, role, state):
    ids = driven.at(world, role, state)
    before = events(world, ids[0])
    for action in FORBIDDEN[(role, state)]:  # tokens outside the savepoints, which would roll them back
        world.api(allowed_actor(world, action, role))
    wrong = []
    for action in FORBIDDEN[(role, state)]:
        with transaction.atomic():
            try:
                _refused_with_409(world, role, state, action, ids, before)
            except AssertionError as exc:
                wrong.append(f"{role}-{state}-{action}: {exc}")
            transaction.set_rollback(True)
    assert not wrong, "\n".join(wrong)


# ---------------------------------------------------------------------------------------------------
# Allowed: every (state, action) the table allows, performed by the right persona


@dataclass(frozen=True)
class Case:
    role: str
    state: str
    action: str
    actor: str
    to: str | None  # None: the state does not change
    variant: str = ""
    body: dict[str, Any] = field(default_factory=dict)  # overrides the sample body
    key: bool | None = None
    via: str = "pending"
    setup: str = ""

    @property
    def id(self) -> str:
        return "-".join(x for x in (self.role, self.state, self.action, self.variant) if x)


def _unchanged(action: str, actor: str, states: set[str], setup: str = "") -> list[Case]:
    return [Case("lead", s, action, actor, None, setup=setup) for s in sorted(states)]


CONTACT_STATES = {s for (r, s), acts in EXPECTED_ALLOWED.items() if r == "lead" and "contact" in acts}
BEFORE_REPLY = {s for (r, s), acts in EXPECTED_ALLOWED.items() if r == "lead" and "request-extension" in acts}
REMIND_STATES = {s for (r, s), acts in EXPECTED_ALLOWED.items() if r == "lead" and "remind" in acts}

ALLOWED_CASES: list[Case] = [
    Case("lead", "pending", "receive", "jyj_handler", "received"),
    Case("lead", "pending", "request-return", "jyj_handler", "return_requested"),
    Case("lead", "received", "request-return", "jyj_leader", "return_requested"),
    Case("lead", "return_requested", "decide-return", "office", "withdrawn", "approve", {"approve": True}),
    Case("lead", "return_requested", "decide-return", "office", "pending", "reject-back-to-pending",
         {"approve": False, "comment": "属于你单位职责"}, via="pending"),
    Case("lead", "return_requested", "decide-return", "office", "received", "reject-back-to-received",
         {"approve": False, "comment": "属于你单位职责"}, via="received"),
    Case("lead", "received", "submit-form", "jyj_handler", "form_submitted"),
    Case("lead", "form_submitted", "approve-form", "jyj_leader", "handling", "by-leader"),
    Case("lead", "form_submitted", "approve-form", "jyj_head", "handling", "by-head"),
    Case("lead", "form_submitted", "approve-form", "jyj_head", "received", "reject",
         {"approve": False, "instruction": "重新拟办"}),
    *_unchanged("contact", "jyj_handler", CONTACT_STATES),
    Case("lead", "handling", "draft-reply", "jyj_handler", "reply_drafted"),
    Case("lead", "handling", "government-decision", "office", None),
    Case("lead", "reply_drafted", "draft-reply", "jyj_handler", "reply_drafted", "new-version"),
    Case("lead", "rehandling", "draft-reply", "jyj_handler", "reply_drafted"),
    Case("lead", "rehandling", "government-decision", "office", None),
    Case("lead", "reply_drafted", "sign-reply", "jyj_head", "replied", "normal", key=False),
    Case("lead", "reply_drafted", "sign-reply", "jyj_head", "office_review", "key", key=True),
    Case("lead", "office_review", "review-reply", "office", "leader_approval", "approve", {"approve": True}),
    Case("lead", "office_review", "review-reply", "office", "handling", "reject",
         {"approve": False, "comment": "请逐条答复"}),
    Case("lead", "leader_approval", "approve-reply", "vicemayor", "approved", "approve", {"approve": True}),
    Case("lead", "leader_approval", "approve-reply", "vicemayor", "handling", "reject",
         {"approve": False, "comment": "再研究"}),
    Case("lead", "approved", "reply-meeting", "office", "replied", "key"),
    Case("lead", "replied", "reply-meeting", "jyj_head", None, "collective"),
    Case("lead", "closed", "reply-meeting", "jyj_handler", None, "collective"),
    *_unchanged("request-extension", "jyj_handler", BEFORE_REPLY),
    *_unchanged("decide-extension", "office", BEFORE_REPLY, setup="extension_requested"),
    *_unchanged("consult-extension", "cppcc", BEFORE_REPLY, setup="extension_requested"),
    Case("lead", "replied", "feedback", "member1", "closed", "satisfied",
         {"attitude": "satisfied", "result": "satisfied"}),
    Case("lead", "replied", "feedback", "member1", "closed", "basically-satisfied",
         {"attitude": "unsatisfied", "result": "basically_satisfied"}),
    Case("lead", "replied", "feedback", "member1", "rehandling", "unsatisfied",
         {"attitude": "satisfied", "result": "unsatisfied"}),
    *_unchanged("self-check", "jyj_handler", {"replied", "closed", "rehandling"}),
    *_unchanged("follow-up-plan", "jyj_handler", {"replied", "closed"}),
    *_unchanged("follow-up-done", "jyj_handler", {"replied", "closed"}, setup="planned"),
    *_unchanged("second-feedback", "jyj_handler", {"replied", "closed"}, setup="planned_and_done"),
    *_unchanged("remind", "office", REMIND_STATES),
    Case("co", "pending", "receive", "wjw_handler", "received"),
    Case("co", "pending", "request-return", "wjw_handler", "return_requested"),
    Case("co", "received", "request-return", "wjw_head", "return_requested"),
    Case("co", "return_requested", "decide-return", "office", "withdrawn", "approve", {"approve": True}),
    Case("co", "return_requested", "decide-return", "office", "pending", "reject", {"approve": False}),
    Case("co", "received", "co-opinion", "wjw_leader", "opinion_submitted"),
    Case("co", "pending", "remind", "office", None),
    Case("co", "received", "remind", "office", None),
    Case("co", "return_requested", "remind", "office", None),
]  # fmt: skip


def test_allowed_cases_cover_every_allowed_pair():
    covered = {(c.role, c.state, c.action) for c in ALLOWED_CASES}
    expected = {(role, state, action) for (role, state), acts in EXPECTED_ALLOWED.items() for action in acts}
    assert covered == expected, sorted(covered ^ expected)


def _setup(world: World, case: Case, aid: int) -> None:
    h = world.jyj_handler
    if case.setup == "extension_requested":
        act(world, h, aid, "request-extension", sample_body(world, "request-extension"))
    if case.setup in ("planned", "planned_and_done"):
        act(world, h, aid, "follow-up-plan", sample_body(world, "follow-up-plan"))
    if case.setup == "planned_and_done":
        item = assignment(world, aid)["follow_up_items"][0]
        act(world, h, aid, "follow-up-done", {"item_id": item["id"], "note": "已完成"})


def _body(world: World, case: Case, aid: int) -> dict[str, Any]:
    body = {**sample_body(world, case.action, case.role), **case.body}
    if case.action == "follow-up-done":
        body["item_id"] = assignment(world, aid)["follow_up_items"][0]["id"]
    return body


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in ALLOWED_CASES])
def test_allowed_action_moves_to_the_next_state_with_one_event(world, driven, case):
    pid, aid = driven.at(world, case.role, case.state, key=case.key, via=case.via)
    _setup(world, case, aid)
    before_reply = assignment(world, aid)["reply"]
    before = events(world, pid)
    actor = getattr(world, case.actor)
    resp = post(world, actor, aid, case.action, _body(world, case, aid))
    assert resp.status == 200, (resp.status, resp.data)
    to = case.to or case.state
    assert resp.data["id"] == aid
    assert resp.data["state"] == to
    assert assignment(world, aid)["state"] == to
    after = events(world, pid)
    assert after[: len(before)] == before
    new = after[len(before) :]
    assert len(new) == 1, [e["action"] for e in new]
    event = new[0]
    assert event["action"] == case.action.replace("-", "_")
    assert event["assignment_id"] == aid
    assert (event["from_state"], event["to_state"]) == (case.state, to)
    assert event["actor"]["id"] == actor.pk
    if case.action in ("review-reply", "approve-reply") and to == "handling":
        # A rejected review or approval sends the reply back to handling, the draft kept.
        assert resp.data["reply"] is not None
        assert resp.data["reply"]["id"] == before_reply["id"]
        assert resp.data["reply"]["text"] == before_reply["text"]
    if case.action == "decide-extension":
        assert resp.data["due_on"] == "2026-07-01"
        assert event["data"]["due_on"] == {"from": "2026-06-02", "to": "2026-07-01"}
    if case.action == "draft-reply" and case.state == "reply_drafted":
        assert resp.data["reply"]["version"] == before_reply["version"] + 1


def test_rehandling_goes_round_to_replied_again(world, driven):
    pid, aid = driven.at(world, "lead", "replied", result_class="C")
    a = act(world, world.member1, aid, "feedback", {"attitude": "basically_satisfied", "result": "unsatisfied"})
    assert a["state"] == "rehandling"
    a = act(world, world.jyj_handler, aid, "draft-reply", draft_body("A", "再次办理后答复如下……"))
    assert a["state"] == "reply_drafted" and a["reply"]["version"] == 2
    a = act(world, world.jyj_head, aid, "sign-reply", {})
    assert a["state"] == "replied"
    assert a["reply"]["version"] == 2 and a["reply"]["result_class"] == "A"
    assert proposal(world, pid)["status"] == "replied"
    trail = [(e["action"], e["from_state"], e["to_state"]) for e in events(world, pid) if e["assignment_id"] == aid]
    assert trail[-3:] == [
        ("feedback", "replied", "rehandling"),
        ("draft_reply", "rehandling", "reply_drafted"),
        ("sign_reply", "reply_drafted", "replied"),
    ]
    # The second reply is rated again (再次征询) and can close the assignment.
    a = act(world, world.member1, aid, "feedback", {"attitude": "satisfied", "result": "satisfied"})
    assert a["state"] == "closed"
    assert proposal(world, pid)["status"] == "closed"


# ---------------------------------------------------------------------------------------------------
# Role and unit: 403; visibility: 404


WRONG_ROLE = [
    ("lead", "pending", "receive", "member1"),
    ("lead", "pending", "receive", "office"),
    ("lead", "pending", "receive", "mayor"),
    ("lead", "pending", "receive", "cppcc"),
    ("lead", "received", "request-return", "office"),
    ("lead", "return_requested", "decide-return", "jyj_head"),
    ("lead", "return_requested", "decide-return", "cppcc"),
    ("lead", "received", "submit-form", "office"),
    ("lead", "received", "submit-form", "member1"),
    ("lead", "form_submitted", "approve-form", "jyj_handler"),
    ("lead", "form_submitted", "approve-form", "office"),
    ("lead", "handling", "contact", "office"),
    ("lead", "handling", "contact", "member1"),
    ("lead", "handling", "draft-reply", "office"),
    ("lead", "handling", "draft-reply", "mayor"),
    ("lead", "reply_drafted", "sign-reply", "jyj_handler"),
    ("lead", "reply_drafted", "sign-reply", "jyj_leader"),
    ("lead", "reply_drafted", "sign-reply", "office"),
    ("lead", "office_review", "review-reply", "jyj_head"),
    ("lead", "office_review", "review-reply", "cppcc"),
    ("lead", "office_review", "review-reply", "vicemayor"),
    ("lead", "leader_approval", "approve-reply", "office"),
    ("lead", "leader_approval", "approve-reply", "jyj_head"),
    ("lead", "approved", "reply-meeting", "member1"),
    ("lead", "approved", "reply-meeting", "cppcc"),
    ("lead", "handling", "request-extension", "office"),
    ("lead", "handling", "decide-extension", "jyj_head"),
    ("lead", "handling", "decide-extension", "cppcc"),
    ("lead", "handling", "consult-extension", "office"),
    ("lead", "handling", "consult-extension", "jyj_head"),
    ("lead", "replied", "feedback", "jyj_head"),
    ("lead", "replied", "feedback", "vicemayor"),
    ("lead", "replied", "self-check", "office"),
    ("lead", "replied", "follow-up-plan", "office"),
    ("lead", "replied", "follow-up-done", "office"),
    ("lead", "replied", "second-feedback", "cppcc"),
    ("lead", "handling", "remind", "jyj_head"),
    ("lead", "handling", "remind", "cppcc"),
    ("lead", "handling", "remind", "mayor"),
    ("co", "pending", "receive", "jyj_handler"),  # the lead unit cannot act for the co unit
    ("co", "received", "co-opinion", "jyj_head"),
    ("co", "received", "co-opinion", "office"),
]


@pytest.mark.parametrize(("role", "state", "action", "who"), WRONG_ROLE, ids=["-".join(x) for x in WRONG_ROLE])
def test_wrong_role_or_unit_is_403(world, driven, role, state, action, who):
    pid, aid = driven.at(world, role, state)
    before = events(world, pid)
    resp = post(world, getattr(world, who), aid, action, sample_body(world, action, role))
    assert resp.status == 403, (resp.status, resp.data)
    assert resp.error_code == "forbidden"
    assert assignment(world, aid)["state"] == state
    assert events(world, pid) == before


OTHER_UNIT = [
    ("pending", "receive", "wjw_handler"),
    ("pending", "request-return", "wjw_handler"),
    ("received", "submit-form", "wjw_handler"),
    ("form_submitted", "approve-form", "wjw_head"),
    ("handling", "contact", "wjw_handler"),
    ("handling", "draft-reply", "wjw_handler"),
    ("reply_drafted", "sign-reply", "wjw_head"),
    ("handling", "request-extension", "wjw_leader"),
    ("replied", "reply-meeting", "wjw_head"),
    ("replied", "self-check", "wjw_handler"),
    ("replied", "follow-up-plan", "wjw_handler"),
    ("replied", "second-feedback", "wjw_handler"),
]


@pytest.mark.parametrize(("state", "action", "who"), OTHER_UNIT, ids=["-".join(x) for x in OTHER_UNIT])
def test_user_of_another_unit_who_sees_the_proposal_is_403(world, driven, state, action, who):
    pid, aid = driven.at(world, "lead", state, co="wjw")
    # 市卫健委 is co unit: its people see the proposal, but may not act on 市教育局's lead assignment.
    assert world.api(getattr(world, who)).get(f"/proposals/{pid}").status == 200
    before = events(world, pid)
    resp = post(world, getattr(world, who), aid, action, sample_body(world, action))
    assert resp.status == 403, (resp.status, resp.data)
    assert resp.error_code == "forbidden"
    assert assignment(world, aid)["state"] == state
    assert events(world, pid) == before


def test_leader_not_in_charge_who_sees_the_proposal_is_403(world, driven):
    wjw_leader = leader(world, "vm_wjw", world.wjw)
    pid, aid = driven.at(world, "lead", "leader_approval", co="wjw")
    assert world.api(wjw_leader).get(f"/proposals/{pid}").status == 200
    resp = post(world, wjw_leader, aid, "approve-reply", {"approve": True})
    assert resp.status == 403 and resp.error_code == "forbidden"
    assert assignment(world, aid)["state"] == "leader_approval"


INVISIBLE = [
    ("pending", "receive", "zjj_handler"),
    ("pending", "receive", "xq_handler"),
    ("pending", "receive", "member3"),
    ("pending", "request-return", "zjj_head"),
    ("return_requested", "decide-return", "county_office"),
    ("received", "submit-form", "zjj_handler"),
    ("form_submitted", "approve-form", "zjj_head"),
    ("handling", "contact", "zjj_handler"),
    ("handling", "draft-reply", "xq_handler"),
    ("reply_drafted", "sign-reply", "zjj_head"),
    ("office_review", "review-reply", "county_office"),
    ("leader_approval", "approve-reply", "vm_zjj"),
    ("approved", "reply-meeting", "county_office"),
    ("handling", "request-extension", "zjj_handler"),
    ("handling", "decide-extension", "county_office"),
    ("replied", "feedback", "member3"),
    ("replied", "feedback", "member2"),
    ("replied", "self-check", "zjj_handler"),
    ("replied", "follow-up-plan", "zjj_handler"),
    ("replied", "follow-up-done", "zjj_handler"),
    ("replied", "second-feedback", "zjj_handler"),
    ("handling", "remind", "county_office"),
]


@pytest.mark.parametrize(("state", "action", "who"), INVISIBLE, ids=["-".join(x) for x in INVISIBLE])
def test_user_who_cannot_see_the_proposal_gets_404(world, driven, state, action, who):
    if who == "vm_zjj":
        world.vm_zjj = leader(world, "vm_zjj", world.zjj)
    pid, aid = driven.at(world, "lead", state)
    user = getattr(world, who)
    assert world.api(user).get(f"/proposals/{pid}").status == 404
    before = events(world, pid)
    resp = post(world, user, aid, action, sample_body(world, action))
    assert resp.status == 404, (resp.status, resp.data)
    assert resp.error_code == "not_found"
    assert assignment(world, aid)["state"] == state
    assert events(world, pid) == before


def test_unknown_assignment_is_404(world):
    resp = post(world, world.office, 999_999, "remind", {"message": "请抓紧办理"})
    assert resp.status == 404 and resp.error_code == "not_found"


def test_no_token_is_401(world, driven):
    pid, aid = driven.at(world, "lead", "pending")
    resp = world.api().post(f"/assignments/{aid}/receive", {})
    assert resp.status == 401 and resp.error_code == "unauthenticated"
    assert assignment(world, aid)["state"] == "pending"


# ---------------------------------------------------------------------------------------------------
# Order of checks (api.md): 401 → 404 → 403 → 400 → 409 → 422


def test_invisible_user_with_malformed_body_gets_404(world, driven):
    pid, aid = driven.at(world, "lead", "received")
    for who, action in ((world.zjj_handler, "submit-form"), (world.member3, "feedback"), (world.xq_handler, "contact")):
        resp = world.api(who).post(f"/assignments/{aid}/{action}", "{这不是 JSON")
        assert resp.status == 404 and resp.error_code == "not_found", (who.username, resp.data)
        resp = post(world, who, aid, action, {"bogus": 1})
        assert resp.status == 404 and resp.error_code == "not_found", (who.username, resp.data)


def test_visible_wrong_role_with_malformed_body_gets_403(world, driven):
    pid, aid = driven.at(world, "lead", "received", co="wjw")
    for who, action in (
        (world.office, "submit-form"),
        (world.member1, "contact"),
        (world.jyj_handler, "decide-return"),
        (world.wjw_handler, "submit-form"),
        (world.jyj_handler, "sign-reply"),
    ):
        resp = world.api(who).post(f"/assignments/{aid}/{action}", "{这不是 JSON")
        assert resp.status == 403 and resp.error_code == "forbidden", (who.username, action, resp.data)
        resp = post(world, who, aid, action, {"bogus": 1})
        assert resp.status == 403 and resp.error_code == "forbidden", (who.username, action, resp.data)


def test_right_role_malformed_body_in_wrong_state_gets_400(world, driven):
    pid, aid = driven.at(world, "lead", "pending")
    before = events(world, pid)
    cases = [
        (world.jyj_handler, "submit-form", {}),  # wrong state too: pending, not received
        (world.jyj_handler, "contact", {"stage": "soon", "date": "昨天", "method": "visit"}),
        (world.jyj_head, "sign-reply", {"signed_on": "2026-13-45"}),
        (world.office, "review-reply", {"approve": "也许"}),
        (world.jyj_handler, "draft-reply", {**draft_body(), "result_class": "D"}),
        (world.member1, "feedback", {"attitude": "satisfied"}),
        (world.jyj_handler, "follow-up-plan", {"items": []}),
    ]
    for who, action, body in cases:
        resp = post(world, who, aid, action, body)
        assert resp.status == 400 and resp.error_code == "invalid", (action, resp.status, resp.data)
        assert resp.data["error"]["message"]
    resp = world.api(world.jyj_handler).post(f"/assignments/{aid}/contact", "{这不是 JSON")
    assert resp.status == 400 and resp.error_code == "invalid"
    assert events(world, pid) == before


TOMORROW = "2026-03-03"
WRONG_STATE_AND_BROKEN_RULE = [
    # contact is not allowed while pending; its date is also in the future (date_in_future)
    ("contact", "jyj_handler", contact_body(on=TOMORROW)),
    # sign-reply is not allowed while pending; signed_on is also in the future (date_in_future)
    ("sign-reply", "jyj_head", {"signed_on": TOMORROW}),
    # second feedback is not allowed while pending; no follow-up item is done either (follow_up_open)
    ("second-feedback", "jyj_handler", {"text": "落实情况已向委员反馈"}),
    # follow-up plan is not allowed while pending; there is no B reply either (not_b_class)
    ("follow-up-plan", "jyj_handler", None),
    # a reply meeting is not allowed while pending; its date is also in the future (date_in_future)
    ("reply-meeting", "office", meeting_body(on=TOMORROW)),
]


@pytest.mark.parametrize(
    ("action", "who", "body"), WRONG_STATE_AND_BROKEN_RULE, ids=[c[0] for c in WRONG_STATE_AND_BROKEN_RULE]
)
def test_right_role_valid_body_wrong_state_and_broken_rule_gets_409(world, driven, action, who, body):
    pid, aid = driven.at(world, "lead", "pending")
    before = events(world, pid)
    resp = post(world, getattr(world, who), aid, action, body or sample_body(world, action))
    assert resp.status == 409 and resp.error_code == "invalid_transition", (resp.status, resp.data)
    assert resp.data["error"]["details"]["state"] == "pending"
    assert events(world, pid) == before


def test_request_return_after_the_window_in_wrong_state_gets_409(world, driven):
    pid, aid = driven.at(world, "lead", "form_submitted")
    with time_machine.travel("2026-04-01 09:00 +0800", tick=False):
        resp = post(world, world.jyj_handler, aid, "request-return", {"reason": "不属于本单位职责"})
    assert resp.status == 409 and resp.error_code == "invalid_transition"
    assert resp.data["error"]["details"]["state"] == "form_submitted"


def test_approve_extension_without_consultation_in_wrong_state_gets_409(world, driven):
    pid, aid = driven.at(world, "lead", "replied")
    resp = post(world, world.office, aid, "decide-extension", {"approve": True, "cppcc_consulted": False})
    assert resp.status == 409 and resp.error_code == "invalid_transition"
    assert resp.data["error"]["details"]["state"] == "replied"


# ---------------------------------------------------------------------------------------------------
# Every assignment the tests above start from, driven once for the module


DRIVES = [
    *(Drive.of("lead", s) for s in LEAD_STATES),
    *(Drive.of("co", s) for s in CO_STATES),
    *(Drive.of(c.role, c.state, key=c.key, via=c.via) for c in ALLOWED_CASES),
    *(Drive.of("lead", s, co="wjw") for s in sorted({s for s, _, _ in OTHER_UNIT} | {"received", "leader_approval"})),
    Drive.of("lead", "replied", result_class="C"),
]


@pytest.fixture(scope="module")
def driven(module_world, django_db_blocker):
    return build_shared(module_world, django_db_blocker, lambda w: Driven(w, DRIVES), at=NOW)
