"""The briefing as a PDF: A4 landscape, a title page, then one section per page.

Drawn entirely by matplotlib (``PdfPages``): one figure per page, text as
text in the embedded CJK font (see ``reports.fonts`` for why Type 3 or 42),
so the PDF can be searched, copied and printed on a machine without the font.
"""
from __future__ import annotations

import io

import matplotlib
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from queries.briefing import Briefing
from reports.charts import INK, MUTED, draw_section, wrap
from reports.content import cover_lines, sections
from reports.fonts import CjkFont
from reports.text import norm_lang, tr

A4_LANDSCAPE_IN = (11.69, 8.27)
MARGIN = 0.04
FINDING_PT = 14
LINE_STEP = 0.042          # figure fraction between two lines of the finding
WIDTH_PT = A4_LANDSCAPE_IN[0] * 72 * (1 - 2 * MARGIN)


def _page(header: str, number: str) -> Figure:
    fig = Figure(figsize=A4_LANDSCAPE_IN, facecolor="white")
    fig.text(MARGIN, 0.965, header, fontsize=9, color=MUTED, va="top")
    fig.text(1 - MARGIN, 0.965, number, fontsize=9, color=MUTED, va="top", ha="right")
    return fig


def _cover(b: Briefing, lang: str, total: int) -> Figure:
    c = cover_lines(b, lang)
    fig = _page("", f"1 / {total}")
    fig.text(MARGIN + 0.02, 0.68, c["area"], fontsize=26, color=MUTED)
    fig.text(MARGIN + 0.02, 0.58, tr("report", lang), fontsize=40, fontweight="bold", color=INK)
    fig.text(MARGIN + 0.02, 0.49, c["week"], fontsize=20, color=INK)
    fig.text(MARGIN + 0.02, 0.43, c["note"], fontsize=11, color=MUTED)
    y = 0.33
    for i, s in enumerate(sections(b, lang), start=2):
        fig.text(MARGIN + 0.02, y, f"{i:>2}   {s.title}", fontsize=12, color=INK)
        y -= 0.035
    return fig


def render_pdf(b: Briefing, lang: str, font: CjkFont, layers=None) -> bytes:
    """The PDF bytes of the briefing in ``lang`` (call under ``reports.export.RENDER_LOCK``)."""
    lang = norm_lang(lang)
    secs = sections(b, lang)
    total = len(secs) + 1
    c = cover_lines(b, lang)
    header = f"{c['title']} · {c['week']}"
    buf = io.BytesIO()
    with matplotlib.rc_context(font.matplotlib_rc()):
        # no CreationDate: the same briefing gives the same bytes
        with PdfPages(buf, metadata={"Title": c["title"] + " " + b.week.key, "Creator": "gridboard",
                                     "CreationDate": None}) as pdf:
            pdf.savefig(_cover(b, lang, total))
            for number, s in enumerate(secs, start=2):
                fig = _page(header, f"{number} / {total}")
                fig.text(MARGIN, 0.905, s.title, fontsize=22, fontweight="bold", color=INK, va="top")
                y = 0.835
                for line in wrap(s.finding, WIDTH_PT * 0.98, FINDING_PT):
                    fig.text(MARGIN, y, line, fontsize=FINDING_PT, color=INK, va="top")
                    y -= LINE_STEP
                bottom = 0.07 if s.key == "kpis" else 0.04
                draw_section(s.key, fig, [MARGIN, bottom, 1 - 2 * MARGIN, y - 0.03 - bottom], b, lang, layers)
                if s.key == "kpis":
                    fig.text(MARGIN, 0.03, tr("closure_note", lang), fontsize=9, color=MUTED)
                pdf.savefig(fig)
    return buf.getvalue()
