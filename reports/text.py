"""Words and number formats of the briefing, in Chinese and English.

One formatter per kind of number, used by the findings, the tables, the page
and both exports, so that "96.4%" is written the same way everywhere.  Rate
changes are computed from the *displayed* (rounded) percentages, so that a
reader who subtracts the two printed figures gets the printed change.
"""
from __future__ import annotations

import math

from dashboards.i18n import fmt_int, norm_lang, t

TEXT = {
    "report": ("网格化治理周报", "Weekly governance briefing"),
    "kpis": ("本周要情", "The week at a glance"),
    "ranking_township": ("乡镇（街道）排名", "Township ranking"),
    "ranking_village": ("村（社区）排名", "Village ranking"),
    "categories": ("问题类别", "Top categories"),
    "map": ("案件分布与超时热点", "Where cases concentrated"),
    "longest": ("在办时间最长的案件", "Longest-open cases"),
    "trend": ("满意率趋势（近8周）", "Satisfaction, last 8 weeks"),
    "party": ("党建学习", "Party study sessions"),
    "metric": ("指标", "Figure"),
    "this_week": ("本周", "This week"),
    "last_week": ("上周", "Last week"),
    "change": ("变化", "Change"),
    "received": ("受理案件", "Cases received"),
    "closed": ("办结案件", "Cases closed"),
    "closure_rate": ("办结率", "Closure rate"),
    "satisfaction_rate": ("满意率", "Satisfaction rate"),
    "response_mean": ("平均响应时长", "Mean response time"),
    "response_p90": ("90%响应时长（估算）", "90th pct response (est.)"),
    "escalations": ("上报次数", "Escalations"),
    "backlog_open": ("周末在办", "Open at week end"),
    "backlog_overdue": ("周末超时", "Overdue at week end"),
    "backlog_open_now": ("当前在办", "Open now"),
    "backlog_overdue_now": ("当前超时", "Overdue now"),
    "sessions": ("学习场次", "Study sessions"),
    "attendance_rate": ("学习出勤率", "Study attendance"),
    "case": ("案件", "Case"),
    "title": ("标题", "Title"),
    "category": ("类别", "Category"),
    "where": ("地点", "Where"),
    "received_at": ("受理时间", "Received"),
    "age": ("已开放", "Open for"),
    "node_now": ("当前节点", "Node now"),
    "overdue": ("超时", "Overdue"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "cases_received_map": ("本周受理案件（按网格）", "Cases received this week, by grid"),
    "hot_spots": ("超时热点网格", "Overdue hot spots"),
    "no_data": ("暂无数据", "No data"),
    "generated": ("生成时间", "Generated"),
    "in_progress": ("本周尚未结束，数据截至", "Week in progress; figures as of"),
    "closure_note": ("办结率：本周受理案件中截至生成时已办结的比例",
                     "Closure rate: share of the week's cases closed by the time of writing"),
    "township": ("乡镇", "township"),
    "townships": ("乡镇", "townships"),
    "village": ("村（社区）", "village"),
    "villages": ("村（社区）", "villages"),
    "export_pdf": ("导出 PDF", "Export PDF"),
    "export_pptx": ("导出 PPT", "Export PPTX"),
    "week": ("周", "Week"),
    "whole_city": ("全市", "Whole city"),
    "sessions_held": ("学习场次", "Sessions held"),
    "week_short": ("周", "week"),
}


def tr(key: str, lang: str) -> str:
    return t(key, lang, TEXT)


def missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def count(n) -> str:
    """``1,234``; a missing value is ``—``."""
    return fmt_int(n, "zh")


def pct_value(rate) -> float | None:
    """The percentage as displayed (one decimal), the basis of every printed change."""
    return None if missing(rate) else round(float(rate) * 100.0, 1)


def pct(rate) -> str:
    """A rate in 0..1 as ``96.4%``; unknown (no basis) as ``—``, never 0%."""
    v = pct_value(rate)
    return "—" if v is None else f"{v:.1f}%"


def points(cur, prev) -> float | None:
    """Change in percentage points between two displayed rates (None if either is unknown)."""
    a, b = pct_value(cur), pct_value(prev)
    return None if a is None or b is None else round(a - b, 1)


def points_text(d: float, lang: str) -> str:
    """``1.8个百分点`` / ``1.8 points`` (magnitude only)."""
    return f"{abs(d):.1f}个百分点" if norm_lang(lang) == "zh" else f"{abs(d):.1f} points"


def minutes(m, lang: str) -> str:
    """Minutes below 90, hours above: ``42分钟`` / ``2.1小时`` (zh), ``42 min`` / ``2.1 h`` (en)."""
    if missing(m):
        return "—"
    zh = norm_lang(lang) == "zh"
    if m < 90:
        return f"{m:.0f}分钟" if zh else f"{m:.0f} min"
    return f"{m / 60:.1f}小时" if zh else f"{m / 60:.1f} h"


def relative_change(cur, prev) -> float | None:
    """Relative change of a count in percent, one decimal; None when last week had none."""
    if missing(cur) or missing(prev) or not prev:
        return None
    return round((float(cur) - float(prev)) / float(prev) * 100.0, 1)


def days(d: float, lang: str) -> str:
    """Whole days (rounded down): ``83天`` / ``83 days``."""
    n = int(math.floor(d))
    return f"{n}天" if norm_lang(lang) == "zh" else f"{n} day{'s' if n != 1 else ''}"


def area_label(row: dict, lang: str, prefix: str = "") -> str:
    """An area's name in the language (``name`` / ``name_en`` columns, optionally prefixed)."""
    english = row.get(f"{prefix}name_en")
    if norm_lang(lang) == "en" and isinstance(english, str) and english:
        return english
    return row.get(f"{prefix}name") or ""


def week_label(week, lang: str) -> str:
    """``2026年第46周（11月9日—11月15日）`` / ``2026-W46 (9–15 Nov 2026)``."""
    mon, sun = week.monday, week.sunday
    if norm_lang(lang) == "zh":
        return f"{week.year}年第{week.week}周（{mon.month}月{mon.day}日—{sun.month}月{sun.day}日）"
    if mon.month == sun.month:
        span = f"{mon.day}–{sun.day} {sun:%b %Y}"
    else:
        span = f"{mon.day} {mon:%b} – {sun.day} {sun:%b %Y}"
    return f"{week.key} ({span})"


def level_word(level: str, lang: str, plural: bool = False) -> str:
    """``乡镇`` / ``townships`` for the children the ranking speaks of."""
    return tr(f"{level}s" if plural else level, lang)
