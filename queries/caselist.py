"""The cases behind a number: paged case lists and the trail of one case.

Every filter reproduces exactly the count of a panel, so that opening a number
lists that many cases:

==================== =========================================================
filter               cases listed (and the panel number they match)
==================== =========================================================
received_in_window   received in the window (``NodeCounts.total``, ``Kpis.received``)
node:<node>          received in the window and now at <node> (``NodeCounts.<node>``)
escalated            received in the window and escalated at least once (``NodeCounts.escalated``)
category:<name>      received in the window in that category (``category_ranking.created``)
closed_in_window     closed in the window, whenever received (``Kpis.closed``)
dissatisfied         rated dissatisfied in the window (``Kpis.dissatisfied``)
open_now             open now (``OpenNow.open``)
overdue_now          open and past deadline now (``OpenNow.overdue``)
reminder_due         open, unclaimed and past ``response_due`` now (``OpenNow.reminder_due``)
==================== =========================================================

These read ``case`` directly through its indexes and page with LIMIT/OFFSET;
sorting is only by the columns of ``SORT_COLUMNS``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import and_, func, select

from queries.cache import panel_query
from queries.cases import overdue_clauses, reminder_clauses
from queries.filters import frame, local_now, open_case_clauses, scope_clauses, time_clauses, to_minute
from queries.guard import NotFound, limited_connection
from queries.schema import NODES, case, case_event, grid
from queries.scope import Scope
from queries.window import Window

MAX_PAGE_SIZE = 500
WINDOW_FILTERS = ("received_in_window", "escalated", "closed_in_window", "dissatisfied")
NOW_FILTERS = ("open_now", "overdue_now", "reminder_due")
PREFIX_FILTERS = ("node", "category")
SORT_COLUMNS = ("id", "created_at", "claimed_at", "closed_at", "deadline", "response_due", "category",
                "node", "level", "source", "grid_code", "escalations", "urges", "rating", "rated_at")
LIST_COLUMNS = ["id", "created_at", "title", "category", "item", "source", "node", "level", "department",
                "township_code", "village_code", "grid_code", "grid_name", "claimed_at", "closed_at",
                "response_due", "deadline", "escalations", "urges", "rating", "rated_at"]


def filter_uses_now(name: str) -> bool:
    return name in NOW_FILTERS


def filter_clauses(name: str, scope: Scope, window: Window, now: datetime | None) -> list:
    """The WHERE clauses of a list filter within ``scope`` (see the module table).

    ``ValueError`` for an unknown filter.
    """
    c = case
    if name == "open_now":
        return open_case_clauses(scope)
    if name == "overdue_now":
        return open_case_clauses(scope) + overdue_clauses(now)
    if name == "reminder_due":
        return open_case_clauses(scope) + reminder_clauses(now)
    received = [*scope_clauses(c, scope), *time_clauses(c.c.created_at, window)]
    if name == "received_in_window":
        return received
    if name == "escalated":
        return [*received, c.c.escalations > 0]
    if name == "closed_in_window":
        return [*scope_clauses(c, scope), c.c.closed_at.is_not(None), *time_clauses(c.c.closed_at, window)]
    if name == "dissatisfied":
        return [*scope_clauses(c, scope), c.c.rating == "dissatisfied", *time_clauses(c.c.rated_at, window)]
    prefix, _, value = name.partition(":")
    if prefix == "node" and value in NODES:
        return [*received, c.c.node == value]
    if prefix == "category" and value:
        return [*received, c.c.category == value]
    raise ValueError(f"unknown case filter {name!r}")


def case_list_statements(scope: Scope, window: Window, filter: str, sort: str, desc: bool, page: int,
                         page_size: int, now: datetime | None = None):
    """(page statement, count statement) for :func:`case_list`; every value is a bound parameter."""
    if sort not in SORT_COLUMNS:
        raise ValueError(f"cannot sort by {sort!r}; expected one of {SORT_COLUMNS}")
    if page < 0 or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page must be >= 0 and page_size in 1..{MAX_PAGE_SIZE}")
    c = case
    where = filter_clauses(filter, scope, window, now)

    def ordered(sort_col, id_col):
        # ties broken by id, so that pages neither repeat nor skip a case
        return (sort_col.desc(), id_col.desc()) if desc else (sort_col.asc(), id_col.asc())

    # Deferred join: pick the page's ids first (the sorter carries id and the
    # sort key only, and no grid lookups happen for rows that are not shown),
    # then read those rows and their grid names.
    ids = (select(c.c.id, c.c[sort].label("sort_key")).where(*where)
           .order_by(*ordered(c.c[sort], c.c.id)).limit(page_size).offset(page * page_size)
           .subquery("page_ids"))
    cols = [c.c[n] for n in LIST_COLUMNS if n != "grid_name"]
    page_stmt = (select(*cols, grid.c.name.label("grid_name"))
                 .select_from(ids.join(c, c.c.id == ids.c.id).join(grid, grid.c.code == c.c.grid_code))
                 .order_by(*ordered(ids.c.sort_key, ids.c.id)))
    count_stmt = select(func.count()).select_from(c).where(*where)
    return page_stmt, count_stmt


def case_list(scope: Scope, window: Window, filter: str = "received_in_window", sort: str = "created_at",
              desc: bool = True, page: int = 0, page_size: int = 50,
              now: datetime | None = None) -> tuple[pd.DataFrame, int]:
    """One page of the cases behind a number, and how many there are in all.

    ``filter``: see the module table.  ``sort``: one of ``SORT_COLUMNS``
    (ties broken by id).  ``page`` counts from 0 (like Dash DataTable's
    ``page_current``); ``page_size`` is at most ``MAX_PAGE_SIZE``.  ``now``
    (default: local now) matters only for the "now" filters.
    Returns ``(frame with LIST_COLUMNS, total)``.
    """
    minute = to_minute(now or local_now()) if filter_uses_now(filter) else None
    return case_list_at(scope, window, filter, sort, desc, page, page_size, minute)


@panel_query
def case_list_at(scope: Scope, window: Window, filter: str, sort: str, desc: bool, page: int, page_size: int,
                 minute: datetime | None) -> tuple[pd.DataFrame, int]:
    """:func:`case_list` at a given minute (``None`` for window filters): the cached unit."""
    page_stmt, count_stmt = case_list_statements(scope, window, filter, sort, desc, page, page_size, minute)
    with limited_connection() as conn:
        # columns by name, not by position: the statement puts grid_name last
        df = frame(conn, page_stmt)[LIST_COLUMNS]
        n = int(conn.execute(count_stmt).scalar())
    return df, n


@dataclass(frozen=True)
class CaseTrail:
    """A case row (``case``: column -> value) and its events in order (``events``)."""

    case: dict
    events: pd.DataFrame


TRAIL_COLUMNS = ["seq", "kind", "at", "actor", "level", "department", "note"]


@panel_query
def case_trail(case_id: int, scope: Scope = Scope.city()) -> CaseTrail:
    """The whole trail of one case: its row and every event ``seq, kind, at, actor, level, department, note``.

    The case is looked up *within* ``scope`` (default: the whole city), and
    the access check of ``@panel_query`` applies to that scope: a township
    leader asks with their township and is refused any other, and a case of
    another township is then simply not found — the same answer as for a case
    that does not exist, so its existence is not given away.
    Raises :class:`NotFound`.
    """
    c, e = case, case_event
    where = [c.c.id == int(case_id), *scope_clauses(c, scope)]
    with limited_connection() as conn:
        row = conn.execute(select(c).where(and_(*where))).first()
        if row is None:
            raise NotFound(f"no case {case_id} in {scope.key}")
        events = frame(conn, select(*[e.c[n] for n in TRAIL_COLUMNS]).where(e.c.case_id == int(case_id))
                       .order_by(e.c.seq), TRAIL_COLUMNS)
    return CaseTrail(case=dict(row._mapping), events=events)
