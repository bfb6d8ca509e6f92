"""The wall's panels: headline tiles against yesterday, the newest cases, the overdue and
reminder-due cases, the ranking of the children and party study now and today.

Each callback reads the command view's queries (``kpis``, ``open_now``,
``case_list``, ``children_ranking``, ``live_sessions``, ``party_summary``) plus
``queries.wall.state_at`` for yesterday's states, and builds plain HTML: text
sized by the wall's stylesheet reads from across the room at any resolution.

A panel that fails keeps what it showed (``keep_last``): a wall shows the
last good numbers and its "data as of" time stops, it never blanks.
Lists have a fixed number of rows (drawn twice for the seamless ticker loop),
so the page's size stays the same however long it runs.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from dash import Input, Output, callback, html, no_update

from dashboards.command import metric_dict
from dashboards.components import app_now, guarded
from dashboards.figures import MIN_N_FOR_RATE, format_metric
from dashboards.i18n import area_names, fmt_int, fmt_minutes, fmt_pct, t
from dashboards.wall_settings import WallSettings
from queries.caselist import case_list
from queries.cases import children_ranking, kpis, open_now
from queries.party import live_sessions, party_summary
from queries.scope import Scope
from queries.taxonomy import category_label, item_label, session_kind_label, source_label
from queries.wall import state_at, yesterday
from queries.window import Window, parse_window


PANEL_INPUTS = [Input("view", "data"), Input("data-version", "data"), Input("wall-tick", "n_intervals"),
                Input("wall-wake", "data")]
TICKER_ROWS = 16
ATTENTION_ROWS = 10
LIVE_ROWS = 12
RANK_ROWS = 20
# the short tags of the overdue list ("reminder due" = nobody has claimed it in time)
TAG_TEXT = {"overdue": ("超时", "Overdue"), "reminder_due": ("待提醒", "Unclaimed")}


def make_panel(title: str, body_id: str, class_name: str):
    return html.Section([html.H2(title, className="gb-wall-panel-title"),
                         html.Div(id=body_id, className="gb-wall-panel-body")],
                        className=f"gb-wall-panel {class_name}")


def keep_last(n_outputs: int = 1):
    """On failure log and leave the panel as it is (the last good data stays on the wall).

    ``guarded`` with "no change" as the error state; a refusal of access still passes through.
    """
    unchanged = no_update if n_outputs == 1 else (no_update,) * n_outputs
    return guarded(lambda _lang: unchanged)


def _view(view) -> tuple[Scope, WallSettings]:
    return Scope.from_dict(view["scope"]), WallSettings.from_query(view.get("query") or {})


def fmt_duration(minutes: float, lang: str, precise: bool = True) -> str:
    """A span of time at wall precision: minutes, then hours, then days (one decimal when ``precise``)."""
    minutes = max(float(minutes), 0.0)
    sep = "" if lang == "zh" else " "
    if minutes < 60:
        return f"{minutes:.0f}{sep}{t('minutes', lang)}"
    value, unit = (minutes / 60, "hours") if minutes < 48 * 60 else (minutes / 1440, "days")
    return f"{value:.{1 if precise else 0}f}{sep}{t(unit, lang)}"


def fmt_age(then: datetime, now: datetime, lang: str) -> str:
    """How long ago, short enough for the ticker's first column."""
    minutes = (now - then).total_seconds() / 60
    if minutes < 1:
        return t("just_now", lang)
    return t("ago", lang).format(d=fmt_duration(minutes, lang, precise=False))


# --------------------------------------------------------------------------- headline tiles

def fmt_delta(now_value, then_value, kind: str, higher_is_better: bool, lang: str):
    """The change against yesterday: arrow, size, and a tone that says whether it is good news."""
    label = html.Span(t("vs_yesterday", lang), className="gb-wall-delta-label")
    if now_value is None or then_value is None:
        return html.Div([label, " —"], className="gb-wall-delta")
    d = float(now_value) - float(then_value)
    if kind == "rate":
        size, text = abs(d) * 100, f"{abs(d) * 100:.1f} {t('pct_points', lang)}"
        flat = size < 0.05
    elif kind == "minutes":
        size, text = abs(d), fmt_minutes(abs(d), lang)
        flat = size < 0.5
    else:
        size, text = abs(d), fmt_int(abs(d), lang)
        flat = size == 0
    if flat:
        return html.Div([label, " ＝ 0"], className="gb-wall-delta gb-flat")
    good = (d > 0) == higher_is_better
    return html.Div([label, f" {'▲' if d > 0 else '▼'} {text}"],
                    className=f"gb-wall-delta {'gb-good' if good else 'gb-bad'}")


