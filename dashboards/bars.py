"""The command view's bar panels in HTML: node counts, top categories, the children's ranking.

A panel of a few labelled bars needs no plotting library.  Drawn by Plotly
each took 30-60 ms of the browser's main thread on every drill and refresh
(it measures every label) while the map was being drawn beside it; as HTML it
is a few elements, stays sharp on a wall, is read by screen readers, and its
rows are real buttons and links.  The wall's ranking is drawn the same way.
"""
from __future__ import annotations

import math

from dash import dcc, html

from dashboards.figures import MIN_N_FOR_RATE, format_metric
from dashboards.i18n import NODE_KEYS, NODE_TEXT, fmt_int, t

NODE_FILTER = {"overdue": "overdue_now", "escalated": "escalated"}
NODE_TONE = {"closed": "good", "overdue": "bad", "escalated": "escalated"}


def share(value, top) -> str:
    """A bar's length as a CSS percentage of the longest one."""
    if value is None or top is None or top <= 0 or (isinstance(value, float) and math.isnan(value)):
        return "0%"
    return f"{max(0.0, min(100.0, 100 * float(value) / float(top))):.1f}%"


def no_data(lang: str):
    return html.Div(t("no_data", lang), className="gb-empty")


def node_bars(counts, open_now, lang: str):
    """Columns of the five nodes (cases received in the window, by current node) + overdue and escalated;
    each opens the cases behind it (the drawer's ``open-cases`` buttons, like the tiles)."""
    keys = list(NODE_KEYS) + ["overdue", "escalated"]
    values = [getattr(counts, k) for k in NODE_KEYS] + [open_now.overdue, counts.escalated]
    top = max(values) or 1
    return html.Div(className="gb-cols", children=[
        html.Button([html.Span(fmt_int(v, lang), className="gb-col-value"),
                     html.Span(html.Span(className="gb-col-fill", style={"height": share(v, top)}),
                               className="gb-col-bar"),
                     html.Span(t(k, lang, NODE_TEXT), className="gb-col-label")],
                    id={"type": "open-cases", "filter": NODE_FILTER.get(k, f"node:{k}"), "key": f"node-{k}"},
                    n_clicks=0,
                    className=f"gb-col gb-tone-{NODE_TONE.get(k, 'plain')}",
                    title=f"{t(k, lang, NODE_TEXT)}: {fmt_int(v, lang)} · {t('case_list', lang)}")
        for k, v in zip(keys, values)])


def _row(cells: list, width: str) -> list:
    """The cells of a row with the bar before the last one (its value)."""
    track = html.Span(html.Span(className="gb-bar-fill", style={"width": width}), className="gb-bar-track")
    return [*cells[:-1], track, cells[-1]]


def category_bars(df, labels: dict, lang: str, top: int = 11):
    """The top categories by cases received, with their share."""
    if df is None or len(df) == 0 or df["created"].sum() == 0:
        return no_data(lang)
    d = df.head(top)
    biggest = d["created"].max()
    return html.Ol(className="gb-bars", children=[
        html.Li(_row([html.Span(labels.get(c, c), className="gb-bar-name", title=labels.get(c, c)),
                      html.Span(f"{fmt_int(n, lang)} · {s * 100:.0f}%", className="gb-bar-value")],
                     share(n, biggest)), className="gb-bar-row")
        for c, n, s in zip(d["category"], d["created"], d["share"])])


def ranking_bars(df, metric: dict, lang: str, link, top: int = 20):
    """The children of the scope ranked by the metric; each row opens that child (``link(code)`` is its
    address).  A rate on few cases is drawn pale and says its basis."""
    if df is None or len(df) == 0:
        return no_data(lang)
    d = df.dropna(subset=["value"]).head(top)
    if len(d) == 0:
        return no_data(lang)
    is_rate = metric["kind"] == "rate"
    biggest = d["value"].max()
    rows = []
    for i, (code, label, value, n) in enumerate(zip(d["code"], d["label"], d["value"], d["n"]), start=1):
        few = is_rate and (n or 0) < MIN_N_FOR_RATE
        text = format_metric(value, metric["kind"], lang) + (f"  (n = {int(n or 0):,})" if is_rate else "")
        rows.append(html.Li(dcc.Link(
            _row([html.Span(str(i), className="gb-bar-rank"), html.Span(label, className="gb-bar-name", title=label),
                  html.Span(text, className="gb-bar-value")], share(value, biggest)),
            href=link(code), className="gb-bar-row gb-bar-link" + (" gb-few" if few else "")),
            className="gb-bar-item"))
    return html.Ol(rows, className="gb-bars gb-ranked")


def trend_bars(df, lang: str):
    """New and closed cases per day, side by side, on one scale; a day's numbers are in its title.

    Columns rather than Plotly lines: this was the page's last chart besides the map, and
    creating a Plotly cartesian chart at all cost ~0.1 s of a drill and ~0.15 s of a page load.
    """
    if df is None or len(df) == 0:
        return no_data(lang)
    new, closed = list(df["new"]), list(df["closed"])
    top = max(new + closed) or 1
    days = [f"{d:%m-%d}" for d in df["day"]]
    every = max(1, math.ceil(len(days) / 8))   # at most ~8 dates under the columns
    new_label, closed_label = t("new", lang), t("closed_per_day", lang)
    legend = html.Div(className="gb-trend-legend", children=[
        html.Span([html.I(className="gb-swatch gb-tone-new"), f"{new_label} {fmt_int(sum(new), lang)}"]),
        html.Span([html.I(className="gb-swatch gb-tone-closed"), f"{closed_label} {fmt_int(sum(closed), lang)}"]),
        html.Span(f"{t('peak', lang)} {fmt_int(top, lang)}", className="gb-trend-peak"),
    ])
    columns = html.Div(className="gb-trend-days", children=[
        html.Div(className="gb-trend-day", title=f"{day} · {new_label} {fmt_int(n, lang)} · "
                                                 f"{closed_label} {fmt_int(c, lang)}", children=[
            html.Div([html.Span(className="gb-trend-new", style={"height": share(n, top)}),
                      html.Span(className="gb-trend-closed", style={"height": share(c, top)})],
                     className="gb-trend-pair"),
            html.Span(day if i % every == 0 else "", className="gb-trend-date"),
        ]) for i, (day, n, c) in enumerate(zip(days, new, closed))])
    return html.Div([legend, columns], className="gb-trend", role="img",
                    **{"aria-label": f"{new_label} {fmt_int(sum(new), lang)}, {closed_label} {fmt_int(sum(closed), lang)}"})
