"""Case panels: where the cases are, how they trend, the headline KPIs and rankings.

Window panels read the rollups (``case_day``, ``case_day_category``,
``case_day_response``; see ``queries.rollups`` for what each counts), so their
cost grows with days x areas, not with cases.  "Now" panels read the open cases
from ``case`` through its open-case index: open cases are a few percent of all.

Every function takes a :class:`~queries.scope.Scope` and a
:class:`~queries.window.Window` (or ``now``), returns plain data, runs under
the query time limit and is memoized by ``@panel_query`` against the data
version.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import and_, func, select

from queries.areas import children_frame
from queries.cache import panel_query
from queries.filters import (flag, total, day_clauses, frame, local_now, open_case_clauses, rate, scope_clauses,
                             time_clauses, to_minute)
from queries.guard import limited_connection
from queries.mapdata import fill_missing, metric_info, metric_values
from queries.rollups import RESPONSE_BUCKETS_MIN, bucket_for, seconds_between
from queries.schema import NODES, case, case_day, case_day_category, case_day_response
from queries.scope import Scope
from queries.window import Window




# --------------------------------------------------------------------------- nodes

@dataclass(frozen=True)
class NodeCounts:
    """Of the cases received in the window, how many are now at each node.

    ``received`` .. ``closed`` add up to ``total`` (the cases received in the
    window); ``escalated`` counts those of them escalated at least once.
    """

    received: int = 0
    claimed: int = 0
    dispatched: int = 0
    handled: int = 0
    closed: int = 0
    escalated: int = 0
    total: int = 0

    def by_node(self) -> list[tuple[str, int]]:
        """(node, count) in process order, for the five-node funnel."""
        return [(n, getattr(self, n)) for n in NODES]

    def as_dict(self) -> dict:
        return asdict(self)


def node_counts_statement(scope: Scope, window: Window):
    t = case_day
    return (select(*[total(t.c[f"at_{n}"]).label(n) for n in NODES],
                   total(t.c.escalated_cases).label("escalated"), total(t.c.created).label("total"))
            .where(*scope_clauses(t, scope), *day_clauses(t, window)))


@panel_query
def node_counts(scope: Scope, window: Window) -> NodeCounts:
    """Current node of the cases received in ``window`` (from ``case_day.at_*``)."""
    with limited_connection() as conn:
        row = conn.execute(node_counts_statement(scope, window)).one()
    return NodeCounts(**{k: int(v) for k, v in row._mapping.items()})


# --------------------------------------------------------------------------- open now

@dataclass(frozen=True)
class OpenNow:
    """Cases open at ``at`` (``closed_at`` is empty), whenever they were received.

    ``overdue``: open and past their resolution ``deadline``.
    ``reminder_due``: not yet claimed and past ``response_due`` (a reminder is due).
    """

    open: int
    overdue: int
    reminder_due: int
    at: datetime

    def as_dict(self) -> dict:
        return asdict(self)


def overdue_clauses(now: datetime) -> list:
    """Of open cases: past their resolution deadline at ``now``."""
    return [case.c.deadline < now]


def reminder_clauses(now: datetime) -> list:
    """Of open cases: nobody has claimed it and ``response_due`` has passed at ``now``."""
    return [case.c.claimed_at.is_(None), case.c.response_due < now]


def open_now_statement(scope: Scope, now: datetime):
    c = case
    return (select(func.count().label("open"),
                   total(flag(and_(*overdue_clauses(now)))).label("overdue"),
                   total(flag(and_(*reminder_clauses(now)))).label("reminder_due"))
            .select_from(c).where(*open_case_clauses(scope)))


def open_now(scope: Scope, now: datetime | None = None) -> OpenNow:
    """Open, overdue and reminder-due cases at ``now`` (to the minute; default: local now)."""
    return open_now_at_minute(scope, to_minute(now or local_now()))


@panel_query
def open_now_at_minute(scope: Scope, minute: datetime) -> OpenNow:
    with limited_connection() as conn:
        row = conn.execute(open_now_statement(scope, minute)).one()
    return OpenNow(open=int(row.open), overdue=int(row.overdue), reminder_due=int(row.reminder_due), at=minute)


# --------------------------------------------------------------------------- trend

def trend_statement(scope: Scope, window: Window):
    t = case_day
    return (select(t.c.day, total(t.c.created).label("new"), total(t.c.closed).label("closed"))
            .where(*scope_clauses(t, scope), *day_clauses(t, window))
            .group_by(t.c.day).order_by(t.c.day))


@panel_query
def trend(scope: Scope, window: Window) -> pd.DataFrame:
    """Per day of the window: ``new`` = cases received that day, ``closed`` = cases closed that day.

    Every day of the window is present (0 where nothing happened); ``day`` is a
    datetime64 column at midnight.
    """
    with limited_connection() as conn:
        got = frame(conn, trend_statement(scope, window), ["day", "new", "closed"])
    days = pd.DataFrame({"day": pd.to_datetime(window.each_day())})
    got["day"] = pd.to_datetime(got["day"])
    out = days.merge(got, on="day", how="left").fillna({"new": 0, "closed": 0})
    return out.astype({"new": "int64", "closed": "int64"})


# --------------------------------------------------------------------------- KPIs

@dataclass(frozen=True)
class Kpis:
    """Headline figures of a scope over a window; every rate carries its basis ``n_*``.

    * closure: ``closure_rate = closed_of_received / received`` — of the cases
      *received in the window*, the share closed by now (so a recent window
      has a lower rate only because its cases are young).
    * satisfaction: ``(satisfied + basically_satisfied) / rated`` among ratings
      *given in the window* (by ``rated_at``), whenever the case was received.
    * response: ``response_mean_min`` = mean minutes from receipt to first
      claim, over claims made in the window; ``response_p90_min`` is the 90th
      percentile *estimated* from the response-time histogram by linear
      interpolation inside the bucket it falls in (``p90_is_estimate``): its
      resolution is the bucket width (5 minutes near zero, growing to days).
      A p90 in the open last bucket is reported as that bucket's lower bound.
    * ``closed`` = cases closed in the window (by ``closed_at``);
      ``escalations`` = escalation events in the window.

    A rate whose basis is 0 is ``None`` (unknown), never 0.
    """

    received: int
    closed_of_received: int
    closure_rate: float | None
    n_closure: int
    closed: int
    rated: int
    satisfied: int
    basically_satisfied: int
    dissatisfied: int
    satisfaction_rate: float | None
    n_satisfaction: int
    claimed: int
    response_mean_min: float | None
    n_response: int
    response_p90_min: float | None
    p90_is_estimate: bool
    escalations: int

    def as_dict(self) -> dict:
        return asdict(self)


def kpi_sums_statement(scope: Scope, window: Window):
    t = case_day
    names = ("created", "at_closed", "closed", "rated", "satisfied", "basically_satisfied",
             "dissatisfied", "claimed", "response_s", "escalated")
    return (select(*[total(t.c[n]).label(n) for n in names])
            .where(*scope_clauses(t, scope), *day_clauses(t, window)))


def response_histogram_statement(scope: Scope, window: Window):
    """Claims in the window per response bucket, from the village rollup (not for grid scope)."""
    t = case_day_response
    return (select(t.c.bucket, total(t.c.n).label("n"))
            .where(*scope_clauses(t, scope), *day_clauses(t, window))
            .group_by(t.c.bucket))


def grid_response_seconds_statement(grid_code: str, window: Window, dialect: str):
    """Response seconds of one grid's claims in the window, read from ``case`` (a grid has few cases).

    ``created_at < end`` lets the grid index bound the scan: a claim in the
    window belongs to a case received before the window ends.
    """
    c = case
    return (select(seconds_between(c.c.claimed_at, c.c.created_at, dialect).label("s"))
            .where(c.c.grid_code == grid_code, c.c.created_at < window.end,
                   *time_clauses(c.c.claimed_at, window)))


def percentile_from_histogram(counts: dict[int, int], q: float = 0.9) -> float | None:
    """Estimate the ``q`` quantile (minutes) from counts per bucket upper bound.

    The quantile's rank ``q * N`` falls in some bucket ``(lower, upper]``; the
    estimate interpolates linearly inside it, assuming the bucket's values are
    spread evenly.  The last bucket is open-ended, so a quantile there is
    reported as its lower bound.

    >>> percentile_from_histogram({30: 0, 45: 10})
    43.5
    >>> percentile_from_histogram({5: 9, 10: 1})
    5.0
    >>> percentile_from_histogram({}) is None
    True
    """
    n_total = sum(counts.values())
    if n_total <= 0:
        return None
    target = q * n_total
    cum, lower = 0, 0
    for upper in RESPONSE_BUCKETS_MIN:
        n = counts.get(upper, 0)
        if n and cum + n >= target:
            if upper == RESPONSE_BUCKETS_MIN[-1]:
                return float(lower)
            return float(lower + (target - cum) / n * (upper - lower))
        cum += n
        lower = upper
    return float(lower)  # pragma: no cover - unreachable when counts use known buckets


def _response_histogram(conn, scope: Scope, window: Window) -> dict[int, int]:
    if scope.level != "grid":
        return {int(b): int(n) for b, n in conn.execute(response_histogram_statement(scope, window))}
    counts: dict[int, int] = {}
    stmt = grid_response_seconds_statement(scope.code, window, conn.dialect.name)
    for (seconds,) in conn.execute(stmt):
        b = bucket_for(float(seconds) / 60.0)
        counts[b] = counts.get(b, 0) + 1
    return counts


@panel_query
def kpis(scope: Scope, window: Window) -> Kpis:
    """Closure, satisfaction and response figures; see :class:`Kpis` for what each counts."""
    with limited_connection() as conn:
        s = conn.execute(kpi_sums_statement(scope, window)).one()._mapping
        histogram = _response_histogram(conn, scope, window)
    good = int(s["satisfied"]) + int(s["basically_satisfied"])
    claimed = int(s["claimed"])
    mean_s = rate(s["response_s"], claimed)
    return Kpis(
        received=int(s["created"]), closed_of_received=int(s["at_closed"]),
        closure_rate=rate(s["at_closed"], s["created"]), n_closure=int(s["created"]),
        closed=int(s["closed"]), rated=int(s["rated"]), satisfied=int(s["satisfied"]),
        basically_satisfied=int(s["basically_satisfied"]), dissatisfied=int(s["dissatisfied"]),
        satisfaction_rate=rate(good, s["rated"]), n_satisfaction=int(s["rated"]),
        claimed=claimed, response_mean_min=None if mean_s is None else mean_s / 60.0, n_response=claimed,
        response_p90_min=percentile_from_histogram(histogram, 0.9), p90_is_estimate=True,
        escalations=int(s["escalated"]),
    )


# --------------------------------------------------------------------------- categories

def category_statement(scope: Scope, window: Window):
    t = case_day_category
    return (select(t.c.category, total(t.c.created).label("created"), total(t.c.closed).label("closed"))
            .where(*scope_clauses(t, scope), *day_clauses(t, window))
            .group_by(t.c.category))


def grid_category_statement(grid_code: str, window: Window):
    """One grid's categories from ``case`` (the rollup stops at villages); the grid index bounds it."""
    c = case
    created = and_(*time_clauses(c.c.created_at, window))
    closed = and_(c.c.closed_at.is_not(None), *time_clauses(c.c.closed_at, window))
    return (select(c.c.category, total(flag(created)).label("created"), total(flag(closed)).label("closed"))
            .where(c.c.grid_code == grid_code, c.c.created_at < window.end)
            .group_by(c.c.category))


