"""A spot check from the finding to the accepted rectification, through the API: who may do what (404 for
what is not yours, 403 for a role or unit that may not act, 409 for a state that does not allow it, 422
for a broken rule), the history event of every step and the messages to the unit and the office."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import time_machine

from conftest import World, build_shared
from history.models import Event
from notifications.models import Notification
from organisation.models import Role
from spotchecks.models import CheckState, ItemState, SpotCheck, SpotCheckItem

from . import scene
from .scene import new_check

pytestmark = pytest.mark.django_db

FINDING = {"verdict": "partly", "findings": "答复承诺的课后服务覆盖率未达到", "fixes": "扩大课后服务覆盖面",
           "fix_due": "2026-08-31"}  # fmt: skip


@pytest.fixture(scope="module")
def built(module_world: World | None, django_db_blocker: Any) -> dict[str, int]:
    return build_shared(module_world, django_db_blocker, scene.build, at=scene.NOW)


@pytest.fixture
def ids(built: dict[str, int], world: World) -> Iterator[dict[str, int]]:
    with time_machine.travel("2026-07-01 10:00 +0800", tick=False):
        yield built


@pytest.fixture
def check(world: World, ids: dict[str, int]) -> dict[str, Any]:
    """A check of J1, J2 (市教育局) and W1 (市卫生健康委员会), chosen by hand."""
    return new_check(world, assignment_ids=[ids["J1"], ids["J2"], ids["W1"]])


def item_of(check: dict[str, Any], assignment_id: int) -> int:
    return next(i["id"] for i in check["items"] if i["assignment_id"] == assignment_id)


def post(world: World, user: Any, path: str, body: Any = None, expect: int = 200) -> Any:
    resp = world.api(user).post(path, body or {})
    assert resp.status == expect, (path, resp.status, resp.data)
    return resp.data


def events(assignment_id: int) -> list[Event]:
    return list(Event.objects.filter(assignment_id=assignment_id, action__startswith="spot_check").order_by("pk"))


def test_a_finding_is_answered_sent_back_answered_again_and_accepted(
    world, ids, check, django_capture_on_commit_callbacks
):
    item = item_of(check, ids["J1"])
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        got = post(world, world.office, f"/spot-check-items/{item}/finding", FINDING)
    assert got["state"] == ItemState.AWAITING_ANSWER and got["verdict"] == "partly" and got["fix_due"] == "2026-08-31"
    told = Notification.objects.filter(assignment_id=ids["J1"]).select_related("user")
    assert {n.user.username for n in told} == {"jyj_head", "jyj_leader", "jyj_handler"}
    assert all("扩大课后服务覆盖面" in n.text and "2026年8月31日前" in n.text for n in told)

    # the unit sees the finding: on its list and as the item
    mine = world.api(world.jyj_handler).get("/spot-check-items")
    assert mine.status == 200 and [i["id"] for i in mine.data["items"]] == [item]
    assert world.api(world.jyj_handler).get(f"/spot-check-items/{item}").data["findings"] == FINDING["findings"]

    with django_capture_on_commit_callbacks(execute=True):
        got = post(world, world.jyj_handler, f"/spot-check-items/{item}/answer", {"text": "已将课后服务扩大到全部学校"})
    assert got["state"] == ItemState.ANSWERED and got["answer"] == "已将课后服务扩大到全部学校"
    assert Notification.objects.filter(user=world.office, assignment_id=ids["J1"]).exists()

    refused = post(world, world.office, f"/spot-check-items/{item}/accept", {"accept": False}, expect=422)
    assert refused["error"]["code"] == "comment_required"
    got = post(world, world.office, f"/spot-check-items/{item}/accept", {"accept": False, "comment": "请附落实清单"})
    assert got["state"] == ItemState.AWAITING_ANSWER and got["times_returned"] == 1
    post(world, world.jyj_leader, f"/spot-check-items/{item}/answer", {"text": "已附落实清单"})
    got = post(world, world.office, f"/spot-check-items/{item}/accept", {"accept": True})
    assert got["state"] == ItemState.ACCEPTED

    trail = events(ids["J1"])
    assert [e.action for e in trail] == [
        "spot_check_add", "spot_check_finding", "spot_check_answer", "spot_check_review", "spot_check_answer",
        "spot_check_review",
    ]  # fmt: skip
    assert [e.actor_id for e in trail] == [world.office.pk, world.office.pk, world.jyj_handler.pk, world.office.pk,
                                           world.jyj_leader.pk, world.office.pk]  # fmt: skip
    assert all(e.data["spot_check_id"] == check["id"] and e.data["item_id"] == item for e in trail)
    assert all(e.from_state == e.to_state == "closed" for e in trail)  # J1's own state is untouched
    assert trail[1].data["verdict"] == "partly" and trail[1].data["fixes"] == "扩大课后服务覆盖面"
    assert (trail[3].data["accept"], trail[3].data["comment"]) == (False, "请附落实清单")
    assert (trail[1].data["item_from"], trail[1].data["item_to"]) == ("pending", "awaiting_answer")


def test_the_check_closes_once_every_item_is_settled(world, ids, check):
    j1, j2, w1 = (item_of(check, ids[k]) for k in ("J1", "J2", "W1"))
    post(world, world.cppcc, f"/spot-check-items/{j1}/finding", {"verdict": "fulfilled", "findings": "已落实"})
    post(world, world.office, f"/spot-check-items/{j2}/finding", FINDING)
    early = post(world, world.office, f"/spot-checks/{check['id']}/close", expect=422)
    assert early["error"]["code"] == "items_open" and early["error"]["details"]["open"] == 2
    post(world, world.office, f"/spot-check-items/{w1}/finding", {"verdict": "fulfilled", "findings": "已落实"})
    post(world, world.jyj_handler, f"/spot-check-items/{j2}/answer", {"text": "已整改"})
    post(world, world.office, f"/spot-check-items/{j2}/accept", {"accept": True})
    closed = post(world, world.office, f"/spot-checks/{check['id']}/close")
    assert closed["state"] == CheckState.CLOSED
    assert closed["summary"]["verdicts"] == {"fulfilled": 2, "partly": 1, "not_fulfilled": 0}
    assert closed["summary"]["states"]["no_action"] == 2 and closed["summary"]["states"]["accepted"] == 1
    assert [e.action for e in events(ids["W1"])][-1] == "spot_check_close"
    # nothing changes on a closed check (409)
    assert (
        post(world, world.office, f"/spot-checks/{check['id']}/close", expect=409)["error"]["code"]
        == "invalid_transition"
    )
    again = post(world, world.office, f"/spot-check-items/{j1}/finding", FINDING, expect=409)
    assert again["error"]["code"] == "invalid_transition"
    assert post(world, world.office, f"/spot-checks/{check['id']}/items", {"assignment_ids": [ids["Z1"]]},
                expect=409)["error"]["code"] == "invalid_transition"  # fmt: skip


def test_findings_follow_their_rules(world, ids, check):
    item = item_of(check, ids["J2"])
    path = f"/spot-check-items/{item}/finding"
    no_fix = post(world, world.office, path, {"verdict": "not_fulfilled", "findings": "未落实"}, expect=422)
    assert no_fix["error"]["code"] == "fixes_required"
    no_due = post(world, world.office, path, {**FINDING, "fix_due": None}, expect=422)
    assert no_due["error"]["code"] == "fix_due_required"
    past = post(world, world.office, path, {**FINDING, "fix_due": "2026-06-30"}, expect=422)
    assert past["error"]["code"] == "date_in_past"
    bad = post(world, world.office, path, {**FINDING, "verdict": "maybe"}, expect=400)
    assert bad["error"]["code"] == "invalid"
    assert SpotCheckItem.objects.get(pk=item).state == ItemState.PENDING and not events(ids["J2"])[1:]
    # corrected before the unit answers; not after
    post(world, world.office, path, {"verdict": "fulfilled", "findings": "已落实"})
    assert post(world, world.office, path, FINDING)["state"] == ItemState.AWAITING_ANSWER
    post(world, world.jyj_handler, f"/spot-check-items/{item}/answer", {"text": "已整改"})
    late = post(world, world.office, path, FINDING, expect=409)
    assert late["error"]["code"] == "invalid_transition" and late["error"]["details"]["state"] == "answered"


def test_who_sees_and_who_acts(world, ids, check):
    cid = check["id"]
    j1, w1 = item_of(check, ids["J1"]), item_of(check, ids["W1"])
    # outside the government's checking staff nobody sees a check (404), nor lists them (403)
    for user in (world.jyj_handler, world.mayor, world.member1, world.county_office):
        assert world.api(user).get(f"/spot-checks/{cid}").status == 404, user.username
    assert world.api(world.jyj_handler).get("/spot-checks").status == 403
    assert world.api(world.cppcc).get(f"/spot-checks/{cid}").status == 200
    assert [c["id"] for c in world.api(world.cppcc).get("/spot-checks").data["items"]] == [cid]
    # only the office opens a check and adds to it; the CPPCC records findings with it
    assert world.api(world.cppcc).post("/spot-checks", {}).status == 403
    assert world.api(world.cppcc).post(f"/spot-checks/{cid}/items", {"assignment_ids": [ids["Z1"]]}).status == 403
    # a unit sees no item before it is checked, and never another unit's
    assert world.api(world.jyj_handler).get(f"/spot-check-items/{j1}").status == 404
    assert world.api(world.jyj_handler).get("/spot-check-items").data["items"] == []
    post(world, world.office, f"/spot-check-items/{j1}/finding", FINDING)
    post(world, world.office, f"/spot-check-items/{w1}/finding", FINDING)
    assert world.api(world.wjw_handler).post(f"/spot-check-items/{j1}/answer", {"text": "x"}).status == 404
    assert world.api(world.member1).post(f"/spot-check-items/{j1}/answer", {"text": "x"}).status == 404
    # visible, but not theirs to do: 403, before the body is read
    assert (
        post(world, world.jyj_handler, f"/spot-check-items/{j1}/finding", FINDING, expect=403)["error"]["code"]
        == "forbidden"
    )
    assert post(world, world.office, f"/spot-check-items/{j1}/answer", {"text": "代为反馈"}, expect=403)
    assert post(world, world.cppcc, f"/spot-check-items/{j1}/accept", {"accept": True}, expect=403)
    assert post(world, world.jyj_handler, f"/spot-check-items/{j1}/accept", {}, expect=403)
    assert (
        post(world, world.jyj_handler, f"/spot-check-items/{j1}/answer", {}, expect=400)["error"]["code"] == "invalid"
    )
    # the wrong moment: 409
    assert post(world, world.office, f"/spot-check-items/{j1}/accept", {"accept": True}, expect=409)
    post(world, world.jyj_handler, f"/spot-check-items/{j1}/answer", {"text": "已整改"})
    assert post(world, world.jyj_handler, f"/spot-check-items/{j1}/answer", {"text": "再说一次"}, expect=409)
    assert SpotCheckItem.objects.get(pk=j1).answer == "已整改"


def test_the_city_office_sees_a_county_check_but_acts_only_on_its_own(world, ids):
    county = world.api(world.county_office).post("/spot-checks", {
        "title": "县抽查", "year": 2026, "checked_on": "2026-07-01", "checked_by": "县政府办",
    })  # fmt: skip
    assert county.status == 201, county.data
    assert world.api(world.office).get(f"/spot-checks/{county.data['id']}").status == 200
    assert post(world, world.office, f"/spot-checks/{county.data['id']}/close", expect=403)
    # and the county office neither sees the city's nor opens one for it
    city = new_check(world)
    assert world.api(world.county_office).get(f"/spot-checks/{city['id']}").status == 404
    refused = world.api(world.county_office).post("/spot-checks", {
        "title": "x", "year": 2026, "checked_on": "2026-07-01", "checked_by": "x", "jurisdiction_id": world.city.pk,
    })  # fmt: skip
    assert refused.status == 404
    # a city item cannot be chosen into the county's check
    refused = post(world, world.county_office, f"/spot-checks/{county.data['id']}/items",
                   {"assignment_ids": [ids["J1"]]}, expect=422)  # fmt: skip
    assert refused["error"]["code"] == "not_eligible"


def test_members_taking_part_are_named(world, ids):
    missing = new_check(world, members_took_part=True, members=" ", expect=400)
    assert missing["error"]["details"]["fields"] == {"members": "请填写参加的委员"}
    none = new_check(world, members_took_part=False, members="张委员")
    assert none["members"] == "" and none["members_took_part"] is False
    row = SpotCheck.objects.get(pk=new_check(world)["id"])
    assert (row.members_took_part, row.members, row.cppcc_staff) == (True, "张委员、李委员", "提案委李主任")
    assert row.created_by_id == world.office.pk and world.office.role == Role.OFFICE_STAFF


def test_a_member_never_reads_the_spot_check_steps(world, ids, check):
    item = item_of(check, ids["J1"])
    post(world, world.office, f"/spot-check-items/{item}/finding", FINDING)
    pid = world.api(world.office).get(f"/spot-check-items/{item}").data["proposal_id"]
    staff = [e["action"] for e in world.api(world.office).get(f"/proposals/{pid}").data["events"]]
    assert {"spot_check_add", "spot_check_finding"} <= set(staff)
    member = [e["action"] for e in world.api(world.member1).get(f"/proposals/{pid}").data["events"]]
    assert member and not [a for a in member if a.startswith("spot_check")]


def test_a_retried_request_with_its_key_acts_once(world, ids, check):
    item = item_of(check, ids["J1"])
    post(world, world.office, f"/spot-check-items/{item}/finding", FINDING)
    headers = {"Idempotency-Key": "answer-1"}
    first = world.api(world.jyj_handler).post(f"/spot-check-items/{item}/answer", {"text": "已整改"}, headers=headers)
    second = world.api(world.jyj_handler).post(f"/spot-check-items/{item}/answer", {"text": "已整改"}, headers=headers)
    assert first.status == second.status == 200 and first.data == second.data
    assert [e.action for e in events(ids["J1"])].count("spot_check_answer") == 1


def test_the_lists_filter_and_page(world, ids, check):
    older = new_check(world, title="2025年抽查", year=2025, checked_on="2025-12-01")
    office = world.api(world.office)
    assert [c["id"] for c in office.get("/spot-checks").data["items"]] == [older["id"], check["id"]]
    assert [c["id"] for c in office.get("/spot-checks", year=2025).data["items"]] == [older["id"]]
    assert office.get("/spot-checks", state="closed").data["items"] == []
    assert office.get("/spot-checks", state="done").data["error"]["code"] == "invalid"
    assert office.get("/spot-checks", jurisdiction=world.county.pk).data["total"] == 0
    assert world.api(world.county_office).get("/spot-checks", jurisdiction=world.city.pk).status == 404
    page = office.get("/spot-checks", page_size=1, page=2).data
    assert (page["total"], [c["id"] for c in page["items"]]) == (2, [check["id"]])
    item = item_of(check, ids["J2"])
    post(world, world.office, f"/spot-check-items/{item}/finding", FINDING)
    unit = world.api(world.jyj_handler)
    assert [i["id"] for i in unit.get("/spot-check-items", state="awaiting_answer").data["items"]] == [item]
    assert unit.get("/spot-check-items", state="accepted").data["items"] == []
    assert unit.get("/spot-check-items", state="x").status == 400
    assert world.api(world.member1).get("/spot-check-items").status == 403
    assert len(office.get("/spot-check-items").data["items"]) == 3  # the office sees every item
