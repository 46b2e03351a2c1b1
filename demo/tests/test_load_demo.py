"""``load_demo`` end to end: the city, its people, proposals at every step, genuine history, sane statistics.

The demo is loaded once for these tests and test_demo_published's (demo/tests/conftest.py, inside a
transaction rolled back after them); each test runs in its own savepoint on top of it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import timezone

from conftest import Api
from demo.loader import PASSWORD, Loader, demo_city
from demo.reset import wipe_demo
from demo.units import CITY_UNITS, COUNTY_UNITS
from handling.models import Assignment, ExtensionRequest, Feedback, HandlingForm, Reminder, ReplyMeeting
from handling.states import AssignmentRole, State
from history.models import Event
from organisation.models import Department, Jurisdiction, User
from proposals.models import Proposal, ProposalStatus, Session
from spotchecks.models import SpotCheck, SpotCheckItem
from supervision.models import Milestone, Plan

# One worker for every test of the demo under `pytest -n 2 --dist loadgroup`: it loads the demo once.
pytestmark = [pytest.mark.django_db(transaction=False), pytest.mark.xdist_group("demo")]


def named_users() -> list[str]:
    names = ["office", "cppcc", "mayor", "county_office", "county_cppcc"]
    names += [f"vicemayor{i}" for i in range(1, 5)] + [f"member{i}" for i in range(1, 21)]
    for spec in CITY_UNITS + COUNTY_UNITS:
        names += [f"{spec.code}_head", f"{spec.code}_leader", f"{spec.code}_handler"]
    return names


def test_city_units_and_users(demo_output: str) -> None:
    city = demo_city()
    assert city is not None
    county = Jurisdiction.objects.get(parent=city)
    assert county.name == "示例县"
    units = Department.objects.filter(jurisdiction=city)
    assert units.count() >= 30
    assert all(d.duties and d.code for d in units)
    assert Department.objects.filter(jurisdiction=county).count() >= 3
    for username in named_users():
        # a request, as a real sign-in has: the lock-out backend (axes) needs one
        user = authenticate(RequestFactory().post("/login/"), username=username, password=PASSWORD)
        assert user is not None, username
        assert user.is_superuser or user.name, username
    assert User.objects.get(username="mayor").charged_departments.count() == units.count()
    charged = set()
    for i in range(1, 5):
        charged |= set(User.objects.get(username=f"vicemayor{i}").charged_departments.values_list("pk", flat=True))
    assert charged == set(units.values_list("pk", flat=True))  # every unit has a vice mayor in charge


def test_proposals_cover_every_step(demo_output: str) -> None:
    city = demo_city()
    assert city is not None
    proposals = Proposal.objects.filter(jurisdiction_id__in=city.descendant_ids())
    assert proposals.count() >= 250
    sessions = Session.objects.filter(jurisdiction=city)
    assert sessions.filter(is_daily=True).exists()
    past = sessions.get(name="十四届一次会议")
    assert set(Proposal.objects.filter(session=past).values_list("status", flat=True)) == {ProposalStatus.CLOSED}
    assert set(proposals.values_list("status", flat=True)) == set(ProposalStatus.values)
    assignments = Assignment.objects.filter(proposal__in=proposals)
    lead_states = set(assignments.filter(role=AssignmentRole.LEAD).values_list("state", flat=True))
    assert lead_states == set(State.values) - {State.OPINION_SUBMITTED}
    co_states = set(assignments.filter(role=AssignmentRole.CO).values_list("state", flat=True))
    assert {State.PENDING, State.RECEIVED, State.OPINION_SUBMITTED} <= co_states
    # Separate handling (分别主办): a few proposals have two active leads.
    per_proposal: defaultdict[int, int] = defaultdict(int)
    for pid in (
        assignments.filter(role=AssignmentRole.LEAD)
        .exclude(state=State.WITHDRAWN)
        .values_list("proposal_id", flat=True)
    ):
        per_proposal[pid] += 1
    assert any(n >= 2 for n in per_proposal.values())
    # Key proposals and 建议案 went up to the leaders and were answered at meetings of several.
    assert proposals.filter(is_key=True).count() >= 10
    assert proposals.filter(is_suggestion=True).exists()
    assert any(m.assignments.count() >= 2 for m in ReplyMeeting.objects.all())
    # Members see their own proposals, some rated online, some entered on paper by the CPPCC.
    assert Proposal.objects.filter(proposers__user__username="member1").count() >= 3
    assert Feedback.objects.filter(on_paper=True).exists() and Feedback.objects.filter(on_paper=False).exists()
    assert Feedback.objects.filter(decisive=False).exists()  # a co-signer rated too


def test_history_follows_every_assignment(demo_output: str) -> None:
    """Each assignment's events chain from state to state and end at its current state."""
    events: dict[int, list[tuple[str, str]]] = defaultdict(list)
    rows = Event.objects.filter(assignment__isnull=False).order_by("pk")
    for aid, frm, to in rows.values_list("assignment_id", "from_state", "to_state"):
        events[aid].append((frm, to))
    assignments = list(Assignment.objects.values_list("pk", "state"))
    assert assignments
    for pk, state in assignments:
        chain = events[pk]
        assert chain and chain[0] == ("", State.PENDING), pk
        for (_, to), (frm, _) in zip(chain, chain[1:], strict=False):
            assert frm == to, (pk, chain)
        last = [to for _, to in chain if to][-1]
        assert last == state, (pk, chain, state)


