"""What the demo will do to each proposal: its scenario, units, dates and the choices along its way.

Planning is pure (no database writes): a seeded ``random.Random`` turns the sources and the scenario counts
into ``ProposalPlan`` objects, and ``demo.loader`` then plays each plan through the real actions. Keeping
the two apart keeps every date rule (assignment ≤ signing ≤ meeting ≤ today, the light a date gives) in
one place.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from handling.models import ContactStage, Rating, ReplyMethod, ResultClass
from handling.states import State

S = State

# The main line of a lead assignment, in order; key states are skipped by ordinary proposals.
ORDER = (
    S.PENDING, S.RECEIVED, S.FORM_SUBMITTED, S.HANDLING, S.REPLY_DRAFTED, S.OFFICE_REVIEW, S.LEADER_APPROVAL,
    S.APPROVED, S.REPLIED, S.REHANDLING, S.CLOSED,
)  # fmt: skip
SIGNED = frozenset({S.OFFICE_REVIEW, S.LEADER_APPROVAL, S.APPROVED, S.REPLIED, S.REHANDLING, S.CLOSED})
OPEN = frozenset(ORDER) - {S.REPLIED, S.CLOSED}

UNSATISFIED, BASIC, SATISFIED = Rating.UNSATISFIED, Rating.BASICALLY_SATISFIED, Rating.SATISFIED


@dataclass(frozen=True)
class Scenario:
    target: str
    key: bool = False
    lights: tuple[tuple[str, float], ...] = (("green", 1.0),)


# name → where the (first) lead assignment ends up, whether the proposal is a key one, and its light odds.
SCENARIOS: dict[str, Scenario] = {
    "registered": Scenario(""),
    "pending": Scenario(S.PENDING),
    "pending_red": Scenario(S.PENDING, lights=(("red", 1.0),)),
    "received": Scenario(S.RECEIVED, lights=(("green", 0.85), ("yellow", 0.15))),
    "received_red": Scenario(S.RECEIVED, lights=(("red", 1.0),)),
    "return_pending": Scenario(S.RETURN_REQUESTED),
    "return_approved": Scenario(S.WITHDRAWN),
    "return_rejected": Scenario(S.HANDLING),
    "form_submitted": Scenario(S.FORM_SUBMITTED, lights=(("green", 0.8), ("yellow", 0.2))),
    "form_rejected": Scenario(S.FORM_SUBMITTED),
    "handling": Scenario(S.HANDLING, lights=(("green", 0.65), ("yellow", 0.35))),
    "handling_red": Scenario(S.HANDLING, lights=(("red", 1.0),)),
    "ext_pending": Scenario(S.HANDLING, lights=(("red", 1.0),)),
    "ext_rejected": Scenario(S.HANDLING, lights=(("red", 1.0),)),
    "ext_approved": Scenario(S.HANDLING, lights=(("red", 1.0),)),  # red until the extension turns it green
    "reply_drafted": Scenario(S.REPLY_DRAFTED, lights=(("green", 0.75), ("yellow", 0.25))),
    "key_handling": Scenario(S.HANDLING, key=True),
    "key_review_rejected": Scenario(S.HANDLING, key=True),
    "key_office_review": Scenario(S.OFFICE_REVIEW, key=True, lights=(("green", 0.75), ("yellow", 0.25))),
    "key_leader_approval": Scenario(S.LEADER_APPROVAL, key=True, lights=(("green", 0.75), ("yellow", 0.25))),
    "key_approved": Scenario(S.APPROVED, key=True),
    "replied": Scenario(S.REPLIED),
    "replied_late": Scenario(S.REPLIED),
    "key_replied": Scenario(S.REPLIED, key=True),
    "rehandling": Scenario(S.REHANDLING),
    "closed": Scenario(S.CLOSED),
    "closed_rehandled": Scenario(S.CLOSED),
    "closed_ext": Scenario(S.CLOSED),
    "closed_late": Scenario(S.CLOSED),
    "key_closed": Scenario(S.CLOSED, key=True),
}

# How many days ago the assignment was made, by the state it is left in and the light it should show.
# The reply is due 3 months (≈91 days, rolled to a workday) after assignment: >15 days left is green.
OPEN_AGES: dict[str, dict[str, tuple[int, int]]] = {
    S.PENDING: {"green": (1, 9), "yellow": (80, 86), "red": (100, 125)},
    S.RECEIVED: {"green": (3, 30), "yellow": (80, 87), "red": (96, 130)},
    S.FORM_SUBMITTED: {"green": (8, 45), "yellow": (80, 88), "red": (96, 120)},
    S.HANDLING: {"green": (15, 72), "yellow": (80, 88), "red": (100, 140)},
    S.REPLY_DRAFTED: {"green": (30, 72), "yellow": (80, 88), "red": (96, 110)},
    S.OFFICE_REVIEW: {"green": (45, 70), "yellow": (80, 86), "red": (96, 110)},
    S.LEADER_APPROVAL: {"green": (45, 70), "yellow": (80, 86), "red": (96, 110)},
    S.APPROVED: {"green": (45, 70), "yellow": (80, 86), "red": (96, 110)},
}


@dataclass
class LeadPlan:
    unit: str
    target: str
    scenario: str
    light: str = ""
    key: bool = False
    assigned_on: date | None = None
    sign_on: date | None = None
    meeting_on: date | None = None
    result_class: str = ResultClass.A
    method: str = ReplyMethod.WRITTEN
    public: bool = True
    contacts: dict[str, date] = field(default_factory=dict)
    reject_form: bool = False
    extension: str = ""  # "", "pending", "approved", "rejected"
    reminders: int = 0
    auto_reminder: bool = False
    ratings: tuple[str, ...] = ()
    paper: bool = False
    review_reject: bool = False
    approval_reject: bool = False
    class_change: str = ""
    self_check: str = ""  # "", "fulfilled", "unfulfilled"
    follow_up: int = 0  # 0: none, 1: plan, 2: one item done, 3: all done and second feedback
    return_flow: str = ""  # "", "pending", "approved", "rejected"
    return_from_received: bool = False
    reassign_unit: str = ""
    reassign_receives: bool = False

    @property
    def signs(self) -> bool:
        return self.target in SIGNED or self.review_reject

    def reaches(self, state: str) -> bool:
        if self.target not in ORDER:
            return False
        return ORDER.index(self.target) >= ORDER.index(state)


@dataclass
class CoPlan:
    unit: str
    target: str


@dataclass
class ProposalPlan:
    scenario: str
    source_index: int
    number: str = ""
    submitted_on: date | None = None
    assigned_on: date | None = None
    is_key: bool = False
    is_suggestion: bool = False
    leading_leader: bool = False
    instruction: bool = False
    leads: list[LeadPlan] = field(default_factory=list)
    cos: list[CoPlan] = field(default_factory=list)


class Clock:
    """Dates relative to today (``current``) or inside last year (``past``), never after today."""

    def __init__(self, today: date, rng: random.Random, *, past: bool) -> None:
        self.today = today
        self.rng = rng
        self.past = past

    def ago(self, lo: int, hi: int) -> date:
        return self.today - timedelta(days=self.rng.randint(lo, hi))

    def cap(self, d: date) -> date:
        return min(d, self.today)

    def after(self, d: date, lo: int, hi: int) -> date:
        return self.cap(d + timedelta(days=self.rng.randint(lo, hi)))

    def past_start(self) -> date:
        """An assignment date in March–April of last year (the session before this one)."""
        return date(self.today.year - 1, 3, 5) + timedelta(days=self.rng.randint(0, 40))


def pick_light(rng: random.Random, lights: tuple[tuple[str, float], ...]) -> str:
    roll = rng.random()
    acc = 0.0
    for light, p in lights:
        acc += p
        if roll < acc:
            return light
    return lights[-1][0]


def _closed_dates(lp: LeadPlan, assigned_on: date, rng: random.Random) -> None:
    """Dates of a lead that has long been replied: late ones after an extension, key ones via a meeting."""
    d = timedelta
    lp.assigned_on = assigned_on
    if lp.scenario in ("closed_ext", "closed_late"):
        lp.sign_on = assigned_on + d(rng.randint(100, 120))
    elif lp.key:
        lp.sign_on = assigned_on + d(rng.randint(35, 70))
        lp.meeting_on = lp.sign_on + d(rng.randint(8, 20))
    else:
        lp.sign_on = assigned_on + d(rng.randint(25, 85))


def plan_dates(lp: LeadPlan, clock: Clock) -> None:
    """Set the assignment, signing, meeting and contact dates that fit the lead's scenario and light."""
    rng = clock.rng
    sc = lp.scenario
    d = timedelta
    if clock.past:
        _closed_dates(lp, clock.past_start(), rng)
    elif lp.return_flow:
        lp.assigned_on = clock.ago(1, 6)
    elif lp.target in OPEN_AGES and sc != "key_review_rejected":
        lo, hi = OPEN_AGES[lp.target][lp.light or "green"]
        lp.assigned_on = clock.ago(lo, hi)
        if lp.target in (S.OFFICE_REVIEW, S.LEADER_APPROVAL, S.APPROVED):
            age = (clock.today - lp.assigned_on).days
            lp.sign_on = clock.ago(1, min(10, age - 30))
    elif sc == "key_review_rejected":
        lp.assigned_on = clock.ago(50, 70)
        lp.sign_on = clock.ago(3, 12)
    elif sc == "replied_late":
        lp.sign_on = clock.ago(2, 20)
        lp.assigned_on = lp.sign_on - d(rng.randint(100, 118))
    elif sc == "key_replied":
        lp.meeting_on = clock.ago(2, 25)
        lp.sign_on = lp.meeting_on - d(rng.randint(8, 20))
        lp.assigned_on = lp.sign_on - d(rng.randint(35, 70))
    elif lp.target == S.REPLIED:
        lp.sign_on = clock.ago(2, 30)
        lp.assigned_on = lp.sign_on - d(rng.randint(25, 85))
    elif lp.target == S.REHANDLING:
        lp.sign_on = clock.ago(15, 60)
        lp.assigned_on = lp.sign_on - d(rng.randint(30, 80))
    else:  # closed
        _closed_dates(lp, clock.ago(150, 262) if sc != "closed" else clock.ago(120, 262), rng)
    plan_contacts(lp, clock)