def _tile(label: str, value: str, delta, sub: str = "", alarm: bool = False):
    return html.Div([html.Div(label, className="gb-wall-kpi-label"),
                     html.Div(value, className="gb-wall-kpi-value"),
                     delta,
                     html.Div(sub, className="gb-wall-kpi-sub")],
                    className="gb-wall-kpi" + (" gb-alarm" if alarm else ""))


@callback(Output("wall-kpis", "children"), Output("wall-asof", "children"), *PANEL_INPUTS)
@keep_last(2)
def update_kpis(view, *_):
    scope, s = _view(view)
    lang, now = s.lang, app_now()
    window, before = parse_window(s.window, now), parse_window(s.window, now - timedelta(days=1))
    k, k0, today = kpis(scope, window), kpis(scope, before), kpis(scope, Window.today(now))
    cur, then = open_now(scope, now), state_at(scope, yesterday(now))
    w = t(s.window, lang)
    tiles = [
        _tile(t("open", lang), fmt_int(cur.open, lang), fmt_delta(cur.open, then.open, "count", False, lang),
              t("now_label", lang)),
        _tile(t("overdue", lang), fmt_int(cur.overdue, lang),
              fmt_delta(cur.overdue, then.overdue, "count", False, lang),
              f"{t('reminder_due', lang)} {fmt_int(cur.reminder_due, lang)}", alarm=cur.overdue > 0),
        _tile(t("closed_today", lang), fmt_int(today.closed, lang),
              fmt_delta(today.closed, then.closed_today, "count", True, lang),
              f"{t('received', lang)} {fmt_int(today.received, lang)}"),
        _tile(t("closure_rate", lang), fmt_pct(k.closure_rate, lang),
              fmt_delta(k.closure_rate, k0.closure_rate, "rate", True, lang),
              f"{w} · {fmt_int(k.closed_of_received, lang)} / {fmt_int(k.received, lang)}"),
        _tile(t("satisfaction_rate", lang), fmt_pct(k.satisfaction_rate, lang),
              fmt_delta(k.satisfaction_rate, k0.satisfaction_rate, "rate", True, lang),
              f"{w} · {t('basis', lang)} {fmt_int(k.rated, lang)}"),
        _tile(t("response_mean", lang), fmt_minutes(k.response_mean_min, lang),
              fmt_delta(k.response_mean_min, k0.response_mean_min, "minutes", False, lang),
              f"{w} · P90 ≈ {fmt_minutes(k.response_p90_min, lang)}"),
    ]
    return tiles, f"{t('data_as_of', lang)} {now:%m-%d %H:%M}"


# --------------------------------------------------------------------------- lists

def scroller(make_rows, records: list, empty: str):
    """A list the wall steps through by itself (assets/wall.js): the rows, then the same rows again
    so that the loop has no seam; the copies are hidden when everything fits."""
    if not records:
        return html.Div(empty, className="gb-wall-empty")
    return html.Div(html.Ul(make_rows(records, False) + make_rows(records, True), className="gb-wall-list"),
                    className="gb-wall-scroll")


def _row(main: str, tail: str, sub: list, dup: bool, lead=None, extra: str = ""):
    """A two-line row: ``main`` and ``tail`` (a time, a count) above ``sub``; ``lead`` (a tag) before both."""
    cells = [html.Span(main, className="gb-wall-main"), html.Span(tail, className="gb-wall-tail"),
             html.Div(sub, className="gb-wall-sub")]
    if lead is not None:
        cells.insert(0, lead)
    cls = "gb-wall-row" + (" gb-wall-lead-row" if lead is not None else "") + (" gb-wall-dup" if dup else "")
    return html.Li(cells, className=cls + (f" {extra}" if extra else ""),
                   **({"aria-hidden": "true"} if dup else {}))


def _what(r: dict, lang: str) -> str:
    """A case's category and item, e.g. "供暖与水电气 · 暖气管道漏水"."""
    return f"{category_label(r['category'], lang)} · {item_label(r['item'], lang)}"


@callback(Output("wall-ticker", "children"), *PANEL_INPUTS)
@keep_last()
def update_ticker(view, *_):
    scope, s = _view(view)
    lang, now = s.lang, app_now()
    df, _n = case_list(scope, Window.last_days(7, now), "received_in_window", "created_at", True, 0, TICKER_ROWS,
                       now=now)

    def rows(records, dup):
        return [_row(_what(r, lang), fmt_age(r["created_at"], now, lang),
                     [html.Span(source_label(r["source"], lang), className="gb-wall-chan"), " · ",
                      r.get("grid_name") or r["grid_code"]], dup)
                for r in records]
    return scroller(rows, df.to_dict("records"), t("no_cases", lang))


