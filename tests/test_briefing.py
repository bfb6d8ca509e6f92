"""The weekly briefing's data and sentences against the hand-made fixture city, on both backends.

Every expectation is recomputed here in plain Python from the rows of
``tests/fixture_city.py`` (``CASES``, ``SESSIONS``), or counted by hand in the
comments: nothing is read back from the code under test.  "Now" is Friday
2026-11-20 10:00, inside ISO week 47 (16-22 November); the last full week is
week 46 (9-15 November), compared with week 45 (2-8 November).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from queries.briefing import (backlog_at, briefing_scope, load_briefing, longest_open_at, overdue_grids_at,
                              sessions_by_area)
from queries.guard import UnknownScope
from queries.scope import Scope
from queries.weeks import IsoWeek, in_progress, last_full_week, parse_week
from reports.content import kpi_rows
from reports.findings import findings
from tests.fixture_city import (CASES, ENV, G1, G2, NOW, ORGS, SESSIONS, T1, T2, V1, V2, case_rows,  # noqa: F401
                                city_db)

W45, W46, W47 = IsoWeek(2026, 45), IsoWeek(2026, 46), IsoWeek(2026, 47)
CITY = Scope.city()


# --------------------------------------------------------------------------- ISO weeks (no database)

def test_parse_week_and_the_default_last_full_week():
    assert parse_week("2026-W46", NOW) == W46
    assert (W46.window.start, W46.window.end) == (datetime(2026, 11, 9), datetime(2026, 11, 16))
    assert parse_week(None, NOW) == parse_week("", NOW) == W46 == last_full_week(NOW)
    assert parse_week("2026w46", NOW) == parse_week("2026-W46", NOW)
    # Monday 00:00 belongs to the new week: the week just ended is the last full one
    assert last_full_week(datetime(2026, 11, 16, 0, 0)) == W46
    assert last_full_week(datetime(2026, 11, 15, 23, 59)) == W45
    assert in_progress(W47, NOW) and not in_progress(W46, NOW)


@pytest.mark.parametrize("spec", ["2026-46", "W46", "2026-W", "46-2026", "2026-W4x", "last week"])
def test_malformed_weeks_are_refused(spec):
    with pytest.raises(ValueError, match="expected YYYY-Www"):
        parse_week(spec, NOW)


def test_weeks_that_do_not_exist_or_have_not_started_are_refused():
    with pytest.raises(ValueError, match="has no ISO week 53"):
        IsoWeek(2027, 53)   # 2027 starts on a Friday: 52 weeks
    with pytest.raises(ValueError, match="not started"):
        parse_week("2026-W48", NOW)
    assert parse_week("2026-W47", NOW) == W47      # the week in progress is allowed


def test_weeks_cross_the_year_boundary():
    assert IsoWeek(2026, 53).monday == date(2026, 12, 28)   # 2026 ends on a Thursday: 53 weeks
    assert IsoWeek(2027, 1).previous() == IsoWeek(2026, 53)
    assert IsoWeek.containing(date(2027, 1, 3)) == IsoWeek(2026, 53)
    assert IsoWeek(2026, 1).previous(0) == IsoWeek(2026, 1) and IsoWeek(2026, 1).key == "2026-W01"


# --------------------------------------------------------------------------- independent recomputation

def _in(t, week: IsoWeek) -> bool:
    return t is not None and week.window.start <= t < week.window.end


def recompute_kpis(week: IsoWeek, township: str | None = None) -> dict:
    """The week's KPIs from the raw case rows, the way README's "How the numbers are counted" says."""
    rows = [case_rows(spec)[0] for spec in CASES]
    if township:
        rows = [r for r in rows if r["township_code"] == township]
    received = [r for r in rows if _in(r["created_at"], week)]
    rated = [r for r in rows if _in(r["rated_at"], week)]
    claims = [r for r in rows if _in(r["claimed_at"], week)]
    good = [r for r in rated if r["rating"] in ("satisfied", "basically_satisfied")]
    esc = sum(1 for r in rows for k in range(r["escalations"])
              if _in(r["claimed_at"] + timedelta(minutes=5 * (k + 1)), week))
    return {
        "received": len(received),
        "closed_of_received": sum(1 for r in received if r["closed_at"] is not None),
        "closed": sum(1 for r in rows if _in(r["closed_at"], week)),
        "rated": len(rated),
        "satisfaction_rate": len(good) / len(rated) if rated else None,
        "closure_rate": (sum(1 for r in received if r["closed_at"] is not None) / len(received)
                         if received else None),
        "response_mean_min": (sum((r["claimed_at"] - r["created_at"]).total_seconds() / 60 for r in claims)
                              / len(claims) if claims else None),
        "escalations": esc,
    }


def _pct(rate) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


@pytest.mark.parametrize("week", [W46, W47], ids=["last-full-week", "week-in-progress"])
def test_week_over_week_kpis_match_a_recomputation_from_the_cases(city_db, week):
    b = load_briefing(CITY, week, NOW)
    assert (b.week, b.previous) == (week, week.previous())
    for got, want in ((b.kpis, recompute_kpis(week)), (b.kpis_prev, recompute_kpis(week.previous()))):
        for name, value in want.items():
            if isinstance(value, float):
                assert getattr(got, name) == pytest.approx(value), name
            else:
                assert getattr(got, name) == value, name
    # and the table prints them with their change in points, from the printed percentages
    rows = {r.key: r for r in kpi_rows(b, "zh")}
    this, prev = recompute_kpis(week), recompute_kpis(week.previous())
    assert (rows["received"].this, rows["received"].prev) == (f"{this['received']:,}", f"{prev['received']:,}")
    assert (rows["closure_rate"].this, rows["closure_rate"].prev) == (_pct(this["closure_rate"]),
                                                                      _pct(prev["closure_rate"]))
    if this["closure_rate"] is not None and prev["closure_rate"] is not None:
        d = round(this["closure_rate"] * 100, 1) - round(prev["closure_rate"] * 100, 1)
        assert rows["closure_rate"].change == f"{'▲' if d > 0 else '▼'} {abs(d):.1f}个百分点"
        assert rows["closure_rate"].tone == ("good" if d > 0 else "bad")


def test_the_kpi_sentence_states_the_recomputed_figures(city_db):
    # week 47 so far: 13 received (1-4, 9-13, 16-18, 20) against 5 in week 46 (5-8, 14): +160.0%;
    # closed of them 4, 11, 12, 20 = 4/13 = 30.8% against 5, 6, 7, 14 = 4/5 = 80.0%: down 49.2 points
    this, prev = recompute_kpis(W47), recompute_kpis(W46)
    assert (this["received"], prev["received"]) == (13, 5)
    rise = (this["received"] - prev["received"]) / prev["received"] * 100
    d = round(this["closure_rate"] * 100, 1) - round(prev["closure_rate"] * 100, 1)
    b = load_briefing(CITY, W47, NOW)
    zh, en = findings(b, "zh")["kpis"], findings(b, "en")["kpis"]
    assert f"本周受理案件13件，比上周增加{rise:.1f}%" in zh
    assert f"办结率下降{abs(d):.1f}个百分点至{_pct(this['closure_rate'])}" in zh
    # T1 closed 4 of 11 received, T2 none of 2: both under 90%
    assert "2个乡镇低于90%" in zh
    closure = _pct(this["closure_rate"])
    assert f"closure rate fell {abs(d):.1f} points to {closure}, 2 townships are below 90%" in en


def test_backlog_hot_spots_and_longest_open_are_counted_at_the_end_of_the_week(city_db):
    end46 = W46.window.end   # Monday 16 November 00:00
    # received before then and not closed by then: 5 (closed 16 09:00), 8 (open), 19 (closed 18 10:00);
    # past deadline then: 8 (13 09:00) and 19 (11 10:00), not 5 (18 09:00)
    assert (backlog_at(CITY, end46).open, backlog_at(CITY, end46).overdue) == (3, 2)
    # at the end of week 45 only 19 (received 8 10:00) was open, its deadline still ahead
    assert (backlog_at(CITY, W45.window.end).open, backlog_at(CITY, W45.window.end).overdue) == (1, 0)
    assert backlog_at(Scope.township(T2), end46).open == 0
    hot = overdue_grids_at(CITY, end46)
    # G1: 19 overdue, 5 open; G2: 8 overdue — equal overdue, G1 has more open
    assert hot[["code", "open", "overdue"]].values.tolist() == [[G1, 2, 1], [G2, 1, 1]]
    longest = longest_open_at(CITY, end46)
    assert longest["id"].tolist() == [19, 8, 5]
    assert longest["age_days"].iloc[0] == pytest.approx(7 + 14 / 24)   # 8 Nov 10:00 to 16 Nov 00:00
    assert longest["overdue"].tolist() == [True, True, False]
    assert longest_open_at(CITY, end46, 2)["id"].tolist() == [19, 8]


def test_the_week_in_progress_counts_its_backlog_now(city_db):
    b = load_briefing(CITY, W47, NOW)
    assert b.partial and b.as_of == NOW
    # open now: 1, 2, 3, 8, 9, 10, 13, 16, 17, 18 (tests/test_queries_cases.py counts the same)
    assert (b.backlog.open, b.backlog.overdue) == (10, 2)


def test_study_sessions_per_township(city_db):
    got = sessions_by_area(CITY, W47.window).set_index("code")
    want: dict[str, list[int]] = {}
    township_of = {o[0]: o[4] for o in ORGS}
    for _sid, org, _kind, starts, _ends, _online, expected, _present in SESSIONS:
        if _in(starts, W47):
            t = want.setdefault(township_of[org], [0, 0])
            t[0] += 1
            t[1] += expected
    assert want == {T1: [4, 8], T2: [2, 4]}       # s1, s3, s4, s7 | s2, s6
    assert {c: [int(r.sessions), int(r.expected)] for c, r in got.iterrows()} == want
    # at township scope the rows are its villages: V1 holds s1 and s3 (GR1, GB1), V2 s7; s4 is the committee's
    assert sessions_by_area(Scope.township(T1), W47.window).set_index("code")["sessions"].to_dict() == \
        {V1: 2, V2: 1}


def test_categories_and_their_change(city_db):
    b = load_briefing(CITY, W47, NOW)
    rows = b.categories.set_index("category")[["created", "created_prev", "change"]].to_dict("index")
    count = {}
    for spec in CASES:
        row = case_rows(spec)[0]
        for week, col in ((W47, "created"), (W46, "created_prev")):
            if _in(row["created_at"], week):
                count.setdefault(row["category"], {"created": 0, "created_prev": 0})[col] += 1
    for cat, c in count.items():
        assert rows[cat] == {**c, "change": c["created"] - c["created_prev"]}
    # environment leads (1, 2, 4, 11, 12, 18, 20: 7 of 13 = 53.8%) and rose most (+6 on case 8 alone)
    assert b.categories["category"].tolist()[0] == ENV
    assert findings(b, "zh")["categories"] == "案件最多的类别是环境卫生（7件，占53.8%，比上周增加6件）；也是增加最多的类别。"


def test_satisfaction_trend_covers_eight_weeks(city_db):
    b = load_briefing(CITY, W47, NOW)
    weeks = b.satisfaction_weeks
    assert weeks["week"].tolist() == [W47.previous(i).key for i in range(7, -1, -1)]
    for key, rate in zip(weeks["week"], weeks["satisfaction_rate"]):
        week = IsoWeek(int(key[:4]), int(key[-2:]))
        want = recompute_kpis(week)["satisfaction_rate"]
        assert (rate is None or rate != rate) if want is None else rate == pytest.approx(want)


def test_a_township_briefing_ranks_its_villages(city_db):
    b = load_briefing(Scope.township(T1), W47, NOW)
    assert b.child_level == "village" and sorted(b.areas["code"]) == [V1, V2]
    assert b.kpis.received == recompute_kpis(W47, T1)["received"] == 11
    assert "村（社区）" in findings(b, "zh")["kpis"]


def test_briefing_scope_checks_the_township():
    with pytest.raises(ValueError):
        briefing_scope("no such code!")
    assert briefing_scope(None) == briefing_scope("") == CITY


def test_unknown_township_and_other_levels_are_refused(city_db):
    with pytest.raises(UnknownScope):
        briefing_scope("210882999")
    assert briefing_scope(T2) == Scope.township(T2)
    with pytest.raises(ValueError, match="city or a township"):
        load_briefing(Scope.village(V1), W46, NOW)
