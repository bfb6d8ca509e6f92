"""Property-based tests of the lifecycle: any sequence of operations, legal or not.

Hypothesis draws sequences of creations and events (any kind, at any time,
forwards or backwards, singly or in batches) and writes them through
queries.lifecycle.  Whatever was accepted or refused, afterwards:

* every trail is legal by the grammar of tests/lifecycle_checks (written
  independently of queries.lifecycle_rules), and every case row equals what
  the seed's replay derives from its trail;
* every refused event really was illegal by that grammar (or out of time
  order, or too early for a reminder): the write path refuses nothing legal;
* a refused write changed nothing, and the data version rose once per
  accepted write;
* the incrementally kept rollups equal a rebuild from the rows.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select

from queries.lifecycle import (CaseEvent, CaseInputError, NewCase, TransitionError, append_event, append_events,
                               create_case, read_case)
from queries.schema import CASE_LEVELS, RATINGS, case, case_day, case_day_category, case_day_response, case_event
from queries.schema import data_version
from queries.taxonomy import RESPONSE_DUE_HOURS
from tests.lifecycle_checks import replay_mismatches, rollup_mismatches, trail_problems
from tests.small_city import write_small_city

T0 = datetime(2026, 11, 1, 8, 0)
NOW = T0 + timedelta(days=60)
GRIDS = ("210882001001001", "210882001002002", "210882002001002")
KINDS = ("claimed", "dispatched", "handled", "verify", "closed", "escalate", "urge", "rate", "reopen", "remind")
# "next" = the step the grammar expects next (see _next_kind): random kinds alone rarely get a case far;
# "skip" = the step after it (a near miss that must be refused)

op_strategy = st.tuples(
    st.sampled_from(("create",) + KINDS + ("escalate",) * 3 + ("next",) * 20 + ("skip",) * 4),
    st.sampled_from((0, 0, 0, 0, 0, 1, 2, 3)),                    # which case (of the last four)
    st.one_of(st.integers(-20, 180), st.just(0), st.just(13 * 60), st.integers(1, 3 * 24 * 60)),  # minutes on
    st.sampled_from(RATINGS),
    st.sampled_from(["good", "good", "good", "none", "bogus"]),   # department: as needed / missing / unknown
    st.sampled_from((False, False, True)),                        # joins the batch of the op before
    st.sampled_from(GRIDS + ("property", "environment")),         # grid and category of a new case
)


def _reset(engine) -> None:
    with engine.begin() as conn:
        for t in (case_day, case_day_category, case_day_response, case_event, case):
            conn.execute(delete(t))
        conn.execute(delete(data_version))
        conn.execute(data_version.insert().values(id=1, version=1))


def _counts(engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return (conn.execute(select(func.count()).select_from(case)).scalar(),
                conn.execute(select(func.count()).select_from(case_event)).scalar(),
                conn.execute(select(data_version.c.version)).scalar())


def _event(kind, at, rating, dept_choice, trail) -> CaseEvent:
    level = next((e["level"] for e in reversed(trail) if e["kind"] == "escalate"), "village")
    up = CASE_LEVELS[min(CASE_LEVELS.index(level) + 1, len(CASE_LEVELS) - 1)]
    dept = None
    if kind == "escalate" and up == "department":
        dept = {"good": "housing", "none": None, "bogus": "nowhere"}[dept_choice]
    return CaseEvent(kind, at, rating=rating if kind == "rate" else None, department=dept)


def _next_kind(trail: list[dict]) -> str:
    """The happy path's next step after ``trail`` (by the kinds in it, not by the case row)."""
    last_node = next((e["kind"] for e in reversed(trail)
                      if e["kind"] in ("received", "claimed", "dispatched", "handled", "closed", "reopen")), "received")
    return {"received": "claimed", "claimed": "dispatched", "dispatched": "handled", "reopen": "dispatched",
            "handled": "closed" if trail[-1]["kind"] == "verify" else "verify",
            "closed": "reopen" if trail[-1]["kind"] == "rate" else "rate"}[last_node]


def _skip_kind(trail: list[dict]) -> str:
    """The step after the next one: what a careless operator would try."""
    nxt = _next_kind(trail)
    return {"claimed": "dispatched", "dispatched": "handled", "handled": "verify", "verify": "closed",
            "closed": "rate", "rate": "reopen", "reopen": "dispatched"}[nxt]


def _justified(trail: list[dict], ev: CaseEvent, created_at: datetime) -> bool:
    """Is refusing ``ev`` right, by the independent grammar and the time rules?"""
    at = ev.at
    if at < trail[-1]["at"]:
        return True
    if ev.kind == "remind" and at < created_at + timedelta(hours=RESPONSE_DUE_HOURS):
        return True
    rated_at = next((e["at"] for e in reversed(trail) if e["kind"] == "rate"), None)
    if ev.kind == "reopen" and rated_at is not None and at <= rated_at:
        return True
    return bool(trail_problems(trail + [_probe(trail, ev)]))


