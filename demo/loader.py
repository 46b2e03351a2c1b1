"""Load the demo city (示例市) through the real actions, so that every record and event is genuine.

Nothing here writes a state: the organisation, sessions and proposals are created by their actions, and
each assignment is walked along its path by ``handling.actions`` as the office, the unit's handler, leader
and head, the government leaders and the members would do it. Actions that take a date (assignment,
signing, contacts, meetings) get dates in the past, so that deadlines, lights and on-time rates look like a
real year; every other event is stamped now.

Each proposal is played in its own transaction; a lead assignment's script is a generator that pauses
before signing (so its co-handlers can send their opinions first) and, for key proposals, before the
reply meeting, which answers several proposals at once.

The key proposals' supervision (动态督办) and the spot checks (抽查) are played through their own apps'
actions with the clock fixed at the moment of each step (``demo.moments``): the milestones when the
proposal is assigned, the rest once every event is dated (``demo.supervise``, ``demo.spot_checks``).
"""

from __future__ import annotations

import random
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from handling import actions as h
from handling.models import Assignment, ContactMethod, ContactStage, ResultClass
from handling.queries import light_bands
from handling.states import AssignmentRole, State, is_open_for
from organisation.actions import NewUser, create_department, create_jurisdiction, create_user
from organisation.models import Department, Jurisdiction, Role, User
from proposals import actions as pa
from proposals.models import Proposal, ProposalKind, ProposalStatus, Proposer, Session

from . import texts
from .auditor import make_auditor
from .backdate import backdate_events
from .moments import Moments
from .people import NameBook
from .plans import (
    BASIC,
    SATISFIED,
    UNSATISFIED,
    Clock,
    CoPlan,
    LeadPlan,
    ProposalPlan,
    plan_extra_lead,
    plan_lead,
)
from .source import (
    COUNTY_SUBJECTS,
    SourceProposal,
    default_data_dir,
    generate,
    is_collective,
    localize_collective,
    parse_joint,
    read_real,
    route,
    topic_of,
)
from .spot_checks import play_spot_checks
from .supervise import SupervisionScene
from .units import CITY_UNITS, COUNTY_UNITS, VICE_MAYOR_GROUPS, UnitSpec

S = State
PASSWORD = "demo-2026"
PLACEHOLDER_PASSWORD = "Demo-placeholder-2026"
CITY_NAME = "示例市"
COUNTY_NAME = "示例县"
SEED = 2026
MEMBERS = 20
URL = "http://127.0.0.1:8000/"  # what `make demo` serves unless told another HOST or PORT
STAGES = 8  # sources, organisation, four sessions, meetings and times, then supervision and spot checks
PROGRESS_SECONDS = 5.0
FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"

BARRIER = "barrier"  # a lead script pauses here before signing, so that co-handlers answer first
MEETING = "meeting"  # … and here when an approved key reply waits for its reply meeting
END = "end"

MAIN_SCENARIOS: dict[str, int] = {
    "registered": 3, "pending": 9, "pending_red": 2, "received": 8, "received_red": 1,
    "return_pending": 3, "return_approved": 3, "return_rejected": 2, "form_submitted": 6, "form_rejected": 1,
    "handling": 14, "handling_red": 3, "ext_pending": 2, "ext_rejected": 1, "ext_approved": 2,
    "reply_drafted": 7, "key_handling": 1, "key_review_rejected": 1, "key_office_review": 4,
    "key_leader_approval": 3, "key_approved": 3, "replied": 17, "replied_late": 1, "key_replied": 3,
    "rehandling": 6, "closed_rehandled": 4, "closed_ext": 3, "closed_late": 3, "key_closed": 7,
}  # fmt: skip
PAST_SCENARIOS: dict[str, int] = {"key_closed": 5, "closed_rehandled": 2, "closed_ext": 3, "closed_late": 3}
DAILY_SCENARIOS: dict[str, int] = {
    "registered": 3, "pending": 3, "received": 2, "form_submitted": 1, "handling": 5, "handling_red": 1,
    "reply_drafted": 1, "replied": 4,
}  # fmt: skip
COUNTY_SCENARIOS: dict[str, int] = {"pending": 2, "received": 2, "handling": 4, "reply_drafted": 1, "replied": 3}
SPLIT = {"main": 180, "past": 52, "daily": 25}  # of the real proposals (257); the rest are closed
COUNTY_COUNT = 16
SEPARATE_LEADS = 5


def loader_actor() -> User:
    """Who creates the demo's jurisdictions and units when no ``admin`` is wanted: an unsaved superuser
    standing for the command itself, so no account with a published password is left behind."""
    return User(username="load_demo", name="演示数据载入", is_superuser=True)


def demo_admin(write: Callable[[str], None], password_hash: str | None = None) -> tuple[User, bool]:
    """Return the superuser ``admin`` (password demo-2026; ``load_demo --with-admin``), and whether this
    call created it. Created after the demo city, it joins that city (and goes with it on --reset)."""
    existing = User.objects.filter(username="admin").first()
    if existing is not None:
        if not existing.is_superuser:
            raise RuntimeError("已有用户名为 admin 的普通用户，无法作为演示管理员；请先处理该用户。")
        write("管理员 admin 已存在，沿用现有账号（密码未改动）。")
        return existing, False
    with override_settings(PASSWORD_HASHERS=[FAST_HASHER]):
        admin = User.objects.create_superuser("admin", "admin@example.com", PASSWORD, name="系统管理员")
    admin.password = password_hash or make_password(PASSWORD)
    admin.jurisdiction = demo_city()
    User.objects.filter(pk=admin.pk).update(password=admin.password, jurisdiction=admin.jurisdiction)
    return admin, True


@dataclass
class Org:
    admin: User
    city: Jurisdiction
    county: Jurisdiction
    units: dict[str, Department]
    specs: dict[str, UnitSpec]
    users: dict[str, User]
    members: list[User]
    titles: dict[str, str]  # username → job title, for the logins table
    phones: dict[str, str]  # unit code → office phone

    def staff(self, code: str, suffix: str) -> User:
        return self.users[f"{code}_{suffix}"]

    def leader_for(self, code: str) -> User:
        """The government leader in charge of a unit: its vice mayor, else the mayor."""
        for i, (_, _, codes) in enumerate(VICE_MAYOR_GROUPS, start=1):
            if code in codes:
                return self.users[f"vicemayor{i}"]
        return self.users["mayor"]


