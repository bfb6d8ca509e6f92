"""Party panels against the fixture city (tests/fixture_city.py), on both backends.

W7 (14 .. 20 Nov) holds sessions s1, s2, s3, s4, s6, s7; s5 (13 Nov) and s8 (10 Nov) are before it.
"""
from __future__ import annotations

import pytest

from queries.party import PartySummary, live_sessions, party_summary, sessions_today
from queries.scope import Scope
from queries.window import Window
from tests.fixture_city import G1, G2, NOW, T1, T2, city_db  # noqa: F401

CITY = Scope.city()
W7 = Window.last_days(7, NOW)


def test_party_summary_city(city_db):
    s = party_summary(CITY, W7)
    assert s.orgs == {"committee": 2, "general_branch": 1, "branch": 2, "group": 2}
    assert s.members == 12
    # expected: s1 3 + s2 3 + s3 2 + s4 1 + s6 1 + s7 2
    assert (s.sessions, s.expected) == (6, 12)
    # rows: s1 3, s2 3, s3 2, s4 1, s6 0, s7 2 = 11; present 2 + 2 + 2 + 1 + 0 + 1 = 8
    assert (s.present, s.attendance_rows, s.n) == (8, 11, 11)
    assert s.attendance_rate == pytest.approx(8 / 11)


def test_party_summary_township(city_db):
    s = party_summary(Scope.township(T1), W7)
    # C1, GB1, B1, GR1; members m1-m7 and m12
    assert s.orgs == {"committee": 1, "general_branch": 1, "branch": 1, "group": 1}
    assert s.members == 8
    # s1, s3, s4, s7: expected 3 + 2 + 1 + 2; present 2 + 2 + 1 + 1 of 3 + 2 + 1 + 2 rows
    assert (s.sessions, s.expected, s.present, s.attendance_rows) == (4, 8, 6, 8)
    assert s.attendance_rate == pytest.approx(0.75)
    assert party_summary(Scope.township(T2), W7).members == 4  # m8-m11


def test_party_summary_grid(city_db):
    # G1's group GR1: m1-m3; s1 in W7 (s8 before it)
    s = party_summary(Scope.grid(G1), W7)
    assert s.orgs["group"] == 1 and s.members == 3
    assert (s.sessions, s.present, s.attendance_rows) == (1, 2, 3)


def test_party_summary_of_grid_without_group_is_empty(city_db):
    s = party_summary(Scope.grid(G2), W7)
    assert s == PartySummary(orgs={"committee": 0, "general_branch": 0, "branch": 0, "group": 0})
    assert s.attendance_rate is None


def test_live_sessions(city_db):
    df = live_sessions(CITY, NOW)
    # at 10:00: s1 (09:00-11:00) and s2 (09:30-10:30); s7 ended at 09:00, s6 starts at 14:00
    assert df["id"].tolist() == [1, 2]
    assert df["present"].tolist() == [2, 2] and df["expected"].tolist() == [3, 3]
    assert df["org_name"].tolist() == ["富丽社区第1网格党小组", "东风村党支部"]
    assert df["township_name"].tolist() == ["钢都街道", "青花街道"]
    assert df["online"].tolist() == [False, True]
    assert live_sessions(Scope.township(T1), NOW)["id"].tolist() == [1]
    assert live_sessions(Scope.grid(G1), NOW)["id"].tolist() == [1]
    assert live_sessions(Scope.grid(G2), NOW).empty


def test_live_session_ends_half_open(city_db):
    # at 10:30 s2 (ends 10:30) is over
    assert live_sessions(CITY, NOW.replace(minute=30))["id"].tolist() == [1]


def test_sessions_today(city_db):
    df = sessions_today(CITY, NOW)
    # starting on 20 Nov by start time: s7 08:00, s1 09:00, s2 09:30, s6 14:00
    assert df["id"].tolist() == [7, 1, 2, 6]
    assert df["status"].tolist() == ["ended", "live", "live", "upcoming"]
