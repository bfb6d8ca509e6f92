"""What the briefing says, section by section, as plain strings: titles, findings, tables.

The page, the PDF and the PPTX all lay out *this*; none of them formats a
number of its own, so "the numbers in the export equal the numbers on the
page" holds by construction (and ``tests/test_briefing_exports.py`` checks it).
"""
from __future__ import annotations

from dataclasses import dataclass

from queries.briefing import Briefing
from queries.taxonomy import category_label, node_label
from reports.findings import findings
from reports.text import (area_label, count, days, minutes, missing, norm_lang, pct, points, points_text,
                          relative_change, tr, week_label)

SECTIONS = ("kpis", "ranking", "categories", "map", "longest", "trend", "party")
UP, DOWN, FLAT = "▲", "▼", "—"


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    finding: str


@dataclass(frozen=True)
class KpiRow:
    """One line of the KPI table: label, this week, last week, change (arrow + amount), tone.

    ``tone`` is ``good``, ``bad`` or ``""`` (no judgement, or no change).
    """

    key: str
    label: str
    this: str
    prev: str
    change: str
    tone: str


def section_title(key: str, b: Briefing, lang: str) -> str:
    if key == "ranking":
        return tr(f"ranking_{b.child_level}", lang)
    return tr(key, lang)


def sections(b: Briefing, lang: str) -> list[Section]:
    """Every section in order with its title and its one-sentence finding."""
    found = findings(b, lang)
    return [Section(key, section_title(key, b, lang), found[key]) for key in SECTIONS]


def cover_lines(b: Briefing, lang: str) -> dict:
    """Title page / page header: report name, area, week, as-of note."""
    lang = norm_lang(lang)
    area = area_label(b.area, lang) or tr("whole_city", lang)
    note = (f"{tr('in_progress', lang)} {b.as_of:%Y-%m-%d %H:%M}" if b.partial
            else f"{tr('generated', lang)} {b.generated_at:%Y-%m-%d %H:%M}")
    return {"title": f"{area} · {tr('report', lang)}", "area": area, "week": week_label(b.week, lang),
            "note": note}


# --------------------------------------------------------------------------- KPI table

def _tone(delta: float | None, higher_is_better: bool | None) -> str:
    if delta is None or delta == 0 or higher_is_better is None:
        return ""
    return "good" if (delta > 0) == higher_is_better else "bad"


def _arrow(delta: float | None) -> str:
    if delta is None or delta == 0:
        return FLAT
    return UP if delta > 0 else DOWN


def count_row(key: str, label: str, cur, prev, lang: str, higher_is_better: bool | None) -> KpiRow:
    r = relative_change(cur, prev)
    if r is None:
        change = FLAT if not cur else f"{UP} {'新增' if norm_lang(lang) == 'zh' else 'new'}"
        delta = None if not cur else 1.0
    else:
        change = f"{_arrow(r)} {abs(r):.1f}%"
        delta = r
    return KpiRow(key, label, count(cur), count(prev), change, _tone(delta, higher_is_better))


def rate_row(key: str, cur, prev, lang: str) -> KpiRow:
    d = points(cur, prev)
    change = FLAT if d is None else f"{_arrow(d)} {points_text(d, lang)}"
    return KpiRow(key, tr(key, lang), pct(cur), pct(prev), change, _tone(d, True))


def minutes_row(key: str, cur, prev, lang: str, prefix: str = "") -> KpiRow:
    d = None if missing(cur) or missing(prev) else float(cur) - float(prev)
    shown = round(d) if d is not None and abs(d) < 90 else d   # as minutes() prints it
    change = FLAT if d is None or shown == 0 else f"{_arrow(d)} {minutes(abs(d), lang)}"
    return KpiRow(key, tr(key, lang), prefix + minutes(cur, lang), prefix + minutes(prev, lang), change,
                  _tone(None if shown == 0 else d, False))


