"""Statement builders: every value is a bound parameter, never text in the SQL."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from queries import cases, mapdata, party
from queries.scope import Scope
from queries.window import Window

NOW = datetime(2026, 11, 20, 10, 0)
W7 = Window.last_days(7, NOW)
T = Scope.township("210882001")
G = Scope.grid("210882001001001")

BUILDERS = {
    "node_counts": lambda: cases.node_counts_statement(T, W7),
    "open_now": lambda: cases.open_now_statement(T, NOW),
    "trend": lambda: cases.trend_statement(T, W7),
    "kpi_sums": lambda: cases.kpi_sums_statement(T, W7),
    "response_histogram": lambda: cases.response_histogram_statement(T, W7),
    "grid_response": lambda: cases.grid_response_seconds_statement(G.code, W7, "sqlite"),
    "category": lambda: cases.category_statement(T, W7),
    "grid_category": lambda: cases.grid_category_statement(G.code, W7),
    "rollup_metric": lambda: mapdata.rollup_metric_statement("grid", T, W7, "closure_rate"),
    "open_metric": lambda: mapdata.open_metric_statement("village", T, "overdue", NOW),
    "sessions": lambda: party.sessions_statement(G, party.study_session.c.starts_at <= NOW),
    "attendance": lambda: party.attendance_totals_statement(G, W7),
    "village_attendance": lambda: party.village_branch_attendance_statement(G, W7),
}


@pytest.mark.parametrize("name", sorted(BUILDERS))
@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect()], ids=["sqlite", "postgresql"])
def test_no_value_is_inlined(name, dialect):
    compiled = BUILDERS[name]().compile(dialect=dialect)
    sql = str(compiled)
    for value in ("210882001", "2026-11", "closure_rate"):
        assert value not in sql, f"{value} inlined in {name}"
    params = compiled.params.values()
    assert any(v in (T.code, G.code) or v in (W7.start, W7.start_day, NOW) for v in params), params


def test_scope_and_window_read_as_bound_parameters():
    sql = str(cases.node_counts_statement(T, W7))
    assert "case_day.township_code = :township_code_1" in sql
    assert "case_day.day >= :day_1 AND case_day.day < :day_2" in sql
    assert "township_code" not in str(cases.node_counts_statement(Scope.city(), W7))  # the city: no scope filter
