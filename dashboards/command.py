"""The command view: map, KPIs, node counts, trend, categories, ranking, party.

Every page (city, township, village, grid) renders ``make_command_view`` for its
scope; the callbacks below serve all of them.  The URL is the state: path =
scope, ``?w=`` window, ``?m=`` map metric, ``?lang=`` language.  Picking a
metric or a window rewrites the query string in place (history.replaceState)
so that refresh, bookmarks and shared links land on the same view.
"""
from __future__ import annotations

from dash import Input, Output, State, callback, clientside_callback, ctx, dcc, html, no_update

from dashboards import caseview, figures, partyview  # noqa: F401  (their callbacks serve this view)
from dashboards.caseview import make_case_drawer
from dashboards.mapview import base_figure, value_paint
from dashboards.components import (WINDOW_CHOICES, app_now, error_box, guarded, href, make_breadcrumb,
                                   make_card, make_graph, make_panel, resolve_window)
from dashboards.i18n import area_names, fmt_int, fmt_minutes, fmt_pct, norm_lang, t
from queries.access import current_principal, scope_allows
from queries.areas import area_name
from queries.cases import category_ranking, children_ranking, kpis, node_counts, open_now, trend
from queries.mapdata import METRICS, map_values
from queries.scope import Scope
from queries.taxonomy import category_label

DEFAULT_METRIC = "open"
METRIC_BY_CODE = {m.code: m for m in METRICS}
PANELS = ("nodes", "ranking", "trend", "categories")  # drawn in the browser from ``<id>-data``
VIEW_INPUTS = [Input("view", "data"), Input("window-choice", "value"), Input("window-range", "start_date"),
               Input("window-range", "end_date")]


def metric_dict(code: str, lang: str) -> dict:
    m = METRIC_BY_CODE.get(code) or METRIC_BY_CODE[DEFAULT_METRIC]
    return {"code": m.code, "label": m.label_zh if lang == "zh" else m.label_en, "kind": m.kind,
            "higher_is_better": bool(m.higher_is_better)}


def make_command_view(scope: Scope, query: dict):
    lang = norm_lang(query.get("lang"))
    window_choice = query.get("w") if query.get("w") in WINDOW_CHOICES else "7d"
    info = area_name(scope)
    other_lang = "en" if lang == "zh" else "zh"
    header = html.Header(className="gb-header", children=[
        html.Div([html.Div(t("app_title", lang), className="gb-title"),
                  make_breadcrumb([dict(zip(("level", "code", "name", "name_en"), c)) for c in info["chain"]],
                                  query, lang)], className="gb-header-left"),
        html.Div(className="gb-controls", children=[
            dcc.RadioItems(id="window-choice", value=window_choice, className="gb-segmented", inline=True,
                           options=[{"label": t(c, lang), "value": c} for c in WINDOW_CHOICES]),
            dcc.DatePickerRange(id="window-range", start_date=query.get("from"), end_date=query.get("to"),
                                display_format="YYYY-MM-DD", className="gb-range",
                                style={"display": "inline-block" if window_choice == "custom" else "none"}),
            dcc.Link("English" if lang == "zh" else "中文", id="lang-switch", className="gb-lang",
                     href=href(scope.level, scope.code, {**query, "lang": other_lang})),
            html.Div(id="as-of", className="gb-asof"),
        ]),
    ])
    # the map card lives in the shell (make_map_card) so that the map survives a drill; the page
    # tells it the labels of its language (the metric is read from the address in the browser)
    map_setup = dcc.Store(id="map-setup", data={
        "title": t("metric", lang),
        "options": [{"label": metric_dict(m.code, lang)["label"], "value": m.code} for m in METRICS]})
    side = html.Div(className="gb-side", children=[
        html.Div(id="kpis", className="gb-kpis"),
        make_card(t("node_counts", lang), make_panel("nodes", "210px")),
        make_card(t("ranking", lang), make_panel("ranking", "440px"), card_id="ranking-card"),
    ])
    lower = html.Div(className="gb-row", children=[
        make_card(t("trend", lang), make_panel("trend", "260px")),
        make_card(t("categories", lang), make_panel("categories", "260px")),
        make_card(t("party", lang), html.Div(id="party", className="gb-party")),
    ])
    return html.Div(className="gb-view", children=[
        dcc.Store(id="view", data={"scope": scope.to_dict(), "lang": lang, "query": query}),
        map_setup,
        dcc.Store(id="node-pick"),  # the node bar last clicked (assets/panels.js): the drawer opens its cases
        header,
        side,
        lower,
        make_case_drawer(lang),
    ])


