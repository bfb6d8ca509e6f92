"""The command view: map, KPIs, node counts, trend, categories, ranking, party.

Every page (city, township, village, grid) renders ``make_command_view`` for its
scope: the header and two small stores.  Everything else is mounted once in
the shell (``make_controls``, ``make_map_card``, ``make_command_panels``) and
filled by the callbacks below, so that a drill re-draws the panels in place
instead of re-creating them.  The URL is the state: path = scope, ``?w=``
window, ``?m=`` map metric, ``?lang=`` language.  Picking a metric or a window
rewrites the query string in place (history.replaceState) so that refresh,
bookmarks and shared links land on the same view.
"""
from __future__ import annotations

from dash import Input, Output, State, callback, clientside_callback, dcc, html, no_update

from dashboards import figures, panels
from dashboards.account import ACCOUNT_TEXT
from dashboards.caseview import case_columns, make_case_drawer
from dashboards.components import (WINDOW_CHOICES, app_now, guarded, href, make_breadcrumb, make_card,
                                   make_graph, make_panel, resolve_window)
from dashboards.i18n import LANGS, area_names, norm_lang, t
from dashboards.mapview import base_figure, value_paint, view_key
from queries.access import AccessDenied, current_principal, scope_allows
from queries.areas import area_name
from queries.cases import category_ranking, children_ranking, kpis, node_counts, open_now, trend
from queries.mapbase import map_base
from queries.mapdata import METRICS, map_values
from queries.party import live_sessions, party_summary
from queries.scope import LEVELS as SCOPE_LEVELS, Scope
from queries.taxonomy import category_label

DEFAULT_METRIC = "open"
METRIC_BY_CODE = {m.code: m for m in METRICS}
# (the dates of a custom window come through a store: a callback that reads the date picker itself
# waits for its script, and the first answers of a page load would wait for Plotly's)
VIEW_INPUTS = [Input("panel-view", "data"), Input("window-choice", "value"), Input("window-dates", "data")]


def metric_dict(code: str, lang: str) -> dict:
    m = METRIC_BY_CODE.get(code) or METRIC_BY_CODE[DEFAULT_METRIC]
    return {"code": m.code, "label": m.label_zh if lang == "zh" else m.label_en, "kind": m.kind,
            "higher_is_better": bool(m.higher_is_better)}


def page_setup(lang: str, window: str, start: str | None = None, end: str | None = None, title: str | None = None,
               case_labels: bool = True) -> dcc.Store:
    """What a page tells the shell's persistent parts: their labels in its language and its window."""
    return dcc.Store(id="page-setup", data={
        "title": title or t("metric", lang),
        "options": [{"label": metric_dict(m.code, lang)["label"], "value": m.code} for m in METRICS],
        "window": window, "from": start, "to": end,
        "windows": [{"label": t(c, lang), "value": c} for c in WINDOW_CHOICES],
        **({"columns": case_columns(lang), "close": t("close", lang)} if case_labels else {})})


def make_command_view(scope: Scope, query: dict):
    lang = norm_lang(query.get("lang"))
    window_choice = query.get("w") if query.get("w") in WINDOW_CHOICES else "7d"
    custom = window_choice == "custom"
    info = area_name(scope)
    other_lang = "en" if lang == "zh" else "zh"
    header = html.Header(className="gb-header", children=[
        html.Div([html.Div(t("app_title", lang), className="gb-title"),
                  make_breadcrumb([dict(zip(("level", "code", "name", "name_en"), c)) for c in info["chain"]],
                                  query, lang)], className="gb-header-left"),
        dcc.Link("English" if lang == "zh" else "中文", id="lang-switch", className="gb-lang",
                 href=href(scope.level, scope.code, {**query, "lang": other_lang})),
    ])
    return html.Div(className="gb-view", children=[
        # the panels and map read this page's scope from its address; ``page`` tells the map that this
        # view is that one (the wall's view, which the map shows there, is not)
        dcc.Store(id="view", data={"scope": scope.to_dict(), "lang": lang, "page": "command"}),
        page_setup(lang, window_choice, query.get("from") if custom else None, query.get("to") if custom else None),
        header,
    ])


