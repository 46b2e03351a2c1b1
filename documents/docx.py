"""Draw a ``layout.Document`` as a Word document (python-docx).

The official faces are named on every run and on the Normal style, in ``w:eastAsia`` as well as the Latin
slots (python-docx's ``font.name`` alone leaves Chinese text in the default face). The page carries the
document grid of GB/T 9704 (22 lines of 28 characters). The file is the same, byte for byte, each time it
is made from the same records: the zip entries and the core properties carry the record's date.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, time

from docx import Document as new_docx
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Pt, RGBColor
from docx.table import Table
from docx.text.paragraph import Paragraph

from .layout import (
    BODY,
    PAGE_NUMBER,
    Block,
    Cell,
    Document,
    Face,
    Grid,
    Image,
    Para,
    Rule,
    Run,
    Split,
    Style,
    Together,
)

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

ALIGN = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
    "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
}


def set_face(rpr_owner: object, face: Face) -> None:
    """Name the face in every slot of ``w:rFonts`` (ascii, hAnsi, eastAsia, cs) of a run or a style."""
    fonts = rpr_owner.get_or_add_rPr().get_or_add_rFonts()  # type: ignore[attr-defined]
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), face.official)
    fonts.set(qn("w:hint"), "eastAsia")


def _format(p: Paragraph, style: Style, char: float) -> None:
    fmt = p.paragraph_format
    fmt.alignment = ALIGN[style.align]
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(style.pitch)
    fmt.space_before = Pt(style.before * BODY.pitch)
    fmt.space_after = Pt(style.after * BODY.pitch)
    fmt.first_line_indent = Pt(style.indent * style.size) if style.indent else None
    fmt.left_indent = Pt(style.left * char) if style.left else None
    fmt.right_indent = Pt(style.right * char) if style.right else None


def _run(p: Paragraph, run: Run, style: Style) -> None:
    lines = run.text.split("\n")
    for i, line in enumerate(lines):
        r = p.add_run(line)
        r.font.size = Pt(style.size)
        r.font.bold = style.bold or None
        if style.color != "000000":
            r.font.color.rgb = RGBColor.from_string(style.color)
        set_face(r._r, run.face or style.face)
        if style.size != BODY.size:
            # Off the character grid (22 lines of 28 at 三号): Word would give each character of another size
            # whole grid cells; set at its own size, as the PDF sets it, a title wraps where layout broke it.
            r._r.get_or_add_rPr().get_or_add_snapToGrid().set(qn("w:val"), "0")
        if i < len(lines) - 1:
            r.add_break()


def _paragraph(p: Paragraph, block: Para, char: float) -> None:
    _format(p, block.style, char)
    for run in block.runs:
        _run(p, run, block.style)


def _split(p: Paragraph, block: Split, width: float, char: float) -> None:
    style = block.style
    _format(p, style, char)
    p.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
    stop = width - (style.left + style.right) * char
    p.paragraph_format.tab_stops.add_tab_stop(Pt(stop), WD_TAB_ALIGNMENT.RIGHT)
    for run in block.left:
        _run(p, run, style)
    _run(p, Run("\t"), style)
    for run in block.right:
        _run(p, run, style)


def _rule(p: Paragraph, block: Rule) -> None:
    """An empty paragraph of hairline height whose bottom border is the line."""
    fmt = p.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(1)
    fmt.space_before = Pt(block.before)
    fmt.space_after = Pt(block.after)
    eighths = max(2, round(block.weight * 8))  # w:sz counts eighths of a point
    borders = parse_xml(
        f'<w:pBdr {nsdecls("w")}><w:bottom w:val="single" w:sz="{eighths}" w:space="0" '
        f'w:color="{block.color}"/></w:pBdr>'
    )
    p._p.get_or_add_pPr().append(borders)


def _cell(cell: object, content: Cell, char: float) -> None:
    first = True
    for block in content.paras:
        p = cell.paragraphs[0] if first else cell.add_paragraph()  # type: ignore[attr-defined]
        first = False
        _paragraph(p, block, char)
    if content.label:
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER  # type: ignore[attr-defined]


def _grid(table: Table, block: Grid, width: float, char: float) -> None:
    table.style = "Table Grid"
    table.autofit = False
    widths = [Pt(width * w) for w in block.widths]
    for i, column in enumerate(table.columns):
        column.width = widths[i]
    for r, row in enumerate(block.rows):
        cells = table.rows[r].cells
        for i, c in enumerate(cells):
            c.width = widths[i]  # before merging: a merged cell's width is the sum of its columns'
        col = 0
        for content in row.cells:
            cell = cells[col]
            if content.span > 1:
                cell = cell.merge(cells[col + content.span - 1])
            _cell(cell, content, char)
            col += content.span
        if row.height:
            table.rows[r].height = Pt(row.height)
            table.rows[r].height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
        if r < block.header:
            table.rows[r]._tr.get_or_add_trPr().append(parse_xml(f"<w:tblHeader {nsdecls('w')}/>"))


def _image(p: Paragraph, block: Image, width: float) -> None:
    """The picture in a centred paragraph of its own height (single spacing: an exact line pitch would cut
    it to one line)."""
    fmt = p.paragraph_format
    fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER
    fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    fmt.space_before = Pt(block.before * BODY.pitch)
    fmt.space_after = Pt(block.after * BODY.pitch)
    run = p.add_run()
    shape = run.add_picture(io.BytesIO(block.data), width=Pt(width * block.width))
    if block.description:
        shape._inline.docPr.set("descr", block.description)


def _grid_settings(doc: Document, section: object) -> None:
    """The document grid: 22 lines, 28 characters (w:charSpace: the pitch less the size, in 1/4096 pt)."""
    page = doc.page
    sect = section._sectPr  # type: ignore[attr-defined]
    grid = sect.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        sect.append(grid)
    grid.set(qn("w:type"), "linesAndChars")
    grid.set(qn("w:linePitch"), str(round(page.line_pitch * 20)))
    grid.set(qn("w:charSpace"), str(round((page.char_pitch - page.body_size) * 4096)))


WATERMARK = (
    '<w:r {ns}><w:pict><v:shape id="draft-watermark" type="#_x0000_t136" '
    'style="position:absolute;margin-left:0;margin-top:0;width:420pt;height:140pt;rotation:315;'
    "z-index:-251654144;mso-position-horizontal:center;mso-position-horizontal-relative:margin;"
    'mso-position-vertical:center;mso-position-vertical-relative:margin" fillcolor="#d0d0d0" stroked="f">'
    '<v:fill opacity=".5"/><v:textpath style="font-family:&quot;{face}&quot;;font-size:1pt" string="{text}"/>'
    "</v:shape></w:pict></w:r>"
)


def _header_footer(doc: Document, section: object, out: object) -> None:
    if doc.watermark:
        header = section.header  # type: ignore[attr-defined]
        p = header.paragraphs[0]
        ns = nsdecls("w") + ' xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"'
        p._p.append(parse_xml(WATERMARK.format(ns=ns, face="黑体", text=doc.watermark)))
    if doc.page_numbers:
        footer = section.footer  # type: ignore[attr-defined]
        p = footer.paragraphs[0]
        _format(p, PAGE_NUMBER, doc.page.char_pitch)
        _run(p, Run("— "), PAGE_NUMBER)
        field = parse_xml(f'<w:fldSimple {nsdecls("w")} w:instr="PAGE"><w:r><w:t>1</w:t></w:r></w:fldSimple>')
        p._p.append(field)
        _run(p, Run(" —"), PAGE_NUMBER)


def _flat(blocks: tuple[Block, ...]) -> Iterator[tuple[Para | Split | Rule | Grid | Image, bool, bool]]:
    """Each block, whether it keeps with the next (every block of a ``Together`` but its last), and whether
    the block before it keeps with it (the first of a ``Together`` ``with_previous``)."""
    for block in blocks:
        if isinstance(block, Together):
            for n, inner in enumerate(block.blocks):
                yield inner, n < len(block.blocks) - 1, n == 0 and block.with_previous
        else:
            yield block, False, False


def render_docx(doc: Document) -> bytes:
    """The document as a .docx file."""
    page = doc.page
    out = new_docx()
    section = out.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = Pt(page.width), Pt(page.height)
    section.top_margin, section.bottom_margin = Pt(page.top), Pt(page.bottom)
    section.left_margin, section.right_margin = Pt(page.left), Pt(page.right)
    section.header_distance, section.footer_distance = Pt(15 * 72 / 25.4), Pt(20 * 72 / 25.4)
    _grid_settings(doc, section)

    normal = out.styles["Normal"]
    normal.font.size = Pt(page.body_size)
    set_face(normal.element, BODY.face)
    normal.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    normal.paragraph_format.line_spacing = Pt(page.line_pitch)
    normal.paragraph_format.space_after = Pt(0)

    first = out.paragraphs[0] if out.paragraphs else None
    previous: Paragraph | None = None
    for i, (block, keep, joins) in enumerate(_flat(doc.blocks)):
        if joins and previous is not None:
            previous.paragraph_format.keep_with_next = True
        if isinstance(block, Grid):
            cols = len(block.widths)
            table = out.add_table(rows=len(block.rows), cols=cols)
            _grid(table, block, page.text_width, page.char_pitch)
            previous = None
            continue
        p = previous = first if (i == 0 and first is not None) else out.add_paragraph()
        if isinstance(block, Para):
            _paragraph(p, block, page.char_pitch)
        elif isinstance(block, Split):
            _split(p, block, page.text_width, page.char_pitch)
        elif isinstance(block, Rule):
            _rule(p, block)
        elif isinstance(block, Image):
            _image(p, block, page.text_width)
        if keep:
            p.paragraph_format.keep_with_next = True
    _header_footer(doc, section, out)

    props = out.core_properties
    stamp = datetime.combine(doc.dated, time(0), tzinfo=UTC)
    props.title, props.author, props.last_modified_by = doc.title, doc.author, doc.author
    props.created = props.modified = stamp
    props.revision = 1
    props.comments = ""
    raw = io.BytesIO()
    out.save(raw)
    return _stable_zip(raw.getvalue(), doc)


def _stable_zip(data: bytes, doc: Document) -> bytes:
    """Rewrite the package with every entry dated from the record, so a re-print is byte-identical."""
    stamp = (max(doc.dated.year, 1980), doc.dated.month, doc.dated.day, 0, 0, 0)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()
