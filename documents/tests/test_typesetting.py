"""Typesetting details of the documents: Extension B characters in the PDF (a font that has them, and no
failure without it), the 草稿 watermark of a draft in Word and in the PDF, and titles of two lines broken
into a trapezoid (GB/T 9704 7.3.3) alike in both."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings
from docx.oxml.ns import qn

from documents.content import body_blocks, imprint, signature
from documents.layout import EXTENSIONS, PAGE, TITLE, Document, Para, para, title_lines, title_para, title_width
from documents.pdf import render_pdf
from handling.models import Reply
from tests.test_transitions import drive_lead

from .helpers import fetch, first_page_png, open_docx, pdf_fonts, pdf_pages, pdf_text
from .test_documents import LETTER, NOW, replied_with_co

EXT_B = "𠀀𪚥"  # U+20000, U+2A6A5: CJK Unified Ideographs Extension B
VML = "urn:schemas-microsoft-com:vml"


@pytest.fixture(autouse=True)
def _today() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def _extension_font() -> str | None:
    """The family fontconfig offers for U+20000 among those the layout names, if one is installed."""
    if shutil.which("fc-list") is None:
        return None
    found = subprocess.run(["fc-list", ":charset=20000", "family"], capture_output=True, text=True).stdout  # noqa: S607
    return next((name for name in EXTENSIONS if name in found), None)


# ---------------------------------------------------------------------------------------------------
# Extension B


def test_extension_b_characters_are_drawn_from_the_fallback_font_and_extract(world):
    face = _extension_font()
    if face is None:
        pytest.skip(f"no font with CJK Extension B ({', '.join(EXTENSIONS)}) is installed: make browser "
                    "installs fonts-hanazono")  # fmt: skip
    _, lead, _ = replied_with_co(world)
    Reply.objects.filter(assignment_id=lead).update(text=f"\u3000\u3000生僻字{EXT_B}照常排印。")
    data = fetch(world, world.jyj_head, LETTER.format(lead, "pdf"))
    fonts = pdf_fonts(data)
    drawn = [line for line in fonts.splitlines() if "HanaMin" in line]
    assert drawn and all(" yes " in line for line in drawn), fonts  # embedded (a subset)
    assert any("Noto" in line or "WenQuanYi" in line for line in fonts.splitlines()), fonts  # the rest as before
    text = pdf_text(data).replace(" ", "")
    assert f"生僻字{EXT_B}照常排印。" in text
    first_page_png(data, "reply-letter-extension-b")


NO_EXTENSION_FONT = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <selectfont><rejectfont>
    <glob>*/hanazono/*</glob><glob>*HanaMin*</glob><glob>*fonts-japanese-mincho*</glob>
  </rejectfont></selectfont>
</fontconfig>
"""

RENDER = f"""
import sys
from datetime import date
from documents.layout import BODY, Document, Para, Run, title_para
from documents.pdf import render_pdf
text = "生僻字{EXT_B}照常排印。"
doc = Document("t", "u", date(2026, 12, 2), (title_para(("关于", text)), Para((Run(text),), BODY)))
sys.stdout.buffer.write(render_pdf(doc))
"""


def test_without_a_font_for_extension_b_the_pdf_is_still_made(tmp_path: Path) -> None:
    """fontconfig told to reject 花園明朝: the PDF comes out all the same (a box for the two characters)."""
    conf = tmp_path / "fonts.conf"
    conf.write_text(NO_EXTENSION_FONT)
    env = {**os.environ, "FONTCONFIG_FILE": str(conf), "PYTHONPATH": str(settings.BASE_DIR)}
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", RENDER], capture_output=True, env=env, cwd=settings.BASE_DIR, timeout=120
    )
    assert done.returncode == 0, done.stderr.decode()
    data = done.stdout
    assert data.startswith(b"%PDF") and pdf_pages(data) == 1
    fonts = pdf_fonts(data)
    assert "HanaMin" not in fonts and ("Noto" in fonts or "WenQuanYi" in fonts), fonts
    assert "照常排印" in pdf_text(data).replace(" ", "")


# ---------------------------------------------------------------------------------------------------
# 草稿


