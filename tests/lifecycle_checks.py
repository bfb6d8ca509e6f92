"""Independent checks of the write path, shared by the lifecycle tests.

* :func:`rollup_mismatches`: the incrementally kept rollups against
  ``queries.rollups.rebuild_rollups`` run in a transaction that is rolled back;
* :func:`replay_mismatches`: every case row against the columns its event trail
  implies, computed by ``tests.test_seed._replay`` (the seed's rules written
  out a second time), plus the trail's own order;
* :func:`trail_problems`: the trail against the lifecycle grammar, written
  here a third time as a small state machine per round of handling.
"""
from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import select

from queries.rollups import rebuild_rollups
from queries.schema import CASE_LEVELS, case, case_day, case_day_category, case_day_response, case_event
from tests.test_seed import _replay

ROLLUPS = (case_day, case_day_category, case_day_response)


def _dump(conn) -> dict:
    return {t.name: sorted(tuple(float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v
                                 for v in r) for r in conn.execute(select(t)).all())
            for t in ROLLUPS}


def rollup_mismatches(engine) -> dict:
    """{table: (rows only kept incrementally, rows only in the rebuild)} for tables that differ."""
    with engine.connect() as conn:
        kept = _dump(conn)
        conn.rollback()
        rebuild_rollups(conn)
        fresh = _dump(conn)
        conn.rollback()
    out = {}
    for name in kept:
        a, b = set(kept[name]), set(fresh[name])
        if a != b:
            out[name] = (sorted(a - b)[:5], sorted(b - a)[:5])
    return out


def cases_and_trails(engine) -> list[tuple[dict, list[dict]]]:
    with engine.connect() as conn:
        cases = [dict(r) for r in conn.execute(select(case).order_by(case.c.id)).mappings()]
        events = [dict(r) for r in conn.execute(select(case_event).order_by(case_event.c.case_id,
                                                                           case_event.c.seq)).mappings()]
    by_case: dict[int, list[dict]] = {}
    for e in events:
        by_case.setdefault(e["case_id"], []).append(e)
    return [(c, by_case.get(c["id"], [])) for c in cases]


def replay_mismatches(engine) -> list:
    """Cases whose columns differ from their replayed trail, or whose trail is out of order."""
    bad = []
    for c, trail in cases_and_trails(engine):
        seqs = [e["seq"] for e in trail]
        times = [e["at"] for e in trail]
        if seqs != list(range(1, len(trail) + 1)) or times != sorted(times) or trail[0]["kind"] != "received":
            bad.append((c["id"], "trail order", seqs))
            continue
        want = _replay(SimpleNamespace(**c), [SimpleNamespace(**e) for e in trail])
        diff = {k: (c[k], v) for k, v in want.items() if c[k] != v}
        if diff:
            bad.append((c["id"], diff))
    return bad


def trail_problems(trail: list[dict]) -> list[str]:
    """What is wrong with a trail by the lifecycle grammar (empty when it is legal)."""
    problems = []
    node, level, reminded, claimed = "received", "village", False, False
    verified = rated = False           # within the current round of handling / closing
    rating = None
    for e in trail[1:]:
        k = e["kind"]
        if node == "closed" and k not in ("rate", "reopen"):
            problems.append(f"{k} on a closed case")
        if k == "claimed":
            ok, node, claimed = node == "received", "claimed", True
        elif k == "dispatched":
            ok, node = node in ("claimed", "dispatched"), "dispatched"
        elif k == "handled":
            ok, node, verified = node == "dispatched", "handled", False
        elif k == "verify":
            ok, verified = node == "handled", True
        elif k == "closed":
            ok, node, rated = node == "handled" and verified, "closed", False
        elif k == "rate":
            ok, rated, rating = node == "closed" and not rated, True, e["note"]
        elif k == "reopen":
            ok, node = node == "closed" and rated and rating == "dissatisfied", "dispatched"
        elif k == "escalate":
            ok = level != "department" and e["level"] == CASE_LEVELS[CASE_LEVELS.index(level) + 1] \
                and (e["department"] is not None) == (e["level"] == "department")
            level = e["level"]
        elif k == "remind":
            ok, reminded = not claimed and not reminded, True
        else:
            ok = node != "closed"      # urge
        if not ok:
            problems.append(f"seq {e['seq']}: {k} not allowed here")
    return problems
