"""Generate proposals with their whole handling as rows: what ``handling.actions`` would have written.

Each proposal gets a scenario (the state its lead assignment ends in, and the path there), dates that fit
it, and then walks that path step by step as the actions do: every step writes its record (承办单,
答复函, 反馈 …), sets the assignment's summary columns the way the action sets them, and appends the
history event with the data the action records. Events are chained per proposal with the hash of
``history/chain.py`` (the payload is assembled here in exactly the canonical form ``event_hash`` makes).

Deadlines come from ``handling.deadlines`` (the real functions), cached per (rules, date): a province has
some 3,650 assignment dates, not a million.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from hashlib import sha256
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from operator import itemgetter
from typing import Any, Final

from demo import texts
from demo.plans import OPEN_AGES
from demo.source import SourceProposal, is_collective, parse_joint, route, topic_of
from demo.units import CITY_UNITS
from handling import deadlines
from handling.models import ContactMethod, ContactStage, Rating, ReplyMethod, ResultClass
from handling.states import FINISHED, AssignmentRole, State, derive_proposal_status
from organisation.models import Rules
from proposals.models import ProposalKind, ProposalStatus
from workcalendar.counting import WorkCalendar

from . import tables as T
from .letters import Numbers
from .org import Ids, Person, Place, Unit
from .sink import Batch, Row
from .words import Pools, localize


class S:
    """The states as plain strings: rows and hashed payloads take ``str``, not enum members."""

    PENDING: Final = State.PENDING.value
    RECEIVED: Final = State.RECEIVED.value
    RETURN_REQUESTED: Final = State.RETURN_REQUESTED.value
    WITHDRAWN: Final = State.WITHDRAWN.value
    FORM_SUBMITTED: Final = State.FORM_SUBMITTED.value
    HANDLING: Final = State.HANDLING.value
    REPLY_DRAFTED: Final = State.REPLY_DRAFTED.value
    OFFICE_REVIEW: Final = State.OFFICE_REVIEW.value
    LEADER_APPROVAL: Final = State.LEADER_APPROVAL.value
    APPROVED: Final = State.APPROVED.value
    REPLIED: Final = State.REPLIED.value
    REHANDLING: Final = State.REHANDLING.value
    CLOSED: Final = State.CLOSED.value
    OPINION_SUBMITTED: Final = State.OPINION_SUBMITTED.value


LEAD, CO = AssignmentRole.LEAD.value, AssignmentRole.CO.value
SATISFIED, BASIC, UNSATISFIED = Rating.SATISFIED.value, Rating.BASICALLY_SATISFIED.value, Rating.UNSATISFIED.value
A_, B_, C_ = ResultClass.A.value, ResultClass.B.value, ResultClass.C.value
BEFORE, DURING, AFTER = ContactStage.BEFORE.value, ContactStage.DURING.value, ContactStage.AFTER.value
DAY = timedelta(days=1)
DAYS = [timedelta(days=i) for i in range(400)]  # day_after and ago: no timedelta built per call
WORK_START, WORK_SPAN = 8.5 * 3600e6, 9 * 3600e6  # 08:30–17:30 local, in microseconds
AUTO_REMINDER = "系统提醒：该件已超过办复期限，请尽快办理并答复提案人。"
# json.dumps(ensure_ascii=False, sort_keys=True, separators=(",", ":")), the canonical form of history/chain.py,
# with its C encoder made once instead of per call (a third of the cost of an event's JSON).
if c_make_encoder is not None:
    _encode = c_make_encoder(None, None, encode_basestring, None, ":", ",", True, False, True)

    def dumps(value: Any) -> str:
        return "".join(_encode(value, 0))
else:  # a Python without the C accelerator

    def dumps(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


# The scenario of a proposal: the state its (first) lead ends in, whether it is key, and the light odds.
# Weights of the current year follow the demo city's main session; old years are closed.
CURRENT_MIX: dict[str, int] = {
    "registered": 3, "pending": 9, "pending_red": 2, "received": 8, "received_red": 1,
    "return_pending": 3, "return_approved": 3, "return_rejected": 2, "form_submitted": 6, "form_rejected": 1,
    "handling": 14, "handling_red": 3, "ext_pending": 2, "ext_rejected": 1, "ext_approved": 2,
    "reply_drafted": 7, "key_handling": 1, "key_review_rejected": 1, "key_office_review": 4,
    "key_leader_approval": 3, "key_approved": 3, "replied": 17, "replied_late": 1, "key_replied": 3,
    "rehandling": 6, "closed": 57, "closed_rehandled": 4, "closed_ext": 3, "closed_late": 3, "key_closed": 7,
}  # fmt: skip
# One scenario per state of handling.states (a co-handler's opinion_submitted comes with the last one).
COVER = (
    "registered", "pending", "received", "return_pending", "return_approved", "form_submitted", "handling",
    "reply_drafted", "key_office_review", "key_leader_approval", "key_approved", "replied", "rehandling",
    "closed_with_co",
)  # fmt: skip
PAST_MIX: dict[str, int] = {
    "closed": 84,
    "closed_rehandled": 3,
    "closed_ext": 3,
    "closed_late": 3,
    "key_closed": 6,
    "return_approved": 1,
}
TARGET: dict[str, str] = {
    "registered": "", "pending": S.PENDING, "pending_red": S.PENDING, "received": S.RECEIVED,
    "received_red": S.RECEIVED, "return_pending": S.RETURN_REQUESTED, "return_approved": S.WITHDRAWN,
    "return_rejected": S.HANDLING, "form_submitted": S.FORM_SUBMITTED, "form_rejected": S.FORM_SUBMITTED,
    "handling": S.HANDLING, "handling_red": S.HANDLING, "ext_pending": S.HANDLING, "ext_rejected": S.HANDLING,
    "ext_approved": S.HANDLING, "reply_drafted": S.REPLY_DRAFTED, "key_handling": S.HANDLING,
    "key_review_rejected": S.HANDLING, "key_office_review": S.OFFICE_REVIEW, "key_leader_approval": S.LEADER_APPROVAL,
    "key_approved": S.APPROVED, "replied": S.REPLIED, "replied_late": S.REPLIED, "key_replied": S.REPLIED,
    "rehandling": S.REHANDLING, "closed": S.CLOSED, "closed_rehandled": S.CLOSED, "closed_ext": S.CLOSED,
    "closed_late": S.CLOSED, "key_closed": S.CLOSED, "closed_with_co": S.CLOSED,
}  # fmt: skip
LIGHTS: dict[str, tuple[tuple[str, float], ...]] = {
    "pending_red": (("red", 1.0),), "received": (("green", 0.85), ("yellow", 0.15)), "received_red": (("red", 1.0),),
    "form_submitted": (("green", 0.8), ("yellow", 0.2)), "handling": (("green", 0.65), ("yellow", 0.35)),
    "handling_red": (("red", 1.0),), "ext_pending": (("red", 1.0),), "ext_rejected": (("red", 1.0),),
    "ext_approved": (("red", 1.0),), "reply_drafted": (("green", 0.75), ("yellow", 0.25)),
    "key_office_review": (("green", 0.75), ("yellow", 0.25)),
    "key_leader_approval": (("green", 0.75), ("yellow", 0.25)),
}  # fmt: skip
# Days since assignment by state and light: the demo city's table (demo/plans.py), one definition.
ORDER = (
    S.PENDING, S.RECEIVED, S.FORM_SUBMITTED, S.HANDLING, S.REPLY_DRAFTED, S.OFFICE_REVIEW, S.LEADER_APPROVAL,
    S.APPROVED, S.REPLIED, S.REHANDLING, S.CLOSED,
)  # fmt: skip
RANK = {s: i for i, s in enumerate(ORDER)}
SIGNED = frozenset({S.OFFICE_REVIEW, S.LEADER_APPROVAL, S.APPROVED, S.REPLIED, S.REHANDLING, S.CLOSED})
M = ContactMethod
CONTACT_METHODS = {
    BEFORE: (M.VISIT.value, M.MEETING.value, M.PHONE.value),
    DURING: (M.MEETING.value, M.VISIT.value, M.ONLINE.value, M.PHONE.value),
    AFTER: (M.VISIT.value, M.PHONE.value, M.MEETING.value, M.OTHER.value),
}
GOV_REPORT = "该提案涉及面广、群众关注度高，我单位提出初步办理意见，报请市政府研究决定。"
GOV_DECISION_TEXT = "原则同意承办单位的初步意见，请按政府决定细化措施后答复提案人，并抓好落实。"
FOLLOW_UP_NOTE = "已按方案完成，相关材料已归档。"


def _mix(weights: dict[str, int]) -> tuple[list[str], list[int]]:
    names = list(weights)
    total, cum = 0, []
    for n in names:
        total += weights[n]
        cum.append(total)
    return names, cum


@dataclass(frozen=True)
class Src:
    """A proposal to draw from, made this place's."""

    title: str
    body: str
    category: str
    proposer: str
    topic: str
    bases: tuple[str, ...]  # the city units it concerns, most relevant first


