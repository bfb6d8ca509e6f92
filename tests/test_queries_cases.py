"""Case panels against the hand-made fixture city (tests/fixture_city.py), on both backends.

W7 is the 7 days 2026-11-14 .. 2026-11-20.  The cases received in W7 are
1, 2, 3, 4, 5, 6, 9, 10, 11, 12, 13, 16, 17, 18, 20 (15): case 7 was received
one second before W7 (13 23:59:59), 8, 14, 15 and 19 earlier.
"""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from queries.cases import (Kpis, NodeCounts, OpenNow, category_ranking, children_ranking, kpis, node_counts,
                           open_now, percentile_from_histogram, trend)
from queries.scope import Scope
from queries.window import Window
from tests.fixture_city import G1, G4, G5, MUNI, NOW, PROP, T1, T2, V1, V2, V3, ENV, city_db  # noqa: F401

CITY = Scope.city()
W7 = Window.last_days(7, NOW)
TODAY = Window.today(NOW)


def test_node_counts_city(city_db):
    # received in W7 and now at: received 2, 10, 16; claimed 1, 9, 17; dispatched 3, 13; handled 18;
    # closed 4, 5, 6, 11, 12, 20; escalated at least once: 3, 6, 13
    assert node_counts(CITY, W7) == NodeCounts(received=3, claimed=3, dispatched=2, handled=1, closed=6,
                                               escalated=3, total=15)


def test_node_counts_township_and_grid(city_db):
    # T1 holds G1-G3: all of W7's 15 but 13 and 16 (G4) -> 13
    assert node_counts(Scope.township(T1), W7) == NodeCounts(2, 3, 1, 1, 6, 2, 13)
    # T2: 13 dispatched (escalated once), 16 received
    assert node_counts(Scope.township(T2), W7) == NodeCounts(1, 0, 1, 0, 0, 1, 2)
    # G1: 2 received, 1 claimed, 3 dispatched (escalated), 4 and 5 closed
    assert node_counts(Scope.grid(G1), W7) == NodeCounts(1, 1, 1, 0, 2, 1, 5)
    assert NodeCounts(1, 1, 1, 0, 2, 1, 5).by_node()[4] == ("closed", 2)


def test_node_counts_empty_grid_is_zeros(city_db):
    assert node_counts(Scope.grid(G5), W7) == NodeCounts(0, 0, 0, 0, 0, 0, 0)


def test_window_boundaries_are_half_open(city_db):
    # today: 9 (received 20 00:00:00, on the start) counts; 10 (19 23:59:59) does not.
    # today's cases: 1, 2, 9, 16, 17 -> received 2 and 16, claimed 1, 9 and 17
    assert node_counts(CITY, TODAY) == NodeCounts(2, 3, 0, 0, 0, 0, 5)
    # 14 .. 19: the end (20 00:00) excludes 9 and includes 10; the start includes 6, excludes 7
    # -> 3, 4, 5, 6, 10, 11, 12, 13, 18, 20
    assert node_counts(CITY, Window.custom(date(2026, 11, 14), date(2026, 11, 19))).total == 10
    # the single day 13 holds only case 7 (23:59:59)
    assert node_counts(CITY, Window.custom(date(2026, 11, 13), date(2026, 11, 13))).total == 1


def test_open_now(city_db):
    # open: 1, 2, 3, 8, 9, 10, 13, 16, 17, 18; past deadline: 8 (13 09:00) and 13 (20 08:00);
    # unclaimed past response_due: 2 (09:30) and 16 (09:45); 10 is due only at 11:59:59
    assert open_now(CITY, NOW) == OpenNow(open=10, overdue=2, reminder_due=2, at=NOW)
    # T1: 1, 2, 3, 8, 9, 10, 17, 18 open; 8 overdue; 2 reminder due
    assert open_now(Scope.township(T1), NOW) == OpenNow(8, 1, 1, NOW)
    # T2: 13 and 16
    assert open_now(Scope.township(T2), NOW) == OpenNow(2, 1, 1, NOW)
    assert open_now(Scope.grid(G5), NOW) == OpenNow(0, 0, 0, NOW)


def test_open_now_moves_with_the_clock(city_db):
    # at 09:40 case 16 (due 09:45) is not yet reminder-due, and `now` is kept to the minute
    got = open_now(CITY, NOW.replace(hour=9, minute=40, second=31))
    assert (got.reminder_due, got.at) == (1, NOW.replace(hour=9, minute=40))