@dataclass
class Level:
    """One jurisdiction's staff and naming: the city or the county."""

    jurisdiction: Jurisdiction
    office: User
    cppcc: User
    unit_specs: tuple[UnitSpec, ...]
    cppcc_name: str  # 市政协 / 县政协


@dataclass
class SessionSpec:
    level: Level
    name: str
    year: int
    sources: list[SourceProposal]
    scenarios: dict[str, int]
    is_main: bool = False
    is_past: bool = False
    is_daily: bool = False

    def ref(self, number: str) -> str:
        """How letters cite a proposal: 市政协十四届二次会议第12号提案, 市政协2026年日常提案第3号."""
        cppcc = self.level.cppcc_name
        if self.is_daily:
            return f"{cppcc}{self.year}年日常提案第{number}号"
        return f"{cppcc}{self.name}第{number}号提案"


@dataclass
class Played:
    """A proposal being played: its plan, record and what its letters say."""

    plan: ProposalPlan
    proposal: Proposal
    source: SourceProposal
    level: Level
    ref: str
    salutation: str
    topic: str
    clock: Clock


@dataclass
class Waiting:
    """A lead script paused before its reply meeting."""

    played: Played
    lead: LeadPlan
    assignment: Assignment
    script: Iterator[str]


@dataclass
class Progress:
    """What a long load is doing: "[3/7] 示例市 2026年十四届二次会议：提案 64/180（已用 5 秒）".

    A line when a stage starts and ends, and at most one every ``every`` seconds in between. Plain lines
    only (no carriage returns or escape codes), so a pipe or a log file reads as well as a terminal."""

    write: Callable[[str], None]
    stages: int
    every: float = PROGRESS_SECONDS
    clock: Callable[[], float] = time.monotonic
    number: int = 0
    name: str = ""
    started: float = 0.0
    last: float = 0.0

    def stage(self, name: str, note: str = "") -> None:
        self.number += 1
        self.name = name
        self.started = self.last = self.clock()
        self.write(f"{self._prefix()}{name}{'：' + note if note else ''}……")

    def tick(self, done: int, total: int) -> None:
        now = self.clock()
        if now - self.last >= self.every:
            self.last = now
            self.write(f"{self._prefix()}{self.name}：提案 {done}/{total}（已用 {now - self.started:.0f} 秒）")

    def done(self, summary: str) -> None:
        self.write(f"{self._prefix()}{self.name}：{summary}（用时 {self.clock() - self.started:.1f} 秒）")

    def _prefix(self) -> str:
        return f"[{self.number}/{self.stages}] "