def make_map_card():
    """The map, mounted once for the whole visit: a drill re-draws it instead of re-creating it
    (a new WebGL map per page costs most of a drill in a software-rendered browser)."""
    return make_card(
        html.Span(id="map-title"),
        html.Div(className="gb-map-frame", children=[
            make_graph("map", "max(560px, calc(100vh - 150px))", clear_on_unhover=True),
            html.Div(id="map-legend", className="gb-map-legend", **{"aria-live": "polite"}),
            dcc.Store(id="map-paint"),
        ]),
        extra=dcc.RadioItems(id="metric", value=DEFAULT_METRIC, className="gb-segmented gb-metrics",
                             inline=True, options=[{"label": m.label_zh, "value": m.code} for m in METRICS]),
        class_name="gb-map-card")


# --- callbacks -------------------------------------------------------------------

def _scope(view) -> Scope:
    return Scope.from_dict(view["scope"])


@callback(Output("map", "figure"), Output("map-paint", "data"), *VIEW_INPUTS, Input("metric", "value"),
          Input("data-version", "data"))
@guarded(lambda lang: (figures.empty_figure(t("error", lang)), None))
def update_map(view, choice, start, end, metric_code, _version):
    """Full figure when the view changes; only the values (``map-paint``) on a recolour or refresh.

    The browser applies the values as MapLibre feature state (assets/map.js):
    a re-colour without re-tiling the 1,798 grids, which a Plotly restyle would do.
    """
    scope, lang = _scope(view), view["lang"]
    metric = metric_dict(metric_code, lang)
    values = map_values(scope, resolve_window(choice, start, end), metric["code"], now=app_now())
    home = current_principal().home
    # a new view (a drill, a first load) needs the whole figure; anything else only recolours
    if ctx.triggered_id is not None and "view.data" not in ctx.triggered_prop_ids:
        return no_update, value_paint(scope, values, metric, lang, home)
    return (base_figure(scope, values, metric, lang, home, showscale=False),
            value_paint(scope, values, metric, lang, home, full=True))


@callback(Output("kpis", "children"), *VIEW_INPUTS, Input("data-version", "data"))
@guarded(error_box)
def update_kpis(view, choice, start, end, _version):
    scope, lang = _scope(view), view["lang"]
    window = resolve_window(choice, start, end)
    k, now_counts = kpis(scope, window), open_now(scope, app_now())

    def tile(key, value, sub, filt, tone=""):
        return html.Button([html.Div(t(key, lang), className="gb-tile-label"),
                            html.Div(value, className="gb-tile-value"),
                            html.Div(sub, className="gb-tile-sub")],
                           id={"type": "open-cases", "filter": filt}, className=f"gb-tile {tone}".strip(),
                           n_clicks=0, title=t("case_list", lang))

    sat_basis = f"{t('basis', lang)} {fmt_int(k.rated, lang)}"
    return [
        tile("open", fmt_int(now_counts.open, lang), t("now_label", lang), "open_now"),
        tile("overdue", fmt_int(now_counts.overdue, lang),
             f"{t('reminder_due', lang)} {fmt_int(now_counts.reminder_due, lang)}", "overdue_now",
             "gb-bad" if now_counts.overdue else ""),
        tile("closure_rate", fmt_pct(k.closure_rate, lang),
             f"{fmt_int(k.closed_of_received, lang)} / {fmt_int(k.received, lang)}", "received_in_window"),
        tile("satisfaction_rate", fmt_pct(k.satisfaction_rate, lang), sat_basis, "dissatisfied"),
        tile("response_mean", fmt_minutes(k.response_mean_min, lang),
             f"P90 ≈ {fmt_minutes(k.response_p90_min, lang)}", "received_in_window"),
    ]


def _failed(lang: str) -> dict:
    return figures.panel_message(t("error", lang), error=True)


@callback(Output("nodes-data", "data"), *VIEW_INPUTS, Input("data-version", "data"))
@guarded(_failed)
def update_nodes(view, choice, start, end, _version):
    scope = _scope(view)
    window = resolve_window(choice, start, end)
    return figures.node_panel(node_counts(scope, window), open_now(scope, app_now()), view["lang"])


@callback(Output("trend-data", "data"), *VIEW_INPUTS, Input("data-version", "data"))
@guarded(_failed)
def update_trend(view, choice, start, end, _version):
    return figures.trend_panel(trend(_scope(view), resolve_window(choice, start, end)), view["lang"])


@callback(Output("categories-data", "data"), *VIEW_INPUTS, Input("data-version", "data"))
@guarded(_failed)
def update_categories(view, choice, start, end, _version):
    df = category_ranking(_scope(view), resolve_window(choice, start, end))
    labels = {c: category_label(c, view["lang"]) for c in df["category"]}
    return figures.category_panel(df, labels, view["lang"])


