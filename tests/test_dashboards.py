"""Dashboard pieces without a browser: error states, the map patch, the map fit."""
from __future__ import annotations

import json

import pytest

from config import load_config
from dashboards import figures
from queries.guard import QueryTimeout

METRIC_RATE = {"code": "closure_rate", "label": "办结率", "kind": "rate", "higher_is_better": True}
METRIC_COUNT = {"code": "open", "label": "在办", "kind": "count", "higher_is_better": False}
VIEW = {"scope": {"level": "city", "code": ""}, "lang": "zh", "query": {}}
TEST_KEY = "dashboards-test-key-" + "k" * 32  # no key file written into the data folder


@pytest.fixture
def app_ctx(sqlite_url):
    from app import create_app
    app = create_app(load_config({"database_url": sqlite_url, "now": "2026-11-20T10:30:00",
                                  "secret_key": TEST_KEY}, environ={}))
    from queries.cache import unbind_caches
    try:
        with app.server.test_request_context():
            yield app
    finally:
        unbind_caches()  # the caches are process-wide: leave them as other tests expect


def test_a_timed_out_query_shows_an_error_state_not_a_frozen_panel(app_ctx, monkeypatch):
    import dashboards.command as command

    def slow(*_args, **_kwargs):
        raise QueryTimeout("query ran longer than 3000 ms")

    monkeypatch.setattr(command, "kpis", slow)
    out = command.update_kpis(VIEW, "7d", None, None, 1)
    assert "gb-error" in json.dumps(out.to_plotly_json(), default=str)
    monkeypatch.setattr(command, "node_counts", slow)
    nodes = command.update_nodes(VIEW, "7d", None, None, 1)
    assert "gb-error" in json.dumps(nodes.to_plotly_json(), default=str)


def test_a_refusal_is_not_an_error_state_it_leaves_the_callback(app_ctx, monkeypatch):
    import dashboards.command as command
    from queries.access import Forbidden, NotAuthorized

    for refusal in (Forbidden("not yours"), NotAuthorized("nobody")):
        def refuse(*_args, refusal=refusal, **_kwargs):
            raise refusal

        monkeypatch.setattr(command, "kpis", refuse)
        with pytest.raises(type(refusal)):
            command.update_kpis(VIEW, "7d", None, None, 1)


def test_panel_reads_in_a_request_nobody_signed_into_are_refused(app_ctx):
    import dashboards.command as command
    from queries.access import NotAuthorized
    with pytest.raises(NotAuthorized):  # test_request_context never passed the gate: nobody
        command.update_kpis(VIEW, "7d", None, None, 1)


def test_a_recolour_carries_values_only_and_stays_small():
    n = 1798
    values = [i % 97 / 97 for i in range(n)]
    ns = [i % 40 for i in range(n)]
    paint = figures.map_paint(values, ns, METRIC_RATE, "zh")
    assert set(paint) == {"full", "legend", "z", "opacity", "text", "zmin", "zmax", "colorscale", "hovertemplate"}
    assert len(paint["z"]) == len(paint["opacity"]) == len(paint["text"]) == n
    body = json.dumps(paint, default=str)
    assert len(body.encode()) < 60_000           # raw; gzip brings it far under the 20 KB budget
    import gzip
    assert len(gzip.compress(body.encode())) < 20_000
    # the companion of a full figure is the legend alone: Plotly draws the colours of a new figure
    assert set(figures.map_paint(values, ns, METRIC_RATE, "zh", full=True)) == {"full", "legend"}


def test_the_legend_states_the_range_in_the_metric_unit():
    legend = figures.map_paint([0.5, 0.9, None], [30, 50, 0], METRIC_RATE, "en")["legend"]
    assert legend["labels"] == ["50%", "70%", "90%"] and legend["note"]
    counts = figures.map_paint([3, 10, 7], [3, 10, 7], {**METRIC_RATE, "kind": "count"}, "en")["legend"]
    assert counts["labels"] == ["0", "5", "10"] and counts["note"] == ""


def test_low_basis_rates_are_faded_and_say_n():
    z, opacity, note = figures._metric_arrays([0.5, 0.9, None], [3, 50, 0], METRIC_RATE)
    assert z == [0.5, 0.9, None]
    assert opacity[0] < opacity[1] and opacity[2] < opacity[1]
    assert note == ["n = 3", "n = 50", "n = 0"]
    # counts carry no n note and are never faded
    z, opacity, note = figures._metric_arrays([3, 0], [3, 0], METRIC_COUNT)
    assert opacity == [0.9, 0.9] and note == ["", ""]


