"""The wall's case state at a past minute, against the hand-made fixture city, on both backends.

Times are November 2026 (see tests/fixture_city.py).  Closures that matter:
4 at 19 16:00, 20 at 19 17:00, 12 at 20 09:00 (deadline 19 09:00), 19 at 18 10:00,
11 at 18 09:00; still open now: 1, 2, 3, 8 (deadline 13 09:00), 9, 10, 13 (deadline 20 08:00), 16, 17, 18.
"""
from __future__ import annotations

from datetime import datetime

from queries.cases import kpis, open_now
from queries.scope import Scope
from queries.wall import CaseState, closed_since_statement, state_at, still_open_statement, yesterday
from queries.window import Window
from tests.fixture_city import G3, G5, NOW, T1, T2, city_db  # noqa: F401

CITY = Scope.city()


def t(day: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(2026, 11, day, hh, mm)


def test_state_now_agrees_with_the_command_view(city_db):
    # open now: 1, 2, 3, 8, 9, 10, 13, 16, 17, 18 (all received before 10:00); overdue 8 and 13;
    # closed today by 10:00: 12 (09:00)
    got = state_at(CITY, NOW)
    assert got == CaseState(open=10, overdue=2, closed_today=1, at=NOW)
    now = open_now(CITY, NOW)
    assert (got.open, got.overdue) == (now.open, now.overdue)
    assert got.closed_today == kpis(CITY, Window.today(NOW)).closed


def test_state_yesterday_same_time(city_db):
    # received by 19 10:00 and not closed by then: 4 (closed 19 16:00), 8, 12 (closed 20 09:00), 13, 18;
    # past deadline then: 8 (13 09:00) and 12 (19 09:00); nothing closed on the 19th before 10:00
    assert yesterday(NOW) == t(19, 10)
    assert state_at(CITY, yesterday(NOW)) == CaseState(open=5, overdue=2, closed_today=0, at=t(19, 10))


def test_state_in_the_evening_counts_the_days_closures(city_db):
    # 19 18:00: 3 (received 14:00) is open, 4 and 20 closed at 16:00 and 17:00 -> open 3, 8, 12, 13, 18
    assert state_at(CITY, t(19, 18)) == CaseState(open=5, overdue=2, closed_today=2, at=t(19, 18))


def test_a_case_closed_at_the_minute_is_closed_then(city_db):
    # 19 16:00: 4 closes exactly then (closed, and counted as closed that day); 20 (11:00 .. 17:00) is open
    assert state_at(CITY, t(19, 16)) == CaseState(open=6, overdue=2, closed_today=1, at=t(19, 16))


def test_deadline_and_receipt_boundaries(city_db):
    # 19 09:00: 12's deadline is 09:00, not yet past; 13 (received 08:00) is open -> open 4, 8, 12, 13, 18
    assert state_at(CITY, t(19, 9)) == CaseState(open=5, overdue=1, closed_today=0, at=t(19, 9))
    # 20 00:00: 9 is received exactly then and counts; 10 (19 23:59:59) too; the new day has no closures yet
    # -> 3, 8, 9, 10, 12, 13, 18
    assert state_at(CITY, t(20, 0)) == CaseState(open=7, overdue=2, closed_today=0, at=t(20, 0))
    # 19 23:59: 10 is received 59 s later and does not count -> 3, 8, 12, 13, 18; 4 and 20 closed that day
    assert state_at(CITY, t(19, 23, 59)) == CaseState(open=5, overdue=2, closed_today=2, at=t(19, 23, 59))


def test_state_is_kept_to_the_minute(city_db):
    assert state_at(CITY, datetime(2026, 11, 19, 10, 0, 42)).at == t(19, 10)


def test_state_of_townships_and_grids(city_db):
    # T1 (G1-G3) at 19 10:00: 4, 8, 12, 18 open; 8 and 12 overdue.  T2 (G4): 13, not yet overdue
    assert state_at(Scope.township(T1), t(19, 10)) == CaseState(4, 2, 0, t(19, 10))
    assert state_at(Scope.township(T2), t(19, 10)) == CaseState(1, 0, 0, t(19, 10))
    # the evening's closures are T1's: 4 (G1) and 20 (G3)
    assert state_at(Scope.township(T1), t(19, 18)).closed_today == 2
    assert state_at(Scope.township(T2), t(19, 18)).closed_today == 0
    # G3 at 19 10:00: 11 closed on the 18th, 12 open and overdue
    assert state_at(Scope.grid(G3), t(19, 10)) == CaseState(1, 1, 0, t(19, 10))
    assert state_at(Scope.grid(G5), t(19, 10)) == CaseState(0, 0, 0, t(19, 10))


def test_statements_bind_every_value():
    for stmt in (still_open_statement(Scope.township(T1), t(19, 10)),
                 closed_since_statement(Scope.township(T1), t(19, 10))):
        sql = str(stmt)
        assert T1 not in sql and "2026" not in sql
