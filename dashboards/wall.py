"""The wall screen (``/wall``): the whole city at a glance for the command center's video wall.

Nothing on it is clicked: every setting is a URL parameter, so a screen is
configured by its address and a restarted browser comes back to the same view.

============ ============================================================ =========
parameter    meaning                                                      default
============ ============================================================ =========
``m``        map and ranking metric (a code of ``queries.mapdata.METRICS``) ``open``
``w``        window of the rate tiles and window metrics: today, 7d, 30d   ``7d``
``lang``     zh or en                                                     setting
``rotate``   ``township``: drill through the townships in turn, then back —
``dwell``    seconds on each view while rotating (2 .. 3600)              20
``refresh``  seconds between refreshes of the "now" panels (2 .. 600)     30
``step``     seconds between ticker steps (1 .. 60)                       4
============ ============================================================ =========

``/wall/township/<code>`` pins one township (or, with ``rotate``, is one stop
of the tour).  The map is the shell's persistent map card (``make_map_card``),
fed through the same ``view`` and ``page-setup`` stores as the command view;
``assets/wall.css`` lays the page out for 16:9 screens and ``assets/wall.js``
runs the clock, the tickers, the tour's timer, the map's dark dress and the
"stale since" banner.
"""
from __future__ import annotations

import json

from dash import dcc, html
from flask import current_app

from dashboards import wall_panels  # noqa: F401  (its callbacks serve this view)
from dashboards.command import METRIC_BY_CODE, metric_dict, page_setup
from dashboards.i18n import area_name as localized_name, t
from dashboards.mapview import CITY_BOUNDS
from dashboards.wall_settings import WallSettings, next_stop, wall_href, wall_path
from queries.areas import area_name, children
from queries.mapbase import scope_bounds
from queries.scope import Scope


def _tz() -> str:
    return current_app.config["GRIDBOARD"].timezone


def make_wall_view(scope: Scope, query: dict):
    """The wall for ``scope`` (city or township) as its address ``query`` asks.

    A plain function of scope and query, so that an access check can stand in
    front of it like in front of ``make_command_view``.
    """
    s = WallSettings.from_query(query)
    lang = s.lang
    info = area_name(scope)
    metric = metric_dict(s.metric, lang)
    # only a touring screen reads the list of townships (a pinned one may be allowed its township only)
    townships = children(Scope.city())["code"].tolist() if s.rotate else []
    nxt, position = next_stop(scope, townships)
    rotating = s.rotate and position > 0
    # the map's fit is made for a laptop's map; wall.js refits it to the wall's map with these bounds
    bounds = list(scope_bounds(scope) or CITY_BOUNDS)
    title = metric["label"] + ("" if METRIC_BY_CODE[s.metric].uses_now else f" · {t(s.window, lang)}")
    header = html.Header(className="gb-wall-head", children=[
        html.Div([html.Span(t("app_title", lang), className="gb-wall-title"),
                  html.Span(localized_name(info, lang), className="gb-wall-area")], className="gb-wall-head-left"),
        html.Div(className="gb-wall-head-mid", children=[
            html.Span(f"{t('rotating', lang)} {position}/{len(townships) + 1}", className="gb-wall-rotation")
            if rotating else None]),
        html.Div(className="gb-wall-head-right", children=[
            html.Div(id="wall-date", className="gb-wall-date"),
            html.Div(id="wall-clock", className="gb-wall-clock"),
            html.Div(id="wall-asof", className="gb-wall-asof"),
        ]),
    ])
    panel = wall_panels.make_panel
    return html.Div(
        className="gb-wall", id="wall-root",
        # what wall.js needs: where this page is, how to fit the map, the clock's zone and the labels
        **{"data-path": wall_path(scope), "data-href": wall_href(scope, query), "data-tz": _tz(),
           "data-fit": json.dumps({"key": scope.key, "bounds": bounds}), "data-lang": lang,
           "data-stale": t("stale_since", lang), "data-step-ms": str(s.step_s * 1000),
           # the tour: wall.js moves on to data-next once this page has been on screen for data-dwell-ms
           **({"data-next": wall_href(nxt, query), "data-dwell-ms": str(s.dwell_s * 1000)} if rotating else {})},
        children=[
            # (a kiosk token stays in the addresses of the tour, but is not sent with every callback)
            dcc.Store(id="view", data={"scope": scope.to_dict(), "lang": lang,
                                       "query": {k: v for k, v in query.items() if k != "token"}}),
            # the shell's map card and window picker (hidden here) read this, as on the command view
            page_setup(lang, s.window, title=title, case_labels=False),
            dcc.Store(id="wall-wake"),
            dcc.Interval(id="wall-tick", interval=s.refresh_s * 1000),
            header,
            html.Div(id="wall-kpis", className="gb-wall-kpis"),
            html.Div(className="gb-wall-left", children=[
                panel(t("township_ranking" if scope.level == "city" else "village_ranking", lang) + " · " + title,
                      "wall-ranking", "gb-wall-ranking"),
                panel(t("party", lang), "wall-party", "gb-wall-party"),
            ]),
            html.Div(className="gb-wall-right", children=[
                panel(t("newest_cases", lang), "wall-ticker", "gb-wall-ticker"),
                panel(t("attention", lang), "wall-attention", "gb-wall-attention"),
            ]),
        ])

