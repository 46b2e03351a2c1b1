"""The draw of a spot check: only replied lead assignments of the jurisdiction and year, the size asked for
(or the percentage, rounded up), the same items again from the recorded seed and pool, and never the same
assignment twice in one check — through the API, on the fixed year of ``scene``."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine

from conftest import World, build_shared
from spotchecks.actions import draw_sample
from spotchecks.models import Draw, How, SpotCheckItem

from . import scene
from .scene import new_check

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def built(module_world: World | None, django_db_blocker: Any) -> dict[str, int]:
    return build_shared(module_world, django_db_blocker, scene.build, at=scene.NOW)


@pytest.fixture
def ids(built: dict[str, int], world: World) -> Iterator[dict[str, int]]:
    with time_machine.travel("2026-07-01 10:00 +0800", tick=False):
        yield built


def eligible_ids(ids: dict[str, int]) -> list[int]:
    return sorted(ids[k] for k in scene.ELIGIBLE)


def drawn(check: dict[str, Any]) -> list[int]:
    return sorted(i["assignment_id"] for i in check["items"])


def add(world: World, check_id: int, body: dict[str, Any], expect: int = 200) -> Any:
    resp = world.api(world.office).post(f"/spot-checks/{check_id}/items", body)
    assert resp.status == expect, resp.data
    return resp.data


def test_a_draw_takes_only_replied_lead_assignments_of_the_year(world, ids):
    check = new_check(world, draw={"percent": 100})
    assert drawn(check) == eligible_ids(ids)  # not J4 (handling), ZC (co), OLD (2025)
    (draw,) = check["draws"]
    assert draw["pool_ids"] == eligible_ids(ids) and draw["pool_size"] == 6 and draw["size"] == 6
    assert {i["how"] for i in check["items"]} == {How.RANDOM}


def test_a_draw_takes_the_size_asked_for_or_the_percentage_rounded_up(world, ids):
    assert len(new_check(world, draw={"size": 2, "seed": 7})["items"]) == 2
    half = new_check(world, draw={"percent": 34, "seed": 7})  # 6 × 34% = 2.04 → 3
    assert len(half["items"]) == 3 and half["draws"][0]["percent"] == 34
    too_many = new_check(world, draw={"size": 7}, expect=422)
    assert too_many["error"]["code"] == "sample_too_large" and too_many["error"]["details"]["available"] == 6
    both = new_check(world, draw={"size": 2, "percent": 50}, expect=400)
    assert both["error"]["code"] == "invalid" and set(both["error"]["details"]["fields"]) == {"size", "percent"}
    assert new_check(world, draw={}, expect=400)["error"]["code"] == "invalid"


def test_the_same_seed_draws_the_same_items_and_the_record_replays(world, ids):
    first = new_check(world, draw={"size": 3, "seed": 20260701})
    second = new_check(world, title="再抽一次", draw={"size": 3, "seed": 20260701})
    assert drawn(first) == drawn(second)
    # the rule written down: Python's own generator with the seed, over the pool in id order
    assert sorted(random.Random(20260701).sample(eligible_ids(ids), 3)) == drawn(first)
    row = Draw.objects.get(pk=first["draws"][0]["id"])
    assert draw_sample(row.pool_ids, row.size, row.seed) == row.drawn_ids
    assert sorted(row.drawn_ids) == drawn(first)


def test_a_draw_without_a_seed_records_the_one_it_used(world, ids):
    check = new_check(world, draw={"size": 4})
    draw = check["draws"][0]
    assert isinstance(draw["seed"], int) and 0 <= draw["seed"] < 2**53
    assert sorted(random.Random(draw["seed"]).sample(draw["pool_ids"], 4)) == drawn(check)


def test_a_seed_changes_the_draw(world, ids):
    draws = {tuple(drawn(new_check(world, title=f"第{s}次", draw={"size": 3, "seed": s}))) for s in range(8)}
    assert len(draws) > 1  # 20 possible samples of 3 out of 6: eight seeds do not all give one


def test_an_assignment_is_never_twice_in_one_check(world, ids):
    check = new_check(world, draw={"size": 4, "seed": 1})
    first = drawn(check)
    short = add(world, check["id"], {"draw": {"size": 3}}, expect=422)
    assert short["error"]["code"] == "sample_too_large" and short["error"]["details"]["available"] == 2
    more = add(world, check["id"], {"draw": {"size": 2, "seed": 2}})
    assert drawn(more) == eligible_ids(ids)  # the two left, none again
    assert more["draws"][1]["pool_ids"] == sorted(set(eligible_ids(ids)) - set(first))
    empty = add(world, check["id"], {"draw": {"percent": 100}}, expect=422)
    assert empty["error"]["code"] == "nothing_to_draw"
    again = add(world, check["id"], {"assignment_ids": [first[0]]}, expect=422)
    assert again["error"]["code"] == "already_in_check" and again["error"]["details"]["assignment_ids"] == [first[0]]
    assert SpotCheckItem.objects.filter(spot_check_id=check["id"]).count() == 6


def test_a_draw_can_be_restricted(world, ids):
    assert drawn(new_check(world, draw={"percent": 100, "key_only": True})) == [ids["W1"]]
    assert drawn(new_check(world, draw={"percent": 100, "multi_unit": True})) == [ids["W2"]]
    assert drawn(new_check(world, draw={"percent": 100, "category": "教育"})) == sorted(
        [ids["J1"], ids["J2"], ids["J3"]]
    )
    zjj = new_check(world, draw={"percent": 100, "department_ids": [world.zjj.pk]})
    assert drawn(zjj) == [ids["Z1"]] and zjj["draws"][0]["criteria"] == {"department_ids": [world.zjj.pk]}
    none = new_check(world, draw={"size": 1, "category": "交通"}, expect=422)
    assert none["error"]["code"] == "nothing_to_draw"


def test_items_may_be_chosen_by_hand_all_or_none(world, ids):
    check = new_check(world)
    assert check["items"] == [] and check["draws"] == []
    refused = add(world, check["id"], {"assignment_ids": [ids["J1"], ids["J4"], ids["ZC"], ids["OLD"]]}, expect=422)
    assert refused["error"]["code"] == "not_eligible"
    assert refused["error"]["details"]["assignment_ids"] == [ids["J4"], ids["ZC"], ids["OLD"]]
    assert not SpotCheckItem.objects.filter(spot_check_id=check["id"]).exists()
    chosen = add(world, check["id"], {"assignment_ids": [ids["W2"], ids["J3"], ids["W2"]]})
    assert drawn(chosen) == sorted([ids["J3"], ids["W2"]]) and {i["how"] for i in chosen["items"]} == {How.CHOSEN}
    both = add(world, check["id"], {"assignment_ids": [ids["J1"]], "draw": {"size": 1}}, expect=400)
    assert both["error"]["code"] == "invalid"
    neither = add(world, check["id"], {}, expect=400)
    assert neither["error"]["code"] == "invalid"
