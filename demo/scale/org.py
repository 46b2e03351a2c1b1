"""The province's organisation: jurisdictions, units, accounts and sessions.

Written like the proposals (``sink``: rows, not model instances: building 4,000 ``User`` objects costs more
than writing them), except the jurisdictions and the auditor, which go through the ORM.

The first jurisdiction is the demo city 示例市 with the accounts ``load_demo`` makes (``office``,
``jyj_handler``, ``member1`` …) and the second its county 示例县 (``county_office``, ``xjyj_handler`` …), so
that the demo's sign-ins work on the large data set too. The others are cities and counties of their own,
their accounts prefixed with the jurisdiction's code (``c03_office``, ``c03_jyj_handler``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Max, Model

from demo.auditor import make_auditor
from demo.people import GIVEN, SURNAMES, NameBook
from demo.units import CITY_UNITS, COUNTY_UNITS, VICE_MAYOR_GROUPS, UnitSpec
from organisation.models import Department, Jurisdiction, Role, Rules, User
from proposals.models import Session

from . import tables as T
from .sink import Batch, Row, Sink, reset_sequences
from .words import we_of

DEMO_CITY, DEMO_COUNTY = "示例市", "示例县"
CITY_MEMBERS, COUNTY_MEMBERS = 200, 80
VICE_LEADERS = 4
CITY_NAMES = (
    "临江市", "青山市", "云台市", "金川市", "长河市", "白沙市", "清源市", "安平市", "宁远市", "丰泽市",
    "东阳市", "西岭市", "南浦市", "北川市", "石城市", "玉泉市", "龙溪市", "凤鸣市", "松原市", "桐乡市",
)  # fmt: skip
COUNTY_NAMES = ("东湖县", "青川县", "云岭县", "梅山县", "柳河县", "杏花县", "桃源县", "荷塘县", "竹溪县", "兰亭县")
DISTRICTS = ("东城区", "西城区", "南湖区", "北山区", "中山区", "新城区", "高新区", "经开区", "滨江区", "临港区")
# Units a city has besides the demo's 32 (code, name without the place, abbreviation, division).
EXTRA_UNITS = (
    ("gzw", "人民政府国有资产监督管理委员会", "国资", "产权管理科"),
    ("wb", "人民政府外事办公室", "外事", "综合科"),
    ("mzzjj", "民族宗教事务局", "民宗", "宗教事务科"),
    ("daj", "档案馆", "档案", "业务指导科"),
    ("qxj", "气象局", "气象", "减灾服务科"),
    ("lsj", "粮食和物资储备局", "粮储", "储备管理科"),
    ("rfb", "人民防空办公室", "人防", "工程管理科"),
    ("fl", "妇女联合会", "妇联", "权益部"),
    ("kx", "科学技术协会", "科协", "科普部"),
    ("gxs", "供销合作社联合社", "供销", "业务发展科"),
    ("xzspj", "行政审批局", "审批", "综合科"),
    ("gjj", "住房公积金管理中心", "公积金", "归集管理科"),
    ("yzj", "邮政管理局", "邮政", "市场监管科"),
)
# The demo county's units stand for these city units (their codes differ).
COUNTY_CODE_OF = {"xjyj": "jyj", "xwjj": "wjw", "xzjj": "zjj", "xnyj": "nyncj"}
RULE_VARIANT = {"return_window_working": True, "return_window_days": 7}  # every fourth place counts workdays


@dataclass(frozen=True)
class Person:
    id: int
    name: str


@dataclass
class Unit:
    id: int
    base: str  # the city unit it corresponds to (its routing code): jyj, wjw … or an extra's code
    name: str
    abbr: str
    division: str
    phone: str
    head: Person
    leader: Person
    handler: Person
    in_charge: Person  # the government leader in charge of it
    we: str  # how its letters name it: 我局 / 我委 / 我会


@dataclass
class Place:
    id: int
    name: str
    level: str  # 市 / 县
    code: str  # account prefix ("" for the demo city)
    rules: Rules
    cppcc_name: str
    office: Person
    cppcc: Person
    mayor: Person
    leaders: list[Person]
    leader_titles: dict[int, str]
    units: list[Unit]
    members: list[Person]
    sessions: dict[int, tuple[int, str]] = field(default_factory=dict)  # year → (session id, name)
    by_base: dict[str, Unit] = field(default_factory=dict)


class Ids:
    """Primary keys chosen by the load: one counter per table, starting after the highest id there."""

    def __init__(self, models: list[type[Model]]) -> None:
        self.next: dict[str, int] = {}
        for model in models:
            top = model._default_manager.aggregate(m=Max("pk"))["m"] or 0
            self.next[model._meta.db_table] = top + 1

    def take(self, table: str, n: int = 1) -> int:
        first = self.next[table]
        self.next[table] = first + n
        return first


def session_name(year: int, current: int, term_offset: int) -> str:
    """十四届二次会议 for the current year, counting five sessions a term back from there."""
    numerals = "一二三四五六七八九十"
    i = year - (current - 1)
    term = 14 + term_offset + i // 5
    return f"{_cn_number(term)}届{numerals[i % 5]}次会议"


def _cn_number(n: int) -> str:
    numerals = "零一二三四五六七八九"
    if n < 10:
        return numerals[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else numerals[tens]) + "十" + (numerals[ones] if ones else "")


def _city_specs() -> list[tuple[str, str, str, str, str]]:
    """(code, name without 市, abbreviation, division, duties) of every unit a city may have."""
    specs = [(u.code, u.name.removeprefix("市"), u.abbr, u.division, u.duties) for u in CITY_UNITS]
    specs += [(code, name, abbr, division, "") for code, name, abbr, division in EXTRA_UNITS]
    specs += [(f"q{i + 1}", f"{d}人民政府", d[:2], "办公室", "") for i, d in enumerate(DISTRICTS)]
    return specs


@dataclass
class Builder:
    rng: random.Random
    ids: Ids
    password_hash: str
    years: list[int]
    current_year: int
    demo_names: bool  # the demo accounts are free: the first two places take them
    names: NameBook = field(init=False)
    joined: str  # date_joined of every account, as the database columns take it
    users: list[Row] = field(default_factory=list)
    departments: list[Row] = field(default_factory=list)
    charged: list[Row] = field(default_factory=list)
    usernames: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.names = NameBook(self.rng)

    def name(self, unique: bool) -> str:
        if unique:
            return self.names.name()
        rng = self.rng
        return rng.choice(SURNAMES) + rng.choice(GIVEN)

    def phone(self, area: int) -> str:
        return f"0{area}-8{self.rng.randrange(10**6, 10**7)}"

    def user(self, username: str, role: str | None, place_id: int, unique: bool, dept: int | None = None) -> Person:
        if username in self.usernames:
            raise ValueError(username)
        self.usernames.add(username)
        pk = self.ids.take(User._meta.db_table)
        name = self.name(unique)
        phone = f"1{self.rng.choice('3589')}{self.rng.randrange(10**8, 10**9)}"
        # id password last_login is_superuser username first_name last_name email is_staff is_active date_joined
        # name role jurisdiction_id department_id phone must_change_password
        self.users.append((pk, self.password_hash, None, False, username, "", "", "", False, True, self.joined, name,
                           role, place_id, dept, phone, False))  # fmt: skip
        return Person(pk, name)

    def build(self, count: int, units: int, existing: int) -> list[Place]:
        """Create ``count`` places; ``existing`` jurisdictions are already there (an appended load)."""
        counties = max(0, round(count / 3) - 1) if count > 1 else 0
        jurisdictions: list[Jurisdiction] = []
        plan: list[tuple[str, str, int | None, str]] = []  # name, level, parent index, code
        city_i = county_i = 0
        for i in range(count):
            k = existing + i + 1
            if i == 0:
                name = DEMO_CITY if self.demo_names else self._pick(CITY_NAMES, existing, "市")
                plan.append((name, "市", None, "" if self.demo_names else f"c{k:02d}"))
            elif i <= counties:
                if i == 1 and self.demo_names:
                    plan.append((DEMO_COUNTY, "县", 0, "county"))
                else:
                    plan.append((self._pick(COUNTY_NAMES, existing + county_i, "县"), "县", 0, f"c{k:02d}"))
                    county_i += 1
            else:
                plan.append((self._pick(CITY_NAMES, existing + city_i + 1, "市"), "市", None, f"c{k:02d}"))
                city_i += 1
        for i, (name, _, parent, _) in enumerate(plan):
            pk = self.ids.take(Jurisdiction._meta.db_table)
            rules = RULE_VARIANT if i % 4 == 3 else {}
            parent_id = jurisdictions[parent].pk if parent is not None else None
            jurisdictions.append(Jurisdiction(id=pk, name=name, parent_id=parent_id, rules=rules))
        Jurisdiction.objects.bulk_create(jurisdictions)
        places = [
            self._place(j, level, code, units, demo=self.demo_names and i < 2, area=571 + i)
            for i, (j, (_, level, _, code)) in enumerate(zip(jurisdictions, plan, strict=True))
        ]
        sessions = self._sessions(places)
        Sink(connection.in_atomic_block, threaded=False).write([
            Batch(T.DEPARTMENT, self.departments), Batch(T.USER, self.users), Batch(T.CHARGED, self.charged),
            Batch(T.SESSION, sessions),
        ])  # fmt: skip
        reset_sequences([Jurisdiction, Department, User, Session])  # the auditor below is created by the ORM
        if self.demo_names:
            make_auditor(jurisdictions[0], self.password_hash)
        return places

    @staticmethod
    def _pick(names: tuple[str, ...], i: int, level: str) -> str:
        if i < len(names):
            return names[i]
        return f"{names[i % len(names)].removesuffix(level)}{i // len(names) + 1}{level}"

    def _place(self, j: Jurisdiction, level: str, code: str, count: int, *, demo: bool, area: int) -> Place:
        prefix = f"{code}_" if code else ""
        if demo and code == "county":
            prefix = "county_"
        unique = demo
        office = self.user(f"{prefix}office", Role.OFFICE_STAFF, j.pk, unique)
        cppcc = self.user(f"{prefix}cppcc", Role.CPPCC_STAFF, j.pk, unique)
        mayor = self.user(f"{prefix}mayor", Role.GOV_LEADER, j.pk, unique)
        leaders = [self.user(f"{prefix}vicemayor{i}", Role.GOV_LEADER, j.pk, unique) for i in range(1, 5)]
        chief, deputy = ("市长", "副市长") if level == "市" else ("县长", "副县长")
        titles = {mayor.id: chief, **{p.id: deputy for p in leaders}}
        titles[leaders[0].id] = f"常务{deputy}"
        n_members = CITY_MEMBERS if level == "市" else COUNTY_MEMBERS
        member_prefix = "county_" if prefix == "county_" else prefix
        members = [self.user(f"{member_prefix}member{i}", Role.MEMBER, j.pk, unique) for i in range(1, n_members + 1)]
        place = Place(
            id=j.pk,
            name=j.name,
            level=level,
            code=code,
            rules=j.time_rules,
            cppcc_name=f"{level}政协",
            office=office,
            cppcc=cppcc,
            mayor=mayor,
            leaders=leaders,
            leader_titles=titles,
            units=[],
            members=members,
        )
        for spec in self._unit_specs(j, level, count, demo and code != "county", demo and code == "county"):
            unit_code, base, name, abbr, division, duties = spec
            pk = self.ids.take(Department._meta.db_table)
            dept_code = unit_code if demo else f"{code}_{unit_code}"
            short = name.removeprefix(j.name)[:30]
            self.departments.append((pk, j.pk, name, short, dept_code[:30], duties, True, ""))  # prefix: derived
            head = self.user(f"{dept_code}_head", Role.DEPT_HEAD, j.pk, unique, dept=pk)
            leader_ = self.user(f"{dept_code}_leader", Role.DEPT_LEADER, j.pk, unique, dept=pk)
            handler = self.user(f"{dept_code}_handler", Role.DEPT_HANDLER, j.pk, unique, dept=pk)
            in_charge = self._in_charge(place, base, len(place.units))
            phone = self.phone(area)
            unit = Unit(pk, base, name, abbr, division, phone, head, leader_, handler, in_charge, we_of(name))
            place.units.append(unit)
            place.by_base[base] = unit
            for leader in {mayor.id, in_charge.id}:
                self.charged.append((self.ids.take(T.CHARGED.name), leader, pk))
        return place

    def _in_charge(self, place: Place, base: str, i: int) -> Person:
        for k, (_, _, codes) in enumerate(VICE_MAYOR_GROUPS):
            if base in codes:
                return place.leaders[k]
        return place.leaders[i % VICE_LEADERS]

    def _unit_specs(
        self, j: Jurisdiction, level: str, count: int, demo_city: bool, demo_county: bool
    ) -> list[tuple[str, str, str, str, str, str]]:
        """(account code, routing code, name, abbreviation, division, duties) of the place's units."""
        out: list[tuple[str, str, str, str, str, str]] = []
        taken: set[str] = set()
        if demo_county:
            for u in COUNTY_UNITS:
                base = COUNTY_CODE_OF.get(u.code, u.code)
                out.append((u.code, base, u.name, u.abbr, u.division, u.duties))
                taken.add(base)
        demo_specs: dict[str, UnitSpec] = {u.code: u for u in CITY_UNITS} if demo_city else {}
        for code, name, abbr, division, duties in _city_specs():
            if len(out) >= count:
                break
            if code in taken:
                continue
            if code in demo_specs:
                u = demo_specs[code]
                out.append((code, code, u.name, u.abbr, u.division, u.duties))
                continue
            full = f"{j.name}{name}"
            if level == "县":
                full = full.replace("委员会", "局") if name.endswith("和改革委员会") else full
            account = f"x{code}" if demo_county else code
            out.append((account, code, full, abbr, division, duties.replace("全市", f"全{level}")))
        return out

    def _sessions(self, places: list[Place]) -> list[Row]:
        sessions: list[Row] = []
        for place in places:
            offset = 0 if place.level == "市" else -1
            for year in self.years:
                pk = self.ids.take(Session._meta.db_table)
                name = session_name(year, self.current_year, offset)
                sessions.append((pk, place.id, name, year, False))
                place.sessions[year] = (pk, name)
        return sessions
