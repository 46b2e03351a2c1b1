"""The annual report (年度报告, §五(三)): the figures and tables against the hand counts of ``scene``, its
charts as pictures, only published text in its typical cases, hostile text kept as text, who may have it,
and the pages of both documents rendered to images under test-output/publications/ to look at."""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from conftest import World, build_shared
from documents.pdf import html_of, render_pdf
from documents.tests.helpers import all_text, open_docx, pdf_pages, pdf_text
from publications.figures import annual_figures
from publications.models import Circular
from publications.records import annual_report, circular_draft

from . import scene as scene_module
from .scene import HOSTILE, PHONE

pytestmark = pytest.mark.django_db
TODAY = date(2026, 7, 1)
ANNUAL = "/reports/annual"
PNG_DIR = Path(settings.BASE_DIR) / "test-output" / "publications"


@pytest.fixture(scope="module")
def built(module_world: World | None, django_db_blocker: Any) -> dict[str, Any]:
    return build_shared(module_world, django_db_blocker, scene_module.build, at=scene_module.NOW)


@pytest.fixture
def ids(built: dict[str, Any], world: World) -> Iterator[dict[str, Any]]:
    with time_machine.travel("2026-07-01 18:00 +0800", tick=False):
        yield built


def page_png(pdf: bytes, name: str, page: int = 1) -> Path:
    """Render one page of a PDF to test-output/publications/<name>.png (pdftoppm, as documents' tests do)."""
    PNG_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf)
        f.flush()
        stem = PNG_DIR / name
        subprocess.run(  # noqa: S603
            ["pdftoppm", "-png", "-r", "90", "-f", str(page), "-l", str(page), "-singlefile", f.name, str(stem)],  # noqa: S607
            check=True,
        )
    path = stem.with_suffix(".png")
    assert path.stat().st_size > 10_000
    return path


def test_the_annual_figures_by_hand(world, ids):
    f = annual_figures(world.city, year=2026, today=TODAY)
    assert (f.proposals, f.key_count, f.suggestion_count) == (13, 1, 1)
    t = f.totals
    assert (t["assigned"], t["replied"], t["overdue"], t["feedbacks"], t["satisfied"]) == (10, 6, 1, 3, 2)
    assert f.unsatisfied == 1  # J2's latest rating
    assert f.shares == [("A", 3, 0.5), ("B", 2, 2 / 6), ("C", 1, 1 / 6)]
    assert [(k.title, k.kind, k.units, k.status) for k in f.key_proposals] == [
        ("关于建设区域医疗中心的建议案", "建议案", "—", "已登记"),
        (HOSTILE, "重点提案", "市住房和城乡建设局", "已交办"),
    ]
    # the published A-class replies: J1, Z2, W1 (none of them key: in the order filed)
    assert [c.unit for c in f.cases] == ["市教育局", "市住房和城乡建设局", "市卫生健康委员会"]
    w1 = f.cases[2]
    assert w1.title == "关于做实家庭医生签约服务的建议"
    assert w1.excerpt[0] == "一、我委已在全市推广家庭医生签约服务，覆盖率达到百分之八十。"
    assert PHONE not in "".join(w1.excerpt)  # the published text has no contact details
    assert w1.excerpt[1] == "二、下一步将继续扩大服务范围。"  # the clause taken out leaves no second 。
    assert [n.name for n in f.criticised] == ["市教育局"]


def test_the_report_opens_in_word_with_its_tables_charts_and_sections(world, ids):
    resp = world.api(world.office).get(ANNUAL, year=2026)
    assert resp.status == 200, resp.data
    d = open_docx(resp.data)
    text = all_text(d)
    paragraphs = [p.text.replace("\n", "") for p in d.paragraphs]
    assert "关于2026年度政协提案办理工作情况的报告" in paragraphs
    assert "市政协常务委员会：" in paragraphs
    for heading in ("一、总体情况", "二、重点提案和建议案办理情况", "三、典型案例", "四、存在的问题", "五、下一步工作"):
        assert heading in paragraphs, heading
    assert "市政协共提交提案13件，其中重点提案1件、建议案1件" in text
    assert "办复率60%（目标100%）" in text and "满意率66.7%（目标不低于98%）" in text
    assert "A类3件，占50%；B类2件，占33.3%；C类1件，占16.7%" in text
    assert re.search(r"十四届二次会议第\d+号提案，由市卫生健康委员会主办，答复为A类", text)  # a typical case
    assert "仍有1件提案逾期未办复，涉及市教育局" in text
    assert "提案人对1件提案的办理结果表示不满意" in text
    assert PHONE not in text and "0512-1111111" not in text  # neither the letter's number nor the contact field

    units, keys = d.tables
    rows = [[c.text for c in r.cells] for r in units.rows]
    assert rows[0] == ["承办单位", "主办件", "已办复", "办复率", "按时办复率", "见面率", "满意率",
                       "A类", "B类", "C类", "逾期"]  # fmt: skip
    assert rows[1] == ["市教育局", "4", "3", "75%", "100%", "75%", "50%", "1", "1", "1", "1"]
    assert rows[3] == ["市住房和城乡建设局", "3", "2", "66.7%", "50%", "0%", "—", "1", "1", "0", "0"]
    assert rows[-1] == ["合计", "10", "6", "60%", "83.3%", "40%", "66.7%", "3", "2", "1", "1"]
    key_rows = [[c.text for c in r.cells] for r in keys.rows]
    assert key_rows[0] == ["提案号", "类别", "案由", "主办单位", "办理状态"]
    assert key_rows[2][1:] == ["重点提案", HOSTILE, "市住房和城乡建设局", "已交办"]  # the title as text, verbatim

    # two charts, PNG pictures in the document, with their alternative text
    assert len(d.inline_shapes) == 2
    pictures = [p for p in d.part.package.parts if p.partname.startswith("/word/media/")]
    assert len(pictures) == 2 and all(p.blob[:8] == b"\x89PNG\r\n\x1a\n" for p in pictures)
    assert 'descr="答复类别分布"' in d.element.xml