@dataclass(slots=True)
class Plan:
    """The choices for one lead assignment (what ``demo.plans.LeadPlan`` holds, for one row at a time)."""

    scenario: str
    target: str
    key: bool
    light: str = "green"
    assigned_on: date = date.min
    sign_on: date | None = None
    meeting_on: date | None = None
    result_class: str = A_
    method: str = ReplyMethod.WRITTEN.value
    public: bool = True
    reminders: int = 0
    auto_reminder: bool = False
    ratings: tuple[str, ...] = ()
    paper: bool = False
    self_check: str = ""
    follow_up: int = 0
    class_change: str = ""
    approval_reject: bool = False


@dataclass(slots=True)
class Asg:
    """An assignment being written: its columns as the actions leave them, and its own clock."""

    id: int
    unit: Unit
    role: str
    state: str
    assigned_on: date
    due_on: date
    max_due_on: date
    return_deadline: date
    co_due: date | None
    at: datetime  # the time of its latest event
    created_at: str = ""
    first_replied_on: date | None = None
    replied_on_time: bool | None = None
    delivered_class: str = ""
    contact: dict[str, bool] = field(default_factory=dict)
    feedback_result: str = ""
    rehandled: bool = False
    returned: bool = False
    extensions: int = 0
    self_check_due: date | None = None
    self_check_done: date | None = None
    feedback_due: date | None = None
    version: int = 0
    reply_id: int = 0  # the latest version's id
    reply_row: list[Any] | None = None  # the latest version's row, completed when signed
    replies: list[list[Any]] = field(default_factory=list)  # every version's row, oldest first
    delivered_reply: int | None = None


def iso(d: date | None) -> str | None:
    return None if d is None else d.isoformat()


