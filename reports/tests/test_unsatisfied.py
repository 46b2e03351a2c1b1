"""不满意提案分析: every case, its re-handling and outcome, and each unit's first against final satisfaction,
against figures worked out by hand on the fixed year of ``unsatisfied_scene`` (its docstring has them); the
API and the page, who sees what, the drill-down and the Excel export."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from html import unescape
from io import BytesIO
from typing import Any
from urllib.parse import unquote

import pytest
import time_machine
from openpyxl import load_workbook

from conftest import World, act, build_shared
from handling.models import Assignment
from reports.queries import department_stats
from reports.unsatisfied import analysis
from web.tests.helpers import page, queries, signed_in

from . import unsatisfied_scene

TODAY = date(2026, 7, 1)
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def built(module_world: World | None, django_db_blocker: Any) -> dict[str, int]:
    return build_shared(module_world, django_db_blocker, unsatisfied_scene.build)


@pytest.fixture
def scene(built: dict[str, int], world: World) -> Iterator[dict[str, int]]:
    with time_machine.travel("2026-07-01 18:00 +0800", tick=False):
        yield built


def api(world: World, user: Any = None, expect: int = 200, **params: Any) -> Any:
    resp = world.api(user or world.office).get("/reports/unsatisfied", **{"year": 2026, **params})
    assert resp.status == expect, resp.data
    return resp.data


def unit(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(d for d in data["departments"] if d["name"] == name)


def cases_of(data: dict[str, Any], aid: int) -> list[dict[str, Any]]:
    return sorted((c for c in data["cases"] if c["assignment_id"] == aid), key=lambda c: c["round"])


FIGURES = ("assigned", "rated", "first_satisfied", "final_satisfied", "first_rate", "final_rate", "change", "cases",
           "resolved", "still_unsatisfied", "awaiting_rating", "overdue", "rehandling")  # fmt: skip


def figures(row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row[k] for k in FIGURES)


def test_each_unit_first_against_final_satisfaction_by_hand(world, scene):
    data = api(world)
    # jyj: U5 withdrawn; first satisfied U1 only, final U1 and U2 (the latest rating, domain.md §7)
    assert figures(unit(data, "市教育局")) == (5, 5, 1, 2, 0.2, 0.4, 0.2, 5, 1, 1, 1, 1, 1)
    # zjj: Z1 basically satisfied (the co-signer's unsatisfied rating decides nothing), Z2 not rated
    assert figures(unit(data, "市住房和城乡建设局")) == (2, 1, 1, 1, 1.0, 1.0, 0.0, 0, 0, 0, 0, 0, 0)
    # a unit with no proposal: nothing to divide by
    assert figures(unit(data, "市卫生健康委员会")) == (0, 0, 0, 0, None, None, None, 0, 0, 0, 0, 0, 0)
    assert figures(data["totals"]) == (7, 6, 2, 3, 0.3333, 0.5, 0.1667, 5, 1, 1, 1, 1, 1)


def test_final_satisfaction_is_the_reports_satisfaction_rate(world, scene):
    stats = {d["department_id"]: d for d in department_stats([world.city.pk], today=TODAY, year=2026)["departments"]}
    got = analysis([world.city.pk], year=2026, today=TODAY)
    for row in got.departments:
        s = stats[row["department_id"]]
        assert (row["rated"], row["final_satisfied"], row["final_rate"]) == (
            s["feedbacks"], s["satisfied"], s["satisfaction_rate"],
        )  # fmt: skip


def test_every_case_with_its_reason_rehandling_and_outcome(world, scene):
    data = api(world)
    assert len(data["cases"]) == 5
    assert [c["feedback_id"] for c in data["cases"]] == sorted((c["feedback_id"] for c in data["cases"]), reverse=True)

    (u2,) = cases_of(data, scene["U2"])
    assert {k: u2[k] for k in ("round", "rated_on", "reason", "on_paper", "rated_reply_class", "rated_reply_on",
                               "rehandle_due", "reply_on", "reply_class", "reply_on_time", "later_result",
                               "later_rated_on", "later_reason", "outcome", "department")} == {  # fmt: skip
        "round": 1, "rated_on": "2026-04-25", "reason": "未解决实际问题", "on_paper": False,
        "rated_reply_class": "B", "rated_reply_on": "2026-04-10", "rehandle_due": "2026-05-25",
        "reply_on": "2026-05-10", "reply_class": "A", "reply_on_time": True, "later_result": "satisfied",
        "later_rated_on": "2026-05-20", "later_reason": "问题已解决", "outcome": "resolved", "department": "市教育局",
    }  # fmt: skip

    first, second = cases_of(data, scene["U3"])
    assert (first["round"], first["reason"], first["rehandle_due"], first["reply_on"], first["reply_class"],
            first["reply_on_time"], first["later_result"], first["outcome"]) == (
        1, "答复敷衍", "2026-05-25", "2026-05-28", "C", False, "unsatisfied", "still_unsatisfied",
    )  # fmt: skip
    assert (second["round"], second["reason"], second["rated_reply_class"], second["rehandle_due"],
            second["reply_on"], second["later_result"], second["outcome"]) == (
        2, "仍未解决", "C", "2026-06-30", None, "", "overdue",
    )  # fmt: skip

    (u4,) = cases_of(data, scene["U4"])  # the paper form the CPPCC staff entered
    assert (u4["on_paper"], u4["entered_by"], u4["proposer"], u4["rated_on"], u4["rehandle_due"], u4["outcome"]) == (
        True, "提案委李主任", "张委员", "2026-06-22", "2026-07-22", "rehandling",
    )  # fmt: skip

    (u6,) = cases_of(data, scene["U6"])
    assert (u6["reason"], u6["rehandle_due"], u6["reply_on"], u6["reply_on_time"], u6["outcome"]) == (
        "=SUM(A1) 未回应第二条建议", "2026-07-01", "2026-06-22", True, "awaiting_rating",
    )  # fmt: skip
    assert not cases_of(data, scene["Z1"]) and not cases_of(data, scene["U5"])


def test_the_deadline_passing_turns_a_case_overdue(world, scene):
    with time_machine.travel("2026-07-23 10:00 +0800", tick=False):
        got = analysis([world.city.pk], year=2026, today=date(2026, 7, 23))
    (u4,) = [c for c in got.cases if c.assignment_id == scene["U4"]]
    assert u4.outcome == "overdue"
    on_due_day = analysis([world.city.pk], year=2026, today=date(2026, 7, 22))
    assert next(c for c in on_due_day.cases if c.assignment_id == scene["U4"]).outcome == "rehandling"


def test_another_year_has_nothing(world, scene):
    data = api(world, year=2025)
    assert data["cases"] == [] and data["totals"]["rated"] == 0 and data["totals"]["first_rate"] is None


def test_who_sees_what_on_the_api(world, scene):
    assert len(api(world, world.cppcc)["cases"]) == 5
    # the vice mayor is in charge of jyj only; the mayor of all three units
    vice = api(world, world.vicemayor)
    assert [d["name"] for d in vice["departments"]] == ["市教育局"] and len(vice["cases"]) == 5
    assert len(api(world, world.mayor)["departments"]) == 3
    for user in (world.jyj_handler, world.jyj_head, world.member1):
        assert api(world, user, expect=403)["error"]["code"] == "forbidden"
    # the county's office does not see the city (404, as for a jurisdiction that is not there)
    assert api(world, world.county_office, expect=404, jurisdiction=world.city.pk)["error"]["code"] == "not_found"
    county = api(world, world.county_office)
    assert county["cases"] == [] and [d["name"] for d in county["departments"]] == ["示例县教育局"]
    assert api(world, jurisdiction=world.city.pk, include_children=True)["totals"]["cases"] == 5
    assert api(world, expect=400, year=99999)["error"]["code"] == "invalid"
    assert world.api().get("/reports/unsatisfied").status == 401


# ---------------------------------------------------------------------------------------------------------------
# The page /office/unsatisfied/


def html_of(user: Any, **params: Any) -> str:
    return page(user, "/office/unsatisfied/", **{"year": 2026, **params}).content.decode()


def unit_row(html: str, name: str) -> str:
    match = re.search(rf"<tr data-department[^>]*>\s*<th[^>]*>{name}(?:<span[^<]*</span>)?</th>(.*?)</tr>", html, re.S)
    assert match, name
    return match.group(1)


def rows_behind(client: Any, link: str) -> int:
    """How many rows the page a number links to lists: assignments (drill-down) or cases."""
    resp = client.get(unescape(link))
    assert resp.status_code == 200, link
    body = resp.content.decode()
    if "/drill/" in link:
        return len(re.findall(r"<tr>\s*<td class=\"text-nowrap\">", body))
    return len(re.findall(r"<tr data-feedback=", body))


def test_the_page_shows_each_unit_and_every_number_opens_its_rows(world, scene):
    html = html_of(world.office)
    jyj = unit_row(html, "市教育局")
    cells = [re.sub(r"<[^>]+>", "", c).split("（")[0].strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", jyj, re.S)]
    # rated, first, final, change, cases, then the outcomes: resolved, still, awaiting, overdue, rehandling
    assert cells == ["5", "1", "2", "+20%", "5", "1", "1", "1", "1", "1"]
    assert "（20%）" in jyj and "（40%）" in jyj
    units = re.search(r'id="units".*?</section>', html, re.S)
    assert units and "市卫生健康委员会" not in units.group(0)  # no rating: not listed
    client = signed_in(world.office)
    links = re.findall(r'href="([^"]+)" aria-label="市教育局[^"]* (\d+)"', jyj)
    assert len(links) == 9  # every count (the change is a difference, not a count)
    for link, n in links:
        assert rows_behind(client, link) == int(n), link


def test_the_cases_with_their_reason_filtered_by_unit_and_outcome(world, scene):
    html = html_of(world.office)
    assert len(re.findall(r"<tr data-feedback=", html)) == 5
    assert f'href="/proposals/{Assignment.objects.get(pk=scene["U2"]).proposal_id}/"' in html
    assert "未解决实际问题" in html and "（纸质反馈，提案委李主任代录）" in html and "第2次" in html
    overdue = html_of(world.office, outcome="overdue")
    assert len(re.findall(r"<tr data-feedback=", overdue)) == 1 and "仍未解决" in overdue
    zjj = html_of(world.office, unit=world.zjj.pk)
    assert "<tr data-feedback=" not in zjj and "没有不满意评价" in zjj
    # a value that is no choice is ignored, not an error
    assert len(re.findall(r"<tr data-feedback=", html_of(world.office, outcome="x", unit="abc"))) == 5


def test_who_may_open_the_page(world, scene):
    assert "<tr data-feedback=" in html_of(world.cppcc)
    vice = html_of(world.vicemayor)
    assert "（分管单位）" in vice and len(re.findall(r"<tr data-department=", vice)) == 1
    assert "市住房和城乡建设局" not in vice  # not in the unit filter either
    for user in (world.jyj_handler, world.member1):
        assert signed_in(user).get("/office/unsatisfied/").status_code == 403
    # a unit outside the leader's charge is not drillable
    assert (
        signed_in(world.vicemayor)
        .get("/office/unsatisfied/drill/", {"count": "rated", "unit": world.zjj.pk})
        .status_code
        == 404
    )


def test_the_excel_exports_are_formula_safe(world, scene):
    resp: Any = signed_in(world.office).get("/office/unsatisfied/", {"year": "2026", "export": "xlsx"})
    assert resp.status_code == 200 and "不满意提案分析" in unquote(resp["Content-Disposition"])
    sheet = load_workbook(BytesIO(b"".join(resp.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "承办单位" and len(rows) == 6
    formula = next(r for r in sheet.iter_rows() if r[8].value and str(r[8].value).startswith("=SUM"))
    assert formula[8].data_type == "s" and formula[8].quotePrefix  # text, never a formula
    units: Any = signed_in(world.office).get(
        "/office/unsatisfied/", {"year": "2026", "export": "xlsx", "table": "units"}
    )
    table = list(load_workbook(BytesIO(b"".join(units.streaming_content))).active.iter_rows(values_only=True))
    assert table[-1][:9] == ("合计", 7, 6, 2, 0.3333, 3, 0.5, 0.1667, 5)


def test_the_page_reads_a_fixed_number_of_queries(world, scene):
    client = signed_in(world.office)
    client.get("/office/")  # the session's first request reads more (the sign-in, the account gate)
    before = queries(client, "/office/unsatisfied/?year=2026")
    act(world, world.member1, scene["Z2"], "feedback", {"attitude": "satisfied", "result": "unsatisfied"})
    assert "<tr data-feedback=" in client.get(f"/office/unsatisfied/?year=2026&unit={world.zjj.pk}").content.decode()
    assert queries(client, "/office/unsatisfied/?year=2026") == before  # one more case, another unit
