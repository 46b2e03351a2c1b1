"""The supervision pages: the list with its lights, filters and Excel export; one plan with the forms of the
roles allowed, posting to the same commands as the API."""

from __future__ import annotations

import io
from collections.abc import Iterator

import openpyxl
import pytest
import time_machine
from django.test import Client

from conftest import World, file_proposal
from supervision.models import Instruction, Milestone, Plan, ProgressNote
from supervision.tests.scene import START, key_proposal, milestone_body


@pytest.fixture(autouse=True)
def _today() -> Iterator[None]:
    with time_machine.travel("2026-03-10 10:00 +0800", tick=False):
        yield


def client(user: object) -> Client:
    c = Client()
    c.force_login(user)  # type: ignore[arg-type]
    return c


def scene(world: World) -> tuple[int, int]:
    """A red key proposal (its milestone missed) and a green one with nothing set yet."""
    red = key_proposal(world)
    green = key_proposal(world, is_suggestion=True, title="关于建设城市绿道的建议")
    with time_machine.travel("2026-03-05 10:00 +0800", tick=False):
        body = milestone_body(world, due_on="2026-03-08")
        resp = world.api(world.office).post(f"/proposals/{red['id']}/milestones", body)
    assert resp.status == 201
    return red["id"], green["id"]


def test_the_list_shows_lights_filters_and_exports(world: World) -> None:
    red, green = scene(world)
    html = client(world.office).get("/supervision/").content.decode()
    assert "动态督办" in html
    assert f'href="/supervision/{red}/"' in html and f'href="/supervision/{green}/"' in html
    assert "超期 2 天" in html and "制定课后服务实施方案" in html and "尚未设置节点" in html
    only_red = client(world.office).get("/supervision/", {"light": "red"}).content.decode()
    assert f"/supervision/{red}/" in only_red and f"/supervision/{green}/" not in only_red
    assert f"/supervision/{green}/" in client(world.office).get("/supervision/", {"light": "green"}).content.decode()
    resp = client(world.office).get("/supervision/", {"export": "xlsx", "light": "red"})
    assert resp.status_code == 200 and resp["Content-Disposition"].endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(resp.streaming_content))).active  # type: ignore[attr-defined]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("督办灯", "提案", "类型", "下一节点", "责任单位")
    assert len(rows) == 2 and rows[1][0] == "红灯" and rows[1][3] == "制定课后服务实施方案" and rows[1][4] == "市教育局"


def test_who_opens_the_pages(world: World) -> None:
    red, _ = scene(world)
    with time_machine.travel(START, tick=False):
        ordinary = file_proposal(world)["id"]
    for user in (world.office, world.cppcc, world.mayor, world.jyj_handler):
        assert client(user).get(f"/supervision/{red}/").status_code == 200, user.username
        assert client(user).get("/supervision/").status_code == 200
    for user in (world.member1, world.zjj_handler, world.county_office):
        assert client(user).get(f"/supervision/{red}/").status_code == 404, user.username
    assert client(world.member1).get("/supervision/").status_code == 404
    assert client(world.office).get(f"/supervision/{ordinary}/").status_code == 404
    assert client(world.office).get(f"/supervision/{red}/").status_code == 200
    assert Client().get("/supervision/").status_code == 302  # to the sign-in page


def test_each_role_sees_its_forms(world: World) -> None:
    red, _ = scene(world)

    def page(user: object) -> str:
        return client(user).get(f"/supervision/{red}/").content.decode()

    office, unit, leader, cppcc = page(world.office), page(world.jyj_handler), page(world.mayor), page(world.cppcc)
    assert "设置节点" in office and "录入领导批示" in office and "报送进展" in office and "标记完成" not in office
    assert "标记完成" in unit and "报送进展" in unit and "设置节点" not in unit and "提交批示" not in unit
    assert "作出批示" in leader and "报送进展" not in leader and "批示领导" not in leader
    assert all(w not in cppcc for w in ("设置节点", "标记完成", "报送进展", "提交批示"))
    assert "超期 2 天" in office  # the plan's light


