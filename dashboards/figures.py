"""Figure builders: plain data in, Plotly figure dicts out (the panels beside the map: ``panels``). No queries here.

The map is the expensive one: its geometry travels by URL (the browser fetches
and caches the GeoJSON once per level), and a recolour sends the values only
(``map_paint``), which assets/map.js applies as MapLibre feature state.
"""
from __future__ import annotations

import functools
import json
import math

import plotly.io as pio

from dashboards.i18n import fmt_int, fmt_minutes, fmt_pct, t

FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif"
INK = "#1f2a37"
MUTED = "#6b7280"
ACCENT = "#c62828"
GOOD = "#2e7d32"
BASE_LAYOUT = dict(
    font=dict(family=FONT, size=13, color=INK),
    margin=dict(l=8, r=8, t=8, b=8),
    paper_bgcolor="rgba(0,0,0,0)",
    plot_bgcolor="rgba(0,0,0,0)",
    showlegend=False,
)
# red always means "needs attention": reversed for metrics where high is good
ATTENTION = [[0.0, "#fff7e6"], [0.35, "#fdd49e"], [0.65, "#fc8d59"], [1.0, "#b30000"]]
GOOD_HIGH = [[0.0, "#b30000"], [0.35, "#fc8d59"], [0.7, "#fdd49e"], [1.0, "#edf8e9"]]
MIN_N_FOR_RATE = 10   # a rate on fewer cases is drawn faded and labelled "n = …"


@functools.cache
def _template_json() -> str:
    return json.dumps(pio.templates[pio.templates.default].to_plotly_json())


def _template() -> dict:
    """Plotly's default template, as graph objects put in every figure (a fresh copy each time, 0.1 ms)."""
    return json.loads(_template_json())


def figure(data: list[dict], **layout) -> dict:
    """A figure as plain data, with the default template: what ``go.Figure(...).to_plotly_json()`` gives,
    without graph objects' validation of every array (6-9 ms a panel, on every refresh and drill)."""
    return {"data": data, "layout": {"template": _template(), **BASE_LAYOUT, **layout}}