class Generator:
    """Writes the proposals of one province, chunk by chunk, into ``Batch`` lists for the sink."""

    def __init__(
        self,
        *,
        rng: random.Random,
        places: list[Place],
        sources: list[SourceProposal],
        pools: Pools,
        ids: Ids,
        cal: WorkCalendar,
        today: date,
        now: datetime,
        utc_offset: timedelta,
    ) -> None:
        self.rng = rng
        self.rand = rng.random
        self.places = places
        self.pools = pools
        self.ids = ids
        self.cal = cal
        self.today = today
        self.yesterday = today - DAY
        self.now = now
        self.offset = utc_offset
        self.current_year = today.year
        self._midnight: dict[date, datetime] = {}
        self._deadlines: dict[tuple[Rules, date], deadlines.Deadlines] = {}
        self._months: dict[tuple[Rules, date, int], date] = {}
        self._remind: dict[date | None, date | None] = {}
        self._warning: dict[tuple[date, date, date], str | None] = {}
        self.numbers = Numbers()  # the 文号 of the letters signed (letters.py)
        self.current = _mix(CURRENT_MIX)
        self.past = _mix(PAST_MIX)
        self.covered = 0
        routes = [tuple(code for code, _ in route(src, CITY_UNITS)) for src in sources]  # once, not per place
        self.sources = {p.id: self._localize(p, sources, routes) for p in places}
        self.rows: dict[str, list[Row]] = {}
        self.events = 0
        self.reset_chunk()

    # ------------------------------------------------------------------------------------------------
    # Set-up

    def _localize(self, place: Place, sources: list[SourceProposal], routes: list[tuple[str, ...]]) -> list[Src]:
        out = []
        for src, ranked in zip(sources, routes, strict=True):
            title = localize(src.title, place.name, place.level)[:500]
            bases = tuple(code for code in ranked if code in place.by_base)
            out.append(
                Src(
                    title,
                    localize(src.body, place.name, place.level),
                    src.category[:50],
                    src.proposer,
                    topic_of(title),
                    bases,
                )
            )
        return out

    def reset_chunk(self) -> None:
        self.rows = {t.name: [] for t in T.ORDER}

    def take_chunk(self) -> list[Batch]:
        chunk = [Batch(t, self.rows[t.name]) for t in T.ORDER]
        self.reset_chunk()
        return chunk

    # ------------------------------------------------------------------------------------------------
    # Cached rules: the real functions, once per distinct input

    def deadlines_for(self, rules: Rules, on: date) -> deadlines.Deadlines:
        key = (rules, on)
        d = self._deadlines.get(key)
        if d is None:
            d = self._deadlines[key] = deadlines.for_assignment(on, rules, self.cal)
        return d

    def months_after(self, rules: Rules, start: date, months: int) -> date:
        key = (rules, start, months)
        d = self._months.get(key)
        if d is None:
            d = self._months[key] = deadlines.months_after(start, months, rules, self.cal)
        return d

    def next_reminder(self, watch: date | None) -> date | None:
        if watch not in self._remind:
            # as the actions compute it: from the day of the load
            self._remind[watch] = deadlines.next_reminder(watch, self.today)
        return self._remind[watch]

    def warning(self, on: date, due: date, max_due: date) -> str | None:
        key = (on, due, max_due)
        if key not in self._warning:
            self._warning[key] = self.cal.warning_for(on, due, max_due)
        return self._warning[key]

    # ------------------------------------------------------------------------------------------------
    # Time

    def stamp(self, day: date, after: datetime | None = None) -> datetime:
        """A moment in working hours on ``day`` (local time), later than ``after``."""
        try:
            base = self._midnight[day]
        except KeyError:
            base = self._midnight[day] = datetime(day.year, day.month, day.day, tzinfo=UTC) - self.offset
        at = base + timedelta(0, 0, int(WORK_START + self.rand() * WORK_SPAN))
        if after is not None and at <= after:
            at = after + timedelta(0, 0, int(180e6 + self.rand() * 2220e6))  # 3 to 40 minutes on
        return at

    def day_after(self, d: date, lo: int, hi: int, limit: date | None = None) -> date:
        """A day ``lo``–``hi`` days after ``d``, never after ``limit`` (yesterday by default) nor before ``d``."""
        if limit is None:
            limit = self.yesterday
        if d >= limit:
            return d
        out = d + DAYS[lo + int(self.rand() * (hi - lo + 1))]
        return out if out < limit else limit

    def ago(self, lo: int, hi: int) -> date:
        return self.today - DAYS[lo + int(self.rand() * (hi - lo + 1))]

    def pick(self, seq: Any) -> Any:
        return seq[int(self.rand() * len(seq))]

    # ------------------------------------------------------------------------------------------------
    # One proposal

    def proposal(self, place: Place, year: int, number: str) -> None:
        rand, rows = self.rand, self.rows
        pid = self.ids.take(T.PROPOSAL.name)
        self.pid = pid
        self.pev: list[tuple[str, int | None, int | None, str, str, str, dict[str, Any]]] = []
        src: Src = self.pick(self.sources[place.id])
        current = year == self.current_year
        if current and self.covered < len(COVER):
            # the current year's first proposals take every state once, however small the load
            scenario = COVER[self.covered]
            self.covered += 1
        else:
            names, cum = self.current if current else self.past
            roll = rand() * cum[-1]
            scenario = next(n for n, c in zip(names, cum, strict=True) if roll < c)
        target = TARGET[scenario]
        key = scenario.startswith("key_")
        # Submitted at the plenary session in January, registered a few days later.
        if current:
            plenary = min(date(year, 1, 12), self.today - timedelta(days=270))
        else:
            plenary = date(year, 1, 12)
        submitted = plenary - timedelta(days=int(rand() * 5))
        registered_at = self.stamp(submitted + timedelta(days=1 + int(rand() * 5)))
        kind, proposers = self._proposers(place, src, pid)
        suggestion = key and kind == ProposalKind.COLLECTIVE
        major = key and target == S.CLOSED and rand() < 0.1
        cppcc = place.cppcc.id
        session_id, _ = place.sessions[year]
        registered = self.event(
            registered_at,
            None,
            cppcc,
            "register",
            "",
            ProposalStatus.REGISTERED.value,
            {"number": number, "title": src.title},
        )
        self.p_at = registered_at
        leads: list[Asg] = []
        cos: list[Asg] = []
        leading: Person | None = None
        status = ProposalStatus.REGISTERED.value
        public = rand() < 0.92
        if target:
            lead_unit = self._lead_unit(place, src)
            plan = self._plan(scenario, target, key, current, year)
            if key and rand() < 0.15:
                leading = lead_unit.in_charge
            if key:
                flags: dict[str, Any] = {"is_key": True}
                if suggestion:
                    flags["is_suggestion"] = True
                if major:
                    flags["is_major"] = True
                if leading is not None:
                    flags["leading_leader"] = leading.name
                day = min(registered_at.date() + timedelta(days=int(rand() * 10)), plan.assigned_on)
                self.p_at = self.stamp(day, registered_at)
                self.event(self.p_at, None, cppcc, "set_flags", "", "", flags)
            play = Play(self, place, src, pid, number, year, plan, leading, major, proposers, kind)
            play.run(lead_unit)
            leads, cos = play.leads, play.cos
            if rand() < (0.7 if key else 0.04):
                leader = place.mayor if suggestion else lead_unit.in_charge
                day = self.day_after(plan.assigned_on, 1, 10)
                at = self.stamp(day, play.assigned_at)
                text = self.pick(texts.INSTRUCTIONS).format(unit=lead_unit.name)
                iid = self.ids.take(T.INSTRUCTION.name)
                created = self.event(at, None, leader.id, "instruction", "", "", {"instruction_id": iid, "text": text})
                rows[T.INSTRUCTION.name].append((iid, pid, place.id, leader.id, text, created))
            status = str(derive_proposal_status([a.state for a in leads]))
            for a in leads + cos:
                self._assignment_row(a, pid, year, place, key or suggestion)
                if T.REPLY_PUBLISHED:
                    self._published(a, public, year)
                for r in a.replies:
                    r += self.numbers.take(r[0])  # its 文号, or none for a draft (tables.REPLY)
        rows[T.PROPOSAL.name].append(
            (
                pid,
                session_id,
                place.id,
                year,
                number,
                src.title,
                src.body,
                src.category,
                kind,
                submitted.isoformat(),
                key,
                suggestion,
                major,
                public,
                leading.id if leading else None,
                status,
                registered,
                cppcc,
            )
        )
        self._chain(pid)

    def _lead_unit(self, place: Place, src: Src) -> Unit:
        if src.bases and self.rand() < 0.85:
            # the most relevant unit, sometimes the second (归口办理 spreads the load)
            i = 0 if len(src.bases) == 1 or self.rand() < 0.7 else 1
            return place.by_base[src.bases[i]]
        unit: Unit = self.pick(place.units)
        return unit

    def _proposers(self, place: Place, src: Src, pid: int) -> tuple[str, list[tuple[int, str, int | None]]]:
        rand, rows = self.rand, self.rows[T.PROPOSER.name]
        raw = src.proposer
        entries: list[tuple[str, int | None]]
        if is_collective(raw):
            kind = ProposalKind.COLLECTIVE.value
            entries = [(localize(raw, place.name, place.level)[:100], None)]
        else:
            joint = parse_joint(raw)
            first = joint[0] if joint else raw
            entries = [(first[:100], None)]
            if rand() < 0.34:
                member: Person = self.pick(place.members)
                entries[0] = (member.name, member.id)
            if joint:
                kind = ProposalKind.JOINT.value
                for _ in range(min(joint[1] - 1, 4)):
                    m2: Person = self.pick(place.members)
                    entries.append((m2.name, m2.id) if rand() < 0.2 else (m2.name, None))
            else:
                kind = ProposalKind.INDIVIDUAL.value
        out = []
        for position, (name, user) in enumerate(entries):
            prid = self.ids.take(T.PROPOSER.name)
            rows.append((prid, pid, position, name, user))
            out.append((prid, name, user))
        return kind, out

    def _plan(self, scenario: str, target: str, key: bool, current: bool, year: int) -> Plan:
        rand = self.rand
        plan = Plan(scenario, target, key)
        lights = LIGHTS.get(scenario)
        if lights:
            roll, acc = rand(), 0.0
            for light, p in lights:
                acc += p
                if roll < acc:
                    plan.light = light
                    break
        r = rand()
        plan.result_class = (A_ if r < 0.55 else B_) if key else (A_ if r < 0.45 else B_ if r < 0.85 else C_)
        ordinary = ReplyMethod.ONSITE.value if rand() < 0.15 else ReplyMethod.WRITTEN.value
        plan.method = ReplyMethod.MEETING.value if key else ordinary
        plan.public = rand() < 0.9
        if scenario == "key_leader_approval" and rand() < 0.5:
            plan.class_change = A_ if plan.result_class == B_ else B_
        plan.approval_reject = scenario == "key_closed" and rand() < 0.25
        if scenario == "rehandling":
            plan.ratings = (UNSATISFIED,)
        elif scenario == "closed_rehandled":
            plan.ratings = (UNSATISFIED, SATISFIED if rand() < 0.5 else BASIC)
        elif target == S.CLOSED:
            plan.ratings = (SATISFIED if rand() < 0.7 else BASIC,)
        plan.paper = rand() < 0.3
        if target in (S.REPLIED, S.REHANDLING, S.CLOSED):
            r = rand()
            plan.self_check = "" if r < 0.4 else ("unfulfilled" if r < 0.5 else "fulfilled")
            r = rand()
            plan.follow_up = (
                (1 if r < 0.1 else 2 if r < 0.3 else 3) if not current else (1 if r < 0.5 else 2 if r < 0.8 else 3)
            )
        if plan.light == "red":
            plan.reminders, plan.auto_reminder = 1 + int(rand() * 2), True
        elif plan.light == "yellow":
            plan.reminders = int(rand() < 0.6)
        elif target in OPEN_AGES and rand() < 0.05:
            plan.reminders = 1
        self._dates(plan, current, year)
        return plan

    def _dates(self, plan: Plan, current: bool, year: int) -> None:
        """Assignment, signing and meeting days that fit the scenario and light (demo/plans.py)."""
        rand, sc, d = self.rand, plan.scenario, timedelta

        def span(lo: int, hi: int) -> timedelta:
            return d(days=lo + int(rand() * (hi - lo + 1)))

        if not current:
            self._closed_dates(plan, date(year, 2, 25) + span(0, 40))
        elif sc.startswith("return_"):
            plan.assigned_on = self.ago(3, 8)
        elif plan.target in OPEN_AGES and sc != "key_review_rejected":
            lo, hi = OPEN_AGES[plan.target][plan.light]
            plan.assigned_on = self.ago(lo, hi)
            if plan.target in (S.OFFICE_REVIEW, S.LEADER_APPROVAL, S.APPROVED):
                age = (self.today - plan.assigned_on).days
                plan.sign_on = self.ago(1, max(1, min(10, age - 30)))
        elif sc == "key_review_rejected":
            plan.assigned_on = self.ago(50, 70)
            plan.sign_on = self.ago(3, 12)
        elif sc == "replied_late":
            plan.sign_on = self.ago(2, 20)
            plan.assigned_on = plan.sign_on - span(100, 118)
        elif sc == "key_replied":
            plan.meeting_on = self.ago(2, 25)
            plan.sign_on = plan.meeting_on - span(8, 20)
            plan.assigned_on = plan.sign_on - span(35, 70)
        elif plan.target == S.REPLIED:
            plan.sign_on = self.ago(2, 30)
            plan.assigned_on = plan.sign_on - span(25, 85)
        elif plan.target == S.REHANDLING:
            plan.sign_on = self.ago(15, 60)
            plan.assigned_on = plan.sign_on - span(30, 80)
        else:
            self._closed_dates(plan, self.ago(150, 262) if sc != "closed" else self.ago(120, 262))

    def _closed_dates(self, plan: Plan, assigned_on: date) -> None:
        rand, d = self.rand, timedelta
        plan.assigned_on = assigned_on
        if plan.scenario in ("closed_ext", "closed_late"):
            plan.sign_on = assigned_on + d(days=100 + int(rand() * 21))
        elif plan.key:
            plan.sign_on = assigned_on + d(days=35 + int(rand() * 36))
            plan.meeting_on = plan.sign_on + d(days=8 + int(rand() * 13))
        elif plan.scenario != "return_approved":
            plan.sign_on = assigned_on + d(days=25 + int(rand() * 61))

    # ------------------------------------------------------------------------------------------------
    # Rows and events

    def event(
        self, at: datetime, aid: int | None, actor: int | None, action: str, frm: str, to: str, data: dict[str, Any]
    ) -> str:
        """Append an event of this proposal; return its time as the database columns take it."""
        stamp = at.isoformat(timespec="microseconds")  # 2026-03-05T01:30:00.123456+00:00: sorts as time does
        self.pev.append((stamp, aid, actor, action, frm, to, data))
        return stamp[:10] + " " + stamp[11:26]

    def _chain(self, pid: int) -> None:
        """Number, chain and hash the proposal's events in time order (history/chain.py's canonical form)."""
        out = self.rows[T.EVENT.name]
        n = len(self.pev)
        eid = self.ids.take(T.EVENT.name, n)
        prev = ""
        tail = f',"proposal":{pid},"to":"'
        for stamp, aid, actor, action, frm, to, data in sorted(self.pev, key=itemgetter(0)):
            data_json = dumps(data) if data else "{}"
            payload = (
                f'{{"action":"{action}","actor":{"null" if actor is None else actor},'
                f'"assignment":{"null" if aid is None else aid},"at":"{stamp}","data":{data_json},'
                f'"from":"{frm}","prev":"{prev}"{tail}{to}"}}'
            )
            digest = sha256(payload.encode()).hexdigest()
            out.append(
                (eid, pid, aid, actor, action, frm, to, data_json, stamp[:10] + " " + stamp[11:26], prev, digest)
            )
            prev = digest
            eid += 1
        self.events += n

    @staticmethod
    def _published(a: Asg, proposal_public: bool, year: int) -> None:
        """The published-reply marker (actions._mark_published): on the latest delivered version only, when
        it and the proposal are public."""
        delivered = [r for r in a.replies if r[13] is not None]
        latest = delivered[-1] if delivered else None
        for r in a.replies:
            if r is latest and r[6] and proposal_public:
                r += [r[13], year]
            else:
                r += [None, None]

    def _assignment_row(self, a: Asg, pid: int, year: int, place: Place, key: bool) -> None:
        if a.state in FINISHED:
            watch = None
        else:
            watch = a.co_due if a.role == CO else a.due_on
        c = a.contact
        row: tuple[Any, ...] = (
            a.id,
            pid,
            a.unit.id,
            a.role,
            a.state,
            year,
            a.assigned_on.isoformat(),
            place.office.id,
            a.due_on.isoformat(),
            a.max_due_on.isoformat(),
            a.return_deadline.isoformat(),
            iso(a.co_due),
            iso(watch),
            iso(self.next_reminder(watch)),
            iso(a.first_replied_on),
            a.replied_on_time,
            a.delivered_class,
            BEFORE in c,
            DURING in c,
            AFTER in c,
            a.feedback_result,
            a.rehandled,
            a.returned,
            a.extensions,
            iso(a.self_check_due),
            iso(a.self_check_done),
            iso(a.feedback_due),
            None,
            None,
            None,
            a.created_at,
        )
        if T.ASSIGNMENT_JURISDICTION:
            row = (*row, place.id)
        if T.ASSIGNMENT_KEY_FLAG:
            row = (*row, key)
        self.rows[T.ASSIGNMENT.name].append(row)


