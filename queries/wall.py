"""The wall screen's one number of its own: the case state at a past minute.

The wall's headline tiles say how each figure changed against yesterday.  For
the window figures (closure, satisfaction, response) that is the same panel
query over the window a day earlier (``queries.cases.kpis``).  The "now"
figures (open, overdue, closed today) are states, not sums over days: the
rollups cannot say how many cases were open at 10:30 yesterday.  This module
reads that state from ``case`` itself.

A case counts as *open at t* when it was received by t (``created_at <= t``)
and not closed by then (``closed_at`` empty or later than t); *overdue at t*
when it was also past its ``deadline`` (``deadline < t``, as in
``queries.cases.overdue_clauses``).  Two approximations, both rare: a case
reopened since t has no ``closed_at`` (the write path clears it) and counts as
open at t even if it was closed then; a deadline moved by a later escalation
is read as it is now.

The count is split in two parts that each read an index instead of every case
of the scope: the cases still open (the open-case indexes) plus the cases
closed after t (a range of the ``(closed_at, deadline)`` index).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, select

from queries.cache import panel_query
from queries.filters import flag, local_now, open_case_clauses, scope_clauses, to_minute, total
from queries.guard import limited_connection
from queries.schema import case
from queries.scope import Scope


@dataclass(frozen=True)
class CaseState:
    """Cases of a scope at the minute ``at``.

    ``open``: received by ``at`` and not closed by then; ``overdue``: of those,
    past their deadline at ``at``; ``closed_today``: closed from the local
    midnight before ``at`` up to ``at`` (both included).
    """

    open: int
    overdue: int
    closed_today: int
    at: datetime

    def as_dict(self) -> dict:
        return asdict(self)


def still_open_statement(scope: Scope, minute: datetime):
    """Of the cases open now: those received by ``minute``, and how many were past deadline then."""
    c = case
    return (select(func.count().label("open"), total(flag(c.c.deadline < minute)).label("overdue"))
            .select_from(c).where(*open_case_clauses(scope), c.c.created_at <= minute))


def closed_since_statement(scope: Scope, minute: datetime):
    """Cases closed since the midnight before ``minute``: open at ``minute`` (closed later) or closed that day by it.

    Only ``closed_at >= midnight`` is read, so the scan is the closures of the
    last day or two whatever the age of the data.
    """
    c = case
    midnight = minute.replace(hour=0, minute=0, second=0, microsecond=0)
    open_then = and_(c.c.closed_at > minute, c.c.created_at <= minute)
    return (select(total(flag(open_then)).label("open"),
                   total(flag(and_(open_then, c.c.deadline < minute))).label("overdue"),
                   total(flag(c.c.closed_at <= minute)).label("closed_today"))
            .select_from(c).where(c.c.closed_at >= midnight, *scope_clauses(c, scope)))


def state_at(scope: Scope, at: datetime | None = None) -> CaseState:
    """Open, overdue and closed-today cases of ``scope`` at ``at`` (to the minute; default: local now).

    ``state_at(scope, now - timedelta(days=1))`` is what the wall's tiles
    showed at this time yesterday.
    """
    return state_at_minute(scope, to_minute(at or local_now()))


def yesterday(now: datetime) -> datetime:
    """The same minute one day earlier (the wall's "against yesterday")."""
    return to_minute(now) - timedelta(days=1)


@panel_query
def state_at_minute(scope: Scope, minute: datetime) -> CaseState:
    """:func:`state_at` at a whole minute: the cached unit."""
    with limited_connection() as conn:
        still = conn.execute(still_open_statement(scope, minute)).one()
        since = conn.execute(closed_since_statement(scope, minute)).one()
    return CaseState(open=int(still.open) + int(since.open), overdue=int(still.overdue) + int(since.overdue),
                     closed_today=int(since.closed_today), at=minute)
