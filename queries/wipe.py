"""Empty every data table (used by ``gridboard seed --force``) inside the caller's transaction.

Accounts, API tokens and the audit log are not city data: replacing the city
keeps them (a reseeded demo must not lock its users out or erase the record
of who did what).
"""
from __future__ import annotations

from sqlalchemy import Connection, delete

from queries.schema import api_token, app_user, audit_log, data_version, metadata

KEPT = (data_version, app_user, api_token, audit_log)


def wipe_all(conn: Connection) -> None:
    """Delete all city data, children before parents; keep the data-version row, accounts, tokens and audit log."""
    for table in reversed(metadata.sorted_tables):
        if table not in KEPT:
            conn.execute(delete(table))
