"""The briefing's charts and tables drawn with matplotlib, for the PDF pages and the PPTX pictures.

Each ``draw_*`` takes a figure and a rectangle (``[left, bottom, width,
height]`` in figure fractions) and draws one section's chart inside it, so a
PDF page can put it under its title and a slide can get it as an image of its
own (:func:`chart_png`).  The data come from ``reports.content`` — the same
strings the page shows.  Only the object-oriented API is used (no pyplot: no
global figure state in a server process).
"""
from __future__ import annotations

import io

from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath
from matplotlib.ticker import MaxNLocator

from queries.briefing import Briefing
from reports import content
from reports.findings import CLOSURE_TARGET
from reports.mapchart import draw_map
from reports.text import tr

INK = "#1f2a37"
MUTED = "#6b7280"
BLUE = "#5b8def"
GREY = "#c0c6cf"
GOOD = "#2e7d32"
BAD = "#b30000"
LINE = "#e3e7ee"
TONE = {"good": GOOD, "bad": BAD, "": INK}
MIN_N_FOR_RATE = 10


def _axes(fig: Figure, rect, **kwargs):
    ax = fig.add_axes(rect, **kwargs)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(colors=INK, labelsize=9)
    return ax


def _split(rect, n: int, gap: float = 0.04, label_space: float = 0.0):
    """``n`` side-by-side rectangles inside ``rect``, each leaving ``label_space`` on its left."""
    left, bottom, width, height = rect
    w = (width - gap * (n - 1)) / n
    return [[left + i * (w + gap) + label_space, bottom, w - label_space, height] for i in range(n)]


def _no_data(fig: Figure, rect, lang: str):
    ax = fig.add_axes(rect)
    ax.axis("off")
    ax.text(0.5, 0.5, tr("no_data", lang), ha="center", va="center", color=MUTED, fontsize=14)


# --------------------------------------------------------------------------- tables

def draw_table(fig: Figure, rect, header: list[str], rows: list[list[str]], col_widths: list[float],
               colors: list[list[str]] | None = None, font_size: float = 11, lang: str = "zh"):
    """A plain table: bold header, thin rules, ``colors[row][col]`` for the text."""
    ax = fig.add_axes(rect)
    ax.axis("off")
    if not rows:
        ax.text(0.5, 0.5, tr("no_data", lang), ha="center", va="center", color=MUTED, fontsize=14)
        return ax
    width_pt = rect[2] * fig.get_figwidth() * 72
    rows = [[fit(str(text), w * width_pt * 0.92, font_size) for text, w in zip(row, col_widths)] for row in rows]
    table = ax.table(cellText=rows, colLabels=header, colWidths=col_widths, loc="upper center",
                     cellLoc="left", colLoc="left")
    table.auto_set_font_size(False)
    table.set_fontsize(font_size)
    row_h = min(0.085, 1.0 / (len(rows) + 1))
    for (r, c), cell in table.get_celld().items():
        cell.set_height(row_h)
        cell.set_edgecolor(LINE)
        cell.visible_edges = "B"
        cell.PAD = 0.03
        if r == 0:
            cell.get_text().set_fontweight("bold")
            cell.get_text().set_color(MUTED)
        elif colors is not None:
            cell.get_text().set_color(colors[r - 1][c])
    return ax


def draw_kpis(fig: Figure, rect, b: Briefing, lang: str):
    rows = content.kpi_rows(b, lang)
    cells = [[r.label, r.this, r.prev, r.change] for r in rows]
    colors = [[INK, INK, MUTED, TONE[r.tone]] for r in rows]
    draw_table(fig, rect, content.kpi_header(lang), cells, [0.34, 0.2, 0.2, 0.26], colors, font_size=13,
               lang=lang)


def draw_longest(fig: Figure, rect, b: Briefing, lang: str):
    rows = content.longest_rows(b, lang)
    colors = [[INK] * 7 + [BAD if r[7] == tr("yes", lang) else INK] for r in rows]
    draw_table(fig, rect, content.longest_header(lang), rows, [0.07, 0.18, 0.12, 0.27, 0.12, 0.08, 0.09, 0.07],
               colors, font_size=9.5, lang=lang)


# --------------------------------------------------------------------------- bar and line charts

