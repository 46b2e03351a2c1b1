"""Draw a ``layout.Document`` as a PDF: HTML and CSS written from the same blocks and styles as the Word
document, laid out by WeasyPrint with the CJK faces embedded (subsets of Noto CJK / WenQuanYi where the
official faces are not installed). Every text is escaped; the file depends only on the records."""

from __future__ import annotations

import base64
from html import escape

from .layout import BODY, HEITI, PAGE_NUMBER, Block, Cell, Document, Face, Grid, Image, Para, Rule, Run, Split, Style

PDF_TYPE = "application/pdf"


def _family(face: Face) -> str:
    names = [name if name in ("serif", "sans-serif") else f'"{name}"' for name in face.css]
    return ", ".join(names)


def _css_style(style: Style, char: float) -> str:
    parts = [
        f"font-family: {_family(style.face)}",
        f"font-size: {style.size}pt",
        f"line-height: {style.pitch}pt",
        f"text-align: {style.align}",
        f"margin: {style.before * BODY.pitch}pt {style.right * char}pt {style.after * BODY.pitch}pt"
        f" {style.left * char}pt",
        f"text-indent: {style.indent * style.size}pt",
        f"color: #{style.color}",
        f"font-weight: {'bold' if style.bold else 'normal'}",
    ]
    if style.size == BODY.size:
        # the body's 28 characters to the line, each a little tighter than its size, in any face (Word puts
        # every 三号 run on the document grid); other sizes are set off the grid, at their size, in both
        parts.append(f"letter-spacing: {char - style.size - 0.01:.3f}pt")
    return "; ".join(parts)


def _text(run: Run) -> str:
    text = escape(run.text, quote=True).replace("\n", "<br>")
    if run.face is not None:
        return f'<span style="font-family: {escape(_family(run.face))}">{text}</span>'
    return text


def _runs(runs: tuple[Run, ...]) -> str:
    return "".join(_text(r) for r in runs)


def _para(block: Para, char: float) -> str:
    return f'<p style="{escape(_css_style(block.style, char))}">{_runs(block.runs) or "&#8203;"}</p>'


def _split(block: Split, char: float) -> str:
    style = escape(_css_style(block.style, char))
    return (
        f'<p class="split" style="{style}; text-indent: 0"><span class="r">{_runs(block.right)}</span>'
        f"{_runs(block.left) or '&#8203;'}</p>"
    )


def _rule(block: Rule) -> str:
    return (
        f'<div class="rule" style="border-top: {block.weight:.2f}pt solid #{block.color}; '
        f'margin: {block.before}pt 0 {block.after}pt 0"></div>'
    )


def _cell(content: Cell, width: float, char: float) -> str:
    inner = "".join(_para(p, char) for p in content.paras)
    cls = ' class="label"' if content.label else ""
    return f'<td colspan="{content.span}"{cls}>{inner}</td>'


def _grid(block: Grid, char: float) -> str:
    cols = "".join(f'<col style="width: {w * 100:.2f}%">' for w in block.widths)
    rows = []
    for row in block.rows:
        height = f' style="height: {row.height}pt"' if row.height else ""
        cells = "".join(_cell(c, 0, char) for c in row.cells)
        rows.append(f"<tr{height}>{cells}</tr>")
    head = f"<thead>{''.join(rows[: block.header])}</thead>" if block.header else ""
    return f"<table><colgroup>{cols}</colgroup>{head}<tbody>{''.join(rows[block.header :])}</tbody></table>"


def _image(block: Image) -> str:
    src = "data:image/png;base64," + base64.b64encode(block.data).decode("ascii")
    return (
        f'<p class="image" style="margin: {block.before * BODY.pitch}pt 0 {block.after * BODY.pitch}pt 0">'
        f'<img src="{src}" alt="{escape(block.description, quote=True)}" style="width: {block.width * 100:.2f}%"></p>'
    )


def _block(block: Block, char: float) -> str:
    if isinstance(block, Para):
        return _para(block, char)
    if isinstance(block, Split):
        return _split(block, char)
    if isinstance(block, Rule):
        return _rule(block)
    if isinstance(block, Grid):
        return _grid(block, char)
    if isinstance(block, Image):
        return _image(block)
    cls = "together with-previous" if block.with_previous else "together"
    return f'<div class="{cls}">{"".join(_block(b, char) for b in block.blocks)}</div>'


def html_of(doc: Document) -> str:
    page = doc.page
    char = page.char_pitch
    parts = [_block(block, char) for block in doc.blocks]
    footer = ""
    if doc.page_numbers:
        footer = (
            f"@bottom-center {{ content: '— ' counter(page) ' —'; font-family: {_family(PAGE_NUMBER.face)};"
            f" font-size: {PAGE_NUMBER.size}pt; vertical-align: top; padding-top: 7mm }}"
        )
    watermark = ""
    if doc.watermark:
        watermark = f'<div class="watermark">{escape(doc.watermark)}</div>'
    css = f"""
@page {{ size: {page.width:.3f}pt {page.height:.3f}pt;
  margin: {page.top:.3f}pt {page.right:.3f}pt {page.bottom:.3f}pt {page.left:.3f}pt; {footer} }}
html {{ font-family: {_family(BODY.face)}; font-size: {BODY.size}pt; line-height: {BODY.pitch}pt; }}
body {{ margin: 0; }}
p {{ margin: 0; orphans: 1; widows: 1; }}
p.split .r {{ float: right; white-space: nowrap; }}
p.image {{ text-align: center; line-height: normal; break-inside: avoid; }}
p.image img {{ display: inline-block; }}
table {{ width: 100%; border-collapse: collapse; table-layout: fixed; }}
td {{ border: 0.75pt solid #000; padding: 2pt 4pt; vertical-align: top; }}
td.label {{ vertical-align: middle; }}
.together {{ break-inside: avoid; }}
.with-previous {{ break-before: avoid; }}
.watermark {{ position: fixed; top: 80mm; left: 0; width: 100%; text-align: center;
  font-family: {_family(HEITI)}; font-size: 120pt; line-height: 1;
  color: rgba(160, 160, 160, 0.35); transform: rotate(-35deg); }}
"""
    title = escape(doc.title)
    author = escape(doc.author)
    return (
        f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta name="author" content="{author}"><meta name="dcterms.created" content="{doc.dated.isoformat()}">'
        f"<style>{css}</style></head><body>{watermark}{''.join(parts)}</body></html>"
    )


def render_pdf(doc: Document) -> bytes:
    """The document as a PDF (WeasyPrint; fonts as subsets, text extractable)."""
    from weasyprint import HTML  # loads Pango and fontconfig: only when a PDF is asked for

    pdf = HTML(string=html_of(doc), base_url=None).write_pdf()
    assert pdf is not None
    return bytes(pdf)
