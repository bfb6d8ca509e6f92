"""One sentence per section that states its finding in words, with the numbers.

Built from a :class:`~queries.briefing.Briefing` only, and used by the page,
the PDF and the PPTX alike: the sentence an official reads on the screen is
the one printed in the handout.  Every number goes through ``reports.text``.

Ranking sentences name best and worst areas among those whose rate rests on at
least ``MIN_BASIS`` cases (the map fades rates on fewer), falling back to any
area with data when none has that many.
"""
from __future__ import annotations

import pandas as pd

from queries.briefing import Briefing
from queries.taxonomy import category_label
from reports.text import (area_label, count, days, level_word, minutes, missing, norm_lang, pct, points,
                          points_text, relative_change, tr)

MIN_BASIS = 10          # the map's "few cases" threshold (dashboards.figures.MIN_N_FOR_RATE)
CLOSURE_TARGET = 0.90   # "3 townships are below 90%"


def _zh(lang: str) -> bool:
    return norm_lang(lang) == "zh"


def rate_phrase(key: str, cur, prev, lang: str) -> str:
    """``办结率上升1.8个百分点至96.4%`` / ``closure rate rose 1.8 points to 96.4%``."""
    label = tr(key, lang)
    zh = _zh(lang)
    if missing(cur):
        return f"{label}暂无数据" if zh else f"{label.lower()}: no data"
    d = points(cur, prev)
    if d is None:
        return f"{label}为{pct(cur)}" if zh else f"{label.lower()} was {pct(cur)}"
    if d == 0:
        return f"{label}{pct(cur)}，与上周持平" if zh else f"{label.lower()} unchanged at {pct(cur)}"
    if zh:
        return f"{label}{'上升' if d > 0 else '下降'}{points_text(d, lang)}至{pct(cur)}"
    return f"{label.lower()} {'rose' if d > 0 else 'fell'} {points_text(d, lang)} to {pct(cur)}"


def count_change_phrase(cur: int, prev: int, lang: str) -> str:
    """``比上周增加9.1%`` / ``up 9.1% on last week``."""
    r = relative_change(cur, prev)
    zh = _zh(lang)
    if r is None:
        return "上周为0" if zh else "none last week"
    if r == 0:
        return "与上周持平" if zh else "as many as last week"
    if zh:
        return f"比上周{'增加' if r > 0 else '减少'}{abs(r):.1f}%"
    return f"{'up' if r > 0 else 'down'} {abs(r):.1f}% on last week"


def ranked(df: pd.DataFrame, value: str, basis: str) -> pd.DataFrame:
    """Areas with a known ``value`` resting on enough cases (see the module note)."""
    known = df[df[value].notna() & (df[basis] > 0)]
    enough = known[known[basis] >= MIN_BASIS]
    return enough if len(enough) else known


def below_target(b: Briefing) -> int:
    """Child areas whose closure rate (on any basis) is below ``CLOSURE_TARGET``."""
    df = b.areas
    known = df[df["closure_rate"].notna() & (df["n_closure"] > 0)]
    return int((known["closure_rate"] < CLOSURE_TARGET).sum())


# --------------------------------------------------------------------------- sections

def kpi_finding(b: Briefing, lang: str) -> str:
    zh = _zh(lang)
    k, p = b.kpis, b.kpis_prev
    n_below = below_target(b)
    level = level_word(b.child_level, lang, plural=True)
    target = f"{CLOSURE_TARGET * 100:g}%"
    closure = rate_phrase("closure_rate", k.closure_rate, p.closure_rate, lang)
    satisfaction = rate_phrase("satisfaction_rate", k.satisfaction_rate, p.satisfaction_rate, lang)
    if zh:
        below = f"{n_below}个{level}低于{target}" if n_below else f"各{level}均不低于{target}"
        return (f"本周受理案件{count(k.received)}件，{count_change_phrase(k.received, p.received, lang)}；"
                f"{closure}，{below}；{satisfaction}。")
    below = (f"{n_below} {level if n_below != 1 else level_word(b.child_level, lang)} "
             f"{'are' if n_below != 1 else 'is'} below {target}" if n_below
             else f"no {level_word(b.child_level, lang)} is below {target}")
    return (f"{count(k.received)} cases received ({count_change_phrase(k.received, p.received, lang)}); "
            f"{closure}, {below}; {satisfaction}.")