def _probe(trail: list[dict], ev: CaseEvent) -> dict:
    """``ev`` as the event row it would become after ``trail``."""
    level = next((e["level"] for e in reversed(trail) if e["kind"] == "escalate"), "village")
    new_level = CASE_LEVELS[CASE_LEVELS.index(level) + 1] if ev.kind == "escalate" and level != "department" \
        else level
    return {"seq": len(trail) + 1, "kind": ev.kind, "at": ev.at, "level": new_level,
            "department": ev.department if new_level == "department" else None, "note": ev.rating}


def _run(engine, ops, note=lambda label: None) -> None:
    _reset(engine)
    ids: list[int] = []
    t = T0
    accepted = 0
    i = 0
    while i < len(ops):
        group = [ops[i]]
        while i + len(group) < len(ops) and ops[i + len(group)][5] and ops[i + len(group)][0] != "create" \
                and group[0][0] != "create":
            group.append(ops[i + len(group)])
        i += len(group)
        before = _counts(engine)
        if group[0][0] == "create":
            _, _, minutes, _, _, _, where = group[0]
            t += timedelta(minutes=minutes)
            grid = where if where in GRIDS else GRIDS[0]
            cat = where if where not in GRIDS else "property"
            with engine.begin() as conn:
                cid, created = create_case(conn, NewCase("hotline", cat, t, source_ref=f"p{len(ids)}",
                                                         grid_code=grid), now=NOW)
            assert created
            ids.append(cid)
            accepted += 1
            continue
        if not ids:
            continue
        pairs = []
        with engine.connect() as conn:
            trails = {cid: read_case(conn, cid) for cid in ids[-4:]}
        planned = {cid: list(trails[cid]["events"]) for cid in trails}   # the trails as if the batch passes
        for kind, which, minutes, rating, dept, _, _ in group:
            t += timedelta(minutes=minutes)
            cid = ids[-1 - which % min(len(ids), 4)]
            kind = {"next": _next_kind, "skip": _skip_kind}.get(kind, lambda _: kind)(planned[cid])
            ev = _event(kind, t, rating, dept, planned[cid])
            pairs.append((cid, ev))
            planned[cid].append(_probe(planned[cid], ev))
        try:
            with engine.begin() as conn:
                if len(pairs) == 1:
                    append_event(conn, *pairs[0], now=NOW)
                else:
                    append_events(conn, pairs, now=NOW)
            accepted += 1
        except CaseInputError:
            assert _counts(engine) == before
        except TransitionError as exc:
            note(f"refused: {exc.rule}")
            assert _counts(engine) == before, "a refused write changed nothing"
            if len(pairs) == 1:
                cid, ev = pairs[0]
                assert _justified(trails[cid]["events"], ev, trails[cid]["created_at"]), str(exc)
    # the oracles
    with engine.connect() as conn:
        version = conn.execute(select(data_version.c.version)).scalar()
        for cid in ids:
            trail = read_case(conn, cid)["events"]
            assert not trail_problems(trail), (cid, trail_problems(trail))
            note(f"a case at {trail[-1]['kind']}")
        note(f"longest trail {max(len(read_case(conn, cid)['events']) for cid in ids) // 5 * 5}+ events")
    assert version == 1 + accepted, "one version bump per accepted write"
    assert not replay_mismatches(engine)
    assert not rollup_mismatches(engine)


PROFILE = settings(max_examples=60, deadline=None, database=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture
def city(engine):
    with engine.begin() as conn:
        write_small_city(conn)
    return engine


FIRST = ("create", 0, 0, "satisfied", "good", False, GRIDS[0])


@PROFILE
@given(ops=st.lists(op_strategy, min_size=15, max_size=100))
def test_any_sequence_leaves_legal_cases_and_exact_rollups(city, ops):
    _run(city, [FIRST] + ops, note=event)


def test_a_long_legal_life_is_accepted(city):
    """A fixed sequence that reaches every rule once (so the properties above are not vacuous)."""
    ops = [("create", 0, 0, "satisfied", "good", False, GRIDS[0])]
    for kind in ("remind", "claimed", "escalate", "escalate", "escalate", "dispatched", "urge", "handled", "verify",
                 "closed", "rate", "reopen", "dispatched", "handled", "verify", "closed", "rate"):
        ops.append((kind, 0, 13 * 60 if kind == "remind" else 5, "dissatisfied", "good", False, GRIDS[0]))
    _run(city, ops)
    with city.connect() as conn:
        row = conn.execute(select(case)).mappings().one()
    assert (row["node"], row["level"], row["reopens"], row["escalations"]) == ("closed", "department", 1, 3)
