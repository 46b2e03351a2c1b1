"""What each document says, from the records: the reply letter (答复函), the handling form (提案承办单), a co
unit's opinion (会办意见) and the feedback form (提案办理征询意见表), as ``layout`` blocks.

Nothing is typed again and nothing depends on the moment of printing: dates are the records' (the
signing day, the day a form was approved …), so a re-print is the same document.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from handling.models import Assignment, CoOpinion, Feedback, HandlingForm, Rating, Reply
from handling.states import AssignmentRole
from lib.dates import cn_date
from proposals.models import Instruction, Proposal, ProposalKind, Proposer

from .layout import (
    BODY,
    CELL,
    CELL_LABEL,
    FORM_LINE,
    FORM_TITLE,
    HEADING1,
    HEADING2,
    IMPRINT,
    KAITI,
    MARKER,
    MM,
    NOTE,
    PAGE,
    RED,
    SALUTATION,
    SMALL_NOTE,
    TITLE_SONG,
    Block,
    Cell,
    Document,
    Grid,
    Para,
    Row,
    Rule,
    Run,
    Split,
    Style,
    Together,
    clean,
    para,
    title_para,
    width_in_chars,
)

PUBLIC_MARK = {True: "主动公开", False: "不予公开"}
DRAFT = "草稿"
BLANK_DATE = "　　年　　月　　日"


def _local_day(moment: object) -> date:
    return timezone.localtime(moment).date()  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------------
# How the documents cite a proposal and address its proposers


def cppcc_of(p: Proposal) -> str:
    """The CPPCC as letters name it: 市政协 for 示例市, 县政协 for 示例县."""
    name = p.jurisdiction.name
    return f"{name[-1]}政协" if name and name[-1] in "市县区旗州盟" else f"{name}政协"


def proposal_ref(p: Proposal) -> str:
    """市政协十四届二次会议第12号提案; a daily proposal: 市政协2026年日常提案第3号."""
    return "".join(ref_phrases(p))


def ref_phrases(p: Proposal) -> tuple[str, ...]:
    """``proposal_ref`` in its units of sense, where a title of two lines may break (GB/T 9704 7.3.3)."""
    if p.session.is_daily:
        return (cppcc_of(p), f"{p.session.year}年日常提案", f"第{p.number}号")
    return (cppcc_of(p), p.session.name, f"第{p.number}号提案")


def salutation(p: Proposal, proposers: Sequence[Proposer]) -> str:
    if not proposers:
        return "提案人："
    first = proposers[0].name
    if p.kind == ProposalKind.COLLECTIVE:
        return f"{first}："
    return f"{first}等委员：" if len(proposers) > 1 else f"{first}委员："


def default_copies(p: Proposal) -> str:
    place = p.jurisdiction.name
    return f"{place}人民政府督查室，政协{place}委员会提案委员会。"


# ---------------------------------------------------------------------------------------------------
# The letter's body as drafted, without the parts the document draws from the records


_MARKER_LINE = re.compile(r"^[A-D]类(?:[\s\u3000]|$)")
_NUMBER_LINE = re.compile(r"^\S{0,20}〔\d{4}〕\d+号")
_TITLE_LINE = re.compile(r"^关于.{0,80}的(?:答复|会办意见)$")
_DATE_LINE = re.compile(r"^(?:\d{4}|[〇一二三四五六七八九零]{4})年\d{1,2}月\d{1,2}日$|^年\s*月\s*日$")
_HEADING1 = re.compile(r"^[一二三四五六七八九十]+、")
_HEADING2 = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")
_SPACE = " \t\u3000"


@dataclass(frozen=True)
class Body:
    paragraphs: tuple[str, ...]
    copies: str  # the 抄送 line's text as drafted, "" when the draft has none


def letter_body(text: str, *, title: str, unit: str, head_lines: int = 8) -> Body:
    """Split a drafted letter into its paragraphs, dropping what the document draws itself.

    Drafts start from the standard skeleton (web/letters.py), which carries the salutation, the unit, a
    date and the 抄送 line; older letters carried the markers and a 文号 too. The head's markers, 文号,
    title and salutation and the foot's unit, date and 抄送 come from the records instead, so a letter
    never shows two dates or a number the sequence did not give.
    """
    lines = clean(text).split("\n")
    copies = ""
    kept: list[str] = []
    saluted = False
    for n, raw in enumerate(lines):
        line = raw.strip(_SPACE)
        if n < head_lines and line and _is_head(line, title):
            continue
        if n < head_lines and not saluted and line and raw[:1] not in _SPACE and _is_salutation(line):
            saluted = True
            continue
        kept.append(raw)
    while kept:  # the foot, from the end: blank lines, 抄送, the date, the unit
        line = kept[-1].strip(_SPACE)
        if not line:
            kept.pop()
        elif line.startswith("抄送"):
            copies = copies or line.split("：", 1)[-1].split(":", 1)[-1].strip(_SPACE)
            kept.pop()
        elif _DATE_LINE.match(line) or line == unit:
            kept.pop()
        else:
            break
    paragraphs = tuple(line.strip(_SPACE) for line in kept if line.strip(_SPACE))
    return Body(paragraphs, copies)


def _is_head(line: str, title: str) -> bool:
    """A line of the head the document draws: the markers, the 文号 (and 签发人), the title."""
    return bool(
        _MARKER_LINE.match(line) or _NUMBER_LINE.match(line) or line.startswith("签发人")
        or line == title or _TITLE_LINE.match(line)
    )  # fmt: skip


def _is_salutation(line: str) -> bool:
    return line.endswith(("：", ":")) and len(line) <= 40 and "。" not in line


def body_blocks(paragraphs: Iterable[str]) -> list[Block]:
    """Paragraphs indented two characters; 一、 headings in 黑体, （一） in 楷体 (GB/T 9704 7.3.3).

    A heading is a numbered phrase: up to its first 。 (or the whole line), at most 40 characters, without
    a ， or ； — "一、关于课后服务" and "（一）加强领导。今年以来……" (the phrase in 楷体, the rest in 仿宋);
    "一、对……的建议，我们拟……落实。" is a numbered sentence and stays in the body's face."""
    blocks: list[Block] = []
    for text in paragraphs:
        level = HEADING1 if _HEADING1.match(text) else HEADING2 if _HEADING2.match(text) else None
        head, stop, rest = text.partition("。")
        head += stop
        if level is None or len(head) > 40 or any(c in head for c in "，；,;"):
            blocks.append(para(text, BODY))
        elif not rest.strip(_SPACE):
            blocks.append(para(text, level))
        else:
            blocks.append(Para((Run(head, level.face), Run(rest)), BODY))
    return blocks