@dataclass
class Loader:
    write: Callable[[str], None]
    today: date = field(default_factory=timezone.localdate)
    data_dir: Path | None = None
    with_admin: bool = False  # create the superuser admin (password demo-2026): only when asked
    rng: random.Random = field(default_factory=lambda: random.Random(SEED))  # noqa: S311 (demo data)
    progress_every: float = PROGRESS_SECONDS
    clock: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        self.progress = Progress(self.write, STAGES, every=self.progress_every, clock=self.clock)
        self.password_hash = make_password(PASSWORD)  # with the configured hasher, once
        self.names = NameBook(self.rng)
        self.waiting: list[Waiting] = []
        # its own random numbers, so that the rest of the demo is the same with or without it
        self.supervision = SupervisionScene(self.today, seed=SEED + 1)

    # ------------------------------------------------------------------------------------------------
    # Entry point

    def run(self) -> Org:
        started = time.monotonic()
        progress = self.progress
        progress.stage("提案来源")
        sources, real = self._sources()
        progress.done(f"{len(sources)} 件{'真实' if real else '生成的'}提案")
        progress.stage("辖区、承办单位和账号")
        org = self._organisation()
        progress.done(f"2 个辖区、{len(org.units)} 个承办单位、{len(org.users)} 个账号")
        city = Level(org.city, org.users["office"], org.users["cppcc"], CITY_UNITS, "市政协")
        county = Level(org.county, org.users["county_office"], org.users["county_cppcc"], COUNTY_UNITS, "县政协")
        y = self.today.year
        main, past, daily = self._split(sources)
        sessions = [
            SessionSpec(city, "十四届二次会议", y, main, MAIN_SCENARIOS, is_main=True),
            SessionSpec(city, "十四届一次会议", y - 1, past, PAST_SCENARIOS, is_past=True),
            SessionSpec(city, "日常提案", y, daily, DAILY_SCENARIOS, is_daily=True),
            SessionSpec(county, "十三届二次会议", y, self._county_sources(), COUNTY_SCENARIOS),
        ]
        assert len(sessions) + 4 == STAGES
        for spec in sessions:
            level = spec.level
            progress.stage(f"{level.jurisdiction.name} {spec.year}年{spec.name}", f"{len(spec.sources)} 件提案")
            with transaction.atomic():
                session = pa.create_session(level.jurisdiction, actor=level.cppcc, name=spec.name, year=spec.year,
                                            is_daily=spec.is_daily)  # fmt: skip
            clock = Clock(self.today, self.rng, past=spec.is_past)
            plans = self._plan_session(spec, clock)
            self._play_session(org, spec, session, plans, clock)
            progress.done(f"提案 {len(plans)}/{len(plans)}")
        progress.stage("集体座谈答复，按办理日期回填历史时间")
        self._collective_meeting(org)
        backdate_events(self.today)
        progress.done("完成")
        progress.stage("重点提案动态督办和办理落实情况抽查")
        checks = self._oversight(org)
        progress.done(f"督办计划 {len(self.supervision.plans)} 件、抽查 {checks} 次")
        self.write(f"载入用时 {time.monotonic() - started:.1f} 秒（{'真实提案' if real else '生成提案'}）。")
        return org

    def _oversight(self, org: Org) -> int:
        """The units' part of the supervision plans, then the spot checks: after every dated event."""
        moments = Moments()
        self.supervision.finish(moments, office=org.users["office"], mayor=org.users["mayor"],
                                leader_for=lambda d: org.leader_for(d.code))  # fmt: skip
        checks = play_spot_checks(org.city, moments, today=self.today, office=org.users["office"],
                                  cppcc=org.users["cppcc"], members=org.members)  # fmt: skip
        return len(checks)

    # ------------------------------------------------------------------------------------------------
    # Sources

    def _sources(self) -> tuple[list[SourceProposal], bool]:
        data_dir = self.data_dir or default_data_dir()
        real = read_real(data_dir)
        if real:
            self.write(f"使用真实提案数据：{data_dir}（{len(real)} 件，运行时读取，不复制进仓库）。")
            return real, True
        self.write(f"未找到真实提案数据（{data_dir}），改用生成的示例提案。")
        names = [self.names.name() for _ in range(120)]
        return generate(self.rng, sum(SPLIT.values()), names), False

    def _split(self, sources: list[SourceProposal]) -> tuple[list[SourceProposal], ...]:
        order = list(range(len(sources)))
        self.rng.shuffle(order)
        shuffled = [sources[i] for i in order]
        a, b = SPLIT["main"], SPLIT["main"] + SPLIT["past"]
        return shuffled[:a], shuffled[a:b], shuffled[b:]

    def _county_sources(self) -> list[SourceProposal]:
        names = [self.names.name() for _ in range(12)]
        return generate(self.rng, COUNTY_COUNT, names, COUNTY_SUBJECTS, collective_share=0.1, joint_share=0.1)

    # ------------------------------------------------------------------------------------------------
    # Organisation: jurisdictions, units, users

    def _organisation(self) -> Org:
        with transaction.atomic():
            admin, created = self._admin() if self.with_admin else (loader_actor(), False)
            city = create_jurisdiction(actor=admin, name=CITY_NAME, parent=None)
            county = create_jurisdiction(actor=admin, name=COUNTY_NAME, parent=city)
            if created:
                # The demo's administrator belongs to the demo city (and goes with it on --reset).
                admin.jurisdiction = city
                admin.save(update_fields=["jurisdiction"])
            units: dict[str, Department] = {}
            specs: dict[str, UnitSpec] = {}
            for level, unit_specs, prefix in ((city, CITY_UNITS, "市"), (county, COUNTY_UNITS, "示例")):
                for spec in unit_specs:
                    units[spec.code] = create_department(
                        level, actor=admin, name=spec.name, short_name=spec.name.removeprefix(prefix),
                        duties=spec.duties, code=spec.code, reply_prefix=f"示{spec.abbr}提复",
                    )  # fmt: skip
                    specs[spec.code] = spec
            news, titles, phones = self._people(city, county, units)
            users = self._create_users(news)
            make_auditor(city, self.password_hash)  # reads the security audit log only
            members = [users[f"member{i}"] for i in range(1, MEMBERS + 1)]
        return Org(admin, city, county, units, specs, users, members, titles, phones)

    def _admin(self) -> tuple[User, bool]:
        return demo_admin(self.write, self.password_hash)

    def _people(
        self, city: Jurisdiction, county: Jurisdiction, units: dict[str, Department]
    ) -> tuple[list[NewUser], dict[str, str], dict[str, str]]:
        book = self.names
        news: list[NewUser] = []
        titles: dict[str, str] = {}

        def add(
            username: str,
            role: str,
            title: str,
            jurisdiction: Jurisdiction = city,
            department: Department | None = None,
            charged_departments: Sequence[Department] = (),
        ) -> None:
            news.append(
                NewUser(
                    username=username,
                    # create_user checks it against the password rules; the public demo password, which
                    # those rules refuse, is written as a hash afterwards (_create_users).
                    password=PLACEHOLDER_PASSWORD,
                    name=book.name(),
                    role=role,
                    jurisdiction=jurisdiction,
                    department=department,
                    phone=book.mobile(),
                    charged_departments=charged_departments,
                )
            )
            titles[username] = title  # fmt: skip

        add("office", Role.OFFICE_STAFF, "市政府督查室")
        add("cppcc", Role.CPPCC_STAFF, "市政协提案委员会")
        city_units = [units[s.code] for s in CITY_UNITS]
        add("mayor", Role.GOV_LEADER, "市长（分管全部市级单位）", charged_departments=city_units)
        for i, (title, area, codes) in enumerate(VICE_MAYOR_GROUPS, start=1):
            add(f"vicemayor{i}", Role.GOV_LEADER, f"{title}（分管{area}）",
                charged_departments=[units[c] for c in codes])  # fmt: skip
        for i in range(1, MEMBERS + 1):
            add(f"member{i}", Role.MEMBER, "市政协委员")
        phones: dict[str, str] = {}
        for level, unit_specs in ((city, CITY_UNITS), (county, COUNTY_UNITS)):
            for spec in unit_specs:
                dept = units[spec.code]
                phones[spec.code] = book.landline()
                head_title = "主任" if spec.name.endswith(("委员会", "联合会")) else "局长"
                if spec.code == "zgh":
                    head_title = "常务副主席"
                for suffix, role, title in (
                    ("head", Role.DEPT_HEAD, f"{spec.name}{head_title}"),
                    ("leader", Role.DEPT_LEADER, f"{spec.name}分管领导"),
                    ("handler", Role.DEPT_HANDLER, f"{spec.name}{spec.division}经办人"),
                ):
                    add(f"{spec.code}_{suffix}", role, title, jurisdiction=level, department=dept)
        add("county_office", Role.OFFICE_STAFF, "县政府督查室", jurisdiction=county)
        add("county_cppcc", Role.CPPCC_STAFF, "县政协提案委员会", jurisdiction=county)
        return news, titles, phones

    def _create_users(self, news: list[NewUser]) -> dict[str, User]:
        """Create the accounts with ``create_user``; the shared password is hashed once, not per account.

        Hashing with the configured hasher takes about 0.3 s, 150 times over; so the accounts are made
        with a fast hasher, then all get the one strong hash of ``demo-2026`` (same salt for every demo
        account, whose password is public anyway). Django upgrades a hash at login if its settings change.
        """
        with override_settings(PASSWORD_HASHERS=[FAST_HASHER]):
            users = {n.username: create_user(actor=None, new=n) for n in news}
        User.objects.filter(pk__in=[u.pk for u in users.values()]).update(password=self.password_hash)
        return users

    # ------------------------------------------------------------------------------------------------
    # Planning a session

    def _plan_session(self, spec: SessionSpec, clock: Clock) -> list[ProposalPlan]:
        rng = self.rng
        sources, scenarios, main = spec.sources, spec.scenarios, spec.is_main
        names: list[str] = []
        for name, n in scenarios.items():
            names += [name] * n
        names += ["closed"] * max(0, len(sources) - len(names))
        names = names[: len(sources)]
        rng.shuffle(names)
        if main:
            names = self._prefer_collective_for_suggestions(sources, names)
        codes = spec.level.unit_specs
        plans: list[ProposalPlan] = []
        loads: Counter[str] = Counter()
        cap = max(3, round(len(sources) * 0.1))
        for i, (src, scenario) in enumerate(zip(sources, names, strict=True)):
            plan = ProposalPlan(scenario=scenario, source_index=i, number=f"{i + 1:03d}")
            if scenario != "registered":
                ranked = route(src, codes)
                code = self._pick_lead(ranked, loads, cap)
                loads[code] += 1
                lead = plan_lead(scenario, code, rng, clock)
                plan.leads.append(lead)
                plan.assigned_on = lead.assigned_on
                plan.is_key = lead.key
                related = [c for c, _ in ranked if c != code]
                if lead.return_flow == "approved":
                    lead.reassign_unit = (
                        related[0] if related else rng.choice([u.code for u in codes if u.code != code])
                    )
                elif not lead.return_flow:
                    roll = rng.random()
                    for other in related[: 2 if roll < 0.1 else 1 if roll < 0.45 else 0]:
                        plan.cos.append(CoPlan(other, ""))
            plan.submitted_on = self._submitted_on(plan, clock, spec.is_daily)
            plans.append(plan)
        if main:
            self._separate_leads(plans, sources, codes, clock)
            self._mark_key(plans, sources)
        city_level = spec.level.jurisdiction.parent_id is None  # the county has no government leader here
        if main or not city_level:
            self._involve_idle_units(plans, sources, codes)
        for plan in plans:
            self._co_targets(plan, clock)
            if city_level and plan.leads and not plan.is_key and rng.random() < 0.04:
                plan.instruction = True
        return plans

    @staticmethod
    def _pick_lead(ranked: list[tuple[str, int]], loads: Counter[str], cap: int) -> str:
        """The most relevant unit, unless it already leads many and another is about as relevant (归口办理)."""
        best, top = ranked[0]
        for code, score in ranked:
            if loads[code] < cap and score * 2 >= top:
                return code
        return best

    def _involve_idle_units(
        self, plans: list[ProposalPlan], sources: list[SourceProposal], codes: tuple[UnitSpec, ...]
    ) -> None:
        """Units that got nothing to lead co-handle a proposal that touches their business, so every unit's
        people have something on their list."""
        busy = {lp.unit for p in plans for lp in p.leads} | {co.unit for p in plans for co in p.cos}
        open_plans = [p for p in plans if p.leads and not p.leads[0].return_flow and len(p.cos) < 2]
        for spec in codes:
            if spec.code in busy or not open_plans:
                continue
            touching = [p for p in open_plans if any(c == spec.code for c, _ in route(sources[p.source_index], codes))]
            touching = [p for p in touching if all(lp.unit != spec.code for lp in p.leads)]
            plan = touching[0] if touching else self.rng.choice(open_plans)
            if all(lp.unit != spec.code for lp in plan.leads):
                plan.cos.append(CoPlan(spec.code, ""))
                busy.add(spec.code)

    def _prefer_collective_for_suggestions(self, sources: list[SourceProposal], names: list[str]) -> list[str]:
        """Move two key scenarios onto collective proposals: 建议案 come from the CPPCC's bodies."""
        collective = [i for i, s in enumerate(sources) if is_collective(s.proposer) and names[i] == "closed"]
        wanted = [i for i, n in enumerate(names) if n in ("key_closed", "key_leader_approval")][:2]
        for src_i, key_i in zip(collective, wanted, strict=False):
            names[src_i], names[key_i] = names[key_i], names[src_i]
        return names

    def _submitted_on(self, plan: ProposalPlan, clock: Clock, is_daily: bool) -> date:
        rng = self.rng
        if is_daily:
            base = plan.assigned_on or clock.today
            return base - timedelta(days=rng.randint(3, 20))
        if clock.past:
            return date(clock.today.year - 1, 1, 12) - timedelta(days=rng.randint(0, 4))
        plenary = min(date(clock.today.year, 1, 12), clock.today - timedelta(days=270))
        return plenary - timedelta(days=rng.randint(0, 4))

    def _separate_leads(self, plans: list[ProposalPlan], sources: list[SourceProposal], codes: tuple[UnitSpec, ...],
                        clock: Clock) -> None:  # fmt: skip
        """Give a few proposals a second lead unit that handles and replies on its own part (分别主办)."""
        fits = [p for p in plans if p.scenario in ("handling", "reply_drafted", "replied", "closed") and not p.cos]
        for plan in self.rng.sample(fits, min(SEPARATE_LEADS, len(fits))):
            first = plan.leads[0]
            ranked = [c for c, _ in route(sources[plan.source_index], codes) if c != first.unit]
            unit = ranked[0] if ranked else self.rng.choice([s.code for s in codes if s.code != first.unit])
            plan.leads.append(plan_extra_lead(unit, first, self.rng, clock))

    def _mark_key(self, plans: list[ProposalPlan], sources: list[SourceProposal]) -> None:
        """建议案 among the key proposals, and the leaders who lead a few of them (领办)."""
        key = [p for p in plans if p.is_key]
        suggestions = [p for p in key if is_collective(sources[p.source_index].proposer)][:2]
        for p in suggestions:
            p.is_suggestion = True
        for p in key:
            p.instruction = self.rng.random() < 0.7
        for p in self.rng.sample(key, min(3, len(key))):
            p.leading_leader = True

    def _co_targets(self, plan: ProposalPlan, clock: Clock) -> None:
        """Co-handlers answer before any lead signs; otherwise they may still be at any early state."""
        if not plan.cos:
            return
        assert plan.assigned_on is not None
        age = (clock.today - plan.assigned_on).days
        signs = any(lp.signs for lp in plan.leads)
        for co in plan.cos:
            if signs or age > 35:
                co.target = S.OPINION_SUBMITTED
            else:
                co.target = self.rng.choices((S.PENDING, S.RECEIVED, S.OPINION_SUBMITTED), weights=(3, 3, 4))[0]

    # ------------------------------------------------------------------------------------------------
    # Proposers: members, joint and collective proposals

    def _proposers(
        self, org: Org, plans: list[ProposalPlan], sources: list[SourceProposal], level: Level, main: bool
    ) -> dict[int, tuple[str, list[pa.ProposerEntry]]]:
        """Return each plan's kind and proposers; about a third are filed by the member accounts."""
        rng = self.rng
        result: dict[int, tuple[str, list[pa.ProposerEntry]]] = {}
        for plan in plans:
            raw = sources[plan.source_index].proposer
            if is_collective(raw):
                result[plan.source_index] = (ProposalKind.COLLECTIVE, [pa.ProposerEntry(localize_collective(raw))])
            elif joint := parse_joint(raw):
                first, n = joint
                cosigners = [pa.ProposerEntry(self.names.name()) for _ in range(min(n - 1, 4))]
                result[plan.source_index] = (ProposalKind.JOINT, [pa.ProposerEntry(first), *cosigners])
            else:
                result[plan.source_index] = (ProposalKind.INDIVIDUAL, [pa.ProposerEntry(raw)])
        if level.jurisdiction != org.city:
            return result
        open_to_members = [p for p in plans if result[p.source_index][0] != ProposalKind.COLLECTIVE]
        linked: list[tuple[ProposalPlan, User]] = []
        if main:
            # member1–3 each get a proposal at the interesting steps, so that logging in as them shows something.
            wishes = {0: ("replied", "closed", "handling", "rehandling", "key_closed"), 1: ("replied", "closed"),
                      2: ("replied", "pending")}  # fmt: skip
            for m, scenarios in wishes.items():
                for scenario in scenarios:
                    taken = {id(x) for x, _ in linked}
                    pick = next((p for p in open_to_members if p.scenario == scenario and id(p) not in taken), None)
                    if pick is not None:
                        linked.append((pick, org.members[m]))
        taken = {id(p) for p, _ in linked}
        rest = [p for p in open_to_members if id(p) not in taken]
        quota = max(0, round(len(plans) / 3) - len(linked))
        for i, plan in enumerate(rng.sample(rest, min(quota, len(rest)))):
            linked.append((plan, org.members[i % len(org.members)]))
        for plan, member in linked:
            kind, entries = result[plan.source_index]
            entries[0] = pa.ProposerEntry(member.name, member)
            result[plan.source_index] = (kind, entries)
        # Some members co-sign a colleague's proposal (联名): they may rate the reply too.
        for plan, member in linked:
            if rng.random() < 0.2:
                kind, entries = result[plan.source_index]
                other = rng.choice([m for m in org.members if m != member])
                if all(e.user != other for e in entries):
                    entries.append(pa.ProposerEntry(other.name, other))
                    result[plan.source_index] = (ProposalKind.JOINT, entries)
        return result

    # ------------------------------------------------------------------------------------------------
    # Playing a session

    def _play_session(
        self, org: Org, spec: SessionSpec, session: Session, plans: list[ProposalPlan], clock: Clock
    ) -> None:
        level, sources = spec.level, spec.sources
        proposers = self._proposers(org, plans, sources, level, spec.is_main)
        self.waiting = []
        for done, plan in enumerate(plans):
            self.progress.tick(done, len(plans))
            src = sources[plan.source_index]
            kind, entries = proposers[plan.source_index]
            with transaction.atomic():
                proposal = pa.create_proposal(session, actor=level.cppcc, new=pa.NewProposal(
                    number=plan.number, title=src.title, body=src.body, kind=kind, proposers=entries,
                    category=src.category, submitted_on=plan.submitted_on, is_public=self.rng.random() < 0.92,
                ))  # fmt: skip
                first = entries[0].name
                salutation = first if kind == ProposalKind.COLLECTIVE else f"{first}委员"
                if kind == ProposalKind.JOINT:
                    salutation += "等"
                played = Played(plan, proposal, src, level, spec.ref(plan.number), salutation, topic_of(src.title),
                                clock)  # fmt: skip
                self._play(org, played)
        self._hold_meetings(org)

    def _play(self, org: Org, p: Played) -> None:
        plan, level = p.plan, p.level
        if plan.is_key or plan.is_suggestion or plan.leading_leader:
            leader = org.leader_for(plan.leads[0].unit) if plan.leading_leader else None
            pa.set_flags(p.proposal, actor=level.cppcc, is_key=plan.is_key or None,
                         is_suggestion=plan.is_suggestion or None, leading_leader=leader)  # fmt: skip
        if not plan.leads:
            return
        units = [h.UnitAssignment(org.units[lp.unit], AssignmentRole.LEAD) for lp in plan.leads]
        units += [h.UnitAssignment(org.units[co.unit], AssignmentRole.CO) for co in plan.cos]
        created = h.assign(p.proposal, units, actor=level.office, assigned_on=plan.assigned_on)
        leads, cos = created[: len(plan.leads)], created[len(plan.leads) :]
        this_year = p.proposal.year == self.today.year and level.jurisdiction == org.city
        if (plan.is_key or plan.is_suggestion) and this_year:
            lead = plan.leads[0]
            self.supervision.set_up(
                p.proposal, office=level.office, lead=leads[0], plan=lead, cos=cos,
                co_answers=bool(plan.cos) and plan.cos[0].target == S.OPINION_SUBMITTED,
                handler=org.staff(lead.unit, "handler"), topic=p.topic,
            )  # fmt: skip
        if plan.instruction:
            leader = org.leader_for(plan.leads[0].unit) if not plan.is_suggestion else org.users["mayor"]
            text = self.rng.choice(texts.INSTRUCTIONS).format(unit=org.units[plan.leads[0].unit].name)
            pa.give_instruction(p.proposal, actor=leader, text=text)
        scripts = [(lp, a, self._lead_script(org, p, lp, a)) for lp, a in zip(plan.leads, leads, strict=True)]
        at_barrier = [(lp, a, s) for lp, a, s in scripts if next(s, END) == BARRIER]
        for co, a in zip(plan.cos, cos, strict=True):
            self._co_script(org, p, co, a)
        for lp, a, s in at_barrier:
            if next(s, END) == MEETING:
                self.waiting.append(Waiting(p, lp, a, s))

    # ------------------------------------------------------------------------------------------------
    # A lead assignment's path

    def _letter(self, org: Org, p: Played, code: str) -> texts.LetterContext:
        spec = org.specs[code]
        return texts.LetterContext(
            ref=p.ref, number=p.plan.number, title=p.source.title, topic=p.topic, salutation=p.salutation,
            unit=spec.name, division=spec.division,
            head=org.staff(code, "head").name, year=p.proposal.year,
        )  # fmt: skip

    def _draft(self, org: Org, p: Played, lp: LeadPlan, a: Assignment, on: date, actor: User, note: str = "") -> None:
        handler = org.staff(lp.unit, "handler")
        # no 文号 in the text: signing gives it (handling.numbering), and the documents draw it
        text = texts.reply_letter(
            self.rng, self._letter(org, p, lp.unit), result_class=lp.result_class, doc_no="", on=on,
            public=lp.public,
        )  # fmt: skip
        if note:
            text = note + "\n\n" + text
        h.draft_reply(a, actor=actor, draft=h.ReplyDraft(
            text=text, result_class=lp.result_class, method=lp.method, is_public=lp.public,
            contact_person=handler.name, contact_phone=org.phones[lp.unit],
        ))  # fmt: skip

    def _contact(self, org: Org, p: Played, lp: LeadPlan, a: Assignment, stage: str, on: date | None = None) -> None:
        day = on or lp.contacts.get(stage)
        if day is None:
            return
        m = ContactMethod
        methods = {ContactStage.BEFORE: (m.VISIT, m.MEETING, m.PHONE),
                   ContactStage.DURING: (m.MEETING, m.VISIT, m.ONLINE, m.PHONE),
                   ContactStage.AFTER: (m.VISIT, m.PHONE, m.MEETING, m.OTHER)}[ContactStage(stage)]  # fmt: skip
        handler = org.staff(lp.unit, "handler")
        who = p.salutation.removesuffix("等")
        participants = f"{who}；{org.units[lp.unit].name}{handler.name}"
        if stage != ContactStage.DURING and self.rng.random() < 0.4:
            participants += f"、{org.staff(lp.unit, 'leader').name}"
        h.record_contact(a, actor=handler, stage=stage, on=day, method=self.rng.choice(methods),
                         participants=participants, notes=texts.contact_note(self.rng, stage, p.topic))  # fmt: skip

    def _lead_script(self, org: Org, p: Played, lp: LeadPlan, a: Assignment) -> Iterator[str]:
        rng, level, clock = self.rng, p.level, p.clock
        handler, leader, head = (org.staff(lp.unit, s) for s in ("handler", "leader", "head"))
        approver = p.proposal.leading_leader or org.leader_for(lp.unit)
        # Receipt and returns (签收、退回)
        if lp.return_flow:
            if lp.return_from_received:
                h.receive(a, actor=handler)
            other = org.units[lp.reassign_unit] if lp.reassign_unit else None
            reason_unit = other.name if other else "其他相关单位"
            h.request_return(a, actor=handler, reason=texts.return_reason(p.topic, reason_unit))
            if lp.return_flow == "pending":
                return
            if lp.return_flow == "approved":
                assert other is not None
                h.decide_return(a, actor=level.office, approve=True, comment=f"同意退回，改由{other.name}主办。",
                                reassign=[h.UnitAssignment(other, AssignmentRole.LEAD)])  # fmt: skip
                if lp.reassign_receives:
                    new = Assignment.objects.get(proposal=p.proposal, department=other, role=AssignmentRole.LEAD)
                    h.receive(new, actor=org.staff(lp.reassign_unit, "handler"))
                return
            h.decide_return(a, actor=level.office, approve=False,
                            comment="经研究，该提案与贵单位职责密切相关，请继续牵头办理。")  # fmt: skip
        if not lp.reaches(S.RECEIVED):
            self._press(a, lp, level)
            return
        if not lp.return_from_received:
            h.receive(a, actor=handler)
        self._contact(org, p, lp, a, ContactStage.BEFORE)
        if not lp.reaches(S.FORM_SUBMITTED):
            self._press(a, lp, level)
            return
        letter = self._letter(org, p, lp.unit)
        h.submit_form(a, actor=handler, opinion=texts.form_opinion(rng, letter, handler.name), handler=handler)
        if lp.reject_form:
            h.approve_form(a, actor=leader, approve=False, instruction=texts.FORM_REJECT)
            h.submit_form(a, actor=handler, opinion=texts.form_opinion(rng, letter, handler.name), handler=handler)
        if not lp.reaches(S.HANDLING):
            self._press(a, lp, level)
            return
        h.approve_form(a, actor=rng.choice((leader, leader, head)), instruction=texts.form_instruction(rng))
        if lp.extension:
            self._extension(a, lp, level, handler)
        self._contact(org, p, lp, a, ContactStage.DURING)
        if not lp.signs and not lp.reaches(S.REPLY_DRAFTED):
            self._press(a, lp, level)
            return
        assert lp.sign_on is not None or not lp.signs
        drafted_on = lp.sign_on or clock.today
        self._draft(org, p, lp, a, drafted_on, head if lp.key and rng.random() < 0.3 else handler)
        if not lp.signs:
            self._press(a, lp, level)
            return
        yield BARRIER
        assert lp.sign_on is not None
        h.sign_reply(a, actor=head, signed_on=lp.sign_on)
        if p.proposal.needs_leader_approval:
            if lp.review_reject:
                h.review_reply(a, actor=level.office, approve=False, comment=rng.choice(texts.REVIEW_REJECTS))
                if lp.target == S.HANDLING:
                    return
            if lp.target == S.OFFICE_REVIEW:
                return
            h.review_reply(a, actor=level.office, approve=True, comment=rng.choice(texts.REVIEW_COMMENTS),
                           result_class=lp.class_change or None)  # fmt: skip
            if lp.approval_reject:
                h.approve_reply(a, actor=approver, approve=False, comment=rng.choice(texts.APPROVAL_REJECTS))
                self._draft(org, p, lp, a, lp.sign_on, handler, note="（根据政府领导审定意见修改）")
                h.sign_reply(a, actor=head, signed_on=lp.sign_on)
                h.review_reply(a, actor=level.office, approve=True, comment=rng.choice(texts.REVIEW_COMMENTS))
            if lp.target == S.LEADER_APPROVAL:
                return
            h.approve_reply(a, actor=approver, approve=True, comment=rng.choice(texts.APPROVAL_COMMENTS))
            if lp.target == S.APPROVED:
                return
            yield MEETING
        yield from self._after_reply(org, p, lp, a)

    def _after_reply(self, org: Org, p: Played, lp: LeadPlan, a: Assignment) -> Iterator[str]:
        """Deliver, rate (and re-handle), self-check and follow up."""
        rng, level, clock = self.rng, p.level, p.clock
        handler, head = org.staff(lp.unit, "handler"), org.staff(lp.unit, "head")
        self._contact(org, p, lp, a, ContactStage.AFTER)
        proposers = list(p.proposal.proposers.all())
        cosigning_members = [x for x in proposers[1:] if x.user_id is not None]
        if cosigning_members and rng.random() < 0.7:
            member = cosigning_members[0].user
            assert member is not None
            h.give_feedback(a, actor=member, attitude=SATISFIED, result=rng.choice((SATISFIED, BASIC)),
                            comment=rng.choice(texts.FEEDBACK_COMMENTS[SATISFIED]))  # fmt: skip
        for result in lp.ratings:
            first = proposers[0]
            online = first.user is not None and not lp.paper
            actor = first.user if online and first.user is not None else level.cppcc
            attitude = SATISFIED if result != UNSATISFIED or rng.random() < 0.5 else BASIC
            h.give_feedback(a, actor=actor, attitude=attitude, result=result,
                            comment=rng.choice(texts.FEEDBACK_COMMENTS[result]),
                            proposer_id=None if online else first.pk)  # fmt: skip
            if result != UNSATISFIED:
                continue
            if lp.target == S.REHANDLING:
                self._contact(org, p, lp, a, ContactStage.DURING, on=clock.today)
                break
            # Re-handling (再次办理): a better reply, signed and delivered today.
            lp.result_class = ResultClass.A if lp.result_class != ResultClass.C else ResultClass.B
            self._draft(org, p, lp, a, clock.today, handler, note="（再次办理答复）")
            h.sign_reply(a, actor=head, signed_on=clock.today)
            self._contact(org, p, lp, a, ContactStage.AFTER, on=clock.today)
        if lp.self_check:
            fulfilled = lp.self_check == "fulfilled"
            fix = h.PlannedAction("对滞后事项倒排工期，加快推进", clock.today + timedelta(days=30))
            actions = () if fulfilled else (fix,)
            h.self_check(a, actor=handler, findings=texts.self_check_findings(rng, fulfilled), fulfilled=fulfilled,
                         actions=actions)  # fmt: skip
        fresh = Assignment.objects.get(pk=a.pk)
        after_reply = is_open_for("follow_up_plan", fresh.state, fresh.role, key=p.proposal.needs_leader_approval)
        if lp.follow_up and fresh.delivered_class == ResultClass.B and after_reply:
            self._follow_up(org, p, lp, a, handler)
        return
        yield  # a generator even when it never pauses

    def _follow_up(self, org: Org, p: Played, lp: LeadPlan, a: Assignment, handler: User) -> None:
        rng, clock = self.rng, p.clock
        base = clock.today if not clock.past else date(clock.today.year - 1, 9, 30)
        texts_ = rng.sample(texts.follow_up_texts(p.topic), rng.randint(1, 3))
        items = [
            h.PlanItem(text, org.units[lp.unit], handler.name, base + timedelta(days=rng.randint(30, 150)))
            for text in texts_
        ]
        created = h.plan_follow_up(a, actor=handler, items=items)
        done = 0 if lp.follow_up == 1 else 1 if lp.follow_up == 2 else len(created)
        for item in created[:done]:
            h.finish_follow_up_item(a, actor=handler, item_id=item.pk, note="已按方案完成，相关材料已归档。")
        if done == len(created):
            h.give_second_feedback(a, actor=handler, text=texts.second_feedback_text(p.topic))

    def _extension(self, a: Assignment, lp: LeadPlan, level: Level, handler: User) -> None:
        rng = self.rng
        fresh = Assignment.objects.get(pk=a.pk)
        today = self.today
        if lp.extension == "approved" and lp.sign_on is not None:
            wanted = lp.sign_on + timedelta(days=rng.randint(5, 20))  # asked for in time to reply within it
        elif lp.extension == "approved":
            wanted = today + timedelta(days=rng.randint(20, 50))  # turns a red light green
        else:
            wanted = today + timedelta(days=30)
        new_due = min(fresh.max_due_on, max(wanted, fresh.due_on + timedelta(days=1)))
        topic = topic_of(fresh.proposal.title)
        h.request_extension(a, actor=handler, reason=texts.extension_reason(rng, topic), new_due_on=new_due)
        if lp.extension == "approved":
            h.decide_extension(a, actor=level.office, approve=True, cppcc_consulted=True,
                               comment="经与市政协提案委商议，同意延期。")  # fmt: skip
        elif lp.extension == "rejected":
            h.decide_extension(a, actor=level.office, approve=False, cppcc_consulted=rng.random() < 0.5,
                               comment="延期理由不充分，请按原期限抓紧办理。")  # fmt: skip

    def _press(self, a: Assignment, lp: LeadPlan, level: Level) -> None:
        """Reminders (催办) on an open assignment: by the office, and the deadline job's own."""
        for _ in range(lp.reminders):
            h.remind(a, actor=level.office, message=self.rng.choice(texts.REMINDERS))
        if lp.auto_reminder:
            h.remind(a, actor=None, message="系统提醒：该件已超过办复期限，请尽快办理并答复提案人。")

    def _co_script(self, org: Org, p: Played, co: CoPlan, a: Assignment) -> None:
        if co.target == S.PENDING:
            return
        handler = org.staff(co.unit, "handler")
        h.receive(a, actor=handler)
        if co.target == S.OPINION_SUBMITTED:
            lead = org.units[p.plan.leads[0].unit].name
            assert p.plan.assigned_on is not None
            on = min(self.today, p.plan.assigned_on + timedelta(days=self.rng.randint(7, 25)))
            text = texts.co_opinion(self.rng, self._letter(org, p, co.unit), lead_unit=lead, on=on)
            h.submit_co_opinion(a, actor=handler, text=text)

    # ------------------------------------------------------------------------------------------------
    # Reply meetings (答复座谈会)

    def _hold_meetings(self, org: Org) -> None:
        """Answer the approved key replies in meetings of two to four, chaired by the leader in charge."""
        waiting = sorted(self.waiting, key=lambda w: w.lead.meeting_on or self.today)
        self.waiting = []
        while waiting:
            size = min(len(waiting), self.rng.randint(2, 4))
            group, waiting = waiting[:size], waiting[size:]
            on = max(w.lead.meeting_on or self.today for w in group)
            first = group[0]
            chair = org.leader_for(first.lead.unit)
            titles = [w.played.source.title for w in group]
            proposers = dict.fromkeys(w.played.salutation for w in group)
            heads = dict.fromkeys(org.staff(w.lead.unit, "head").name for w in group)
            participants = (
                f"市政协分管副主席、提案委员会负责同志；提案人：{'、'.join(proposers)}；"
                f"承办单位主要负责同志：{'、'.join(heads)}"
            )
            title = org.titles[chair.username].split("（")[0]
            record = h.MeetingRecord(
                on=on, chair=f"{title}{chair.name}", participants=participants, notes=texts.meeting_notes(titles)
            )
            with transaction.atomic():
                h.hold_reply_meeting([w.assignment for w in group], actor=first.played.level.office, meeting=record)
            for w in group:
                w.lead.meeting_on = on
                if ContactStage.AFTER in w.lead.contacts:
                    w.lead.contacts[ContactStage.AFTER] = min(self.today, on + timedelta(days=self.rng.randint(1, 5)))
                with transaction.atomic():
                    next(w.script, END)

    def _collective_meeting(self, org: Org) -> None:
        """One unit answers several of its replied proposals together (集体座谈答复), changing no state."""
        replied = (
            Assignment.objects.filter(
                department__jurisdiction=org.city, role=AssignmentRole.LEAD, state__in=(S.REPLIED, S.CLOSED),
                proposal__is_key=False, proposal__is_suggestion=False, proposal__year=self.today.year,
            )
            .select_related("department", "proposal")
            .order_by("pk")
        )  # fmt: skip
        by_unit: dict[int, list[Assignment]] = {}
        for a in replied:
            by_unit.setdefault(a.department_id, []).append(a)
        if not by_unit:
            return
        group = max(by_unit.values(), key=len)[:3]
        if len(group) < 2:
            return
        dept = group[0].department
        on = min(self.today, max(a.first_replied_on or self.today for a in group) + timedelta(days=5))
        head = org.staff(dept.code, "head")
        with transaction.atomic():
            h.hold_reply_meeting(group, actor=head, meeting=h.MeetingRecord(
                on=on, chair=f"{dept.name}{head.name}", participants="提案人及" + dept.name + "相关处室负责同志",
                notes=texts.meeting_notes([a.proposal.title for a in group]),
            ))  # fmt: skip