def test_colour_range_ignores_rates_on_few_cases():
    lo, hi = figures._color_range([0.0, 0.9, 0.95], METRIC_RATE, [2, 40, 40])
    assert (lo, hi) == (0.9, 0.95)


def test_fit_view_contains_the_bounds():
    city = figures.fit_view((122.35, 40.45, 122.75, 40.80), key="city")
    small = figures.fit_view((122.50, 40.60, 122.51, 40.61), key="grid")
    assert 9 < city["zoom"] < 11.5 < small["zoom"]
    assert city["lon"] == pytest.approx(122.55) and city["lat"] == pytest.approx(40.625)


def test_the_language_setting_is_the_default_unless_the_address_says_otherwise(sqlite_url):
    from app import create_app
    from dashboards.pages._common import with_default_language
    from queries.cache import unbind_caches
    app = create_app(load_config({"database_url": sqlite_url, "language": "en", "secret_key": TEST_KEY},
                                 environ={}))
    try:
        with app.server.test_request_context():
            assert with_default_language({})["lang"] == "en"
            assert with_default_language({"lang": "zh", "m": "open"}) == {"lang": "zh", "m": "open"}
    finally:
        unbind_caches()


@pytest.fixture(scope="module")
def city_app(tmp_path_factory):
    """The app over the small fixture city (with its cases)."""
    from app import create_app
    from queries.cache import unbind_caches
    from tests.auth_helpers import seeded_city
    url = seeded_city(tmp_path_factory.mktemp("city") / "city.sqlite")
    app = create_app(load_config({"database_url": url, "now": "2026-11-20T10:30:00", "secret_key": TEST_KEY},
                                 environ={}))
    try:
        yield app
    finally:
        unbind_caches()


@pytest.mark.parametrize("level", ["city", "township", "village"])
def test_the_map_figure_is_valid_plotly_and_its_paint_names_it(city_app, level):
    """The map figure is built as a plain dict (no graph objects): Plotly's own validation must
    still accept it, every grid must be in it, and a paint must name the figure it belongs to."""
    import plotly.graph_objects as go

    from dashboards.command import metric_dict
    from dashboards.mapview import base_figure, value_paint
    from queries.access import SYSTEM, acting_as
    from queries.areas import children
    from queries.mapbase import map_base
    from queries.mapdata import map_values
    from queries.scope import Scope
    from queries.window import Window
    from datetime import datetime

    with city_app.server.test_request_context(), acting_as(SYSTEM):
        scope = Scope.city()
        while scope.level != level:
            scope = Scope(scope.child_level, children(scope)["code"].iloc[0])
        metric = metric_dict("closure_rate", "zh")
        values = map_values(scope, Window.last_days(7, datetime(2026, 11, 20, 10, 30)), "closure_rate",
                            now=datetime(2026, 11, 20, 10, 30))
        fig = base_figure(scope, values, metric, "zh")
        paint = value_paint(scope, values, metric, "zh")
        grids = list(map_base(scope)["code"])
    go.Figure(fig)  # raises on any attribute Plotly does not know or a value it does not accept
    trace = fig["data"][0]
    assert trace["locations"] == grids and len(trace["z"]) == len(trace["customdata"]) == len(grids)
    assert paint["key"] == fig["layout"]["uirevision"] == f"{scope.level}:{scope.code}"
    assert len(paint["z"]) == len(grids)


def _as_json(fig) -> dict:
    import plotly.io as pio
    return json.loads(pio.to_json(fig, validate=False))


def test_the_figures_are_what_graph_objects_would_make():
    """The figures are built as plain data; Plotly's graph objects must accept each one and change nothing
    (the map's figure: ``test_the_map_figure_is_valid_plotly_and_its_paint_names_it``)."""
    import plotly.graph_objects as go

    figs = [figures.empty_figure("暂无数据"), figures.empty_figure("No data")]
    for fig in figs:
        assert _as_json(go.Figure(fig)) == _as_json(fig)
        assert fig["layout"]["template"]["layout"]  # the look graph objects gave them
    figs[0]["layout"]["template"]["layout"]["font"] = {"color": "red"}  # a caller may change its copy …
    assert figures.empty_figure("x")["layout"]["template"]["layout"].get("font") != {"color": "red"}  # … only


