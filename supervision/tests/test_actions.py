"""The supervision's writes through the API: who may do what (403), what they may see (404), the state (409)
and the rules (422), each change with its history event and its messages."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
import time_machine

from conftest import World, file_proposal
from handling.models import Assignment
from history.models import Event
from lib.errors import RuleViolation
from notifications.models import Notification
from supervision import actions
from supervision.models import Milestone, Plan
from supervision.tests.scene import START, key_proposal, milestone_body


@pytest.fixture(autouse=True)
def _today() -> Iterator[None]:
    with time_machine.travel("2026-03-10 10:00 +0800", tick=False):
        yield


def events(proposal_id: int, action: str) -> list[Event]:
    return list(Event.objects.filter(proposal_id=proposal_id, action=action).order_by("pk"))


def test_the_office_sets_a_milestone_and_the_unit_is_told(world: World, django_capture_on_commit_callbacks) -> None:
    p = key_proposal(world)
    with django_capture_on_commit_callbacks(execute=True):
        resp = world.api(world.office).post(f"/proposals/{p['id']}/milestones", milestone_body(world))
    assert resp.status == 201, resp.data
    assert resp.data["department"] == "市教育局"
    assert resp.data["light"] == "green"
    assert resp.data["remind_on"] == "2026-04-15"  # 15 days before
    (event,) = events(p["id"], "supervision_milestone")
    assert event.actor_id == world.office.pk
    assert event.data["milestone_id"] == resp.data["id"]
    assert event.data["due_on"] == "2026-04-30"
    told = Notification.objects.filter(proposal_id=p["id"], text__contains="制定课后服务实施方案")
    assert {n.user_id for n in told} == {world.jyj_head.pk, world.jyj_leader.pk, world.jyj_handler.pk}
    assert "2026年4月30日" in told[0].text
    plan = Plan.objects.get(proposal_id=p["id"])
    assert plan.watch_on == date(2026, 4, 30) and plan.next_milestone_id == resp.data["id"]


def test_only_the_office_of_the_jurisdiction_sets_milestones(world: World) -> None:
    p = key_proposal(world)
    body = milestone_body(world)
    for user in (world.cppcc, world.mayor, world.jyj_head):
        resp = world.api(user).post(f"/proposals/{p['id']}/milestones", body)
        assert (resp.status, resp.error_code) == (403, "forbidden"), user.username
    # the county's office sees nothing of the city's proposals; a member reads no supervision
    for user in (world.county_office, world.member1, world.xq_handler):
        resp = world.api(user).post(f"/proposals/{p['id']}/milestones", body)
        assert (resp.status, resp.error_code) == (404, "not_found"), user.username
    assert not Milestone.objects.exists()
    assert not events(p["id"], "supervision_milestone")


def test_a_proposal_that_is_not_key_has_no_supervision(world: World) -> None:
    with time_machine.travel(START, tick=False):
        p = file_proposal(world)
    resp = world.api(world.office).post(f"/proposals/{p['id']}/milestones", milestone_body(world))
    assert (resp.status, resp.error_code) == (404, "not_found")
    assert world.api(world.office).get(f"/proposals/{p['id']}/supervision").status == 404
    # the action itself refuses it too
    from proposals.models import Proposal

    with pytest.raises(RuleViolation) as refused:
        actions.add_progress_note(Proposal.objects.get(pk=p["id"]), actor=world.office, text="进展")
    assert refused.value.code == "not_key_proposal"


def test_a_suggestion_is_supervised_too(world: World) -> None:
    p = key_proposal(world, is_suggestion=True)
    resp = world.api(world.office).post(f"/proposals/{p['id']}/milestones", milestone_body(world))
    assert resp.status == 201, resp.data


def test_milestone_rules(world: World) -> None:
    p = key_proposal(world)
    api = world.api(world.office)
    path = f"/proposals/{p['id']}/milestones"
    resp = api.post(path, milestone_body(world, department_id=world.zjj.pk))  # not one of its units
    assert (resp.status, resp.error_code) == (422, "unit_not_assigned")
    assert resp.data["error"]["message"] == "市住房和城乡建设局不是该提案的承办单位。"
    resp = api.post(path, milestone_body(world, due_on="2026-03-09"))
    assert (resp.status, resp.error_code) == (422, "date_in_past")
    resp = api.post(path, milestone_body(world, title=""))
    assert (resp.status, resp.error_code) == (400, "invalid")
    resp = api.post(path, {"title": "x", "due_on": "2026-04-01", "department_id": world.jyj.pk, "extra": 1})
    assert (resp.status, resp.error_code) == (400, "invalid")
    # the co unit may be responsible for a milestone
    assert api.post(path, milestone_body(world, department_id=world.wjw.pk)).status == 201


def test_an_unassigned_key_proposal_has_no_milestones_yet(world: World) -> None:
    with time_machine.travel(START, tick=False):
        p = file_proposal(world, is_key=True)
    resp = world.api(world.office).post(f"/proposals/{p['id']}/milestones", milestone_body(world))
    assert (resp.status, resp.error_code) == (409, "invalid_transition")


def test_the_responsible_unit_marks_its_milestone_done_once(world: World, django_capture_on_commit_callbacks) -> None:
    p = key_proposal(world)
    office = world.api(world.office)
    first = office.post(f"/proposals/{p['id']}/milestones", milestone_body(world, due_on="2026-03-20")).data
    body = milestone_body(world, title="完成试点", due_on="2026-05-10", department_id=world.wjw.pk)
    second = office.post(f"/proposals/{p['id']}/milestones", body).data
    path = f"/milestones/{first['id']}/done"
    for user in (world.office, world.wjw_head, world.mayor):  # visible, not theirs to mark
        resp = world.api(user).post(path, {"note": "已完成"})
        assert (resp.status, resp.error_code) == (403, "forbidden"), user.username
    assert world.api(world.zjj_handler).post(path, {}).status == 404  # another unit sees nothing of it
    resp = world.api(world.jyj_handler).post(path, {"note": "方案已印发", "done_on": "2026-03-11"})
    assert (resp.status, resp.error_code) == (422, "date_in_future")
    with django_capture_on_commit_callbacks(execute=True):
        resp = world.api(world.jyj_handler).post(path, {"note": "方案已印发"})
    assert resp.status == 200, resp.data
    assert resp.data["done_on"] == "2026-03-10" and resp.data["light"] is None and resp.data["remind_on"] is None
    again = world.api(world.jyj_head).post(path, {"note": "再次"})
    assert (again.status, again.error_code) == (409, "invalid_transition")
    (event,) = events(p["id"], "supervision_milestone_done")
    assert event.actor_id == world.jyj_handler.pk and event.data["note"] == "方案已印发"
    plan = Plan.objects.get(proposal_id=p["id"])
    assert plan.next_milestone_id == second["id"] and plan.watch_on == date(2026, 5, 10)
    assert Notification.objects.filter(user=world.office, text__contains="已完成").exists()


def test_progress_notes_by_the_units_and_the_office(world: World, django_capture_on_commit_callbacks) -> None:
    p = key_proposal(world)
    path = f"/proposals/{p['id']}/progress-notes"
    with django_capture_on_commit_callbacks(execute=True):
        resp = world.api(world.wjw_handler).post(path, {"text": "已完成全市摸底调查。"})
    assert resp.status == 201, resp.data
    assert resp.data["department"] == "市卫生健康委员会"
    with django_capture_on_commit_callbacks(execute=True):
        resp = world.api(world.office).post(path, {"text": "已召开协调会。"})
    assert resp.status == 201 and resp.data["department"] == "督查室" and resp.data["department_id"] is None
    for user in (world.cppcc, world.mayor):
        assert world.api(user).post(path, {"text": "x"}).status == 403
    assert world.api(world.jyj_handler).post(path, {"text": " "}).status == 400
    texts = [e.data["text"] for e in events(p["id"], "supervision_progress")]
    assert texts == ["已完成全市摸底调查。", "已召开协调会。"]
    assert Notification.objects.filter(user=world.office, text__contains="市卫生健康委员会报送").exists()
    assert Notification.objects.filter(user=world.jyj_handler, text__contains="已召开协调会").exists()


def test_a_withdrawn_unit_writes_no_progress(world: World) -> None:
    p = key_proposal(world)
    Assignment.objects.filter(proposal_id=p["id"], department=world.wjw).update(state="withdrawn")
    resp = world.api(world.wjw_handler).post(f"/proposals/{p['id']}/progress-notes", {"text": "进展"})
    assert (resp.status, resp.error_code) == (403, "forbidden")


def test_instructions_by_the_leader_in_charge_or_recorded_by_the_office(
    world: World, django_capture_on_commit_callbacks
) -> None:
    p = key_proposal(world)
    path = f"/proposals/{p['id']}/supervision-instructions"
    with django_capture_on_commit_callbacks(execute=True):
        resp = world.api(world.vicemayor).post(path, {"text": "请教育局牵头，五月底前拿出方案。"})
    assert resp.status == 201, resp.data
    assert resp.data["leader"]["id"] == world.vicemayor.pk and resp.data["recorded_by"]["id"] == world.vicemayor.pk
    resp = world.api(world.office).post(path, {"text": "同意。", "leader_id": world.mayor.pk})
    assert resp.status == 201 and resp.data["leader"]["name"] == "市长"
    assert resp.data["recorded_by"]["id"] == world.office.pk
    resp = world.api(world.office).post(path, {"text": "同意。"})
    assert (resp.status, resp.error_code) == (400, "invalid")
    resp = world.api(world.office).post(path, {"text": "同意。", "leader_id": world.jyj_head.pk})
    assert (resp.status, resp.error_code) == (400, "invalid")
    for user in (world.cppcc, world.jyj_head):
        assert world.api(user).post(path, {"text": "x"}).status == 403
    recorded = events(p["id"], "supervision_instruction")
    assert [(e.actor_id, e.data["leader_id"]) for e in recorded] == [
        (world.vicemayor.pk, world.vicemayor.pk), (world.office.pk, world.mayor.pk)
    ]  # fmt: skip
    assert Notification.objects.filter(user=world.jyj_handler, text__startswith="督办批示：副市长").exists()
    assert Notification.objects.filter(user=world.office, text__startswith="督办批示：副市长").exists()


def test_a_leader_not_in_charge_does_not_see_it(world: World) -> None:
    with time_machine.travel(START, tick=False):
        p = file_proposal(world, is_key=True)
        from conftest import assign

        assign(world, p["id"], [(world.wjw, "lead")])
    resp = world.api(world.vicemayor).post(f"/proposals/{p['id']}/supervision-instructions", {"text": "x"})
    assert (resp.status, resp.error_code) == (404, "not_found")


def test_reading_the_plan(world: World) -> None:
    p = key_proposal(world)
    office = world.api(world.office)
    office.post(f"/proposals/{p['id']}/milestones", milestone_body(world, due_on="2026-03-20"))
    world.api(world.jyj_handler).post(f"/proposals/{p['id']}/progress-notes", {"text": "推进中"})
    for user in (world.office, world.cppcc, world.mayor, world.jyj_handler, world.wjw_head):
        resp = world.api(user).get(f"/proposals/{p['id']}/supervision")
        assert resp.status == 200, user.username
        assert resp.data["light"] == "yellow"
        assert resp.data["next_milestone"]["title"] == "制定课后服务实施方案"
        assert [m["light"] for m in resp.data["milestones"]] == ["yellow"]
        assert [n["text"] for n in resp.data["progress_notes"]] == ["推进中"]
        assert {u["department"] for u in resp.data["units"]} == {"市教育局", "市卫生健康委员会"}
    for user in (world.member1, world.county_office, world.zjj_handler):
        assert world.api(user).get(f"/proposals/{p['id']}/supervision").status == 404
    assert world.api().get(f"/proposals/{p['id']}/supervision").status == 401


def test_the_list_filters_by_year_and_light(world: World) -> None:
    red = key_proposal(world)
    yellow = key_proposal(world, is_suggestion=True)
    green = key_proposal(world)
    office = world.api(world.office)
    with time_machine.travel("2026-03-05 10:00 +0800", tick=False):
        office.post(f"/proposals/{red['id']}/milestones", milestone_body(world, due_on="2026-03-08"))
    office.post(f"/proposals/{yellow['id']}/milestones", milestone_body(world, due_on="2026-03-25"))
    office.post(f"/proposals/{green['id']}/milestones", milestone_body(world, due_on="2026-06-30"))
    resp = office.get("/supervision")
    assert resp.status == 200
    lights = {i["proposal_id"]: i["light"] for i in resp.data["items"]}
    assert lights == {red["id"]: "red", yellow["id"]: "yellow", green["id"]: "green"}
    for light, expected in (("red", red), ("yellow", yellow), ("green", green)):
        assert [i["proposal_id"] for i in office.get("/supervision", light=light).data["items"]] == [expected["id"]]
    assert office.get("/supervision", year=2026).data["total"] == 3
    assert office.get("/supervision", year=2025).data["total"] == 0
    assert office.get("/supervision", light="blue").status == 400
    # a unit lists only the proposals it handles; a member none
    assert world.api(world.zjj_handler).get("/supervision").data["total"] == 0
    assert world.api(world.member1).get("/supervision").data["total"] == 0


def test_the_city_office_reads_a_county_plan_but_the_county_office_sets_it(world: World) -> None:
    from proposals.models import Session

    session = Session.objects.create(jurisdiction=world.county, name="十届三次会议", year=2026)
    body = {"session_id": session.pk, "number": "1", "title": "关于县域义务教育均衡发展的建议", "body": "……",
            "kind": "individual", "proposers": [{"name": "县委员"}], "is_key": True}  # fmt: skip
    with time_machine.travel(START, tick=False):
        p = world.api(world.county_office).post("/proposals", body).data
    assert (
        world.api(world.county_office)
        .post(f"/proposals/{p['id']}/assign", {"assignments": [{"department_id": world.xq.pk, "role": "lead"}]})
        .status
        == 200
    )
    body = milestone_body(world, department_id=world.xq.pk)
    resp = world.api(world.office).post(f"/proposals/{p['id']}/milestones", body)
    assert (resp.status, resp.error_code) == (403, "forbidden")  # 分级负责: the county's own office acts
    assert world.api(world.county_office).post(f"/proposals/{p['id']}/milestones", body).status == 201
    assert world.api(world.office).get(f"/proposals/{p['id']}/supervision").data["milestones"][0]["department"] == (
        "示例县教育局"
    )


def test_a_retried_request_sets_one_milestone(world: World) -> None:
    p = key_proposal(world)
    headers = {"Idempotency-Key": "milestone-1"}
    first = world.api(world.office).post(f"/proposals/{p['id']}/milestones", milestone_body(world), headers)
    again = world.api(world.office).post(f"/proposals/{p['id']}/milestones", milestone_body(world), headers)
    assert first.status == again.status == 201 and first.data["id"] == again.data["id"]
    assert Milestone.objects.count() == 1
    assert len(events(p["id"], "supervision_milestone")) == 1


def test_the_proposer_reads_none_of_it_in_the_history(world: World) -> None:
    p = key_proposal(world)
    world.api(world.office).post(f"/proposals/{p['id']}/milestones", milestone_body(world))
    world.api(world.jyj_handler).post(f"/proposals/{p['id']}/progress-notes", {"text": "推进中"})
    staff = {e["action"] for e in world.api(world.office).get(f"/proposals/{p['id']}").data["events"]}
    member = {e["action"] for e in world.api(world.member1).get(f"/proposals/{p['id']}").data["events"]}
    assert {"supervision_milestone", "supervision_progress"} <= staff
    assert not {a for a in member if a.startswith("supervision")}