# ---------------------------------------------------------------------------------------------------
# Status, reset and the report printed at the end


def pad(text: str, width: int) -> str:
    """Left-justify to a width in terminal columns, a Chinese character taking two."""
    cols = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(1, width - cols)


def demo_city() -> Jurisdiction | None:
    return Jurisdiction.objects.filter(name=CITY_NAME, parent__isnull=True).first()


def summary_lines() -> list[str]:
    """Counts by assignment state (lead and co), proposal status and light, for the demo city and its county."""
    city = demo_city()
    if city is None:
        return ["（未载入演示数据）"]
    ids = city.descendant_ids()
    proposals = Proposal.objects.filter(jurisdiction_id__in=ids)
    assignments = Assignment.objects.filter(proposal__in=proposals)
    lines = [f"提案 {proposals.count()} 件；交办记录 {assignments.count()} 条。", "", "按提案状态："]
    status = Counter(proposals.values_list("status", flat=True))
    lines.append("  " + "  ".join(f"{ProposalStatus(s).label} {status.get(s, 0)}" for s in ProposalStatus.values))
    lines += ["", f"  {pad('交办状态', 16)}{'主办':>4}{'协办':>6}"]
    counts = Counter(assignments.values_list("state", "role"))
    for s in State:
        lead, co = counts.get((s.value, "lead"), 0), counts.get((s.value, "co"), 0)
        if lead or co:
            lines.append(f"  {pad(s.label, 16)}{lead:>6}{co:>8}")
    lights = {light: assignments.filter(band).count() for light, band in light_bands(timezone.localdate()).items()}
    lines += ["", f"督办灯（未办结的交办）：绿灯 {lights['green']}  黄灯 {lights['yellow']}  红灯 {lights['red']}"]
    return lines


