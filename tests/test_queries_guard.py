"""Time limits: a slow query is cancelled on both backends and reported as QueryTimeout."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import bindparam, text
from sqlalchemy.exc import DBAPIError

from queries.guard import (DEFAULT_TIMEOUT_MS, PanelError, QueryTimeout, limited_connection, query_timeout_ms,
                           set_query_timeout)

# counts to a billion: minutes of work on either backend
SLOW = text("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < :n) "
            "SELECT count(*) FROM c").bindparams(bindparam("n", 10 ** 9))


def test_slow_query_is_cancelled(engine):
    started = time.monotonic()
    with pytest.raises(QueryTimeout) as info:
        with limited_connection(engine, timeout_ms=100) as conn:
            conn.execute(SLOW).scalar()
    assert isinstance(info.value, PanelError)
    assert time.monotonic() - started < 5


def test_connection_is_clean_after_a_timeout(engine):
    with pytest.raises(QueryTimeout):
        with limited_connection(engine, timeout_ms=50) as conn:
            conn.execute(SLOW).scalar()
    # the next checkout runs unlimited work normally (no leftover handler or timeout)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar() == 1
        if engine.dialect.name == "postgresql":
            assert conn.execute(text("SHOW statement_timeout")).scalar() == "0"


def test_fast_query_passes_and_other_errors_are_not_timeouts(engine):
    with limited_connection(engine, timeout_ms=2000) as conn:
        assert conn.execute(text("SELECT 41 + 1")).scalar() == 42
    with pytest.raises(DBAPIError) as info:
        with limited_connection(engine, timeout_ms=2000) as conn:
            conn.execute(text("SELECT * FROM no_such_table"))
    assert not isinstance(info.value, QueryTimeout)


def test_default_timeout_is_the_setting():
    assert query_timeout_ms() == DEFAULT_TIMEOUT_MS == 3000
    set_query_timeout(1500)
    try:
        assert query_timeout_ms() == 1500
    finally:
        set_query_timeout(DEFAULT_TIMEOUT_MS)
    with pytest.raises(ValueError):
        set_query_timeout(0)
