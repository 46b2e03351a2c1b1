"""Automatic reminders (催办) 15 and 5 days before the deadline, on the day, then weekly; notifications."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from conftest import Api, act, assign, file_proposal
from handling.deadlines import next_reminder
from handling.models import Reminder
from handling.reminders import send_due_reminders
from notifications.models import Notification


def test_reminder_schedule():
    due = date(2026, 6, 2)
    assert next_reminder(due, date(2026, 3, 2)) == date(2026, 5, 18)
    assert next_reminder(due, date(2026, 5, 18)) == date(2026, 5, 18)
    assert next_reminder(due, date(2026, 5, 18), inclusive=False) == date(2026, 5, 28)
    assert next_reminder(due, date(2026, 5, 28), inclusive=False) == due
    assert next_reminder(due, due, inclusive=False) == date(2026, 6, 9)
    assert next_reminder(due, date(2026, 6, 10)) == date(2026, 6, 16)
    assert next_reminder(due, date(2026, 6, 16)) == date(2026, 6, 16)
    assert next_reminder(None, due) is None


@pytest.fixture
def run_reminders(django_capture_on_commit_callbacks):
    def run(on: str) -> int:
        with time_machine.travel(on + " 08:00 +0800", tick=False), django_capture_on_commit_callbacks(execute=True):
            return send_due_reminders()

    return run


def test_reminders_follow_the_deadline_and_stop_after_the_reply(world, run_reminders):
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False):
        p = file_proposal(world)
        lead = assign(world, p["id"], [(world.jyj, "lead")])["assignments"][0]
    assert lead["due_on"] == "2026-06-02"
    assert run_reminders("2026-05-17") == 0
    assert run_reminders("2026-05-18") == 1
    assert run_reminders("2026-05-18") == 0  # never twice for the same date
    assert run_reminders("2026-06-09") == 1  # missed runs collapse into one reminder
    texts = list(Reminder.objects.filter(assignment_id=lead["id"]).order_by("pk").values_list("message", flat=True))
    assert "还有15天" in texts[0] and "已超过办复期限7天" in texts[1]
    # The overdue reminder reaches the unit's head too.
    assert Notification.objects.filter(user=world.jyj_head, text__contains="已超过").exists()
    assert not Notification.objects.filter(user=world.jyj_head, text__contains="还有15天").exists()
    resp = Api(world.office).get(f"/proposals/{p['id']}")  # a new token: March's expired after 30 idle days
    assert resp.status == 200, resp.data
    events = resp.data["events"]
    reminders = [e for e in events if e["action"] == "remind"]
    assert len(reminders) == 2 and all(e["actor"] is None for e in reminders)

    world._apis.clear()
    with time_machine.travel("2026-06-10 09:00 +0800", tick=False):
        act(world, world.jyj_handler, lead["id"], "receive")
    assert run_reminders("2026-06-16") == 1
    with time_machine.travel("2026-06-17 09:00 +0800", tick=False):
        act(
            world, world.jyj_handler, lead["id"], "submit-form", {"opinion": "拟办", "handler_id": world.jyj_handler.pk}
        )
        act(world, world.jyj_leader, lead["id"], "approve-form", {})
        act(world, world.jyj_handler, lead["id"], "draft-reply", {
            "text": "答复", "result_class": "A", "method": "written", "is_public": False,
            "contact_person": "王", "contact_phone": "1"})  # fmt: skip
        act(world, world.jyj_head, lead["id"], "sign-reply", {})
    before = Reminder.objects.filter(kind="deadline").count()
    run_reminders("2026-06-30")  # replied: the proposer is asked for a rating now, the unit no longer pressed
    assert Reminder.objects.filter(kind="deadline").count() == before
    assert list(Reminder.objects.exclude(kind="deadline").values_list("kind", flat=True)) == ["feedback"]


def test_actions_notify_the_next_person_only_after_commit(world, django_capture_on_commit_callbacks):
    def committed():
        return django_capture_on_commit_callbacks(execute=True)

    with time_machine.travel("2026-03-02 09:00 +0800", tick=False):
        p = file_proposal(world)
        with committed():
            lead = assign(world, p["id"], [(world.jyj, "lead")])["assignments"][0]
        inbox = world.api(world.jyj_handler).get("/notifications").data
        assert inbox["total"] == 1 and "新交办" in inbox["items"][0]["text"]
        # A refused action (wrong state) writes no message.
        with committed() as callbacks:
            act(world, world.jyj_head, lead["id"], "sign-reply", {}, expect=409)
        assert callbacks == []
        assert Notification.objects.count() == 3  # head, leader, handler of 市教育局
        with committed():
            act(world, world.jyj_handler, lead["id"], "request-return", {"reason": "不属于本单位职责"})
        office_inbox = world.api(world.office).get("/notifications", unread=True).data
        assert office_inbox["total"] == 1 and "申请退回" in office_inbox["items"][0]["text"]
        nid = office_inbox["items"][0]["id"]
        assert world.api(world.office).post(f"/notifications/{nid}/read").status == 200
        assert world.api(world.office).get("/notifications", unread=True).data["total"] == 0
        assert world.api(world.jyj_handler).post(f"/notifications/{nid}/read").status == 404
