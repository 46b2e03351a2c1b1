"""Every kind of automatic reminder (handling.reminders.KINDS) goes out once, on its day, to the right
people: the return window, the self-check, the proposer's rating, B-class follow-up items, re-handling.

Each day is scanned by a worker started afresh, twice (a restart): the second finds nothing to send.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection, connections, transaction
from django.utils import timezone

from conftest import Api, World, assign, file_proposal
from handling import reminders
from handling.deadlines import next_reminder
from handling.models import Assignment, FollowUpItem, Reminder, ReminderKind
from history.models import Event
from notifications.models import Notification
from proposals.models import Proposal
from tests.test_concurrency import run_together
from tests.test_transitions import advance_lead
from worker.runner import Worker

K = ReminderKind
SATISFIED = {"attitude": "satisfied", "result": "satisfied"}
UNSATISFIED = {"attitude": "basically_satisfied", "result": "unsatisfied"}


def at(day: date, hour: str = "09:00") -> Any:
    return time_machine.travel(f"{day.isoformat()} {hour} +0800", tick=False)


def scan(day: date) -> int:
    """A worker started afresh on ``day`` at 08:00, running its scans once; the reminders it sent."""
    with at(day, "08:00"):
        return Worker(scan_interval=600).run_scans()["reminders"]


def scan_days(start: date, end: date, on_day: dict[date, Any] | None = None) -> None:
    """Scan every day from ``start`` to ``end`` twice (the worker restarted): the second sends nothing.
    ``on_day[d]()`` runs at 10:00 on day d, after that day's scans."""
    day = start
    while day <= end:
        scan(day)
        assert scan(day) == 0, day
        if on_day and day in on_day:
            with at(day, "10:00"):
                on_day[day]()
        day += timedelta(days=1)


def sent(kind: ReminderKind, assignment_id: int) -> list[date]:
    rows = Reminder.objects.filter(assignment_id=assignment_id, kind=kind).order_by("pk")
    return [timezone.localdate(r.created_at) for r in rows]


def points(deadline: date, start: date, end: date, *, weekly: bool = True) -> list[date]:
    """The reminder days of domain.md §6 for a deadline, between two days."""
    days, point = [], next_reminder(deadline, start)
    while point is not None and point <= end and (weekly or point <= deadline):
        days.append(point)
        point = next_reminder(deadline, point, inclusive=False)
    return days


def post(user: Any, aid: int, action: str, body: Any = None) -> dict[str, Any]:
    resp = Api(user).post(f"/assignments/{aid}/{action}", body or {})  # a fresh token: months pass here
    assert resp.status == 200, (action, resp.status, resp.data)
    return resp.data


def replied_lead(world: World, day: date, result_class: str = "A") -> tuple[int, Assignment]:
    with at(day):
        p = file_proposal(world)
        aid = assign(world, p["id"], [(world.jyj, "lead")])["assignments"][0]["id"]
        advance_lead(world, aid, "replied", result_class=result_class)
    return p["id"], Assignment.objects.get(pk=aid)


def check_history(assignment_id: int, kind: ReminderKind) -> None:
    """Every reminder of the kind is in the history, with its kind, and messaged its people once each."""
    reminders_ = list(Reminder.objects.filter(assignment_id=assignment_id, kind=kind))
    events = [
        e for e in Event.objects.filter(assignment_id=assignment_id, action="remind") if e.data.get("kind") == kind
    ]
    assert sorted(e.data["reminder_id"] for e in events) == sorted(r.pk for r in reminders_)
    assert reminders_, kind  # else the checks below hold of nothing
    keys = Counter(
        Notification.objects.filter(key__startswith=f"remind:{kind}:", assignment_id=assignment_id).values_list(
            "key", "user"
        )
    )  # one message per recipient per reminder, one key per reminder
    assert keys and set(keys.values()) == {1}
    assert len({k for k, _ in keys}) == len(reminders_)


