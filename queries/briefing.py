"""The weekly briefing's data: one :class:`Briefing` per (scope, ISO week, moment).

Almost everything comes from the panel queries the dashboard already shows
(``kpis``, ``children_ranking``, ``category_ranking``, ``map_values``,
``party_summary``), so the briefing and the command view can never disagree
about a week.  What no panel answers is the state *at the end of a past week*:
the panels' "open now" reads today's open cases, which for week 40 seen in
week 47 would list cases received after week 40.  So the backlog, the overdue
hot spots and the longest-open list are counted here at ``as_of`` = the end
of the week (or now, for the week in progress):

* open at ``t``: received before ``t`` and not closed by ``t``
  (``closed_at`` empty, or at / after ``t``);
* overdue at ``t``: open at ``t`` and its deadline before ``t``.

Both read ``case`` in two index-friendly parts (still open: the open-case
index; closed since ``t``: the ``closed_at`` index), so their cost follows the
cases open or closed recently, not all cases.  A case's *current* deadline and
a reopened case's *last* closing are used (history of those is not kept), so a
week long past may be off by the few cases reopened or re-deadlined since.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import func, select, union_all

from queries.areas import area_name, scope_exists
from queries.cache import geo_query, panel_query
from queries.cases import Kpis, category_ranking, children_ranking, kpis
from queries.filters import flag, frame, scope_clauses, time_clauses, to_minute, total
from queries.guard import UnknownScope, limited_connection
from queries.mapbase import layer_keys
from queries.mapdata import map_values
from queries.party import PartySummary, party_summary
from queries.schema import case, grid, map_layer, study_session, township, village
from queries.scope import Scope
from queries.weeks import IsoWeek, in_progress
from queries.window import Window

BRIEFING_LEVELS = ("city", "township")
TREND_WEEKS = 8        # satisfaction trend: this week and the 7 before
LONGEST_OPEN = 10      # rows of the longest-open list
HOT_SPOTS = 5          # grids named as overdue hot spots


@dataclass(frozen=True)
class Backlog:
    """Cases open at ``at`` and those of them past their deadline."""

    open: int
    overdue: int
    at: datetime


@dataclass(frozen=True)
class Briefing:
    """Everything a weekly briefing shows, for ``scope`` and ``week``.

    ``week`` and ``previous`` are compared; ``as_of`` is when the backlog is
    counted (the end of ``week``, or ``generated_at`` while it is in progress).
    ``areas``: one row per child area (townships of the city, villages of a
    township) with ``received``, ``closure_rate``/``n_closure``,
    ``satisfaction_rate``/``n_satisfaction``, ``response_mean``/``n_response``,
    ``attendance_rate``/``n_attendance`` (present / attendance rows),
    ``sessions`` and ``expected`` (study sessions starting in the week and the
    members called to them) — the same values as the dashboard's ranking.
    ``categories``: ``category, created, closed, share, created_prev, change``.
    ``grid_received``: cases received per grid drawn at the scope (``code, value, n``).
    ``hot_spots``: grids with the most overdue cases at ``as_of``.
    ``longest_open``: the cases open longest at ``as_of``.
    ``satisfaction_weeks``: ``week, start, satisfaction_rate, n`` for the
    ``TREND_WEEKS`` weeks ending with ``week``.
    """

    scope: Scope
    area: dict
    week: IsoWeek
    previous: IsoWeek
    generated_at: datetime
    as_of: datetime
    partial: bool
    kpis: Kpis
    kpis_prev: Kpis
    backlog: Backlog
    backlog_prev: Backlog
    party: PartySummary
    party_prev: PartySummary
    areas: pd.DataFrame
    categories: pd.DataFrame
    grid_received: pd.DataFrame
    hot_spots: pd.DataFrame
    longest_open: pd.DataFrame
    satisfaction_weeks: pd.DataFrame

    @property
    def child_level(self) -> str:
        return self.scope.child_level


# --------------------------------------------------------------------------- state at a moment

def open_at_parts(scope: Scope, at: datetime, *columns):
    """Two SELECTs of ``columns`` whose union is the cases of ``scope`` open at ``at``.

    Split rather than OR-ed so that each part can use its index: cases still
    open (``closed_at IS NULL``) and cases closed at or after ``at``.
    """
    received = [case.c.created_at < at, *scope_clauses(case, scope)]
    still_open = select(*columns).where(case.c.closed_at.is_(None), *received)
    closed_later = select(*columns).where(case.c.closed_at >= at, *received)
    return still_open, closed_later


def backlog_statement(scope: Scope, at: datetime):
    parts = open_at_parts(scope, at, flag(case.c.deadline < at).label("overdue"))
    u = union_all(*parts).subquery()
    return select(func.count().label("open"), total(u.c.overdue).label("overdue"))


@panel_query
def backlog_at(scope: Scope, at: datetime) -> Backlog:
    """Cases of ``scope`` open at ``at``, and overdue at ``at`` (see the module note)."""
    with limited_connection() as conn:
        row = conn.execute(backlog_statement(scope, at)).one()
    return Backlog(open=int(row.open), overdue=int(row.overdue), at=at)


def overdue_grids_statement(scope: Scope, at: datetime, limit: int):
    parts = open_at_parts(scope, at, case.c.grid_code, flag(case.c.deadline < at).label("overdue"))
    u = union_all(*parts).subquery()
    per_grid = (select(u.c.grid_code, func.count().label("open"), total(u.c.overdue).label("overdue"))
                .group_by(u.c.grid_code).subquery())
    g, v, tw = grid, village, township
    return (select(g.c.code, g.c.name, g.c.name_en, v.c.name.label("village_name"),
                   v.c.name_en.label("village_name_en"), tw.c.name.label("township_name"),
                   tw.c.name_en.label("township_name_en"), g.c.centroid_lon.label("lon"),
                   g.c.centroid_lat.label("lat"), per_grid.c.open, per_grid.c.overdue)
            .select_from(per_grid.join(g, g.c.code == per_grid.c.grid_code)
                         .join(v, v.c.code == g.c.village_code).join(tw, tw.c.code == g.c.township_code))
            .where(per_grid.c.overdue > 0)
            .order_by(per_grid.c.overdue.desc(), per_grid.c.open.desc(), g.c.code)
            .limit(limit))


HOT_SPOT_COLUMNS = ["code", "name", "name_en", "village_name", "village_name_en", "township_name",
                    "township_name_en", "lon", "lat", "open", "overdue"]


@panel_query
def overdue_grids_at(scope: Scope, at: datetime, limit: int = HOT_SPOTS) -> pd.DataFrame:
    """The grids with the most cases overdue at ``at`` (ties: more open, then code), at most ``limit``.

    Columns ``HOT_SPOT_COLUMNS``; grids with no overdue case are left out.
    """
    with limited_connection() as conn:
        df = frame(conn, overdue_grids_statement(scope, at, limit), HOT_SPOT_COLUMNS)
    return df.astype({"open": "int64", "overdue": "int64"})


LONGEST_COLUMNS = ["id", "title", "category", "item", "node", "level", "created_at", "deadline",
                   "escalations", "urges", "grid_code", "grid_name", "grid_name_en", "township_name",
                   "township_name_en"]


def longest_open_statement(scope: Scope, at: datetime, limit: int):
    ids = [p.order_by(case.c.created_at, case.c.id).limit(limit).subquery()
           for p in open_at_parts(scope, at, case.c.id, case.c.created_at)]
    u = union_all(*[select(s.c.id, s.c.created_at) for s in ids]).subquery()
    picked = select(u.c.id).order_by(u.c.created_at, u.c.id).limit(limit).subquery()
    c, g, tw = case, grid, township
    cols = [c.c[n] for n in LONGEST_COLUMNS[:10]]
    return (select(*cols, g.c.code.label("grid_code"), g.c.name.label("grid_name"),
                   g.c.name_en.label("grid_name_en"), tw.c.name.label("township_name"),
                   tw.c.name_en.label("township_name_en"))
            .select_from(picked.join(c, c.c.id == picked.c.id).join(g, g.c.code == c.c.grid_code)
                         .join(tw, tw.c.code == c.c.township_code))
            .order_by(c.c.created_at, c.c.id))


@panel_query
def longest_open_at(scope: Scope, at: datetime, limit: int = LONGEST_OPEN) -> pd.DataFrame:
    """The ``limit`` cases open longest at ``at`` (oldest receipt first), with ``age_days`` and ``overdue``.

    Each part picks its own oldest ``limit`` first, so the sort never sees
    more than ``2 * limit`` rows.
    """
    with limited_connection() as conn:
        df = frame(conn, longest_open_statement(scope, at, limit), LONGEST_COLUMNS)
    df["created_at"] = pd.to_datetime(df["created_at"])
    df["deadline"] = pd.to_datetime(df["deadline"])
    df["age_days"] = [(at - c).total_seconds() / 86400.0 for c in df["created_at"]]
    df["overdue"] = [d < at for d in df["deadline"]]
    return df


# --------------------------------------------------------------------------- study sessions per area

def sessions_by_area_statement(scope: Scope, window: Window):
    s = study_session
    col = s.c[f"{scope.child_level}_code"]
    return (select(col.label("code"), func.count().label("sessions"), total(s.c.expected).label("expected"))
            .where(*scope_clauses(s, scope), col.is_not(None), *time_clauses(s.c.starts_at, window))
            .group_by(col))


@panel_query
def sessions_by_area(scope: Scope, window: Window) -> pd.DataFrame:
    """Study sessions starting in ``window`` per child area of a city or township: ``code, sessions, expected``."""
    if scope.level not in BRIEFING_LEVELS:
        raise ValueError("sessions per area are counted for a city or a township")
    with limited_connection() as conn:
        df = frame(conn, sessions_by_area_statement(scope, window), ["code", "sessions", "expected"])
    return df.astype({"code": str, "sessions": "int64", "expected": "int64"})


# --------------------------------------------------------------------------- the briefing

AREA_METRICS = (("received", "received"), ("closure_rate", "closure"), ("satisfaction_rate", "satisfaction"),
                ("response_mean", "response"), ("attendance_rate", "attendance"))


def area_table(scope: Scope, window: Window) -> pd.DataFrame:
    """One row per child area with the ranking metrics and their bases (see :class:`Briefing`)."""
    out = None
    for metric, short in AREA_METRICS:
        df = children_ranking(scope, window, metric)[["code", "name", "name_en", "value", "n"]]
        df = df.rename(columns={"value": metric, "n": f"n_{short}"})
        out = df if out is None else out.merge(df.drop(columns=["name", "name_en"]), on="code", how="left")
    sessions = sessions_by_area(scope, window)
    out = out.merge(sessions, on="code", how="left").fillna({"sessions": 0, "expected": 0})
    out = out.drop(columns=["n_received"]).astype({"sessions": "int64", "expected": "int64"})
    return out.sort_values("code").reset_index(drop=True)


def category_change(scope: Scope, week: IsoWeek, previous: IsoWeek) -> pd.DataFrame:
    """This week's categories with last week's count beside them (a category new this week had 0)."""
    cur = category_ranking(scope, week.window)
    prev = category_ranking(scope, previous.window)[["category", "created"]]
    out = cur.merge(prev.rename(columns={"created": "created_prev"}), on="category", how="outer")
    out = out.fillna({"created": 0, "closed": 0, "share": 0.0, "created_prev": 0})
    out = out.astype({"created": "int64", "closed": "int64", "created_prev": "int64"})
    out["change"] = out["created"] - out["created_prev"]
    out = out.sort_values(["created", "created_prev", "category"], ascending=[False, False, True])
    return out.reset_index(drop=True)


def satisfaction_weeks(scope: Scope, week: IsoWeek, n: int = TREND_WEEKS) -> pd.DataFrame:
    """Satisfaction per week for the ``n`` weeks ending with ``week`` (oldest first), from ``kpis``."""
    rows = []
    for back in range(n - 1, -1, -1):
        w = week.previous(back)
        k = kpis(scope, w.window)
        rows.append({"week": w.key, "start": w.monday, "satisfaction_rate": k.satisfaction_rate,
                     "n": k.n_satisfaction})
    return pd.DataFrame(rows, columns=["week", "start", "satisfaction_rate", "n"])


def load_briefing(scope: Scope, week: IsoWeek, now: datetime) -> Briefing:
    """Build the briefing of ``scope`` (the city or a township) for ``week``, as seen at ``now``.

    Raises ``ValueError`` for another level, ``UnknownScope`` for an unknown
    township, and the panel errors of the queries it runs.
    """
    if scope.level not in BRIEFING_LEVELS:
        raise ValueError(f"a briefing is made for the city or a township, not a {scope.level}")
    now = to_minute(now)
    previous = week.previous()
    win, prev_win = week.window, previous.window
    as_of = min(win.end, now)
    return Briefing(
        scope=scope, area=area_name(scope), week=week, previous=previous, generated_at=now, as_of=as_of,
        partial=in_progress(week, now),
        kpis=kpis(scope, win), kpis_prev=kpis(scope, prev_win),
        backlog=backlog_at(scope, as_of), backlog_prev=backlog_at(scope, min(prev_win.end, now)),
        party=party_summary(scope, win), party_prev=party_summary(scope, prev_win),
        areas=area_table(scope, win),
        categories=category_change(scope, week, previous),
        grid_received=map_values(scope, win, "received"),
        hot_spots=overdue_grids_at(scope, as_of),
        longest_open=longest_open_at(scope, as_of),
        satisfaction_weeks=satisfaction_weeks(scope, week),
    )


def briefing_key(scope: Scope, week: IsoWeek) -> str:
    """Text naming a briefing in file names and logs: ``city-2026-W46`` / ``township-210882001-2026-W46``."""
    return "-".join(p for p in (scope.level, scope.code, week.key) if p)


def briefing_scope(township_code: str | None) -> Scope:
    """The city (no code) or one township.

    ``ValueError`` for a malformed code, ``UnknownScope`` for an unknown one.
    """
    if not township_code:
        return Scope.city()
    scope = Scope.township(township_code)
    if not scope_exists(scope):
        raise UnknownScope(f"no township {township_code!r}")
    return scope


@geo_query
def briefing_layers(scope: Scope) -> tuple[str | None, str | None]:
    """GeoJSON text of the grid layer and the border layer the map of ``scope`` draws (None if not built).

    The same stored layers the dashboard's map fetches by URL, read here with
    the scope as the argument, so that the cache key and any access check on
    it see which area's geometry is asked for.
    """
    texts = []
    with limited_connection() as conn:
        for key in layer_keys(scope):
            row = None if key is None else conn.execute(
                select(map_layer.c.geojson).where(map_layer.c.level == key[0], map_layer.c.scope_code == key[1])
            ).first()
            texts.append(None if row is None else row.geojson)
    return texts[0], texts[1]
