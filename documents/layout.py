"""The layout of every document, defined once (GB/T 9704-2012 党政机关公文格式), and drawn two ways: as a
Word document (``documents.docx``) and as a PDF through HTML and CSS (``documents.pdf``).

A document is a list of blocks (paragraphs, a line with a left and a right part, rules, tables), each with
a ``Style``: its face, size, alignment, indents and line pitch. Both renderers read only these values, so
the .docx and the PDF cannot drift apart. Lengths are points; indents count characters of the body's pitch.

The page: A4, margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm; a text block of 156 × 225 mm
holding 22 lines of 28 characters of 仿宋 三号 (16 pt).
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

MM = 72 / 25.4  # points per millimetre


@dataclass(frozen=True)
class Face:
    """A typeface: the official name a Word document asks for (an office PC with the font shows the real
    thing) and the CSS family list for the PDF, the official names first and Debian's stand-ins after them
    (Noto CJK, WenQuanYi), ending in a generic family, so a missing font falls back and never fails."""

    official: str
    css: tuple[str, ...]


# Noto CJK and WenQuanYi stop at the BMP (and Extension A): Extension B–F (𠀀 U+20000, 𪚥) come from
# 花園明朝 (fonts-hanazono: HanaMinB holds the supplementary plane, HanaMinA a few of them), listed after them
# so that it draws only what they lack; without it such a character falls through to the generic family.
EXTENSIONS = ("HanaMinB", "HanaMinA")
_SERIF = ("Noto Serif CJK SC", "Source Han Serif SC", "WenQuanYi Zen Hei", *EXTENSIONS, "serif")
_SANS = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", *EXTENSIONS, "sans-serif")
TITLE_SONG = Face("方正小标宋简体", ("方正小标宋简体", "FZXiaoBiaoSong-B05S", "方正小标宋_GBK", *_SERIF))
FANGSONG = Face("仿宋_GB2312", ("仿宋_GB2312", "FangSong_GB2312", "仿宋", "FangSong", *_SERIF))
KAITI = Face("楷体_GB2312", ("楷体_GB2312", "KaiTi_GB2312", "楷体", "KaiTi", *_SERIF))
HEITI = Face("黑体", ("黑体", "SimHei", *_SANS))
SONG = Face("宋体", ("宋体", "SimSun", *_SERIF))  # page numbers (4号半角宋体)


@dataclass(frozen=True)
class Page:
    width: float = 210 * MM
    height: float = 297 * MM
    top: float = 37 * MM
    bottom: float = 35 * MM
    left: float = 28 * MM
    right: float = 26 * MM
    lines: int = 22
    chars: int = 28
    body_size: float = 16.0  # 三号

    @property
    def text_width(self) -> float:
        return self.width - self.left - self.right

    @property
    def text_height(self) -> float:
        return self.height - self.top - self.bottom

    @property
    def line_pitch(self) -> float:
        """The body's line pitch, rounded down to a whole twip so that 22 lines surely fit (28.95 pt)."""
        return int(self.text_height / self.lines * 20) / 20

    @property
    def char_pitch(self) -> float:
        """The width each body character takes (15.79 pt: 三号 set a little tighter, 28 to the line)."""
        return self.text_width / self.chars


PAGE = Page()

Align = Literal["left", "center", "right", "justify"]


@dataclass(frozen=True)
class Style:
    face: Face = FANGSONG
    size: float = PAGE.body_size
    bold: bool = False
    align: Align = "justify"
    indent: float = 0  # first line, in characters
    left: float = 0  # in characters
    right: float = 0  # in characters
    before: float = 0  # space before, in body lines
    after: float = 0
    pitch: float = PAGE.line_pitch  # exact line height, points
    color: str = "000000"


BODY = Style(indent=2)
TITLE = Style(face=TITLE_SONG, size=22, align="center", pitch=33, before=1, after=1)
SALUTATION = Style(align="left")
HEADING1 = Style(face=HEITI, indent=2)  # 一、
HEADING2 = Style(face=KAITI, indent=2)  # （一）
MARKER = Style(face=HEITI, align="left")  # A类, 主动公开
NUMBER_LINE = Style(left=1, right=1, align="left")  # 文号 … 签发人
SIGNER_NAME = Style(face=KAITI)
NOTE = Style(indent=2, align="left")  # 附注: contact person and phone
IMPRINT = Style(size=14, left=1, right=1, align="left", pitch=PAGE.line_pitch)  # 版记 (4号)
FORM_TITLE = Style(face=TITLE_SONG, size=22, align="center", pitch=33, after=0.5)
FORM_LINE = Style(size=14, align="left", pitch=24)
CELL = Style(size=14, align="left", pitch=24)
CELL_LABEL = Style(size=14, align="center", pitch=24)
SMALL_NOTE = Style(size=12, align="left", pitch=20, before=0.3)
PAGE_NUMBER = Style(face=SONG, size=14, align="center")
RED = "FF0000"