def child_links(scope: Scope, codes, query: dict) -> dict:
    """Where each child of the scope leads: its page, with the view's language, window and metric.

    A child the viewer may not open (with peer aggregates on, another township) gets no link.
    """
    home, child = current_principal().home, scope.child_level
    return {c: href(child, c, query) for c in codes if home is not None and scope_allows(home, Scope(child, c))}


@callback(Output("ranking-data", "data"), *VIEW_INPUTS, Input("metric", "value"), Input("data-version", "data"))
@guarded(_failed)
def update_ranking(view, choice, start, end, metric_code, _version):
    scope, lang = _scope(view), view["lang"]
    if scope.child_level is None:
        return figures.panel_message(t("no_data", lang))
    metric = metric_dict(metric_code, lang)
    df = children_ranking(scope, resolve_window(choice, start, end), metric["code"], now=app_now())
    df = df.assign(label=area_names(df, lang))
    links = child_links(scope, df["code"], view_query(view, metric["code"], choice, start, end))
    return figures.ranking_panel(df, metric, lang, links)


@callback(Output("as-of", "children"), Input("view", "data"), Input("data-version", "data"))
def update_as_of(view, _version):
    return f"{t('data_as_of', view['lang'])} {app_now():%Y-%m-%d %H:%M}"


def view_query(view: dict, metric: str, choice: str, start: str | None, end: str | None) -> dict:
    """The query string that carries the view's language, metric and window to another page."""
    query = {"lang": view["lang"], "m": metric, "w": choice}
    if choice == "custom" and start and end:
        query.update({"from": start[:10], "to": end[:10]})
    return query


@callback(Output("nav", "href"), Input("map", "clickData"),
          State("view", "data"), State("metric", "value"), State("window-choice", "value"),
          State("window-range", "start_date"), State("window-range", "end_date"), prevent_initial_call=True)
def drill(map_click, view, metric, choice, start, end):
    """A click on a grid opens the next level down (a ranked child is a link of its own)."""
    child = _scope(view).child_level
    target = (map_click or {}).get("points", [{}])[0].get("customdata", [None])[0]
    if child is None or not target:
        return no_update
    return href(child, target, view_query(view, metric, choice, start, end))


# New values recolour the drawn map in place and redraw its legend (assets/map.js).
clientside_callback(
    "function(paint) { return window.gbMap ? window.gbMap.paint(paint) : window.dash_clientside.no_update; }",
    Output("map-legend", "title"),
    Input("map-paint", "data"),
)

# The panels draw themselves from their data (assets/panels.js).
for _panel in PANELS:
    clientside_callback(
        f"function(data) {{ return window.gbPanels ? window.gbPanels.render('{_panel}', data)"
        " : window.dash_clientside.no_update; }",
        Output(_panel, "className"), Input(f"{_panel}-data", "data"))

# The page's address decides the metric, read in the browser as soon as the address changes:
# the map and ranking callbacks then never wait on the page's content for it.
clientside_callback(
    f"""
    function(search, current) {{
        const m = new URLSearchParams(search || '').get('m');
        const known = {[m.code for m in METRICS]!r};
        const value = known.indexOf(m) >= 0 ? m : '{DEFAULT_METRIC}';
        return value === current ? window.dash_clientside.no_update : value;
    }}
    """,
    Output("metric", "value"),
    Input("nav", "search"), State("metric", "value"),
)

# ... and the page's language the picker's labels and title.
clientside_callback(
    "function(setup) { return [setup.options, setup.title]; }",
    Output("metric", "options"), Output("map-title", "children"),
    Input("map-setup", "data"),
)

# The date range shows only for a custom window.
clientside_callback(
    "function(choice) { return {display: choice === 'custom' ? 'inline-block' : 'none'}; }",
    Output("window-range", "style"), Input("window-choice", "value"),
)

# Keep the URL in step with the pickers without reloading the page.
clientside_callback(
    """
    function(metric, choice, start, end) {
        const url = new URL(window.location.href);
        url.searchParams.set('m', metric);
        url.searchParams.set('w', choice);
        if (choice === 'custom' && start && end) {
            url.searchParams.set('from', start.slice(0, 10));
            url.searchParams.set('to', end.slice(0, 10));
        } else { url.searchParams.delete('from'); url.searchParams.delete('to'); }
        window.history.replaceState(window.history.state, '', url.toString());
        return window.dash_clientside.no_update;
    }
    """,
    Output("metric", "className"),
    Input("metric", "value"), Input("window-choice", "value"),
    Input("window-range", "start_date"), Input("window-range", "end_date"),
    prevent_initial_call=True,
)