LOGIN_ROWS: tuple[str, ...] = (
    "admin", "office", "cppcc", "mayor", "vicemayor1", "vicemayor2", "vicemayor3", "vicemayor4",
    "member1", "member2", "member3", "jyj_head", "jyj_leader", "jyj_handler", "wjw_handler", "zjj_handler",
    "county_office", "xjyj_handler", "auditor",
)  # fmt: skip


def _describe(user: User) -> str:
    if user.is_superuser:
        return "系统管理员（超级用户）"
    if not user.role:
        return "审计管理员（只可查看安全审计）"
    role = Role(user.role).label if user.role else ""
    where = user.department.name if user.department_id and user.department else ""
    if user.role == Role.GOV_LEADER:
        n = user.charged_departments.count()
        if user.username.startswith("vicemayor") and user.username[9:].isdigit():
            title, area, _ = VICE_MAYOR_GROUPS[int(user.username[9:]) - 1]
            return f"{title}，分管{area}（{n} 个单位）"
        return f"市长，分管全部 {n} 个市级单位" if user.username == "mayor" else f"{role}，分管 {n} 个单位"
    if user.role in (Role.OFFICE_STAFF, Role.CPPCC_STAFF):
        where = user.jurisdiction.name if user.jurisdiction else ""
    if user.role == Role.MEMBER:
        n = Proposer.objects.filter(user=user).count()
        return f"{role}，名下提案 {n} 件"
    return f"{where} {role}" if where else role


def login_lines(url: str = URL) -> list[str]:
    users = {u.username: u for u in User.objects.filter(username__in=LOGIN_ROWS)}
    lines = ["演示账号（密码均为 demo-2026）：", f"  {pad('用户名', 18)}{pad('姓名', 10)}说明"]
    for username in LOGIN_ROWS:
        u = users.get(username)
        if u is None:
            continue
        lines.append(f"  {pad(username, 18)}{pad(u.name, 10)}{_describe(u)}")
    lines += [
        "  member1 … member20    政协委员（约三分之一的提案由这些账号提出）",
        "  <代码>_head / <代码>_leader / <代码>_handler    各承办单位主要负责人 / 分管领导 / 经办人，"
        "代码如 fgw jyj kjj gxj wjw zjj cgj jtj …",
        "",
        f"网址：{url}    接口文档：{url}api/v1/docs    管理后台：{url}admin/",
    ]
    return lines


def loaded_count() -> int:
    city = demo_city()
    if city is None:
        return 0
    return Proposal.objects.filter(jurisdiction_id__in=city.descendant_ids()).count()


def is_complete() -> bool:
    return loaded_count() >= sum(SPLIT.values()) + COUNTY_COUNT