def _hbars(ax, names, values, texts, colors, xmax=None):
    y = list(range(len(names)))[::-1]
    ax.barh(y, values, color=colors, height=0.7)
    ax.set_yticks(y, names, fontsize=9 if len(names) > 12 else 10)
    top = xmax if xmax is not None else (max(values) if values else 1.0) or 1.0
    ax.set_xlim(0, top * 1.32)
    for yi, v, t in zip(y, values, texts):
        ax.text(v + top * 0.02, yi, t, va="center", fontsize=8.5 if len(names) > 12 else 9.5, color=INK)
    ax.set_xticks([])
    ax.spines["bottom"].set_visible(False)
    ax.tick_params(axis="y", length=0)


def draw_ranking(fig: Figure, rect, b: Briefing, lang: str):
    series = content.ranking_series(b, lang)
    if not any(s["rows"] for s in series):
        return _no_data(fig, rect, lang)
    for s, r in zip(series, _split(rect, 3, gap=0.03, label_space=0.085)):
        ax = _axes(fig, r)
        rows = s["rows"]
        ax.set_title(s["label"], fontsize=12, color=INK, loc="left")
        if not rows:
            ax.axis("off")
            continue
        # grey: too few cases to be named in the finding (reports.findings.MIN_BASIS)
        colors = [GREY if x["n"] < MIN_N_FOR_RATE
                  else BAD if s["key"] == "closure_rate" and x["value"] < CLOSURE_TARGET else BLUE for x in rows]
        _hbars(ax, [x["name"] for x in rows], [x["value"] for x in rows], [x["text"] for x in rows], colors)


def draw_categories(fig: Figure, rect, b: Briefing, lang: str):
    rows = content.category_series(b, lang)
    if not rows:
        return _no_data(fig, rect, lang)
    left, bottom, width, height = rect
    ax = _axes(fig, [left + 0.16, bottom, width - 0.2, height])
    n = len(rows)
    y = [n - 1 - i for i in range(n)]
    ax.barh([v + 0.2 for v in y], [r["created"] for r in rows], height=0.4, color=BLUE,
            label=tr("this_week", lang))
    ax.barh([v - 0.2 for v in y], [r["created_prev"] for r in rows], height=0.4, color=GREY,
            label=tr("last_week", lang))
    top = max(max(r["created"], r["created_prev"]) for r in rows) or 1
    ax.set_xlim(0, top * 1.3)
    ax.set_yticks(y, [r["label"] for r in rows], fontsize=11)
    ax.set_xticks([])
    ax.spines["bottom"].set_visible(False)
    ax.tick_params(axis="y", length=0)
    for yi, r in zip(y, rows):
        change_color = BAD if r["change"].startswith("+") else (GOOD if r["change"].startswith("-") else MUTED)
        ax.text(r["created"] + top * 0.015, yi + 0.2, f"{r['created']:,} · {r['share']}", va="center",
                fontsize=9.5, color=INK)
        ax.text(max(r["created"], r["created_prev"]) + top * 0.16, yi, r["change"], va="center", fontsize=10,
                color=change_color, fontweight="bold")
    ax.legend(loc="lower right", frameon=False, fontsize=10)


def draw_trend(fig: Figure, rect, b: Briefing, lang: str):
    rows = content.trend_series(b)
    known = [(i, r) for i, r in enumerate(rows) if r["rate"] is not None]
    if not known:
        return _no_data(fig, rect, lang)
    left, bottom, width, height = rect
    ax = _axes(fig, [left + 0.06, bottom + 0.06, width - 0.1, height - 0.08])
    xs = [i for i, _ in known]
    ys = [r["rate"] * 100 for _, r in known]
    ax.plot(xs, ys, color=BLUE, linewidth=2.5, marker="o", markersize=7)
    ax.plot([xs[-1]], [ys[-1]], marker="o", markersize=11, color=BAD if len(ys) > 1 and ys[-1] < ys[-2] else GOOD)
    for x, (_, r) in zip(xs, known):
        ax.annotate(r["text"], (x, r["rate"] * 100), textcoords="offset points", xytext=(0, 9), ha="center",
                    fontsize=10, color=INK)
    lo, hi = min(ys), max(ys)
    pad = max(1.0, (hi - lo) * 0.4)
    ax.set_ylim(max(0, lo - pad), min(100, hi + pad) + 0.5)
    ax.set_xticks(range(len(rows)), [r["week"] for r in rows], fontsize=10)
    ax.set_xlim(-0.5, len(rows) - 0.5)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
    ax.yaxis.set_major_formatter(lambda v, _pos: f"{v:.1f}%" if hi - lo < 5 else f"{v:.0f}%")
    ax.grid(axis="y", color=LINE)


