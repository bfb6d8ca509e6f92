"""The command view's panels as plain data, drawn in the browser by assets/panels.js.

Each builder takes query results and returns a small dict with a ``kind``
(tiles, bars, hbars, lines, party, text, message) and every number already
formatted for the language, so the page shows exactly what these functions
return.  ``title`` (where given) is the card's heading.  No queries here.
"""
from __future__ import annotations

from dashboards.figures import ACCENT, GOOD, MIN_N_FOR_RATE, format_metric
from dashboards.i18n import NODE_KEYS, NODE_TEXT, fmt_int, fmt_minutes, fmt_pct, t
from queries.taxonomy import session_kind_label

BAR = "#5b8def"


def panel_message(text: str, error: bool = False) -> dict:
    """A panel that says "no data" or that it failed, in place of its chart."""
    return {"kind": "message", "text": text, "error": error}


def kpi_panel(k, now_counts, lang: str) -> dict:
    """The five tiles: open and overdue now, closure and satisfaction rates with their basis, response time.

    ``pick`` is the case list a tile opens in the drawer.
    """
    def tile(key, text, sub, pick, tone=""):
        return {"label": t(key, lang), "text": text, "sub": sub, "pick": pick, "tone": tone}

    return {"kind": "tiles", "hint": t("case_list", lang), "items": [
        tile("open", fmt_int(now_counts.open, lang), t("now_label", lang), "open_now"),
        tile("overdue", fmt_int(now_counts.overdue, lang),
             f"{t('reminder_due', lang)} {fmt_int(now_counts.reminder_due, lang)}", "overdue_now",
             "gb-bad" if now_counts.overdue else ""),
        tile("closure_rate", fmt_pct(k.closure_rate, lang),
             f"{fmt_int(k.closed_of_received, lang)} / {fmt_int(k.received, lang)}", "received_in_window"),
        tile("satisfaction_rate", fmt_pct(k.satisfaction_rate, lang),
             f"{t('basis', lang)} {fmt_int(k.rated, lang)}", "dissatisfied"),
        tile("response_mean", fmt_minutes(k.response_mean_min, lang),
             f"P90 ≈ {fmt_minutes(k.response_p90_min, lang)}", "received_in_window"),
    ]}


def node_panel(counts, open_now, lang: str) -> dict:
    """Bars of the five nodes (cases received in the window, by current node) + overdue and escalated.

    ``pick`` is the case list a bar opens in the drawer.
    """
    keys = list(NODE_KEYS) + ["overdue", "escalated"]
    values = [int(getattr(counts, k)) for k in NODE_KEYS] + [int(open_now.overdue), int(counts.escalated)]
    colors = [BAR] * 4 + [GOOD, ACCENT, "#8e24aa"]
    picks = [f"node:{k}" for k in NODE_KEYS] + ["overdue_now", "escalated"]
    return {"kind": "bars", "title": t("node_counts", lang), "items": [
        {"label": t(k, lang, NODE_TEXT), "value": v, "text": fmt_int(v, lang), "color": c, "pick": p}
        for k, v, c, p in zip(keys, values, colors, picks)]}


def trend_panel(df, lang: str) -> dict:
    """New and closed cases per day of the window, as two lines."""
    if df is None or len(df) == 0:
        return {**panel_message(t("no_data", lang)), "title": t("trend", lang)}
    days = [f"{d:%Y-%m-%d}" for d in df["day"]]

    def line(column: str, name: str, colour: str) -> dict:
        values = [int(v) for v in df[column]]
        return {"name": name, "color": colour, "values": values, "texts": [fmt_int(v, lang) for v in values]}
    return {"kind": "lines", "title": t("trend", lang), "x": days, "ticks": [d[5:] for d in days],
            "series": [line("new", t("new", lang), BAR), line("closed", t("closed_per_day", lang), GOOD)]}


def category_panel(df, labels: dict, lang: str, top: int = 11) -> dict:
    """The most frequent categories of the window, with their share of all cases."""
    title = t("categories", lang)
    if df is None or len(df) == 0 or df["created"].sum() == 0:
        return {**panel_message(t("no_data", lang)), "title": title}
    d = df.head(top)
    return {"kind": "hbars", "title": title, "items": [
        {"label": labels.get(c, c), "value": int(v), "text": f"{fmt_int(v, lang)} · {s * 100:.0f}%"}
        for c, v, s in zip(d["category"], d["created"], d["share"])]}


def ranking_panel(df, metric: dict, lang: str, links: dict, top: int = 20) -> dict:
    """Children of the scope ranked by the metric, each a link into it; low-basis rates are greyed and say n.

    ``df`` comes in the order to show (``children_ranking``); children without a value are left out.
    """
    title = t("ranking", lang)
    d = df.dropna(subset=["value"]).head(top) if df is not None else df
    if d is None or len(d) == 0:
        return {**panel_message(t("no_data", lang)), "title": title}
    is_rate = metric["kind"] == "rate"
    return {"kind": "hbars", "title": title, "items": [
        {"label": label, "value": float(v), "href": links.get(code),
         "text": format_metric(v, metric["kind"], lang) + (f"  (n = {int(n):,})" if is_rate else ""),
         "faded": bool(is_rate and n < MIN_N_FOR_RATE)}
        for code, label, v, n in zip(d["code"], d["label"], d["value"], d["n"])]}


def party_panel(summary, live: list[dict], lang: str) -> dict:
    """Organisations, members, sessions and attendance of the window, and the study sessions live now."""
    return {"kind": "party", "title": t("party", lang),
            "stats": [{"text": fmt_int(sum(summary.orgs.values()), lang), "label": t("orgs", lang)},
                      {"text": fmt_int(summary.members, lang), "label": t("members", lang)},
                      {"text": fmt_int(summary.sessions, lang), "label": t("sessions", lang)},
                      {"text": fmt_pct(summary.attendance_rate, lang), "label": t("attendance_rate", lang)}],
            "live_title": f"{t('live_now', lang)} ({len(live)})", "none": t("none_live", lang),
            "live": [{"text": f"{r['title']} · {session_kind_label(r['kind'], lang)} · {r.get('org_name', '')}",
                      "count": f"{fmt_int(r.get('present'), lang)}/{fmt_int(r.get('expected'), lang)}"}
                     for r in live]}
