"""``load_scale`` at a small size: what it writes, that it is consistent, and that the product reads it.

The province is loaded twice in one module transaction (rolled back at the end): first generated in this
process, then rolled back and generated again in a forked child with the indexes dropped and re-created.
Both loads must be identical row for row; the tests then read the second one.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from hashlib import sha256
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, models, transaction
from django.test import Client
from django.utils import timezone

from demo.loader import PASSWORD
from demo.scale import sink, tables, words
from handling import deadlines
from handling.models import Assignment, Feedback, FollowUpItem, LetterSequence, Reply
from handling.states import AssignmentRole, State, derive_proposal_status
from history.chain import event_hash
from history.models import Event
from organisation.models import Department, Jurisdiction, User
from proposals.models import Instruction, Proposal, Proposer, Session
from workcalendar.counting import load_calendar

pytestmark = pytest.mark.django_db(transaction=False)

ARGS = ("--proposals", "300", "--seed", "7")
TABLES = [t.name for t in tables.ORDER]


@dataclass
class Loaded:
    first_output: str
    output: str
    first_digest: str
    digest: str
    indexes_before: list[tuple[str, str, str]]


def digest() -> str:
    """Everything the load chose: ids, names, texts, dates, states and the hash chain."""
    h = sha256()
    for qs in (
        User.objects.order_by("pk").values_list("pk", "username", "name", "role", "department_id"),
        Department.objects.order_by("pk").values_list("pk", "name", "code"),
        Proposal.objects.order_by("pk").values_list("pk", "session_id", "number", "title", "status", "created_at"),
        Proposer.objects.order_by("pk").values_list("pk", "proposal_id", "name", "user_id"),
        Assignment.objects.order_by("pk").values_list("pk", "department_id", "state", "due_on", "watch_on"),
        Reply.objects.order_by("pk").values_list("pk", "assignment_id", "version", "text", "delivered_on"),
        Event.objects.order_by("pk").values_list("pk", "proposal_id", "action", "at", "hash"),
    ):
        for row in qs.iterator(chunk_size=5000):
            h.update(repr(row).encode())
    return h.hexdigest()


@pytest.fixture(scope="module")
def loaded(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Loaded]:
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            before = sink.secondary_indexes(TABLES)
            sid = transaction.savepoint_create()
            first = StringIO()
            call_command(
                "load_scale", *ARGS, "--processes", "1", "--indexes", "keep", "--no-search-index", stdout=first
            )
            first_digest = digest()
            transaction.savepoint_rollback(sid)
            out = StringIO()
            call_command("load_scale", *ARGS, "--processes", "2", "--indexes", "rebuild", "--chunk", "100", stdout=out)
            yield Loaded(first.getvalue(), out.getvalue(), first_digest, digest(), before)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def sign_in(username: str) -> Client:
    """A client holding a bearer token got through the API's own sign-in, with the demo password."""
    client = Client()
    resp = client.post(
        "/api/v1/auth/token", json.dumps({"username": username, "password": PASSWORD}), content_type="application/json"
    )
    assert resp.status_code == 200, (username, resp.content)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {resp.json()['token']}"
    return client


# ---------------------------------------------------------------------------------------------------
# What is written


def test_the_places_file_side_by_side_through_the_year(loaded: Loaded) -> None:
    """Within a year the ids interleave the jurisdictions (demo.scale._interleaved), as a real province's do:
    the newest page of one jurisdiction's list is found near the top of the id index."""
    year = Proposal.objects.order_by("-year").values_list("year", flat=True).first()
    assert year is not None
    filed = Proposal.objects.filter(year=year)
    places = set(filed.values_list("jurisdiction_id", flat=True))
    # each place's last proposal of the year comes at the year's end: the newest ids are one of each place
    newest = filed.order_by("-id").values_list("jurisdiction_id", flat=True)[: len(places)]
    assert set(newest) == places and len(places) > 3