def test_history_has_believable_times(demo_output: str) -> None:
    """Events are in order, never in the future, and carry the dates the steps record (not the load time)."""
    now = timezone.now()
    previous: dict[int, Any] = {}
    days = set()
    for pid, at in Event.objects.order_by("pk").values_list("proposal_id", "at"):
        assert at <= now
        assert pid not in previous or at >= previous[pid], pid
        previous[pid] = at
        days.add(timezone.localtime(at).date())
    assert len(days) > 100  # spread over the year, not all at the moment of loading
    # The records the steps wrote carry their events' times, so a page never shows two dates for a step.
    requested = {e.data["extension_id"]: e.at for e in Event.objects.filter(action="request_extension")}
    assert requested and all(x.requested_at == requested[x.pk] for x in ExtensionRequest.objects.all())
    reminded = {e.data["reminder_id"]: e.at for e in Event.objects.filter(action="remind")}
    assert reminded and all(r.created_at == reminded[r.pk] for r in Reminder.objects.all())
    approvals = set(Event.objects.filter(action="approve_form").values_list("assignment_id", "at"))
    forms = HandlingForm.objects.filter(approved_at__isnull=False)
    assert forms and all((f.assignment_id, f.approved_at) in approvals for f in forms)
    registered = dict(Event.objects.filter(action="register").values_list("proposal_id", "at"))
    assert registered and all(p.created_at == registered[p.pk] for p in Proposal.objects.all())
    for e in Event.objects.filter(action="sign_reply")[:200]:
        assert timezone.localtime(e.at).date() >= date.fromisoformat(e.data["signed_on"])
    for a in Assignment.objects.all()[:200]:
        first = Event.objects.filter(assignment=a, action="assign").get()
        assert timezone.localtime(first.at).date() >= a.assigned_on


# What a workbench says where a section has nothing to show; the demo must not leave any of them empty.
EMPTY_SECTIONS = [
    "没有待交办的提案", "没有待审批的延期申请", "没有待审批的退回申请", "没有待审核的答复", "没有待您审定的答复",
    "没有未办结的交办事项", "没有未完成的跟踪落实事项", "没有待协商的延期申请", "没有等待反馈的答复",
    "没有重点提案或建议案", "没有需要您处理的事项", "暂无领导批示",
]  # fmt: skip


def test_history_chain_verifies_after_backdating(demo_output: str) -> None:
    """The back-dated times are rewritten in maintenance, which re-chains them (history/maintenance.py)."""
    from history.integrity import verify_history

    broken, n = verify_history()
    assert broken is None and n == Event.objects.count() > 0


def test_every_workbench_is_filled(demo_output: str) -> None:
    """`make demo` shows each role something to do: every workbench has rows that link to real cases."""
    from django.test import Client

    pages = {
        "office": ("/office/", ["待交办提案", "待审批的退回申请", "待审批的延期申请", "待审核的答复", "督办看板"]),
        "jyj_handler": ("/unit/", ["需要我处理", "跟踪落实事项"]),
        "jyj_head": ("/unit/", ["需要我处理"]),
        "mayor": ("/leader/", ["待审定的答复", "重点提案和建议案"]),
        "cppcc": ("/cppcc/", ["延期申请待协商", "待反馈"]),
        "member1": ("/my/", ["待您评价"]),
    }
    for username, (url, sections) in pages.items():
        c = Client()
        c.force_login(User.objects.get(username=username))
        html = c.get(url).content.decode()
        for section in sections:
            assert section in html, (username, section)
        empty = [m for m in EMPTY_SECTIONS if m in html]
        assert not empty, (username, empty)
        assert html.count('href="/assignments/') + html.count('href="/proposals/') + html.count('href="/my/') > 5, (
            username
        )
    public = Client().get("/public/").content.decode()
    assert public.count('href="/public/') > 10