def plan_contacts(lp: LeadPlan, clock: Clock) -> None:
    """Decide the before/during/after contacts (三见面) and their dates."""
    rng = clock.rng
    a = lp.assigned_on
    assert a is not None
    finished = lp.target in (S.REPLIED, S.REHANDLING, S.CLOSED)
    end = lp.sign_on or clock.today
    if lp.reaches(S.RECEIVED) and rng.random() < (0.95 if finished else 0.7):
        lp.contacts[ContactStage.BEFORE] = clock.cap(min(a + timedelta(days=rng.randint(1, 7)), end))
    if lp.reaches(S.HANDLING) and rng.random() < (0.85 if finished else 0.5):
        start = a + timedelta(days=10)
        stop = end - timedelta(days=3)
        during = start + timedelta(days=rng.randint(0, max(0, (stop - start).days)))
        lp.contacts[ContactStage.DURING] = clock.cap(during)
    delivered = lp.meeting_on or lp.sign_on
    if lp.reaches(S.REPLIED) and delivered and rng.random() < 0.9:
        lp.contacts[ContactStage.AFTER] = clock.after(delivered, 1, 6)


def plan_lead(scenario: str, unit: str, rng: random.Random, clock: Clock) -> LeadPlan:
    """Return the lead plan of a scenario, with its choices drawn from ``rng``."""
    sc = SCENARIOS[scenario]
    lp = LeadPlan(unit=unit, target=sc.target, scenario=scenario, key=sc.key)
    if sc.target in OPEN:
        lp.light = pick_light(rng, sc.lights)
    lp.result_class = rng.choices(tuple(ResultClass), weights=(45, 40, 15) if not sc.key else (55, 45, 0))[0]
    ordinary = (ReplyMethod.WRITTEN, ReplyMethod.ONSITE)
    lp.method = ReplyMethod.MEETING if sc.key else rng.choices(ordinary, weights=(85, 15))[0]
    lp.public = rng.random() < 0.9
    if scenario == "return_pending":
        lp.return_flow, lp.return_from_received = "pending", rng.random() < 0.5
    elif scenario == "return_approved":
        lp.return_flow, lp.return_from_received = "approved", rng.random() < 0.5
        lp.reassign_receives = rng.random() < 0.6
    elif scenario == "return_rejected":
        lp.return_flow, lp.return_from_received = "rejected", True
    elif scenario == "form_rejected":
        lp.reject_form = True
    elif scenario in ("ext_pending", "ext_rejected", "ext_approved", "closed_ext"):
        lp.extension = {"ext_pending": "pending", "ext_rejected": "rejected"}.get(scenario, "approved")
    elif scenario == "key_review_rejected":
        lp.review_reject = True
    if scenario == "key_leader_approval" and rng.random() < 0.5:
        lp.class_change = ResultClass.A if lp.result_class == ResultClass.B else ResultClass.B
    if scenario == "key_closed" and rng.random() < 0.25:
        lp.approval_reject = True
    # Ratings: the first proposer's result decides; unsatisfied sends the assignment back to re-handling.
    if scenario == "rehandling":
        lp.ratings = (UNSATISFIED,)
    elif scenario == "closed_rehandled":
        lp.ratings = (UNSATISFIED, rng.choice((SATISFIED, BASIC)))
    elif sc.target == S.CLOSED:
        lp.ratings = (rng.choices((SATISFIED, BASIC), weights=(70, 30))[0],)
    lp.paper = rng.random() < 0.3
    if sc.target in (S.REPLIED, S.REHANDLING, S.CLOSED):
        roll = rng.random()
        lp.self_check = "" if roll < 0.25 else ("unfulfilled" if roll < 0.35 else "fulfilled")
        if clock.past:
            lp.follow_up = rng.choices((1, 2, 3), weights=(10, 20, 70))[0]
        else:
            lp.follow_up = rng.choices((1, 2, 3), weights=(50, 30, 20))[0]
    if lp.light == "red":
        lp.reminders, lp.auto_reminder = rng.randint(1, 2), True
    elif lp.light == "yellow":
        lp.reminders = int(rng.random() < 0.6)
    elif sc.target in OPEN and rng.random() < 0.05:
        lp.reminders = 1
    plan_dates(lp, clock)
    return lp


