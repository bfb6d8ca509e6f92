"""Dashboard pieces without a browser: error states, the map patch, the map fit."""
from __future__ import annotations

import json

import pytest

from config import load_config
from dashboards import figures, panels
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


def test_a_timed_out_query_shows_an_error_state_on_its_own_panel_only(city_ctx, monkeypatch):
    import dashboards.command as command
    from queries.access import SYSTEM, acting_as

    def slow(*_args, **_kwargs):
        raise QueryTimeout("query ran longer than 3000 ms")

    failed = {"kind": "message", "text": "数据暂不可用，稍后自动重试", "error": True}
    with acting_as(SYSTEM):
        monkeypatch.setattr(command, "kpis", slow)
        out = command.update_panels(VIEW, "7d", None, 1)
        assert out["kpis"] == failed
        assert [out[k]["kind"] for k in ("nodes", "trend", "categories", "party", "as-of")] == [
            "bars", "lines", "hbars", "party", "text"]
        monkeypatch.setattr(command, "node_counts", slow)
        assert command.update_panels(VIEW, "7d", None, 1)["nodes"] == failed
        monkeypatch.setattr(command, "children_ranking", slow)
        assert command.update_ranking(VIEW, "7d", None, "open", 1) == failed


def test_a_refusal_is_not_an_error_state(city_ctx, monkeypatch):
    """A panel the viewer may not read says so; a request that may read none of them is refused as a whole."""
    import dashboards.command as command
    from queries.access import SYSTEM, Forbidden, NotAuthorized, acting_as

    for refusal in (Forbidden("not yours"), NotAuthorized("nobody")):
        def refuse(*_args, refusal=refusal, **_kwargs):
            raise refusal

        with acting_as(SYSTEM):
            monkeypatch.setattr(command, "live_sessions", refuse)
            out = command.update_panels(VIEW, "7d", None, 1)
            assert out["party"] == {"kind": "message", "text": "无权查看该区域", "error": False}
            assert out["kpis"]["kind"] == "tiles"
            monkeypatch.setattr(command, "children_ranking", refuse)
            with pytest.raises(type(refusal)):
                command.update_ranking(VIEW, "7d", None, "open", 1)
        monkeypatch.undo()


def test_panel_reads_in_a_request_nobody_signed_into_are_refused(city_ctx):
    import dashboards.command as command
    from queries.access import NotAuthorized
    with pytest.raises(NotAuthorized):  # test_request_context never passed the gate: nobody
        command.update_panels(VIEW, "7d", None, 1)


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
            # the shell tells the browser, which reads the panels' view from the address
            from dashboards.shell import default_lang
            assert default_lang() == "en"
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
    app.fixture_url = url
    try:
        yield app
    finally:
        unbind_caches()


@pytest.fixture
def city_ctx(city_app):
    """A request in the fixture city's app (other tests of this module point the process at other databases)."""
    from queries.db import configure
    configure(city_app.fixture_url)
    with city_app.server.test_request_context():
        yield city_app


@pytest.mark.parametrize("level", ["city", "township", "village"])
def test_the_map_figure_is_valid_plotly_and_its_paint_names_it(city_ctx, level):
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

    with acting_as(SYSTEM):
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
    panel = panels.node_panel(counts, now, "en")
    assert panel["kind"] == "bars"
    items = panel["items"]
    assert [i["pick"] for i in items] == ["node:received", "node:claimed", "node:dispatched", "node:handled",
                                          "node:closed", "overdue_now", "escalated"]  # the case lists they open
    assert [i["value"] for i in items] == [counts.received, counts.claimed, counts.dispatched, counts.handled,
                                           counts.closed, 3, counts.escalated]
    assert items[0]["text"] == f"{counts.received:,}" and items[5]["text"] == "3"
    assert items[0]["label"] == "Received" and panels.node_panel(counts, now, "zh")["items"][5]["label"] == "超时"
    json.dumps(panel)  # plain data: it travels to the browser as it is


def test_the_trend_panel_has_every_day_and_both_series():
    import pandas as pd
    df = pd.DataFrame({"day": pd.to_datetime(["2026-11-18", "2026-11-19", "2026-11-20"]),
                       "new": [5, 1207, 0], "closed": [4, 6, 0]})
    panel = panels.trend_panel(df, "zh")
    assert panel["x"] == ["2026-11-18", "2026-11-19", "2026-11-20"] and panel["ticks"] == ["11-18", "11-19", "11-20"]
    new, closed = panel["series"]
    assert (new["name"], new["values"], new["texts"]) == ("新增", [5, 1207, 0], ["5", "1,207", "0"])
    assert closed["values"] == [4, 6, 0]
    json.dumps(panel)
    assert panels.trend_panel(df.iloc[:0], "en") == {"kind": "message", "text": "No data", "error": False,
                                                     "title": "New vs closed"}