@callback(Output("wall-attention", "children"), *PANEL_INPUTS)
@keep_last()
def update_attention(view, *_):
    scope, s = _view(view)
    lang, now = s.lang, app_now()
    day = Window.today(now)  # the "now" filters ignore the window
    overdue, n_overdue = case_list(scope, day, "overdue_now", "deadline", False, 0, ATTENTION_ROWS, now=now)
    remind, n_remind = case_list(scope, day, "reminder_due", "response_due", False, 0, ATTENTION_ROWS, now=now)
    seen = set(overdue["id"])
    records = ([{**r, "kind": "overdue", "since": r["deadline"]} for r in overdue.to_dict("records")]
               + [{**r, "kind": "reminder_due", "since": r["created_at"]} for r in remind.to_dict("records")
                  if r["id"] not in seen])

    def rows(records, dup):
        return [_row(_what(r, lang), fmt_duration((now - r["since"]).total_seconds() / 60, lang),
                     [r.get("grid_name") or r["grid_code"], f" · #{r['id']}"], dup,
                     lead=html.Span(t(r["kind"], lang, TAG_TEXT), className="gb-wall-tag"),
                     extra=f"gb-wall-{r['kind'].replace('_', '-')}")
                for r in records]
    counts = html.Div([
        html.Span([html.B(fmt_int(n_overdue, lang)), " ", t("overdue", lang)], className="gb-wall-count gb-bad"),
        html.Span([html.B(fmt_int(n_remind, lang)), " ", t("reminder_due", lang)], className="gb-wall-count gb-warn"),
    ], className="gb-wall-counts")
    return [counts, scroller(rows, records, t("no_cases", lang))]


# --------------------------------------------------------------------------- ranking

@callback(Output("wall-ranking", "children"), *PANEL_INPUTS)
@keep_last()
def update_ranking(view, *_):
    scope, s = _view(view)
    lang, now = s.lang, app_now()
    if scope.child_level is None:
        return html.Div(t("no_data", lang), className="gb-wall-empty")
    metric = metric_dict(s.metric, lang)
    df = children_ranking(scope, parse_window(s.window, now), s.metric, now=now).head(RANK_ROWS)
    df = df.assign(label=area_names(df, lang))
    top = max([v for v in df["value"] if v == v and v is not None] or [0]) or 1
    is_rate = metric["kind"] == "rate"
    rows = []
    for i, r in enumerate(df.to_dict("records"), start=1):
        known = r["value"] is not None and r["value"] == r["value"]
        few = is_rate and (r["n"] or 0) < MIN_N_FOR_RATE
        value = format_metric(r["value"], metric["kind"], lang) + (f" (n={int(r['n'] or 0)})" if few else "")
        width = f"{100 * float(r['value']) / top:.1f}%" if known else "0%"
        rows.append(html.Li([html.Span(str(i), className="gb-wall-rank"),
                             html.Span(r["label"], className="gb-wall-rank-name"),
                             html.Span(html.Span(className="gb-wall-bar-fill", style={"width": width}),
                                       className="gb-wall-bar"),
                             html.Span(value, className="gb-wall-rank-value")],
                            className="gb-wall-rank-row" + (" gb-few" if few or not known else "")))
    return html.Ol(rows, className="gb-wall-ranklist")


# --------------------------------------------------------------------------- party

@callback(Output("wall-party", "children"), *PANEL_INPUTS)
@keep_last()
def update_party(view, *_):
    scope, s = _view(view)
    lang, now = s.lang, app_now()
    live = live_sessions(scope, now)
    today = party_summary(scope, Window.today(now))

    def stat(value, label, sub=""):
        return html.Div([html.B(value), html.Span(label), html.Small(sub)], className="gb-wall-stat")

    def rows(records, dup):
        return [_row(r["title"], f"{fmt_int(r['present'], lang)}/{fmt_int(r['expected'], lang)}",
                     [session_kind_label(r["kind"], lang), " · ",
                      r["org_name"] if scope.level != "city" else f"{r['township_name']} · {r['org_name']}"], dup,
                     lead=html.Span(className="gb-dot"))
                for r in records]
    stats = html.Div([
        stat(fmt_int(len(live), lang), t("live_count", lang)),
        stat(fmt_int(today.sessions, lang), t("sessions_today", lang)),
        stat(fmt_pct(today.attendance_rate, lang), t("attendance_today", lang),
             f"{fmt_int(today.present, lang)}/{fmt_int(today.attendance_rows, lang)}"),
    ], className="gb-wall-stats")
    return [stats, scroller(rows, live.head(LIVE_ROWS).to_dict("records"), t("none_live", lang))]