def test_trend_has_every_day(city_db):
    df = trend(CITY, W7)
    assert list(df.columns) == ["day", "new", "closed"]
    assert [d.date() for d in df["day"]] == W7.each_day()
    # new by received day: 14: 6 | 15: 5 | 16: 12 | 17: 11 | 18: 4, 18 | 19: 3, 10, 13, 20 | 20: 1, 2, 9, 16, 17
    assert df["new"].tolist() == [1, 1, 1, 1, 2, 4, 5]
    # closed by closing day: 14: 6, 14 | 15: 7 | 16: 5 | 17: - | 18: 11, 19 | 19: 4, 20 | 20: 12
    assert df["closed"].tolist() == [2, 1, 1, 0, 2, 2, 1]


def test_trend_of_empty_grid_is_zeros(city_db):
    df = trend(Scope.grid(G5), W7)
    assert len(df) == 7 and df["new"].sum() == 0 and df["closed"].sum() == 0


def test_kpis_city(city_db):
    k = kpis(CITY, W7)
    # 15 received in W7, of them closed 4, 5, 6, 11, 12, 20
    assert (k.received, k.closed_of_received, k.n_closure) == (15, 6, 15)
    assert k.closure_rate == pytest.approx(6 / 15)
    # closed in W7 whenever received: 4, 5, 6, 7, 11, 12, 14, 19, 20 (15 closed on 2 Nov)
    assert k.closed == 9
    # rated in W7: satisfied 4, 7, 11, 12; basically 5, 19; dissatisfied 6, 14 (15 rated on 2 Nov)
    assert (k.rated, k.satisfied, k.basically_satisfied, k.dissatisfied) == (8, 4, 2, 2)
    assert k.satisfaction_rate == pytest.approx(6 / 8) and k.n_satisfaction == 8
    # claims in W7 (minutes): 1:10 3:20 4:40 5:90 6:5 7:30 (claimed 14 00:29:59) 9:15 11:25 12:200 13:45
    # 17:3 18:12 20:30 -> 13 claims, 525 minutes
    assert (k.claimed, k.n_response) == (13, 13)
    assert k.response_mean_min == pytest.approx(525 / 13)
    # buckets (upper bound: n): 5:2 10:1 15:2 20:1 30:3 45:2 60:0 90:1 ... 240:1; rank 0.9 * 13 = 11.7
    # falls in (60, 90] after 11 claims: 60 + (11.7 - 11) / 1 * 30 = 81
    assert k.response_p90_min == pytest.approx(81.0) and k.p90_is_estimate is True
    # escalation events in W7: 3 (19 14:25), 6 (14 00:10 and 00:15), 13 (19 08:50)
    assert k.escalations == 4


def test_kpis_grid_reads_cases_for_p90(city_db):
    k = kpis(Scope.grid(G1), W7)
    # G1 received 1-5 in W7, closed 4 and 5; closed in W7: 4, 5, 19
    assert (k.received, k.closed_of_received, k.closed) == (5, 2, 3)
    # rated in W7: 4 satisfied, 5 and 19 basically
    assert (k.rated, k.satisfied, k.basically_satisfied, k.satisfaction_rate) == (3, 1, 2, 1.0)
    # claims 1:10 3:20 4:40 5:90 -> mean 40; rank 3.6 falls in (60, 90] after 3: 60 + 0.6 * 30 = 78
    assert (k.claimed, k.response_mean_min) == (4, pytest.approx(40.0))
    assert k.response_p90_min == pytest.approx(78.0)


def test_kpis_zero_rate_is_not_none(city_db):
    k = kpis(Scope.township(T2), W7)
    # T2 received 13 and 16, neither closed: rate 0 of n = 2 (a known zero, not unknown)
    assert (k.closure_rate, k.n_closure) == (0.0, 2)
    # rated in W7: 14 dissatisfied -> 0 of 1; claims: 13 (45 min), one in bucket (30, 45]: 30 + 0.9 * 15
    assert (k.satisfaction_rate, k.n_satisfaction) == (0.0, 1)
    assert (k.response_mean_min, k.response_p90_min) == (pytest.approx(45.0), pytest.approx(43.5))


def test_kpis_empty_grid_rates_are_none(city_db):
    k = kpis(Scope.grid(G5), W7)
    assert isinstance(k, Kpis)
    assert (k.received, k.closed, k.rated, k.claimed) == (0, 0, 0, 0)
    assert (k.closure_rate, k.satisfaction_rate, k.response_mean_min, k.response_p90_min) == (None,) * 4


def test_percentile_from_histogram():
    assert percentile_from_histogram({}) is None
    # 10 values in (30, 45]: rank 9 -> 30 + 9/10 * 15
    assert percentile_from_histogram({45: 10}) == pytest.approx(43.5)
    # the open last bucket reports its lower bound
    assert percentile_from_histogram({10 ** 7: 5}) == 10080.0


