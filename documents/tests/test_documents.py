"""The documents from the records: layout values of the Word files, fonts embedded in the PDF, what each
says, who may get it (404 otherwise), hostile text, byte-identical re-prints and the office's zip."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from docx.oxml.ns import qn

from conftest import World, act
from documents.layout import PAGE, Document, Para, Run, clean
from documents.pdf import html_of
from handling.models import Reply
from tests.test_transitions import advance_lead, draft_body, drive_lead

from .helpers import all_text, east_asia, fetch, first_page_png, open_docx, pdf_fonts, pdf_pages, pdf_text, runs

NOW = "2026-12-02 09:00 +0800"
LETTER = "/assignments/{}/reply-letter.{}"


@pytest.fixture(autouse=True)
def _today() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def replied_with_co(world: World, **fields: Any) -> tuple[int, int, int]:
    """A proposal of member1 and member2 led by 市教育局 with 市卫健委 as co unit, replied (B); with a
    leader's instruction. Return (proposal id, lead id, co id)."""
    pid, lead = drive_lead(world, "pending", co=world.wjw, kind="joint", proposers=[
        {"name": world.member1.name, "user_id": world.member1.pk},
        {"name": world.member2.name, "user_id": world.member2.pk}], **fields)  # fmt: skip
    world.api(world.mayor).post(f"/proposals/{pid}/instructions", {"text": "请市教育局认真研究办理。"})
    advance_lead(world, lead, "replied")
    detail = world.api(world.office).get(f"/proposals/{pid}").data
    co = next(a["id"] for a in detail["assignments"] if a["role"] == "co")
    return pid, lead, co


# ---------------------------------------------------------------------------------------------------
# 答复函: layout and content


def test_reply_letter_docx_is_laid_out_after_gb_t_9704(world):
    pid, lead, _ = replied_with_co(world)
    reply = world.api(world.office).get(f"/assignments/{lead}").data["reply"]
    assert reply["document_number"] == "示教提复〔2026〕1号"
    d = open_docx(fetch(world, world.jyj_head, LETTER.format(lead, "docx")))

    section = d.sections[0]
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297
    assert [round(x.mm, 1) for x in (section.top_margin, section.bottom_margin, section.left_margin,
                                     section.right_margin)] == [37.0, 35.0, 28.0, 26.0]  # fmt: skip
    grid = section._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "linesAndChars" and grid.get(qn("w:linePitch")) == "579"

    normal = d.styles["Normal"]
    assert east_asia(normal.element) == "仿宋_GB2312" and normal.font.size.pt == 16
    assert all(east_asia(r._r) for r in runs(d)), "every run names its Chinese face"

    paragraphs = d.paragraphs
    texts = [p.text for p in paragraphs]
    # the first line: publication marker left, the class marker at the right (a right tab stop at the margin)
    assert texts[0] == "主动公开\tB类"
    stop = paragraphs[0].paragraph_format.tab_stops[0]
    assert abs(stop.position.mm - (210 - 28 - 26)) < 0.5
    assert texts[1] == "市教育局"  # the masthead, red
    assert paragraphs[1].runs[0].font.color.rgb is not None and str(paragraphs[1].runs[0].font.color.rgb) == "FF0000"
    assert texts[2] == f"{reply['document_number']}\t签发人：{world.jyj_head.name}"
    title = next(p for p in paragraphs if p.text.startswith("关于"))
    assert title.text.endswith("号提案的答复") and "市政协十四届二次会议第" in title.text
    assert east_asia(title.runs[0]._r) == "方正小标宋简体" and title.runs[0].font.size.pt == 22
    assert f"{world.member1.name}等委员：" in texts
    assert "关于您提出的建议，答复如下：一、……二、……" in texts  # the body as drafted
    body = paragraphs[texts.index("关于您提出的建议，答复如下：一、……二、……")]
    assert body.runs[0].font.size.pt == 16 and round(body.paragraph_format.first_line_indent.pt) == 32
    assert body.paragraph_format.line_spacing.pt == pytest.approx(PAGE.line_pitch)
    assert "2026年12月2日" in texts and "市教育局" in texts[texts.index("2026年12月2日") - 1]
    assert "（联系人：王老师；联系电话：0512-1234567）" in texts
    assert "抄送：示例市人民政府督查室，政协示例市委员会提案委员会。" in texts
    assert "市教育局办公室\t2026年12月2日印发" in texts
    assert "草稿" not in d.sections[0].header._element.xml


