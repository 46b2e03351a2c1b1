"""The assessment (目标考核): every score against figures worked out by hand on the fixed year of
``assessment_scene`` (see its docstring for the counts), the ranking and its flags, the weights and the
CPPCC's evaluation through their actions, and who may do what on the API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import time_machine

from audit.models import AuditEntry
from conftest import World, build_shared
from organisation.models import Department
from reports.assessment import DRILLABLE, assess, follow_up_items, part_assignments
from reports.queries import department_stats
from reports.upkeep import recount_all

from . import assessment_scene

TODAY = date(2026, 7, 1)
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def built(module_world: World | None, django_db_blocker: Any) -> dict[str, Any]:
    return build_shared(module_world, django_db_blocker, assessment_scene.build, at=assessment_scene.NOW)


@pytest.fixture
def scene(built: dict[str, Any], world: World) -> Iterator[dict[str, Any]]:
    with time_machine.travel("2026-07-01 18:00 +0800", tick=False):
        yield built


def rows(world: World, user: Any = None, **params: Any) -> list[dict[str, Any]]:
    resp = world.api(user or world.office).get("/assessment", **{"year": 2026, **params})
    assert resp.status == 200, resp.data
    return resp.data


def by_name(data: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in data}


def parts(row: dict[str, Any], key: str) -> tuple[Any, ...]:
    p = row["parts"][key]
    return (p["numerator"], p["denominator"], p["rate"], p["weight"], p["effective_weight"], p["points"], p["counted"])


def put_weights(world: World, user: Any = None, **weights: int) -> Any:
    body = {"reply": 20, "on_time": 20, "meeting": 15, "satisfaction": 30, "self_check": 5, "follow_up": 10,
            "evaluation": 0, "min_assigned": 3, **weights}  # fmt: skip
    return world.api(user or world.office).put("/assessment/weights", body)


def test_default_weights_score_every_unit_by_hand(world, scene):
    data = rows(world)
    got = by_name(data)
    jyj = got["市教育局"]
    # 20×3/4 + 20×3/3 + 15×3/4 + 30×1/2 + 5×1/2 + 10×1/2, every part counted, weights as set
    assert parts(jyj, "reply") == (3, 4, 0.75, 20, 20.0, 15.0, True)
    assert parts(jyj, "on_time") == (3, 3, 1.0, 20, 20.0, 20.0, True)
    assert parts(jyj, "meeting") == (3, 4, 0.75, 15, 15.0, 11.25, True)
    assert parts(jyj, "satisfaction") == (1, 2, 0.5, 30, 30.0, 15.0, True)  # J2's latest rating: unsatisfied
    assert parts(jyj, "self_check") == (1, 2, 0.5, 5, 5.0, 2.5, True)  # J1 done, J4 due; J2's not yet due
    assert parts(jyj, "follow_up") == (1, 2, 0.5, 10, 10.0, 5.0, True)
    assert parts(jyj, "evaluation") == (0, 0, None, 0, 0.0, 0.0, False)
    assert (jyj["score"], jyj["rank"], jyj["ranked"], jyj["reason"]) == (68.75, 1, True, "")
    assert (jyj["assigned"], jyj["overdue"], jyj["commended"]) == (4, 1, False)

    # zjj: only reply, on-time and meeting have a denominator: 20 + 20 + 15 = 55 scaled up to 100
    zjj = got["市住房和城乡建设局"]
    assert parts(zjj, "reply") == (2, 2, 1.0, 20, 36.36, 36.36, True)
    assert parts(zjj, "on_time") == (1, 2, 0.5, 20, 36.36, 18.18, True)  # Z1 within its extension, Z2 late
    assert parts(zjj, "meeting") == (0, 2, 0.0, 15, 27.27, 0.0, True)
    assert parts(zjj, "satisfaction") == (0, 0, None, 30, 0.0, 0.0, False)
    assert zjj["score"] == round((20 * 1 + 20 * 0.5) * 100 / 55, 2) == 54.55
    assert (zjj["ranked"], zjj["rank"], zjj["reason"]) == (False, None, "办理件数不足3件，不参与排名")

    one = got["市交通运输局"]  # one proposal, not replied, not yet due: reply 0/1, meeting 0/1
    assert (one["score"], one["ranked"], one["assigned"], one["overdue"]) == (0.0, False, 1, 0)
    for name in ("市卫生健康委员会", "市民政局"):  # nothing, and all withdrawn
        assert (got[name]["score"], got[name]["assigned"], got[name]["ranked"]) == (None, 0, False)
        assert got[name]["reason"] == "办理件数不足3件，不参与排名"
        assert not any(p["counted"] for p in got[name]["parts"].values())

    # ranked first, then the flagged in the units' order; other jurisdictions and years never appear
    assert [r["name"] for r in data] == [
        "市教育局", "市卫生健康委员会", "市住房和城乡建设局", "市交通运输局", "市文化广电和旅游局", "市民政局",
    ]  # fmt: skip
    other_year = rows(world, year=2025)
    assert len(other_year) == 6 and all(r["assigned"] == 0 and r["score"] is None for r in other_year)


def test_the_parts_are_department_stats_counts_and_drill_down_to_the_same_assignments(world, scene):
    jyj = by_name(rows(world))["市教育局"]
    stats = next(d for d in department_stats([world.city.pk], today=TODAY, year=2026)["departments"]
                 if d["department_id"] == world.jyj.pk)  # fmt: skip
    assert jyj["parts"]["reply"]["rate"] == stats["reply_rate"]
    assert jyj["parts"]["satisfaction"]["rate"] == stats["satisfaction_rate"]
    for part in DRILLABLE:
        for numerator in (True, False):
            key = "numerator" if numerator else "denominator"
            if part == "follow_up":
                got = follow_up_items(world.jyj.pk, year=2026, numerator=numerator, today=TODAY).count()
            else:
                got = part_assignments(world.jyj.pk, year=2026, part=part, numerator=numerator, today=TODAY).count()
            assert got == jyj["parts"][part][key], (part, key)
    reply_ids = set(part_assignments(world.jyj.pk, year=2026, part="reply", numerator=True, today=TODAY)
                    .values_list("pk", flat=True))  # fmt: skip
    assert reply_ids == {scene["J1"], scene["J2"], scene["J4"]}  # J2 re-handled still counts as replied
    assigned = part_assignments(world.jyj.pk, year=2026, part="reply", numerator=False, today=TODAY)
    assert set(assigned.values_list("pk", flat=True)) == {scene["J1"], scene["J2"], scene["J3"], scene["J4"]}  # not J5


def test_weights_default_then_set_audited_and_rescored(world, scene, security_events):
    resp = world.api(world.office).get("/assessment/weights")
    assert resp.status == 200
    assert {k: resp.data[k] for k in ("reply", "on_time", "meeting", "satisfaction", "self_check", "follow_up",
                                       "evaluation", "min_assigned", "total")} == {
        "reply": 20, "on_time": 20, "meeting": 15, "satisfaction": 30, "self_check": 5, "follow_up": 10,
        "evaluation": 0, "min_assigned": 3, "total": 100,
    }  # fmt: skip
    assert resp.data["updated_by"] is None
    assert by_name(rows(world))["市教育局"]["score"] == 68.75  # by the defaults; kept until the weights change

    resp = put_weights(world, reply=100, on_time=0, meeting=0, satisfaction=0, self_check=0, follow_up=0,
                       min_assigned=2)  # fmt: skip
    assert resp.status == 200, resp.data
    assert (resp.data["reply"], resp.data["min_assigned"], resp.data["updated_by"]) == (100, 2, "督查室王科长")
    (event,) = [e for e in security_events if e["kind"] == "assessment_weights_changed"]
    assert event["actor"] == world.office
    assert event["data"]["before"]["reply"] == 20 and event["data"]["after"]["reply"] == 100
    entry = AuditEntry.objects.get(kind="assessment_weights_changed")
    assert entry.actor_username == "office" and entry.data["after"]["min_assigned"] == 2

    got = by_name(rows(world))
    # reply rate alone: jyj 3/4 → 75, zjj 2/2 → 100 (now ranked: 2 ≥ 2) and commended (≥ 95, nothing overdue)
    assert (got["市住房和城乡建设局"]["score"], got["市住房和城乡建设局"]["rank"]) == (100.0, 1)
    assert got["市住房和城乡建设局"]["commended"] is True
    assert (got["市教育局"]["score"], got["市教育局"]["rank"], got["市教育局"]["commended"]) == (75.0, 2, False)
    assert got["市交通运输局"]["reason"] == "办理件数不足2件，不参与排名"


def test_weights_that_do_not_sum_to_100_are_refused_and_nothing_changes(world, scene, security_events):
    resp = put_weights(world, satisfaction=25)
    assert resp.status == 422 and resp.error_code == "weights_not_100"
    assert resp.data["error"]["message"] == "各项权重之和应为100，现为95。"
    resp = put_weights(world, reply=101, on_time=0)
    assert resp.status == 400
    resp = world.api(world.office).put("/assessment/weights", {"reply": 100})  # the others are required
    assert resp.status == 400
    assert world.api(world.office).get("/assessment/weights").data["reply"] == 20
    assert [e for e in security_events if e["kind"] == "assessment_weights_changed"] == []


def test_ties_share_a_rank(world, scene):
    assert put_weights(world, reply=50, on_time=50, meeting=0, satisfaction=0, self_check=0, follow_up=0,
                       min_assigned=1).status == 200  # fmt: skip
    data = rows(world)
    # jyj 50×3/4 + 50×3/3 = 87.5; zjj 50 + 25 = 75; jtj and wlj: reply 0/1, on-time not due → 0 and 0
    assert [(r["name"], r["score"], r["rank"]) for r in data if r["ranked"]] == [
        ("市教育局", 87.5, 1), ("市住房和城乡建设局", 75.0, 2),
        ("市交通运输局", 0.0, 3), ("市文化广电和旅游局", 0.0, 3),
    ]  # fmt: skip
    assert {r["name"] for r in data if not r["ranked"]} == {"市卫生健康委员会", "市民政局"}  # 0 < 1


def test_the_cppccs_evaluation_counts_with_its_weight(world, scene, security_events):
    body = {"department_id": world.jyj.pk, "year": 2026, "score": 80}
    assert world.api(world.office).put("/assessment/evaluations", body).status == 403
    assert world.api(world.jyj_head).put("/assessment/evaluations", body).status == 403
    xq = {"department_id": world.xq.pk, "year": 2026, "score": 80}
    assert world.api(world.cppcc).put("/assessment/evaluations", xq).status == 403  # a county unit
    assert world.api(world.cppcc).put("/assessment/evaluations", {**body, "score": 101}).status == 400
    resp = world.api(world.cppcc).put("/assessment/evaluations", body)
    assert resp.status == 200 and resp.data["score"] == 80
    assert AuditEntry.objects.get(kind="unit_evaluation_changed").data == {
        "department_id": world.jyj.pk, "year": 2026, "before": None, "after": 80,
    }  # fmt: skip
    listed = world.api(world.cppcc).get("/assessment/evaluations", year=2026).data
    assert {r["name"]: r["score"] for r in listed}["市教育局"] == 80

    # weight 0 (the default): entered, shown, not counted
    jyj = by_name(rows(world))["市教育局"]
    assert (jyj["evaluation"], jyj["score"], jyj["parts"]["evaluation"]["counted"]) == (80, 68.75, False)

    assert put_weights(world, satisfaction=20, evaluation=10).status == 200
    got = by_name(rows(world))
    # 15 + 20 + 11.25 + 20×1/2 + 2.5 + 5 + 10×80/100
    assert parts(got["市教育局"], "evaluation") == (80, 100, 0.8, 10, 10.0, 8.0, True)
    assert got["市教育局"]["score"] == 71.75
    # zjj has no evaluation: the part is left out and the rest scaled as before
    assert got["市住房和城乡建设局"]["score"] == 54.55
    assert world.api(world.cppcc).put("/assessment/evaluations", {**body, "score": None}).status == 200
    # taken back: the other parts' weights sum to 90 and are scaled up to 100
    expected = round((20 * 0.75 + 20 + 15 * 0.75 + 20 * 0.5 + 5 * 0.5 + 10 * 0.5) * 100 / 90, 2)
    assert by_name(rows(world))["市教育局"]["score"] == expected == 70.83


def test_only_the_office_reads_and_only_its_own_office_sets(world, scene):
    for user in (world.cppcc, world.mayor, world.jyj_head, world.member1):
        resp = world.api(user).get("/assessment", year=2026)
        assert resp.status == 403 and resp.error_code == "forbidden", user.username
        assert world.api(user).put("/assessment/weights", {}).status == 403
    assert world.api().get("/assessment").status == 401
    # the county office does not see the city; the city office sees the county but sets only its own weights
    assert world.api(world.county_office).get("/assessment", jurisdiction=world.city.pk).status == 404
    assert world.api(world.office).get("/assessment", jurisdiction=999999).status == 404
    county = world.api(world.office).get("/assessment", jurisdiction=world.county.pk, year=2026)
    assert county.status == 200 and [r["name"] for r in county.data] == ["示例县教育局"]
    resp = world.api(world.office).put(f"/assessment/weights?jurisdiction={world.county.pk}", {
        "reply": 100, "on_time": 0, "meeting": 0, "satisfaction": 0, "self_check": 0, "follow_up": 0,
    })  # fmt: skip
    assert resp.status == 403
    assert put_weights(world, user=world.county_office).status == 200  # its own
    assert world.api(world.office).get("/assessment", year=1800).status == 400


def test_assess_reads_a_fixed_number_of_queries(world, scene, django_assert_max_num_queries, settings):
    Department.objects.bulk_create(
        [Department(jurisdiction=world.city, name=f"单位{i}", code=f"u{i}") for i in range(20)]
    )
    # what it is kept under (the latest event, the weights, the scores), then the units, the stored figures'
    # marks and rows, the three counts of the units not stored, weights, scores
    with django_assert_max_num_queries(11):
        result = assess(world.city.pk, year=2026, today=TODAY)
    assert len(result["rows"]) == 26
    with django_assert_max_num_queries(3):  # kept: only what it is kept under
        assert assess(world.city.pk, year=2026, today=TODAY) == result
    settings.REPORT_CACHE_SECONDS = 0
    recount_all(TODAY)  # what the worker keeps: then nothing is counted afresh (besides weights and scores)
    with django_assert_max_num_queries(7):
        assert assess(world.city.pk, year=2026, today=TODAY) == result
