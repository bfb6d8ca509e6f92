"""``gridboard bench``: every performance figure of the command view, printed.

1. a demo city with ``--cases`` cases on SQLite (seeded once, timed);
2. the GeoJSON layer sizes, raw and gzipped;
3. each panel query uncached and cached, at the busiest scopes;
4. the page in headless Chromium: load, metric switch, drill, a live refresh,
   with the server/browser split, bytes per recolour, compression, foreign hosts.
"""
from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import click

from cli.server import free_port, start_server
from queries.bench import busiest_scopes, case_count, data_now, layer_sizes

BUDGETS = {
    "load_ms": 1500, "recolour_ms": 200, "drill_ms": 400, "recolour_bytes": 20_000,
    "query_uncached_ms": 200, "query_cached_ms": 5, "city_layer_gz": 150_000,
}


def _ok(value: float, budget: float) -> str:
    return "ok  " if value <= budget else "OVER"


def ensure_database(url: str, cases: int) -> None:
    from cli.main import seed_demo
    from queries.db import configure
    from queries.migrate import upgrade
    engine = configure(url)
    upgrade(engine)
    have = case_count(engine)
    if have and abs(have - cases) <= cases * 0.02:
        click.echo(f"using {url} ({have:,} cases)")
        return
    click.echo(f"seeding {cases:,} cases into {url} …")
    t0 = time.perf_counter()
    seed_demo(engine, cases=cases, days=90, random_seed=2020,
              now=datetime.now().replace(microsecond=0), force=True)
    click.echo(f"seeded in {time.perf_counter() - t0:.1f} s")


def _bump(engine, now) -> None:
    """Stand-in for a write: bump the data version, as every write path does in its transaction."""
    from queries.version import bump_version
    with engine.begin() as conn:
        bump_version(conn, now)


def print_queries(engine, scopes, now) -> None:
    from flask import Flask

    from queries.bench import bench_queries
    from queries.cache import init_caches
    from queries.window import Window
    init_caches(Flask("bench"))
    for label, window in (("today", Window.today(now)), ("30 days", Window.last_days(30, now))):
        res = bench_queries(scopes, window, now=now, repeats=5)
        click.echo(f"\npanel queries, {label}, worst of {', '.join(s.key for s in scopes)} (ms)")
        click.echo(f"  {'query':<44} {'uncached':>9} {'cached':>7}")
        for name, (unc, cached) in res.items():
            flag = _ok(unc, BUDGETS["query_uncached_ms"]) if cached <= BUDGETS["query_cached_ms"] else "OVER"
            click.echo(f"  {name:<44} {unc:9.1f} {cached:7.2f}  {flag}")


BENCH_USER = "bench_operator"


def bench_login(engine, now) -> tuple[str, str]:
    """An operator account for the browser runs, with a fresh random password each time."""
    import secrets

    from queries.scope import Scope
    from queries.users import create_user, get_user_by_name, reset_password
    password = secrets.token_urlsafe(12)
    with engine.begin() as conn:
        if get_user_by_name(conn, BENCH_USER) is None:
            create_user(conn, BENCH_USER, "operator", Scope.city(), password, now=now)
        else:
            reset_password(conn, BENCH_USER, password, now=now)
    return BENCH_USER, password


def print_browser(base_url: str, towns: list[str], repeats: int, bump, login: tuple[str, str]) -> None:
    from cli.browserbench import run, summary
    figs = run(base_url, towns, repeats=repeats, bump=bump, login=login)
    s = summary(figs)
    click.echo(f"\nbrowser (headless Chromium, software WebGL), {repeats} runs each: median / p90")
    rows = [("city page, every panel drawn (ms)", "load_ms", BUDGETS["load_ms"]),
            ("metric switch -> map recoloured (ms)", "recolour_ms", BUDGETS["recolour_ms"]),
            ("  of which server (ms)", "recolour_server_ms", None),
            ("drill -> every panel updated (ms)", "drill_ms", BUDGETS["drill_ms"]),
            ("  of which server (ms)", "drill_server_ms", None),
            ("recolour payload, map patch (bytes on wire)", "recolour_bytes", BUDGETS["recolour_bytes"]),
            ("live refresh payload, map patch (bytes)", "refresh_bytes", BUDGETS["recolour_bytes"]),
            ("write -> every open panel redrawn (s)", "refresh_s", None)]
    for label, key, budget in rows:
        if key not in s:
            continue
        med, p90 = s[key]["median"], s[key]["p90"]
        flag = "" if budget is None else _ok(med, budget)
        digits = 1 if key.endswith("_s") else 0
        click.echo(f"  {label:<46} {med:9.{digits}f} / {p90:7.{digits}f}  {flag}")
    click.echo(f"  uncompressed callback responses: {figs['uncompressed'] or 'none'}")
    click.echo(f"  hosts other than the app: {figs['foreign_hosts'] or 'none'}")


@click.command("bench")
@click.option("--cases", default=1_000_000, show_default=True, type=click.IntRange(1000, 10_000_000))
@click.option("--database-url", help="Default: a SQLite file bench.sqlite in the data folder.")
@click.option("--repeats", default=7, show_default=True, type=click.IntRange(1, 50))
@click.option("--skip-browser", is_flag=True, help="Only the database, layer and query figures.")
def bench(cases, database_url, repeats, skip_browser):
    """Print every performance figure of the command view against its budget."""
    from config import load_config
    from queries.db import configure
    url = database_url or "sqlite:///" + str(Path(load_config().data_dir) / "bench.sqlite")
    ensure_database(url, cases)
    engine = configure(url)
    now = data_now(engine)
    click.echo(f"\nGeoJSON layers (largest of each kind)\n  {'layer':<34} {'n':>4} {'raw':>10} {'gzipped':>9}")
    for key, n, raw, gz in layer_sizes(engine):
        flag = _ok(gz, BUDGETS["city_layer_gz"]) if key == "grid (city)" else ""
        click.echo(f"  {key:<34} {n:4d} {raw:10,d} {gz:9,d}  {flag}")
    scopes, towns = busiest_scopes(engine)
    print_queries(engine, scopes, now)
    if skip_browser:
        return
    port = free_port()
    proc = start_server(url, port, {"GRIDBOARD_NOW": now.isoformat()})
    try:
        print_browser(f"http://127.0.0.1:{port}", towns, repeats, bump=lambda: _bump(engine, now),
                      login=bench_login(engine, now))
    finally:
        proc.terminate()
        proc.wait(10)