def test_reply_letter_pdf_embeds_a_cjk_font_and_its_text_extracts(world):
    pid, lead, _ = replied_with_co(world)
    data = fetch(world, world.jyj_head, LETTER.format(lead, "pdf"))
    assert data.startswith(b"%PDF")
    fonts = pdf_fonts(data)
    cjk = [line for line in fonts.splitlines() if "CJK" in line or "WenQuanYi" in line]
    assert cjk, fonts
    assert all(" yes " in line for line in cjk), fonts  # embedded (subsets)
    text = pdf_text(data).replace(" ", "")
    number = Reply.objects.get(assignment_id=lead).document_number
    wanted = (number, "B类", "主动公开", "签发人", "等委员：", "号提案的答复", "2026年12月2日", "抄送：", "印发")
    for expected in wanted:
        assert expected in text, expected
    assert pdf_pages(data) == 1
    first_page_png(data, "reply-letter")


def test_a_draft_is_previewed_with_a_watermark_and_without_number(world):
    _, lead = drive_lead(world, "reply_drafted")
    d = open_docx(fetch(world, world.jyj_handler, LETTER.format(lead, "docx")))
    assert 'string="草稿"' in d.sections[0].header._element.xml
    assert d.paragraphs[2].text.startswith("（签发时编号）")
    data = fetch(world, world.jyj_handler, LETTER.format(lead, "pdf"))
    first_page_png(data, "reply-letter-draft")
    text = pdf_text(data)
    assert "草" in text and "稿" in text  # the watermark, set at an angle (its characters extract apart)
    assert "〔" not in text
    # a draft is not the member's to read
    fetch(world, world.member1, LETTER.format(lead, "pdf"), expect=404)


def test_an_old_version_is_reprinted_as_it_was_signed(world):
    """Re-handling makes a second letter with its own number; the first prints as it was, byte for byte."""
    _, lead = drive_lead(world, "rehandling")
    first = fetch(world, world.jyj_head, LETTER.format(lead, "docx"), version=1)
    act(world, world.jyj_handler, lead, "draft-reply", draft_body("A", "再次办理后答复如下。"))
    act(world, world.jyj_head, lead, "sign-reply", {})
    numbers = list(
        Reply.objects.filter(assignment_id=lead).order_by("version").values_list("document_number", flat=True)
    )
    assert len(set(numbers)) == 2
    with time_machine.travel("2026-12-20 15:00 +0800", tick=False):
        again = fetch(world, world.jyj_head, LETTER.format(lead, "docx"), version=1)
        pdf_later = fetch(world, world.jyj_head, LETTER.format(lead, "pdf"), version=1)
    assert again == first  # no "now" in the file: its dates are the records'
    assert pdf_later == fetch(world, world.jyj_head, LETTER.format(lead, "pdf"), version=1)
    latest = open_docx(fetch(world, world.jyj_head, LETTER.format(lead, "docx")))
    assert numbers[1] in all_text(latest) and "再次办理后答复如下。" in all_text(latest)


def test_a_letter_drafted_on_the_skeleton_shows_the_records_head_and_foot_once(world):
    """The skeleton's salutation, unit, drafting date and 抄送 are the document's, drawn once from the records."""
    _, lead = drive_lead(world, "handling")
    text = "\n".join([
        "张委员：", "\u3000\u3000您提出的建议收悉。现答复如下：", "\u3000\u3000一、关于课后服务", "\u3000\u3000正文。",
        "", "市教育局", "2026年11月20日", "抄送：市政府督查室，市政协提案委员会。"])  # fmt: skip
    act(world, world.jyj_handler, lead, "draft-reply", draft_body("A", text))
    act(world, world.jyj_head, lead, "sign-reply", {})
    texts = [p.text for p in open_docx(fetch(world, world.jyj_head, LETTER.format(lead, "docx"))).paragraphs]
    # member1 is named 张委员: the skeleton's "张委员：" goes, the records' salutation comes once
    assert texts.count("张委员：") == 0 and texts.count(f"{world.member1.name}委员：") == 1
    assert "2026年11月20日" not in texts and texts.count("2026年12月2日") == 1
    assert "抄送：市政府督查室，市政协提案委员会。" in texts  # the drafted copies, once
    assert texts.count("市教育局") == 2  # the masthead and the signature
    assert "一、关于课后服务" in texts


# ---------------------------------------------------------------------------------------------------
# The forms


