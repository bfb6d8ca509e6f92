"""Time limits for panel queries, and the errors a panel can show.

A wall screen must never hang on a query: every panel read runs on a
connection from :func:`limited_connection`, which cancels it after
``query_timeout_ms`` (setting, default 3000) and raises :class:`QueryTimeout`.

* SQLite has no statement timeout; a progress handler installed on the raw
  ``sqlite3`` connection is called every few thousand VM instructions and
  aborts the statement once the deadline has passed.
* PostgreSQL gets ``SET LOCAL statement_timeout``, written as
  ``set_config('statement_timeout', :ms, true)`` so that the value is a bound
  parameter; ``LOCAL`` ends with the transaction, which ends with the
  connection's checkout, so the pool never hands out a limited connection.
"""
from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import Connection, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from config import BY_NAME
from queries import db

DEFAULT_TIMEOUT_MS = int(BY_NAME["query_timeout_ms"].default)
# SQLite VM instructions between two looks at the clock: ~1 ms of work, so the
# check costs about 1 % and a limit overshoots by about a millisecond.
PROGRESS_STEPS = 10_000
PG_QUERY_CANCELED = "57014"


class PanelError(Exception):
    """A panel cannot show its data; the message says why, for the operator."""


class QueryTimeout(PanelError):
    """The query ran past the time limit and was cancelled."""


class UnknownScope(PanelError):
    """The township, village or grid of the view does not exist."""


class NotFound(PanelError):
    """The case or layer asked for does not exist (or is outside the viewer's scope)."""


_settings = {"timeout_ms": DEFAULT_TIMEOUT_MS}


def set_query_timeout(ms: int) -> None:
    """Set the process-wide limit (app start-up passes ``config.query_timeout_ms``)."""
    if int(ms) <= 0:
        raise ValueError("query_timeout_ms must be positive")
    _settings["timeout_ms"] = int(ms)


def query_timeout_ms() -> int:
    return _settings["timeout_ms"]


@contextmanager
def _sqlite_limit(conn: Connection, ms: int) -> Iterator[None]:
    raw = conn.connection.dbapi_connection
    deadline = time.monotonic() + ms / 1000.0
    fired: list[bool] = []

    def progress() -> int:
        # a non-zero return makes SQLite abort the running statement ("interrupted")
        if time.monotonic() > deadline:
            fired.append(True)
            return 1
        return 0

    raw.set_progress_handler(progress, PROGRESS_STEPS)
    try:
        yield
    except DBAPIError as exc:
        if fired:
            raise QueryTimeout(f"query cancelled after {ms} ms") from exc
        raise
    finally:
        raw.set_progress_handler(None, 0)


@contextmanager
def _postgresql_limit(conn: Connection, ms: int) -> Iterator[None]:
    conn.execute(select(func.set_config("statement_timeout", str(ms), True)))
    try:
        yield
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) == PG_QUERY_CANCELED:
            raise QueryTimeout(f"query cancelled after {ms} ms") from exc
        raise


@contextmanager
def time_limit(conn: Connection, timeout_ms: int | None = None) -> Iterator[Connection]:
    """Cancel statements run on ``conn`` inside this block after ``timeout_ms`` (all together)."""
    ms = int(timeout_ms if timeout_ms is not None else query_timeout_ms())
    dialect = conn.dialect.name
    if dialect == "sqlite":
        limiter = _sqlite_limit(conn, ms)
    elif dialect == "postgresql":
        limiter = _postgresql_limit(conn, ms)
    else:  # pragma: no cover - only the two supported backends reach here
        raise PanelError(f"no time limit available for {dialect}")
    with limiter:
        yield conn


@contextmanager
def limited_connection(engine: Engine | None = None, timeout_ms: int | None = None) -> Iterator[Connection]:
    """A read connection of the configured database with the time limit applied."""
    engine = engine if engine is not None else db.current()
    with engine.connect() as conn, time_limit(conn, timeout_ms):
        yield conn