def test_counts_per_table(loaded: Loaded) -> None:
    assert Proposal.objects.count() == 300
    assert Jurisdiction.objects.count() == 15
    assert Jurisdiction.objects.filter(parent__isnull=False).count() == 4  # 示例市's counties
    assert Department.objects.count() == 15 * 40
    assert Session.objects.count() == 15 * 10
    assert set(Session.objects.values_list("year", flat=True)) == set(
        range(timezone.localdate().year - 9, 1 + timezone.localdate().year)
    )
    n_assignments = Assignment.objects.count()
    assert 1.2 <= n_assignments / 300 <= 1.7
    assert Assignment.objects.filter(role=AssignmentRole.CO).exists()
    assert 9 <= Event.objects.count() / 300 <= 15
    assert Reply.objects.count() >= 0.8 * Proposal.objects.count()
    assert Feedback.objects.exists() and FollowUpItem.objects.exists()
    # every role in every jurisdiction, and the government leaders in charge of every unit
    for j in Jurisdiction.objects.all():
        roles = set(User.objects.filter(jurisdiction=j).values_list("role", flat=True))
        assert {
            "office_staff",
            "cppcc_staff",
            "gov_leader",
            "dept_head",
            "dept_leader",
            "dept_handler",
            "member",
        } <= roles
        units = set(Department.objects.filter(jurisdiction=j).values_list("pk", flat=True))
        charged = set(
            User.objects.filter(jurisdiction=j, role="gov_leader").values_list("charged_departments", flat=True)
        )
        assert units <= charged
    # the summary counts what the database holds
    for table, model in ((tables.EVENT.name, Event), (tables.PROPOSAL.name, Proposal), (tables.REPLY.name, Reply)):
        assert f"{table}" in loaded.output
        line = next(x for x in loaded.output.splitlines() if x.strip().startswith(table + " "))
        assert int(line.split()[-1].replace(",", "")) == model.objects.count()


def test_progress_and_summary_are_printed(loaded: Loaded) -> None:
    out = loaded.output
    assert "[1/6]" in out and "[3/6] 生成并写入" in out
    assert "提案 300/300（100%）" in out and "件/秒" in out and "已用" in out
    assert "重建" in out and "各表写入行数" in out and "各阶段用时" in out
    assert "生成在子进程中进行" in out and "生成在本进程中进行" in loaded.first_output
    assert "rebuild_search_index" in out  # either run or said to be missing


def test_every_column_is_written() -> None:
    assert tables.unlisted_columns() == []
    assert tables.check_columns() == []


def test_same_seed_same_data_in_either_mode(loaded: Loaded) -> None:
    assert loaded.first_digest == loaded.digest


def test_indexes_are_re_created_as_they_were(loaded: Loaded) -> None:
    assert "去掉" in loaded.output
    assert sink.secondary_indexes(TABLES) == loaded.indexes_before


def test_no_foreign_key_points_nowhere(loaded: Loaded) -> None:
    """PostgreSQL skips the per-row checks during the load (replica role): every key must still resolve."""
    for model in tables.MODELS:
        for f in model._meta.concrete_fields:
            if isinstance(f, models.ForeignKey):
                target = f.related_model._default_manager.values("pk")
                orphans = model._default_manager.filter(**{f"{f.name}__isnull": False}).exclude(
                    **{f"{f.name}__in": target}
                )
                assert not orphans.exists(), (model.__name__, f.name)


def test_text_lengths_are_real(loaded: Loaded) -> None:
    bodies = [len(b) for b in Proposal.objects.values_list("body", flat=True)]
    replies = [len(t) for t in Reply.objects.values_list("text", flat=True)]
    assert sum(bodies) / len(bodies) > 1000
    assert sum(replies) / len(replies) > 750  # from the title on: the markers, 文号 and 签发人 are the records'
    if "未找到真实提案数据" not in loaded.first_output:  # real texts are placed in their city
        city_bodies = Proposal.objects.filter(jurisdiction__name="示例市").values_list("body", flat=True)[:50]
        assert "示例市" in "".join(city_bodies)


def test_without_the_data_folder_text_is_generated_at_real_length(tmp_path: Any) -> None:
    sources, note = words.sources(random.Random(1), str(tmp_path))
    assert "未找到真实提案数据" in note and len(sources) >= 200
    assert sum(len(s.body) for s in sources) / len(sources) > 1200
    assert len({s.title for s in sources}) == len(sources)


