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
    assert command.update_nodes(VIEW, "7d", None, None, 1) == {"kind": "message", "text": "数据暂不可用，稍后自动重试",
                                                               "error": True}


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


def test_the_empty_figure_is_what_graph_objects_would_make():
    """Figures are built as plain data; Plotly's graph objects must accept them and change nothing."""
    import plotly.graph_objects as go
    fig = figures.empty_figure("暂无数据")
    assert _as_json(go.Figure(fig)) == _as_json(fig)
    assert fig["layout"]["template"]["layout"]  # the look graph objects gave it
    fig["layout"]["template"]["layout"]["font"] = {"color": "red"}  # a caller may change its copy …
    assert figures.empty_figure("x")["layout"]["template"]["layout"].get("font") != {"color": "red"}  # … only


def test_the_node_panel_has_a_bar_per_node_with_its_count_and_what_it_opens():
    from queries.cases import NodeCounts, OpenNow
    counts = NodeCounts(**{f: (i + 1) * 1000 for i, f in enumerate(NodeCounts.__dataclass_fields__)})
    now = OpenNow(open=9, overdue=3, reminder_due=1, at=None)
    panel = figures.node_panel(counts, now, "en")
    assert panel["kind"] == "bars"
    items = panel["items"]
    assert [i["pick"] for i in items] == ["received", "claimed", "dispatched", "handled", "closed", "overdue",
                                          "escalated"]
    assert [i["value"] for i in items] == [counts.received, counts.claimed, counts.dispatched, counts.handled,
                                           counts.closed, 3, counts.escalated]
    assert items[0]["text"] == f"{counts.received:,}" and items[5]["text"] == "3"
    assert items[0]["label"] == "Received" and figures.node_panel(counts, now, "zh")["items"][5]["label"] == "超时"
    json.dumps(panel)  # plain data: it travels to the browser as it is


def test_the_trend_panel_has_every_day_and_both_series():
    import pandas as pd
    df = pd.DataFrame({"day": pd.to_datetime(["2026-11-18", "2026-11-19", "2026-11-20"]),
                       "new": [5, 1207, 0], "closed": [4, 6, 0]})
    panel = figures.trend_panel(df, "zh")
    assert panel["x"] == ["2026-11-18", "2026-11-19", "2026-11-20"] and panel["ticks"] == ["11-18", "11-19", "11-20"]
    new, closed = panel["series"]
    assert (new["name"], new["values"], new["texts"]) == ("新增", [5, 1207, 0], ["5", "1,207", "0"])
    assert closed["values"] == [4, 6, 0]
    json.dumps(panel)
    assert figures.trend_panel(df.iloc[:0], "en") == {"kind": "message", "text": "No data", "error": False}


def test_the_category_panel_lists_the_top_categories_in_order_with_their_share():
    import pandas as pd
    df = pd.DataFrame({"category": [f"c{i}" for i in range(13)], "created": list(range(130, 0, -10)),
                       "share": [0.1] * 13})
    panel = figures.category_panel(df, {"c0": "环境"}, "zh")
    assert [i["label"] for i in panel["items"]] == ["环境"] + [f"c{i}" for i in range(1, 11)]  # top 11
    assert panel["items"][0] == {"label": "环境", "value": 130, "text": "130 · 10%"}
    assert figures.category_panel(df.assign(created=0), {}, "zh")["kind"] == "message"


def test_the_ranking_panel_keeps_the_order_says_n_for_rates_and_links_only_what_it_is_given():
    import pandas as pd
    ranking = pd.DataFrame({"code": ["a", "b", "c"], "label": ["甲", "乙", "丙"], "value": [0.9, 0.5, None],
                            "n": [120, 3, 0]})
    panel = figures.ranking_panel(ranking, METRIC_RATE, "zh", {"a": "/township/a?m=closure_rate"})
    assert [i["label"] for i in panel["items"]] == ["甲", "乙"]  # no value: not ranked
    a, b = panel["items"]
    assert (a["text"], a["faded"], a["href"]) == ("90.0%  (n = 120)", False, "/township/a?m=closure_rate")
    assert (b["text"], b["faded"], b["href"]) == ("50.0%  (n = 3)", True, None)  # few cases: faded
    counts = figures.ranking_panel(ranking.assign(value=[1234.0, 5.0, 0.0]), METRIC_COUNT, "zh", {})
    assert [i["text"] for i in counts["items"]] == ["1,234", "5", "0"]
    assert figures.ranking_panel(ranking.iloc[:0], METRIC_COUNT, "zh", {})["kind"] == "message"
