"""The weekly briefing page: ``/briefing?week=2026-W46&township=…&lang=…``.

A briefing is a snapshot of a finished week, so the page is drawn once from
one :class:`~queries.briefing.Briefing` when it opens (no live refresh); the
words, tables and chart labels are the strings of ``reports.content``, which
the PDF and the slides print too.  The export buttons link to the route of
``api/briefing.py``, which builds the same briefing.

The shell's live map card has nothing to show here and is hidden by the
stylesheet (``.gb-page:has(.gb-briefing) .gb-map-card``); the briefing draws
its own map of the week.
"""
from __future__ import annotations

import logging
from urllib.parse import urlencode

from dash import Input, Output, State, callback, dcc, html, no_update

from dashboards import briefing_figures as bf
from dashboards.command import metric_dict
from dashboards.components import GRAPH_CONFIG, app_now, make_card
from dashboards.figures import fit_view
from dashboards.mapview import CITY_BOUNDS, base_figure
from queries.areas import children
from queries.briefing import Briefing, load_briefing
from queries.mapbase import scope_bounds
from queries.scope import Scope
from queries.weeks import IsoWeek
from reports import content
from reports.findings import CLOSURE_TARGET
from reports.text import area_label, norm_lang, tr, week_label

log = logging.getLogger(__name__)
WEEK_CHOICES = 12     # the picker offers the week in progress and this many finished weeks
MAP_W_PX, MAP_H_PX = 700, 560


def briefing_href(week: str | None, township: str | None, lang: str, path: str = "/briefing") -> str:
    query = {k: v for k, v in (("week", week), ("township", township), ("lang", lang)) if v}
    return path + ("?" + urlencode(query) if query else "")


def _graph(graph_id: str, fig: dict, height: str):
    return dcc.Graph(id=graph_id, figure=fig, config=GRAPH_CONFIG, style={"height": height})


def _week_options(week: IsoWeek, lang: str) -> list[dict]:
    now = app_now()
    newest = IsoWeek.containing(now)  # the week in progress
    weeks = sorted({newest.previous(i) for i in range(WEEK_CHOICES + 1)} | {week}, reverse=True)
    return [{"label": week_label(w, lang), "value": w.key} for w in weeks]


def _township_options(b: Briefing, lang: str) -> list[dict]:
    """The city and its townships; a viewer who may not list the city's townships gets the shown scope only."""
    try:
        towns = children(Scope.city())[["code", "name", "name_en"]].to_dict("records")
        options = [{"label": tr("whole_city", lang), "value": ""}]
    except Exception:  # refused or failed: the picker must not take the page down with it
        log.info("township list unavailable for the briefing picker", exc_info=True)
        towns, options = [], []
    options += [{"label": area_label(r, lang), "value": r["code"]} for r in towns]
    if b.scope.level == "township" and b.scope.code not in {o["value"] for o in options}:
        options.append({"label": area_label(b.area, lang), "value": b.scope.code})
    return options


def make_header(b: Briefing, lang: str):
    cover = content.cover_lines(b, lang)
    township = b.scope.code if b.scope.level == "township" else ""
    other = "en" if lang == "zh" else "zh"
    export = {fmt: briefing_href(b.week.key, township, lang, f"/briefing/export.{fmt}") for fmt in ("pdf", "pptx")}
    return html.Header(className="gb-header", children=[
        html.Div([html.Div(cover["title"], className="gb-title", id="brief-title"),
                  html.Div([cover["week"], html.Span(cover["note"], className="gb-asof gb-brief-note")],
                           className="gb-breadcrumb")], className="gb-header-left"),
        html.Div(className="gb-controls", children=[
            dcc.Dropdown(id="brief-week", options=_week_options(b.week, lang), value=b.week.key, clearable=False,
                         searchable=False, className="gb-brief-pick"),
            dcc.Dropdown(id="brief-township", options=_township_options(b, lang), value=township, clearable=False,
                         searchable=True, className="gb-brief-pick"),
            html.A(tr("export_pdf", lang), id="brief-export-pdf", href=export["pdf"], className="gb-button"),
            html.A(tr("export_pptx", lang), id="brief-export-pptx", href=export["pptx"], className="gb-button"),
            dcc.Link("English" if lang == "zh" else "中文", className="gb-lang",
                     href=briefing_href(b.week.key, township, other)),
        ]),
    ])


def _table(header: list[str], rows: list[list], class_name: str = "gb-brief-table"):
    return html.Table(className=class_name, children=[
        html.Thead(html.Tr([html.Th(h) for h in header])),
        html.Tbody([html.Tr([c if isinstance(c, html.Td) else html.Td(c) for c in row]) for row in rows]),
    ])