def test_the_forms_run_the_actions(world: World) -> None:
    red, _ = scene(world)
    office = client(world.office)
    resp = office.post(f"/supervision/{red}/milestones/", {"title": "完成试点", "due_on": "2026-05-31",
                                                            "department_id": str(world.wjw.pk)})  # fmt: skip
    assert resp.status_code == 302 and resp["Location"] == f"/supervision/{red}/#milestones-title"
    assert Milestone.objects.filter(title="完成试点", department=world.wjw).exists()
    refused = office.post(f"/supervision/{red}/milestones/", {"title": "完成试点", "due_on": "2026-03-01",
                                                               "department_id": str(world.wjw.pk)})  # fmt: skip
    assert refused.status_code == 422 and "完成时限不能早于今天。" in refused.content.decode()
    missed = Milestone.objects.get(title="制定课后服务实施方案")
    assert client(world.wjw_head).post(f"/supervision/milestones/{missed.pk}/done/", {}).status_code == 403
    resp = client(world.jyj_head).post(f"/supervision/milestones/{missed.pk}/done/", {"note": "已印发"})
    assert resp.status_code == 302
    missed.refresh_from_db()
    assert missed.done_on is not None and missed.note == "已印发"
    again = client(world.jyj_head).post(f"/supervision/milestones/{missed.pk}/done/", {"note": "再次"})
    assert again.status_code == 422 and "该督办节点已于2026年3月10日完成。" in again.content.decode()
    assert client(world.jyj_handler).post(f"/supervision/{red}/progress-notes/", {"text": "推进中"}).status_code == 302
    assert ProgressNote.objects.get().text == "推进中"
    empty = office.post(f"/supervision/{red}/instructions/", {"text": "请抓紧。"})
    assert empty.status_code == 422 and "请选择作出批示的领导。" in empty.content.decode()
    assert office.post(f"/supervision/{red}/instructions/",
                       {"text": "请抓紧。", "leader_id": str(world.mayor.pk)}).status_code == 302  # fmt: skip
    assert Instruction.objects.get().leader == world.mayor
    html = office.get(f"/supervision/{red}/").content.decode()
    assert "推进中" in html and "请抓紧。" in html and "（督查室王科长录入）" in html and "已印发" in html
    assert client(world.cppcc).post(f"/supervision/{red}/progress-notes/", {"text": "x"}).status_code == 403


def test_the_list_costs_the_same_for_more_rows(world: World) -> None:
    from web.tests.helpers import queries

    scene(world)
    office = client(world.office)
    queries(office, "/supervision/")  # the session and the user, once
    few = queries(office, "/supervision/")
    for _ in range(3):
        p = key_proposal(world)
        world.api(world.office).post(f"/proposals/{p['id']}/milestones", milestone_body(world, due_on="2026-04-01"))
    assert queries(office, "/supervision/") == few


def test_the_console_shows_plans_read_only(world: World) -> None:
    red, _ = scene(world)
    admin = client(world.admin)
    plan = Plan.objects.get(proposal_id=red)
    assert admin.get("/admin/supervision/plan/").status_code == 200
    page = admin.get(f"/admin/supervision/plan/{plan.pk}/change/")
    assert page.status_code == 200 and "制定课后服务实施方案" in page.content.decode()
    assert admin.post(f"/admin/supervision/plan/{plan.pk}/change/", {}).status_code == 403
    assert admin.post(f"/admin/supervision/plan/{plan.pk}/delete/", {"post": "yes"}).status_code == 403


def test_a_key_proposals_pages_link_to_its_plan_but_not_the_members(world: World) -> None:
    red, _ = scene(world)
    plain = file_proposal(world)["id"]
    link = f'href="/supervision/{red}/"'
    assert link in client(world.office).get(f"/proposals/{red}/").content.decode()
    assert "/supervision/" not in client(world.office).get(f"/proposals/{plain}/").content.decode().split("<main")[1]
    member_page = client(world.member1).get(f"/my/{red}/")
    assert member_page.status_code == 200 and link not in member_page.content.decode()
