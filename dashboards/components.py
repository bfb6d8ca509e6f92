"""Small ``make_*`` factories shared by the pages."""
from __future__ import annotations

import functools
import logging
from urllib.parse import urlencode

from dash import dcc, html
from flask import current_app

from config import local_now
from dashboards.i18n import LEVEL_TEXT, area_name, t
from queries.access import AccessDenied
from queries.window import parse_window

log = logging.getLogger(__name__)

# No SVG geo traces are used: those would fetch a base topojson from a CDN.
GRAPH_CONFIG = {"displaylogo": False, "responsive": True, "displayModeBar": False}

WINDOW_CHOICES = ("today", "7d", "30d", "custom")


def app_now():
    return local_now(current_app.config["GRIDBOARD"])


def resolve_window(choice: str, dates: list | None):
    """The Window of the picker; a custom range needs both dates, ``[start, end]`` (else 7 days)."""
    now = app_now()
    start_date, end_date = dates if dates and len(dates) == 2 else (None, None)
    if choice == "custom" and start_date and end_date:
        return parse_window(f"{start_date[:10]}..{end_date[:10]}", now)
    if choice in ("today", "7d", "30d"):
        return parse_window(choice, now)
    return parse_window("7d", now)


def scope_path(level: str, code: str) -> str:
    return "/" if level == "city" else f"/{level}/{code}"


def href(level: str, code: str, query: dict) -> str:
    keep = {k: v for k, v in query.items() if k in ("lang", "w", "m", "from", "to") and v}
    return scope_path(level, code) + (("?" + urlencode(keep)) if keep else "")


def make_breadcrumb(chain: list[dict], query: dict, lang: str):
    parts = []
    for i, node in enumerate(chain):
        name = area_name(node, lang)
        if i:
            parts.append(html.Span("›", className="gb-crumb-sep"))
        if i == len(chain) - 1:
            parts.append(html.Span(name, className="gb-crumb gb-crumb-current",
                                   title=t(node["level"], lang, LEVEL_TEXT)))
        else:
            parts.append(dcc.Link(name, href=href(node["level"], node["code"], query), className="gb-crumb",
                                  id={"type": "crumb", "level": node["level"]}))
    return html.Nav(parts, className="gb-breadcrumb", **{"aria-label": "breadcrumb"})


def make_card(title, body, *, card_id: str | None = None, extra=None, class_name: str = ""):
    header = html.Div([html.H2(title, className="gb-card-title"), extra], className="gb-card-head")
    props = {"id": card_id} if card_id else {}
    return html.Section([header, body], className=f"gb-card {class_name}".strip(), **props)


def make_graph(graph_id: str, height: str, **kwargs):
    # No loading overlay: a wall screen must not flash a spinner on every refresh.  The graph draws this
    # empty figure when plotly.js is ready before the first answer (about half the page loads): without
    # axes it costs ~60 ms less of the main thread the map is waiting for (measured A/B, page load).
    empty = {"paper_bgcolor": "rgba(0,0,0,0)", "xaxis": {"visible": False}, "yaxis": {"visible": False}}
    return dcc.Graph(id=graph_id, config=GRAPH_CONFIG, style={"height": height},
                     figure={"data": [], "layout": empty}, **kwargs)


def make_panel(panel_id: str, height: str):
    """A chart drawn in the browser by assets/panels.js: no children of its own for React to manage."""
    return html.Div(id=panel_id, className="gb-panel", style={"height": height})


def error_box(lang: str):
    return html.Div(t("error", lang), className="gb-error", role="alert")


def guarded(error_result):
    """Wrap a callback: a failing or timed-out query shows an error state, never a frozen page.

    ``error_result(lang)`` builds what the panel shows instead; the language is
    read from the callback's ``view`` argument when there is one.  A refusal
    of access (``queries.access.AccessDenied``) is not an error state: it
    passes through, and the app answers the request 401/403/404 with no data.
    """
    def deco(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except AccessDenied:
                raise
            except Exception:  # the wall must never blank: log it and show the error state
                log.exception("panel %s failed", fn.__name__)
                view = next((a for a in args if isinstance(a, dict) and "lang" in a), {})
                return error_result(view.get("lang", "zh"))
        return wrapper
    return deco
