"""The write path of live cases: one door for the API, the importer and the simulator.

A case is created (:func:`create_case`) and then moves by events
(:func:`append_event`); every write updates the ``case`` row, appends to its
``case_event`` trail, changes the rollups by the difference it makes
(:mod:`queries.rollup_deltas`) and bumps the data version — all in the
caller's transaction (``with engine.begin() as conn:``).  Everything is
checked before the first statement that writes, so a refused write changes
nothing even if the caller went on to commit; the batch forms are
all-or-nothing in the same way.

The rules (those of the seed, ``queries.seed_cases``, so seeded and live
cases mean the same; the pure functions are in :mod:`queries.lifecycle_rules`):

* Nodes run received -> claimed -> dispatched -> handled -> closed.  Claim
  only from received; dispatch from claimed (or again while dispatched: a
  re-dispatch, and the dispatch after a reopening); handle from dispatched;
  close only a handled case that the grid worker verified on site after the
  last handling (``verify`` is allowed while the node is handled).
* Escalation (village -> township -> city -> department) one level at a time
  at any open node; the event carries the new level, and only the step to
  department level names a department (a code of ``queries.taxonomy``).
  ``deadline`` = the last escalation's time (else ``created_at``) +
  ``deadline_hours(category, level)``; ``response_due`` = ``created_at`` +
  ``RESPONSE_DUE_HOURS``.
* ``urge`` only while open; ``remind`` only while nobody claimed, at or after
  ``response_due``, once.
* ``rate`` only when closed and not yet rated since the last close
  (``rated_at >= closed_at``); the rate event's ``note`` holds the rating code
  (the seed's convention; a note given with a rate event is not kept).
  ``reopen`` only a closed case rated dissatisfied since its close, strictly
  after that rating: node back to dispatched, ``closed_at`` cleared, ``reopens``
  + 1; rating and ``rated_at`` stay until the next rating.  (The strictness
  makes "verified since handled" and "rated since closed" exact comparisons
  of times even when events share a second.)
* Any event other than rate/reopen on a closed case is refused
  (``closed_case``); an event older than the case's ``updated_at`` is refused
  (``out_of_time_order``; equal times are fine); no time may lie more than
  ``CLOCK_SKEW`` after ``now``.  Times are cut to whole seconds.
* Case columns: ``claimed_at`` first claim, ``handled_at`` last handling,
  ``closed_at`` last close while closed, ``verified_at`` / ``reminded_at`` /
  ``rated_at`` their last event, ``escalations`` / ``urges`` / ``reopens``
  counts, ``updated_at`` the newest event (as ``tests/test_seed._replay``).

Concurrency: on PostgreSQL the case rows of a write are locked with
``SELECT .. FOR UPDATE`` (in id order) before they are read, and idempotent
creations take a transaction-level advisory lock on their (source,
source_ref); on SQLite the write transaction starts with ``BEGIN IMMEDIATE``
(the driver would otherwise start it only at the first INSERT, after the
reads), so writers queue on the database lock (``busy_timeout`` of
``queries.db``) instead of reading stale rows.  Rollup rows are upserted in
key order and the data version row is updated last, so writers lock in one
global order and cannot deadlock.
"""
from __future__ import annotations

from datetime import datetime
from typing import Union

from sqlalchemy import Connection, bindparam, func, or_, select, text, update

from queries.lifecycle_rules import (CLOCK_SKEW, STATES, CaseEvent, CaseInputError, CaseNotFound, NewCase,
                                     TransitionError, apply_event, case_states, check_new_case, received_event)
from queries.placement import grid_index, place_many
from queries.rollup_deltas import RollupDeltas
from queries.schema import case, case_event
from queries.version import bump_version

__all__ = ["CLOCK_SKEW", "STATES", "CaseEvent", "CaseInputError", "CaseNotFound", "NewCase", "TransitionError",
           "append_event", "append_events", "case_states", "create_case", "create_cases", "rate_case",
           "read_case", "state_clauses", "write_batch"]

Op = Union[NewCase, tuple[int, CaseEvent]]
MUTABLE = ("node", "level", "department", "claimed_at", "handled_at", "closed_at", "deadline", "escalations",
           "urges", "rating", "rated_at", "verified_at", "reminded_at", "reopens", "updated_at")
"""The case columns an event can change."""
ID_CHUNK = 2000
"""Ids per ``IN (...)`` list (SQLite allows 32,766 parameters a statement)."""