def test_the_return_window_until_the_unit_signs_for_it(world: World) -> None:
    start = date(2026, 3, 2)
    with at(start):
        waiting = assign(world, file_proposal(world)["id"], [(world.jyj, "lead")])["assignments"][0]
        signed = assign(world, file_proposal(world)["id"], [(world.zjj, "lead")])["assignments"][0]
        post(world.zjj_handler, signed["id"], "receive")
    window = date.fromisoformat(waiting["return_deadline"])
    assert window == date(2026, 3, 12)  # 10 calendar days (domain.md §6)
    scan_days(start, date(2026, 3, 31))

    # 5 days before and on the day; once the window has closed there is nothing to press for.
    assert sent(K.RETURN_WINDOW, waiting["id"]) == points(window, start, date(2026, 3, 31), weekly=False)
    assert sent(K.RETURN_WINDOW, waiting["id"]) == [date(2026, 3, 7), date(2026, 3, 12)]
    assert sent(K.RETURN_WINDOW, signed["id"]) == []  # signed for: no reminder of the window
    check_history(waiting["id"], K.RETURN_WINDOW)
    texts = list(
        Notification.objects.filter(user=world.jyj_handler, key__startswith="remind:return_window:")
        .order_by("pk")
        .values_list("text", flat=True)
    )
    assert len(texts) == 2
    assert "距退回期限（2026年3月12日）还有5天" in texts[0] and "今天是退回期限" in texts[1]
    assert all("请及时签收" in t and "申请退回" in t for t in texts)
    assert Assignment.objects.get(pk=waiting["id"]).return_remind_on is None


def test_the_proposers_rating_and_the_self_check(world: World) -> None:
    start = date(2026, 3, 2)
    pid, a = replied_lead(world, start)
    assert (a.feedback_due, a.self_check_due) == (date(2026, 3, 17), date(2026, 4, 2))
    assert a.feedback_due is not None and a.self_check_due is not None
    rated, checked = date(2026, 3, 25), date(2026, 4, 10)
    scan_days(
        start,
        date(2026, 4, 30),
        {
            rated: lambda: post(world.member1, a.pk, "feedback", SATISFIED),
            checked: lambda: post(world.jyj_handler, a.pk, "self-check", {"findings": "已落实", "fulfilled": True}),
        },
    )
    # The rating: from the delivery, 5 days before, on the day, weekly, until the member rates it.
    assert sent(K.FEEDBACK, a.pk) == [date(2026, 3, 2), date(2026, 3, 12), date(2026, 3, 17), date(2026, 3, 24)]
    assert sent(K.FEEDBACK, a.pk) == points(a.feedback_due, start, rated)
    # The self-check (回头看): until it is recorded.
    assert sent(K.SELF_CHECK, a.pk) == [date(2026, 3, 18), date(2026, 3, 28), date(2026, 4, 2), date(2026, 4, 9)]
    assert sent(K.SELF_CHECK, a.pk) == points(a.self_check_due, start, checked)
    for kind in (K.FEEDBACK, K.SELF_CHECK):
        check_history(a.pk, kind)

    # The rating reminder reaches the member, with the case; the self-check the unit, its head once late.
    to_member = Notification.objects.filter(key__startswith="remind:feedback:")
    assert {n.user_id for n in to_member} == {world.member1.pk}
    assert all(n.proposal_id == pid and "请对办理态度和办理结果作出评价" in n.text for n in to_member)
    assert "已超过反馈意见期限7天（期限为2026年3月17日）" in to_member.order_by("pk").last().text  # type: ignore[union-attr]
    to_unit = Notification.objects.filter(key__startswith="remind:self_check:")
    assert {n.user_id for n in to_unit} == {world.jyj_handler.pk, world.jyj_leader.pk, world.jyj_head.pk}
    assert {n.user_id for n in to_unit if "已超过" not in n.text} == {world.jyj_handler.pk, world.jyj_leader.pk}
    # The member's history does not show the internal reminders.
    member_events = Api(world.member1).get(f"/proposals/{pid}").data["events"]
    assert not [e for e in member_events if e["action"] == "remind"]


