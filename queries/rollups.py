"""Rollups of cases per day, rebuilt from ``case`` and ``case_event`` in SQL.

What each rollup counts (every "day" is the local calendar day of the time named):

* ``case_day`` (day, grid): ``created`` by ``created_at``, and of those cases
  ``at_<node>`` by their current node and ``escalated_cases`` if ever escalated; ``closed`` by ``closed_at``;
  ``claimed`` and ``response_s`` (sum of claimed_at - created_at) by ``claimed_at``;
  ``escalated`` = escalate events by their time; ``rated`` and the three rating
  counts by ``rated_at``.
* ``case_day_category`` (day, village, category): ``created`` by ``created_at``,
  ``closed`` by ``closed_at``.
* ``case_day_response`` (day, village, bucket): claims by ``claimed_at`` counted
  in response-time buckets (``RESPONSE_BUCKETS_MIN``), from which percentiles are
  estimated.

``rebuild_rollups`` recomputes them from scratch; the write path keeps them up
to date incrementally, and tests check the two agree.
"""
from __future__ import annotations

from sqlalchemy import Connection, Float, case as sql_case, delete, func, literal, select, union_all

from queries.filters import flag
from queries.schema import NODES, case, case_day, case_day_category, case_day_response, case_event

# Upper bounds (minutes) of the response-time histogram; the last is "longer".
RESPONSE_BUCKETS_MIN = (5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240, 360, 480, 720,
                        1080, 1440, 2880, 4320, 10080, 10 ** 7)


def seconds_between(later, earlier, dialect: str):
    """SQL expression: seconds from ``earlier`` to ``later`` on either backend."""
    if dialect == "sqlite":
        # whole seconds: julianday() arithmetic would leave float noise in the sums
        return (func.strftime("%s", later).cast(Float) - func.strftime("%s", earlier).cast(Float))
    return func.extract("epoch", later - earlier)


def day_of(col, dialect: str):
    if dialect == "sqlite":
        return func.date(col)
    return func.cast(col, case_day.c.day.type)


def bucket_of_minutes(minutes) -> object:
    """SQL CASE mapping minutes to the upper bound of its bucket."""
    whens = [(minutes <= b, literal(b)) for b in RESPONSE_BUCKETS_MIN[:-1]]
    return sql_case(*whens, else_=literal(RESPONSE_BUCKETS_MIN[-1]))


def bucket_for(minutes: float) -> int:
    """Python twin of :func:`bucket_of_minutes` for the incremental write path."""
    for b in RESPONSE_BUCKETS_MIN:
        if minutes <= b:
            return b
    return RESPONSE_BUCKETS_MIN[-1]


def rebuild_rollups(conn: Connection) -> None:
    """Delete and recompute every rollup from the case and event tables."""
    d = conn.dialect.name
    for t in (case_day, case_day_category, case_day_response):
        conn.execute(delete(t))

    c = case
    zero = literal(0)
    resp = seconds_between(c.c.claimed_at, c.c.created_at, d)
    cols = ["created", "closed", "claimed", "response_s", "escalated", "rated", "satisfied",
            "basically_satisfied", "dissatisfied", "at_received", "at_claimed", "at_dispatched",
            "at_handled", "at_closed", "escalated_cases"]

    def part(day, where=None, frm=None, **vals):
        """One SELECT of the union: its day, the scope columns and the named counts (others 0)."""
        exprs = [day_of(day, d).label("day"), c.c.grid_code, c.c.village_code, c.c.township_code]
        for name in cols:
            default = literal(0.0) if name == "response_s" else zero
            exprs.append(vals.get(name, default).label(name))
        stmt = select(*exprs)
        if frm is not None:
            stmt = stmt.select_from(frm)
        return stmt.where(where) if where is not None else stmt

    parts = [
        part(c.c.created_at, created=literal(1),
             escalated_cases=flag(c.c.escalations > 0),
             **{f"at_{n}": flag(c.c.node == n) for n in NODES}),
        part(c.c.closed_at, c.c.closed_at.is_not(None), closed=literal(1)),
        part(c.c.claimed_at, c.c.claimed_at.is_not(None), claimed=literal(1), response_s=resp),
        part(c.c.rated_at, c.c.rated_at.is_not(None), rated=literal(1),
             satisfied=flag(c.c.rating == "satisfied"),
             basically_satisfied=flag(c.c.rating == "basically_satisfied"),
             dissatisfied=flag(c.c.rating == "dissatisfied")),
        part(case_event.c.at, case_event.c.kind == "escalate",
             frm=case_event.join(c, c.c.id == case_event.c.case_id), escalated=literal(1)),
    ]
    u = union_all(*parts).subquery()
    agg = select(u.c.day, u.c.grid_code, func.min(u.c.village_code), func.min(u.c.township_code),
                 *[func.sum(u.c[n]) for n in cols]).group_by(u.c.day, u.c.grid_code)
    conn.execute(case_day.insert().from_select(["day", "grid_code", "village_code", "township_code", *cols],
                                               agg))

    cat_parts = [
        select(day_of(c.c.created_at, d).label("day"), c.c.village_code, c.c.category, c.c.township_code,
               literal(1).label("created"), zero.label("closed")),
        select(day_of(c.c.closed_at, d), c.c.village_code, c.c.category, c.c.township_code,
               zero, literal(1)).where(c.c.closed_at.is_not(None)),
    ]
    cu = union_all(*cat_parts).subquery()
    conn.execute(case_day_category.insert().from_select(
        ["day", "village_code", "category", "township_code", "created", "closed"],
        select(cu.c.day, cu.c.village_code, cu.c.category, func.min(cu.c.township_code),
               func.sum(cu.c.created), func.sum(cu.c.closed))
        .group_by(cu.c.day, cu.c.village_code, cu.c.category)))

    minutes = resp / 60.0
    inner = select(day_of(c.c.claimed_at, d).label("day"), c.c.village_code, c.c.township_code,
                   bucket_of_minutes(minutes).label("bucket")).where(c.c.claimed_at.is_not(None)).subquery()
    conn.execute(case_day_response.insert().from_select(
        ["day", "village_code", "bucket", "township_code", "n"],
        select(inner.c.day, inner.c.village_code, inner.c.bucket, func.min(inner.c.township_code),
               func.count()).group_by(inner.c.day, inner.c.village_code, inner.c.bucket)))