# --- public interface ----------------------------------------------------------------------------

def create_case(conn: Connection, new: NewCase, *, now: datetime) -> tuple[int, bool]:
    """Create a case (and its ``received`` event); returns (case id, created).

    Idempotent per (source, source_ref): a known pair returns the existing id
    and ``False`` and writes nothing (not even a version bump).
    """
    return _unindexed(lambda: write_batch(conn, [new], now=now)[0])


def append_event(conn: Connection, case_id: int, event: CaseEvent, *, now: datetime) -> dict:
    """Apply one event; returns the case row (a dict) after it."""
    return _unindexed(lambda: write_batch(conn, [(case_id, event)], now=now)[0])


def rate_case(conn: Connection, case_id: int, rating: str, at: datetime, *, now: datetime, actor: str = "") -> dict:
    """The resident's rating of a closed case (a ``rate`` event)."""
    return append_event(conn, case_id, CaseEvent("rate", at, actor=actor, rating=rating), now=now)


def create_cases(conn: Connection, news: list[NewCase], *, now: datetime) -> list[tuple[int, bool]]:
    """Many :func:`create_case` in one write with one version bump; all or nothing.

    The first bad item raises its error with ``.index`` set.  A (source,
    source_ref) repeated inside the batch is created once; the repeats get
    (that id, False).
    """
    return write_batch(conn, list(news), now=now)


def append_events(conn: Connection, events: list[tuple[int, CaseEvent]], *, now: datetime) -> list[dict]:
    """Many :func:`append_event` in order, in one write with one version bump; all or nothing.

    Returns the case row after each event.  The first bad item raises its
    error with ``.index`` set.
    """
    return write_batch(conn, list(events), now=now)


def write_batch(conn: Connection, ops: list[Op], *, now: datetime) -> list:
    """New cases and events on existing cases, in order, as one write (one version bump).

    Each op is a :class:`NewCase` (result: (id, created)) or a (case id,
    :class:`CaseEvent`) pair (result: the case row after it).  Events cannot
    refer to cases created in the same batch (their ids are not known yet).
    Nothing is written when any op is refused; a batch that changes nothing
    (only known (source, source_ref) pairs) does not bump the version.
    """
    _begin_write(conn)
    return _Batch(conn, now).run(ops)


def read_case(conn: Connection, case_id: int) -> dict | None:
    """The case row with its trail: ``"events"`` = the event rows in order."""
    row = conn.execute(select(case).where(case.c.id == case_id)).mappings().first()
    if row is None:
        return None
    out = dict(row)
    out["events"] = [dict(e) for e in conn.execute(
        select(case_event).where(case_event.c.case_id == case_id).order_by(case_event.c.seq)).mappings()]
    return out


def state_clauses(state: str, now: datetime) -> list:
    """SQL clauses on ``case`` selecting the cases in ``state`` at ``now`` (the twin of :func:`case_states`)."""
    from queries.cases import overdue_clauses, reminder_clauses
    c = case
    is_open, is_closed = c.c.closed_at.is_(None), c.c.closed_at.is_not(None)
    clauses = {
        "open": [is_open],
        "closed": [is_closed],
        "overdue": [is_open, *overdue_clauses(now)],
        "reminder_due": [is_open, *reminder_clauses(now)],
        "awaiting_verification": [is_open, c.c.node == "handled",
                                  or_(c.c.verified_at.is_(None), c.c.verified_at < c.c.handled_at)],
        "awaiting_rating": [is_closed, or_(c.c.rated_at.is_(None), c.c.rated_at < c.c.closed_at)],
        "reminded": [c.c.reminded_at.is_not(None)],
        "escalated": [c.c.escalations > 0],
        "urged": [c.c.urges > 0],
        "reopened": [c.c.reopens > 0],
    }
    if state not in clauses:
        raise ValueError(f"unknown case state {state!r} (one of {', '.join(STATES)})")
    return clauses[state]


# --- the batch -----------------------------------------------------------------------------------

def _unindexed(call):
    """Single-item forms report errors without the batch's item index."""
    try:
        return call()
    except (CaseInputError, TransitionError, CaseNotFound) as exc:
        exc.index = None
        raise


def _begin_write(conn: Connection) -> None:
    """SQLite: hold the write lock from the first read (see the module docstring)."""
    if conn.dialect.name == "sqlite":
        driver = conn.connection.driver_connection
        if not driver.in_transaction:
            driver.execute("BEGIN IMMEDIATE")     # a constant statement: straight to the driver