def make_controls():
    """The window picker and the data's time, mounted once beside the page's header."""
    return html.Div(className="gb-controls gb-view-controls", children=[
        dcc.RadioItems(id="window-choice", value="7d", className="gb-segmented", inline=True,
                       options=[{"label": t(c, "zh"), "value": c} for c in WINDOW_CHOICES]),
        dcc.DatePickerRange(id="window-range", display_format="YYYY-MM-DD", className="gb-range",
                            style={"display": "none"}),
        html.Div(id="as-of", className="gb-asof"),
    ])


def make_command_panels():
    """The panels beside and below the map, mounted once for the whole visit (see the module's note)."""
    side = html.Div(className="gb-side", children=[
        html.Div(id="kpis", className="gb-kpis"),
        make_card(t("node_counts", "zh"), make_panel("nodes", "210px")),
        make_card(t("ranking", "zh"), make_panel("ranking", "440px")),
    ])
    lower = html.Div(className="gb-row", children=[
        make_card(t("trend", "zh"), make_panel("trend", "260px")),
        make_card(t("categories", "zh"), make_panel("categories", "260px")),
        make_card(t("party", "zh"), html.Div(id="party", className="gb-party")),
    ])
    return html.Div(className="gb-command", children=[
        # the view of a command page (not the wall's), read from the address: what the panels show
        dcc.Store(id="panel-view"),
        dcc.Store(id="map-view"),      # the view the map shows: a command page's, or the wall's
        dcc.Store(id="window-dates"),  # [from, to] of a custom window
        dcc.Store(id="panels-data"),   # every panel but the ranking, in one answer
        dcc.Store(id="ranking-data"),  # the ranking, which follows the metric too
        dcc.Store(id="case-pick"),     # the tile or node bar last clicked: the drawer opens its cases
        side, lower, make_case_drawer("zh")])


def make_map_card():
    """The map, mounted once for the whole visit: a drill re-draws it instead of re-creating it
    (a new WebGL map per page costs most of a drill in a software-rendered browser)."""
    return make_card(
        html.Span(id="map-title"),
        html.Div(className="gb-map-frame", children=[
            make_graph("map", "max(560px, calc(100vh - 150px))", clear_on_unhover=True),
            html.Div(id="map-legend", className="gb-map-legend", **{"aria-live": "polite"}),
            dcc.Store(id="map-paint"),
            dcc.Store(id="map-key"),  # the view whose figure the map draws (``mapview.view_key``)
        ]),
        extra=dcc.RadioItems(id="metric", value=DEFAULT_METRIC, className="gb-segmented gb-metrics",
                             inline=True, options=[{"label": m.label_zh, "value": m.code} for m in METRICS]),
        class_name="gb-map-card")


# --- callbacks -------------------------------------------------------------------

def _scope(view) -> Scope:
    return Scope.from_dict(view["scope"])


@callback(Output("map", "figure"), Output("map-paint", "data"), Output("map-key", "data"), Input("map-view", "data"),
          *VIEW_INPUTS[1:], Input("metric", "value"), Input("data-version", "data"), State("map-key", "data"))
@guarded(lambda lang: (figures.empty_figure(t("error", lang)), None, None))
def update_map(view, choice, dates, metric_code, _version, drawn_key):
    """Full figure when the map draws another view; only the values (``map-paint``) on a recolour or refresh.

    The browser applies the values as MapLibre feature state (assets/map.js):
    a re-colour without re-tiling the 1,798 grids, which a Plotly restyle would do.
    ``map-key`` says which view the drawn figure is of (a hint for drawing, not for access).
    """
    scope, lang = _scope(view), view["lang"]
    metric = metric_dict(metric_code, lang)
    values = map_values(scope, resolve_window(choice, dates), metric["code"], now=app_now())
    home = current_principal().home
    key = f"{view_key(scope)}:{lang}"  # (another language: the names in the hover change too)
    if drawn_key == key:
        return no_update, value_paint(scope, values, metric, lang, home), no_update
    base = map_base(scope)  # (read once for both: a cached frame, unpickled on every read)
    return (base_figure(scope, values, metric, lang, home, showscale=False, base=base),
            value_paint(scope, values, metric, lang, home, full=True, base=base), key)


def _failed(lang: str) -> dict:
    return panels.panel_message(t("error", lang), error=True)


