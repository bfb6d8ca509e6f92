"""The write path of live cases (queries.lifecycle) on the small test city, on SQLite and PostgreSQL.

Expectations are hand-written (a trail walked through step by step) or
recomputed independently: the case columns from the trail by the seed's
replay (tests/test_seed._replay), the rollups by rebuild_rollups.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import shapely
from click.testing import CliRunner
from sqlalchemy import func, select

from queries import placement
from queries.lifecycle import (CaseEvent, CaseInputError, CaseNotFound, NewCase, TransitionError, append_event,
                               append_events, case_states, create_case, create_cases, rate_case, read_case,
                               state_clauses, write_batch)
from queries.lifecycle_rules import STATES
from queries.schema import case, case_day, case_day_category, case_day_response, case_event
from queries.version import current_version
from queries.taxonomy import RESPONSE_DUE_HOURS, category, deadline_hours
from tests.lifecycle_checks import replay_mismatches, rollup_mismatches, trail_problems
from tests.small_city import box_city, small_city, write_small_city, write_tree

NOW = datetime(2026, 11, 20, 10, 0)
G1 = "210882001001001"          # the box 122.00-122.02 x 40.01-40.02
V1, T1 = "210882001001", "210882001"


@pytest.fixture
def city(engine):
    with engine.begin() as conn:
        write_small_city(conn)
    return engine


def _snapshot(engine) -> dict:
    """Every table the write path touches, as sorted rows, and the data version."""
    with engine.connect() as conn:
        out = {t.name: sorted(map(tuple, conn.execute(select(t)).all()), key=repr)
               for t in (case, case_event, case_day, case_day_category, case_day_response)}
    out["version"] = current_version(engine)
    return out


def _new(ref="r1", **kw) -> NewCase:
    args = dict(source="hotline", category="property", created_at=NOW - timedelta(hours=6), source_ref=ref,
                grid_code=G1)
    args.update(kw)
    return NewCase(**args)


def _create(engine, new=None, now=NOW) -> int:
    with engine.begin() as conn:
        cid, created = create_case(conn, new or _new(), now=now)
    assert created
    return cid


def _apply(engine, cid, *events, now=NOW) -> dict:
    with engine.begin() as conn:
        row = None
        for ev in events:
            row = append_event(conn, cid, ev, now=now)
    return row


def _ev(kind, minutes_before_now, **kw) -> CaseEvent:
    return CaseEvent(kind, NOW - timedelta(minutes=minutes_before_now), **kw)


# --- creating ------------------------------------------------------------------------------------------

def test_create_writes_case_event_rollups_and_version(city):
    v0 = current_version(city)
    created_at = NOW - timedelta(hours=6, microseconds=123)
    cid = _create(city, _new(created_at=created_at, title="楼道堆物", actor="8890热线", note="来电"))
    with city.connect() as conn:
        c = read_case(conn, cid)
    at = created_at.replace(microsecond=0)
    assert (c["node"], c["level"], c["department"], c["grid_code"], c["village_code"], c["township_code"]) == \
        ("received", "village", None, G1, V1, T1)
    assert c["item"] == category("property").items[0].code
    assert c["created_at"] == at == c["updated_at"]
    assert c["response_due"] == at + timedelta(hours=12) and RESPONSE_DUE_HOURS == 12
    assert c["deadline"] == at + timedelta(hours=48)            # property at village level: 48 h
    assert [(e["seq"], e["kind"], e["at"], e["actor"], e["level"], e["note"]) for e in c["events"]] == \
        [(1, "received", at, "8890热线", "village", "来电")]
    assert current_version(city) == v0 + 1
    with city.connect() as conn:
        day = conn.execute(select(case_day)).mappings().one()
        cat = conn.execute(select(case_day_category)).mappings().one()
    assert (day["day"], day["grid_code"], day["created"], day["at_received"]) == (at.date(), G1, 1, 1)
    assert (cat["village_code"], cat["category"], cat["created"], cat["closed"]) == (V1, "property", 1, 0)
    assert not rollup_mismatches(city)


def test_point_is_placed_in_its_grid(city):
    tree = small_city()
    # the triangles of V3 share a diagonal: a point just above it is in the second triangle
    for lon, lat in ((122.01, 40.015), (122.03, 40.005), (122.055, 40.012), (122.045, 40.015)):
        want = tree.grids.code[shapely.contains_xy(tree.grids.geometry.to_numpy(), lon, lat)].item()
        cid = _create(city, _new(ref=f"p{lon}{lat}", grid_code=None, lon=lon, lat=lat))
        with city.connect() as conn:
            row = read_case(conn, cid)
        assert (row["grid_code"], row["lon"], row["lat"]) == (want, lon, lat)
        assert row["village_code"] == tree.grids.set_index("code").village_code[want]


@pytest.mark.parametrize("kw, field", [
    (dict(grid_code=None, lon=121.0, lat=40.0), "lon"),               # outside every grid
    (dict(grid_code=None), "grid_code"),                              # neither grid nor point
    (dict(grid_code=None, lon=122.01), "lat"),                        # half a point
    (dict(grid_code="nope"), "grid_code"),
    (dict(source="fax"), "source"),
    (dict(category="weather"), "category"),
    (dict(item="environment.garbage"), "item"),                       # an item of another category
    (dict(created_at=NOW + timedelta(minutes=10)), "created_at"),
    (dict(title="长" * 201), "title"),
])
def test_bad_new_case_names_the_field_and_writes_nothing(city, kw, field):
    before = _snapshot(city)
    with pytest.raises(CaseInputError) as err, city.begin() as conn:
        create_case(conn, _new(**kw), now=NOW)
    assert err.value.field == field and err.value.message and str(err.value).startswith(field)
    assert _snapshot(city) == before


def test_create_is_idempotent_per_source(city):
    cid = _create(city)
    before = _snapshot(city)
    with city.begin() as conn:
        assert create_case(conn, _new(category="environment"), now=NOW) == (cid, False)
    assert _snapshot(city) == before, "a known (source, source_ref) writes nothing, not even a version"
    with city.begin() as conn:   # the same ref from another source is another case
        other, created = create_case(conn, _new(source="photo"), now=NOW)
    assert created and other != cid


# --- a whole life ----------------------------------------------------------------------------------------

def test_full_life_matches_the_seed_rules(city):
    cid = _create(city, _new(created_at=NOW - timedelta(hours=30)))        # 04:00 the day before
    t0 = NOW - timedelta(hours=30)

    def at(h):
        return t0 + timedelta(hours=h)

    steps = [CaseEvent("remind", at(12), actor="系统"), CaseEvent("claimed", at(13)),
             CaseEvent("escalate", at(14)), CaseEvent("escalate", at(15)),
             CaseEvent("escalate", at(16), department="housing"), CaseEvent("dispatched", at(17)),
             CaseEvent("urge", at(18)), CaseEvent("handled", at(19)), CaseEvent("verify", at(19)),
             CaseEvent("closed", at(20)), CaseEvent("rate", at(21), rating="dissatisfied", note="ignored"),
             CaseEvent("reopen", at(22)), CaseEvent("dispatched", at(23)), CaseEvent("handled", at(24)),
             CaseEvent("verify", at(25)), CaseEvent("closed", at(26)), CaseEvent("rate", at(27), rating="satisfied")]
    rows = [_apply(city, cid, ev, now=at(30)) for ev in steps]
    last = rows[-1]
    assert (last["node"], last["level"], last["department"]) == ("closed", "department", "housing")
    assert (last["escalations"], last["urges"], last["reopens"]) == (3, 1, 1)
    assert last["claimed_at"] == at(13) and last["handled_at"] == at(24) and last["closed_at"] == at(26)
    assert last["verified_at"] == at(25) and last["reminded_at"] == at(12)
    assert (last["rating"], last["rated_at"], last["updated_at"]) == ("satisfied", at(27), at(27))
    assert last["deadline"] == at(16) + timedelta(hours=deadline_hours("property", "department"))
    assert rows[11]["node"] == "dispatched" and rows[11]["closed_at"] is None and rows[11]["rating"] == "dissatisfied"
    with city.connect() as conn:
        trail = read_case(conn, cid)["events"]
    assert [e["kind"] for e in trail] == ["received"] + [s.kind for s in steps]
    assert [e["level"] for e in trail][3:6] == ["township", "city", "department"]
    assert trail[11]["note"] == "dissatisfied", "a rate event's note holds the rating, as in the seed"
    assert not replay_mismatches(city) and not trail_problems(trail)
    assert not rollup_mismatches(city)
    with city.connect() as conn:
        days = {r.day: r for r in conn.execute(select(case_day)).all()}
    # closed once on each close day?  The first close was taken back by the reopening
    assert sum(r.closed for r in days.values()) == 1 and sum(r.rated for r in days.values()) == 1
    assert sum(r.escalated for r in days.values()) == 3 and sum(r.escalated_cases for r in days.values()) == 1


def test_rate_case_and_states(city):
    cid = _create(city)
    row = _apply(city, cid, _ev("claimed", 300), _ev("dispatched", 290), _ev("handled", 200))
    assert case_states(row, NOW) == {"open", "awaiting_verification"}
    row = _apply(city, cid, _ev("verify", 100), _ev("closed", 90))
    assert case_states(row, NOW) == {"closed", "awaiting_rating"}
    with city.begin() as conn:
        row = rate_case(conn, cid, "basically_satisfied", NOW - timedelta(minutes=80), now=NOW, actor="群众")
    assert row["rating"] == "basically_satisfied" and case_states(row, NOW) == {"closed"}


def test_overdue_and_reminder_due_follow_the_clock(city):
    cid = _create(city, _new(created_at=NOW - timedelta(hours=1)))
    with city.connect() as conn:
        row = read_case(conn, cid)
    assert case_states(row, NOW) == {"open"}
    assert "reminder_due" in case_states(row, NOW + timedelta(hours=11, seconds=1))
    later = NOW + timedelta(hours=48)
    assert case_states(row, later) == {"open", "overdue", "reminder_due"}


def test_states_agree_with_their_sql(city):
    """case_states (Python) and state_clauses (SQL) select the same cases, at several clocks."""
    ids = [_create(city, _new(ref=f"s{i}", created_at=NOW - timedelta(hours=50 - i))) for i in range(6)]
    _apply(city, ids[1], _ev("claimed", 600))
    _apply(city, ids[2], _ev("claimed", 600), _ev("escalate", 590), _ev("urge", 500))
    _apply(city, ids[3], _ev("remind", 100), _ev("claimed", 90), _ev("dispatched", 80), _ev("handled", 70))
    _apply(city, ids[4], _ev("claimed", 600), _ev("dispatched", 80), _ev("handled", 70), _ev("verify", 60),
           _ev("closed", 50))
    _apply(city, ids[5], _ev("claimed", 600), _ev("dispatched", 80), _ev("handled", 70), _ev("verify", 60),
           _ev("closed", 50), _ev("rate", 40, rating="dissatisfied"), _ev("reopen", 30))
    for now in (NOW, NOW + timedelta(hours=30), NOW + timedelta(days=20)):
        with city.connect() as conn:
            rows = [dict(r) for r in conn.execute(select(case)).mappings()]
            for state in STATES:
                got = set(conn.execute(select(case.c.id).where(*state_clauses(state, now))).scalars())
                assert got == {r["id"] for r in rows if state in case_states(r, now)}, (state, now)


# --- refusals ----------------------------------------------------------------------------------------------

REFUSALS = [
    # (events that are fine, the refused event, rule)
    ([], _ev("closed", 100), "close_before_handled"),
    ([_ev("claimed", 300), _ev("dispatched", 200), _ev("handled", 100)], _ev("closed", 50), "close_before_verified"),
    ([], _ev("dispatched", 100), "dispatch_before_claim"),
    ([_ev("claimed", 300)], _ev("claimed", 200), "claim_not_received"),
    ([_ev("claimed", 300)], _ev("handled", 200), "handle_before_dispatch"),
    ([], _ev("verify", 100), "verify_before_handled"),
    ([_ev("claimed", 300), _ev("escalate", 290), _ev("escalate", 280), _ev("escalate", 270, department="housing")],
     _ev("escalate", 260, department="housing"), "escalate_above_department"),
    ([_ev("claimed", 300), _ev("dispatched", 290), _ev("handled", 280), _ev("verify", 270), _ev("closed", 260),
      _ev("rate", 250, rating="satisfied")], _ev("rate", 240, rating="dissatisfied"), "rated_twice"),
    ([], _ev("rate", 100, rating="satisfied"), "rate_before_closed"),
    ([_ev("claimed", 300), _ev("dispatched", 290), _ev("handled", 280), _ev("verify", 270), _ev("closed", 260),
      _ev("rate", 250, rating="satisfied")], _ev("reopen", 240), "reopen_not_dissatisfied"),
    ([_ev("claimed", 300), _ev("dispatched", 290), _ev("handled", 280), _ev("verify", 270), _ev("closed", 260)],
     _ev("reopen", 240), "reopen_not_dissatisfied"),
    ([_ev("claimed", 300), _ev("dispatched", 290), _ev("handled", 280), _ev("verify", 270), _ev("closed", 260),
      _ev("rate", 250, rating="dissatisfied")], _ev("reopen", 250), "out_of_time_order"),
    ([_ev("claimed", 300), _ev("dispatched", 290), _ev("handled", 280), _ev("verify", 270), _ev("closed", 260)],
     _ev("urge", 250), "closed_case"),
    ([_ev("claimed", 300)], _ev("dispatched", 301), "out_of_time_order"),
    ([_ev("claimed", 300)], _ev("remind", 200), "remind_after_claim"),
    ([], _ev("remind", 100), "remind_before_due"),                         # created 6 h ago: due in 6 h
]


@pytest.mark.parametrize("fine, bad, rule", REFUSALS, ids=[r[2] for r in REFUSALS])
def test_illegal_transition_is_refused_and_writes_nothing(city, fine, bad, rule):
    cid = _create(city)
    if fine:
        _apply(city, cid, *fine)
    before = _snapshot(city)
    with pytest.raises(TransitionError) as err, city.begin() as conn:
        append_event(conn, cid, bad, now=NOW)
    assert (err.value.case_id, err.value.rule) == (cid, rule)
    assert str(err.value).startswith(f"case {cid}: {rule}: ")
    assert _snapshot(city) == before


def test_reminder_only_once_and_only_when_due(city):
    cid = _create(city, _new(created_at=NOW - timedelta(hours=13)))
    row = _apply(city, cid, _ev("remind", 60))
    assert row["reminded_at"] == NOW - timedelta(hours=1) and "reminded" in case_states(row, NOW)
    with pytest.raises(TransitionError, match="reminded_twice"), city.begin() as conn:
        append_event(conn, cid, _ev("remind", 0), now=NOW)


@pytest.mark.parametrize("ev, field", [
    (CaseEvent("received", NOW), "kind"), (CaseEvent("teleport", NOW), "kind"),
    (CaseEvent("rate", NOW, rating="great"), "rating"), (CaseEvent("claimed", NOW, rating="satisfied"), "rating"),
    (CaseEvent("claimed", NOW + timedelta(hours=1)), "at"), (CaseEvent("claimed", NOW, department="housing"), "department"),
])
def test_bad_event_input(city, ev, field):
    cid = _create(city)
    with pytest.raises(CaseInputError) as err, city.begin() as conn:
        append_event(conn, cid, ev, now=NOW)
    assert err.value.field == field


def test_escalation_names_a_department_only_at_the_top(city):
    cid = _create(city)
    _apply(city, cid, _ev("claimed", 300))
    with pytest.raises(CaseInputError, match="department"), city.begin() as conn:
        append_event(conn, cid, _ev("escalate", 200, department="housing"), now=NOW)
    _apply(city, cid, _ev("escalate", 200), _ev("escalate", 190))
    for dept in (None, "ministry_of_magic"):
        with pytest.raises(CaseInputError) as err, city.begin() as conn:
            append_event(conn, cid, _ev("escalate", 180, department=dept), now=NOW)
        assert err.value.field == "department"
    row = _apply(city, cid, _ev("escalate", 180, department="water"))
    assert (row["level"], row["department"]) == ("department", "water")


def test_unknown_case(city):
    with pytest.raises(CaseNotFound) as err, city.begin() as conn:
        append_event(conn, 999, _ev("claimed", 1), now=NOW)
    assert err.value.case_id == 999 and "999" in str(err.value)


def test_a_refusal_rolls_back_the_callers_whole_transaction(city):
    """Writes earlier in the same transaction are undone with it: the caller owns the transaction."""
    cid = _create(city)
    before = _snapshot(city)
    with pytest.raises(TransitionError), city.begin() as conn:
        append_event(conn, cid, _ev("claimed", 100), now=NOW)
        create_case(conn, _new(ref="r2"), now=NOW)
        append_event(conn, cid, _ev("claimed", 50), now=NOW)
    assert _snapshot(city) == before


# --- batches -------------------------------------------------------------------------------------------------

def test_batches_bump_the_version_once(city):
    v0 = current_version(city)
    with city.begin() as conn:
        res = create_cases(conn, [_new(ref=f"b{i}", grid_code=None, lon=122.01 + 0.01 * (i % 5), lat=40.005)
                                  for i in range(10)] + [_new(ref="b3")], now=NOW)
    assert [c for _, c in res] == [True] * 10 + [False] and res[10][0] == res[3][0]
    assert current_version(city) == v0 + 1
    ids = [cid for cid, _ in res[:10]]
    with city.begin() as conn:
        rows = append_events(conn, [(cid, _ev("claimed", 100)) for cid in ids]
                             + [(ids[0], _ev("dispatched", 90)), (ids[0], _ev("handled", 80))], now=NOW)
    assert [r["node"] for r in rows] == ["claimed"] * 10 + ["dispatched", "handled"]
    assert current_version(city) == v0 + 2
    assert not replay_mismatches(city) and not rollup_mismatches(city)


def test_batch_is_all_or_nothing_and_names_the_item(city):
    ids = [_create(city, _new(ref=f"a{i}")) for i in range(3)]
    before = _snapshot(city)
    with pytest.raises(TransitionError) as err, city.begin() as conn:
        append_events(conn, [(ids[0], _ev("claimed", 100)), (ids[1], _ev("claimed", 100)),
                             (ids[1], _ev("closed", 90)), (ids[2], _ev("claimed", 80))], now=NOW)
    assert err.value.index == 2 and err.value.case_id == ids[1] and str(err.value).startswith("item 2: ")
    with pytest.raises(CaseInputError) as err, city.begin() as conn:
        create_cases(conn, [_new(ref="n1"), _new(ref="n2", grid_code="x")], now=NOW)
    assert err.value.index == 1 and err.value.field == "grid_code"
    with pytest.raises(CaseNotFound) as err, city.begin() as conn:
        write_batch(conn, [_new(ref="n3"), (ids[0], _ev("claimed", 100)), (12345, _ev("claimed", 100))], now=NOW)
    assert err.value.index == 2
    assert _snapshot(city) == before


# --- placement ------------------------------------------------------------------------------------------

def test_locator_is_rebuilt_when_boundaries_change(sqlite_engine):
    placement.clear()
    with sqlite_engine.begin() as conn:
        write_small_city(conn)
        first = placement.grid_index(conn)
        assert placement.grid_index(conn) is first, "built once"
        write_tree(conn, box_city(2, 4, 8))
        second = placement.grid_index(conn)
    assert second is not first and set(second.parents) != set(first.parents)


# --- the CLI -----------------------------------------------------------------------------------------------

def test_simulate_and_bench_ingest_write_through_the_lifecycle(sqlite_engine, sqlite_url):
    from cli.main import main
    with sqlite_engine.begin() as conn:
        write_small_city(conn)
    env = {"GRIDBOARD_NOW": NOW.isoformat()}
    res = CliRunner().invoke(main, ["--database-url", sqlite_url, "simulate", "--rate", "2000", "--count", "60",
                                    "--seed", "3"], env=env)
    assert res.exit_code == 0, res.output
    with sqlite_engine.connect() as conn:
        n_cases = conn.execute(select(func.count()).select_from(case)).scalar()
        n_events = conn.execute(select(func.count()).select_from(case_event)).scalar()
    assert n_cases >= 1 and n_events == 60, "every simulated operation is one event (a new case: its received)"
    res = CliRunner().invoke(main, ["--database-url", sqlite_url, "bench-ingest", "--events", "200",
                                    "--batch", "50"], env=env)
    assert res.exit_code == 0, res.output
    assert "single-event transactions" in res.output and "batches of 50" in res.output
    with sqlite_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(case_event)).scalar() == 60 + 400
    assert not replay_mismatches(sqlite_engine) and not rollup_mismatches(sqlite_engine)


def test_simulate_stops_cleanly_on_ctrl_c(sqlite_engine, sqlite_url):
    """SIGINT between transactions: exit code 0, a last summary line, and a consistent database."""
    import os
    import select as io_select
    import signal
    import subprocess
    import sys
    from pathlib import Path
    with sqlite_engine.begin() as conn:
        write_small_city(conn)
    env = {**os.environ, "GRIDBOARD_NOW": NOW.isoformat()}
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", "--database-url", sqlite_url, "simulate",
                             "--rate", "200", "--seed", "5"], cwd=Path(__file__).parent.parent, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seen = b""
    try:
        while b"events (" not in seen:          # the first progress line: the loop is running
            ready, _, _ = io_select.select([proc.stderr], [], [], 60)
            assert ready, seen
            chunk = os.read(proc.stderr.fileno(), 4096)
            assert chunk, seen
            seen += chunk
        proc.send_signal(signal.SIGINT)
        rest = proc.communicate(timeout=60)[1]
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, seen + rest
    assert b"stopped" in rest and b"events written" in rest
    assert not replay_mismatches(sqlite_engine) and not rollup_mismatches(sqlite_engine)


def test_simulated_stream_is_legal_and_covers_the_lifecycle(sqlite_engine):
    """Thousands of simulated operations are all accepted, and every kind of event occurs."""
    import numpy as np

    from queries.simulate import CaseStream
    with sqlite_engine.begin() as conn:
        write_small_city(conn)
    with sqlite_engine.connect() as conn:
        stream = CaseStream.from_database(conn, np.random.default_rng(4), run_id="T")
    clock = NOW - timedelta(days=20)
    for _ in range(600):
        clock += timedelta(minutes=45)
        ops = stream.take(10, clock)
        with sqlite_engine.begin() as conn:
            for op, res in zip(ops, write_batch(conn, ops, now=clock)):
                stream.ack(op, res)
    with sqlite_engine.connect() as conn:
        kinds = dict(conn.execute(select(case_event.c.kind, func.count()).group_by(case_event.c.kind)).all())
        levels = set(conn.execute(select(case.c.level).distinct()).scalars())
    assert set(kinds) == {"received", "claimed", "dispatched", "handled", "verify", "closed", "rate", "escalate",
                          "urge", "remind", "reopen"}, kinds
    assert sum(kinds.values()) == 6000 and levels == {"village", "township", "city", "department"}
    assert not replay_mismatches(sqlite_engine) and not rollup_mismatches(sqlite_engine)
