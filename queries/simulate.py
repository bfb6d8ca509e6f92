"""A live stream of new cases and node events for the demo city (no CLI, no clock of its own).

:class:`CaseStream` keeps the open cases in memory and, asked for the next
operation at a time ``now``, either reports a new case (source, category,
item and grid drawn like the seed's: ``queries.seed_cases``) or moves one
tracked case on by a legal event: claim (or the half-day reminder when it is
due), escalate, dispatch, urge an overdue case, handle, verify on site,
close, rate, reopen a dissatisfied case.  It applies each event to its own
copy of the case with the lifecycle rules (:mod:`queries.lifecycle_rules`),
so a batch of operations drawn in a row is legal as a whole; the caller
writes them through :mod:`queries.lifecycle` and hands the results back
(:meth:`CaseStream.ack`), which also teaches the stream the ids of new cases.
If a write is refused (another writer moved a case meanwhile), the caller
resynchronises with :meth:`CaseStream.from_database`.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import shapely
from sqlalchemy import Connection, select

from queries.lifecycle_rules import (CLOCK_SKEW, CaseEvent, NewCase, TransitionError, apply_event,
                                     check_new_case, rated_since_closed, verified_since_handled)
from queries.schema import CASE_LEVELS, case, grid_worker
from queries.seed_cases import (ESCALATE_SHARE, GRID_TYPE_WEIGHT, SOURCE_ACTORS, TITLE_PREFIX, category_weights,
                                sample_points)
from queries.taxonomy import CATEGORIES, DEPARTMENTS, LEVEL_UNITS, SOURCES_INFO, departments_for

NEW_CASE_SHARE = 0.15
"""Share of operations that are new cases (a case lives ~7 events)."""
MAX_TRACKED = 20_000
"""Open cases kept in memory; the oldest beyond this are left alone."""
RATINGS_P = (0.83, 0.14, 0.03)          # satisfied, basically, dissatisfied (the seed's shares)
RATED_SHARE = 0.87
REOPEN_SHARE = 0.3                      # of dissatisfied ratings (more than the seed: the demo should show some)
DEPARTMENT_NAMES = {d.code: d.zh for d in DEPARTMENTS}


class CaseStream:
    """Draws operations: a :class:`NewCase` or a ``(case id, CaseEvent)`` pair.

    Parameters
    ----------
    grids : DataFrame
        ``queries.tree.read_grids`` of the city.
    open_rows : list of dict
        Case rows to move on (open ones, typically).
    rng : numpy Generator
    workers : dict
        grid code -> grid worker name (actor of patrol reports and verifications).
    run_id : str
        Makes this run's ``source_ref`` values unique.
    """

    def __init__(self, grids, open_rows: list[dict], rng: np.random.Generator, workers: dict[str, str] | None = None,
                 run_id: str = "0"):
        self.rng, self.run_id, self.workers = rng, run_id, workers or {}
        self.grids = grids.reset_index(drop=True)
        w = np.array([GRID_TYPE_WEIGHT.get(t, 1.0) for t in self.grids.grid_type]) \
            * np.maximum(self.grids.area_km2.to_numpy(), 1e-4) ** 0.2
        self.grid_p = w / w.sum()
        # plain arrays: pandas element access would cost more than the rest of drawing a case
        self.codes = self.grids.code.to_numpy(dtype=object)
        self.villages = self.grids.village_code.to_numpy(dtype=object)
        self.townships = self.grids.township_code.to_numpy(dtype=object)
        self.geoms = self.grids.geometry.to_numpy()
        shapely.prepare(self.geoms)
        self.bounds = shapely.bounds(self.geoms)
        self.cases: dict[int, dict] = {r["id"]: dict(r) for r in open_rows[-MAX_TRACKED:]}
        self.ids: list[int] = list(self.cases)
        self.serial = 0
        self.pending: dict[int, tuple[NewCase, dict]] = {}   # id(op) -> (op, row without id)

    @classmethod
    def from_database(cls, conn: Connection, rng: np.random.Generator, run_id: str = "0") -> "CaseStream":
        """Track the open cases of ``conn``'s database (the newest :data:`MAX_TRACKED`)."""
        from queries.tree import read_grids
        grids = read_grids(conn)
        if grids.empty:
            raise ValueError("the database holds no grids: seed the demo city first")
        rows = conn.execute(select(case).where(case.c.closed_at.is_(None)).order_by(case.c.id.desc())
                            .limit(MAX_TRACKED)).mappings().all()
        workers = dict(conn.execute(select(grid_worker.c.grid_code, grid_worker.c.name)).all())
        return cls(grids, [dict(r) for r in reversed(rows)], rng, workers, run_id)

    # --- drawing

    def take(self, n: int, now: datetime) -> list:
        """``n`` operations at ``now`` (fewer only if nothing at all can happen)."""
        out = []
        for _ in range(n):
            op = self.next_op(now)
            if op is None:
                break
            out.append(op)
        return out

    def next_op(self, now: datetime):
        """One operation at ``now``: a new case, or an event on a tracked case."""
        for _ in range(20):
            if not self.ids or self.rng.random() < NEW_CASE_SHARE:
                return self._new_case(now)
            k = int(self.rng.integers(len(self.ids)))
            cid = self.ids[k]
            ev = self._event(self.cases[cid], now)
            if ev is None:
                self._forget(k)
                continue
            try:
                after, _ = apply_event(self.cases[cid], ev, now)
            except TransitionError:
                self._forget(k)
                continue
            self.cases[cid] = after
            if after["node"] == "closed" and rated_since_closed(after) and after["rating"] != "dissatisfied":
                self._forget(k)
            return (cid, ev)
        return self._new_case(now)

    def _forget(self, k: int) -> None:
        cid = self.ids[k]
        self.ids[k] = self.ids[-1]
        self.ids.pop()
        self.cases.pop(cid, None)

    def _new_case(self, now: datetime) -> NewCase:
        rng = self.rng
        src = SOURCES_INFO[_choice(rng, [s.share for s in SOURCES_INFO])]
        cat = CATEGORIES[_choice(rng, category_weights(now.date()))]
        item = cat.items[_choice(rng, [1.0 / (j + 1) ** 0.8 for j in range(len(cat.items))])]
        g = int(rng.choice(len(self.grid_p), p=self.grid_p))
        lon, lat = sample_points(self.geoms, self.bounds, np.array([g]), rng)
        code = self.codes[g]
        self.serial += 1
        patrol = src.code == "patrol"
        new = NewCase(source=src.code, category=cat.code, created_at=now.replace(microsecond=0),
                      source_ref=f"{src.ref_prefix}-LIVE-{self.run_id}-{self.serial:06d}", item=item.code,
                      title=TITLE_PREFIX[src.code] + item.zh,
                      # a grid worker knows the grid; the other channels bring a point to be placed
                      grid_code=code if patrol else None, lon=round(float(lon[0]), 6), lat=round(float(lat[0]), 6),
                      actor=self.workers.get(code, "") if patrol else SOURCE_ACTORS.get(src.code, ""))
        row = check_new_case(new, now)
        row.update(grid_code=code, village_code=self.villages[g], township_code=self.townships[g])
        self.pending[id(new)] = (new, row)
        return new

    def _event(self, r: dict, now: datetime) -> CaseEvent | None:
        """The next event of case row ``r`` at ``now``, or None when it is done (or out of reach)."""
        rng, node = self.rng, r["node"]
        at = max(now.replace(microsecond=0), r["updated_at"] or r["created_at"])
        if at > now + CLOCK_SKEW:
            return None                      # a case from the future of this clock: leave it
        unit = DEPARTMENT_NAMES.get(r["department"]) or LEVEL_UNITS.get(r["level"], "")
        u = rng.random()
        if node == "received":
            if r["reminded_at"] is None and at >= r["response_due"] and u < 0.5:
                return CaseEvent("remind", at, actor="系统")
            return CaseEvent("claimed", at, actor=unit)
        if node == "closed":
            if not rated_since_closed(r):
                if u > RATED_SHARE:
                    return None
                rating = ("satisfied", "basically_satisfied", "dissatisfied")[_choice(rng, RATINGS_P)]
                return CaseEvent("rate", at, actor="群众", rating=rating)
            if r["rating"] == "dissatisfied" and u < REOPEN_SHARE:
                return CaseEvent("reopen", max(at, r["rated_at"] + timedelta(seconds=1)), actor=unit)
            return None
        if r["deadline"] < at and u < 0.08:
            return CaseEvent("urge", at, actor=LEVEL_UNITS["city" if r["level"] != "village" else "township"])
        if node == "claimed":
            if r["level"] != CASE_LEVELS[-1] and u < ESCALATE_SHARE:
                return self._escalation(r, at)
            return CaseEvent("dispatched", at, actor=unit)
        if node == "dispatched":
            if r["level"] != CASE_LEVELS[-1] and u < 0.05:
                return self._escalation(r, at)
            return CaseEvent("handled", at, actor=unit)
        # handled
        if not verified_since_handled(r):
            return CaseEvent("verify", at, actor=self.workers.get(r["grid_code"], ""))
        return CaseEvent("closed", at, actor=unit)

    def _escalation(self, r: dict, at: datetime) -> CaseEvent:
        up = CASE_LEVELS[CASE_LEVELS.index(r["level"]) + 1]
        dept = None
        if up == "department":
            choices = departments_for(r["category"]) or (DEPARTMENTS[0].code,)
            dept = choices[_choice(self.rng, [1.0 / (j + 1) for j in range(len(choices))])]
        return CaseEvent("escalate", at, actor=LEVEL_UNITS.get(r["level"], ""), department=dept,
                         note="超出本级处置权限")

    # --- feedback

    def ack(self, op, result) -> None:
        """The write path's result for ``op``: learn a new case's id, or take the case row as written."""
        if isinstance(op, NewCase):
            new, row = self.pending.pop(id(op), (None, None))
            cid, created = result
            if row is not None and created and cid not in self.cases:
                row["id"] = cid
                self.cases[cid] = row
                self.ids.append(cid)
            return
        cid, _ = op
        if cid in self.cases:
            self.cases[cid] = dict(result)

    def __len__(self) -> int:
        return len(self.ids)


def _choice(rng: np.random.Generator, weights) -> int:
    w = np.asarray(weights, dtype=float)
    return int(np.searchsorted(np.cumsum(w), rng.random() * w.sum(), side="right").clip(0, len(w) - 1))
