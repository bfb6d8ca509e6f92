"""Empty every data table (used by ``gridboard seed --force``) inside the caller's transaction."""
from __future__ import annotations

from sqlalchemy import Connection, delete

from queries.schema import data_version, metadata


def wipe_all(conn: Connection) -> None:
    """Delete all rows, children before parents; the data-version row is kept."""
    for table in reversed(metadata.sorted_tables):
        if table is not data_version:
            conn.execute(delete(table))