@dataclass(frozen=True)
class Run:
    """A piece of text in a paragraph, optionally in a face of its own (签发人's name in 楷体)."""

    text: str
    face: Face | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", clean(self.text))


@dataclass(frozen=True)
class Para:
    runs: tuple[Run, ...]
    style: Style = BODY


@dataclass(frozen=True)
class Split:
    """One line with a left and a right part: 文号 and 签发人, 公开属性 and the class marker, 印发."""

    left: tuple[Run, ...]
    right: tuple[Run, ...]
    style: Style = NUMBER_LINE


@dataclass(frozen=True)
class Rule:
    """A line across the text block: the red line under the 文号, the lines of the 版记."""

    weight: float = 0.35 * MM
    color: str = "000000"
    before: float = 0  # points
    after: float = 0


@dataclass(frozen=True)
class Cell:
    paras: tuple[Para, ...]
    span: int = 1
    label: bool = False  # a heading cell, centred vertically


@dataclass(frozen=True)
class Row:
    cells: tuple[Cell, ...]
    height: float = 0  # least height, points (room to write by hand on a printed form)


@dataclass(frozen=True)
class Grid:
    widths: tuple[float, ...]  # fractions of the text width
    rows: tuple[Row, ...]
    header: int = 0  # the first rows repeat at the top of each page the table runs over (a table's heads)


@dataclass(frozen=True)
class Together:
    """Blocks kept on one page (Word: keep with next; CSS: break-inside: avoid): the signature with its date
    and the contact line, the 版记 between its rules, so that neither is split over a page break."""

    blocks: tuple[Para | Split | Rule, ...]
    with_previous: bool = False  # nor split from the block before it (the signature from the last paragraph)


@dataclass(frozen=True)
class Image:
    """A picture centred in the text block (a chart): PNG bytes drawn ``width`` (a fraction of the text
    width) wide, its height following the picture's proportions; ``description`` is its alternative text."""

    data: bytes
    width: float = 1.0
    description: str = ""
    before: float = 0.3  # space before and after, in body lines
    after: float = 0.3


Block = Para | Split | Rule | Grid | Together | Image


@dataclass(frozen=True)
class Document:
    """What a renderer draws: the blocks, a watermark (草稿), and the metadata from the records."""

    title: str
    author: str  # the issuing unit
    dated: date  # from the records: the file's timestamps and properties (no "now" in a document)
    blocks: tuple[Block, ...]
    watermark: str = ""
    page_numbers: bool = True
    page: Page = field(default=PAGE)


def para(text: str, style: Style = BODY) -> Para:
    return Para((Run(text),), style)


# Characters XML 1.0 cannot hold (C0 controls but tab, LF, CR; lone surrogates; U+FFFE/U+FFFF): a Word
# document would be corrupt and lxml refuses them. Every text of a document goes through ``clean``.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean(text: str) -> str:
    return _XML_ILLEGAL.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).replace("\x7f", "")


def width_in_chars(text: str) -> float:
    """How many body characters wide a text is: full-width characters count one, the rest a half."""
    return sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.5 for c in text)


# ---------------------------------------------------------------------------------------------------
# Titles of several lines (GB/T 9704 7.3.3): 回行时要做到词意完整，排列对称，长短适宜，间距恰当，标题排列应
# 当使用梯形或菱形. A title is broken here, once, into explicit lines that both renderers draw, so Word and
# the PDF wrap it alike: as few lines as fit, broken between phrases, upper lines not shorter than lower.

_NO_LINE_START = set("、，。；：！？）〕】」』》〉”’%·…—,.;:!?)]}")
_NO_LINE_END = set("（〔【「『《〈“‘([{")
_MILD_BEFORE = set("的和与及或暨对在")  # a break before these, or after 的和与及或, seldom cuts a word
_MILD_AFTER = set("的和与及或、，；：")
IN_WORD = 6.0  # the cost of a break between two ideographs that may form a word, in characters of shape


