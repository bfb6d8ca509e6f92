"""The benchmark runs every panel query through its cache on the fixture city."""
from __future__ import annotations

import math

from queries.bench import bench_entries, bench_queries
from queries.cache import is_bound, panel_cache
from queries.scope import Scope
from queries.window import Window
from tests.fixture_city import G5, NOW, city_db  # noqa: F401


def test_bench_reports_every_query(city_db):
    got = bench_queries([Scope.city(), Scope.grid(G5)], Window.last_days(7, NOW), now=NOW, repeats=1)
    assert set(got) == set(bench_entries())
    for name, (uncached, cached) in got.items():
        assert math.isfinite(uncached) and math.isfinite(cached), name
    assert not is_bound(panel_cache)  # the in-process cache it bound is gone again


def test_bench_per_scope_keys(city_db):
    got = bench_queries([Scope.grid(G5)], Window.today(NOW), now=NOW, repeats=1, per_scope=True,
                        only=["cases.kpis"])
    assert list(got) == [f"cases.kpis grid:{G5}"]
