"""The data version: one counter that changes whenever cases or events are written.

Cached panel data is keyed by this number (see ``queries.cache``), so a poll
that finds it unchanged is answered from the cache, and a write makes every
panel read fresh data on its next poll — no cache entry is ever stale.

Writers call :func:`bump_version` inside the same transaction as their write,
so that a reader never sees the new version with the old rows (or the other
way round on PostgreSQL; on SQLite the single writer serialises it anyway).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, bindparam, select, update
from sqlalchemy.engine import Engine

from queries import db
from queries.schema import data_version

VERSION_ROW = 1


# Built once: every poll reads and every write bumps, and building a statement
# costs more than running it on SQLite (~0.25 ms a write, a quarter of a
# single-event transaction's budget).
_READ = select(data_version.c.version).where(data_version.c.id == VERSION_ROW)
_BUMP = (update(data_version).where(data_version.c.id == VERSION_ROW)
         .values(version=data_version.c.version + 1, changed_at=bindparam("now"))
         .returning(data_version.c.version))


def version_statement():
    """The one primary-key read behind :func:`current_version`."""
    return _READ


def read_version(conn: Connection) -> int:
    """The data version seen by ``conn`` (0 when the row is missing: an unmigrated database)."""
    value = conn.execute(version_statement()).scalar()
    return int(value) if value is not None else 0


def current_version(engine: Engine | None = None) -> int:
    """The data version of ``engine`` (default: the configured database)."""
    engine = engine if engine is not None else db.current()
    with engine.connect() as conn:
        return read_version(conn)


def bump_version(conn: Connection, now: datetime) -> int:
    """Increase the version inside the caller's write transaction; return the new value.

    ``version = version + 1`` in SQL (not read-then-write in Python), so two
    concurrent writers on PostgreSQL cannot both write the same number.
    """
    bumped = conn.execute(_BUMP, {"now": now}).scalar()
    if bumped is None:  # an unmigrated database without the row: start it as if it had been 1
        conn.execute(data_version.insert().values(id=VERSION_ROW, version=2, changed_at=now))
        return 2
    return int(bumped)