def test_a_proposer_without_an_account_is_chased_through_the_cppcc(world: World) -> None:
    start = date(2026, 3, 2)
    with at(start):
        p = file_proposal(world, proposers=[{"name": "王委员"}])
        aid = assign(world, p["id"], [(world.jyj, "lead")])["assignments"][0]["id"]
        advance_lead(world, aid, "replied")
    scan_days(start, start)
    [n] = Notification.objects.filter(key__startswith="remind:feedback:")
    assert n.user_id == world.cppcc.pk and "征询意见表" in n.text


def test_each_follow_up_item_until_it_is_done(world: World) -> None:
    start = date(2026, 3, 2)
    _, a = replied_lead(world, start, result_class="B")
    items = [
        {"text": "城区学校课后服务全覆盖", "department_id": world.jyj.pk, "person": "王科长", "due_on": "2026-05-15"},
        {"text": "新建学校配套用房", "department_id": world.zjj.pk, "person": "李处长", "due_on": "2026-06-30"},
    ]
    with at(start):
        post(world.jyj_handler, a.pk, "follow-up-plan", {"items": items})
    first, second = FollowUpItem.objects.filter(assignment=a).order_by("pk")
    done = date(2026, 5, 12)
    scan_days(
        start,
        date(2026, 7, 8),
        {done: lambda: post(world.jyj_handler, a.pk, "follow-up-done", {"item_id": first.pk, "note": "已完成"})},
    )
    by_item: dict[int, list[date]] = {first.pk: [], second.pk: []}
    for e in Event.objects.filter(assignment_id=a.pk, action="remind").order_by("pk"):
        if e.data.get("kind") == K.FOLLOW_UP:
            by_item[e.data["item_id"]].append(timezone.localdate(e.at))
    assert by_item[first.pk] == [date(2026, 4, 30), date(2026, 5, 10)]  # done on 12 May: no more
    assert by_item[second.pk] == [date(2026, 6, 15), date(2026, 6, 25), date(2026, 6, 30), date(2026, 7, 7)]
    assert len(sent(K.FOLLOW_UP, a.pk)) == 6
    check_history(a.pk, K.FOLLOW_UP)
    # Each item's reminders go to its own unit (the second is 市住建局's), naming the item.
    to_zjj = Notification.objects.filter(key__startswith=f"remind:follow_up:{second.pk}:")
    assert {n.user.department_id for n in to_zjj} == {world.zjj.pk}
    assert all("新建学校配套用房" in n.text and "李处长" in n.text for n in to_zjj)
    assert FollowUpItem.objects.get(pk=first.pk).remind_on is None


def test_re_handling_has_its_own_deadline_and_reminders(world: World) -> None:
    start, rated, end = date(2026, 3, 2), date(2026, 3, 5), date(2026, 4, 20)
    _, a = replied_lead(world, start)
    scan_days(start, end, {rated: lambda: post(world.member1, a.pk, "feedback", UNSATISFIED)})
    a.refresh_from_db()
    assert a.state == "rehandling" and a.rehandled
    assert date(2026, 4, 5) <= a.due_on < end - timedelta(days=6)  # a month from the rating, on a workday
    expected = points(a.due_on, rated + timedelta(days=1), end)
    assert sent(K.DEADLINE, a.pk) == expected and len(expected) >= 4
    texts = list(Reminder.objects.filter(assignment=a, kind=K.DEADLINE).values_list("message", flat=True))
    assert all("再次办理期限" in t for t in texts)
    assert sent(K.FEEDBACK, a.pk) == [date(2026, 3, 2)]  # rated on the 5th: the rating reminders stopped