@panel_query
def category_ranking(scope: Scope, window: Window) -> pd.DataFrame:
    """Categories by cases received in the window: ``category, created, closed, share``.

    ``created`` = received in the window, ``closed`` = closed in the window
    (whenever received), ``share`` = created / all created in the window.
    Sorted by created (then closed) descending; categories with neither are left out.
    """
    stmt = (grid_category_statement(scope.code, window) if scope.level == "grid"
            else category_statement(scope, window))
    with limited_connection() as conn:
        df = frame(conn, stmt, ["category", "created", "closed"])
    df = df[(df["created"] > 0) | (df["closed"] > 0)].astype({"created": "int64", "closed": "int64"})
    all_created = int(df["created"].sum())
    df["share"] = df["created"] / all_created if all_created else 0.0
    df = df.sort_values(["created", "closed", "category"], ascending=[False, False, True])
    return df.reset_index(drop=True)


# --------------------------------------------------------------------------- children

def children_ranking(scope: Scope, window: Window, metric: str, now: datetime | None = None) -> pd.DataFrame:
    """The child areas ranked by ``metric``: ``code, name, name_en, value, n, basis``.

    Children are the townships of the city, the villages of a township or the
    grids of a village (a grid has none: empty frame).  Every child is listed,
    those without data with value 0 (counts) or None (rates and means, n = 0).
    ``value``, ``n`` and ``basis`` mean what ``queries.mapdata.METRICS`` says.
    Order: value descending with unknown values last, then n descending, then
    code — the UI reverses it for "lower is better" metrics if it wants.
    ``now`` (default: local now) matters only for the "now" metrics (open, overdue).
    """
    m = metric_info(metric)
    minute = to_minute(now or local_now()) if m.uses_now else None
    return children_ranking_at(scope, window, m.code, minute)


@panel_query
def children_ranking_at(scope: Scope, window: Window, metric: str, minute: datetime | None) -> pd.DataFrame:
    """:func:`children_ranking` at a given minute (``None`` for window metrics): the cached unit."""
    columns = ["code", "name", "name_en", "value", "n", "basis"]
    if scope.child_level is None:
        return pd.DataFrame({c: [] for c in columns})
    with limited_connection() as conn:
        kids = children_frame(conn, scope)[["code", "name", "name_en"]]
        values = metric_values(conn, scope.child_level, scope, window, metric, minute)
    out = fill_missing(kids.merge(values, on="code", how="left"), metric, scope.child_level)
    out = out.sort_values(["value", "n", "code"], ascending=[False, False, True], na_position="last")
    return out[columns].reset_index(drop=True)
