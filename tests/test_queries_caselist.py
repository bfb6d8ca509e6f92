"""Case lists behind the numbers, and case trails (fixture: tests/fixture_city.py), on both backends.

Each list count below equals the panel number it opens (see test_queries_cases.py).
"""
from __future__ import annotations

from datetime import datetime

import pytest

from queries.caselist import LIST_COLUMNS, case_list, case_list_statements, case_trail
from queries.guard import NotFound
from queries.scope import Scope
from queries.window import Window
from tests.fixture_city import NOW, PROP, T2, city_db  # noqa: F401

CITY = Scope.city()
W7 = Window.last_days(7, NOW)


def ids(filter, scope=CITY, sort="id", desc=False, page=0, page_size=50):
    df, total = case_list(scope, W7, filter, sort, desc, page, page_size, now=NOW)
    return df["id"].tolist(), total


def test_received_paged_by_newest(city_db):
    df, total = case_list(CITY, W7, "received_in_window", "created_at", True, 0, 5, now=NOW)
    assert list(df.columns) == LIST_COLUMNS
    assert total == 15
    # newest first: 16 (20 09:30), 2 (09:00), 17 (08:30), 1 (08:00), 9 (00:00)
    assert df["id"].tolist() == [16, 2, 17, 1, 9]
    # then 10 (19 23:59:59), 3 (19 14:00), 20 (19 11:00), 13 (19 08:00), 18 (18 15:00)
    assert ids("received_in_window", sort="created_at", desc=True, page=1, page_size=5)[0] == [10, 3, 20, 13, 18]
    # and 4 (18 10:00), 11 (17), 12 (16), 5 (15), 6 (14 00:00)
    assert ids("received_in_window", sort="created_at", desc=True, page=2, page_size=5)[0] == [4, 11, 12, 5, 6]
    assert ids("received_in_window", page=3, page_size=5) == ([], 15)


def test_filters_match_the_panels(city_db):
    assert ids("node:closed") == ([4, 5, 6, 11, 12, 20], 6)
    assert ids("node:received") == ([2, 10, 16], 3)
    assert ids("escalated") == ([3, 6, 13], 3)
    assert ids("closed_in_window") == ([4, 5, 6, 7, 11, 12, 14, 19, 20], 9)
    assert ids(f"category:{PROP}") == ([3, 6, 13, 17], 4)
    assert ids("dissatisfied") == ([6, 14], 2)
    assert ids("open_now") == ([1, 2, 3, 8, 9, 10, 13, 16, 17, 18], 10)
    assert ids("overdue_now") == ([8, 13], 2)
    assert ids("reminder_due") == ([2, 16], 2)
    assert ids("open_now", scope=Scope.township(T2)) == ([13, 16], 2)


def test_sort_by_deadline(city_db):
    # open cases by deadline: 8 (13 09:00), 13 (20 08:00), 18 (21 15:00), 3 (22 14:00), 10 (22 23:59:59),
    # 9 (23 00:00), 1 (23 08:00), 17 (23 08:30), 2 (23 09:00), 16 (23 09:30)
    assert ids("open_now", sort="deadline")[0] == [8, 13, 18, 3, 10, 9, 1, 17, 2, 16]


def test_bad_inputs_are_refused(city_db):
    with pytest.raises(ValueError):
        case_list(CITY, W7, "received_in_window", "title; DROP TABLE case", True, 0, 10)
    with pytest.raises(ValueError):
        case_list(CITY, W7, "node:nowhere", "id", True, 0, 10)
    with pytest.raises(ValueError):
        case_list(CITY, W7, "received_in_window", "id", True, 0, 10_000)


def test_sort_and_values_are_bound_not_inlined():
    page, count = case_list_statements(CITY, W7, f"category:{PROP}", "deadline", True, 2, 20, NOW)
    sql = str(page)
    assert PROP not in sql and "2026" not in sql
    assert ":category_1" in sql and "ORDER BY \"case\".deadline DESC" in sql
    assert PROP not in str(count)


def test_case_trail(city_db):
    trail = case_trail(6)
    assert trail.case["id"] == 6 and trail.case["rating"] == "dissatisfied" and trail.case["level"] == "city"
    ev = trail.events
    assert list(ev.columns) == ["seq", "kind", "at", "actor", "level", "department", "note"]
    assert ev["kind"].tolist() == ["received", "claimed", "escalate", "escalate", "dispatched", "handled",
                                   "verify", "closed", "rate"]
    assert ev["level"].tolist()[2:4] == ["township", "city"]
    assert ev["at"].iloc[2] == datetime(2026, 11, 14, 0, 10)


def test_case_trail_respects_scope(city_db):
    assert case_trail(13, Scope.township(T2)).case["grid_code"].startswith(T2)
    with pytest.raises(NotFound):
        case_trail(6, Scope.township(T2))  # case 6 is in T1
    with pytest.raises(NotFound):
        case_trail(999)


def test_each_column_holds_its_own_values(city_db):
    """Columns are matched by name: a grid name never lands under deadline, a time never under grid_name."""
    from queries import db
    from queries.schema import case, grid
    from sqlalchemy import select
    df, _ = case_list(CITY, W7, "received_in_window", "id", False, 0, 50, now=NOW)
    with db.current().connect() as conn:
        truth = {r.id: r for r in conn.execute(
            select(case.c.id, case.c.deadline, case.c.grid_code, grid.c.name.label("grid_name"))
            .join(grid, grid.c.code == case.c.grid_code))}
    for row in df.to_dict("records"):
        assert row["deadline"] == truth[row["id"]].deadline
        assert row["grid_code"] == truth[row["id"]].grid_code
        assert row["grid_name"] == truth[row["id"]].grid_name