def _watermarks(data: bytes) -> list[str]:
    """The strings of every VML text shape (Word's watermark) in any part of the .docx package."""
    from lxml import etree

    found: list[str] = []
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        for name in package.namelist():
            if name.endswith(".xml"):
                tree = etree.fromstring(package.read(name))
                found += [e.get("string") for e in tree.iter(f"{{{VML}}}textpath")]
    return found


def test_a_draft_is_watermarked_in_word_and_in_the_pdf_on_every_page_and_a_signed_letter_is_not(world):
    _, lead = drive_lead(world, "reply_drafted")
    long = "\n".join(f"\u3000\u3000{'一二三四五六七八九十'[i % 10]}、" + "具体答复内容。" * 30 for i in range(12))
    Reply.objects.filter(assignment_id=lead).update(text=long)

    data = fetch(world, world.jyj_handler, LETTER.format(lead, "docx"))
    assert _watermarks(data) == ["草稿"]
    d = open_docx(data)
    section = d.sections[0]
    # in the page header, which Word repeats on every page, and referenced by the section
    assert section._sectPr.findall(qn("w:headerReference")), "the header is the section's"
    shape = section.header._element.find(f".//{{{VML}}}shape")
    assert shape is not None and "rotation:315" in shape.get("style")
    assert shape.find(f"{{{VML}}}textpath").get("string") == "草稿"
    assert "草稿" not in "".join(p.text for p in d.paragraphs)  # not in the letter's own text

    pdf = fetch(world, world.jyj_handler, LETTER.format(lead, "pdf"))
    pages = pdf_pages(pdf)
    assert pages >= 2
    for page in range(1, pages + 1):
        text = pdf_text(pdf, page)
        assert "草" in text and "稿" in text, page  # set at an angle: its two characters extract apart

    # signed: no watermark anywhere
    _, signed = drive_lead(world, "replied")
    data = fetch(world, world.jyj_head, LETTER.format(signed, "docx"))
    assert _watermarks(data) == []
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        assert not any("草稿" in package.read(n).decode() for n in package.namelist() if n.endswith(".xml"))
    pdf = fetch(world, world.jyj_head, LETTER.format(signed, "pdf"))
    assert "草" not in pdf_text(pdf) and "稿" not in pdf_text(pdf)


# ---------------------------------------------------------------------------------------------------
# Titles of two lines


def test_title_lines_fit_break_between_phrases_and_narrow_downwards() -> None:
    per_line = PAGE.text_width / TITLE.size
    assert 20 < per_line < 20.5  # 22 pt in a 156 mm text block: 20 characters, not the body's 28

    reply = ("关于", "市政协", "十四届二次会议", "第123号提案", "的答复")
    # on one line it would overflow by a character, which would hang alone on the second line
    assert title_width("".join(reply)) > per_line
    assert title_lines(reply) == ("关于市政协十四届二次会议", "第123号提案的答复")
    assert title_lines(("关于", "市政协", "十四届二次会议", "第1号提案", "的答复")) == (
        "关于市政协十四届二次会议第1号提案的答复",
    )
    assert title_lines(("关于", "县政协", "第十四届委员会第二次会议", "第1234号提案", "的会办意见")) == (
        "关于县政协第十四届委员会第二次会议",
        "第1234号提案的会办意见",
    )
    # a plain title: broken where a word ends (before 和), not mid-word, and no orphan
    plain = "关于进一步加强全市中小学生课后服务和校外培训治理工作的建议"
    lines = title_lines(plain)
    assert lines == ("关于进一步加强全市中小学生课后服务", "和校外培训治理工作的建议")
    for text in (plain, "关于推动我市“专精特新”中小企业高质量发展、建设现代化产业体系的若干建议的答复意见"):
        lines = title_lines(text)
        assert "".join(lines) == text
        widths = [title_width(line) for line in lines]
        assert max(widths) <= per_line and widths == sorted(widths, reverse=True), lines  # a trapezoid
        assert min(widths) >= 0.5 * max(widths), lines
        assert not any(line[0] in "、，。”）" or line[-1] in "“（" for line in lines), lines