def _fail(exc: Exception, index: int):
    exc.index = index
    raise exc


class _Batch:
    """Validate every op in memory, then write cases, events, rollup deltas and the version."""

    def __init__(self, conn: Connection, now: datetime):
        self.conn, self.now = conn, now
        self.pg = conn.dialect.name == "postgresql"

    def run(self, ops: list[Op]) -> list:
        creates = [(i, op) for i, op in enumerate(ops) if isinstance(op, NewCase)]
        appends = [(i, op) for i, op in enumerate(ops) if not isinstance(op, NewCase)]
        for i, op in appends:
            if not (isinstance(op, tuple) and len(op) == 2 and isinstance(op[1], CaseEvent)):
                raise TypeError(f"item {i}: expected a NewCase or a (case id, CaseEvent) pair, got {op!r}")
        new_rows = self._check_creates(creates)
        before, seqs = self._load([op[0] for _, op in appends]) if appends else ({}, {})
        results: list = [None] * len(ops)
        current, events, escalations = dict(before), [], []
        for i, op in enumerate(ops):          # in order, so that the first bad item is the one reported
            if isinstance(op, NewCase):
                if isinstance(new_rows[i], Exception):
                    _fail(new_rows[i], i)
                continue
            cid, ev = op
            if cid not in current:
                _fail(CaseNotFound(cid), i)
            try:
                after, ev_row = apply_event(current[cid], ev, self.now)
            except (CaseInputError, TransitionError) as exc:
                _fail(exc, i)
            seqs[cid] = seqs.get(cid, 0) + 1
            events.append({"case_id": cid, "seq": seqs[cid], **ev_row})
            if ev.kind == "escalate":
                escalations.append((after, ev_row["at"]))
            current[cid] = after
            results[i] = dict(after)
        # nothing was refused: write
        fresh = self._insert_cases(creates, new_rows, results)
        changed = [row for cid, row in current.items() if row is not before[cid]]
        self._write(fresh, changed, before, events, escalations)
        return results

    def _write(self, fresh, changed, before, events, escalations) -> None:
        """The event rows, the changed case rows, the rollup deltas and the version."""
        deltas = RollupDeltas()
        for row, _ in fresh:
            deltas.add_change(None, row)
        for row in changed:
            deltas.add_change(before[row["id"]], row)
        for row, at in escalations:
            deltas.add_escalation(row, at)
        rows = [{"case_id": row["id"], **received} for row, received in fresh] + events
        if rows:
            self.conn.execute(_INSERT_EVENT, rows)
        if changed:
            self.conn.execute(_UPDATE, [{"b_id": r["id"], **{f"b_{c}": r[c] for c in MUTABLE}} for r in changed])
        if fresh or changed:
            deltas.apply(self.conn)
            bump_version(self.conn, self.now)

    # --- creations

    def _check_creates(self, creates: list[tuple[int, NewCase]]) -> dict:
        """index -> validated row (without id) or the error of that item."""
        out: dict = {}
        if not creates:
            return out
        index = grid_index(self.conn)
        places = place_many(index, [(n.grid_code, n.lon, n.lat) if isinstance(n, NewCase) else (None, None, None)
                                    for _, n in creates])
        for (i, new), place in zip(creates, places):
            try:
                row = check_new_case(new, self.now)
            except CaseInputError as exc:
                out[i] = exc
                continue
            if isinstance(place, Exception):
                out[i] = place
                continue
            row["grid_code"], row["village_code"], row["township_code"] = place
            point_given = new.lon is not None and new.lat is not None
            row["lon"], row["lat"] = (float(new.lon), float(new.lat)) if point_given else (None, None)
            out[i] = row
        return out

    def _insert_cases(self, creates, new_rows: dict, results: list) -> list[tuple[dict, dict]]:
        """Insert the new cases (known (source, source_ref) pairs are skipped); returns (row, received event)."""
        if not creates:
            return []
        keys = sorted({(n.source, n.source_ref) for _, n in creates if n.source_ref is not None})
        existing = self._existing(keys) if keys else {}
        todo, first_of, repeats = [], {}, []
        for i, new in creates:
            key = (new.source, new.source_ref)
            if new.source_ref is None:
                todo.append((i, new))
            elif key in existing:
                results[i] = (existing[key], False)
            elif key in first_of:
                repeats.append((i, first_of[key]))      # the same item twice in the batch
            else:
                first_of[key] = i
                todo.append((i, new))
        if not todo:
            return []
        rows = [new_rows[i] for i, _ in todo]
        if len(rows) == 1:
            ids = [self.conn.execute(case.insert().returning(case.c.id), rows[0]).scalar_one()]
        else:
            ids = self.conn.execute(case.insert().returning(case.c.id, sort_by_parameter_order=True),
                                    rows).scalars().all()
        fresh = []
        for (i, new), row, cid in zip(todo, rows, ids):
            row["id"] = cid
            results[i] = (cid, True)
            fresh.append((row, received_event(row, new)))
        for i, first in repeats:
            results[i] = (results[first][0], False)
        return fresh

    def _existing(self, keys: list[tuple[str, str]]) -> dict:
        """(source, source_ref) -> id of the cases already there; on PostgreSQL, lock the keys first.

        The advisory lock makes a concurrent creation of the same pair wait
        until this transaction ends, and then see its row: without it both
        would pass the check and one would fail on the unique constraint.
        """
        if self.pg:
            self.conn.execute(_ADVISORY_LOCKS, {"keys": [f"{s}\x1f{r}" for s, r in keys]})
        by_source: dict[str, list[str]] = {}
        for s, r in keys:
            by_source.setdefault(s, []).append(r)
        found = {}
        for s, refs in by_source.items():
            for k in range(0, len(refs), ID_CHUNK):
                rows = self.conn.execute(_EXISTING, {"source": s, "refs": refs[k:k + ID_CHUNK]}).all()
                found.update({(s, ref): cid for ref, cid in rows})
        return found

    # --- events

    def _load(self, ids: list[int]) -> tuple[dict[int, dict], dict[int, int]]:
        """The case rows of ``ids`` and the last ``seq`` of each.

        PostgreSQL: the rows are locked FOR UPDATE in id order first, and the
        seqs read by a second statement (a statement that waited for a lock
        still sees the trail as of its start).  SQLite: the write lock is held
        already (BEGIN IMMEDIATE), so one statement reads both.
        """
        wanted = sorted({i for i in ids if isinstance(i, int) and not isinstance(i, bool)})
        rows, seqs = {}, {}
        for k in range(0, len(wanted), ID_CHUNK):
            # one id: "id = ?" (an expanding IN list is re-rendered on every execution, ~0.1 ms)
            one = len(wanted) == 1
            part = {"id": wanted[0]} if one else {"ids": wanted[k:k + ID_CHUNK]}
            if self.pg:
                rows.update({r["id"]: dict(r) for r in
                             self.conn.execute(_LOAD_LOCKED[one], part).mappings()})
                seqs.update(dict(self.conn.execute(_SEQS[one], part).all()))
                continue
            for r in self.conn.execute(_LOAD_WITH_SEQ[one], part).mappings():
                row = dict(r)
                seqs[row["id"]] = row.pop("last_seq")
                rows[row["id"]] = row
        return rows, seqs


