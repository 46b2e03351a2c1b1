"""Office and CPPCC staff see their jurisdiction and the ones below it, but act on their own only (分级负责):
one scope (``handling.access.own_jurisdiction_*``) for every list and number of their workbenches."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import World, assign, file_proposal
from handling.access import (
    own_jurisdiction_assignments,
    own_jurisdiction_ids,
    own_jurisdiction_proposals,
    visible_proposals,
)
from handling.permissions import acts_for_jurisdiction
from proposals.models import Proposal, Session

from .helpers import csv_text, frozen_clock, page, signed_in

_today = frozen_clock("2026-03-02 09:00 +0800")


def county_case(world: World) -> dict[str, Any]:
    """A city proposal assigned to a city unit, and a county one assigned by the county office."""
    city = file_proposal(world, title="关于市区停车难的建议")
    city_lead = assign(world, city["id"], [(world.jyj, "lead")])["assignments"][0]["id"]
    session = Session.objects.create(jurisdiction=world.county, name="县十届三次会议", year=2026)
    county = Proposal.objects.create(
        session=session, jurisdiction=world.county, year=2026, number="X1", title="县里的提案", body="……",
        kind="individual",
    )  # fmt: skip
    body = {"assignments": [{"department_id": world.xq.pk, "role": "lead"}]}
    resp = world.api(world.county_office).post(f"/proposals/{county.pk}/assign", body)
    assert resp.status == 200, resp.data
    county_lead = resp.data["assignments"][0]["id"]
    return {"city": city["id"], "city_lead": city_lead, "county": county.pk, "county_lead": county_lead}


@pytest.mark.parametrize("who", ["office", "cppcc", "county_office", "admin"])
def test_the_scope_is_exactly_what_the_user_may_act_on(world, who):
    ids = county_case(world)
    user = getattr(world, who)
    seen = set(visible_proposals(user).values_list("pk", flat=True))
    own = set(own_jurisdiction_proposals(user).values_list("pk", flat=True))
    assert own <= seen
    assignments = list(own_jurisdiction_assignments(user).select_related("proposal"))
    assert {a.proposal_id for a in assignments} <= own
    expected = {
        "office": {ids["city"]},
        "cppcc": {ids["city"]},
        "county_office": {ids["county"]},
        "admin": {ids["city"], ids["county"]},
    }[who]
    assert own == expected
    # the rows the lists offer are the ones the actions accept (``permissions.can_act``)
    acts_on = {p.pk for p in visible_proposals(user) if user.is_superuser or acts_for_jurisdiction(user, p)}
    assert own == acts_on
    if who in ("office", "cppcc"):
        assert ids["county"] in seen, "the city sees the county's proposal, though it does not act on it"
        assert own_jurisdiction_ids(user) == [world.city.pk]
    if who == "admin":
        assert set(own_jurisdiction_ids(user)) == {world.city.pk, world.county.pk}


def test_the_city_offices_board_leaves_out_the_countys_units(world):
    county_case(world)
    board = {r["name"] for r in page(world.office, "/office/").context["board"]}
    assert board == {"市教育局"}
    assert "示例县教育局" not in csv_text(signed_in(world.office).get("/office/board/export/"))
    board = {r["name"] for r in page(world.county_office, "/office/").context["board"]}
    assert board == {"示例县教育局"}


def test_the_committees_summary_counts_its_own_jurisdiction(world):
    county_case(world)
    s = page(world.cppcc, "/cppcc/").context["s"]
    assert (s["total"], s["assigned"], s["in_progress"]) == (1, 1, 1)
    recent = [p.title for p in page(world.cppcc, "/cppcc/").context["recent"]]
    assert recent == ["关于市区停车难的建议"]