# ---------------------------------------------------------------------------------------------------
# Consistent as the actions would have left it


def test_every_state_in_the_current_year_and_old_years_closed(loaded: Loaded) -> None:
    year = timezone.localdate().year
    current = set(Assignment.objects.filter(year=year).values_list("state", flat=True))
    assert current == set(State.values)
    old = Counter(Assignment.objects.filter(year__lt=year, role=AssignmentRole.LEAD).values_list("state", flat=True))
    assert set(old) <= {State.CLOSED, State.WITHDRAWN}
    assert old[State.CLOSED] > 0.95 * sum(old.values())
    assert set(Proposal.objects.filter(year__lt=year).values_list("status", flat=True)) == {"closed"}


def test_status_follows_the_lead_assignments(loaded: Loaded) -> None:
    leads: dict[int, list[str]] = {}
    for pid, state in Assignment.objects.filter(role=AssignmentRole.LEAD).values_list("proposal_id", "state"):
        leads.setdefault(pid, []).append(state)
    for pid, status in Proposal.objects.values_list("pk", "status"):
        assert derive_proposal_status(leads.get(pid, [])) == status, pid


def test_deadlines_and_summary_columns_are_the_actions(loaded: Loaded) -> None:
    cal = load_calendar()
    today = timezone.localdate()
    checked = 0
    for a in Assignment.objects.select_related("proposal__jurisdiction").iterator():
        d = deadlines.for_assignment(a.assigned_on, a.proposal.jurisdiction.time_rules, cal)
        assert a.max_due_on == d.max_due_on and a.return_deadline == d.return_deadline
        assert a.co_opinion_due == (d.co_opinion_due if a.role == AssignmentRole.CO else None)
        if not a.extensions_approved and not a.rehandled:
            assert a.due_on == d.due_on
            checked += 1
        assert a.assigned_on <= today
        if a.state in (State.WITHDRAWN, State.REPLIED, State.CLOSED, State.OPINION_SUBMITTED):
            assert a.watch_on is None and a.remind_on is None
        else:
            assert a.watch_on == (a.co_opinion_due if a.role == AssignmentRole.CO else a.due_on)
            assert a.remind_on == deadlines.next_reminder(a.watch_on, today)
        if a.state in (State.REPLIED, State.CLOSED):
            assert a.first_replied_on is not None and a.first_replied_on >= a.assigned_on
            assert a.delivered_class in "ABC" and a.self_check_due is not None
        if a.state == State.CLOSED:
            assert a.feedback_result in ("satisfied", "basically_satisfied")
    assert checked > 200


def test_read_path_columns_are_written_as_the_actions_keep_them(loaded: Loaded) -> None:
    """The assignment's jurisdiction and the published-reply marker, when the product has those columns."""
    if not (tables.ASSIGNMENT_JURISDICTION or tables.REPLY_PUBLISHED):
        pytest.skip("no read-path columns in this version of the models")
    assert "核对无误" in loaded.output  # handling.actions.fill_read_columns found nothing to change
    if tables.ASSIGNMENT_JURISDICTION:
        for a in Assignment.objects.select_related("proposal").iterator():
            assert a.jurisdiction_id == a.proposal.jurisdiction_id
    if tables.ASSIGNMENT_KEY_FLAG:
        key = 0
        for a in Assignment.objects.select_related("proposal").iterator():
            assert a.is_key_or_suggestion == (a.proposal.is_key or a.proposal.is_suggestion), a.pk
            key += a.is_key_or_suggestion
        assert key > 0
    items = FollowUpItem.objects.select_related("assignment")
    assert items.exists() and all(i.handling_unit_id == i.assignment.department_id for i in items)
    given = Instruction.objects.select_related("proposal")
    assert given.exists() and all(i.jurisdiction_id == i.proposal.jurisdiction_id for i in given)
    if tables.REPLY_PUBLISHED:
        published = 0
        for a in Assignment.objects.select_related("proposal").prefetch_related("replies"):
            replies = sorted(a.replies.all(), key=lambda r: r.version)
            delivered = [r for r in replies if r.delivered_on is not None]
            for r in replies:
                latest = bool(delivered) and r is delivered[-1]
                public = latest and r.is_public and a.proposal.is_public
                assert r.published_on == (r.delivered_on if public else None), r.pk
                assert r.published_year == (a.proposal.year if public else None), r.pk
                published += public
        assert published > 100


