"""The layout of every document, defined once (GB/T 9704-2012 党政机关公文格式), and drawn two ways: as a
Word document (``documents.docx``) and as a PDF through HTML and CSS (``documents.pdf``).

A document is a list of blocks (paragraphs, a line with a left and a right part, rules, tables), each with
a ``Style``: its face, size, alignment, indents and line pitch. Both renderers read only these values, so
the .docx and the PDF cannot drift apart. Lengths are points; indents count characters of the body's pitch.

The page: A4, margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm; a text block of 156 × 225 mm
holding 22 lines of 28 characters of 仿宋 三号 (16 pt).
"""

from __future__ import annotations

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


_SERIF = ("Noto Serif CJK SC", "Source Han Serif SC", "WenQuanYi Zen Hei", "serif")
TITLE_SONG = Face("方正小标宋简体", ("方正小标宋简体", "FZXiaoBiaoSong-B05S", "方正小标宋_GBK", *_SERIF))
FANGSONG = Face("仿宋_GB2312", ("仿宋_GB2312", "FangSong_GB2312", "仿宋", "FangSong", *_SERIF))
KAITI = Face("楷体_GB2312", ("楷体_GB2312", "KaiTi_GB2312", "楷体", "KaiTi", *_SERIF))
HEITI = Face("黑体", ("黑体", "SimHei", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "sans-serif"))
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


Block = Para | Split | Rule | Grid


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
