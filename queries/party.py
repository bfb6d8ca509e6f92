"""Party-building panels: organisations, members, study sessions and attendance.

Scope: ``party_org`` carries township, village and grid codes; members and
sessions carry township and village codes, so at grid scope they are reached
through their organisation (the grid's party group, ``party_org.grid_code``).

Attendance rate = present / attendance rows, over the sessions that *start*
in the window; its basis ``n`` is the number of attendance rows.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime

import pandas as pd
from sqlalchemy import func, select

from queries.cache import panel_query
from queries.filters import (area_clauses, flag, frame, local_now, rate, scope_clauses, time_clauses, to_minute,
                             total)
from queries.guard import limited_connection
from queries.schema import ORG_KINDS, attendance, grid, party_member, party_org, study_session, township
from queries.scope import Scope
from queries.window import Window



def present_count():
    """Number of present attendance rows (booleans summed portably)."""
    return total(flag(attendance.c.present.is_(True)))


def org_scoped(table, scope: Scope) -> tuple[object, list]:
    """(FROM clause, WHERE clauses) selecting the rows of ``table`` (sessions or members) in ``scope``.

    A grid is reached through its party group; other levels by the table's own scope columns.
    """
    if scope.level == "grid":
        frm = table.join(party_org, party_org.c.code == table.c.org_code)
        return frm, [party_org.c.grid_code == scope.code]
    return table, scope_clauses(table, scope)


# --------------------------------------------------------------------------- summary

@dataclass(frozen=True)
class PartySummary:
    """Party organisation of a scope and its study over a window.

    ``orgs``: organisations by kind (committee, general_branch, branch, group);
    ``members``: party members of the scope's organisations;
    ``sessions``: study sessions starting in the window;
    ``expected``: members called to those sessions (sum of ``expected``);
    ``present`` / ``attendance_rows`` = ``attendance_rate`` (None when n = 0).
    """

    orgs: dict = field(default_factory=dict)
    members: int = 0
    sessions: int = 0
    expected: int = 0
    present: int = 0
    attendance_rows: int = 0
    attendance_rate: float | None = None
    n: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def org_counts_statement(scope: Scope):
    o = party_org
    return select(o.c.kind, func.count()).where(*scope_clauses(o, scope)).group_by(o.c.kind)


def member_count_statement(scope: Scope):
    frm, where = org_scoped(party_member, scope)
    return select(func.count()).select_from(frm).where(*where)


def session_totals_statement(scope: Scope, window: Window):
    frm, where = org_scoped(study_session, scope)
    s = study_session
    return (select(func.count().label("sessions"), total(s.c.expected).label("expected"))
            .select_from(frm).where(*where, *time_clauses(s.c.starts_at, window)))


def attendance_totals_statement(scope: Scope, window: Window):
    frm, where = org_scoped(study_session, scope)
    s = study_session
    return (select(present_count().label("present"), func.count().label("rows"))
            .select_from(frm.join(attendance, attendance.c.session_id == s.c.id))
            .where(*where, *time_clauses(s.c.starts_at, window)))


@panel_query
def party_summary(scope: Scope, window: Window) -> PartySummary:
    """Organisations, members, sessions in the window and their attendance; see :class:`PartySummary`."""
    with limited_connection() as conn:
        orgs = {kind: 0 for kind in ORG_KINDS}
        orgs.update({k: int(n) for k, n in conn.execute(org_counts_statement(scope))})
        members = int(conn.execute(member_count_statement(scope)).scalar())
        sess = conn.execute(session_totals_statement(scope, window)).one()
        att = conn.execute(attendance_totals_statement(scope, window)).one()
    rows = int(att.rows)
    return PartySummary(orgs=orgs, members=members, sessions=int(sess.sessions), expected=int(sess.expected),
                        present=int(att.present), attendance_rows=rows,
                        attendance_rate=rate(att.present, rows), n=rows)


# --------------------------------------------------------------------------- sessions now / today

SESSION_COLUMNS = ["id", "title", "kind", "org_code", "org_name", "township_code", "township_name",
                   "village_code", "online", "starts_at", "ends_at", "expected", "present"]


def sessions_statement(scope: Scope, *conditions):
    """Sessions of ``scope`` matching ``conditions`` with their organisation, township and present count."""
    s = study_session
    # correlated: counts only the few sessions listed, through the attendance primary key
    present = (select(func.count()).select_from(attendance)
               .where(attendance.c.session_id == s.c.id, attendance.c.present.is_(True))
               .scalar_subquery())
    frm, where = org_scoped(study_session, scope)
    if scope.level != "grid":  # the grid path has joined party_org already
        frm = frm.join(party_org, party_org.c.code == s.c.org_code)
    frm = frm.join(township, township.c.code == s.c.township_code)
    return (select(s.c.id, s.c.title, s.c.kind, s.c.org_code, party_org.c.name.label("org_name"),
                   s.c.township_code, township.c.name.label("township_name"), s.c.village_code, s.c.online,
                   s.c.starts_at, s.c.ends_at, s.c.expected, present.label("present"))
            .select_from(frm).where(*where, *conditions).order_by(s.c.starts_at, s.c.id))


def live_sessions(scope: Scope, now: datetime | None = None) -> pd.DataFrame:
    """Sessions running at ``now`` (``starts_at <= now < ends_at``), with members present so far.

    Columns: ``SESSION_COLUMNS``; ``present`` counts attendance rows marked
    present (check-ins so far), ``expected`` the members called.
    """
    return live_sessions_at(scope, to_minute(now or local_now()))


@panel_query
def live_sessions_at(scope: Scope, minute: datetime) -> pd.DataFrame:
    s = study_session
    with limited_connection() as conn:
        df = frame(conn, sessions_statement(scope, s.c.starts_at <= minute, s.c.ends_at > minute),
                   SESSION_COLUMNS)
    return _typed_sessions(df)


def sessions_today(scope: Scope, now: datetime | None = None) -> pd.DataFrame:
    """Sessions starting on the local day of ``now``, with ``status`` upcoming / live / ended at ``now``."""
    return sessions_today_at(scope, to_minute(now or local_now()))


@panel_query
def sessions_today_at(scope: Scope, minute: datetime) -> pd.DataFrame:
    s = study_session
    day = Window.today(minute)
    with limited_connection() as conn:
        df = frame(conn, sessions_statement(scope, *time_clauses(s.c.starts_at, day)), SESSION_COLUMNS)
    df = _typed_sessions(df)
    df["status"] = ["upcoming" if a > minute else "live" if b > minute else "ended"
                    for a, b in zip(df["starts_at"], df["ends_at"])]
    return df


def _typed_sessions(df: pd.DataFrame) -> pd.DataFrame:
    return df.astype({"online": "bool", "expected": "int64", "present": "int64"})


# --------------------------------------------------------------------------- attendance by area

def attendance_by_statement(level: str, scope: Scope, window: Window):
    """Present and attendance rows per township or village of ``scope`` (by the session's columns)."""
    s = study_session
    frm, where = org_scoped(study_session, scope)
    col = s.c[f"{level}_code"]
    return (select(col.label("code"), present_count().label("present"), func.count().label("rows"))
            .select_from(frm.join(attendance, attendance.c.session_id == s.c.id))
            .where(*where, col.is_not(None), *time_clauses(s.c.starts_at, window))
            .group_by(col))


def grid_group_attendance_statement(scope: Scope, window: Window):
    """Present and rows per grid, over sessions held by the grid's party group(s)."""
    s = study_session
    o = party_org
    where = [o.c.grid_code == scope.code] if scope.level == "grid" else scope_clauses(s, scope)
    return (select(o.c.grid_code.label("code"), present_count().label("present"), func.count().label("rows"))
            .select_from(s.join(o, o.c.code == s.c.org_code).join(attendance, attendance.c.session_id == s.c.id))
            .where(o.c.grid_code.is_not(None), *where, *time_clauses(s.c.starts_at, window))
            .group_by(o.c.grid_code))


def village_branch_attendance_statement(scope: Scope, window: Window):
    """Present and rows per village over sessions of the village's own organisations (not grid groups)."""
    s = study_session
    o = party_org
    if scope.level == "grid":
        where = [s.c.village_code == select(grid.c.village_code).where(grid.c.code == scope.code)
                 .scalar_subquery()]
    else:
        where = scope_clauses(s, scope)
    return (select(s.c.village_code.label("code"), present_count().label("present"),
                   func.count().label("rows"))
            .select_from(s.join(o, o.c.code == s.c.org_code).join(attendance, attendance.c.session_id == s.c.id))
            .where(o.c.grid_code.is_(None), s.c.village_code.is_not(None), *where,
                   *time_clauses(s.c.starts_at, window))
            .group_by(s.c.village_code))


def attendance_values(conn, level: str, scope: Scope, window: Window) -> pd.DataFrame:
    """Attendance rate per area of ``level`` within ``scope``: ``code, value, n, basis``.

    Townships and villages: sessions whose township / village is that area
    (all its organisations, grid groups included).  Grids: sessions of the
    grid's party group; a grid without such attendance rows in the window (no
    group, or no session, or none recorded yet) falls back to the sessions of
    its village's own organisations (branches, general branch — not other
    grids' groups), with ``basis = "village"`` so the UI can say so.  Areas
    with neither are absent (the caller fills them as unknown).
    """
    if level != "grid":
        df = frame(conn, attendance_by_statement(level, scope, window), ["code", "present", "rows"])
        return _as_rates(df, level)
    own = _as_rates(frame(conn, grid_group_attendance_statement(scope, window), ["code", "present", "rows"]),
                    "grid")
    village = frame(conn, village_branch_attendance_statement(scope, window), ["code", "present", "rows"])
    grids = frame(conn, select(grid.c.code, grid.c.village_code).where(*area_clauses(grid, scope)),
                  ["code", "village_code"])
    fallback = grids[~grids["code"].isin(own["code"])].merge(
        _as_rates(village, "village").rename(columns={"code": "village_code"}), on="village_code")
    return pd.concat([own, fallback.drop(columns=["village_code"])], ignore_index=True)


def _as_rates(df: pd.DataFrame, basis: str) -> pd.DataFrame:
    df = df[df["rows"] > 0]
    return pd.DataFrame({"code": df["code"].astype(str),
                         "value": (df["present"].astype("float64") / df["rows"].astype("float64")),
                         "n": df["rows"].astype("int64"), "basis": basis})

