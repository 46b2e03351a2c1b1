"""督办驾驶舱 (/dashboard/): the targets and who misses them, the units' figures, each number opening exactly
the assignments behind it, the jurisdictions side by side, who may open it; in the browser with its charts.

The figures are checked against the hand-worked scene of tests/test_stats.py (2026-07-01): jyj has three
lead assignments (two replied, one overdue; meetings on two, all three on one; one satisfied and one
unsatisfied rating), zjj two (both replied, no meeting, no rating), the county's xq one (never replied).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import World
from handling.models import Assignment
from reports.queries import METRIC_LABELS
from tests.test_stats import contact, lead_of, reply, scene, to_handling  # noqa: F401 (scene: a fixture)

from .conftest import DESKTOP, PHONE
from .helpers import look, signed_in

AT = "2026-07-01 18:00 +0800"


def dashboard(user: Any, **params: Any) -> Any:
    with time_machine.travel(AT, tick=False):
        resp = signed_in(user).get("/dashboard/", params)
    assert resp.status_code == 200
    return resp


def listed(user: Any, url: str) -> int:
    """How many rows the list at ``url`` says it holds."""
    with time_machine.travel(AT, tick=False):
        resp = signed_in(user).get(url)
    assert resp.status_code == 200, url
    match = re.search(r"共 (\d+) 条", resp.content.decode())
    assert match, url
    return int(match.group(1))


@pytest.mark.usefixtures("scene")
def test_the_targets_name_the_units_that_miss_them(world: World) -> None:
    d = dashboard(world.office, year=2026).context["d"]
    targets = {t.key: t for t in d.targets}
    # the city and its county together: 6 lead assignments, 4 replied (xq's never)
    assert (d.totals["assigned"], d.totals["replied"]) == (6, 4)
    assert targets["reply_rate"].value == round(4 / 6, 4) and not targets["reply_rate"].met
    assert [u["name"] for u in targets["reply_rate"].misses] == [world.xq.name, world.jyj.name]  # lowest first
    assert targets["meeting_rate"].value == round(2 / 6, 4)
    assert [u["name"] for u in targets["meeting_rate"].misses] == [world.zjj.name, world.xq.name, world.jyj.name]
    assert targets["satisfaction_rate"].value == 0.5
    assert [u["name"] for u in targets["satisfaction_rate"].misses] == [world.jyj.name]  # zjj has no rating yet
    html = dashboard(world.office, year=2026).content.decode()
    assert "未达标单位 2 个" in html and "66.7%" in html
    export = re.search(r'href="([^"]*stats\.xlsx[^"]*)"', html)
    assert export
    with time_machine.travel(AT, tick=False):  # the Excel button opens for the signed-in page user
        resp = signed_in(world.office).get(export.group(1).replace("&amp;", "&"))
    assert resp.status_code == 200 and resp["Content-Type"].startswith("application/vnd.openxmlformats")


@pytest.mark.usefixtures("scene")
def test_every_number_opens_the_assignments_behind_it(world: World) -> None:
    resp = dashboard(world.office, year=2026)
    units = {u["department_id"]: u for u in resp.context["units"]}
    jyj, zjj = units[world.jyj.pk], units[world.zjj.pk]
    expected = {"assigned": 3, "replied": 2, "overdue": 1, "unmet": 1, "unsatisfied": 1, "a": 1, "b": 0, "c": 1,
                "rehandled": 1}  # fmt: skip
    for metric, n in expected.items():
        assert listed(world.office, jyj["links"][metric]) == n, metric
    assert (jyj["unmet"], jyj["unsatisfied"]) == (1, 1)
    with time_machine.travel(AT, tick=False):  # the API's list takes the same filter
        world._apis.clear()
        api = world.api(world.office).get("/assignments", year=2026, metric="overdue", department=world.jyj.pk)
        assert (api.status, api.data["total"]) == (200, 1)
        assert world.api(world.office).get("/assignments", metric="nonsense").status == 400
    assert listed(world.office, zjj["links"]["unmet"]) == 2 == zjj["unmet"]
    # the whole scope's numbers too, and every metric the lists know is one the report defines
    assert listed(world.office, resp.context["links"]["replied"]) == 4
    assert set(resp.context["units"][0]["links"]) <= set(METRIC_LABELS)


@pytest.mark.usefixtures("scene")
def test_the_counties_side_by_side_and_summed(world: World) -> None:
    d = dashboard(world.office, year=2026).context["d"]
    by_name = {j["name"]: j for j in d.jurisdictions}
    city, county = by_name[world.city.name], by_name[world.county.name]
    assert (city["assigned"], city["replied"], city["reply_rate"]) == (5, 4, 0.8)
    assert (county["assigned"], county["replied"], county["reply_rate"]) == (1, 0, 0.0)
    assert city["assigned"] + county["assigned"] == d.totals["assigned"]
    # the county's office sees its own units only, and no comparison
    own = dashboard(world.county_office, year=2026).context["d"]
    assert [u["name"] for u in own.units if u["assigned"]] == [world.xq.name] and own.jurisdictions == []


@pytest.mark.usefixtures("scene")
def test_the_months_classes_and_key_proposals(world: World) -> None:
    d = dashboard(world.office, year=2026).context["d"]
    months = {m.month: m for m in d.months}
    # assigned 03-02 (five lead) and 06-25 (P4, returned: withdrawn from jyj); first replies 04-01, 04-10,
    # 06-20 and 07-01 (zjj's P5)
    assert months[3].assigned == 6 and months[6].assigned == 0
    assert (months[4].replied, months[6].replied, months[7].replied) == (2, 1, 1)
    assert (d.totals["a"], d.totals["b"], d.totals["c"]) == (2, 1, 1)
    assert sum(n for _, _, n in d.key_progress) == 0  # no key proposal in the scene


@pytest.mark.usefixtures("scene")
def test_who_may_open_it(world: World) -> None:
    assert dashboard(world.cppcc, year=2026).context["d"].totals["assigned"] == 6
    leader = dashboard(world.vicemayor, year=2026).context
    charged = set(world.vicemayor.charged_departments.values_list("pk", flat=True))
    assert {u["department_id"] for u in leader["d"].units} <= charged and leader["leader_view"]
    for user in (world.jyj_handler, world.member1):
        with time_machine.travel(AT, tick=False):
            assert signed_in(user).get("/dashboard/").status_code == 403


def _body(resp: Any) -> str:
    html = resp.content.decode()
    return html[html.index('<h1 class="h4 mb-0 me-auto">督办驾驶舱') : html.index('id="rate-chart"')]


@pytest.mark.usefixtures("scene")
def test_kept_until_the_next_change_which_shows_at_once(world: World) -> None:
    first = dashboard(world.office, year=2026)
    assert (first.context["d"].totals["replied"], first.context["d"].totals["overdue"]) == (4, 2)
    with time_machine.travel(AT, tick=False):
        office = signed_in(world.office)
        # between two changes the page is not counted again: the layout's queries and the latest event only
        with CaptureQueriesContext(connection) as q:
            again = office.get("/dashboard/", {"year": 2026})
    read = " ".join(x["sql"] for x in q.captured_queries)
    assert "history_event" in read and "handling_assignment" not in read and "reports_" not in read
    assert "d" not in again.context and _body(again) == _body(first)
    # another scope is another page: the county's office and a leader never see the city's
    county = dashboard(world.county_office, year=2026)
    assert [u["name"] for u in county.context["d"].units if u["assigned"]] == [world.xq.name]
    # jyj replies its overdue P3: the next request counts afresh and shows it
    pending = Assignment.objects.filter(department=world.jyj, role="lead", state="pending", year=2026)
    (p3,) = pending.values_list("pk", flat=True)
    with time_machine.travel("2026-07-01 10:00 +0800", tick=False):
        to_handling(world, p3, "jyj")
        reply(world, p3, "jyj", "A", "2026-07-01")
    after = dashboard(world.office, year=2026)
    assert (after.context["d"].totals["replied"], after.context["d"].totals["overdue"]) == (5, 1)  # xq's is left
    assert _body(after) != _body(first)
    # and the next day is another day: overdue counts and lights move with it
    with time_machine.travel("2026-07-02 09:00 +0800", tick=False):
        assert "d" in signed_in(world.office).get("/dashboard/", {"year": 2026}).context


@pytest.mark.django_db(transaction=True)
def test_the_dashboard_in_the_browser(bworld: World, open_page: Any) -> None:
    with time_machine.travel("2026-07-01 09:00 +0800", tick=False):
        for cls, signed in (("A", "2026-04-01"), ("B", "2026-04-10")):
            aid = lead_of(bworld, bworld.jyj)
            to_handling(bworld, aid, "jyj")
            contact(bworld, aid, "before", "2026-03-05")
            reply(bworld, aid, "jyj", cls, signed)
        lead_of(bworld, bworld.zjj)
    for viewport, name in ((DESKTOP, "dashboard"), (PHONE, "dashboard-phone")):
        page = open_page(bworld.office, viewport, "/dashboard/?year=2026")
        page.get_by_role("heading", name="督办驾驶舱 · 2026年").wait_for()
        for chart in ("trend-chart", "class-chart", "rate-chart"):
            page.locator(f'[data-chart="{chart}"] svg').first.wait_for()
        look(page, name)
    assert page.get_by_text("未达标单位").first.is_visible()
