"""Concurrent writers through queries.lifecycle, on SQLite and PostgreSQL: no event and no version step is lost.

Several threads (each with its own connection from the engine's pool) start
together at a barrier and hammer the same few cases.  Without the row locks
(PostgreSQL ``SELECT .. FOR UPDATE``) or the early write lock (SQLite
``BEGIN IMMEDIATE``) two writers would read the same case row and the same
last ``seq``: one would fail on the unique (case_id, seq) or overwrite the
other's ``urges`` — both are checked here.
"""
from __future__ import annotations

import random
import threading
from collections import Counter
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from queries.lifecycle import CaseEvent, NewCase, append_event, append_events, create_case, create_cases
from queries.schema import case, case_event
from queries.version import current_version
from tests.lifecycle_checks import replay_mismatches, rollup_mismatches
from tests.small_city import write_small_city

NOW = datetime(2026, 11, 20, 10, 0)
AT = NOW - timedelta(hours=1)
GRID = "210882001001001"
THREADS, ROUNDS, CASES = 4, 25, 3


@pytest.fixture
def city(engine):
    with engine.begin() as conn:
        write_small_city(conn)
    return engine


def _run_threads(work) -> list:
    """Run ``work(thread number, barrier)`` in THREADS threads; returns their results; re-raises failures."""
    barrier = threading.Barrier(THREADS)
    results, errors = [None] * THREADS, []

    def target(k):
        try:
            results[k] = work(k, barrier)
        except BaseException as exc:       # noqa: BLE001 - reported below
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=target, args=(k,)) for k in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    return results


def test_concurrent_events_on_the_same_cases_are_all_kept(city):
    with city.begin() as conn:
        ids = [cid for cid, _ in create_cases(conn, [NewCase("hotline", "property", AT - timedelta(hours=2),
                                                             source_ref=f"c{i}", grid_code=GRID)
                                                     for i in range(CASES)], now=NOW)]
        for cid in ids:
            append_event(conn, cid, CaseEvent("claimed", AT - timedelta(hours=1)), now=NOW)
    v0 = current_version(city)

    def work(k, barrier):
        rng = random.Random(k)
        urged, transactions, created = Counter(), 0, 0
        barrier.wait()
        for r in range(ROUNDS):
            with city.begin() as conn:
                if r % 5 == 4:        # a new case now and then, between the events
                    create_case(conn, NewCase("photo", "environment", AT, source_ref=f"t{k}-{r}",
                                              lon=122.01, lat=40.015), now=NOW)
                    created += 1
                elif r % 3 == 2:      # a batch touching two cases
                    pair = rng.sample(ids, 2)
                    append_events(conn, [(cid, CaseEvent("urge", AT, actor=f"t{k}")) for cid in pair], now=NOW)
                    urged.update(pair)
                else:
                    cid = rng.choice(ids)
                    append_event(conn, cid, CaseEvent("urge", AT, actor=f"t{k}"), now=NOW)
                    urged[cid] += 1
            transactions += 1
        return urged, transactions, created

    results = _run_threads(work)
    urged = sum((r[0] for r in results), Counter())
    with city.connect() as conn:
        rows = {r.id: r for r in conn.execute(select(case.c.id, case.c.urges).where(case.c.id.in_(ids)))}
        events = Counter(conn.execute(select(case_event.c.case_id).where(case_event.c.kind == "urge")).scalars())
        n_cases = conn.execute(select(func.count()).select_from(case)).scalar()
    assert {cid: rows[cid].urges for cid in ids} == {cid: urged[cid] for cid in ids}, "no lost update of the row"
    assert dict(events) == {cid: urged[cid] for cid in ids}, "no lost event"
    assert n_cases == CASES + sum(r[2] for r in results)
    assert current_version(city) == v0 + sum(r[1] for r in results), "one version step per write transaction"
    assert not replay_mismatches(city), "seqs run 1, 2, 3 … per case and the columns match the trail"
    assert not rollup_mismatches(city)


def test_concurrent_creation_of_one_source_ref_creates_one_case(city):
    v0 = current_version(city)

    def work(k, barrier):
        barrier.wait()
        with city.begin() as conn:
            return create_case(conn, NewCase("hotline", "property", AT, source_ref="same", grid_code=GRID,
                                             title=f"thread {k}"), now=NOW)

    results = _run_threads(work)
    assert len({cid for cid, _ in results}) == 1
    assert sorted(created for _, created in results) == [False] * (THREADS - 1) + [True]
    with city.connect() as conn:
        assert conn.execute(select(func.count()).select_from(case)).scalar() == 1
        assert conn.execute(select(func.count()).select_from(case_event)).scalar() == 1
    assert current_version(city) == v0 + 1


def test_a_racing_transition_is_refused_not_doubled(city):
    """Every thread tries to claim the same case: exactly one claim gets through, the others are refused."""
    from queries.lifecycle import TransitionError
    with city.begin() as conn:
        cid, _ = create_case(conn, NewCase("hotline", "property", AT, source_ref="race", grid_code=GRID), now=NOW)

    def work(k, barrier):
        barrier.wait()
        try:
            with city.begin() as conn:
                append_event(conn, cid, CaseEvent("claimed", AT, actor=f"t{k}"), now=NOW)
            return "ok"
        except TransitionError as exc:
            return exc.rule

    results = _run_threads(work)
    assert sorted(results) == ["claim_not_received"] * (THREADS - 1) + ["ok"]
    with city.connect() as conn:
        kinds = conn.execute(select(case_event.c.kind).where(case_event.c.case_id == cid)).scalars().all()
    assert sorted(kinds) == ["claimed", "received"]