def test_handling_form_co_opinion_and_feedback_form_come_from_the_records(world):
    pid, lead, co = replied_with_co(world)
    form = open_docx(fetch(world, world.jyj_head, f"/assignments/{lead}/handling-form.docx"))
    text = all_text(form)
    wanted = ("提案承办单", "关于加强中小学课后服务的建议", f"{world.member1.name}、{world.member2.name}", "市教育局",
              "市卫生健康委员会", "拟由基础教育处办理", f"经办人：{world.jyj_handler.name}", "抓紧办理",
              f"批准人：{world.jyj_leader.name}", "请市教育局认真研究办理。", "2026年12月2日")  # fmt: skip
    for expected in wanted:
        assert expected in text, expected
    section = form.sections[0]
    assert round(section.top_margin.mm) == 37 and round(section.left_margin.mm) == 28
    assert all(east_asia(r._r) for r in runs(form))

    opinion = open_docx(fetch(world, world.wjw_handler, f"/assignments/{co}/co-opinion.docx"))
    texts = [p.text for p in opinion.paragraphs]
    assert any(t.endswith("号提案的会办意见") for t in texts)
    assert "市教育局：" in texts and "同意主办单位意见" in texts and "市卫生健康委员会" in texts
    fetch(world, world.jyj_head, f"/assignments/{lead}/co-opinion.docx", expect=404)  # a lead has none

    blank = open_docx(fetch(world, world.jyj_head, f"/assignments/{lead}/feedback-form.docx"))
    assert "□满意　　□基本满意　　□不满意" in all_text(blank) and "☑" not in all_text(blank)
    act(world, world.member1, lead, "feedback", {"attitude": "satisfied", "result": "basically_satisfied",
                                                  "comment": "希望继续跟踪落实"})  # fmt: skip
    filled = all_text(open_docx(fetch(world, world.member1, f"/assignments/{lead}/feedback-form.docx")))
    assert "☑满意　　□基本满意　　□不满意" in filled and "□满意　　☑基本满意　　□不满意" in filled
    assert "希望继续跟踪落实" in filled and world.member1.name in filled
    assert Reply.objects.get(assignment_id=lead).document_number in filled

    for path, name in ((f"/assignments/{lead}/handling-form.pdf", "handling-form"),
                       (f"/assignments/{co}/co-opinion.pdf", "co-opinion"),
                       (f"/assignments/{lead}/feedback-form.pdf", "feedback-form")):  # fmt: skip
        data = fetch(world, world.office, path)
        assert "CJK" in pdf_fonts(data) or "WenQuanYi" in pdf_fonts(data)
        first_page_png(data, name)


# ---------------------------------------------------------------------------------------------------
# Who gets which document


def test_documents_are_scoped_as_the_assignment_is(world):
    pid, lead, co = replied_with_co(world)
    paths = [LETTER.format(lead, "docx"), LETTER.format(lead, "pdf"), f"/assignments/{lead}/handling-form.docx",
             f"/assignments/{co}/co-opinion.docx", f"/assignments/{lead}/feedback-form.docx"]  # fmt: skip
    for path in paths:
        fetch(world, world.xq_handler, path, expect=404)  # a unit of another jurisdiction
        fetch(world, world.member3, path, expect=404)  # a member who did not file it
        fetch(world, world.zjj_handler, path, expect=404)  # a city unit without this proposal
        fetch(world, world.office, path)
        fetch(world, world.wjw_handler, path)  # the co unit reads the case, as on its page
    assert world.api().get(paths[0]).status == 401
    # the proposer reads the delivered letter and the feedback form, never the internal papers
    fetch(world, world.member1, paths[0])
    fetch(world, world.member2, paths[4])
    fetch(world, world.member1, paths[2], expect=404)
    fetch(world, world.member1, paths[3], expect=404)
    fetch(world, world.jyj_head, "/assignments/999999/reply-letter.docx", expect=404)


def test_a_key_reply_in_review_is_not_the_members_yet_and_keeps_its_number_when_the_class_changes(world):
    _, lead = drive_lead(world, "office_review")
    number = Reply.objects.get(assignment_id=lead).document_number
    fetch(world, world.member1, LETTER.format(lead, "docx"), expect=404)
    act(world, world.office, lead, "review-reply", {"approve": True, "comment": "改为A类", "result_class": "A"})
    latest = Reply.objects.filter(assignment_id=lead).order_by("-version")[0]
    assert latest.version == 2 and latest.document_number == number and latest.result_class == "A"
    assert open_docx(fetch(world, world.office, LETTER.format(lead, "docx"))).paragraphs[0].text.endswith("A类")


# ---------------------------------------------------------------------------------------------------
# Hostile text


HOSTILE = "<script>alert('x')</script> & \x01\x0b\x1f 𠀀𪚥 😀 \ufffe 乙"


