"""The one door to a briefing export, shared by the HTTP route and ``gridboard briefing``.

``export_briefing(scope, week, lang, fmt, now=…)`` finds the font, builds the
:class:`~queries.briefing.Briefing` once and renders it.  Access checks and
the audit entry of an export belong *here* (one call site for every way out of
the building): see the marked line in :func:`export_briefing`.

Rendering holds ``RENDER_LOCK``: matplotlib's settings (the font) are
process-wide, and two threads of the server drawing at once could swap fonts
under each other.  Exports are rare; serialising them costs nothing that matters.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from queries.briefing import Briefing, briefing_key, briefing_layers, load_briefing
from queries.scope import Scope
from queries.weeks import IsoWeek
from reports.fonts import CjkFont, find_cjk_font
from reports.mapchart import MapLayers
from reports.text import norm_lang

RENDER_LOCK = threading.Lock()
PDF_MIME = "application/pdf"
PPTX_MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
FORMATS = ("pdf", "pptx")


@dataclass(frozen=True)
class Export:
    """An export's bytes, its download name and type, the briefing it states, and where the time went."""

    content: bytes
    filename: str
    mimetype: str
    briefing: Briefing
    timings: dict = field(default_factory=dict)


def _renderer(fmt: str) -> tuple[Callable, str]:
    if fmt == "pdf":
        from reports.pdf import render_pdf
        return render_pdf, PDF_MIME
    if fmt == "pptx":
        from reports.pptx import render_pptx
        return render_pptx, PPTX_MIME
    raise ValueError(f"unknown export format {fmt!r}; expected one of {FORMATS}")


def render(b: Briefing, lang: str, fmt: str, font: CjkFont) -> bytes:
    """Render an already built briefing (tests render the page and the exports from one Briefing)."""
    fn, _ = _renderer(fmt)
    layers = MapLayers(*briefing_layers(b.scope))
    with RENDER_LOCK:
        return fn(b, norm_lang(lang), font, layers)


def export_briefing(scope: Scope, week: IsoWeek, lang: str, fmt: str, *, now: datetime,
                    font_setting: str | None = None, progress: Callable[[str], None] | None = None) -> Export:
    """The briefing of ``scope`` for ``week`` in ``lang`` as ``fmt`` (pdf or pptx).

    Raises ``ValueError`` (format, scope level), ``reports.fonts.MissingFontError``
    (before touching the database) and the panel query errors.
    """
    _renderer(fmt)  # an unknown format fails before any work
    # Issue 6 (login): authorise the viewer for ``scope`` and write the audit entry ("export") here.
    say = progress or (lambda _msg: None)
    t0 = time.perf_counter()
    font = find_cjk_font(font_setting)
    say(f"font {font.family} ({font.path})")
    b = load_briefing(scope, week, now)
    t1 = time.perf_counter()
    say(f"data for {briefing_key(scope, week)} in {(t1 - t0) * 1000:.0f} ms")
    data = render(b, lang, fmt, font)
    t2 = time.perf_counter()
    say(f"{fmt} rendered in {(t2 - t1) * 1000:.0f} ms, {len(data):,} bytes")
    return Export(content=data, filename=f"briefing-{briefing_key(scope, week)}-{norm_lang(lang)}.{fmt}",
                  mimetype=_renderer(fmt)[1], briefing=b,
                  timings={"data_s": t1 - t0, "render_s": t2 - t1, "total_s": t2 - t0})
