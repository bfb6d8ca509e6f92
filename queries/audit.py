"""The audit log: logins, failed logins, user and token changes, exports, denied requests.

Rows are only ever inserted.  A caller records inside its own transaction when
the audited change is a database write (so the change and its record land
together), or with :func:`record_now` for events that write nothing else
(a denied request, an export).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select
from sqlalchemy.engine import Engine

from queries.schema import audit_log

ACTIONS = ("login", "login_failed", "logout", "locked", "user_add", "user_disable", "user_enable",
           "password_reset", "token_create", "token_revoke", "export", "denied")


def record(conn: Connection, action: str, *, now: datetime, actor: str = "", target: str = "",
           detail: str | None = None, ip: str | None = None) -> None:
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    conn.execute(audit_log.insert().values(at=now, actor=actor[:96], action=action, target=target[:200],
                                           detail=detail, ip=(ip or None) and ip[:64]))


def record_now(engine: Engine, action: str, **kwargs) -> None:
    """Record in a transaction of its own."""
    with engine.begin() as conn:
        record(conn, action, **kwargs)


def recent(conn: Connection, limit: int = 100, action: str | None = None) -> list[dict]:
    stmt = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if action:
        stmt = stmt.where(audit_log.c.action == action)
    return [dict(r._mapping) for r in conn.execute(stmt)]
