"""What the circular (通报) and the annual report (年度报告) say, as ``documents.layout`` blocks: the same
GB/T 9704 layout as the letters (``documents.content``' masthead, signature and 版记), drawn by the same two
renderers. Every number comes from ``publications.figures``; every name and title is the records' text,
which the layout cleans (XML) and the PDF escapes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from documents.content import body_blocks, imprint, masthead, signature
from documents.layout import (
    HEADING1,
    HEADING2,
    HEITI,
    KAITI,
    MM,
    PAGE,
    RED,
    SALUTATION,
    Block,
    Cell,
    Document,
    Grid,
    Image,
    Para,
    Row,
    Rule,
    Run,
    Style,
    Together,
    para,
    title_para,
)
from lib.dates import cn_date
from organisation.models import Jurisdiction

from . import charts
from .figures import AnnualFigures, CircularFigures, Named, percent, target_text

PENDING_NUMBER = "（印发时编号）"
DRAFT = "草稿"

CELL_HEAD = Style(face=HEITI, size=12, align="center", pitch=18)
CELL_TEXT = Style(size=12, align="left", pitch=18)
CELL_NUMBER = Style(size=12, align="center", pitch=18)
# the wide tables of the annual report (11 and 5 columns) in 五号
SMALL_HEAD = Style(face=HEITI, size=10.5, align="center", pitch=15)
SMALL_TEXT = Style(size=10.5, align="left", pitch=15)
SMALL_NUMBER = Style(size=10.5, align="center", pitch=15)
CAPTION = Style(face=HEITI, size=14, align="center", pitch=24, after=0.3)
NUMBER_CENTRED = Style(align="center", before=0.5)
BYLINE = Style(face=KAITI, align="center")


def issuer_of(jurisdiction: Jurisdiction) -> str:
    """The office that issues both documents: 示例市人民政府办公室."""
    return f"{jurisdiction.name}人民政府办公室"


def cppcc_of(jurisdiction: Jurisdiction) -> str:
    """市政协 for 示例市, 县政协 for 示例县 (as ``documents.content.cppcc_of`` names it for a proposal)."""
    name = jurisdiction.name
    return f"{name[-1]}政协" if name and name[-1] in "市县区旗州盟" else f"{name}政协"


def whole_of(jurisdiction: Jurisdiction) -> str:
    """全市, 全县; a jurisdiction named otherwise by its name."""
    name = jurisdiction.name
    return f"全{name[-1]}" if name and name[-1] in "市县区旗州盟" else name


def circular_title(figures: CircularFigures) -> tuple[str, ...]:
    return ("关于", figures.period, "政协提案", "办理工作进展情况的通报")


def annual_title(year: int) -> tuple[str, ...]:
    return ("关于", f"{year}年度", "政协提案", "办理工作情况的报告")


# ---------------------------------------------------------------------------------------------------
# Tables


def _cell(text: str, style: Style = CELL_NUMBER, span: int = 1) -> Cell:
    return Cell((para(text, style),), span=span, label=style in (CELL_HEAD, SMALL_HEAD))


def _head(*labels: str, style: Style = CELL_HEAD) -> Row:
    return Row(tuple(_cell(label, style) for label in labels))


UNIT_HEADS = ("承办单位", "主办件", "已办复", "办复率", "见面率", "满意率", "逾期未办复")


def _unit_cells(name: str, r: dict[str, Any]) -> Row:
    values = (str(r["assigned"]), str(r["replied"]), percent(r["reply_rate"]), percent(r["meeting_rate"]),
              percent(r["satisfaction_rate"]), str(r["overdue"]))  # fmt: skip
    return Row((_cell(name, CELL_TEXT), *(_cell(v) for v in values)))


def unit_table(units: Sequence[dict[str, Any]], totals: dict[str, Any]) -> Grid:
    """承办单位 | 主办件 | 已办复 | 办复率 | 见面率 | 满意率 | 逾期未办复, a row per unit and the total."""
    rows = [_head(*UNIT_HEADS), *(_unit_cells(u["name"], u) for u in units), _unit_cells("合计", totals)]
    return Grid((0.28, 0.105, 0.105, 0.105, 0.105, 0.105, 0.195), tuple(rows), header=1)


ANNUAL_HEADS = ("承办单位", "主办件", "已办复", "办复率", "按时办复率", "见面率", "满意率", "A类", "B类", "C类", "逾期")


def _annual_cells(name: str, r: dict[str, Any]) -> Row:
    values = (str(r["assigned"]), str(r["replied"]), percent(r["reply_rate"]), percent(r["on_time_rate"]),
              percent(r["meeting_rate"]), percent(r["satisfaction_rate"]), str(r["a"]), str(r["b"]), str(r["c"]),
              str(r["overdue"]))  # fmt: skip
    return Row((_cell(name, SMALL_TEXT), *(_cell(v, SMALL_NUMBER) for v in values)))


def annual_table(units: Sequence[dict[str, Any]], totals: dict[str, Any]) -> Grid:
    rows = [_head(*ANNUAL_HEADS, style=SMALL_HEAD), *(_annual_cells(u["name"], u) for u in units),
            _annual_cells("合计", totals)]  # fmt: skip
    widths = (0.235, 0.07, 0.07, 0.087, 0.087, 0.087, 0.087, 0.06, 0.06, 0.06, 0.097)
    return Grid(widths, tuple(rows), header=1)


def key_table(figures: AnnualFigures) -> Grid:
    rows = [_head("提案号", "类别", "案由", "主办单位", "办理状态", style=SMALL_HEAD)]
    for k in figures.key_proposals:
        rows.append(Row((_cell(k.number, SMALL_NUMBER), _cell(k.kind, SMALL_NUMBER), _cell(k.title, SMALL_TEXT),
                         _cell(k.units, SMALL_TEXT), _cell(k.status, SMALL_NUMBER))))  # fmt: skip
    return Grid((0.19, 0.12, 0.37, 0.2, 0.12), tuple(rows), header=1)


def keep_headings(blocks: Sequence[Block]) -> list[Block]:
    """Each heading (一、 in 黑体, （一） in 楷体) kept on one page with the paragraph after it, so that no
    heading is left alone at the foot of a page."""
    out: list[Block] = []
    i = 0
    while i < len(blocks):
        block = blocks[i]
        after = blocks[i + 1] if i + 1 < len(blocks) else None
        heading = block if isinstance(block, Para) and block.style in (HEADING1, HEADING2) else None
        if heading is not None and isinstance(after, Para):
            out.append(Together((heading, after)))
            i += 2
        elif heading is not None and isinstance(after, Together):
            out.append(Together((heading, *after.blocks)))
            i += 2
        else:
            out.append(block)
            i += 1
    return out


# ---------------------------------------------------------------------------------------------------
# The circular


def _names(units: Sequence[dict[str, Any]] | Sequence[Named]) -> str:
    return "、".join(u.name if isinstance(u, Named) else u["name"] for u in units)


def _overall(figures: CircularFigures) -> str:
    t = figures.totals
    if not t["assigned"]:
        return f"{figures.period}没有交办的政协提案。"
    return (
        f"{figures.period}，共交办政协提案主办件{t['assigned']}件（不含已退回重新交办的）。"
        f"截至{cn_date(figures.today)}，已办复{t['replied']}件，办复率{percent(t['reply_rate'])}"
        f"（目标{target_text('reply_rate')}）；与提案人见面沟通{t['met']}件，见面率{percent(t['meeting_rate'])}"
        f"（目标{target_text('meeting_rate')}）；收到提案人反馈{t['feedbacks']}件，其中满意和基本满意"
        f"{t['satisfied']}件，满意率{percent(t['satisfaction_rate'])}（目标{target_text('satisfaction_rate')}）；"
        f"逾期未办复{t['overdue']}件。各承办单位办理情况见下表。"
    )


def _named_lines(named: Sequence[Named]) -> list[str]:
    return [f"{n}. {u.name}：{'；'.join(u.reasons)}。" for n, u in enumerate(named, 1)]


NEXT_STEPS_CIRCULAR = (
    "四、工作要求",
    "（一）抓紧办理逾期提案。被通报批评的单位要认真查找原因，主要负责同志亲自过问，在收到本通报后10个工作日内办复，"
    "并将整改情况报送督查室。",
    "（二）加强与提案人沟通。坚持办前、办中、办后“三见面”，做到见面率100%，把沟通协商贯穿提案办理全过程。",
    "（三）切实提高办理质量。注重解决实际问题，对提案人不满意的提案要重新办理，确保满意率不低于98%。",
    "督查室将继续跟踪督办，定期通报办理进展情况，并将办理情况纳入年度目标考核。",
)


def circular_document(figures: CircularFigures, *, number: str | None) -> Document:
    """The circular; without ``number`` (not yet issued) it is a draft: watermarked 草稿, the number to come."""
    j = figures.jurisdiction
    issuer = issuer_of(j)
    phrases = circular_title(figures)
    day = cn_date(figures.today)
    paragraphs = [
        f"为进一步做好政协提案办理工作，推动提案办理提质增效，现将{figures.period}{whole_of(j)}政协提案办理工作进展"
        "情况通报如下。",
        "一、总体情况",
        _overall(figures),
    ]
    blocks: list[Block] = [
        masthead(issuer),
        para(number or PENDING_NUMBER, NUMBER_CENTRED),
        Rule(weight=0.5 * MM, color=RED, before=4, after=0),
        para("", Style(pitch=PAGE.line_pitch / 2)),
        title_para(phrases),
        para("各承办单位：", SALUTATION),
        *body_blocks(paragraphs),
    ]
    if figures.units:
        blocks.append(unit_table(figures.units, figures.totals))
    praise = ["二、表扬"]
    if figures.praised:
        praise.append(
            f"{_names(figures.praised)}{'等' if len(figures.praised) > 1 else ''}{len(figures.praised)}个单位"
            "办复率、见面率达到100%，满意率达到目标，没有逾期未办复的提案，予以表扬。"
        )
    else:
        praise.append("本期没有办复率、见面率、满意率全部达到目标且无逾期的单位。")
    praise.append("三、通报批评和提醒")
    if figures.criticised:
        praise.append("以下单位有逾期未办复的提案，予以通报批评：")
        praise += _named_lines(figures.criticised)
    if figures.reminded:
        praise.append("以下单位见面率或满意率未达到目标，予以提醒：")
        praise += _named_lines(figures.reminded)
    if not figures.criticised and not figures.reminded:
        praise.append("本期没有逾期未办复或见面率、满意率未达到目标的单位。")
    blocks += body_blocks(praise)
    blocks += body_blocks(NEXT_STEPS_CIRCULAR)
    blocks.append(signature(issuer, day))
    blocks += imprint(f"{cppcc_of(j)}提案委员会，各承办单位。", issuer, day)
    title = "".join(phrases)
    return Document(title=title, author=issuer, dated=figures.today, blocks=tuple(keep_headings(blocks)),
                    watermark="" if number else DRAFT)  # fmt: skip


# ---------------------------------------------------------------------------------------------------
# The annual report


NEXT_STEPS_ANNUAL = (
    "五、下一步工作",
    "（一）进一步压实办理责任。坚持主要领导亲自抓、分管领导具体抓，落实“统一交办、分级负责、归口办理”，"
    "把提案办理纳入年度目标考核，对逾期、不满意的提案跟踪督办到位。",
    "（二）进一步提高办理质量。坚持办前、办中、办后“三见面”，把协商贯穿办理全过程，"
    "推动A类答复的事项抓好落实、B类答复的事项列入计划逐步解决。",
    "（三）进一步加强督查督办。对重点提案和建议案实行动态督办，定期通报办理进展，"
    "开展办理情况抽查和“回头看”，确保件件有着落、事事有回音。",
    "（四）进一步推进办理结果公开。除涉及国家秘密等不宜公开的外，提案答复一律公开，主动接受社会监督。",
)


def _caption(text: str) -> Para:
    return para(text, CAPTION)


def _problems(f: AnnualFigures) -> list[str]:
    t = f.totals
    out = ["四、存在的问题"]
    n = 0
    marks = "一二三四五"
    if t["overdue"]:
        out.append(
            f"（{marks[n]}）部分提案办理不够及时。截至{cn_date(f.today)}，仍有{t['overdue']}件提案逾期未办复，"
            f"涉及{_names(f.criticised)}。"
        )
        n += 1
    if f.unsatisfied:
        out.append(
            f"（{marks[n]}）个别提案办理质量有待提高。提案人对{f.unsatisfied}件提案的办理结果表示不满意，"
            "已要求承办单位重新办理并再次征询意见。"
        )
        n += 1
    if f.reminded:
        misses = "；".join(f"{u.name}{'、'.join(u.reasons)}" for u in f.reminded)
        out.append(f"（{marks[n]}）部分单位沟通协商不够充分，{misses}。")
        n += 1
    if not n:
        out.append("本年度提案均按期办复，见面率、满意率均达到目标，未发现突出问题。")
    return out


def _cases(f: AnnualFigures) -> list[Block]:
    blocks: list[Block] = list(body_blocks(["三、典型案例"]))
    if not f.cases:
        return [*blocks, para("本年度尚无公开答复的A类提案。")]
    marks = "一二三四五"
    for n, case in enumerate(f.cases):
        head = Para((Run(f"（{marks[n]}）{case.title}", KAITI),))
        number = case.number.replace(" ", "").replace("\u3000", "")
        kind = "提案" if case.kind == "提案" else f"提案（{case.kind}）"
        line = para(f"{number}{kind}，由{case.unit}主办，答复为A类（所提问题已经解决或基本解决）。")
        blocks.append(Together((head, line)))
        blocks += [para(line) for line in case.excerpt]
    return blocks


def annual_document(f: AnnualFigures) -> Document:
    """The year's handling report to the CPPCC's standing committee (§五(三))."""
    j = f.jurisdiction
    t = f.totals
    issuer = issuer_of(j)
    phrases = annual_title(f.year)
    day = cn_date(f.today)
    cppcc = cppcc_of(j)
    shares = "；".join(
        f"{c}类{n}件，占{percent(share)}" for c, n, share in f.shares
    )  # A 已解决或基本解决, B 列入计划, C 留作参考
    overall = [
        f"{f.year}年，{j.name}人民政府高度重视政协提案办理工作，坚持把办理提案作为接受民主监督、改进政府工作的"
        f"重要举措。现将{f.year}年度政协提案办理工作情况报告如下。",
        "一、总体情况",
        f"{f.year}年，{cppcc}共提交提案{f.proposals}件，其中重点提案{f.key_count}件、建议案{f.suggestion_count}件。"
        f"交由承办单位主办{t['assigned']}件（不含已退回重新交办的），截至{day}，已办复{t['replied']}件，"
        f"办复率{percent(t['reply_rate'])}（目标{target_text('reply_rate')}），按时办复率{percent(t['on_time_rate'])}；"
        f"见面率{percent(t['meeting_rate'])}（目标{target_text('meeting_rate')}），三见面率"
        f"{percent(t['three_meetings_rate'])}；收到提案人反馈{t['feedbacks']}件，满意率"
        f"{percent(t['satisfaction_rate'])}（目标{target_text('satisfaction_rate')}）。",
        f"从答复类别看，{shares}（A类为所提问题已经解决或基本解决，B类为列入计划逐步解决，C类为因条件限制留作参考）。",
    ]
    blocks: list[Block] = [
        title_para(phrases),
        para(issuer, BYLINE),
        para(f"（{day}）", Style(face=KAITI, align="center", after=0.5)),
        para(f"{cppcc}常务委员会：", SALUTATION),
        *body_blocks(overall),
        Image(charts.class_shares(f.shares), width=0.6, description="答复类别分布"),
        _caption("图1　答复类别分布"),
        para("各承办单位办理情况见表1和图2。"),
        _caption("表1　各承办单位提案办理情况"),
        annual_table(f.units, t),
    ]
    if f.units:
        blocks += [
            Image(charts.rates_by_unit(f.units), width=0.95, description="各承办单位办复率、见面率、满意率"),
            _caption("图2　各承办单位办复率、见面率、满意率"),
        ]
    blocks += body_blocks(["二、重点提案和建议案办理情况"])
    if f.key_proposals:
        done = sum(1 for k in f.key_proposals if k.status in ("已答复", "已办结"))
        blocks.append(
            para(
                f"全年确定重点提案{f.key_count}件、建议案{f.suggestion_count}件，实行政府领导领衔督办、"
                f"办公部门审核、政府领导审定答复，已答复或办结{done}件，办理情况见表2。"
            )
        )
        blocks += [_caption("表2　重点提案和建议案办理情况"), key_table(f)]
    else:
        blocks.append(para("本年度没有确定重点提案和建议案。"))
    blocks += _cases(f)
    blocks += body_blocks(_problems(f))
    blocks += body_blocks(NEXT_STEPS_ANNUAL)
    blocks.append(signature(issuer, day))
    return Document(title="".join(phrases), author=issuer, dated=f.today, blocks=tuple(keep_headings(blocks)))