def test_the_same_records_make_the_same_file(world, ids):
    first = world.api(world.office).get(ANNUAL, year=2026).data
    assert world.api(world.office).get(ANNUAL, year=2026).data == first


def test_who_may_have_the_report(world, ids):
    assert world.api().get(ANNUAL, year=2026).status == 401
    for user in (world.cppcc, world.mayor, world.jyj_head, world.member1):
        assert world.api(user).get(ANNUAL, year=2026).status == 403, user.username
    assert world.api(world.county_office).get(ANNUAL, jurisdiction=world.city.pk, year=2026).status == 404
    assert world.api(world.office).get(ANNUAL, jurisdiction=999_999, year=2026).status == 404
    assert world.api(world.office).get(ANNUAL, year=1900).status == 400
    # a year without proposals is a report of nothing, not an error
    empty = open_docx(world.api(world.office).get(ANNUAL, year=2030).data)
    assert "本年度没有确定重点提案和建议案。" in all_text(empty) and len(empty.inline_shapes) == 1


def test_hostile_text_stays_text_in_the_pdf_and_the_page(world, ids, client):
    named = annual_report(world.city, year=2026, today=TODAY)
    html = html_of(named.doc)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;&amp;amp;" in html
    client.force_login(world.office)
    page = client.get(reverse("annual_report_page"), {"year": 2026}).content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;&amp;amp;" in page


# ---------------------------------------------------------------------------------------------------
# The pages


def test_the_annual_page_previews_and_downloads(world, ids, client):
    client.force_login(world.office)
    resp = client.get(reverse("annual_report_page"), {"year": 2026})
    assert resp.status_code == 200
    html = resp.content.decode()
    assert 'id="annual-reply-rate">60%<' in html and "data:image/png;base64," in html
    assert re.search(r"<th[^>]*>市教育局</th>", html)
    download = client.get(reverse("annual_report_page"), {"year": 2026, "download": "docx"})
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "关于2026年度政协提案办理工作情况的报告" in all_text(open_docx(download.content)).replace("\n", "")
    client.force_login(world.jyj_head)
    assert client.get(reverse("annual_report_page")).status_code == 403


def test_the_circular_page_issues_and_the_unit_finds_it(world, ids, client, django_capture_on_commit_callbacks):
    client.force_login(world.office)
    page = client.get(reverse("circular_page"), {"date_from": "2026-01-01", "date_to": "2026-06-30"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "关于2026年1月至6月政协提案办理工作进展情况的通报" in html
    assert re.search(r'class="mb-0 circular-praised"><li>市卫生健康委员会</li>', html)
    assert "市教育局：逾期未办复1件" in html
    draft = client.get(reverse("circular_page"), {**{"date_from": "2026-01-01", "date_to": "2026-06-30"},
                                                  "download": "docx"})  # fmt: skip
    assert "（印发时编号）" in [p.text for p in open_docx(draft.content).paragraphs]
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(reverse("circular_issue"), {"date_from": "2026-01-01", "date_to": "2026-06-30"})
    assert sent.status_code == 302
    circular = Circular.objects.get()
    assert circular.number == "示例市政办督〔2026〕1号"
    bad = client.post(reverse("circular_issue"), {"date_from": "2026-06-30", "date_to": "2026-01-01"})
    assert bad.status_code == 422 and "起始日期不能晚于截止日期" in bad.content.decode()

    client.force_login(world.jyj_handler)
    assert client.get(reverse("circular_page")).status_code == 403
    listed = client.get(reverse("circulars")).content.decode()
    assert "示例市政办督〔2026〕1号" in listed
    download = client.get(reverse("circular_download", args=[circular.pk]))
    assert download.content == bytes(circular.document)
    client.force_login(world.xq_handler)
    assert client.get(reverse("circular_download", args=[circular.pk])).status_code == 404
    assert "示例市政办督" not in client.get(reverse("circulars")).content.decode()


# ---------------------------------------------------------------------------------------------------
# One page of each, as an image


def test_pages_of_both_documents_render_to_images(world, ids):
    circular = render_pdf(
        circular_draft(world.city, date_from=date(2026, 1, 1), date_to=date(2026, 6, 30), today=TODAY).doc
    )
    assert "2026年1月至6月" in pdf_text(circular, 1).replace(" ", "")
    page_png(circular, "circular-1")
    page_png(circular, "circular-2", 2)
    annual = render_pdf(annual_report(world.city, year=2026, today=TODAY).doc)
    pages = pdf_pages(annual)
    assert pages >= 3
    for n in range(1, min(pages, 5) + 1):
        page_png(annual, f"annual-report-{n}", n)