def _each(lang: str, builders: dict) -> dict:
    """Every panel's data.  A failing or timed-out query shows an error on its own panel only.

    A panel the viewer may not read (with peer aggregates on, the city's live study sessions)
    says so; if they may read none of them, the request is refused as a whole (403).
    """
    out, refused = {}, []
    for name, build in builders.items():
        try:
            out[name] = guarded(lambda _lang: _failed(lang))(build)()
        except AccessDenied as denied:
            refused.append(denied)
            out[name] = panels.panel_message(t("forbidden", lang, ACCOUNT_TEXT))
    if len(refused) == len(builders):
        raise refused[0]
    return out


@callback(Output("panels-data", "data"), *VIEW_INPUTS, Input("data-version", "data"))
def update_panels(view, choice, dates, _version):
    """KPIs, node counts, trend, categories, party and the data's time: one answer for the view and window."""
    scope, lang = _scope(view), view["lang"]
    window, now = resolve_window(choice, dates), app_now()

    def categories():
        df = category_ranking(scope, window)
        return panels.category_panel(df, {c: category_label(c, lang) for c in df["category"]}, lang)

    return {"as-of": {"kind": "text", "text": f"{t('data_as_of', lang)} {now:%Y-%m-%d %H:%M}"}, **_each(lang, {
        "kpis": lambda: panels.kpi_panel(kpis(scope, window), open_now(scope, now), lang),
        "nodes": lambda: panels.node_panel(node_counts(scope, window), open_now(scope, now), lang),
        "trend": lambda: panels.trend_panel(trend(scope, window), lang),
        "categories": categories,
        "party": lambda: panels.party_panel(party_summary(scope, window),
                                            live_sessions(scope, now).to_dict("records"), lang),
    })}


def child_links(scope: Scope, codes, query: dict) -> dict:
    """Where each child of the scope leads: its page, with the view's language, window and metric.

    A child the viewer may not open (with peer aggregates on, another township) gets no link.
    """
    home, child = current_principal().home, scope.child_level
    return {c: href(child, c, query) for c in codes if home is not None and scope_allows(home, Scope(child, c))}


@callback(Output("ranking-data", "data"), *VIEW_INPUTS, Input("metric", "value"), Input("data-version", "data"))
@guarded(_failed)
def update_ranking(view, choice, dates, metric_code, _version):
    scope, lang = _scope(view), view["lang"]
    if scope.child_level is None:
        return {**panels.panel_message(t("no_data", lang)), "title": t("ranking", lang)}
    metric = metric_dict(metric_code, lang)
    df = children_ranking(scope, resolve_window(choice, dates), metric["code"], now=app_now())
    df = df.assign(label=area_names(df, lang))
    links = child_links(scope, df["code"], view_query(view, metric["code"], choice, dates))
    return panels.ranking_panel(df, metric, lang, links)


def view_query(view: dict, metric: str, choice: str, dates: list | None) -> dict:
    """The query string that carries the view's language, metric and window to another page."""
    query = {"lang": view["lang"], "m": metric, "w": choice}
    if choice == "custom" and dates and all(dates):
        query.update({"from": dates[0][:10], "to": dates[1][:10]})
    return query


@callback(Output("nav", "href"), Input("map", "clickData"),
          State("map-view", "data"), State("metric", "value"), State("window-choice", "value"),
          State("window-dates", "data"), prevent_initial_call=True)
def drill(map_click, view, metric, choice, dates):
    """A click on a grid opens the next level down (a ranked child is a link of its own)."""
    child = _scope(view).child_level
    target = (map_click or {}).get("points", [{}])[0].get("customdata", [None])[0]
    if child is None or not target:
        return no_update
    return href(child, target, view_query(view, metric, choice, dates))


# New values recolour the drawn map in place and redraw its legend (assets/map.js).
clientside_callback(
    "function(paint) { return window.gbMap ? window.gbMap.paint(paint) : window.dash_clientside.no_update; }",
    Output("map-legend", "title"),
    Input("map-paint", "data"),
)