def _texts(component) -> list[str]:
    """Every string in a Dash component tree, in order."""
    out = []

    def walk(node):
        if isinstance(node, str):
            out.append(node)
        elif isinstance(node, (list, tuple)):
            for x in node:
                walk(x)
        elif hasattr(node, "children"):
            walk(node.children)
    walk(component)
    return out


def _all(component, cls: str) -> list:
    """The components of ``component``'s tree whose className has ``cls``."""
    found = []

    def walk(node):
        if isinstance(node, (list, tuple)):
            for x in node:
                walk(x)
        elif hasattr(node, "children"):
            if cls in (getattr(node, "className", "") or "").split():
                found.append(node)
            walk(node.children)
    walk(component)
    return found


def test_node_columns_open_the_cases_behind_them_and_scale_to_the_largest():
    from dashboards import bars
    from queries.cases import NodeCounts, OpenNow
    counts = NodeCounts(received=40, claimed=10, dispatched=0, handled=5, closed=20, escalated=2)
    cols = bars.node_bars(counts, OpenNow(open=9, overdue=8, reminder_due=1, at=None), "en")
    buttons = cols.children
    assert [b.id["filter"] for b in buttons] == ["node:received", "node:claimed", "node:dispatched", "node:handled",
                                                 "node:closed", "overdue_now", "escalated"]
    assert [b.children[0].children for b in buttons] == ["40", "10", "0", "5", "20", "8", "2"]
    assert [b.children[1].children.style["height"] for b in buttons][:3] == ["100.0%", "25.0%", "0.0%"]


def test_the_ranking_links_each_child_and_pales_rates_on_few_cases():
    import pandas as pd

    from dashboards import bars
    df = pd.DataFrame({"code": ["a", "b", "c"], "label": ["甲", "乙", "丙"], "value": [0.8, 0.4, None],
                       "n": [12, 3, 0]})
    metric = {"code": "closure_rate", "label": "办结率", "kind": "rate", "higher_is_better": True}
    ranked = bars.ranking_bars(df, metric, "zh", lambda code: f"/village/{code}?m=closure_rate")
    links = [li.children for li in ranked.children]
    assert [x.href for x in links] == ["/village/a?m=closure_rate", "/village/b?m=closure_rate"]  # no value: left out
    assert ["gb-few" in x.className for x in links] == [False, True]
    assert "80.0%  (n = 12)" in _texts(ranked) and "40.0%  (n = 3)" in _texts(ranked)
    assert [f.style["width"] for f in _all(ranked, "gb-bar-fill")] == ["100.0%", "50.0%"]
    assert "暂无数据" in _texts(bars.ranking_bars(df.iloc[2:], metric, "zh", str))


def test_category_bars_show_count_and_share_largest_first():
    import pandas as pd

    from dashboards import bars
    cats = pd.DataFrame({"category": ["env", "road"], "created": [9, 3], "share": [0.75, 0.25]})
    out = bars.category_bars(cats, {"env": "环境"}, "zh")
    assert _texts(out) == ["环境", "9 · 75%", "road", "3 · 25%"]  # the bars carry no text
    assert [f.style["width"] for f in _all(out, "gb-bar-fill")] == ["100.0%", "33.3%"]
    assert "暂无数据" in _texts(bars.category_bars(cats.assign(created=0), {}, "zh"))


def test_the_trend_puts_new_and_closed_of_each_day_on_one_scale():
    import pandas as pd

    from dashboards import bars
    days = pd.date_range("2026-11-01", periods=20).date
    df = pd.DataFrame({"day": days, "new": [10] * 19 + [40], "closed": [20] * 20})
    out = bars.trend_bars(df, "en")
    cols = _all(out, "gb-trend-day")
    assert len(cols) == 20
    assert cols[-1].title == "11-20 · New 40 · Closed 20"
    assert [s.style["height"] for s in cols[0].children[0].children] == ["25.0%", "50.0%"]
    dates = [c.children[1].children for c in cols]
    assert dates[0] == "11-01" and dates[3] == "11-04" and dates[1] == ""  # every third of 20 days
    assert "New 230" in _texts(out) and "Closed 400" in _texts(out) and "Busiest day 40" in _texts(out)
    assert "No data" in _texts(bars.trend_bars(df.iloc[:0], "en"))