def kpi_rows(b: Briefing, lang: str) -> list[KpiRow]:
    """The week's figures against last week's (see ``queries.cases.Kpis`` for what each counts)."""
    lang = norm_lang(lang)
    k, p = b.kpis, b.kpis_prev
    open_key, overdue_key = (("backlog_open_now", "backlog_overdue_now") if b.partial
                             else ("backlog_open", "backlog_overdue"))
    return [
        count_row("received", tr("received", lang), k.received, p.received, lang, None),
        count_row("closed", tr("closed", lang), k.closed, p.closed, lang, True),
        rate_row("closure_rate", k.closure_rate, p.closure_rate, lang),
        rate_row("satisfaction_rate", k.satisfaction_rate, p.satisfaction_rate, lang),
        minutes_row("response_mean", k.response_mean_min, p.response_mean_min, lang),
        minutes_row("response_p90", k.response_p90_min, p.response_p90_min, lang, prefix="≈ "),
        count_row("escalations", tr("escalations", lang), k.escalations, p.escalations, lang, False),
        count_row(open_key, tr(open_key, lang), b.backlog.open, b.backlog_prev.open, lang, False),
        count_row(overdue_key, tr(overdue_key, lang), b.backlog.overdue, b.backlog_prev.overdue, lang, False),
        count_row("sessions", tr("sessions", lang), b.party.sessions, b.party_prev.sessions, lang, True),
        rate_row("attendance_rate", b.party.attendance_rate, b.party_prev.attendance_rate, lang),
    ]


def kpi_header(lang: str) -> list[str]:
    return [tr("metric", lang), tr("this_week", lang), tr("last_week", lang), tr("change", lang)]


# --------------------------------------------------------------------------- longest-open table

def longest_header(lang: str) -> list[str]:
    return [tr(k, lang) for k in ("case", "title", "category", "where", "received_at", "age", "node_now",
                                   "overdue")]


def longest_rows(b: Briefing, lang: str) -> list[list[str]]:
    """The longest-open cases as table rows (the node shown is the case's node now)."""
    lang = norm_lang(lang)
    rows = []
    for r in b.longest_open.to_dict("records"):
        where = f"{area_label(r, lang, 'township_')} · {area_label(r, lang, 'grid_')}"
        rows.append([f"#{r['id']}", r["title"], category_label(r["category"], lang), where,
                     f"{r['created_at']:%Y-%m-%d %H:%M}", days(r["age_days"], lang), node_label(r["node"], lang),
                     tr("yes" if r["overdue"] else "no", lang)])
    return rows


# --------------------------------------------------------------------------- chart data shared by page and exports

def ranking_series(b: Briefing, lang: str) -> list[dict]:
    """Per metric of the ranking: label, kind, and (name, value, text, n) of every area with data,
    best first (lower is better for response time)."""
    out = []
    for col, basis, kind, better_high in (("closure_rate", "n_closure", "rate", True),
                                          ("satisfaction_rate", "n_satisfaction", "rate", True),
                                          ("response_mean", "n_response", "minutes", False)):
        df = b.areas[b.areas[col].notna() & (b.areas[basis] > 0)]
        df = df.sort_values([col, "code"], ascending=[not better_high, True])
        rows = [{"name": area_label(r, lang), "value": float(r[col]), "n": int(r[basis]), "code": r["code"],
                 "text": pct(r[col]) if kind == "rate" else minutes(r[col], lang)} for r in df.to_dict("records")]
        out.append({"key": col, "label": tr(col, lang), "kind": kind, "rows": rows})
    return out


def category_series(b: Briefing, lang: str, top: int = 10) -> list[dict]:
    """The top categories: label, this week, last week, change text."""
    rows = []
    for r in b.categories.head(top).to_dict("records"):
        ch = int(r["change"])
        rows.append({"category": r["category"], "label": category_label(r["category"], lang),
                     "created": int(r["created"]), "created_prev": int(r["created_prev"]),
                     "share": pct(r["share"]), "change": f"{'+' if ch > 0 else ''}{ch:,}"})
    return rows


def trend_series(b: Briefing) -> list[dict]:
    """The satisfaction weeks: week key, rate (None if no rating), label, n."""
    return [{"week": r["week"], "rate": None if missing(r["satisfaction_rate"]) else float(r["satisfaction_rate"]),
             "text": pct(r["satisfaction_rate"]), "n": int(r["n"])}
            for r in b.satisfaction_weeks.to_dict("records")]


def party_series(b: Briefing, lang: str) -> list[dict]:
    """Per child area: sessions held, attendance rate and its text, by code."""
    return [{"name": area_label(r, lang), "code": r["code"], "sessions": int(r["sessions"]),
             "rate": None if missing(r["attendance_rate"]) else float(r["attendance_rate"]),
             "text": pct(r["attendance_rate"]), "n": int(r["n_attendance"])}
            for r in b.areas.to_dict("records")]


def hot_spot_rows(b: Briefing, lang: str) -> list[dict]:
    return [{"code": r["code"], "name": area_label(r, lang), "where": area_label(r, lang, "township_"),
             "overdue": int(r["overdue"]), "open": int(r["open"]), "lon": r["lon"], "lat": r["lat"],
             "text": f"{area_label(r, lang)}: {count(r['overdue'])}"} for r in b.hot_spots.to_dict("records")]