def test_history_chain_verifies(loaded: Loaded) -> None:
    out = StringIO()
    call_command("verify_history", stdout=out)
    assert "哈希链全部一致" in out.getvalue()
    # and each proposal's history starts with its registration, in time order
    e = Event.objects.order_by("pk").first()
    assert e is not None and e.action == "register" and e.prev_hash == ""
    assert e.hash == event_hash(proposal_id=e.proposal_id, assignment_id=e.assignment_id, actor_id=e.actor_id,
                                action=e.action, from_state=e.from_state, to_state=e.to_state, data=e.data, at=e.at,
                                prev_hash="")  # fmt: skip
    times = list(Event.objects.filter(proposal_id=e.proposal_id).order_by("pk").values_list("at", flat=True))
    assert times == sorted(times) and times[-1] <= timezone.now()


def test_signed_letters_are_numbered_per_unit_and_year_as_signing_numbers_them(loaded: Loaded) -> None:
    """Every signed letter has its 文号 from its unit's yearly sequence, 1, 2, 3 … without a gap; a version the
    office made at its review keeps the number of the one it copies; the sequences end at the last number."""
    prefixes = {d.pk: d.letter_prefix for d in Department.objects.select_related("jurisdiction")}
    assert not Reply.objects.filter(signed_on__isnull=True).exclude(document_number="").exists()
    seqs: dict[tuple[int, int], dict[int, set[tuple[Any, ...]]]] = {}
    signed = 0
    rows = Reply.objects.filter(signed_on__isnull=False).values_list(
        "assignment_id", "assignment__department_id", "signed_on", "signed_by_id", "document_number",
        "document_year", "document_seq",
    )  # fmt: skip
    for assignment_id, dept, signed_on, signer, number, year, seq in rows:
        signed += 1
        assert signed_on is not None and year == signed_on.year and seq is not None and seq >= 1
        assert number == f"{prefixes[dept]}〔{year}〕{seq}号"
        seqs.setdefault((dept, year), {}).setdefault(seq, set()).add((assignment_id, signed_on, signer))
    assert signed > 200
    for key, numbers in seqs.items():
        assert sorted(numbers) == list(range(1, len(numbers) + 1)), key  # no gap
        assert all(len(letters) == 1 for letters in numbers.values()), key  # one letter per number
    for changed in Reply.objects.filter(note__contains="调整为").select_related("assignment"):  # the office's review
        copied = Reply.objects.get(assignment=changed.assignment, version=changed.version - 1)
        assert changed.document_number == copied.document_number != ""
    sequences = dict(((s.department_id, s.year), s.last) for s in LetterSequence.objects.all())
    assert sequences == {key: max(numbers) for key, numbers in seqs.items()}
    # the history's sign_reply events carry the number, as the signing action writes it
    events = Event.objects.filter(action="sign_reply").values_list("data", flat=True)
    assert {e["document_number"] for e in events} == set(
        Reply.objects.exclude(document_number="").values_list("document_number", flat=True)
    )
    assert "答复函文号序列" in loaded.output