class Play:
    """The handling of one proposal: its lead(s) and co-handlers, step by step."""

    def __init__(
        self,
        g: Generator,
        place: Place,
        src: Src,
        pid: int,
        number: str,
        year: int,
        plan: Plan,
        leading: Person | None,
        major: bool,
        proposers: list[tuple[int, str, int | None]],
        kind: str,
    ) -> None:
        self.g = g
        self.rand = g.rand
        self.rows = g.rows
        self.place = place
        self.src = src
        self.pid = pid
        self.number = number
        self.year = year
        self.plan = plan
        self.leading = leading
        self.major = major
        self.proposers = proposers
        self.kind = kind
        self.leads: list[Asg] = []
        self.cos: list[Asg] = []
        self.assigned_at = g.p_at
        self._form: list[Any] = []
        self.ref = f"{place.cppcc_name}{place.sessions[year][1]}第{number}号提案"
        first = proposers[0][1]
        self.salutation = first if kind == ProposalKind.COLLECTIVE else f"{first}委员"
        if kind == ProposalKind.JOINT:
            self.salutation += "等"

    # ------------------------------------------------------------------------------------------------

    def run(self, lead_unit: Unit) -> None:
        g, plan, rand = self.g, self.plan, self.rand
        place, src = self.place, self.src
        units = [lead_unit]
        second: Plan | None = None
        co_units: list[Unit] = []
        if not plan.scenario.startswith("return_"):
            related = [place.by_base[b] for b in src.bases if place.by_base[b] is not lead_unit]
            roll = rand()
            wanted = 2 if roll < 0.06 else 1 if roll < 0.33 or plan.scenario == "closed_with_co" else 0
            for _ in range(wanted):
                pool = related or place.units
                u = g.pick(pool)
                if u not in units and u not in co_units:
                    co_units.append(u)
            # a few proposals have a second lead unit that handles and replies its own part (分别主办)
            if not co_units and plan.target in (S.HANDLING, S.REPLY_DRAFTED, S.REPLIED, S.CLOSED) and rand() < 0.03:
                other = related[0] if related else g.pick(place.units)
                if other is not lead_unit:
                    units.append(other)
                    second = self._second_plan(plan)
        at = self.assigned_at = g.stamp(plan.assigned_on, g.p_at)
        lead_plans = [plan] + ([second] if second else [])
        for u in units:
            self.leads.append(self.assign(u, LEAD, plan.assigned_on, at))
            at += timedelta(microseconds=1000)
        for u in co_units:
            self.cos.append(self.assign(u, CO, plan.assigned_on, at))
            at += timedelta(microseconds=1000)
        # Every co-handler has sent its opinion before any lead signs (the sign_reply precondition).
        signing = [p.sign_on for p in lead_plans if p.sign_on is not None and self.signs(p)]
        first_sign = min(signing) if signing else None
        for a in self.cos:
            self.co(a, first_sign)
        for a, p in zip(list(self.leads), lead_plans, strict=True):  # a return may add a lead
            self.lead(a, p)

    @staticmethod
    def signs(p: Plan) -> bool:
        return p.target in SIGNED or p.scenario == "key_review_rejected"

    def _second_plan(self, first: Plan) -> Plan:
        g, rand = self.g, self.rand
        if first.target in (S.REPLIED, S.CLOSED):
            target = S.REPLIED if rand() < 0.34 and self.year == g.current_year else S.CLOSED
        else:
            target = S.HANDLING if rand() < 0.5 else S.REPLY_DRAFTED
        p = Plan("separate_lead", target, False, assigned_on=first.assigned_on)
        p.result_class = B_ if rand() < 0.34 else A_
        if target in (S.REPLIED, S.CLOSED):
            latest = min(g.yesterday, (first.sign_on or g.yesterday) + timedelta(days=20))
            earliest = first.assigned_on + timedelta(days=25)
            room = max(0, min((latest - earliest).days, 60))
            p.sign_on = min(latest, earliest + timedelta(days=int(rand() * (room + 1))))
            p.ratings = ((SATISFIED if rand() < 0.5 else BASIC),) if target == S.CLOSED else ()
            p.self_check = "fulfilled" if rand() < 0.6 else ""
            p.follow_up = 1
        return p

    def assign(self, unit: Unit, role: str, on: date, at: datetime) -> Asg:
        g = self.g
        dl = g.deadlines_for(self.place.rules, on)
        aid = g.ids.take(T.ASSIGNMENT.name)
        a = Asg(
            aid,
            unit,
            role,
            S.PENDING,
            on,
            dl.due_on,
            dl.max_due_on,
            dl.return_deadline,
            dl.co_opinion_due if role == CO else None,
            at,
        )
        data: dict[str, Any] = {
            "department_id": unit.id,
            "department": unit.name,
            "role": role,
            "due_on": dl.due_on.isoformat(),
        }
        warning = g.warning(on, dl.due_on, dl.max_due_on)
        if warning:
            data["calendar_warning"] = warning
        a.created_at = g.event(at, aid, self.place.office.id, "assign", "", S.PENDING, data)
        return a

    # ------------------------------------------------------------------------------------------------
    # Steps: each writes its record and event as the action does

    def step(self, a: Asg, day: date, actor: int | None, action: str, to: str | None, data: dict[str, Any]) -> str:
        """Record an event on ``day`` after the assignment's last one; move to ``to`` (None keeps the state)."""
        at = self.g.stamp(day, a.at)
        a.at = at
        frm = a.state
        if to is not None:
            a.state = to
        return self.g.event(at, a.id, actor, action, frm, a.state, data)

    def receive(self, a: Asg, day: date) -> None:
        self.step(a, day, a.unit.handler.id, "receive", S.RECEIVED, {})

    def contact(self, a: Asg, stage: str, day: date) -> None:
        g = self.g
        unit = a.unit
        method = g.pick(CONTACT_METHODS[stage])
        who = self.salutation.removesuffix("等")
        participants = f"{who}；{unit.name}{unit.handler.name}"
        if stage != DURING and self.rand() < 0.4:
            participants += f"、{unit.leader.name}"
        notes = g.pick(g.pools.contact_notes[stage]).format(topic=self.src.topic)
        cid = g.ids.take(T.CONTACT.name)
        created = self.step(
            a,
            day,
            unit.handler.id,
            "contact",
            None,
            {
                "contact_id": cid,
                "stage": stage,
                "date": day.isoformat(),
                "method": method,
                "participants": participants,
                "notes": notes,
            },
        )
        self.rows[T.CONTACT.name].append(
            (cid, a.id, stage, day.isoformat(), method, participants, notes, unit.handler.id, created)
        )
        a.contact[stage] = True

    def remind(self, a: Asg, day: date, auto: bool) -> None:
        g = self.g
        rid = g.ids.take(T.REMINDER.name)
        message = AUTO_REMINDER if auto else g.pick(texts.REMINDERS)
        actor = None if auto else self.place.office.id
        created = self.step(a, day, actor, "remind", None, {"reminder_id": rid, "message": message})
        kind = "deadline" if auto else "manual"
        self.rows[T.REMINDER.name].append((rid, a.id, kind, message, actor, created))

    def request_return(self, a: Asg, day: date, decision: str, reassign_to: Unit | None) -> date:
        """申请退回, and the office's decision unless it is still pending; returns the decision day."""
        g = self.g
        other = reassign_to.name if reassign_to else "其他相关单位"
        reason = g.pools.return_reasons[0].format(topic=self.src.topic, lead_unit=other)
        rid = g.ids.take(T.RETURN.name)
        previous = a.state
        requested = self.step(a, day, a.unit.handler.id, "request_return", S.RETURN_REQUESTED, {"reason": reason})
        row: list[Any] = [rid, a.id, reason, previous, a.unit.handler.id, requested, "pending", "", None, None]
        decided_on = day
        if decision != "pending":
            decided_on = g.day_after(day, 1, 3, min(g.yesterday, a.return_deadline + timedelta(days=5)))
            approve = decision == "approved"
            comment = (
                f"同意退回，改由{reassign_to.name}主办。"
                if approve and reassign_to
                else "同意退回。"
                if approve
                else "经研究，该提案与贵单位职责密切相关，请继续牵头办理。"
            )
            office = self.place.office.id
            if approve:
                a.returned = True
            row[6:] = [
                decision,
                comment,
                office,
                self.step(
                    a,
                    decided_on,
                    office,
                    "decide_return",
                    S.WITHDRAWN if approve else previous,
                    {"approve": approve, "comment": comment},
                ),
            ]
        self.rows[T.RETURN.name].append(tuple(row))
        return decided_on

    # ------------------------------------------------------------------------------------------------
    # A co-handling unit: receive and send its opinion before any lead signs

    def co(self, a: Asg, first_sign: date | None) -> None:
        g, rand = self.g, self.rand
        age = (g.today - a.assigned_on).days
        if first_sign is not None or age > 35 or self.year != g.current_year:
            target = S.OPINION_SUBMITTED
        else:
            r = rand()
            target = S.PENDING if r < 0.3 else S.RECEIVED if r < 0.6 else S.OPINION_SUBMITTED
            if age <= 8 and rand() < 0.08:
                target = S.RETURN_REQUESTED
        limit = min(g.yesterday, first_sign - DAY) if first_sign else g.yesterday
        if target == S.RETURN_REQUESTED:
            self.request_return(a, g.day_after(a.assigned_on, 0, 2, limit), "pending", None)
            return
        if target == S.PENDING:
            return
        received = g.day_after(a.assigned_on, 0, 3, limit)
        self.receive(a, received)
        if target == S.RECEIVED:
            return
        day = g.day_after(received, 5, 22, limit)
        lead = self.leads[0].unit.name
        text = g.pick(g.pools.co_opinions).format(
            ref=self.ref,
            title=self.src.title,
            topic=self.src.topic,
            lead_unit=lead,
            unit=a.unit.name,
            on=texts.cn_date(day),
        )
        oid = g.ids.take(T.CO_OPINION.name)
        created = self.step(a, day, a.unit.handler.id, "co_opinion", S.OPINION_SUBMITTED, {"text": text})
        self.rows[T.CO_OPINION.name].append((oid, a.id, text, a.unit.handler.id, created))

    # ------------------------------------------------------------------------------------------------
    # A lead unit's path (demo/loader.py's _lead_script, as rows)

    def lead(self, a: Asg, p: Plan) -> None:
        g, rand, target = self.g, self.rand, p.target
        unit = a.unit
        end = min(p.sign_on or g.yesterday, g.yesterday)
        day = a.assigned_on
        # Receipt and returns (签收、退回)
        if p.scenario.startswith("return_"):
            received_first = rand() < 0.5 or p.scenario == "return_rejected"
            if received_first:
                day = g.day_after(day, 0, 1)
                self.receive(a, day)
            request_day = g.day_after(day, 0, 2, min(a.return_deadline, g.yesterday))
            decision = {"return_pending": "pending", "return_approved": "approved"}.get(p.scenario, "rejected")
            other = self._other_unit(unit) if decision == "approved" else None
            day = self.request_return(a, request_day, decision, other)
            if decision == "pending":
                return
            if other is not None:
                self._reassign(a, other, day)
                return
        if target == S.PENDING:
            self._press(a, p, day)
            return
        if a.state == S.PENDING:
            day = g.day_after(day, 0, 3, end)
            self.receive(a, day)
        if rand() < 0.5:
            day = g.day_after(day, 1, 7, end)
            self.contact(a, BEFORE, day)
        if target == S.RECEIVED:
            self._press(a, p, day)
            return
        day = self._submit_form(a, g.day_after(day, 1, 6, end))
        if p.scenario == "form_rejected":
            day = g.day_after(day, 0, 3, end)
            self._decide_form(a, day, approve=False)
            day = self._submit_form(a, g.day_after(day, 1, 4, end))
        if target == S.FORM_SUBMITTED:
            self._press(a, p, day)
            return
        day = g.day_after(day, 0, 3, end)
        self._decide_form(a, day, approve=True)
        if p.scenario in ("ext_pending", "ext_rejected", "ext_approved", "closed_ext"):
            day = self._extension(a, p, g.day_after(day, 10, 40, end))
        if rand() < 0.3:
            day = g.day_after(day, 5, 25, end)
            self.contact(a, DURING, day)
        if self.major:
            day = g.day_after(day, 1, 5, end)
            self._government_decision(a, day)
        signs = self.signs(p)
        if not signs and RANK[target] < RANK[S.REPLY_DRAFTED]:
            self._press(a, p, day)
            return
        sign_on = p.sign_on if signs and p.sign_on else None
        draft_day = max(day, sign_on - timedelta(days=int(rand() * 4))) if sign_on else g.day_after(day, 2, 12, end)
        self._draft(a, p, min(draft_day, end), head=p.key and rand() < 0.3)
        if not signs:
            self._press(a, p, draft_day)
            return
        assert sign_on is not None
        day = self._sign(a, p, max(sign_on, draft_day))
        if p.key:
            delivered = self._key_path(a, p, day)
            if delivered is None:
                return
            day = delivered
        self._after_reply(a, p, day)

    def _other_unit(self, unit: Unit) -> Unit:
        related = [self.place.by_base[b] for b in self.src.bases if self.place.by_base[b] is not unit]
        other: Unit = related[0] if related else self.g.pick([u for u in self.place.units if u is not unit])
        return other

    def _reassign(self, old: Asg, unit: Unit, day: date) -> None:
        """An approved return hands the proposal to another unit at once, assigned on the decision day."""
        g = self.g
        new = self.assign(unit, LEAD, day, old.at + timedelta(microseconds=1000))
        self.leads.append(new)
        if self.year != g.current_year:
            p = Plan("closed", S.CLOSED, False)
            p.ratings = (SATISFIED if self.rand() < 0.7 else BASIC,)
            p.self_check = "fulfilled"
            p.follow_up = 3
            self.g._closed_dates(p, day)
            self.lead(new, p)
        elif self.rand() < 0.6:
            self.receive(new, g.day_after(day, 0, 2))

    def _submit_form(self, a: Asg, day: date) -> date:
        g = self.g
        unit, handler = a.unit, a.unit.handler
        opinion = g.pick(g.pools.form_opinions).format(
            division=unit.division, handler=handler.name, topic=self.src.topic
        )
        fid = g.ids.take(T.FORM.name)
        submitted = self.step(
            a,
            day,
            handler.id,
            "submit_form",
            S.FORM_SUBMITTED,
            {"opinion": opinion, "handler_id": handler.id, "handler": handler.name},
        )
        self._form = [fid, a.id, opinion, handler.id, handler.id, submitted, None, None, ""]
        self.rows[T.FORM.name].append(self._form)  # a list: completed when decided
        return day

    def _decide_form(self, a: Asg, day: date, *, approve: bool) -> None:
        g = self.g
        unit = a.unit
        actor = (unit.head if self.rand() < 0.34 else unit.leader).id
        instruction = g.pick(g.pools.form_instructions) if approve else texts.FORM_REJECT
        at = self.step(
            a,
            day,
            actor,
            "approve_form",
            S.HANDLING if approve else S.RECEIVED,
            {"approve": approve, "instruction": instruction},
        )
        form = self._form
        if approve:
            form[6], form[7] = actor, at
        form[8] = instruction

    def _extension(self, a: Asg, p: Plan, day: date) -> date:
        g, rand = self.g, self.rand
        kind = {"ext_pending": "pending", "ext_rejected": "rejected"}.get(p.scenario, "approved")
        if kind == "approved" and p.sign_on is not None:
            wanted = p.sign_on + timedelta(days=5 + int(rand() * 16))
        elif kind == "approved":
            wanted = g.today + timedelta(days=20 + int(rand() * 31))
        else:
            wanted = g.today + timedelta(days=30)
        new_due = min(a.max_due_on, max(wanted, a.due_on + DAY))
        reason = g.pick(g.pools.extension_reasons).format(topic=self.src.topic)
        handler = a.unit.handler.id
        xid = g.ids.take(T.EXTENSION.name)
        requested = self.step(
            a,
            day,
            handler,
            "request_extension",
            None,
            {"extension_id": xid, "reason": reason, "new_due_on": new_due.isoformat()},
        )
        old_due = a.due_on
        row: list[Any] = [
            xid,
            a.id,
            reason,
            old_due.isoformat(),
            new_due.isoformat(),
            handler,
            requested,
            "pending",
            False,
            None,
            "",
            None,
            None,
            "",
            None,
            None,
        ]
        if kind == "approved" and rand() < 0.5:
            day = g.day_after(day, 1, 3)
            cppcc = self.place.cppcc.id
            opinion = "经商议，同意延期，请承办单位在延长期限内办结。"
            consulted = self.step(
                a, day, cppcc, "consult_extension", None, {"extension_id": xid, "agree": True, "opinion": opinion}
            )
            row[8:13] = [True, True, opinion, cppcc, consulted]
        if kind != "pending":
            day = g.day_after(day, 1, 4)
            approve = kind == "approved"
            consulted_flag = True if approve else rand() < 0.5
            comment = (
                f"经与{self.place.cppcc_name}提案委商议，同意延期。"
                if approve
                else "延期理由不充分，请按原期限抓紧办理。"
            )
            data: dict[str, Any] = {
                "extension_id": xid,
                "approve": approve,
                "cppcc_consulted": consulted_flag or row[8],
                "comment": comment,
            }
            if approve:
                data["due_on"] = {"from": old_due.isoformat(), "to": new_due.isoformat()}
                a.due_on = new_due
                a.extensions += 1
            office = self.place.office.id
            decided = self.step(a, day, office, "decide_extension", None, data)
            row[7], row[8], row[13], row[14], row[15] = kind, data["cppcc_consulted"], comment, office, decided
        self.rows[T.EXTENSION.name].append(tuple(row))
        return day

    def _government_decision(self, a: Asg, day: date) -> None:
        g = self.g
        office = self.place.office.id
        did = g.ids.take(T.GOV_DECISION.name)
        created = self.step(
            a,
            day,
            office,
            "government_decision",
            None,
            {"decision_id": did, "report": GOV_REPORT, "decision": GOV_DECISION_TEXT, "decided_on": day.isoformat()},
        )
        self.rows[T.GOV_DECISION.name].append(
            (did, a.id, GOV_REPORT, GOV_DECISION_TEXT, day.isoformat(), office, created)
        )

    def _letter(self, a: Asg, p: Plan, on: date) -> str:
        g = self.g
        unit = a.unit
        year = self.year if (self.year, p.result_class, unit.we, p.public) in g.pools.letters else g.current_year
        template = g.pick(g.pools.letters[(year, p.result_class, unit.we, p.public)])
        return str(
            template.format(
                ref=self.ref,
                title=self.src.title,
                topic=self.src.topic,
                salutation=self.salutation,
                unit=unit.name,
                division=unit.division,
                head=unit.head.name,
                on=texts.cn_date(on),
            )
        )

    def _draft(self, a: Asg, p: Plan, day: date, *, head: bool = False, note: str = "") -> None:
        g = self.g
        unit = a.unit
        actor = unit.head.id if head else unit.handler.id
        text = self._letter(a, p, day)
        if note:
            text = note + "\n\n" + text
        a.version += 1
        rid = g.ids.take(T.REPLY.name)
        drafted = self.step(
            a,
            day,
            actor,
            "draft_reply",
            S.REPLY_DRAFTED,
            {"reply_id": rid, "version": a.version, "result_class": p.result_class},
        )
        row: list[Any] = [
            rid,
            a.id,
            a.version,
            text,
            p.result_class,
            p.method,
            p.public,
            unit.handler.name,
            unit.phone,
            actor,
            drafted,
            None,
            None,
            None,
            "",
        ]
        self.rows[T.REPLY.name].append(row)  # completed when signed and delivered
        a.reply_id, a.reply_row = rid, row
        a.replies.append(row)

    def _deliver(self, a: Asg, on: date) -> None:
        row = a.reply_row
        assert row is not None
        row[13] = on.isoformat()
        a.delivered_class = row[4]
        a.delivered_reply = a.reply_id
        if a.first_replied_on is None:
            a.first_replied_on = on
            a.replied_on_time = on <= a.due_on
        rules = self.place.rules
        a.self_check_due = self.g.months_after(rules, on, rules.self_check_months)
        a.feedback_due = self.g.cal.add_days(on, rules.feedback_days, roll=rules.deadline_rolls_to_workday)

    def _sign(self, a: Asg, p: Plan, day: date) -> date:
        head = a.unit.head.id
        row = a.reply_row
        assert row is not None
        row[11], row[12] = head, day.isoformat()
        number = self.g.numbers.sign(a.reply_id, a.unit.id, a.unit.name, self.place.name, day.year)
        data = {"reply_id": a.reply_id, "version": a.version, "signed_on": day.isoformat(), "document_number": number}
        if p.key:
            self.step(a, day, head, "sign_reply", S.OFFICE_REVIEW, data)
            return day
        self._deliver(a, day)
        self.step(a, day, head, "sign_reply", S.REPLIED, data)
        return day

    def _decision(
        self,
        a: Asg,
        day: date,
        stage: str,
        approve: bool,
        comment: str,
        actor: int,
        to: str,
        extra: dict[str, Any] | None = None,
    ) -> str:
        g = self.g
        did = g.ids.take(T.REPLY_DECISION.name)
        action = "review_reply" if stage == "review" else "approve_reply"
        decided = self.step(a, day, actor, action, to, {"approve": approve, "comment": comment, **(extra or {})})
        self.rows[T.REPLY_DECISION.name].append((did, a.id, a.reply_id, stage, approve, comment, actor, decided))
        return decided

    def _key_path(self, a: Asg, p: Plan, day: date) -> date | None:
        """Office review, leader approval and the reply meeting of a key proposal; None when it stops on the way."""
        g, rand = self.g, self.rand
        office = self.place.office.id
        approver = (self.leading or a.unit.in_charge).id
        limit = g.yesterday
        if p.scenario == "key_review_rejected":
            self._decision(a, g.day_after(day, 1, 3), "review", False, g.pick(texts.REVIEW_REJECTS), office, S.HANDLING)
            return None
        if p.target == S.OFFICE_REVIEW:
            return None
        day = g.day_after(day, 1, 4, limit)
        extra: dict[str, Any] = {}
        if p.class_change:
            extra["result_class"] = {"from": p.result_class, "to": p.class_change}
            self._class_change(a, p)
        reviewed = self._decision(
            a, day, "review", True, g.pick(texts.REVIEW_COMMENTS), office, S.LEADER_APPROVAL, extra
        )
        if p.class_change and a.reply_row is not None:
            a.reply_row[10] = reviewed  # the new version is written by the review
        if p.approval_reject:
            day = g.day_after(day, 1, 4, limit)
            self._decision(a, day, "approval", False, g.pick(texts.APPROVAL_REJECTS), approver, S.HANDLING)
            day = g.day_after(day, 1, 3, limit)
            self._draft(a, p, day, note="（根据政府领导审定意见修改）")
            self._sign(a, p, day)
            day = g.day_after(day, 0, 2, limit)
            self._decision(a, day, "review", True, g.pick(texts.REVIEW_COMMENTS), office, S.LEADER_APPROVAL)
        if p.target == S.LEADER_APPROVAL:
            return None
        day = g.day_after(day, 1, 5, limit)
        self._decision(a, day, "approval", True, g.pick(texts.APPROVAL_COMMENTS), approver, S.APPROVED)
        if p.target == S.APPROVED:
            return None
        meeting_on = max(day, min(p.meeting_on or g.day_after(day, 5, 15), limit))
        self._meeting(a, meeting_on)
        return meeting_on + timedelta(days=int(rand() * 2)) if meeting_on < limit else meeting_on

    def _class_change(self, a: Asg, p: Plan) -> None:
        """The office changes the result class at review: a new version, signed as the old one was."""
        old = a.reply_row
        assert old is not None
        a.version += 1
        rid = self.g.ids.take(T.REPLY.name)
        note = f"督查室审核将办理结果由{p.result_class}类调整为{p.class_change}类"
        row = [
            rid,
            a.id,
            a.version,
            old[3],
            p.class_change,
            old[5],
            old[6],
            old[7],
            old[8],
            old[9],
            old[10],
            old[11],
            old[12],
            None,
            note,
        ]
        self.rows[T.REPLY.name].append(row)
        self.g.numbers.same_as(rid, old[0])  # the same letter, its class changed: the same 文号
        a.reply_id, a.reply_row = rid, row
        a.replies.append(row)
        p.result_class = p.class_change

    def _meeting(self, a: Asg, on: date) -> None:
        g = self.g
        place, unit = self.place, a.unit
        chair_person = self.leading or unit.in_charge
        chair = f"{place.leader_titles.get(chair_person.id, '')}{chair_person.name}"
        participants = (
            f"{place.cppcc_name}分管副主席、提案委员会负责同志；提案人：{self.salutation}；"
            f"承办单位主要负责同志：{unit.head.name}"
        )
        notes = texts.meeting_notes([self.src.title])
        mid = g.ids.take(T.MEETING.name)
        office = place.office.id
        self._deliver(a, on)
        created = self.step(
            a,
            on,
            office,
            "reply_meeting",
            S.REPLIED,
            {"meeting_id": mid, "date": on.isoformat(), "chair": chair, "assignment_ids": [a.id]},
        )
        self.rows[T.MEETING.name].append((mid, on.isoformat(), chair[:100], participants, notes, office, created))
        self.rows[T.MEETING_LINK.name].append((g.ids.take(T.MEETING_LINK.name), mid, a.id))

    def _after_reply(self, a: Asg, p: Plan, delivered: date) -> None:
        """Deliver, rate (and re-handle), self-check and follow up."""
        g, rand = self.g, self.rand
        day = delivered
        if rand() < 0.4:
            day = g.day_after(day, 1, 6)
            self.contact(a, AFTER, day)
        for result in p.ratings:
            day = g.day_after(day, 3, 20)
            self._feedback(a, p, day, result)
            if result != UNSATISFIED:
                continue
            if p.target == S.REHANDLING:
                self.contact(a, DURING, g.day_after(day, 1, 5))
                break
            # Re-handling (再次办理): a better reply, signed and delivered.
            p.result_class = A_ if p.result_class != C_ else B_
            day = g.day_after(day, 5, 20)
            self._draft(a, p, day, note="（再次办理答复）")
            self._sign(a, p, day)
            if rand() < 0.8:
                day = g.day_after(day, 0, 3)
                self.contact(a, AFTER, day)
        if p.self_check:
            day = max(day, min(g.yesterday, delivered + timedelta(days=20 + int(rand() * 16))))
            self._self_check(a, day, p.self_check == "fulfilled")
        if p.follow_up and a.delivered_class == B_ and a.state in (S.REPLIED, S.CLOSED) and rand() < 0.6:
            self._follow_up(a, p, g.day_after(day, 1, 15))

    def _feedback(self, a: Asg, p: Plan, day: date, result: str) -> None:
        g, rand = self.g, self.rand
        prid, name, user = self.proposers[0]
        online = user is not None and not p.paper
        actor = user if online and user is not None else self.place.cppcc.id
        attitude = SATISFIED if result != UNSATISFIED or rand() < 0.5 else BASIC
        comment = g.pick(texts.FEEDBACK_COMMENTS[result])
        data: dict[str, Any] = {
            "proposer": name,
            "attitude": attitude,
            "result": result,
            "comment": comment,
            "on_paper": not online,
            "decisive": True,
        }
        a.feedback_result = result
        if result == UNSATISFIED:
            rules = self.place.rules
            a.due_on = g.months_after(rules, day, rules.rehandle_months)
            a.rehandled = True
            data["due_on"] = a.due_on.isoformat()
        fid = g.ids.take(T.FEEDBACK.name)
        created = self.step(a, day, actor, "feedback", S.REHANDLING if result == UNSATISFIED else S.CLOSED, data)
        self.rows[T.FEEDBACK.name].append(
            (fid, a.id, a.delivered_reply, prid, attitude, result, comment, actor, not online, True, created)
        )

    def _self_check(self, a: Asg, day: date, fulfilled: bool) -> None:
        g = self.g
        handler = a.unit.handler.id
        findings = g.pick(g.pools.findings[fulfilled])
        actions = (
            []
            if fulfilled
            else [{"text": "对滞后事项倒排工期，加快推进", "due_on": (day + timedelta(days=30)).isoformat()}]
        )
        sid = g.ids.take(T.SELF_CHECK.name)
        created = self.step(
            a,
            day,
            handler,
            "self_check",
            None,
            {"self_check_id": sid, "findings": findings, "fulfilled": fulfilled, "actions": actions},
        )
        self.rows[T.SELF_CHECK.name].append((sid, a.id, findings, fulfilled, dumps(actions), handler, created))
        if a.self_check_done is None:
            a.self_check_done = day

    def _follow_up(self, a: Asg, p: Plan, day: date) -> None:
        g, rand = self.g, self.rand
        unit, handler = a.unit, a.unit.handler
        pool = g.pools.follow_ups
        count = 1 + int(rand() * 2)
        start = int(rand() * len(pool))
        chosen = [pool[(start + k) % len(pool)].format(topic=self.src.topic) for k in range(count)]
        base = day if self.year == g.current_year else date(self.year, 9, 30)
        items = []
        for text in chosen:
            items.append(
                [
                    g.ids.take(T.FOLLOW_UP.name),
                    a.id,
                    unit.id,  # the handling unit (the assignment's)
                    text,
                    unit.id,  # the item's 责任单位
                    handler.name,
                    (base + timedelta(days=30 + int(rand() * 121))).isoformat(),
                    None,
                    "",
                    handler.id,
                    "",
                    None,
                ]
            )
        created = self.step(
            a,
            day,
            handler.id,
            "follow_up_plan",
            None,
            {
                "items": [
                    {"id": i[0], "text": i[3], "department": unit.name, "person": handler.name, "due_on": i[6]}
                    for i in items
                ]
            },
        )
        done = 0 if p.follow_up == 1 else 1 if p.follow_up == 2 else len(items)
        for item in items[:done]:
            if day >= g.yesterday:
                break
            day = g.day_after(day, 10, 60)
            self.step(
                a,
                day,
                handler.id,
                "follow_up_done",
                None,
                {"item_id": item[0], "text": item[3], "note": FOLLOW_UP_NOTE},
            )
            item[7], item[8] = day.isoformat(), FOLLOW_UP_NOTE
            done -= 1
        for item in items:
            item[10] = created
            self.rows[T.FOLLOW_UP.name].append(tuple(item))
        if done == 0 and all(i[7] for i in items) and day < g.yesterday:
            day = g.day_after(day, 1, 10)
            text = g.pools.second_feedback.format(topic=self.src.topic)
            sid = g.ids.take(T.SECOND_FEEDBACK.name)
            at = self.step(a, day, handler.id, "second_feedback", None, {"text": text})
            self.rows[T.SECOND_FEEDBACK.name].append((sid, a.id, text, handler.id, at))

    def _press(self, a: Asg, p: Plan, day: date) -> None:
        """Reminders (催办) on an open assignment: the office's, then the deadline job's."""
        g = self.g
        for _ in range(p.reminders):
            start = max(day, min(a.due_on, g.yesterday) - timedelta(days=15))
            day = g.day_after(start, 1, 10)
            self.remind(a, day, auto=False)
        if p.auto_reminder and a.due_on < g.yesterday:
            day = max(day, g.day_after(a.due_on, 1, 7))
            self.remind(a, day, auto=True)


def count_plan(places: list[Place], years: list[int], total: int, rng: random.Random) -> list[tuple[Place, int, int]]:
    """How many proposals each (place, year) gets: cities about twice a county's, years alike, ``total`` in all."""
    weights = [(p, y, (2.0 if p.level == "市" else 1.0) * (0.85 + 0.3 * rng.random())) for y in years for p in places]
    scale = total / sum(w for _, _, w in weights)
    raw = [(p, y, w * scale) for p, y, w in weights]
    counts = [int(r) for _, _, r in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i][2] - counts[i], reverse=True)
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return [(p, y, n) for (p, y, _), n in zip(raw, counts, strict=True)]


ProgressFn = Callable[[int, int], None]
