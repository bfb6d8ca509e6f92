"""The briefing as slides: a title slide, then one slide per section.

Titles, findings and the two tables are real text (editable in PowerPoint or
LibreOffice); charts and the map are pictures drawn by ``reports.charts`` in the
CJK font.  Every run names its East Asian font (``a:ea``) as well as its Latin
one: PowerPoint picks glyphs for Chinese from ``ea``, and without it falls back
to whatever the theme says.
"""
from __future__ import annotations

import io

import matplotlib
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from queries.briefing import Briefing
from reports.charts import BAD, GOOD, INK, MUTED, chart_png
from reports.content import cover_lines, kpi_header, kpi_rows, longest_header, longest_rows, sections
from reports.fonts import CjkFont
from reports.text import norm_lang, tr

SLIDE_W, SLIDE_H = Inches(13.333), Inches(7.5)
LEFT = Inches(0.5)
BODY_W = Inches(12.333)
CHART_TOP = Inches(2.2)
CHART_SIZE_IN = (12.3, 5.0)
TITLE_ONLY, TITLE_SLIDE = 5, 0   # layouts of the default template
TONE = {"good": GOOD, "bad": BAD, "": INK}


def _rgb(hex_color: str) -> RGBColor:
    return RGBColor.from_string(hex_color.lstrip("#").upper())


def _style(run, family: str, size: float, bold: bool = False, color: str = INK) -> None:
    """Font of one run: size, weight, colour, and the same family for Latin and East Asian text."""
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.color.rgb = _rgb(color)
    run.font.name = family                      # a:latin
    rpr = run._r.get_or_add_rPr()
    ea = rpr.find(qn("a:ea"))
    if ea is None:
        ea = rpr.makeelement(qn("a:ea"), {})
        latin = rpr.find(qn("a:latin"))
        latin.addnext(ea)                       # schema order: latin, ea, cs
    ea.set("typeface", family)


def _set_text(frame, text: str, family: str, size: float, bold: bool = False, color: str = INK) -> None:
    frame.word_wrap = True
    para = frame.paragraphs[0]
    for r in list(para.runs):
        r._r.getparent().remove(r._r)
    run = para.add_run()
    run.text = text
    _style(run, family, size, bold, color)


def _title(slide, text: str, family: str, top=Inches(0.3), height=Inches(0.8), size: float = 30) -> None:
    shape = slide.shapes.title
    shape.left, shape.top, shape.width, shape.height = LEFT, top, BODY_W, height
    _set_text(shape.text_frame, text, family, size, bold=True)
    shape.text_frame.paragraphs[0].alignment = 1  # left


def _textbox(slide, text: str, family: str, top, height, size: float, color: str = INK):
    box = slide.shapes.add_textbox(LEFT, top, BODY_W, height)
    _set_text(box.text_frame, text, family, size, color=color)
    return box


def _table(slide, header: list[str], rows: list[list[str]], family: str, widths: list[float], size: float,
           colors: list[list[str]] | None = None, row_h=Inches(0.42)):
    n_rows = len(rows) + 1
    shape = slide.shapes.add_table(n_rows, len(header), LEFT, CHART_TOP, BODY_W, Emu(row_h * n_rows))
    table = shape.table
    total = sum(widths)
    for i, w in enumerate(widths):
        table.columns[i].width = Emu(int(BODY_W * w / total))
    for c, text in enumerate(header):
        _set_text(table.cell(0, c).text_frame, text, family, size, bold=True, color="#FFFFFF")
    for r, row in enumerate(rows, start=1):
        for c, text in enumerate(row):
            color = colors[r - 1][c] if colors else INK
            _set_text(table.cell(r, c).text_frame, text, family, size, color=color)
    return shape


def _picture(slide, png: bytes) -> None:
    slide.shapes.add_picture(io.BytesIO(png), LEFT, CHART_TOP, width=BODY_W)


def render_pptx(b: Briefing, lang: str, font: CjkFont, layers=None) -> bytes:
    """The PPTX bytes of the briefing in ``lang`` (call under ``reports.export.RENDER_LOCK``)."""
    lang = norm_lang(lang)
    family = font.family
    prs = Presentation()
    prs.slide_width, prs.slide_height = SLIDE_W, SLIDE_H
    c = cover_lines(b, lang)
    prs.core_properties.title = f"{c['title']} {b.week.key}"
    prs.core_properties.author = "gridboard"

    cover = prs.slides.add_slide(prs.slide_layouts[TITLE_SLIDE])
    _title(cover, c["title"], family, top=Inches(2.2), height=Inches(1.2), size=40)
    sub = cover.placeholders[1]
    sub.left, sub.top, sub.width, sub.height = LEFT, Inches(3.6), BODY_W, Inches(1.4)
    _set_text(sub.text_frame, c["week"], family, 24)
    para = sub.text_frame.add_paragraph()
    run = para.add_run()
    run.text = c["note"]
    _style(run, family, 14, color=MUTED)
    for p in sub.text_frame.paragraphs:
        p.alignment = 1

    with matplotlib.rc_context(font.matplotlib_rc()):
        for s in sections(b, lang):
            slide = prs.slides.add_slide(prs.slide_layouts[TITLE_ONLY])
            _title(slide, s.title, family)
            _textbox(slide, s.finding, family, Inches(1.15), Inches(0.95), 17)
            if s.key == "kpis":
                rows = kpi_rows(b, lang)
                _table(slide, kpi_header(lang), [[r.label, r.this, r.prev, r.change] for r in rows], family,
                       [3.4, 2, 2, 2.6], 13, [[INK, INK, MUTED, TONE[r.tone]] for r in rows],
                       row_h=Inches(0.38))
                _textbox(slide, tr("closure_note", lang), family, Inches(6.95), Inches(0.35), 10, MUTED)
            elif s.key == "longest":
                rows = longest_rows(b, lang)
                _table(slide, longest_header(lang), rows, family, [0.8, 2.2, 1.3, 2.9, 1.6, 0.9, 1.0, 0.7], 10,
                       [[INK] * 7 + [BAD if r[7] == tr("yes", lang) else INK] for r in rows],
                       row_h=Inches(0.4))
            else:
                _picture(slide, chart_png(s.key, b, lang, layers, size=CHART_SIZE_IN))
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()