def ranking_finding(b: Briefing, lang: str) -> str:
    zh = _zh(lang)
    df = b.areas
    closure = ranked(df, "closure_rate", "n_closure").sort_values(["closure_rate", "code"],
                                                                  ascending=[False, True])
    sat = ranked(df, "satisfaction_rate", "n_satisfaction").sort_values(["satisfaction_rate", "code"])
    resp = ranked(df, "response_mean", "n_response").sort_values(["response_mean", "code"],
                                                                 ascending=[False, True])
    if not len(closure) and not len(sat) and not len(resp):
        level = level_word(b.child_level, lang, plural=True)
        return f"本周各{level}暂无可比数据。" if zh else f"No {level} had cases to compare this week."
    parts = []
    if len(closure):
        best, worst = closure.iloc[0].to_dict(), closure.iloc[-1].to_dict()
        if zh:
            parts.append(f"办结率最高的是{area_label(best, lang)}（{pct(best['closure_rate'])}），"
                         f"最低的是{area_label(worst, lang)}（{pct(worst['closure_rate'])}）")
        else:
            parts.append(f"Closure rate was highest in {area_label(best, lang)} ({pct(best['closure_rate'])}) "
                         f"and lowest in {area_label(worst, lang)} ({pct(worst['closure_rate'])})")
    if len(sat):
        low = sat.iloc[0].to_dict()
        parts.append(f"满意率最低的是{area_label(low, lang)}（{pct(low['satisfaction_rate'])}）" if zh else
                     f"satisfaction was lowest in {area_label(low, lang)} ({pct(low['satisfaction_rate'])})")
    if len(resp):
        slow = resp.iloc[0].to_dict()
        parts.append(f"平均响应最慢的是{area_label(slow, lang)}（{minutes(slow['response_mean'], lang)}）" if zh
                     else f"the slowest mean response was in {area_label(slow, lang)} "
                          f"({minutes(slow['response_mean'], lang)})")
    text = ("；" if zh else "; ").join(parts)
    return text + ("。" if zh else ".")


def category_finding(b: Briefing, lang: str) -> str:
    zh = _zh(lang)
    df = b.categories
    if not len(df) or df["created"].sum() == 0:
        return "本周没有受理案件。" if zh else "No case was received this week."
    top = df.iloc[0]
    name = category_label(top["category"], lang)
    ch = int(top["change"])
    if zh:
        delta = "与上周持平" if ch == 0 else f"比上周{'增加' if ch > 0 else '减少'}{count(abs(ch))}件"
        first = f"案件最多的类别是{name}（{count(top['created'])}件，占{pct(top['share'])}，{delta}）"
    else:
        delta = ("as many as last week" if ch == 0
                 else f"{'up' if ch > 0 else 'down'} {count(abs(ch))} on last week")
        first = f"{name} led with {count(top['created'])} cases ({pct(top['share'])}, {delta})"
    rise = df[df["change"] > 0].sort_values(["change", "created", "category"], ascending=[False, False, True])
    if not len(rise):
        second = "没有类别比上周增加" if zh else "no category rose on last week"
    elif rise.iloc[0]["category"] == top["category"]:
        second = "也是增加最多的类别" if zh else "the largest rise of any category"
    else:
        r = rise.iloc[0]
        second = (f"增加最多的是{category_label(r['category'], lang)}（+{count(r['change'])}件）" if zh else
                  f"the largest rise was {category_label(r['category'], lang)} (+{count(r['change'])})")
    return f"{first}；{second}。" if zh else f"{first}; {second}."


def _hot_spot_names(b: Briefing, lang: str, n: int = 3) -> str:
    names = [f"{area_label(r, lang)}（{count(r['overdue'])}件）" if _zh(lang) else
             f"{area_label(r, lang)} ({count(r['overdue'])})" for r in b.hot_spots.head(n).to_dict("records")]
    return ("、" if _zh(lang) else ", ").join(names)


def map_finding(b: Briefing, lang: str) -> str:
    zh = _zh(lang)
    df = b.areas[b.areas["received"] > 0].sort_values(["received", "code"], ascending=[False, True])
    total = int(b.areas["received"].sum())
    when = ("截至目前" if zh else "now") if b.partial else ("周末" if zh else "at week end")
    if len(df):
        top = df.iloc[0].to_dict()
        share = pct(top["received"] / total) if total else "—"
        level = level_word(b.child_level, lang)
        first = (f"受理案件最多的{level}是{area_label(top, lang)}（{count(top['received'])}件，占{share}）" if zh
                 else f"Most cases came from {area_label(top, lang)} ({count(top['received'])}, {share})")
    else:
        first = "本周没有受理案件" if zh else "No case was received this week"
    bl = b.backlog
    if zh:
        second = f"{when}在办{count(bl.open)}件，其中超时{count(bl.overdue)}件"
        third = f"，超时最多的网格是{_hot_spot_names(b, lang)}" if len(b.hot_spots) else ""
        return f"{first}；{second}{third}。"
    second = (f"{count(bl.open)} cases are open now, {count(bl.overdue)} of them overdue" if b.partial else
              f"{when} {count(bl.open)} cases were open, {count(bl.overdue)} of them overdue")
    third = f", most in {_hot_spot_names(b, lang)}" if len(b.hot_spots) else ""
    return f"{first}; {second}{third}."


