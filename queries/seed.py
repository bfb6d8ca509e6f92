"""Deterministic activity for the demo city: grid workers and patrols, cases and
their event trails, party organisations, members and study sessions.

:func:`seed_activity` reads the grids already in the database and replaces
all activity inside the caller's transaction.  Same ``seed`` and ``now`` give
identical rows on SQLite and PostgreSQL.  The distributions are modelled on
the reference platforms (see ``queries/seed_cases.py`` for the case life and
the rules that tie the ``case`` columns to its events, and
``queries/seed_party.py`` for the party organisations).

Rows are generated with numpy in chunks of whole days (~50k cases) and
written with the driver's bulk path: ``executemany`` of one compiled INSERT
on SQLite, ``COPY`` on PostgreSQL.  Values always travel as parameters or in
the COPY stream, never inside the SQL text.  Times are written in the text
form SQLAlchemy itself uses for SQLite (``YYYY-MM-DD HH:MM:SS.ffffff``) so
that Core queries compare them correctly.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Callable, Iterator

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Connection, Integer, delete, select, update

from queries.rollups import rebuild_rollups
from queries.schema import (CASE_LEVELS, NODES, RATINGS, SOURCES, attendance, case, case_event, data_version, grid,
                            grid_worker, metadata, party_member, party_org, patrol, study_session, township,
                            village)
from queries.seed_cases import (DAY, EPOCH, HOUR, NEVER, city_model, day_chunks, generate_chunk, plan_days,
                                sample_points, titles, to_seconds)
from queries.seed_party import MEMBERS_PER_GRID, build_orgs, chinese_names, generate_members, generate_sessions
from queries.taxonomy import CATEGORIES, DEPARTMENTS
from queries.tree import read_grids

CHUNK_CASES = 50_000
"""Cases generated and written per step; fixed so that the output never depends on the machine."""
SQLITE_CACHE_KIB = 512_000
"""Page cache of the seeding connection on SQLite (500 MB): index pages stay in memory while loading."""
PHONE_PREFIXES = tuple(f"13{i}" for i in range(10)) + ("150", "151", "152", "153", "155", "156", "157", "158",
                                                       "159") + tuple(f"18{i}" for i in range(10))

# independent random streams, so that changing one part does not reshuffle the others
STREAM_PLAN, STREAM_MODEL, STREAM_WORKERS, STREAM_PATROLS, STREAM_PARTY, STREAM_CASES = range(6)

Progress = Callable[[str, int, int], None]


def _rng(seed: int, stream: int, part: int = 0) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, stream, part]))


def seed_activity(conn: Connection, *, now: datetime, cases: int = 60_000, days: int = 90, seed: int = 2020,
                  progress: Progress | None = None, members: int | None = None) -> dict:
    """Replace all activity on the grids in the database; returns the number of rows written per table.

    Runs in ``conn``'s transaction (``engine.begin()``).  ``cases`` are spread
    over the ``days`` calendar days ending with ``now``'s day (today only up
    to ``now``); ``members`` defaults to ~16.7 per grid (30,000 for 1,798
    grids).  ``progress(step, done, total)`` is called after every chunk.
    Finally the rollups are rebuilt and the data version bumped.
    """
    if days < 1 or cases < 0:
        raise ValueError("days must be >= 1 and cases >= 0")
    now = now.replace(microsecond=0, tzinfo=None)
    report = progress or (lambda step, done, total: None)
    grids = read_grids(conn)
    if grids.empty:
        raise ValueError("the database holds no grids: write the city (or import boundaries) first")
    names = _area_names(conn)
    fmt = _TimeFormat()
    counts: dict[str, int] = {}
    with _bulk_session(conn):
        _clear_activity(conn)
        workers = _workers(grids, _rng(seed, STREAM_WORKERS))
        counts["grid_workers"] = _write(conn, grid_worker, workers)
        report("workers", len(grids), len(grids))
        counts["patrols"] = _seed_patrols(conn, grids, workers, now, days, seed, fmt, report)
        model = city_model(grids, np.array(workers["name"], dtype=object), _rng(seed, STREAM_MODEL))
        with _indexes_deferred(conn, (case, case_event), report):
            counts.update(_seed_cases(conn, model, now, days, cases, seed, fmt, report))
        n_members = int(round(MEMBERS_PER_GRID * len(grids))) if members is None else members
        counts.update(_seed_party(conn, grids, names, model.poor_townships, n_members, now, days, seed, report))
        report("rollups", 0, 1)
        rebuild_rollups(conn)
        report("rollups", 1, 1)
        advance_id_sequences(conn)
        conn.execute(update(data_version).where(data_version.c.id == 1)
                     .values(version=data_version.c.version + 1, changed_at=now))
    return counts


# --- writing ---------------------------------------------------------------------------------------

def advance_id_sequences(conn: Connection) -> None:
    """Move PostgreSQL's id sequences past the ids the seed wrote explicitly.

    The bulk writers give ids themselves (COPY does not consult a sequence), so
    without this the first case filed through the write path after a seed
    would be given id 1 and collide.  SQLite takes max(id) + 1 by itself.
    """
    if conn.dialect.name != "postgresql":
        return
    prep = conn.dialect.identifier_preparer
    for table in metadata.sorted_tables:
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not isinstance(pk[0].type, Integer) or not pk[0].autoincrement:
            continue
        name = prep.format_table(table)
        conn.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence(%(t)s, %(c)s), COALESCE((SELECT MAX({prep.quote(pk[0].name)}) "
            f"FROM {name}), 0) + 1, false) WHERE pg_get_serial_sequence(%(t)s, %(c)s) IS NOT NULL",
            {"t": name, "c": pk[0].name})


@contextmanager
def _bulk_session(conn: Connection) -> Iterator[None]:
    """On SQLite, a large page cache for this connection while loading, restored afterwards.

    (``synchronous=OFF`` cannot be set inside the caller's open transaction,
    and with WAL a commit does not sync anyway.)  PRAGMA takes no bound
    parameters, hence the integers formatted into it.
    """
    if conn.dialect.name != "sqlite":
        yield
        return
    old = int(conn.exec_driver_sql("PRAGMA cache_size").scalar())
    conn.exec_driver_sql(f"PRAGMA cache_size = -{int(SQLITE_CACHE_KIB)}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(old)}")


@contextmanager
def _indexes_deferred(conn: Connection, tables, report: Progress) -> Iterator[None]:
    """On SQLite, drop the plain indexes of ``tables`` while they are loaded, then build them again.

    Building an index once from sorted data is several times faster than
    updating it row by row.  Each index is recreated from its own ``CREATE
    INDEX`` text as stored in ``sqlite_master`` (partial-index predicates and
    all); unique indexes and those backing constraints stay.  Everything
    happens in the caller's transaction, so after a failure (no rebuild here)
    the rollback restores them.  Not on PostgreSQL: ``DROP INDEX`` would lock
    the table against the dashboard's readers until commit, and ``COPY`` is
    fast enough there.
    """
    if conn.dialect.name != "sqlite":
        yield
        return
    stored = [row for t in tables for row in conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name = ? "
        "ORDER BY name", (t.name,)).all()]
    plain = [(name, ddl) for name, ddl in stored if not ddl.lstrip().upper().startswith("CREATE UNIQUE")]
    quote = conn.dialect.identifier_preparer.quote
    for name, _ in plain:
        conn.exec_driver_sql(f"DROP INDEX {quote(name)}")
    yield
    for i, (_, ddl) in enumerate(plain):
        report("indexes", i, len(plain))
        conn.exec_driver_sql(ddl)
    report("indexes", len(plain), len(plain))


def _write(conn: Connection, table, columns: dict[str, list]) -> int:
    """Insert rows given as equally long column lists of plain Python values; returns the row count.

    SQLite: one ``executemany`` of the INSERT compiled from ``table``.
    PostgreSQL: ``COPY table (columns) FROM STDIN`` with the schema's quoted
    identifiers.  Either way the values are never part of the SQL text.
    """
    names = list(columns)
    n = len(columns[names[0]]) if names else 0
    if not n:
        return 0
    rows = list(zip(*(columns[c] for c in names)))
    if conn.dialect.name == "sqlite":
        sql = str(table.insert().compile(dialect=conn.dialect, column_keys=names))
        conn.exec_driver_sql(sql, rows)
    else:
        prep = conn.dialect.identifier_preparer
        sql = f"COPY {prep.format_table(table)} ({', '.join(prep.quote(c) for c in names)}) FROM STDIN"
        with conn.connection.driver_connection.cursor() as cur, cur.copy(sql) as cp:
            for row in rows:
                cp.write_row(row)
    return n


class _TimeFormat:
    """Int64 seconds -> ``YYYY-MM-DD HH:MM:SS.000000`` strings (``NEVER`` -> None), vectorised by table lookup."""

    def __init__(self):
        self.hms = np.array([f" {s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}.000000" for s in range(DAY)],
                            dtype=object)

    def __call__(self, secs: np.ndarray) -> list:
        secs = np.asarray(secs, dtype=np.int64)
        real = secs != NEVER
        out = np.full(len(secs), None, dtype=object)
        if real.any():
            s = secs[real]
            d0 = int(s.min() // DAY)
            days = s // DAY - d0
            ymd = np.array([(EPOCH + timedelta(days=d0 + i)).strftime("%Y-%m-%d") for i in range(int(days.max()) + 1)],
                           dtype=object)
            out[real] = ymd[days] + self.hms[s % DAY]
        return out.tolist()


ACTIVITY_TABLES = (attendance, study_session, party_member, party_org, case_event, case, patrol, grid_worker)
"""What :func:`seed_activity` replaces, children first (the rollups are rebuilt at the end)."""


def _clear_activity(conn: Connection) -> None:
    """Delete the previous activity.

    On PostgreSQL a non-empty set of tables is emptied with one ``TRUNCATE``:
    ``attendance.member_id`` and ``patrol.worker_id`` have no index, so a
    ``DELETE`` of the members or workers checks every deleted row against the
    whole child table (dead rows included) and takes minutes at 30k members.
    TRUNCATE locks these tables against readers until the commit.  SQLite
    removes rows at once, so the children are empty when their parents go.
    """
    if conn.dialect.name == "postgresql":
        if any(conn.execute(select(t).limit(1)).first() for t in ACTIVITY_TABLES):
            prep = conn.dialect.identifier_preparer
            conn.exec_driver_sql("TRUNCATE " + ", ".join(prep.format_table(t) for t in ACTIVITY_TABLES))
        return
    for t in ACTIVITY_TABLES:
        conn.execute(delete(t))


def _area_names(conn: Connection) -> dict[str, str]:
    """Names of every township, village and grid by code."""
    out = {}
    for t in (township, village, grid):
        out.update(dict(conn.execute(select(t.c.code, t.c.name)).all()))
    return out


# --- grid workers and patrols ------------------------------------------------------------------------

def _workers(grids: pd.DataFrame, rng) -> dict[str, list]:
    """One grid worker per grid (ids in grid-code order): a Chinese name and a unique mobile number."""
    n = len(grids)
    names = chinese_names(rng, n, rng.random(n) < 0.6)   # most community grid workers are women
    prefix = np.array(PHONE_PREFIXES, dtype=object)[rng.integers(0, len(PHONE_PREFIXES), n)]
    tail = rng.choice(10 ** 8, size=n, replace=False)
    return {"id": list(range(1, n + 1)), "grid_code": grids.code.tolist(), "name": names.tolist(),
            "phone": [f"{p}{t:08d}" for p, t in zip(prefix, tail.tolist())]}


def _seed_patrols(conn, grids, workers, now, days, seed, fmt, report) -> int:
    """Two patrols a day per worker (morning and afternoon) over the period, those ended by ``now``.

    Most workers miss a patrol now and then; one in ten misses many.  The
    distance grows with the grid's size; the patrol ends at a point inside it.
    """
    rng = _rng(seed, STREAM_PATROLS)
    n, now_s = len(grids), to_seconds(now)
    first = to_seconds(datetime.combine(now.date(), datetime.min.time())) - (days - 1) * DAY
    miss = np.where(rng.random(n) < 0.1, rng.uniform(0.08, 0.25, n), 0.01)
    habit = rng.uniform(-0.5, 0.5, n) * HOUR
    w = np.repeat(np.arange(n), days * 2)
    day = np.tile(np.repeat(np.arange(days), 2), n)
    afternoon = np.tile([0, 1], n * days)
    start = (first + day * DAY + np.where(afternoon == 1, 14 * HOUR, int(7.5 * HOUR)) + habit[w]
             + rng.uniform(0, 2 * HOUR, len(w))).astype(np.int64)
    dur = np.clip(rng.lognormal(np.log(95 * 60), 0.25, len(w)), 1800, 4 * HOUR).astype(np.int64)
    keep = (rng.random(len(w)) >= miss[w]) & (start + dur <= now_s)
    w, start, dur = w[keep], start[keep], dur[keep]
    order = np.lexsort((w, start))          # ids in time order
    w, start, dur = w[order], start[order], dur[order]
    area = grids.area_km2.to_numpy()
    speed = np.clip(2.5 + 3 * np.sqrt(area), 2.5, 12)[w] * rng.uniform(0.8, 1.2, len(w))   # km/h
    geoms = grids.geometry.to_numpy()
    lon, lat = sample_points(geoms, shapely.bounds(geoms), w, rng)
    codes = grids.code.to_numpy(dtype=object)
    total = _write(conn, patrol, {
        "id": list(range(1, len(w) + 1)), "worker_id": (w + 1).tolist(), "grid_code": codes[w].tolist(),
        "started_at": fmt(start), "ended_at": fmt(start + dur),
        "distance_m": np.rint(speed * dur / 3.6).astype(np.int64).tolist(),
        "end_lon": lon.tolist(), "end_lat": lat.tolist()})
    report("patrols", total, total)
    return total


# --- cases ---------------------------------------------------------------------------------------------

def _seed_cases(conn, model, now, days, cases, seed, fmt, report) -> dict:
    """Generate and write the cases chunk by chunk (whole days, ids in time order)."""
    plan = plan_days(now, days, cases, _rng(seed, STREAM_PLAN))
    title = titles()
    cat_codes = np.array([c.code for c in CATEGORIES], dtype=object)
    item_codes = np.array([i.code for c in CATEGORIES for i in c.items], dtype=object)
    dept_codes = np.array([d.code for d in DEPARTMENTS] + [None], dtype=object)   # -1 -> None
    sources, nodes = np.array(SOURCES, dtype=object), np.array(NODES, dtype=object)
    levels, ratings = np.array(CASE_LEVELS, dtype=object), np.array(RATINGS + (None,), dtype=object)
    next_id = next_event = 1
    done = 0
    total = int(plan.counts.sum())
    report("cases", 0, total)
    for i, (d0, d1) in enumerate(day_chunks(plan, CHUNK_CASES)):
        b = generate_chunk(model, plan, d0, d1, next_id, next_event, to_seconds(now), _rng(seed, STREAM_CASES, i))
        c, e = b.cases, b.events
        g = c["grid"]
        _write(conn, case, {
            "id": c["id"].tolist(), "source": sources[c["source"]].tolist(), "source_ref": c["source_ref"].tolist(),
            "category": cat_codes[c["category"]].tolist(), "item": item_codes[c["item"]].tolist(),
            "title": title[c["source"], c["item"]].tolist(), "grid_code": model.grid_codes[g].tolist(),
            "village_code": model.village_codes[g].tolist(), "township_code": model.township_codes[g].tolist(),
            "lon": c["lon"].tolist(), "lat": c["lat"].tolist(), "node": nodes[c["node"]].tolist(),
            "level": levels[c["level"]].tolist(), "department": dept_codes[c["department"]].tolist(),
            "created_at": fmt(c["created_at"]), "claimed_at": fmt(c["claimed_at"]),
            "handled_at": fmt(c["handled_at"]), "closed_at": fmt(c["closed_at"]),
            "response_due": fmt(c["response_due"]), "deadline": fmt(c["deadline"]),
            "escalations": c["escalations"].tolist(), "urges": c["urges"].tolist(),
            "rating": ratings[c["rating"]].tolist(), "rated_at": fmt(c["rated_at"]),
            "verified_at": fmt(c["verified_at"]), "reminded_at": fmt(c["reminded_at"]),
            "reopens": c["reopens"].tolist(), "updated_at": fmt(c["updated_at"])})
        _write(conn, case_event, {
            "id": e["id"].tolist(), "case_id": e["case_id"].tolist(), "seq": e["seq"].tolist(),
            "kind": e["kind"].tolist(), "at": fmt(e["at"]), "actor": e["actor"].tolist(),
            "level": levels[e["level"]].tolist(), "department": dept_codes[e["department"]].tolist(),
            "note": e["note"].tolist()})
        next_id += len(c["id"])
        next_event += len(e["id"])
        done += len(c["id"])
        report("cases", done, total)
    return {"cases": next_id - 1, "case_events": next_event - 1}


# --- party -----------------------------------------------------------------------------------------------

def _seed_party(conn, grids, names, poor, n_members, now, days, seed, report) -> dict:
    """Organisations on the tree, members, study sessions and their attendance."""
    rng = _rng(seed, STREAM_PARTY)
    orgs, group_of = build_orgs(grids, names, rng)
    n_orgs = _write(conn, party_org, {c: _plain(orgs[c]) for c in
                                      ("code", "kind", "name", "parent_code", "township_code", "village_code",
                                       "grid_code")})
    first_day = now.date() - timedelta(days=days - 1)
    members = generate_members(grids, orgs, group_of, n_members, now.date(), rng)
    members["joined_on"] = [d.isoformat() for d in members.joined_on]
    n_m = _write(conn, party_member, {c: _plain(members[c]) for c in members.columns})
    report("party", n_m, n_m)
    sessions, att = generate_sessions(orgs, members, first_day, now, poor, rng)
    n_s = 0
    if len(sessions):
        cols = {c: _plain(sessions[c]) for c in sessions.columns}
        cols["starts_at"], cols["ends_at"] = _datetime_text(sessions.starts_at), _datetime_text(sessions.ends_at)
        n_s = _write(conn, study_session, cols)
    n_a = _write(conn, attendance, {"session_id": att.session_id.astype(int).tolist(),
                                    "member_id": att.member_id.astype(int).tolist(),
                                    "present": att.present.astype(bool).tolist()})
    report("sessions", n_s, n_s)
    return {"party_orgs": n_orgs, "party_members": n_m, "study_sessions": n_s, "attendance": n_a}


def _datetime_text(col) -> list[str]:
    """Whole-second datetimes in the text form of :class:`_TimeFormat`."""
    return [t.strftime("%Y-%m-%d %H:%M:%S.000000") for t in col]


def _plain(col: pd.Series) -> list:
    """A column as plain Python values (numpy scalars and NaN become int/float/str/None)."""
    return [None if v is None or (isinstance(v, float) and np.isnan(v)) else v
            for v in col.astype(object).tolist()]