# ---------------------------------------------------------------------------------------------------
# Shared pieces: the masthead, the signature, the 版记


def masthead(unit: str) -> Para:
    """The issuing unit's name in red 小标宋 across the head (发文机关标志), as large as fits."""
    size = min(36.0, PAGE.text_width / max(width_in_chars(unit), 1) * 0.92)
    return Para((Run(unit),), Style(face=TITLE_SONG, size=round(size, 1), align="center", pitch=round(size * 1.25, 1),
                                    before=0.3, after=0.2, color=RED))  # fmt: skip


def signature(unit: str, day: str, note: str = "") -> Together:
    """The unit centred over the date, the date four characters from the right (GB/T 9704 7.3.5.1), and the
    附注 (contact person and phone) under them: on one page, with at least the last lines of the body."""
    unit_w, day_w = width_in_chars(unit), width_in_chars(day)
    day_right = 4.0 if unit_w <= day_w + 4 else 2.0
    unit_right = max(day_right + (day_w - unit_w) / 2, 0)
    if unit_right + unit_w > PAGE.chars:
        unit_right = 0
    lines = [
        Para((Run(unit),), Style(align="right", right=unit_right, before=2)),
        Para((Run(day),), Style(align="right", right=day_right)),
    ]
    if note:
        lines.append(para(note, NOTE))
    return Together(tuple(lines), with_previous=True)


def imprint(copies: str, issuer: str, day: str) -> list[Block]:
    """The 版记: 抄送 between rules, then the issuer and the printing date (GB/T 9704 7.4), on one page."""
    blocks: list[Para | Split | Rule] = [Rule(weight=0.35 * MM, before=0, after=2)]
    if copies:
        blocks.append(Para((Run(f"抄送：{copies}"),), IMPRINT))
        blocks.append(Rule(weight=0.25 * MM, before=2, after=2))
    blocks.append(Split((Run(issuer),), (Run(f"{day}印发"),), IMPRINT))
    blocks.append(Rule(weight=0.35 * MM, before=2))
    return [para("", Style(pitch=PAGE.line_pitch, before=1)), Together(tuple(blocks))]


# ---------------------------------------------------------------------------------------------------
# 答复函