def test_category_ranking_city(city_db):
    df = category_ranking(CITY, W7)
    assert list(df.columns) == ["category", "created", "closed", "share"]
    # received in W7: env 1, 2, 4, 11, 12, 18, 20 (7); prop 3, 6, 13, 17 (4); muni 5, 9, 10, 16 (4)
    # closed in W7: env 4, 11, 12, 20 (4); prop 6, 7, 14 (3); muni 5, 19 (2); prop before muni on closed
    assert df[["category", "created", "closed"]].values.tolist() == [[ENV, 7, 4], [PROP, 4, 3], [MUNI, 4, 2]]
    assert df["share"].tolist() == pytest.approx([7 / 15, 4 / 15, 4 / 15])


def test_category_ranking_grid_reads_cases(city_db):
    df = category_ranking(Scope.grid(G1), W7)
    # G1 received env 1, 2, 4; prop 3; muni 5 -- closed in W7: env 4; muni 5 and 19 (received 8 Nov)
    assert df[["category", "created", "closed"]].values.tolist() == [[ENV, 3, 1], [MUNI, 1, 2], [PROP, 1, 0]]
    assert category_ranking(Scope.grid(G5), W7).empty


def test_children_ranking_townships(city_db):
    df = children_ranking(CITY, W7, "received")
    assert list(df.columns) == ["code", "name", "name_en", "value", "n", "basis"]
    # T1: 13, T2: 2 (see test_node_counts_township_and_grid)
    assert df[["code", "value", "n"]].values.tolist() == [[T1, 13, 13], [T2, 2, 2]]
    assert df["name"].tolist() == ["钢都街道", "青花街道"]


def test_children_ranking_order_follows_value(city_db):
    # mean response: T1 claims are all 13 of the city's but case 13 -> (525 - 45) / 12 = 40;
    # T2 has only case 13: 45 -> T2 ranks first
    df = children_ranking(CITY, W7, "response_mean")
    assert df["code"].tolist() == [T2, T1]
    assert df["value"].tolist() == pytest.approx([45.0, 40.0]) and df["n"].tolist() == [1, 12]
    # villages of T1: V1 claims 1:10 3:20 4:40 5:90 6:5 7:30 18:12 (207 / 7), V2 9:15 11:25 12:200 17:3 20:30
    df = children_ranking(Scope.township(T1), W7, "response_mean")
    assert df["code"].tolist() == [V2, V1]
    assert df["value"].tolist() == pytest.approx([273 / 5, 207 / 7])


def test_children_ranking_rates_and_now_metrics(city_db):
    # closure: T1 6 of 13 (4, 5, 6, 11, 12, 20), T2 0 of 2
    df = children_ranking(CITY, W7, "closure_rate")
    assert df[["code", "n"]].values.tolist() == [[T1, 13], [T2, 2]]
    assert df["value"].tolist() == pytest.approx([6 / 13, 0.0])
    # satisfaction: T1 rated 4, 5, 6, 7, 11, 12, 19 with 6 good; T2 rated 14 (dissatisfied)
    df = children_ranking(CITY, W7, "satisfaction_rate")
    assert df["value"].tolist() == pytest.approx([6 / 7, 0.0]) and df["n"].tolist() == [7, 1]
    # open now: T1 8, T2 2; overdue: 1 each -> tie broken by code
    assert children_ranking(CITY, W7, "open", now=NOW)["value"].tolist() == [8, 2]
    df = children_ranking(CITY, W7, "overdue", now=NOW)
    assert df[["code", "value"]].values.tolist() == [[T1, 1], [T2, 1]]


def test_children_ranking_lists_children_without_data(city_db):
    # grids of V3: G4 received 13 and 16 (none closed: rate 0 of 2); G5 nothing: unknown, listed last
    df = children_ranking(Scope.village(V3), W7, "closure_rate")
    assert df["code"].tolist() == [G4, G5]
    assert df["value"].iloc[0] == 0.0 and pd.isna(df["value"].iloc[1])
    assert df["n"].tolist() == [2, 0]
    df = children_ranking(Scope.village(V3), W7, "received")
    assert df[["code", "value", "n"]].values.tolist() == [[G4, 2, 2], [G5, 0, 0]]


def test_children_ranking_attendance(city_db):
    # sessions starting in W7 by township: T1 s1 (2 of 3), s3 (2 of 2), s4 (1 of 1), s7 (1 of 2) -> 6 of 8;
    # T2 s2 (2 of 3), s6 (no rows yet) -> 2 of 3
    df = children_ranking(CITY, W7, "attendance_rate")
    assert df["code"].tolist() == [T1, T2]
    assert df["value"].tolist() == pytest.approx([6 / 8, 2 / 3]) and df["n"].tolist() == [8, 3]


def test_children_ranking_of_a_grid_is_empty(city_db):
    assert children_ranking(Scope.grid(G1), W7, "received").empty


def test_unknown_metric_is_refused(city_db):
    with pytest.raises(ValueError):
        children_ranking(CITY, W7, "created; DROP TABLE case")
