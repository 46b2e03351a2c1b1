"""The world of the access matrix (tests/test_access_matrix.py), and what the spec says each persona may do.

Two jurisdictions are built alike: the city (示例市) and its county (示例县). Each has a lead unit, a co
unit and a third unit; an office, a CPPCC staff member, a leader in charge of every unit and one in charge
of the co unit only. In each, one lead assignment is driven into every state an action starts from (once),
plus co assignments and a returned-and-reassigned proposal. Every proposal is a joint one: member1 files
it, member2 co-signs it; member3 files nothing.

The expectations are written from api.md (its "who" column and its visibility rules), not read from the
product's own permission code, so a loosened role in ``handling/states.py`` or a lost unit check in
``handling/permissions.py`` shows up as a mismatch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from conftest import World, act, make_session
from organisation.models import Department, Jurisdiction, Role, User
from tests.test_transitions import TODAY, contact_body, draft_body, meeting_body

DEPT = frozenset({Role.DEPT_HEAD, Role.DEPT_LEADER, Role.DEPT_HANDLER})
OFFICE = frozenset({Role.OFFICE_STAFF})
CPPCC = frozenset({Role.CPPCC_STAFF})
GOV = frozenset({Role.GOV_LEADER})

# api.md's "who" column (consult-extension: README; government-decision: domain.md §4, the office reports
# a major proposal to the government). The unit part ("of the unit", "in charge", "the proposer", staff of
# their own jurisdiction: 分级负责) is in ``may_act``.
WHO: dict[str, frozenset[str]] = {
    "receive": DEPT,
    "request_return": DEPT,
    "decide_return": OFFICE,
    "submit_form": DEPT,
    "approve_form": frozenset({Role.DEPT_HEAD, Role.DEPT_LEADER}),
    "contact": DEPT,
    "co_opinion": DEPT,
    "government_decision": OFFICE,
    "draft_reply": DEPT,
    "sign_reply": frozenset({Role.DEPT_HEAD}),
    "review_reply": OFFICE,
    "approve_reply": GOV,
    "reply_meeting": DEPT | OFFICE,
    "request_extension": DEPT,
    "consult_extension": CPPCC,
    "decide_extension": OFFICE,
    "feedback": frozenset({Role.MEMBER, Role.CPPCC_STAFF, Role.OFFICE_STAFF}),
    "self_check": DEPT,
    "follow_up_plan": DEPT,
    "follow_up_done": DEPT,
    "second_feedback": DEPT,
    "remind": OFFICE,
}
# The proposal-level commands: assign (office), flags (CPPCC or office), instruction (any government leader
# of the jurisdiction) — each in the proposal's own jurisdiction only.
PROPOSAL_WHO: dict[str, frozenset[str]] = {"assign": OFFICE, "flags": OFFICE | CPPCC, "instruction": GOV}

# A jurisdiction's office and CPPCC staff see it and the jurisdictions under it.
SEES_JURISDICTIONS = {"city": {"city", "county"}, "county": {"county"}}


@dataclass
class Unit:
    dept: Department
    users: dict[str, User]  # "head" / "leader" / "handler" → user


@dataclass
class Side:
    name: str  # "city" or "county"
    jurisdiction: Jurisdiction
    lead: Unit
    co: Unit
    third: Unit
    office: User
    cppcc: User
    leader: User  # in charge of every unit of the side
    session_id: int


@dataclass
class ProposalRecord:
    pid: int
    side: str
    number: str
    units: set[int]  # every unit ever assigned (withdrawn ones too)
    proposers: frozenset[int]  # user ids
    assignments: dict[int, int] = field(default_factory=dict)  # assignment id → unit id


@dataclass
class Obj:
    """One assignment in a known state, the object of the actions."""

    label: str
    proposal: ProposalRecord
    aid: int
    role: str  # lead / co
    unit: int
    state: str
    key: bool
    setup: str = ""
    item_id: int | None = None

    @property
    def side(self) -> str:
        return self.proposal.side


@dataclass
class Persona:
    label: str
    user: User | None  # None: anonymous
    side: str | None = None
    unit: int | None = None
    charged: frozenset[int] = frozenset()

    @property
    def role(self) -> str | None:
        return None if self.user is None else self.user.role

    @property
    def superuser(self) -> bool:
        return self.user is not None and self.user.is_superuser


# ---------------------------------------------------------------------------------------------------
# What the spec says


def sees_proposal(p: Persona, rec: ProposalRecord) -> bool:
    """api.md "Visibility"."""
    assert p.user is not None
    if p.superuser:
        return True
    if p.role in OFFICE | CPPCC:
        return rec.side in SEES_JURISDICTIONS[p.side or ""]
    if p.role in DEPT:
        return p.unit in rec.units
    if p.role in GOV:
        return bool(p.charged & rec.units)
    if p.role == Role.MEMBER:
        return p.user.pk in rec.proposers
    return False


def lists_assignment(p: Persona, rec: ProposalRecord, unit: int) -> bool:
    """``/assignments``: unit users their own unit's, leaders their units', the others those they see."""
    if p.superuser:
        return True
    if p.role in DEPT:
        return p.unit == unit
    if p.role in GOV:
        return unit in p.charged
    return sees_proposal(p, rec)


def may_act(p: Persona, action: str, obj: Obj) -> bool:
    assert p.user is not None
    if p.superuser:
        return True
    if p.role not in WHO[action]:
        return False
    if p.role in DEPT:
        return p.unit == obj.unit
    if p.role in OFFICE | CPPCC:
        return p.side == obj.side
    if p.role in GOV:
        return obj.unit in p.charged
    return p.user.pk in obj.proposal.proposers  # a member: the proposer or a co-signer


def may_command(p: Persona, command: str, rec: ProposalRecord) -> bool:
    assert p.user is not None
    return p.superuser or (p.role in PROPOSAL_WHO[command] and p.side == rec.side)


# ---------------------------------------------------------------------------------------------------
# Building the world


def _unit(world: World, j: Jurisdiction, code: str, name: str, roles: tuple[str, ...]) -> Unit:
    dept = Department.objects.filter(code=code).first() or Department.objects.create(
        jurisdiction=j, name=name, code=code
    )
    users = {}
    for suffix in roles:
        existing = User.objects.filter(username=f"{code}_{suffix}").first()
        role = {"head": Role.DEPT_HEAD, "leader": Role.DEPT_LEADER, "handler": Role.DEPT_HANDLER}[suffix]
        users[suffix] = existing or world.user(f"{code}_{suffix}", role, f"{name}{suffix}", dept, j)
    return Unit(dept, users)


def _leader(world: World, username: str, j: Jurisdiction, *units: Unit) -> User:
    user = world.user(username, Role.GOV_LEADER, username, jurisdiction=j)
    user.charged_departments.set([u.dept for u in units])
    return user


def build_sides(world: World) -> tuple[list[Side], list[Persona]]:
    """The two jurisdictions and the personas around them (conftest's, plus the county's own)."""
    w = world
    roles = ("head", "leader", "handler")
    city_lead, city_co = _unit(w, w.city, "jyj", "", roles), _unit(w, w.city, "wjw", "", roles)
    city_third = _unit(w, w.city, "zjj", "", ("handler",))
    county_lead = Unit(w.xq, {"handler": w.xq_handler})
    for suffix, role in (("head", Role.DEPT_HEAD), ("leader", Role.DEPT_LEADER)):
        county_lead.users[suffix] = w.user(f"xq_{suffix}", role, f"县教育局{suffix}", w.xq, w.county)
    county_co = _unit(w, w.county, "xwjw", "示例县卫生健康委员会", roles)
    county_third = _unit(w, w.county, "xzjj", "示例县住房和城乡建设局", ("handler",))
    county_cppcc = w.user("county_cppcc", Role.CPPCC_STAFF, "县提案委", jurisdiction=w.county)
    county_mayor = _leader(w, "county_mayor", w.county, county_lead, county_co, county_third)
    county_session = make_county_session(w, county_cppcc)
    sides = [
        Side("city", w.city, city_lead, city_co, city_third, w.office, w.cppcc, w.mayor, make_session(w)),
        Side("county", w.county, county_lead, county_co, county_third, w.county_office, county_cppcc,
             county_mayor, county_session),
    ]  # fmt: skip
    personas: list[Persona] = []
    for side in sides:
        for kind, unit in (("lead unit", side.lead), ("co unit", side.co), ("third unit", side.third)):
            for suffix, user in unit.users.items():
                personas.append(Persona(f"{user.username} ({side.name} {kind} {suffix})", user, side.name,
                                        unit.dept.pk))  # fmt: skip
        personas.append(Persona(f"{side.office.username} ({side.name} office)", side.office, side.name))
        personas.append(Persona(f"{side.cppcc.username} ({side.name} cppcc)", side.cppcc, side.name))
    charged = {
        "mayor (city, in charge of all)": w.mayor,
        "vicemayor1 (city, in charge of the lead unit)": w.vicemayor,
        "vicemayor_co (city, in charge of the co unit)": _leader(w, "vicemayor_co", w.city, city_co),
        "vicemayor_third (city, in charge of the third unit)": _leader(w, "vicemayor_third", w.city, city_third),
        "county_mayor (county, in charge of all)": county_mayor,
        "county_vicemayor_co (county, in charge of the co unit)": _leader(
            w, "county_vicemayor_co", w.county, county_co
        ),
    }
    for label, user in charged.items():
        side_name = "county" if user.jurisdiction_id == w.county.pk else "city"
        ids = frozenset(user.charged_departments.values_list("pk", flat=True))
        personas.append(Persona(label, user, side_name, charged=ids))
    personas += [
        Persona("member1 (first proposer)", w.member1, "city"),
        Persona("member2 (co-signer)", w.member2, "city"),
        Persona("member3 (stranger)", w.member3, "city"),
        Persona("admin (superuser)", w.admin, "city"),
        Persona("anonymous", None),
    ]
    return sides, personas


def make_county_session(world: World, cppcc: User) -> int:
    body = {"jurisdiction_id": world.county.pk, "name": "十届二次会议", "year": 2026}
    resp = world.api(cppcc).post("/sessions", body)
    assert resp.status == 201, resp.data
    return int(resp.data["id"])


_serial = iter(range(1, 10**6))


def file(world: World, side: Side, label: str, *, key: bool = False) -> ProposalRecord:
    number = f"M{next(_serial)}"  # the number is the proposal's name in the pages' CSV lists
    body = {
        "session_id": side.session_id,
        "number": number,
        "title": f"关于{label}的建议",
        "body": "情况分析……具体建议：一、……二、……",
        "kind": "joint",
        "proposers": [
            {"name": world.member1.name, "user_id": world.member1.pk},
            {"name": world.member2.name, "user_id": world.member2.pk},
        ],
        "is_key": key,
    }
    resp = world.api(side.cppcc).post("/proposals", body)
    assert resp.status == 201, resp.data
    return ProposalRecord(resp.data["id"], side.name, number, set(), frozenset({world.member1.pk, world.member2.pk}))


def assign(world: World, side: Side, rec: ProposalRecord, units: list[tuple[Unit, str]]) -> dict[str, int]:
    """Assign and return the new assignment ids by role."""
    body = {"assignments": [{"department_id": u.dept.pk, "role": r} for u, r in units]}
    resp = world.api(side.office).post(f"/proposals/{rec.pid}/assign", body)
    assert resp.status == 200, resp.data
    ids = {}
    for a in resp.data["assignments"]:
        if a["id"] not in rec.assignments:
            rec.assignments[a["id"]] = a["department_id"]
            ids[a["role"]] = a["id"]
    rec.units |= {u.dept.pk for u, _ in units}
    return ids


def _lead_path(side: Side, key: bool) -> list[tuple[str, User, str, dict[str, Any]]]:
    """(state reached, who, action, body): the way of a lead assignment from pending to replied."""
    u = side.lead.users
    path: list[tuple[str, User, str, dict[str, Any]]] = [
        ("received", u["handler"], "receive", {}),
        ("form_submitted", u["handler"], "submit-form", {"opinion": "拟由业务处室办理", "handler_id": u["handler"].pk}),
        ("handling", u["leader"], "approve-form", {"instruction": "抓紧办理"}),
        ("reply_drafted", u["handler"], "draft-reply", draft_body("B")),
    ]
    if not key:
        return [*path, ("replied", u["head"], "sign-reply", {})]
    return [
        *path,
        ("office_review", u["head"], "sign-reply", {}),
        ("leader_approval", side.office, "review-reply", {"approve": True, "comment": "同意"}),
        ("approved", side.leader, "approve-reply", {"approve": True, "comment": "同意"}),
        ("replied", side.office, "reply-meeting", meeting_body()),
    ]


def _step(world: World, user: User, aid: int, action: str, body: dict[str, Any], state: str | None) -> Any:
    data = act(world, user, aid, action, body)
    assert state is None or data["state"] == state, (action, data["state"], state)
    return data


# (state, key proposal, setup): each state some action starts from, once; setups give the extension
# decisions and the follow-up steps something to act on.
LEAD_OBJECTS = [
    ("pending", False, ""),
    ("pending", False, "extension"),
    ("return_requested", False, ""),
    ("received", False, ""),
    ("form_submitted", False, ""),
    ("handling", False, ""),
    ("reply_drafted", False, ""),
    ("replied", False, ""),
    ("replied", False, "planned"),
    ("replied", False, "done"),
    ("office_review", True, ""),
    ("leader_approval", True, ""),
    ("approved", True, ""),
]
CO_OBJECTS = ["pending", "received", "return_requested"]


def _lead_object(world: World, side: Side, state: str, key: bool, setup: str) -> Obj:
    label = f"{side.name}/lead/{state}" + ("/key" if key else "") + (f"+{setup}" if setup else "")
    rec = file(world, side, label, key=key)
    ids = assign(world, side, rec, [(side.lead, "lead"), (side.co, "co")])
    co_handler = side.co.users["handler"]
    act(world, co_handler, ids["co"], "receive")
    act(world, co_handler, ids["co"], "co-opinion", {"text": "同意主办单位意见"})
    aid, handler = ids["lead"], side.lead.users["handler"]
    if state == "return_requested":
        _step(world, handler, aid, "request-return", {"reason": "不属于本单位职责"}, state)
    elif state != "pending":
        for reached, user, action, body in _lead_path(side, key):
            _step(world, user, aid, action, body, reached)
            if reached == state:
                break
    obj = Obj(label, rec, aid, "lead", side.lead.dept.pk, state, key, setup)
    if setup == "extension":
        _step(world, handler, aid, "request-extension", {"reason": "涉及多部门协调", "new_due_on": "2026-07-01"}, None)
    if setup in ("planned", "done"):
        _step(world, handler, aid, "follow-up-plan", action_body("follow_up_plan", obj, side), None)
        obj.item_id = world.api(side.office).get(f"/assignments/{aid}").data["follow_up_items"][0]["id"]
    if setup == "done":
        _step(world, handler, aid, "follow-up-done", {"item_id": obj.item_id, "note": "已完成"}, None)
    return obj


def _co_object(world: World, side: Side, state: str) -> Obj:
    label = f"{side.name}/co/{state}"
    rec = file(world, side, label)
    ids = assign(world, side, rec, [(side.lead, "lead"), (side.co, "co")])
    aid, handler = ids["co"], side.co.users["handler"]
    if state == "received":
        _step(world, handler, aid, "receive", {}, state)
    if state == "return_requested":
        _step(world, handler, aid, "request-return", {"reason": "不属于本单位职责"}, state)
    return Obj(label, rec, aid, "co", side.co.dept.pk, state, False)


def _returned(world: World, side: Side) -> list[Obj]:
    """A proposal its lead unit returned, reassigned to the third unit: the first unit still reads it."""
    label = f"{side.name}/returned"
    rec = file(world, side, label)
    old = assign(world, side, rec, [(side.lead, "lead")])["lead"]
    _step(world, side.lead.users["handler"], old, "request-return", {"reason": "不属于本单位职责"}, None)
    body = {"approve": True, "reassign": [{"department_id": side.third.dept.pk, "role": "lead"}]}
    _step(world, side.office, old, "decide-return", body, "withdrawn")
    detail = world.api(side.office).get(f"/proposals/{rec.pid}").data
    new = next(a["id"] for a in detail["assignments"] if a["department_id"] == side.third.dept.pk)
    rec.assignments[new] = side.third.dept.pk
    rec.units.add(side.third.dept.pk)
    return [
        Obj(f"{label}/withdrawn", rec, old, "lead", side.lead.dept.pk, "withdrawn", False),
        Obj(f"{label}/reassigned", rec, new, "lead", side.third.dept.pk, "pending", False),
    ]


def build_objects(world: World, side: Side) -> list[Obj]:
    objs = [_lead_object(world, side, state, key, setup) for state, key, setup in LEAD_OBJECTS]
    objs += [_co_object(world, side, state) for state in CO_OBJECTS]
    return objs + _returned(world, side)


# ---------------------------------------------------------------------------------------------------
# Well-formed input for every command (valid in shape and rules in the state it is tried in)


def action_body(action: str, obj: Obj, side: Side) -> dict[str, Any]:
    unit = side.lead if obj.role == "lead" else side.co
    bodies: dict[str, dict[str, Any]] = {
        "receive": {},
        "request_return": {"reason": "不属于本单位职责"},
        "decide_return": {"approve": True, "comment": "同意"},
        "submit_form": {"opinion": "拟由业务处室办理", "handler_id": unit.users["handler"].pk},
        "approve_form": {"instruction": "抓紧办理"},
        "contact": contact_body(),
        "co_opinion": {"text": "同意主办单位意见"},
        "government_decision": {"report": "初步意见", "decision": "政府常务会议决定", "decided_on": TODAY},
        "draft_reply": draft_body(),
        "sign_reply": {},
        "review_reply": {"approve": True, "comment": "同意"},
        "approve_reply": {"approve": True, "comment": "同意"},
        "reply_meeting": meeting_body(),
        "request_extension": {"reason": "涉及多部门协调", "new_due_on": "2026-07-01"},
        "consult_extension": {"agree": True, "opinion": "同意延期"},
        "decide_extension": {"approve": True, "cppcc_consulted": True, "comment": "已与提案委商议"},
        "feedback": {"attitude": "satisfied", "result": "satisfied"},
        "self_check": {"findings": "承诺事项均在落实", "fulfilled": True},
        "follow_up_plan": {
            "items": [{"text": "新建学校一所", "department_id": obj.unit, "person": "王科长", "due_on": "2026-12-31"}]
        },
        "follow_up_done": {"item_id": obj.item_id or 0, "note": "已完成"},
        "second_feedback": {"text": "落实情况已向委员反馈"},
        "remind": {"message": "请抓紧办理"},
    }
    return bodies[action]


def command_body(command: str, side: Side) -> dict[str, Any]:
    bodies: dict[str, dict[str, Any]] = {
        "assign": {"assignments": [{"department_id": side.third.dept.pk, "role": "co"}]},
        "flags": {"is_key": True},
        "instruction": {"text": "请认真研究办理"},
    }
    return bodies[command]


def form_data(body: dict[str, Any]) -> dict[str, Any]:
    """The same input as a page's form posts it: rows numbered ``items-0-text``, ticked boxes "true"."""
    out: dict[str, Any] = {}
    for name, value in body.items():
        if isinstance(value, bool):
            if value:
                out[name] = "true"
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for n, row in enumerate(value):
                out.update({f"{name}-{n}-{k}": str(v) for k, v in row.items()})
        elif isinstance(value, list):
            out[name] = [str(v) for v in value]
        elif value is not None:
            out[name] = str(value)
    return out