def empty_figure(message: str) -> dict:
    return figure([], xaxis={"visible": False}, yaxis={"visible": False},
                  annotations=[{"text": message, "showarrow": False, "font": {"size": 15, "color": MUTED},
                                "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5}])


def format_metric(value, kind: str, lang: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if kind == "rate":
        return fmt_pct(value, lang)
    if kind == "minutes":
        return f"{value:.0f}"
    return f"{value:,.0f}"


# --- the map --------------------------------------------------------------

DIMMED = 0.3  # opacity factor of the grids outside a township leader's own township on the city map


def _metric_arrays(values, ns, metric: dict, dim=None):
    """z, per-grid opacity and the hover note for one metric (the part a recolour sends).

    ``dim`` (one flag per grid) fades the grids outside the viewer's own area, so
    that on the city map a township leader's township stands out.
    """
    is_rate = metric["kind"] == "rate"
    z, opacity, note = [], [], []
    dim = dim if dim is not None else [False] * len(values)
    for v, n, faded in zip(values, ns, dim):
        missing = v is None or (isinstance(v, float) and math.isnan(v))
        z.append(None if missing else (round(v, 4) if is_rate else round(v, 1)))
        few = is_rate and (n or 0) < MIN_N_FOR_RATE
        # an empty value is drawn fully transparent (so that every grid is in the map's source and a
        # recolour never has to add or drop one); a rate on few cases is pale
        opacity.append(0.0 if missing else round((0.25 if few else 0.9) * (DIMMED if faded else 1.0), 3))
        note.append(f"n = {int(n or 0)}" if is_rate else "")
    return z, opacity, note


def _hover_text(z, note: list[str], metric: dict, lang: str) -> list[str]:
    """Each grid's value as the hover shows it, in the locale's format, with its basis for rates."""
    return [(t("no_data", lang) if v is None else format_value(v, metric["kind"], lang)) + (f"  ({x})" if x else "")
            for v, x in zip(z, note)]


def _drawn(z, lo: float) -> list[float]:
    """z as Plotly draws it: an empty value stands at the bottom of the range (and is transparent)."""
    return [lo if v is None else v for v in z]


def _color_range(z, metric: dict, ns) -> tuple[float, float]:
    """Colour range over the grids with an adequate basis, so a few tiny samples do not stretch it."""
    good = [v for v, n in zip(z, ns) if v is not None and (metric["kind"] != "rate" or (n or 0) >= MIN_N_FOR_RATE)]
    if not good:
        return (0.0, 1.0)
    lo, hi = min(good), max(good)
    if metric["kind"] == "count":
        lo = 0.0
    if hi <= lo:  # all equal: a narrow band around the value, not a fake spread
        hi = lo + (0.01 if metric["kind"] == "rate" else 1.0)
    return (lo, hi)


def map_figure(base, values, ns, metric: dict, layer_url: str, border_url: str | None,
               view: dict, lang: str, dim=None, showscale: bool = True) -> dict:
    """The full map figure: sent when the scope changes, then only repainted.

    ``showscale=False`` leaves the colour bar to the page (the command view
    draws its legend in HTML from ``map_paint``, which a recolour updates).
    """
    z, opacity, note = _metric_arrays(values, ns, metric, dim)
    lo, hi = _color_range(z, metric, ns)
    # plain data (``figure``): graph objects spent ~40 ms validating the 1,798-long arrays
    trace = {
        "type": "choroplethmap", "geojson": layer_url, "featureidkey": "properties.id",
        "locations": base["code"].tolist(), "z": _drawn(z, lo), "text": _hover_text(z, note, metric, lang),
        "zmin": lo, "zmax": hi,
        "customdata": [list(c) for c in zip(base["target"].tolist(), base["label"].tolist(), base["worker"].tolist())],
        "colorscale": GOOD_HIGH if metric["higher_is_better"] else ATTENTION,
        "marker": {"opacity": opacity, "line": {"width": 0.4, "color": "#ffffff"}},
        "hovertemplate": map_hover(metric, lang), "showscale": showscale,
        "colorbar": {"thickness": 10, "len": 0.6, "x": 0.99, **colorbar_ticks(metric, lo, hi)},
    }
    layers = []
    if border_url:
        layers.append({"sourcetype": "geojson", "source": border_url, "type": "line", "color": "#1f2a37",
                       "line": {"width": 1.6}, "below": ""})
    data = [trace]
    pts = view.get("points")
    if pts is not None and len(pts):
        data.append({"type": "scattermap", "lon": pts["lon"].tolist(), "lat": pts["lat"].tolist(),
                     "mode": "markers", "marker": {"size": 9, "color": pts["color"].tolist()},
                     "text": pts["text"].tolist(), "hovertemplate": "%{text}<extra></extra>"})
    return figure(data, uirevision=view["key"], map={
        "style": "white-bg", "center": {"lon": view["lon"], "lat": view["lat"]}, "zoom": view["zoom"],
        "layers": layers})


def colorbar_ticks(metric: dict, lo: float, hi: float) -> dict:
    """Tick format and step: whole numbers for counts (no "1, 1, 2, 2"), percent for rates."""
    if metric["kind"] == "rate":
        return {"tickformat": ".0%", "dtick": None}
    step = max(1, math.ceil((hi - lo) / 5))
    return {"tickformat": ",d", "dtick": step}


def map_hover(metric: dict, lang: str) -> str:
    """Name, grid worker, and the value already formatted in ``text`` (empty values say so)."""
    return ("<b>%{customdata[1]}</b><br>" + t("worker", lang) + ": %{customdata[2]}<br>"
            + metric["label"] + ": %{text}<extra></extra>")


def format_value(value: float, kind: str, lang: str, pct_digits: int = 1) -> str:
    """A value with its unit: percent for rates, minutes for times, whole numbers for counts."""
    if kind == "rate":
        return fmt_pct(value, lang, digits=pct_digits)
    if kind == "minutes":
        return fmt_minutes(value, lang)
    return fmt_int(value, lang)


def map_legend(metric: dict, lo: float, hi: float, lang: str) -> dict:
    """The colour key of the map as plain data (drawn in HTML by assets/map.js)."""
    return {"title": metric["label"], "colorscale": GOOD_HIGH if metric["higher_is_better"] else ATTENTION,
            "labels": [format_value(v, metric["kind"], lang, pct_digits=0) for v in (lo, (lo + hi) / 2, hi)],
            "note": t("faded_note", lang) if metric["kind"] == "rate" else ""}


def map_paint(values, ns, metric: dict, lang: str, dim=None, full: bool = False) -> dict:
    """What the map's values are, as plain data: a recolour sends only this.

    ``full`` marks the companion of a full figure (Plotly draws its colours;
    only the legend is taken from here), so the values are left out.
    """
    z, opacity, note = _metric_arrays(values, ns, metric, dim)
    lo, hi = _color_range(z, metric, ns)
    legend = map_legend(metric, lo, hi, lang)
    if full:
        return {"full": True, "legend": legend}
    return {"full": False, "legend": legend, "z": z, "opacity": opacity, "text": _hover_text(z, note, metric, lang),
            "zmin": lo, "zmax": hi, "colorscale": legend["colorscale"], "hovertemplate": map_hover(metric, lang)}


def fit_view(bounds: tuple[float, float, float, float], key: str, width_px: int = 880,
             height_px: int = 680) -> dict:
    """Centre and zoom that fit ``bounds`` (minx, miny, maxx, maxy) in a map of about that size."""
    minx, miny, maxx, maxy = bounds
    lon_span = max(maxx - minx, 1e-4)
    lat_mid = math.radians((miny + maxy) / 2)
    lat_span = max((maxy - miny) / max(math.cos(lat_mid), 0.2), 1e-4)
    # MapLibre's zoom z shows 360 degrees in 512 * 2**z pixels
    zoom = min(math.log2(360 * width_px / (512 * lon_span)), math.log2(360 * height_px / (512 * lat_span)))
    return {"lon": (minx + maxx) / 2, "lat": (miny + maxy) / 2, "zoom": round(zoom - 0.05, 2), "key": key}