def test_a_worker_killed_while_sending_sends_it_once_later(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    start = date(2026, 3, 2)
    with at(start):
        aid = assign(world, file_proposal(world)["id"], [(world.jyj, "lead")])["assignments"][0]["id"]
    day = date(2026, 3, 7)  # the return window's first reminder

    def crash(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("worker killed")

    monkeypatch.setattr(reminders, "notify", crash)
    with pytest.raises(RuntimeError), at(day, "08:00"):
        reminders.send_due_reminders()
    # Nothing of it survived: not the claim, the reminder, its event nor a message.
    assert Assignment.objects.get(pk=aid).return_remind_on == day
    assert not Reminder.objects.exists() and not Event.objects.filter(action="remind").exists()
    monkeypatch.undo()
    assert scan(day) == 1 and scan(day) == 0
    assert sent(K.RETURN_WINDOW, aid) == [day]


def test_rows_written_before_the_columns_get_their_dates_without_a_flood(world: World) -> None:
    start = date(2026, 3, 2)
    _, a = replied_lead(world, start)
    with at(start):
        waiting = assign(world, file_proposal(world)["id"], [(world.zjj, "lead")])["assignments"][0]["id"]
    # As the migration finds them (or load_scale's bulk rows): no reminder dates at all.
    Assignment.objects.update(remind_on=None, return_remind_on=None, self_check_remind_on=None, feedback_remind_on=None)
    day = date(2026, 3, 20)
    assert reminders.backfill(day) == 4  # the self-check, the rating, the reply deadline and the return window
    assert reminders.backfill(day) == 0  # idempotent
    assert scan(day) == 0  # 20 March is no reminder day of any of them: dated, not sent
    a.refresh_from_db()
    assert (a.self_check_remind_on, a.feedback_remind_on) == (date(2026, 3, 28), date(2026, 3, 24))
    assert Assignment.objects.get(pk=waiting).return_remind_on is None  # its window closed on 12 March
    assert scan(date(2026, 3, 24)) == 1 and sent(K.FEEDBACK, a.pk) == [date(2026, 3, 24)]


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL")
def test_two_workers_send_every_kind_once(world: World) -> None:
    start = date(2026, 3, 2)
    replied = [replied_lead(world, start, result_class="B")[1] for _ in range(4)]
    with at(start):
        waiting = [assign(world, file_proposal(world)["id"], [(world.zjj, "lead")])["assignments"][0] for _ in range(4)]
        for a in replied:
            item = {"text": "落实事项", "department_id": world.wjw.pk, "person": "张科长", "due_on": "2026-03-17"}
            post(world.jyj_handler, a.pk, "follow-up-plan", {"items": [item]})
    # 12 March: the return windows close; 17 March: the ratings and the follow-up items fall due.
    for day in (start, date(2026, 3, 7), date(2026, 3, 12), date(2026, 3, 17), date(2026, 3, 18)):
        with at(day, "08:00"):
            run_together(lambda i: Worker(scan_interval=600).run_scans()["reminders"])
    for w in waiting:
        assert sent(K.RETURN_WINDOW, w["id"]) == [date(2026, 3, 7), date(2026, 3, 12)]
    for a in replied:
        assert sent(K.FEEDBACK, a.pk) == [start, date(2026, 3, 12), date(2026, 3, 17)]
        assert sent(K.FOLLOW_UP, a.pk) == [start, date(2026, 3, 12), date(2026, 3, 17)]
        assert sent(K.SELF_CHECK, a.pk) == [date(2026, 3, 18)]
    per_key = Counter(Notification.objects.filter(key__startswith="remind:").values_list("key", "user"))
    assert per_key and set(per_key.values()) == {1}


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL")
def test_a_scan_passes_over_a_proposal_an_action_holds(world: World) -> None:
    """Actions lock the proposal, then the assignment; the scan takes them in the same order and skips a
    proposal that is held, so a scan and an action never wait on each other (no deadlock)."""
    start = date(2026, 3, 2)
    with at(start):
        held, free = (
            assign(world, file_proposal(world)["id"], [(world.jyj, "lead")])["assignments"][0] for _ in range(2)
        )
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                Proposal.objects.select_for_update(no_key=True).filter(pk=held["proposal_id"]).get()
                holding.set()
                release.wait(30)
        finally:
            connections.close_all()

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert holding.wait(10)
        assert scan(date(2026, 3, 7)) == 1  # did not wait for the held proposal
        assert sent(K.RETURN_WINDOW, free["id"]) == [date(2026, 3, 7)]
        assert sent(K.RETURN_WINDOW, held["id"]) == []
    finally:
        release.set()
        thread.join()
    assert scan(date(2026, 3, 7)) == 1  # released: the next scan sends it, once
    assert sent(K.RETURN_WINDOW, held["id"]) == [date(2026, 3, 7)]