def reply_letter(reply: Reply, proposers: Sequence[Proposer]) -> Document:
    """The reply letter; an unsigned version is a draft, watermarked 草稿, with no number and no date."""
    a = reply.assignment
    p = a.proposal
    unit = a.department.name
    phrases = ("关于", *ref_phrases(p), "的答复")
    title = "".join(phrases)
    signed = reply.signed_on is not None
    body = letter_body(reply.text, title=title, unit=unit)
    number = reply.document_number or ("（签发时编号）" if not signed else "")
    signer = reply.signed_by.display_name if reply.signed_by is not None else "　　　　"
    day = cn_date(reply.signed_on) if reply.signed_on else BLANK_DATE
    contact = ""
    if reply.contact_person or reply.contact_phone:
        contact = f"（联系人：{reply.contact_person}；联系电话：{reply.contact_phone}）"
    blocks: list[Block] = [
        Split((Run(PUBLIC_MARK[reply.is_public]),), (Run(f"{reply.result_class}类"),), MARKER),
        masthead(unit),
        Split((Run(number),), (Run("签发人："), Run(signer, KAITI)), Style(left=1, right=1, before=0.5)),
        Rule(weight=0.5 * MM, color=RED, before=4, after=0),
        para("", Style(pitch=PAGE.line_pitch / 2)),
        title_para(phrases),
        para(salutation(p, proposers), SALUTATION),
        *body_blocks(body.paragraphs),
        signature(unit, day, contact),
    ]
    blocks += imprint(body.copies or default_copies(p), f"{unit}办公室", day)
    dated = reply.signed_on or _local_day(reply.drafted_at)
    return Document(title=title, author=unit, dated=dated, blocks=tuple(blocks), watermark="" if signed else DRAFT)


# ---------------------------------------------------------------------------------------------------
# 会办意见


def co_opinion(opinion: CoOpinion, leads: Sequence[Assignment]) -> Document:
    """A co unit's opinion to the lead unit(s), titled after the proposal (…第123号提案的会办意见)."""
    a = opinion.assignment
    p = a.proposal
    unit = a.department.name
    phrases = ("关于", *ref_phrases(p), "的会办意见")
    title = "".join(phrases)
    to = "、".join(lead.department.name for lead in leads) or "主办单位"
    day = cn_date(_local_day(opinion.created_at))
    body = letter_body(opinion.text, title=title, unit=unit)
    by = opinion.submitted_by
    blocks: list[Block] = [
        masthead(unit),
        Rule(weight=0.5 * MM, color=RED, before=8, after=0),
        para("", Style(pitch=PAGE.line_pitch / 2)),
        title_para(phrases),
        para(f"{to}：", SALUTATION),
        *body_blocks(body.paragraphs),
        signature(unit, day, f"（联系人：{by.display_name}" + (f"；联系电话：{by.phone}）" if by.phone else "）")),
        *imprint(body.copies, f"{unit}办公室", day),
    ]
    return Document(title=title, author=unit, dated=_local_day(opinion.created_at), blocks=tuple(blocks))


# ---------------------------------------------------------------------------------------------------
# The forms: 提案承办单, 提案办理征询意见表


def _label(text: str) -> Cell:
    return Cell((para(text, CELL_LABEL),), label=True)


def _value(text: str, span: int = 1, *more: str) -> Cell:
    paras = [para(line, CELL) for line in (text, *more)]
    return Cell(tuple(paras), span=span)


def _proposers(proposers: Sequence[Proposer]) -> str:
    return "、".join(x.name for x in proposers)