def longest_finding(b: Briefing, lang: str) -> str:
    zh = _zh(lang)
    df = b.longest_open
    when = ("截至目前" if zh else "now") if b.partial else ("截至周末" if zh else "at week end")
    if not len(df):
        return f"{when}没有在办案件。" if zh else f"No case was open {when}."
    top = df.iloc[0].to_dict()
    where = area_label(top, lang, "township_")
    cat = category_label(top["category"], lang)
    n_over = int(df["overdue"].sum())
    if zh:
        return (f"{when}在办时间最长的是#{top['id']}（{cat}，{where}，已{days(top['age_days'], lang)}）；"
                f"所列{len(df)}件中{n_over}件已超时。")
    return (f"Longest open {when}: #{top['id']} ({cat}, {where}, {days(top['age_days'], lang)}); "
            f"{n_over} of the {len(df)} listed are overdue.")


def trend_finding(b: Briefing, lang: str) -> str:
    zh = _zh(lang)
    df = b.satisfaction_weeks
    known = df[df["satisfaction_rate"].notna()]
    n = len(df)
    if not len(known):
        return f"近{n}周没有评价。" if zh else f"No rating was given in the last {n} weeks."
    lo, hi = known["satisfaction_rate"].min(), known["satisfaction_rate"].max()
    this = df.iloc[-1]["satisfaction_rate"]
    first = known.iloc[0]
    d = points(this, first["satisfaction_rate"])
    if zh:
        head = f"近{n}周满意率在{pct(lo)}至{pct(hi)}之间"
        now = f"本周{pct(this)}" if not missing(this) else "本周暂无评价"
        if d is None or len(known) < 2:
            return f"{head}，{now}。"
        cmp = "持平" if d == 0 else f"{'上升' if d > 0 else '下降'}{points_text(d, lang)}"
        return f"{head}，{now}，比第{int(first['week'].split('W')[1])}周{cmp}。"
    head = f"Over {n} weeks satisfaction ranged from {pct(lo)} to {pct(hi)}"
    now = f"this week {pct(this)}" if not missing(this) else "no rating this week"
    if d is None or len(known) < 2:
        return f"{head}; {now}."
    cmp = "unchanged" if d == 0 else f"{'up' if d > 0 else 'down'} {points_text(d, lang)}"
    return f"{head}; {now}, {cmp} on week {int(first['week'].split('W')[1])}."


def party_finding(b: Briefing, lang: str) -> str:
    zh = _zh(lang)
    s, p = b.party, b.party_prev
    rate = rate_phrase("attendance_rate", s.attendance_rate, p.attendance_rate, lang)
    low = ranked(b.areas, "attendance_rate", "n_attendance").sort_values(["attendance_rate", "code"])
    if zh:
        head = f"本周开展学习{count(s.sessions)}场、应到{count(s.expected)}人次；{rate}"
        tail = f"；最低的是{area_label(low.iloc[0].to_dict(), lang)}（{pct(low.iloc[0]['attendance_rate'])}）" \
            if len(low) else ""
        return head + tail + "。"
    head = f"{count(s.sessions)} study sessions were held with {count(s.expected)} members called; {rate}"
    tail = f"; lowest in {area_label(low.iloc[0].to_dict(), lang)} ({pct(low.iloc[0]['attendance_rate'])})" \
        if len(low) else ""
    return head + tail + "."


FINDINGS = {
    "kpis": kpi_finding,
    "ranking": ranking_finding,
    "categories": category_finding,
    "map": map_finding,
    "longest": longest_finding,
    "trend": trend_finding,
    "party": party_finding,
}


def findings(b: Briefing, lang: str) -> dict[str, str]:
    """The sentence of every section, keyed like ``reports.content.SECTIONS``."""
    return {key: fn(b, norm_lang(lang)) for key, fn in FINDINGS.items()}