def test_a_signing_after_the_load_takes_the_next_number(loaded: Loaded) -> None:
    """A unit that signed letters this year in the load drafts and signs another: the next number, not one the
    load gave (the sequence continues; a sequence starting at 0 again would repeat 1)."""
    year = timezone.localdate().year
    sequences = dict(((s.department_id, s.year), s.last) for s in LetterSequence.objects.filter(year=year))
    open_cases = Assignment.objects.filter(
        year=year, role=AssignmentRole.LEAD, state__in=(State.HANDLING, State.REHANDLING, State.REPLY_DRAFTED)
    ).select_related("department__jurisdiction")
    a = next((x for x in open_cases.order_by("pk") if (x.department_id, year) in sequences), None)
    assert a is not None
    last = sequences[(a.department_id, year)]
    sid = transaction.savepoint_create()
    try:
        handler = User.objects.get(department=a.department, role="dept_handler")
        head = User.objects.get(department=a.department, role="dept_head")
        draft = {"text": "关于您提出的建议，答复如下：……", "result_class": "B", "method": "written", "is_public": True,
                 "contact_person": "王老师", "contact_phone": "0512-1234567"}  # fmt: skip
        resp = sign_in(handler.username).post(
            f"/api/v1/assignments/{a.pk}/draft-reply", json.dumps(draft), content_type="application/json"
        )
        assert resp.status_code == 200, resp.content
        resp = sign_in(head.username).post(
            f"/api/v1/assignments/{a.pk}/sign-reply", "{}", content_type="application/json"
        )
        assert resp.status_code == 200, resp.content
        number = f"{a.department.letter_prefix}〔{year}〕{last + 1}号"
        reply = Reply.objects.filter(assignment=a).order_by("-version").first()
        assert reply is not None and reply.document_number == number and reply.document_seq == last + 1
        assert Reply.objects.filter(document_number=number).count() == 1  # not a number the load gave
        assert LetterSequence.objects.get(department=a.department, year=year).last == last + 1
    finally:
        transaction.savepoint_rollback(sid)


# ---------------------------------------------------------------------------------------------------
# The product reads it


def test_demo_accounts_sign_in_and_read_the_lists(loaded: Loaded) -> None:
    office = sign_in("office")
    resp = office.get("/api/v1/proposals")
    assert resp.status_code == 200
    items = resp.json()["items"]
    assert items
    city = Jurisdiction.objects.get(name="示例市")
    visible = set(city.descendant_ids())
    assert {Proposal.objects.get(pk=i["id"]).jurisdiction_id for i in items} <= visible
    for username in ("cppcc", "mayor", "member1", "county_office", "jyj_handler", "xjyj_handler", "auditor"):
        sign_in(username)


def test_detail_for_the_office_and_a_unit(loaded: Loaded) -> None:
    a = (
        Assignment.objects.filter(proposal__jurisdiction__name="示例市", role=AssignmentRole.LEAD, state=State.CLOSED)
        .select_related("department")
        .order_by("pk")
        .first()
    )
    assert a is not None
    n_events = Event.objects.filter(proposal_id=a.proposal_id).count()
    for client in (sign_in("office"), sign_in(f"{a.department.code}_handler")):
        resp = client.get(f"/api/v1/proposals/{a.proposal_id}")
        assert resp.status_code == 200, resp.content
        data = resp.json()
        assert data["status"] == "closed"
        assert a.pk in {x["id"] for x in data["assignments"]}
        assert len(data["events"]) == n_events
    unit = sign_in(f"{a.department.code}_handler")
    resp = unit.get("/api/v1/assignments", {"proposal": a.proposal_id})
    assert resp.status_code == 200
    assert a.pk in {x["id"] for x in resp.json()["items"]}


def test_append_adds_another_province_with_prefixed_accounts(loaded: Loaded) -> None:
    sid = transaction.savepoint_create()
    try:
        args = ("--proposals", "20", "--jurisdictions", "2", "--units", "6", "--years", "1", "--no-search-index")
        out = StringIO()
        call_command("load_scale", *args, "--append", stdout=out)
        assert Proposal.objects.count() == 320
        assert Jurisdiction.objects.count() == 17
        assert "本次的账号一律带辖区前缀" in out.getvalue()
        assert User.objects.filter(username__in=["c16_office", "c16_cppcc", "c17_office"]).count() == 3
        assert User.objects.filter(username="office", jurisdiction__name="示例市").exists()  # untouched
        sign_in("c16_office")
        verify = StringIO()
        call_command("verify_history", stdout=verify)
        assert "哈希链全部一致" in verify.getvalue()
    finally:
        transaction.savepoint_rollback(sid)


def test_refuses_a_database_that_has_proposals(loaded: Loaded) -> None:
    with pytest.raises(CommandError, match="已有 300 件提案"):
        call_command("load_scale", "--proposals", "10", stdout=StringIO())
    assert connection.vendor in ("sqlite", "postgresql")