def test_a_long_title_is_two_lines_alike_in_word_and_in_the_pdf(world):
    _, lead, co = replied_with_co(world, number="123")
    for path, lines in (
        (LETTER.format(lead, "{}"), ("关于市政协十四届二次会议", "第123号提案的答复")),
        (f"/assignments/{co}/co-opinion.{{}}", ("关于市政协十四届二次会议", "第123号提案的会办意见")),
    ):
        d = open_docx(fetch(world, world.office, path.format("docx")))
        title = next(p for p in d.paragraphs if p.text.startswith("关于"))
        assert title.text == "\n".join(lines)  # an explicit line break: Word wraps where the layout broke it
        assert title.runs[0].font.size.pt == 22
        snap = title.runs[0]._r.find(qn("w:rPr")).find(qn("w:snapToGrid"))
        assert snap is not None and snap.get(qn("w:val")) == "0"  # 22 pt is set off the 28-character grid
        pdf = fetch(world, world.office, path.format("pdf"))
        text = [line.strip().replace(" ", "") for line in pdf_text(pdf).splitlines()]
        at = text.index(lines[0])
        assert text[at + 1] == lines[1]
        first_page_png(pdf, "co-opinion-two-line-title" if "co-opinion" in path else "reply-letter-two-line-title")


# ---------------------------------------------------------------------------------------------------
# Headings, and what is kept on one page


def test_numbered_phrases_are_headings_numbered_sentences_are_body() -> None:
    blocks = body_blocks([
        "一、关于课后服务", "（一）加强组织领导。今年以来，我局成立专班。",
        "二、对提案中涉及本单位的具体建议，我们拟试点先行。", "您提出的建议收悉。"])  # fmt: skip
    faces = [[(r.text, (r.face or b.style.face).official) for r in b.runs] for b in blocks if isinstance(b, Para)]
    assert faces == [
        [("一、关于课后服务", "黑体")],
        [("（一）加强组织领导。", "楷体_GB2312"), ("今年以来，我局成立专班。", "仿宋_GB2312")],
        [("二、对提案中涉及本单位的具体建议，我们拟试点先行。", "仿宋_GB2312")],
        [("您提出的建议收悉。", "仿宋_GB2312")],
    ]


def test_the_signature_and_the_imprint_are_kept_on_one_page(world):
    _, lead = drive_lead(world, "reply_drafted")
    # a body that fills the first page to its last lines: the signature must not start the next one alone
    Reply.objects.filter(assignment_id=lead).update(text="\n".join(["\u3000\u3000" + "具体答复内容。" * 4] * 9))
    d = open_docx(fetch(world, world.jyj_handler, LETTER.format(lead, "docx")))
    texts = [p.text for p in d.paragraphs]
    at = texts.index("市教育局", 2)  # the signature (the masthead is the first)
    keeps = [p.paragraph_format.keep_with_next for p in d.paragraphs]
    assert keeps[at - 1] and keeps[at] and keeps[at + 1]  # last paragraph → unit → date → contact
    printed = next(i for i, t in enumerate(texts) if t.endswith("印发"))
    assert all(keeps[printed - 3 : printed + 1]) and not keeps[printed + 1]  # the 版记, rules included


@pytest.mark.parametrize("lines", range(15, 21))
def test_in_the_pdf_a_page_never_starts_with_the_signature_nor_splits_the_imprint(lines: int) -> None:
    """Bodies of 15 to 20 lines after a two-line title: one of them fills the first page just before the
    signature (which then takes the body's last line with it) or just before the 版记 (which moves whole)."""
    body = [para("具体答复内容。" * 4) for _ in range(lines // 2)] + ([para("短句。")] if lines % 2 else [])
    blocks = (
        title_para(("关于", "市政协", "十四届二次会议", "第123号提案", "的答复")),
        *body,
        signature("市教育局", "2026年12月2日", "（联系人：王老师；联系电话：0512-1234567）"),
        *imprint("市政府督查室，市政协提案委员会。", "市教育局办公室", "2026年12月2日"),
    )
    pdf = render_pdf(Document("t", "市教育局", date(2026, 12, 2), blocks))
    pages = [[line.replace(" ", "") for line in pdf_text(pdf, n).splitlines() if line.strip()]
             for n in range(1, pdf_pages(pdf) + 1)]  # fmt: skip
    for page in pages[1:]:
        assert page[0] not in ("市教育局", "2026年12月2日"), pages  # the signature has the body with it
    imprint_pages = [i for i, page in enumerate(pages) if any("抄送" in line or "印发" in line for line in page)]
    assert len(imprint_pages) == 1, pages