def test_hostile_text_is_written_safely(world):
    pid, lead, _ = replied_with_co(world)
    Reply.objects.filter(assignment_id=lead).update(text=f"\u3000\u3000{HOSTILE}", contact_person="<b>王</b>")
    d = open_docx(fetch(world, world.jyj_head, LETTER.format(lead, "docx")))
    text = all_text(d)
    assert "<script>alert('x')</script> & " in text and "𠀀𪚥 😀" in text and "<b>王</b>" in text
    assert not any(c in text for c in "\x01\x0b\x1f\ufffe")
    data = fetch(world, world.jyj_head, LETTER.format(lead, "pdf"))
    assert "<script>alert('x')</script>" in pdf_text(data).replace(" ", "")
    html = html_of(Document("t", "u", date(2026, 1, 1), (Para((Run(HOSTILE),)),)))
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert clean("a\x00b\x08c\td\ne\ud800f") == "abc\td\nef"


# ---------------------------------------------------------------------------------------------------
# 打包下载


def test_the_office_downloads_every_signed_letter_of_a_session_as_a_streamed_zip(world):
    leads = [replied_with_co(world)[1], drive_lead(world, "replied", unit=world.zjj)[1]]
    drafted = drive_lead(world, "reply_drafted")[1]  # not signed: not in the zip
    session_id = Reply.objects.get(assignment_id=leads[0]).assignment.proposal.session_id
    client = world.api(world.office).client
    headers = world.api(world.office).headers
    resp = client.get(reverse("api:reply_letters_zip"), {"session_id": session_id}, headers=headers)
    assert resp.status_code == 200 and resp["Content-Type"] == "application/zip"
    assert resp.streaming  # written as it goes, not built in memory
    archive = zipfile.ZipFile(io.BytesIO(b"".join(resp.streaming_content)))
    names = archive.namelist()
    assert len(names) == 2 and all(n.endswith(".docx") for n in names)
    numbers = {Reply.objects.get(assignment_id=a).document_number for a in leads}
    assert {n.split("-")[-1].removesuffix(".docx") for n in names} == numbers
    for n in names:
        d = open_docx(archive.read(n))
        assert any(number in all_text(d) for number in numbers)
    assert not Reply.objects.filter(assignment_id=drafted, document_number__gt="").exists()

    # a unit gets its own unit's letters only; a member none; the scope must be given
    unit_zip = Client().get(reverse("api:reply_letters_zip"), {"session_id": session_id},
                            headers=world.api(world.zjj_head).headers)  # fmt: skip
    assert len(zipfile.ZipFile(io.BytesIO(b"".join(unit_zip.streaming_content))).namelist()) == 1  # type: ignore[attr-defined]
    assert world.api(world.member1).get("/exports/reply-letters.zip", session_id=session_id).status == 403
    assert world.api(world.office).get("/exports/reply-letters.zip").status == 400


# ---------------------------------------------------------------------------------------------------
# The pages: 文号 and the links


def test_pages_show_the_number_and_link_the_documents(world):
    pid, lead, co = replied_with_co(world)
    number = Reply.objects.get(assignment_id=lead).document_number

    def page(user: Any, url: str) -> str:
        client = Client()
        client.force_login(user)
        resp = client.get(url)
        assert resp.status_code == 200, url
        return resp.content.decode()

    case = page(world.jyj_head, reverse("assignment", args=[lead]))
    assert number in case
    for name in ("reply_letter_docx", "reply_letter_pdf", "handling_form_docx", "feedback_form_docx"):
        assert reverse(f"api:{name}", args=[lead]) in case, name
    assert reverse("api:co_opinion_docx", args=[co]) in page(world.wjw_handler, reverse("assignment", args=[co]))
    proposal = page(world.office, reverse("proposal", args=[pid]))
    assert number in proposal and reverse("api:reply_letter_pdf", args=[lead]) in proposal
    member = page(world.member1, reverse("member-proposal", args=[pid]))
    assert number in member and reverse("api:reply_letter_pdf", args=[lead]) in member
    assert reverse("api:feedback_form_docx", args=[lead]) in member
    assert reverse("api:handling_form_docx", args=[lead]) not in member
    office = page(world.office, reverse("office"))
    assert reverse("api:reply_letters_zip") in office and "打包下载" in office


def test_the_number_is_in_the_api_and_the_members_history(world):
    pid, lead, _ = replied_with_co(world)
    number = Reply.objects.get(assignment_id=lead).document_number
    assert world.api(world.member1).get(f"/assignments/{lead}").data["reply"]["document_number"] == number
    events = world.api(world.member1).get(f"/proposals/{pid}").data["events"]
    assert any(e["action"] == "sign_reply" and e["data"].get("document_number") == number for e in events)
