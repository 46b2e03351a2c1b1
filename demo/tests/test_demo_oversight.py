"""The demo's 动态督办 and 抽查, read through the API as the office, a leader and a unit read them: every key
proposal and 建议案 of the year has a plan, the lights show red, yellow and green, the notes and instructions
are there, and the spot checks were drawn reproducibly and went their way, each step in the proposal's history.
The demo is the one ``test_load_demo`` reads, loaded once for all (conftest.py)."""

from __future__ import annotations

import random
from datetime import date, datetime
from typing import Any

import pytest
from django.utils import timezone

from conftest import Api
from demo.spot_checks import LAST_YEAR_SEED, THIS_YEAR_SEED
from organisation.models import User

# One worker for every test of the demo under `pytest -n 2 --dist loadgroup`: it loads the demo once.
pytestmark = [pytest.mark.django_db(transaction=False), pytest.mark.xdist_group("demo")]


def _api(username: str) -> Api:
    return Api(User.objects.get(username=username))


def _all(api: Api, path: str, **params: Any) -> list[dict[str, Any]]:
    resp = api.get(path, page_size=100, **params)
    assert resp.status == 200, resp.data
    assert resp.data["total"] <= 100
    return list(resp.data["items"])


def _in_order(events: list[dict[str, Any]]) -> bool:
    times = [datetime.fromisoformat(e["at"]) for e in events]
    return times == sorted(times)


def _events(api: Api, proposal_id: int) -> list[dict[str, Any]]:
    resp = api.get(f"/proposals/{proposal_id}")
    assert resp.status == 200, resp.data
    return list(resp.data["events"])


def test_every_key_proposal_of_the_year_has_a_plan_with_lights(demo_output: str) -> None:
    office = _api("office")
    year = timezone.localdate().year
    rows = _all(office, "/supervision", year=year)
    assert len(rows) >= 10 and all(r["is_key"] or r["is_suggestion"] for r in rows)
    assert any(r["is_suggestion"] for r in rows)
    assert all(r["next_milestone"] is not None or r["status"] == "closed" for r in rows)  # no plan left unset
    lights = [r["light"] for r in rows]
    assert lights.count("red") == 1 and lights.count("yellow") == 1 and lights.count("green") >= 5
    for light in ("red", "yellow", "green"):
        filtered = _all(office, "/supervision", year=year, light=light)
        assert {r["proposal_id"] for r in filtered} == {r["proposal_id"] for r in rows if r["light"] == light}
    # the light follows the earliest open milestone's date (15 days: yellow)
    today = timezone.localdate()
    for r in rows:
        if r["watch_on"] is not None:
            left = (date.fromisoformat(r["watch_on"]) - today).days
            assert r["light"] == ("red" if left < 0 else "yellow" if left <= 15 else "green"), r


def test_a_plan_has_milestones_notes_instructions_and_their_history(demo_output: str) -> None:
    office, mayor = _api("office"), _api("mayor")
    rows = _all(office, "/supervision", year=timezone.localdate().year)
    red = next(r for r in rows if r["light"] == "red")
    plan = office.get(f"/proposals/{red['proposal_id']}/supervision").data
    milestones = plan["milestones"]
    assert len(milestones) >= 4
    assert any(m["done_on"] for m in milestones) and any(m["light"] == "red" for m in milestones)
    assert all(m["light"] is None for m in milestones if m["done_on"])
    assert {n["department"] for n in plan["progress_notes"]} >= {"督查室"} and len(plan["progress_notes"]) >= 2
    assert [i["leader"]["name"] for i in plan["instructions"]] == [User.objects.get(username="mayor").name]
    assert mayor.get(f"/proposals/{red['proposal_id']}/supervision").status == 200  # the leader reads it too
    # every record came with its event, at the record's own time
    events = _events(office, red["proposal_id"])
    actions = [e["action"] for e in events]
    assert actions.count("supervision_milestone") == len(milestones)
    assert actions.count("supervision_milestone_done") == sum(1 for m in milestones if m["done_on"])
    assert actions.count("supervision_progress") == len(plan["progress_notes"])
    assert actions.count("supervision_instruction") == 1
    times = {e["data"]["note_id"]: e["at"] for e in events if e["action"] == "supervision_progress"}
    assert all(times[n["id"]] == n["at"] for n in plan["progress_notes"])
    assert _in_order(events)

    yellow = next(r for r in rows if r["light"] == "yellow")
    plan = office.get(f"/proposals/{yellow['proposal_id']}/supervision").data
    assert any(m["light"] == "yellow" for m in plan["milestones"])
    # a 建议案 has a leader's instruction recorded by the office
    suggestions = [r for r in rows if r["is_suggestion"]]
    instructed = [office.get(f"/proposals/{r['proposal_id']}/supervision").data["instructions"] for r in suggestions]
    assert any(i and i[0]["recorded_by"]["name"] != i[0]["leader"]["name"] for i in instructed)
    # and a unit reports progress on its own key proposals
    plan = office.get(f"/proposals/{rows[0]['proposal_id']}/supervision").data
    assert any(n["department"] != "督查室" for n in plan["progress_notes"])


def test_spot_checks_drawn_with_their_seed_and_carried_through(demo_output: str) -> None:
    office = _api("office")
    checks = _all(office, "/spot-checks")
    assert len(checks) == 2
    closed = next(c for c in checks if c["state"] == "closed")
    running = next(c for c in checks if c["state"] == "open")
    assert closed["year"] == running["year"] - 1 and closed["members_took_part"]

    detail = office.get(f"/spot-checks/{closed['id']}").data
    (draw,) = detail["draws"]
    assert draw["seed"] == LAST_YEAR_SEED
    assert random.Random(draw["seed"]).sample(draw["pool_ids"], draw["size"]) == draw["drawn_ids"]  # noqa: S311
    assert {i["state"] for i in detail["items"]} <= {"no_action", "accepted"}
    assert detail["summary"]["fixes_demanded"] == detail["summary"]["fixes_accepted"] == 1

    detail = office.get(f"/spot-checks/{running['id']}").data
    (draw,) = detail["draws"]
    assert draw["seed"] == THIS_YEAR_SEED
    assert random.Random(draw["seed"]).sample(draw["pool_ids"], draw["size"]) == draw["drawn_ids"]  # noqa: S311
    items = detail["items"]
    states = {i["state"] for i in items}
    assert {"answered", "awaiting_answer", "no_action", "pending"} <= states
    (failed,) = [i for i in items if i["verdict"] == "not_fulfilled"]
    assert failed["fixes"] and failed["fix_due"] and failed["answer"] and failed["state"] == "answered"
    assert date.fromisoformat(failed["fix_due"]) > timezone.localdate()

    # the unit sees its item and the answer it gave; each step is in the proposal's history
    handler = User.objects.filter(department_id=failed["department_id"], username__endswith="_handler").get()
    mine = Api(handler).get(f"/spot-check-items/{failed['id']}")
    assert mine.status == 200 and mine.data["answer"] == failed["answer"]
    events = _events(office, failed["proposal_id"])
    steps = [e["action"] for e in events if e["action"].startswith("spot_check")]
    assert steps == ["spot_check_add", "spot_check_finding", "spot_check_answer"]
    assert _in_order(events)
    settled = next(i for i in office.get(f"/spot-checks/{closed['id']}").data["items"] if i["state"] == "accepted")
    steps = [e["action"] for e in _events(office, settled["proposal_id"]) if e["action"].startswith("spot_check")]
    assert steps == ["spot_check_add", "spot_check_finding", "spot_check_answer", "spot_check_review",
                     "spot_check_close"]  # fmt: skip
