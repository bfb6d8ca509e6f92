"""Incremental rollup maintenance: what a write changes in ``case_day`` and its siblings.

A case row contributes to the rollups through its own columns only (see the
definitions in :mod:`queries.rollups`), plus one ``escalated`` count per
escalate event.  So the change a write makes is simply

    contribution(case after) - contribution(case before) + its escalate events

which needs no per-event bookkeeping: a claim moves ``at_received`` to
``at_claimed`` on the creation day and adds a claim on the claim day; a
reopening takes the close back off its day; a second rating replaces the
first.  Mirroring :func:`queries.rollups.rebuild_rollups` column by column is
what makes "incremental == rebuild" hold by construction (and the tests check
it).

Deltas of a whole batch are summed per rollup row first and written with one
upsert per table, keys in sorted order: the same rows are always locked in the
same order, so concurrent PostgreSQL writers cannot deadlock on them.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import Connection, and_, bindparam, delete
from sqlalchemy.dialects import postgresql, sqlite

from queries.rollups import bucket_for
from queries.schema import NODES, case_day, case_day_category, case_day_response

CASE_DAY_COUNTS = ("created", "closed", "claimed", "response_s", "escalated", "rated", "satisfied",
                   "basically_satisfied", "dissatisfied", *[f"at_{n}" for n in NODES], "escalated_cases")
TABLES = {
    # table: (key columns, scope columns, count columns)
    "case_day": (case_day, ("day", "grid_code"), ("village_code", "township_code"), CASE_DAY_COUNTS),
    "case_day_category": (case_day_category, ("day", "village_code", "category"), ("township_code",),
                          ("created", "closed")),
    "case_day_response": (case_day_response, ("day", "village_code", "bucket"), ("township_code",), ("n",)),
}
# counts that can go down on a row other than the creation day's (a reopening, a second rating);
# such a row may end at all zeros, which a rebuild would not have, so it is deleted
SHRINKING = {"case_day": ("closed", "rated", "satisfied", "basically_satisfied", "dissatisfied"),
             "case_day_category": ("closed",), "case_day_response": ()}


def response_seconds(claimed_at: datetime, created_at: datetime) -> int:
    """Whole seconds from receipt to claim (times are whole seconds already)."""
    return int((claimed_at - created_at).total_seconds())


class RollupDeltas:
    """Summed changes to the three rollups, written by :meth:`apply`."""

    def __init__(self) -> None:
        # table -> key -> [scope tuple, {column: delta}]
        self._rows: dict[str, dict[tuple, list]] = {name: {} for name in TABLES}

    def _add(self, table: str, key: tuple, scope: tuple, sign: int, **counts) -> None:
        entry = self._rows[table].get(key)
        if entry is None:
            entry = self._rows[table][key] = [scope, defaultdict(int)]
        for col, v in counts.items():
            entry[1][col] += sign * v

    def add_case(self, row: dict, sign: int = 1) -> None:
        """Add (``sign=1``) or take away (``-1``) everything the case row counts in the rollups."""
        g, v, t, cat = row["grid_code"], row["village_code"], row["township_code"], row["category"]
        created = row["created_at"].date()
        self._add("case_day", (created, g), (v, t), sign, created=1, escalated_cases=int(row["escalations"] > 0),
                  **{f"at_{row['node']}": 1})
        self._add("case_day_category", (created, v, cat), (t,), sign, created=1)
        if row["closed_at"] is not None:
            day = row["closed_at"].date()
            self._add("case_day", (day, g), (v, t), sign, closed=1)
            self._add("case_day_category", (day, v, cat), (t,), sign, closed=1)
        if row["claimed_at"] is not None:
            day, secs = row["claimed_at"].date(), response_seconds(row["claimed_at"], row["created_at"])
            self._add("case_day", (day, g), (v, t), sign, claimed=1, response_s=secs)
            self._add("case_day_response", (day, v, bucket_for(secs / 60.0)), (t,), sign, n=1)
        if row["rated_at"] is not None:
            self._add("case_day", (row["rated_at"].date(), g), (v, t), sign, rated=1, **{row["rating"]: 1})

    def add_change(self, before: dict | None, after: dict) -> None:
        """The change from ``before`` (None: a new case) to ``after`` of one case."""
        if before is not None:
            self.add_case(before, -1)
        self.add_case(after, 1)

    def add_escalation(self, row: dict, at: datetime) -> None:
        """One escalate event at ``at`` (``case_day.escalated`` counts events, not cases)."""
        self._add("case_day", (at.date(), row["grid_code"]), (row["village_code"], row["township_code"]), 1,
                  escalated=1)

    def rows(self, table: str) -> list[dict]:
        """Non-zero changes of ``table`` as upsert parameters, in key order."""
        tbl, keys, scopes, counts = TABLES[table]
        out = []
        for key in sorted(self._rows[table]):
            scope, delta = self._rows[table][key]
            if not any(delta.values()):
                continue
            out.append({**dict(zip(keys, key)), **dict(zip(scopes, scope)),
                        **{c: delta.get(c, 0) for c in counts}})
        return out

    def apply(self, conn: Connection) -> None:
        """Upsert every change; delete rows that a shrinking change left at all zeros."""
        for name, (tbl, keys, _scopes, counts) in TABLES.items():
            params = self.rows(name)
            if not params:
                continue
            conn.execute(_upsert(conn.dialect.name, name), params)
            shrunk = [{f"k_{k}": p[k] for k in keys} for p in params
                      if any(p[c] < 0 for c in SHRINKING[name])]
            if shrunk:
                conn.execute(_delete_zero(name), shrunk)


_statements: dict[tuple, object] = {}


def _upsert(dialect: str, name: str):
    """``INSERT .. ON CONFLICT (key) DO UPDATE SET n = n + excluded.n`` for one rollup table."""
    key = ("upsert", dialect, name)
    if key not in _statements:
        tbl, keys, _scopes, counts = TABLES[name]
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = insert(tbl)
        _statements[key] = stmt.on_conflict_do_update(
            index_elements=[tbl.c[k] for k in keys],
            set_={c: tbl.c[c] + stmt.excluded[c] for c in counts})
    return _statements[key]


def _delete_zero(name: str):
    key = ("delete", name)
    if key not in _statements:
        tbl, keys, _scopes, counts = TABLES[name]
        _statements[key] = delete(tbl).where(and_(*[tbl.c[k] == bindparam(f"k_{k}") for k in keys],
                                                  *[tbl.c[c] == 0 for c in counts]))
    return _statements[key]