def title_width(text: str) -> float:
    """A title's width in characters of its size: ideographs and full-width marks one, digits and Latin
    letters 0.6 (Noto Serif CJK sets them at 0.47–0.72 em)."""
    return sum(1.0 if unicodedata.east_asian_width(c) in "WFA" else 0.6 for c in text)


def _pieces(phrase: str) -> list[tuple[str, float]]:
    """A phrase cut where a line may break: (piece, cost of a break after it). Runs of digits and Latin
    letters stay whole; punctuation stays with its neighbour (避头尾)."""
    out: list[str] = []
    for c in phrase:
        prev = out[-1][-1] if out else ""
        latin = c.isascii() and c.isalnum() and prev.isascii() and prev.isalnum()
        if prev and (c in _NO_LINE_START or prev in _NO_LINE_END or latin):
            out[-1] += c
        else:
            out.append(c)
    pieces: list[tuple[str, float]] = []
    for text, after in itertools.zip_longest(out, out[1:], fillvalue=""):
        if not after:
            cost = 0.0
        elif text[-1] in _MILD_AFTER or after[0] in _MILD_BEFORE or not (text[-1].isalnum() and after[0].isalnum()):
            cost = 1.0
        else:
            cost = IN_WORD
        pieces.append((text, cost))
    return pieces


def _shape(widths: list[float]) -> float:
    """How far the lines are from a balanced trapezoid: a step down costs its square / 8; a step up (the
    lower line longer, an inverted trapezoid) twice that and 3 more, so it is taken only to save a cut word
    or for a diamond of three lines (梯形或菱形)."""
    cost = 0.0
    for upper, lower in itertools.pairwise(widths):
        step = upper - lower
        cost += step * step / 8 if step >= -0.5 else 3 + step * step / 4
    return cost


def title_lines(phrases: str | tuple[str, ...], style: Style = TITLE, page: Page = PAGE) -> tuple[str, ...]:
    """Break a title into lines that fit the text block at the title's size: as few lines as fit, broken
    between ``phrases`` (the units of sense the caller knows, e.g. 关于 / 市政协 / 十四届二次会议 / 第123号提案 /
    的答复) where it can, otherwise where it least cuts a word, choosing the most balanced trapezoid."""
    parts = (phrases,) if isinstance(phrases, str) else phrases
    capacity = (page.text_width - (style.left + style.right) * page.char_pitch) / style.size
    pieces: list[tuple[str, float]] = []
    for phrase in (clean(p) for p in parts):
        inner = _pieces(phrase)
        if inner:
            inner[-1] = (inner[-1][0], 0.0)  # between two phrases: free
            pieces += inner
    if not pieces:
        return ("",)
    widths = [title_width(t) for t, _ in pieces]
    total = sum(widths)
    if total <= capacity:
        return ("".join(t for t, _ in pieces),)
    best: tuple[float, tuple[int, ...]] | None = None
    lines = max(2, math.ceil(total / capacity))
    while best is None and lines <= 4 and len(pieces) <= 60:
        for cuts in itertools.combinations(range(1, len(pieces)), lines - 1):
            bounds = (0, *cuts, len(pieces))
            line_widths = [sum(widths[a:b]) for a, b in itertools.pairwise(bounds)]
            if max(line_widths) > capacity:
                continue
            cost = _shape(line_widths) + sum(pieces[c - 1][1] for c in cuts)
            if best is None or cost < best[0]:
                best = (cost, bounds)
        lines += 1
    if best is None:  # longer than four lines: fill each line (no title is that long)
        return tuple(_greedy(pieces, widths, capacity))
    bounds = best[1]
    return tuple("".join(t for t, _ in pieces[a:b]) for a, b in itertools.pairwise(bounds))


def _greedy(pieces: list[tuple[str, float]], widths: list[float], capacity: float) -> list[str]:
    out: list[str] = []
    line, width = "", 0.0
    for (text, _), w in zip(pieces, widths, strict=True):
        if line and width + w > capacity:
            out.append(line)
            line, width = "", 0.0
        line, width = line + text, width + w
    return [*out, line]


def title_para(phrases: str | tuple[str, ...], style: Style = TITLE) -> Para:
    """The title's paragraph: its lines, as ``title_lines`` breaks them, joined by line breaks."""
    return Para((Run("\n".join(title_lines(phrases, style))),), style)
