"""Versioned panel cache and geometry cache: keys, hits, misses, Redis sharing, and fresh data after a write."""
from __future__ import annotations

import subprocess
import sys
import uuid
from datetime import timedelta

import pytest
import redis
from flask import Flask
from flask_caching import Cache
from sqlalchemy import event, update

from queries.areas import layer
from queries.cache import (clear_geo_cache, db_tag, encode_arg, geo_cache, init_caches, is_bound, panel_cache,
                           unbind_caches)
from queries.cases import NodeCounts, kpis, node_counts, open_now
from queries.rollups import rebuild_rollups
from queries.schema import case, case_event, map_layer
from queries.scope import Scope
from queries.version import bump_version, current_version
from queries.window import Window
from tests.fixture_city import G5, NOW, T1, V3, case_rows, city_db  # noqa: F401

REDIS_URL = "redis://127.0.0.1:6379/0"
W7 = Window.last_days(7, NOW)


@pytest.fixture
def caches():
    """Both regions bound in process to a fresh server; unbound afterwards."""
    init_caches(Flask("test"))
    yield
    unbind_caches()


@pytest.fixture
def redis_prefix():
    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis not available: {exc}")
    prefix = f"gridboard-test-{uuid.uuid4().hex[:8]}:"
    yield prefix
    for key in client.scan_iter(prefix + "*"):
        client.delete(key)
    unbind_caches()


@pytest.fixture
def statements(city_db):
    """SQL statements sent to the database while the test runs."""
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(city_db, "before_cursor_execute", record)
    yield seen
    event.remove(city_db, "before_cursor_execute", record)


def write_case(engine, case_id: int, grid_code: str, at) -> int:
    """The write path in one transaction: case + events, rollups, version. Returns the new version."""
    spec = (case_id, grid_code, "环境卫生", "hotline", at, 10, "claimed", None, None, 0, None, None, None, None)
    row, events = case_rows(spec)
    with engine.begin() as conn:
        conn.execute(case.insert().values(**row))
        conn.execute(case_event.insert(), events)
        rebuild_rollups(conn)
        return bump_version(conn, at)


def test_key_names_function_scope_window_args_and_version(city_db):
    key = kpis.cache_key(Scope.township(T1), W7, version=7)
    assert key == f"panel:queries.cases.kpis:township:{T1}:2026-11-14..2026-11-20:v7@{db_tag()}"
    # defaults are applied, so the two spellings of a call share an entry
    from queries.mapdata import map_values_at
    assert (map_values_at.cache_key(Scope.city(), W7, "open", NOW, version=3)
            == map_values_at.cache_key(Scope.city(), W7, metric="open", minute=NOW, version=3))


def test_key_is_the_same_in_another_process(city_db, db_url):
    here = kpis.cache_key(Scope.township(T1), W7, version=5)
    code = ("from datetime import datetime; from queries import db; from queries.cases import kpis;"
            "from queries.scope import Scope; from queries.window import Window;"
            f"db.configure({db_url!r});"
            f"print(kpis.cache_key(Scope.township({T1!r}), Window.last_days(7, datetime(2026, 11, 20, 10)),"
            " version=5))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == here


def test_encode_arg():
    assert encode_arg("category:a%b") == "category%3Aa%25b"
    assert encode_arg(None) == "" and encode_arg(True) == "1" and encode_arg(NOW) == "2026-11-20T10:00:00"
    with pytest.raises(TypeError):
        encode_arg(object())


def test_unbound_cache_runs_the_query(city_db):
    assert not is_bound(panel_cache)
    assert node_counts(Scope.grid(G5), W7) == NodeCounts()


def test_hit_costs_one_version_read(city_db, caches, statements):
    first = node_counts(Scope.township(T1), W7)
    n_miss = len(statements)
    assert n_miss >= 2  # the version read, then the rollup query
    statements.clear()
    assert node_counts(Scope.township(T1), W7) == first
    assert len(statements) == 1 and "data_version" in statements[0]


def test_now_panels_share_an_entry_within_a_minute(city_db, caches, statements):
    a = open_now(Scope.city(), NOW + timedelta(seconds=10))
    statements.clear()
    b = open_now(Scope.city(), NOW + timedelta(seconds=50))
    assert a == b and len(statements) == 1


def test_write_bumps_version_and_next_read_is_fresh(city_db, caches):
    v0 = current_version()
    assert node_counts(Scope.grid(G5), W7).total == 0  # cached under v0
    v1 = write_case(city_db, 21, G5, NOW - timedelta(minutes=30))
    assert v1 == v0 + 1 == current_version()
    got = node_counts(Scope.grid(G5), W7)
    assert (got.total, got.claimed) == (1, 1)  # the new case, claimed


def test_redis_is_shared_between_workers(city_db, redis_prefix):
    # worker 1: the module's regions on Redis
    init_caches(Flask("worker1"), REDIS_URL, key_prefix=redis_prefix)
    value = node_counts(Scope.village(V3), W7)
    key = node_counts.cache_key(Scope.village(V3), W7, version=current_version())
    # worker 2: its own Cache object and server, same Redis and prefix: it finds worker 1's entry
    worker2 = Cache(Flask("worker2"), config={"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": REDIS_URL,
                                                "CACHE_KEY_PREFIX": f"{redis_prefix}panel:"})
    assert worker2.get(key) == (value,)
    # and what worker 2 stores under a key, worker 1 serves (a planted marker proves it is not recomputed)
    marker = NodeCounts(total=123)
    worker2.set(key, (marker,))
    assert node_counts(Scope.village(V3), W7) == marker
    # geometry lives under its own prefix
    layer("grid", "")
    client = redis.Redis.from_url(REDIS_URL)
    assert list(client.scan_iter(f"{redis_prefix}geo:geo:queries.areas.layer:grid:*"))


def test_redis_bump_makes_every_worker_miss(city_db, redis_prefix):
    init_caches(Flask("worker1"), REDIS_URL, key_prefix=redis_prefix)
    assert node_counts(Scope.grid(G5), W7).total == 0
    write_case(city_db, 21, G5, NOW - timedelta(minutes=30))
    assert node_counts(Scope.grid(G5), W7).total == 1


def test_broken_backend_is_bypassed(city_db):
    init_caches(Flask("no-redis"), "redis://127.0.0.1:1/0")
    try:
        assert node_counts(Scope.grid(G5), W7) == NodeCounts()
    finally:
        unbind_caches()


def test_geo_cache_holds_until_cleared(city_db, caches):
    first = layer("grid", "")
    with city_db.begin() as conn:
        conn.execute(update(map_layer).values(etag="etag-2"))
    assert layer("grid", "") == first  # geometry is not versioned
    clear_geo_cache()
    assert layer("grid", "")[1] == "etag-2"
    assert is_bound(geo_cache)


def test_version_reads_and_bumps(city_db):
    v = current_version(city_db)
    assert v == 2  # the migration's 1, bumped once by the fixture's write
    with city_db.begin() as conn:
        assert bump_version(conn, NOW) == 3
    assert current_version() == 3