# PostgreSQL only; one statement locks every key of a batch, in hash order (no deadlocks between batches)
_ADVISORY_LOCKS = text(
    "SELECT pg_advisory_xact_lock(h) FROM "
    "(SELECT DISTINCT hashtextextended(k, 0) AS h FROM unnest(CAST(:keys AS text[])) AS k ORDER BY h) AS s")

def _by_id(column):
    """(``column IN :ids``, ``column = :id``): the statement pairs below are indexed by "one id?"."""
    return column.in_(bindparam("ids", expanding=True)), column == bindparam("id")


_LOAD_LOCKED = [select(case).where(w).order_by(case.c.id).with_for_update() for w in _by_id(case.c.id)]
_SEQS = [select(case_event.c.case_id, func.max(case_event.c.seq)).where(w).group_by(case_event.c.case_id)
         for w in _by_id(case_event.c.case_id)]
_LOAD_WITH_SEQ = [select(case, select(func.max(case_event.c.seq)).where(case_event.c.case_id == case.c.id)
                         .scalar_subquery().label("last_seq")).where(w) for w in _by_id(case.c.id)]
_EXISTING = select(case.c.source_ref, case.c.id).where(case.c.source == bindparam("source"),
                                                       case.c.source_ref.in_(bindparam("refs", expanding=True)))
_INSERT_EVENT = case_event.insert()
_UPDATE = update(case).where(case.c.id == bindparam("b_id")).values({c: bindparam(f"b_{c}") for c in MUTABLE})