# The shell's panels and map show the view of a command page's address, read in the browser as soon as
# the address changes: a drill asks for their data while the server renders the page's header, instead
# of after it.  The server decides what the viewer may read (every query checks the scope); the page's
# own ``view`` store, which arrives with its header, says the same, and sets nothing off again.  On other
# pages the panels keep what they had, and the map shows the page's view if it has one (the wall's).
# The address is read as ``components.scope_path`` writes it: ``/`` or ``/<level>/<code>``.
clientside_callback(
    f"""
    function(path, search, view, defaultLang, panelView, mapView) {{
        const nu = window.dash_clientside.no_update;
        const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
        let fromAddress = null;
        const m = /^\\/(?:({'|'.join(SCOPE_LEVELS[1:])})\\/([^\\/]+)\\/?)?$/.exec(path || '');
        if (m) {{
            const asked = new URLSearchParams(search || '').get('lang');
            const lang = asked ? ({list(LANGS)!r}.indexOf(asked) >= 0 ? asked : 'zh') : defaultLang;
            try {{
                fromAddress = {{scope: {{level: m[1] || 'city', code: decodeURIComponent(m[2] || '')}}, lang: lang,
                               page: 'command'}};
            }} catch (e) {{ fromAddress = null; }}
        }}
        const forMap = view && view.page !== 'command' ? view : fromAddress;
        return [!fromAddress || same(fromAddress, panelView) ? nu : fromAddress,
                !forMap || same(forMap, mapView) ? nu : forMap];
    }}
    """,
    Output("panel-view", "data"), Output("map-view", "data"),
    Input("nav", "pathname"), Input("nav", "search"), Input("view", "data"),
    State("default-lang", "data"), State("panel-view", "data"), State("map-view", "data"),
)

# The panels draw themselves from their data (assets/panels.js writes their DOM and returns no_update).
clientside_callback(
    "function(data) { return window.gbPanels.render(data); }",
    Output("kpis", "className"), Input("panels-data", "data"),
)
clientside_callback(
    "function(data) { return window.gbPanels.render({ranking: data}); }",
    Output("ranking", "className"), Input("ranking-data", "data"),
)

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

# ... and the page the labels of its language and its window.
clientside_callback(
    """
    function(setup, choice, dates) {
        const nu = window.dash_clientside.no_update;
        const wanted = setup.window === 'custom' && setup.from && setup.to ? [setup.from, setup.to] : null;
        const same = setup.window === choice && JSON.stringify(wanted) === JSON.stringify(dates || null);
        return [setup.options, setup.title, setup.windows, same ? nu : setup.window,
                same ? nu : (wanted || [null, null])[0], same ? nu : (wanted || [null, null])[1],
                same ? nu : wanted, setup.columns || nu, setup.close || nu];
    }
    """,
    Output("metric", "options"), Output("map-title", "children"), Output("window-choice", "options"),
    Output("window-choice", "value"), Output("window-range", "start_date"), Output("window-range", "end_date"),
    Output("window-dates", "data"), Output("case-table", "columns"), Output("case-drawer-close", "children"),
    Input("page-setup", "data"), State("window-choice", "value"), State("window-dates", "data"),
)

# Dates picked in the date range (prevent_initial_call: the page's own dates come with its setup).
clientside_callback(
    """
    function(start, end, dates) {
        const picked = start && end ? [start.slice(0, 10), end.slice(0, 10)] : null;
        return JSON.stringify(picked) === JSON.stringify(dates || null) ? window.dash_clientside.no_update : picked;
    }
    """,
    Output("window-dates", "data", allow_duplicate=True),
    Input("window-range", "start_date"), Input("window-range", "end_date"), State("window-dates", "data"),
    prevent_initial_call=True,
)

# The date range shows only for a custom window.
clientside_callback(
    "function(choice) { return {display: choice === 'custom' ? 'inline-block' : 'none'}; }",
    Output("window-range", "style"), Input("window-choice", "value"),
)

# Keep the URL in step with the pickers without reloading the page.
clientside_callback(
    """
    function(metric, choice, dates) {
        const url = new URL(window.location.href);
        url.searchParams.set('m', metric);
        url.searchParams.set('w', choice);
        if (choice === 'custom' && dates) {
            url.searchParams.set('from', dates[0]);
            url.searchParams.set('to', dates[1]);
        } else { url.searchParams.delete('from'); url.searchParams.delete('to'); }
        window.history.replaceState(window.history.state, '', url.toString());
        return window.dash_clientside.no_update;
    }
    """,
    Output("metric", "className"),
    Input("metric", "value"), Input("window-choice", "value"), Input("window-dates", "data"),
    prevent_initial_call=True,
)