def test_the_category_panel_lists_the_top_categories_in_order_with_their_share():
    import pandas as pd
    df = pd.DataFrame({"category": [f"c{i}" for i in range(13)], "created": list(range(130, 0, -10)),
                       "share": [0.1] * 13})
    panel = panels.category_panel(df, {"c0": "环境"}, "zh")
    assert [i["label"] for i in panel["items"]] == ["环境"] + [f"c{i}" for i in range(1, 11)]  # top 11
    assert panel["items"][0] == {"label": "环境", "value": 130, "text": "130 · 10%"}
    assert panels.category_panel(df.assign(created=0), {}, "zh")["kind"] == "message"


def test_the_ranking_panel_keeps_the_order_says_n_for_rates_and_links_only_what_it_is_given():
    import pandas as pd
    ranking = pd.DataFrame({"code": ["a", "b", "c"], "label": ["甲", "乙", "丙"], "value": [0.9, 0.5, None],
                            "n": [120, 3, 0]})
    panel = panels.ranking_panel(ranking, METRIC_RATE, "zh", {"a": "/township/a?m=closure_rate"})
    assert [i["label"] for i in panel["items"]] == ["甲", "乙"]  # no value: not ranked
    a, b = panel["items"]
    assert (a["text"], a["faded"], a["href"]) == ("90.0%  (n = 120)", False, "/township/a?m=closure_rate")
    assert (b["text"], b["faded"], b["href"]) == ("50.0%  (n = 3)", True, None)  # few cases: faded
    counts = panels.ranking_panel(ranking.assign(value=[1234.0, 5.0, 0.0]), METRIC_COUNT, "zh", {})
    assert [i["text"] for i in counts["items"]] == ["1,234", "5", "0"]
    assert panels.ranking_panel(ranking.iloc[:0], METRIC_COUNT, "zh", {})["kind"] == "message"


def test_the_kpi_tiles_state_each_figure_with_its_basis_and_the_cases_they_open():
    from queries.cases import Kpis, OpenNow
    k = Kpis(received=2000, closed_of_received=1500, closure_rate=0.75, n_closure=2000, closed=1600, rated=812,
             satisfied=700, basically_satisfied=70, dissatisfied=42, satisfaction_rate=770 / 812,
             n_satisfaction=812, claimed=1900, response_mean_min=95.0, n_response=1900, response_p90_min=None,
             p90_is_estimate=True, escalations=30)
    tiles = panels.kpi_panel(k, OpenNow(open=1234, overdue=0, reminder_due=5, at=None), "zh")["items"]
    assert [(x["text"], x["sub"], x["pick"]) for x in tiles] == [
        ("1,234", "当前", "open_now"), ("0", "待提醒 5", "overdue_now"),
        ("75.0%", "1,500 / 2,000", "received_in_window"), ("94.8%", "评价 812", "dissatisfied"),
        ("1.6 小时", "P90 ≈ —", "received_in_window")]
    assert tiles[1]["tone"] == ""  # red only when something is overdue
    late = panels.kpi_panel(k, OpenNow(open=1, overdue=1, reminder_due=0, at=None), "en")["items"][1]
    assert (late["label"], late["tone"]) == ("Overdue cases", "gb-bad")


def test_the_party_panel_counts_and_lists_the_live_sessions():
    from queries.party import PartySummary
    s = PartySummary(orgs={"committee": 1, "branch": 12}, members=3456, sessions=7, expected=100, present=87,
                     attendance_rows=100, attendance_rate=0.87, n=100)
    live = [{"title": "党课", "kind": "party_lecture", "org_name": "第一支部", "present": 12, "expected": 20}]
    panel = panels.party_panel(s, live, "zh")
    assert [x["text"] for x in panel["stats"]] == ["13", "3,456", "7", "87.0%"]
    assert panel["live_title"].endswith("(1)") and panel["live"][0]["count"] == "12/20"
    assert panel["live"][0]["text"].startswith("党课 · ") and panel["live"][0]["text"].endswith(" · 第一支部")
    assert panels.party_panel(PartySummary(), [], "en")["stats"][3]["text"] == "—"  # no basis: no rate


def test_the_map_is_sent_whole_only_when_it_draws_another_view(city_ctx):
    """A recolour or refresh of the drawn view sends values; a new view or language sends the figure."""
    from dash import no_update

    import dashboards.command as command
    from queries.access import SYSTEM, acting_as
    with acting_as(SYSTEM):
        fig, paint, key = command.update_map(VIEW, "7d", None, "open", 1, None)
        assert fig["data"][0]["type"] == "choroplethmap" and paint["full"] and key == "city::zh"
        fig, paint, key = command.update_map(VIEW, "7d", None, "overdue", 1, "city::zh")
        assert fig is no_update and key is no_update and not paint["full"] and len(paint["z"]) > 0
        english = {**VIEW, "lang": "en"}
        fig, _paint, key = command.update_map(english, "7d", None, "overdue", 1, "city::zh")
        assert fig is not no_update and key == "city::en"