def draw_party(fig: Figure, rect, b: Briefing, lang: str):
    rows = content.party_series(b, lang)
    if not rows:
        return _no_data(fig, rect, lang)
    left_r, right_r = _split(rect, 2, gap=0.05, label_space=0.1)
    ax = _axes(fig, left_r)
    ax.set_title(tr("sessions_held", lang), fontsize=12, color=INK, loc="left")
    _hbars(ax, [r["name"] for r in rows], [r["sessions"] for r in rows], [f"{r['sessions']:,}" for r in rows],
           [BLUE] * len(rows))
    ax = _axes(fig, right_r)
    ax.set_title(tr("attendance_rate", lang), fontsize=12, color=INK, loc="left")
    values = [r["rate"] or 0.0 for r in rows]
    colors = [GREY if r["rate"] is None or r["n"] < MIN_N_FOR_RATE else BLUE for r in rows]
    _hbars(ax, [r["name"] for r in rows], values, [r["text"] for r in rows], colors, xmax=1.0)


DRAW = {
    "kpis": draw_kpis,
    "ranking": draw_ranking,
    "categories": draw_categories,
    "map": draw_map,
    "longest": draw_longest,
    "trend": draw_trend,
    "party": draw_party,
}


def draw_section(key: str, fig: Figure, rect, b: Briefing, lang: str, layers=None):
    """Draw section ``key`` into ``rect`` of ``fig`` (``layers``: the map geometry, for ``map``)."""
    if key == "map":
        return draw_map(fig, rect, b, lang, layers)
    return DRAW[key](fig, rect, b, lang)


def chart_png(key: str, b: Briefing, lang: str, layers=None, size=(12.3, 5.0), dpi: int = 150) -> bytes:
    """One section's chart as PNG bytes (a slide's picture)."""
    fig = Figure(figsize=size, dpi=dpi, facecolor="white")
    draw_section(key, fig, [0.01, 0.03, 0.98, 0.94], b, lang, layers)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    return buf.getvalue()


def text_width_pt(text: str, size: float, weight: str = "normal") -> float:
    """Width of ``text`` in points in the current font (the CJK font inside the renderers' rc_context)."""
    prop = FontProperties(size=size, weight=weight)
    return _TEXT_TO_PATH.get_text_width_height_descent(text, prop, ismath=False)[0]


def _tokens(text: str) -> list[str]:
    """Units a line may break between: a CJK character, a run of other characters, a space.

    Closing punctuation sticks to what precedes it, so no line starts with it.
    """
    tokens: list[str] = []
    for ch in text:
        prev = tokens[-1][-1] if tokens else ""
        if prev and not ch.isspace() and not _is_wide(ch) and not _is_wide(prev) and not prev.isspace():
            tokens[-1] += ch
        elif prev and ch in _NO_LINE_START:
            tokens[-1] += ch
        else:
            tokens.append(ch)
    return tokens


def wrap(text: str, max_pt: float, size: float) -> list[str]:
    """Break a sentence into lines no wider than ``max_pt`` at font ``size``.

    Latin words and numbers such as ``5,400`` or ``96.4%`` are never split.
    """
    lines, line = [], ""
    for tok in _tokens(text):
        if line and not tok.isspace() and text_width_pt(line + tok, size) > max_pt:
            lines.append(line.rstrip())
            line = ""
        if not line and tok.isspace():
            continue
        line += tok
    if line.strip():
        lines.append(line.rstrip())
    return lines


def fit(text: str, max_pt: float, size: float) -> str:
    """``text`` cut with an ellipsis to fit ``max_pt`` (a table cell of fixed width)."""
    if text_width_pt(text, size) <= max_pt:
        return text
    while text and text_width_pt(text + "…", size) > max_pt:
        text = text[:-1]
    return text + "…"


_NO_LINE_START = set("，。；：、）》」』！？,.;:)%")
_TEXT_TO_PATH = TextToPath()


def _is_wide(ch: str) -> bool:
    return ord(ch) >= 0x2E80 and not (0xFF61 <= ord(ch) <= 0xFF9F)
