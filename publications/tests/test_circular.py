"""The circular (通报): its figures against the hand counts of ``scene``, the Word document, who may draw it
up, issuing it (numbered, kept byte for byte, a message to every unit's users, the audit entry), and who
may download what was sent."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from audit.models import AuditEntry
from conftest import World, build_shared
from documents.tests.helpers import all_text, open_docx
from notifications.models import Notification
from organisation.models import Department, User
from publications.figures import circular_figures, period_label
from publications.models import Circular, CircularRecipient

from . import scene as scene_module

pytestmark = pytest.mark.django_db
TODAY = date(2026, 7, 1)
DRAFT = "/reports/circular.docx"
HALF = {"date_from": "2026-01-01", "date_to": "2026-06-30"}


@pytest.fixture(scope="module")
def built(module_world: World | None, django_db_blocker: Any) -> dict[str, Any]:
    return build_shared(module_world, django_db_blocker, scene_module.build, at=scene_module.NOW)


@pytest.fixture
def ids(built: dict[str, Any], world: World) -> Iterator[dict[str, Any]]:
    with time_machine.travel("2026-07-01 18:00 +0800", tick=False):
        yield built


def by_name(units: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {u["name"]: u for u in units}


def issue(world: World, user: Any = None, expect: int = 201, **body: Any) -> Any:
    resp = world.api(user or world.office).post("/reports/circulars", {**HALF, **body})
    assert resp.status == expect, resp.data
    return resp.data


def test_period_labels():
    assert period_label(date(2026, 1, 1), date(2026, 6, 30)) == "2026年1月至6月"
    assert period_label(date(2026, 6, 1), date(2026, 6, 30)) == "2026年6月"
    assert period_label(date(2026, 2, 1), date(2026, 2, 28)) == "2026年2月"
    assert period_label(date(2025, 11, 1), date(2026, 2, 28)) == "2025年11月至2026年2月"
    assert period_label(date(2026, 1, 15), date(2026, 6, 30)) == "2026年1月15日至6月30日"
    assert period_label(date(2026, 1, 1), date(2026, 6, 29)) == "2026年1月1日至6月29日"


def test_the_figures_and_who_is_praised_or_named_by_hand(world, ids):
    f = circular_figures(world.city, date_from=date(2026, 1, 1), date_to=date(2026, 6, 30), today=TODAY)
    units = by_name(f.units)
    assert list(units) == ["市教育局", "市卫生健康委员会", "市住房和城乡建设局", "市交通运输局", "市文化广电和旅游局"]
    jyj = units["市教育局"]
    assert (jyj["assigned"], jyj["replied"], jyj["met"], jyj["feedbacks"], jyj["satisfied"], jyj["overdue"]) == (
        4, 3, 3, 2, 1, 1,
    )  # fmt: skip
    assert (jyj["reply_rate"], jyj["meeting_rate"], jyj["satisfaction_rate"], jyj["returns"]) == (0.75, 0.75, 0.5, 1)
    zjj = units["市住房和城乡建设局"]
    assert (zjj["assigned"], zjj["replied"], zjj["met"], zjj["overdue"]) == (3, 2, 0, 0)
    assert (zjj["reply_rate"], zjj["meeting_rate"], zjj["satisfaction_rate"]) == (0.6667, 0.0, None)
    t = f.totals
    assert (t["assigned"], t["replied"], t["met"], t["feedbacks"], t["satisfied"], t["overdue"]) == (10, 6, 4, 3, 2, 1)
    assert (t["reply_rate"], t["meeting_rate"], t["satisfaction_rate"]) == (0.6, 0.4, 0.6667)

    assert [u["name"] for u in f.praised] == ["市卫生健康委员会"]
    assert [(n.name, n.reasons) for n in f.criticised] == [
        ("市教育局", ("逾期未办复1件", "见面率75%（目标100%）", "满意率50%（目标不低于98%）")),
    ]
    assert [(n.name, n.reasons) for n in f.reminded] == [
        ("市住房和城乡建设局", ("见面率0%（目标100%）",)),
        ("市交通运输局", ("见面率0%（目标100%）",)),
        ("市文化广电和旅游局", ("见面率0%（目标100%）",)),
    ]


def test_the_range_takes_the_assignments_assigned_in_it(world, ids):
    june = circular_figures(world.city, date_from=date(2026, 6, 1), date_to=date(2026, 6, 30), today=TODAY)
    # jtj, wlj and K1 (zjj) were assigned on 06-25; J5 and mzj's were too, and returned
    assert {u["name"]: u["assigned"] for u in june.units} == {"市住房和城乡建设局": 1, "市交通运输局": 1,
                                                               "市文化广电和旅游局": 1}  # fmt: skip
    assert june.totals["assigned"] == 3 and june.totals["returns"] == 2
    none = circular_figures(world.city, date_from=date(2026, 1, 1), date_to=date(2026, 3, 1), today=TODAY)
    assert none.units == [] and none.totals["assigned"] == 0 and none.totals["reply_rate"] is None


def test_the_draft_opens_in_word_with_its_title_table_and_names(world, ids):
    resp = world.api(world.office).get(DRAFT, **HALF)
    assert resp.status == 200, resp.data
    d = open_docx(resp.data)
    text = all_text(d)
    paragraphs = [p.text.replace("\n", "") for p in d.paragraphs]
    assert "关于2026年1月至6月政协提案办理工作进展情况的通报" in paragraphs
    assert "示例市人民政府办公室" in paragraphs and "（印发时编号）" in paragraphs
    assert 'string="草稿"' in d.sections[0].header._element.xml
    assert "各承办单位：" in paragraphs
    assert "办复率60%（目标100%）" in text and "见面率40%（目标100%）" in text
    assert "满意率66.7%（目标不低于98%）" in text and "逾期未办复1件" in text
    assert "市卫生健康委员会1个单位办复率、见面率达到100%" in text  # 表扬
    assert "1. 市教育局：逾期未办复1件；见面率75%（目标100%）；满意率50%（目标不低于98%）。" in paragraphs  # 通报批评
    assert "1. 市住房和城乡建设局：见面率0%（目标100%）。" in paragraphs  # 提醒
    (table,) = d.tables
    rows = [[c.text for c in row.cells] for row in table.rows]
    assert rows[0] == ["承办单位", "主办件", "已办复", "办复率", "见面率", "满意率", "逾期未办复"]
    assert rows[1] == ["市教育局", "4", "3", "75%", "75%", "50%", "1"]
    assert rows[2] == ["市卫生健康委员会", "1", "1", "100%", "100%", "100%", "0"]
    assert rows[3] == ["市住房和城乡建设局", "3", "2", "66.7%", "0%", "—", "0"]
    assert rows[-1] == ["合计", "10", "6", "60%", "40%", "66.7%", "1"]
    assert len(rows) == 7
    assert "抄送：市政协提案委员会，各承办单位。" in text
    assert "w:tblHeader" in table._tbl.xml  # the heads repeat on each page


def test_who_may_draw_up_a_circular(world, ids):
    api = world.api
    assert world.api().get(DRAFT, **HALF).status == 401
    for user in (world.jyj_head, world.cppcc, world.mayor, world.member1):
        resp = api(user).get(DRAFT, **HALF)
        assert (resp.status, resp.error_code) == (403, "forbidden"), user.username
    # a jurisdiction one does not see is not there (before the role: a unit user asking for the county)
    assert api(world.county_office).get(DRAFT, jurisdiction=world.city.pk, **HALF).status == 404
    assert api(world.xq_handler).get(DRAFT, jurisdiction=world.city.pk, **HALF).status == 404
    assert api(world.office).get(DRAFT, jurisdiction=999_999, **HALF).status == 404
    assert api(world.office).get(DRAFT, jurisdiction=world.county.pk, **HALF).status == 200  # one below
    # the input
    assert api(world.office).get(DRAFT, date_from="2026-01-01").status == 400
    assert api(world.office).get(DRAFT, date_from="2026-13-01", date_to="2026-06-30").status == 400
    assert api(world.office).get(DRAFT, date_from="2026-06-30", date_to="2026-01-01").status == 400
    resp = api(world.office).get(DRAFT, date_from="2026-08-01", date_to="2026-08-31")
    assert (resp.status, resp.error_code) == (422, "date_in_future")
    assert issue(world, world.jyj_head, expect=403)["error"]["code"] == "forbidden"
    assert issue(world, world.county_office, expect=404, jurisdiction_id=world.city.pk)
    assert not Circular.objects.exists()


def test_issuing_numbers_keeps_and_sends_it_to_every_unit(world, ids, django_capture_on_commit_callbacks):
    before = Notification.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        data = issue(world)
    assert data["number"] == "示例市政办督〔2026〕1号"
    assert data["title"] == "关于2026年1月至6月政协提案办理工作进展情况的通报"
    assert (data["date_from"], data["date_to"], data["issued_on"]) == ("2026-01-01", "2026-06-30", "2026-07-01")
    assert data["issued_by"] == "督查室王科长"
    circular = Circular.objects.get(pk=data["id"])
    assert hashlib.sha256(bytes(circular.document)).hexdigest() == circular.sha256 == data["sha256"]
    assert circular.figures["totals"]["assigned"] == 10 and circular.figures["praised"] == [world.wjw.pk]

    # every active unit of the city, each of its users told once, with the link to download it
    sent = {r.department.name: r.notified for r in CircularRecipient.objects.filter(circular=circular)}
    assert sent == {"市教育局": 3, "市卫生健康委员会": 3, "市住房和城乡建设局": 3, "市交通运输局": 0,
                    "市文化广电和旅游局": 0, "市民政局": 1}  # fmt: skip
    assert (data["units"], data["notified"]) == (6, 10)
    messages = list(Notification.objects.order_by("pk")[before:])
    got = {m.user.username: m.text for m in messages}
    unit_users = set(User.objects.filter(department__jurisdiction=world.city).values_list("username", flat=True))
    assert set(got) == unit_users and len(messages) == 10
    link = f"/reports/circulars/{circular.pk}/document.docx"
    assert all(link in text and "示例市政办督〔2026〕1号" in text for text in got.values())
    assert not any(m.user in (world.office, world.xq_handler, world.member1) for m in messages)

    entry = AuditEntry.objects.get(kind="circular_issued")
    assert entry.data["number"] == "示例市政办督〔2026〕1号" and entry.data["units"] == 6

    # the issued document carries its number, no watermark
    d = open_docx(bytes(circular.document))
    assert "示例市政办督〔2026〕1号" in [p.text for p in d.paragraphs]
    assert "草稿" not in d.sections[0].header._element.xml

    # the next one takes the next number
    assert issue(world)["number"] == "示例市政办督〔2026〕2号"


def test_a_unit_downloads_what_was_sent_to_it_byte_for_byte(world, ids):
    data = issue(world)
    path = f"/reports/circulars/{data['id']}/document.docx"
    first = world.api(world.jyj_handler).get(path)
    assert first.status == 200
    assert hashlib.sha256(first.data).hexdigest() == data["sha256"]
    # records move on (J3 is received now); the circular as sent does not
    world.api(world.jyj_handler).post(f"/assignments/{ids['J3']}/receive", {})
    again = world.api(world.wjw_head).get(path)
    assert again.data == first.data
    assert world.api(world.office).get(path).data == first.data
    assert world.api(world.cppcc).get(path).status == 200  # copied to the CPPCC's committee
    for user in (world.xq_handler, world.county_office, world.member1, world.mayor):
        assert world.api(user).get(path).status == 404, user.username
    one = world.api(world.jyj_handler).get(f"/reports/circulars/{data['id']}")
    assert (one.status, one.data["number"]) == (200, data["number"])
    listed = world.api(world.jyj_handler).get("/reports/circulars").data
    assert [c["id"] for c in listed["items"]] == [data["id"]] and listed["total"] == 1
    assert world.api(world.xq_handler).get("/reports/circulars").data["total"] == 0


def test_an_idempotent_retry_issues_once(world, ids):
    headers = {"Idempotency-Key": "circular-h1"}
    first = world.api(world.office).post("/reports/circulars", HALF, headers=headers)
    again = world.api(world.office).post("/reports/circulars", HALF, headers=headers)
    assert first.status == again.status == 201 and first.data == again.data
    assert Circular.objects.count() == 1


def test_hostile_names_stay_text_in_the_document_and_the_page(world, ids, client):
    """A unit's name with markup and a character XML cannot hold: verbatim in Word (the control character
    dropped), escaped on the page."""
    Department.objects.filter(pk=world.wjw.pk).update(name='市"<b>卫健</b>&amp;委\x0b')
    d = open_docx(world.api(world.office).get(DRAFT, **HALF).data)
    rows = [[c.text for c in row.cells] for row in d.tables[0].rows]
    assert rows[2][0] == '市"<b>卫健</b>&amp;委'
    assert '市"<b>卫健</b>&amp;委1个单位办复率' in all_text(d)
    client.force_login(world.office)
    html = client.get(reverse("circular_page"), HALF).content.decode()
    assert "<b>卫健" not in html and "&lt;b&gt;卫健&lt;/b&gt;&amp;amp;委" in html
