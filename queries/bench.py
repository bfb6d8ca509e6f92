"""Micro-benchmark of the panel queries: time on a cache miss and on a cache hit.

``bench_queries`` calls every panel query the command-center page polls, for
each scope given, through its cache decorator:

* *uncached*: the entry is deleted first, so the call pays the version read,
  the SQL and the cache write — what a poll costs right after a data write;
* *cached*: the entry is present — what an unchanged poll costs.

Each figure is the median of ``repeats`` calls, in milliseconds; by default the
worst scope is reported per query.  If no cache is bound, an in-process one is
bound for the run (and unbound after).
"""
from __future__ import annotations

import gzip
import statistics
import time
from datetime import datetime
from typing import Callable

from flask import Flask
from sqlalchemy import func, select

from queries import areas, caselist, cases, mapdata, party
from queries.cache import init_caches, is_bound, panel_cache, unbind_caches
from queries.filters import local_now, to_minute
from queries.schema import case, case_day, map_layer, township
from queries.scope import Scope
from queries.version import current_version
from queries.window import Window

# name -> (cached function, arguments for a scope, window and minute)
Entry = tuple[Callable, Callable[[Scope, Window, datetime], tuple]]


def bench_entries() -> dict[str, Entry]:
    """The panel queries of the command-center page, as (cached function, argument builder)."""
    entries: dict[str, Entry] = {
        "cases.node_counts": (cases.node_counts, lambda s, w, m: (s, w)),
        "cases.open_now": (cases.open_now_at_minute, lambda s, w, m: (s, m)),
        "cases.trend": (cases.trend, lambda s, w, m: (s, w)),
        "cases.kpis": (cases.kpis, lambda s, w, m: (s, w)),
        "cases.category_ranking": (cases.category_ranking, lambda s, w, m: (s, w)),
        "party.party_summary": (party.party_summary, lambda s, w, m: (s, w)),
        "party.live_sessions": (party.live_sessions_at, lambda s, w, m: (s, m)),
        "party.sessions_today": (party.sessions_today_at, lambda s, w, m: (s, m)),
        "areas.children": (areas.children, lambda s, w, m: (s,)),
        "areas.area_name": (areas.area_name, lambda s, w, m: (s,)),
        "caselist.received_page": (caselist.case_list_at,
                                   lambda s, w, m: (s, w, "received_in_window", "created_at", True, 0, 50, None)),
        "caselist.overdue_page": (caselist.case_list_at,
                                  lambda s, w, m: (s, w, "overdue_now", "deadline", False, 0, 50, m)),
    }
    for metric in mapdata.METRICS:
        now_arg = (lambda s, w, m, code=metric.code: (s, w, code, m)) if metric.uses_now else \
            (lambda s, w, m, code=metric.code: (s, w, code, None))
        entries[f"cases.children_ranking[{metric.code}]"] = (cases.children_ranking_at, now_arg)
        entries[f"mapdata.map_values[{metric.code}]"] = (mapdata.map_values_at, now_arg)
    return entries


def _key(fn, args) -> str:
    if fn.region is panel_cache:
        return fn.cache_key(*args, version=current_version())
    return fn.cache_key(*args)


def _median_ms(call: Callable[[], object], repeats: int, before: Callable[[], None] | None = None) -> float:
    times = []
    for _ in range(repeats):
        if before is not None:
            before()
        t0 = time.perf_counter()
        call()
        times.append((time.perf_counter() - t0) * 1000.0)
    return statistics.median(times)


def bench_queries(scope_list: list[Scope], window: Window, now: datetime | None = None, repeats: int = 5,
                  per_scope: bool = False, only: list[str] | None = None) -> dict[str, tuple[float, float]]:
    """``{name: (uncached_ms, cached_ms)}`` for every panel query (worst over ``scope_list``).

    With ``per_scope`` the keys are ``"<name> <scope.key>"`` instead.  ``only``
    limits the run to the named queries.  A query that fails (a scope that has
    no such panel, a timeout) is reported as ``(nan, nan)``.
    """
    minute = to_minute(now or local_now())
    bound_here = not is_bound(panel_cache)
    if bound_here:
        init_caches(Flask("gridboard-bench"))
    results: dict[str, tuple[float, float]] = {}
    try:
        for name, (fn, build) in bench_entries().items():
            if only and name not in only:
                continue
            for scope in scope_list:
                args = build(scope, window, minute)
                region = fn.region

                def evict(fn=fn, args=args, region=region):
                    region.delete(_key(fn, args))

                try:
                    uncached = _median_ms(lambda: fn(*args), repeats, before=evict)
                    fn(*args)
                    cached = _median_ms(lambda: fn(*args), repeats)
                except Exception:  # a failing query is a result of the benchmark, not its end
                    uncached = cached = float("nan")
                label = f"{name} {scope.key}" if per_scope else name
                old = results.get(label)
                results[label] = (uncached, cached) if old is None else (max(old[0], uncached), max(old[1], cached))
    finally:
        if bound_here:
            unbind_caches()
    return results


# --- the figures ``gridboard bench`` prints beside the query timings

def case_count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(case)).scalar()


def data_now(engine) -> datetime:
    """The bench's 'now': the newest case time, so that 'today' is never empty however old the data."""
    with engine.connect() as conn:
        return conn.execute(select(func.max(case.c.created_at))).scalar()


def layer_sizes(engine) -> list[tuple[str, int, int, int]]:
    """(layer kind, count, largest raw bytes, largest gzipped bytes) of the stored map layers."""
    rows: dict[str, list[int]] = {}
    with engine.connect() as conn:
        townships = set(conn.execute(select(township.c.code)).scalars())
        for level, scope_code, text in conn.execute(select(map_layer.c.level, map_layer.c.scope_code,
                                                           map_layer.c.geojson)):
            per = "city" if not scope_code else "per township" if scope_code in townships else "per village"
            key = f"{level} ({per})"
            raw = len(text.encode())
            gz = len(gzip.compress(text.encode(), 9, mtime=0))
            r = rows.setdefault(key, [0, 0, 0])
            r[0] += 1
            r[1] = max(r[1], raw)
            r[2] = max(r[2], gz)
    return [(k, n, raw, gz) for k, (n, raw, gz) in sorted(rows.items())]


def busiest_scopes(engine) -> tuple[list[Scope], list[str]]:
    """The city and its busiest township, village and grid by cases received; and every township code."""
    t = case_day
    with engine.connect() as conn:
        tw = conn.execute(select(t.c.township_code).group_by(t.c.township_code)
                          .order_by(func.sum(t.c.created).desc()).limit(1)).scalar()
        vil = conn.execute(select(t.c.village_code).where(t.c.township_code == tw).group_by(t.c.village_code)
                           .order_by(func.sum(t.c.created).desc()).limit(1)).scalar()
        grd = conn.execute(select(t.c.grid_code).where(t.c.village_code == vil).group_by(t.c.grid_code)
                           .order_by(func.sum(t.c.created).desc()).limit(1)).scalar()
        towns = [r[0] for r in conn.execute(select(t.c.township_code).group_by(t.c.township_code)
                                            .order_by(t.c.township_code))]
    return [Scope.city(), Scope.township(tw), Scope.village(vil), Scope.grid(grd)], towns