def handling_form(
    a: Assignment,
    proposers: Sequence[Proposer],
    form: HandlingForm | None,
    instructions: Sequence[Instruction],
    units: Sequence[Assignment],
) -> Document:
    """The 承办单: the proposal and its assignment, 拟办意见, the leaders' 批示 and who approved it when; blank
    lines for writing by hand where nothing is on record yet."""
    p = a.proposal
    unit = a.department.name
    leads = "、".join(u.department.name for u in units if u.role == AssignmentRole.LEAD) or "—"
    cos = "、".join(u.department.name for u in units if u.role == AssignmentRole.CO) or "无"
    opinion = ("", "")
    approval = ("", "")
    if form is not None:
        opinion = (form.opinion, f"经办人：{form.handler.display_name}　　{cn_date(_local_day(form.submitted_at))}")
        if form.approved_by is not None and form.approved_at is not None:
            approver = form.approved_by.display_name
            approval = (form.instruction or "同意。", f"批准人：{approver}　　{cn_date(_local_day(form.approved_at))}")
    notes = [f"{i.text}（{i.leader.display_name}，{cn_date(_local_day(i.created_at))}）" for i in instructions]
    due = a.due_on if a.role == AssignmentRole.LEAD else a.co_opinion_due
    rows = (
        Row((_label("提案号"), _value(p.number_label), _label("类别"), _value(p.category or "—"))),
        Row((_label("案由"), _value(p.title, 3))),
        Row((_label("提案人"), _value(_proposers(proposers), 3))),
        Row((_label("主办单位"), _value(leads), _label("协办单位"), _value(cos))),
        Row(
            (
                _label("交办日期"),
                _value(cn_date(a.assigned_on)),
                _label("办复期限" if a.is_lead else "意见期限"),
                _value(cn_date(due)),
            )
        ),
        Row((_label("领导批示"), _value("\n".join(notes), 3)), height=70),
        Row((_label("拟办意见"), _value(opinion[0], 3, opinion[1])), height=120),
        Row((_label("单位领导意见"), _value(approval[0], 3, approval[1])), height=90),
    )
    dated = _local_day(form.approved_at or form.submitted_at) if form is not None else a.assigned_on
    blocks: list[Block] = [
        Para((Run("提案承办单"),), FORM_TITLE),
        Split((Run(f"承办单位：{unit}（{a.get_role_display()}）"),), (Run(f"编号：{a.pk}"),), FORM_LINE),
        Grid((0.15, 0.39, 0.15, 0.31), rows),  # 十四届二次会议 第001号 on one line, 4-character labels
        para("注：本单由承办单位经办人填写拟办意见，报单位领导批准后办理。", SMALL_NOTE),
    ]
    return Document(title=f"{p.number_label}提案承办单", author=unit, dated=dated, blocks=tuple(blocks),
                    page_numbers=False)  # fmt: skip


CHOICES = (Rating.SATISFIED, Rating.BASICALLY_SATISFIED, Rating.UNSATISFIED)


def _ticks(chosen: str) -> str:
    return "　　".join(
        f"{'☑' if value == chosen else '□'}{label}" for value, label in Rating.choices if value in CHOICES
    )


def feedback_form(
    a: Assignment, proposers: Sequence[Proposer], reply: Reply | None, feedback: Feedback | None
) -> Document:
    """The 征询意见表: filled in from the rating on record, else blank boxes for printing and rating on paper."""
    p = a.proposal
    unit = a.department.name
    replied = cn_date(reply.delivered_on) if reply is not None and reply.delivered_on else ""
    number = reply.document_number if reply is not None else ""
    who = ""
    when = ""
    if feedback is not None:
        who = feedback.proposer.name if feedback.proposer is not None else ""
        if feedback.on_paper:
            who += f"（纸质反馈，由{feedback.entered_by.display_name}代录）"
        when = cn_date(_local_day(feedback.created_at))
    rows = (
        Row((_label("提案号"), _value(p.number_label, 3))),
        Row((_label("案由"), _value(p.title, 3))),
        Row((_label("提案人"), _value(_proposers(proposers), 3))),
        Row((_label("承办单位"), _value(unit), _label("答复日期"), _value(replied))),
        Row((_label("答复函文号"), _value(number, 3))),
        Row((_label("办理态度"), _value(_ticks(feedback.attitude if feedback else ""), 3)), height=40),
        Row((_label("办理结果"), _value(_ticks(feedback.result if feedback else ""), 3)), height=40),
        Row((_label("意见和建议"), _value(feedback.comment if feedback else "", 3)), height=190),
        Row((_label("提案人签名"), _value(who), _label("日期"), _value(when or BLANK_DATE))),
    )
    dated = (
        _local_day(feedback.created_at)
        if feedback is not None
        else (reply.delivered_on if reply is not None and reply.delivered_on else a.assigned_on)
    )
    blocks: list[Block] = [
        Para((Run("提案办理征询意见表"),), FORM_TITLE),
        Split((Run(f"{p.jurisdiction.name}政协提案委员会制"),), (Run(f"编号：{a.pk}"),), FORM_LINE),
        Grid((0.18, 0.32, 0.18, 0.32), rows),
        para("注：请在相应的“□”内打“√”。办理结果不满意的，承办单位将再次办理。", SMALL_NOTE),
    ]
    return Document(title=f"{p.number_label}提案办理征询意见表", author=unit, dated=dated, blocks=tuple(blocks),
                    page_numbers=False)  # fmt: skip