def _kpi_table(b: Briefing, lang: str):
    rows = [[r.label, r.this, html.Td(r.prev, className="gb-brief-prev"),
             html.Td(r.change, className=f"gb-brief-{r.tone}" if r.tone else "")]
            for r in content.kpi_rows(b, lang)]
    return html.Div([_table(content.kpi_header(lang), rows),
                     html.Div(tr("closure_note", lang), className="gb-asof")])


def _longest_table(b: Briefing, lang: str):
    yes = tr("yes", lang)
    rows = [[*r[:7], html.Td(r[7], className="gb-brief-bad" if r[7] == yes else "")]
            for r in content.longest_rows(b, lang)]
    return _table(content.longest_header(lang), rows)


def _pair(figs: list[tuple[str, dict]], prefix: str, height: str):
    return html.Div(className="gb-brief-cols", children=[
        html.Div([html.H3(label, className="gb-brief-sub"), _graph(f"{prefix}-{i}", fig, height)])
        for i, (label, fig) in enumerate(figs)])


def _map(b: Briefing, lang: str):
    fig = base_figure(b.scope, b.grid_received, metric_dict("received", lang), lang)
    # the shell's map is fitted to a taller card: fit this one to its own box
    view = fit_view(scope_bounds(b.scope) or CITY_BOUNDS, key=b.scope.key, width_px=MAP_W_PX, height_px=MAP_H_PX)
    fig["layout"]["map"].update(center={"lon": view["lon"], "lat": view["lat"]}, zoom=view["zoom"])
    hot = content.hot_spot_rows(b, lang)
    items = [html.Li([html.B(h["name"]), html.Div(
        f"{h['where']} · {tr('overdue', lang)} {h['overdue']:,} / {h['open']:,}", className="gb-asof")])
        for h in hot]
    return html.Div(className="gb-brief-mapwrap", children=[
        _graph("brief-map", bf.with_hot_spots(fig, hot), f"{MAP_H_PX}px"),
        html.Div([html.H3(tr("hot_spots", lang), className="gb-brief-sub"),
                  html.Ol(items, className="gb-brief-hot")]),
    ])


def section_body(key: str, b: Briefing, lang: str):
    rows = max(len(b.areas), 1)
    bars_h = f"{min(max(rows * 24 + 40, 220), 720)}px"
    if key == "kpis":
        return _kpi_table(b, lang)
    if key == "ranking":
        return _pair(bf.ranking_figures(content.ranking_series(b, lang), lang, CLOSURE_TARGET), "brief-rank",
                     bars_h)
    if key == "categories":
        return _graph("brief-categories", bf.category_change_figure(
            content.category_series(b, lang), tr("this_week", lang), tr("last_week", lang), lang), "420px")
    if key == "map":
        return _map(b, lang)
    if key == "longest":
        return _longest_table(b, lang)
    if key == "trend":
        return _graph("brief-trend", bf.trend_figure(content.trend_series(b), lang), "320px")
    if key == "party":
        return _pair(bf.party_figures(content.party_series(b, lang), lang, tr("sessions_held", lang),
                                      tr("attendance_rate", lang)), "brief-party", bars_h)
    raise ValueError(key)


def make_briefing_view(scope: Scope, week: IsoWeek, query: dict):
    """The page for (scope, week) in the address's language (the briefing is built here, once)."""
    return briefing_layout(load_briefing(scope, week, app_now()), norm_lang(query.get("lang")))


def briefing_layout(b: Briefing, lang: str):
    """A header, then one card per section, each with its finding sentence first."""
    scope, week = b.scope, b.week
    cards = [make_card(s.title, html.Div([html.P(s.finding, className="gb-brief-finding"),
                                          section_body(s.key, b, lang)]),
                       card_id=f"brief-{s.key}", class_name="gb-brief-section")
             for s in content.sections(b, lang)]
    return html.Div(className="gb-briefing", children=[
        dcc.Store(id="brief-view", data={"lang": lang, "week": week.key,
                                          "township": scope.code if scope.level == "township" else ""}),
        make_header(b, lang),
        *cards,
    ])


def make_briefing_error(message: str, lang: str):
    return html.Div(className="gb-briefing", children=[
        html.Div(message, className="gb-error", role="alert"),
        dcc.Link(tr("report", lang), href=briefing_href(None, None, lang)),
    ])


@callback(Output("nav", "href", allow_duplicate=True), Input("brief-week", "value"),
          Input("brief-township", "value"), State("brief-view", "data"), prevent_initial_call=True)
def pick_briefing(week, township, view):
    """Picking a week or a township opens that briefing's address (the URL is the state)."""
    if not view or (week == view["week"] and (township or "") == view["township"]):
        return no_update
    return briefing_href(week, township, view["lang"])