def test_lights_are_mostly_green(demo_output: str) -> None:
    today = timezone.localdate()
    watched = Assignment.objects.filter(watch_on__isnull=False).values_list("watch_on", flat=True)
    left = [(w - today).days for w in watched if w is not None]
    red = sum(1 for d in left if d < 0)
    yellow = sum(1 for d in left if 0 <= d <= 15)
    green = len(left) - red - yellow
    assert red > 0 and yellow > 0 and green > red + yellow


def test_stats_are_sane(demo_output: str) -> None:
    office = User.objects.get(username="office")
    resp = Api(office).get("/stats")
    assert resp.status == 200, resp.data
    totals = resp.data["totals"]
    assert totals["assigned"] > 200 and 0 < totals["replied"] <= totals["assigned"]
    assert totals["overdue"] > 0 and totals["extensions"] > 0 and totals["rehandled"] > 0
    for key, value in totals.items():
        if key.endswith("_rate"):
            assert value is not None and 0 <= value <= 1, (key, value)
    for row in resp.data["departments"]:
        for key, value in row.items():
            if key.endswith("_rate") and value is not None:
                assert 0 <= value <= 1, (row["name"], key, value)
    member = User.objects.get(username="member1")
    mine = Api(member).get("/proposals")
    assert mine.status == 200 and mine.data["total"] >= 3


def test_no_superuser_unless_asked(demo_output: str) -> None:
    """No account with the published password is a superuser unless ``--with-admin``; then exactly one."""
    assert not User.objects.filter(is_superuser=True).exists()
    out = StringIO()
    call_command("load_demo", "--with-admin", stdout=out)
    assert "已补建超级用户 admin" in out.getvalue()
    admins = list(User.objects.filter(is_superuser=True))
    assert [u.username for u in admins] == ["admin"]
    assert admins[0].jurisdiction == demo_city()  # goes with the demo on --reset
    assert authenticate(RequestFactory().post("/login/"), username="admin", password=PASSWORD) == admins[0]
    call_command("load_demo", "--with-admin", stdout=StringIO())
    assert User.objects.filter(is_superuser=True).count() == 1


def test_second_run_changes_nothing(demo_output: str) -> None:
    assert "演示账号" in demo_output and "demo-2026" in demo_output and "/api/v1/docs" in demo_output
    assert re.search(r"绿灯 [1-9]\d*  黄灯 [1-9]\d*  红灯 [1-9]", demo_output), demo_output[-2000:]
    models = (User, Proposal, Assignment, Event, Plan, Milestone, SpotCheck, SpotCheckItem)
    counts = [m._default_manager.count() for m in models]
    assert all(counts)
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert "已载入" in out.getvalue()
    assert counts == [m._default_manager.count() for m in models]


def test_output_shows_progress_and_the_address_served(demo_output: str) -> None:
    """Every stage says when it is done and how long it took; the banner names the port ``--url`` gave;
    the security log stayed quiet, but its audit entries were written."""
    from audit.models import AuditEntry

    finished = re.findall(r"^\[(\d)/8\] .+（用时 \d+\.\d 秒）$", demo_output, re.MULTILINE)
    assert finished == [str(n) for n in range(1, 9)], demo_output[:3000]
    assert "[3/8] 示例市 " in demo_output and "\x1b" not in demo_output and "\r" not in demo_output
    assert "网址：http://127.0.0.1:8123/    接口文档：http://127.0.0.1:8123/api/v1/docs" in demo_output
    assert ":8000" not in demo_output
    written = int(re.search(r"已写入 (\d+) 条安全审计记录", demo_output)[1])  # type: ignore[index]
    assert written >= AuditEntry.objects.filter(kind="user_created").count() > 100


def test_wipe_removes_the_demo(demo_output: str) -> None:
    """What ``--reset`` does first: every demo row goes, protected foreign keys notwithstanding."""
    assert wipe_demo() > 0
    assert demo_city() is None
    assert not User.objects.filter(username__in=["office", "jyj_handler", "member1"]).exists()
    assert Proposal.objects.count() == Event.objects.count() == Assignment.objects.count() == 0
    assert not Plan.objects.exists() and not SpotCheck.objects.exists()


def test_generated_proposals_when_the_real_data_is_absent(tmp_path: Path) -> None:
    lines: list[str] = []
    sources, real = Loader(write=lines.append, data_dir=tmp_path / "absent")._sources()
    assert not real and "未找到真实提案数据" in lines[0]
    assert len(sources) >= 250 and len({s.title for s in sources}) == len(sources)
    assert all(s.body and s.category and s.proposer for s in sources)
