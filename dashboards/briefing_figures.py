"""Plotly figures of the briefing page: plain series from ``reports.content`` in, figure dicts out.

The bar and line labels are the strings ``reports.content`` made, the ones
the PDF and the slides print.  The map is the dashboard's own map
(``dashboards.mapview.base_figure``: same layer, same colours) with the
overdue hot spots numbered on top.
"""
from __future__ import annotations

import plotly.graph_objects as go

from dashboards.figures import ACCENT, BASE_LAYOUT, MIN_N_FOR_RATE, empty_figure
from dashboards.i18n import t

BLUE = "#5b8def"
GREY = "#c0c6cf"


def hbar_figure(rows: list[dict], lang: str, colors: list[str] | None = None, xmax: float | None = None) -> dict:
    """Horizontal bars, first row on top: ``rows`` of ``name, value, text``."""
    if not rows:
        return empty_figure(t("no_data", lang))
    d = rows[::-1]
    top = xmax if xmax is not None else max(r["value"] for r in rows) or 1.0
    fig = go.Figure(go.Bar(
        x=[r["value"] for r in d], y=[r["name"] for r in d], orientation="h", text=[r["text"] for r in d],
        textposition="outside", cliponaxis=False, marker_color=(colors or [BLUE] * len(rows))[::-1],
        customdata=[r.get("code", "") for r in d], hovertemplate="%{y}: %{text}<extra></extra>"))
    fig.update_layout(**BASE_LAYOUT, xaxis=dict(visible=False, range=[0, top * 1.35]),
                      yaxis=dict(automargin=True, tickfont=dict(size=12)), bargap=0.25)
    return fig.to_plotly_json()


def ranking_figures(series: list[dict], lang: str, target: float) -> list[tuple[str, dict]]:
    """(label, figure) per ranking metric; closure rates below ``target`` in red, areas on few cases
    (not named by the finding) in grey."""
    out = []
    for s in series:
        colors = [GREY if r["n"] < MIN_N_FOR_RATE
                  else ACCENT if s["key"] == "closure_rate" and r["value"] < target else BLUE for r in s["rows"]]
        out.append((s["label"], hbar_figure(s["rows"], lang, colors)))
    return out


def category_change_figure(rows: list[dict], this_label: str, prev_label: str, lang: str) -> dict:
    """This week's categories against last week's, with the change beside each."""
    if not rows:
        return empty_figure(t("no_data", lang))
    d = rows[::-1]
    names = [r["label"] for r in d]
    fig = go.Figure()
    fig.add_bar(y=names, x=[r["created_prev"] for r in d], orientation="h", name=prev_label, marker_color=GREY,
                hovertemplate="%{y}: %{x:,}<extra>" + prev_label + "</extra>")
    fig.add_bar(y=names, x=[r["created"] for r in d], orientation="h", name=this_label, marker_color=BLUE,
                text=[f"{r['created']:,} · {r['share']}  ({r['change']})" for r in d], textposition="outside",
                cliponaxis=False, hovertemplate="%{y}: %{x:,}<extra>" + this_label + "</extra>")
    top = max(max(r["created"], r["created_prev"]) for r in rows) or 1
    fig.update_layout(**{**BASE_LAYOUT, "showlegend": True}, barmode="group", bargap=0.25,
                      legend=dict(orientation="h", y=1.06, x=0, traceorder="reversed"),
                      xaxis=dict(visible=False, range=[0, top * 1.45]), yaxis=dict(automargin=True))
    return fig.to_plotly_json()


def trend_figure(rows: list[dict], lang: str) -> dict:
    """Satisfaction per week (weeks without ratings are gaps), labelled with the printed percentages."""
    if not any(r["rate"] is not None for r in rows):
        return empty_figure(t("no_data", lang))
    fig = go.Figure(go.Scatter(
        x=[r["week"] for r in rows], y=[None if r["rate"] is None else r["rate"] for r in rows],
        text=[r["text"] for r in rows], mode="lines+markers+text", textposition="top center",
        line=dict(color=BLUE, width=3), marker=dict(size=8), customdata=[r["n"] for r in rows],
        hovertemplate="%{x}: %{text} (n = %{customdata:,})<extra></extra>"))
    known = [r["rate"] for r in rows if r["rate"] is not None]
    pad = max(0.005, (max(known) - min(known)) * 0.3)   # room for the labels above the line
    fig.update_layout(**BASE_LAYOUT, yaxis=dict(tickformat=".1%", gridcolor="#eceff3",
                                                range=[min(known) - pad, min(1.0, max(known) + pad)]),
                      xaxis=dict(showgrid=False, type="category"))
    fig.update_layout(margin=dict(l=48, r=16, t=28, b=28))
    return fig.to_plotly_json()


def party_figures(rows: list[dict], lang: str, sessions_label: str, rate_label: str) -> list[tuple[str, dict]]:
    """Sessions held and attendance rate per area (same order in both)."""
    sessions = [{"name": r["name"], "value": r["sessions"], "text": f"{r['sessions']:,}", "code": r["code"]}
                for r in rows]
    rates = [{"name": r["name"], "value": r["rate"] or 0.0, "text": r["text"], "code": r["code"]} for r in rows]
    colors = [GREY if r["rate"] is None or r["n"] < MIN_N_FOR_RATE else BLUE for r in rows]
    return [(sessions_label, hbar_figure(sessions, lang)),
            (rate_label, hbar_figure(rates, lang, colors, xmax=1.0))]


def with_hot_spots(map_fig: dict, hot: list[dict]) -> dict:
    """The map figure with the overdue hot spots as markers (the list beside the map numbers them)."""
    if not hot:
        return map_fig
    # markers only: text on a map layer would make MapLibre fetch glyphs from the internet
    marker = go.Scattermap(lon=[h["lon"] for h in hot], lat=[h["lat"] for h in hot], mode="markers",
                           marker=dict(size=16, color="#000000", opacity=0.8),
                           customdata=[f"{i} · {h['text']}" for i, h in enumerate(hot, start=1)],
                           hovertemplate="%{customdata}<extra></extra>")
    fig = dict(map_fig)
    fig["data"] = list(map_fig["data"]) + [marker.to_plotly_json()]
    return fig