def plan_extra_lead(unit: str, first: LeadPlan, rng: random.Random, clock: Clock) -> LeadPlan:
    """A second lead of a separately handled proposal (分别主办): same assignment date, its own pace."""
    assert first.assigned_on is not None
    age = (clock.today - first.assigned_on).days
    if first.target in (S.REPLIED, S.CLOSED, S.REHANDLING):
        target = rng.choice((S.REPLIED, S.CLOSED, S.CLOSED))
    else:
        target = rng.choice((S.RECEIVED, S.HANDLING, S.REPLY_DRAFTED) if age < 40 else (S.HANDLING, S.REPLY_DRAFTED))
    lp = LeadPlan(unit=unit, target=target, scenario="separate_lead", assigned_on=first.assigned_on)
    lp.result_class = rng.choice((ResultClass.A, ResultClass.A, ResultClass.B))
    lp.public = True
    if target in (S.REPLIED, S.CLOSED):
        latest = clock.today - timedelta(days=2 if target == S.REPLIED else 12)
        earliest = first.assigned_on + timedelta(days=25)
        span = max(0, min((latest - earliest).days, 60))
        lp.sign_on = earliest + timedelta(days=rng.randint(0, span))
        lp.ratings = (rng.choice((SATISFIED, BASIC)),) if target == S.CLOSED else ()
        lp.self_check = "fulfilled" if rng.random() < 0.6 else ""
        lp.follow_up = 1
    plan_contacts(lp, clock)
    return lp
