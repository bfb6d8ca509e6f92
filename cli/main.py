"""``gridboard``: set up the database, seed the demo city, import boundaries, serve.

Every command reads the settings of ``config.py`` (argument > environment >
default); ``gridboard settings`` prints them.
"""
from __future__ import annotations

import os
import sys
import time
from datetime import datetime

import click

from config import SETTINGS, load_config, local_now


def _config(ctx: click.Context):
    return ctx.obj["config"]


def _engine(ctx: click.Context):
    from queries.db import configure
    return configure(_config(ctx).db_url)


SETTINGS_HELP = "\n".join(f"{s.env:<27} {s.help}" for s in SETTINGS)


# "\b" keeps click from re-wrapping the table
@click.group(epilog="Settings (environment variables; options override them):\n\n\b\n" + SETTINGS_HELP,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.option("--database-url", help="SQLAlchemy URL (overrides GRIDBOARD_DATABASE_URL).")
@click.option("--data-dir", help="Folder of the embedded SQLite database (overrides GRIDBOARD_DATA_DIR).")
@click.option("--cache-redis-url", help="Shared Redis cache (overrides GRIDBOARD_CACHE_REDIS_URL).")
@click.pass_context
def main(ctx, database_url, data_dir, cache_redis_url):
    """gridboard: command-center dashboard for grid-based urban governance."""
    ctx.obj = {"config": load_config({"database_url": database_url, "data_dir": data_dir,
                                      "cache_redis_url": cache_redis_url})}


@main.command("settings")
@click.pass_context
def settings_cmd(ctx):
    """Print every setting with its effective value and where it is documented."""
    cfg = _config(ctx)
    for s in SETTINGS:
        value = "(set)" if s.secret and cfg.values[s.name] else cfg.values[s.name]
        click.echo(f"{s.name:<18} {str(value):<40} ({s.env})")
    click.echo(f"{'database':<18} {cfg.db_url}")


@main.group("db")
def db_group():
    """Database schema commands."""


@db_group.command("upgrade")
@click.pass_context
def db_upgrade(ctx):
    """Create or migrate the schema to the newest revision."""
    from queries.migrate import current_revision, upgrade
    engine = _engine(ctx)
    upgrade(engine)
    click.echo(f"schema at revision {current_revision(engine)} ({engine.url.render_as_string(hide_password=True)})")


def _progress_bar():
    """A tqdm bar per step for the ``progress(step, done, total)`` callbacks of the seeders."""
    from tqdm import tqdm
    bars: dict[str, tqdm] = {}

    def progress(step: str, done: int, total: int):
        bar = bars.get(step)
        if bar is None:
            bar = bars[step] = tqdm(total=total, desc=f"{step:<10}", unit=" rows", unit_scale=True,
                                    leave=True, file=sys.stderr, disable=None)
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return progress


def _now(value: str | None) -> datetime:
    """``--now`` if given, else the deployment's local clock (which honours GRIDBOARD_NOW)."""
    return datetime.fromisoformat(value) if value else local_now(load_config())


@main.command("seed")
@click.option("--cases", default=60_000, show_default=True, type=click.IntRange(0, 10_000_000),
              help="Number of cases over the period (2,000,000 for benchmarks).")
@click.option("--days", default=90, show_default=True, type=click.IntRange(1, 3650), help="Days of activity up to now.")
@click.option("--seed", "random_seed", default=2020, show_default=True, help="Random seed: same seed, same city.")
@click.option("--now", help="Pretend it is this local time (ISO, e.g. 2026-11-21T10:00). Default: now.")
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
@click.pass_context
def seed_cmd(ctx, cases, days, random_seed, now, force):
    """Write the demo city (17 townships, 283 villages, 1,798 grids) and its activity."""
    from queries.migrate import upgrade
    engine = _engine(ctx)
    upgrade(engine)
    counts = seed_demo(engine, cases=cases, days=days, random_seed=random_seed, now=_now(now), force=force)
    click.echo(" ".join(f"{k}={v:,}" for k, v in counts.items()))
    from cli.users import print_demo_users
    print_demo_users(engine, _now(now))


def seed_demo(engine, *, cases: int, days: int, random_seed: int, now: datetime, force: bool = False) -> dict:
    """Generate the city, its map layers and its activity in one transaction; print timings."""
    from geo.democity import generate_tree
    from geo.layers import build_layers
    from queries.seed import seed_activity
    from queries.tree import replace_tree, tree_exists
    from queries.cache import clear_geo_cache
    from queries.wipe import wipe_all

    t0 = time.perf_counter()
    with engine.connect() as conn:
        if tree_exists(conn) and not force:
            raise click.ClickException("the database already holds a city; use --force to replace it "
                                       "(this deletes its cases)")
    click.echo("generating the city geometry …", err=True)
    tree = generate_tree(random_seed)
    layers = build_layers(tree)
    t_geo = time.perf_counter() - t0
    with engine.begin() as conn:
        wipe_all(conn)
        counts = replace_tree(conn, tree, layers)
        t1 = time.perf_counter()
        counts.update(seed_activity(conn, now=now, cases=cases, days=days, seed=random_seed,
                                    progress=_progress_bar()))
    clear_geo_cache()
    t_act = time.perf_counter() - t1
    click.echo(f"geometry {t_geo:.1f} s, activity {t_act:.1f} s for {cases:,} cases "
               f"({cases / max(t_act, 1e-9):,.0f} cases/s), total {time.perf_counter() - t0:.1f} s", err=True)
    return counts


@main.command("import-boundaries")
@click.argument("file", type=click.Path(dir_okay=True, path_type=str))
@click.option("--code-field", required=True, help="Field holding the grid code.")
@click.option("--name-field", required=True, help="Field holding the grid name.")
@click.option("--village-field", required=True, help="Field holding the village code (or name, see --parents-are-names).")
@click.option("--township-field", required=True, help="Field holding the township code (or name).")
@click.option("--type-field", help="Field holding the grid type (urban_rural/school/enterprise or 城乡/学校/企业).")
@click.option("--village-name-field", help="Field holding the village name (when the village field holds codes).")
@click.option("--township-name-field", help="Field holding the township name.")
@click.option("--parents-are-names", is_flag=True, help="The village/township fields hold names, not codes.")
@click.option("--city-code", default="000000", show_default=True)
@click.option("--city-name", default="本市", show_default=True)
@click.option("--allow-overlaps", is_flag=True, help="Import even when grids overlap above the tolerance.")
@click.pass_context
def import_boundaries(ctx, file, code_field, name_field, village_field, township_field, type_field,
                      village_name_field, township_name_field, parents_are_names, city_code, city_name,
                      allow_overlaps):
    """Import grid boundaries from GeoJSON, Shapefile or GeoPackage (any CRS), all or nothing."""
    from geo.importer import BoundaryError, read_boundaries
    from geo.layers import build_layers
    from queries.migrate import upgrade
    from queries.cache import clear_geo_cache
    from queries.tree import replace_tree
    from queries.version import bump_version

    engine = _engine(ctx)
    upgrade(engine)
    try:
        tree, report = read_boundaries(
            file, code_field=code_field, name_field=name_field, type_field=type_field,
            village_field=village_field, township_field=township_field,
            village_name_field=village_name_field, township_name_field=township_name_field,
            parents_are_names=parents_are_names, city_code=city_code, city_name=city_name,
            allow_overlaps=allow_overlaps)
    except BoundaryError as exc:
        raise click.ClickException(str(exc)) from None
    layers = build_layers(tree)
    try:
        with engine.begin() as conn:
            counts = replace_tree(conn, tree, layers)
            bump_version(conn, _now(None))
        clear_geo_cache()
    except ValueError as exc:
        raise click.ClickException(f"{file}: {exc}") from None
    click.echo(report.summary())
    click.echo("imported " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))


@main.command("serve")
@click.option("--host", help="Listen address (GRIDBOARD_HOST, default 127.0.0.1).")
@click.option("--port", type=int, help="Port (GRIDBOARD_PORT, default 8050).")
@click.option("--workers", type=int, help="gunicorn workers; 1 runs the built-in threaded server.")
@click.pass_context
def serve(ctx, host, port, workers):
    """Start the dashboard."""
    cfg = load_config({**_config(ctx).values, "host": host, "port": port, "workers": workers})
    _serve(cfg)


def _serve(cfg) -> None:
    from queries.migrate import upgrade
    from queries.db import configure
    upgrade(configure(cfg.db_url))
    click.echo(f"gridboard on http://{cfg.host}:{cfg.port}/  (database {cfg.db_url})", err=True)
    if cfg.workers > 1:
        # the workers read the same settings from the environment
        env = dict(os.environ)
        for s in SETTINGS:
            if cfg.values[s.name] is not None:
                env[s.env] = str(cfg.values[s.name])
        env["GRIDBOARD_DATABASE_URL"] = cfg.db_url
        args = [sys.executable, "-m", "gunicorn", "--workers", str(cfg.workers), "--threads", "4",
                "--bind", f"{cfg.host}:{cfg.port}", "--timeout", "60", "--access-logfile", "-",
                "app:create_server()"]
        os.execvpe(sys.executable, args, env)
    from app import create_app
    app = create_app(cfg)
    app.run(host=cfg.host, port=cfg.port, debug=False, threaded=True)


@main.command("demo")
@click.option("--cases", default=60_000, show_default=True, type=click.IntRange(0, 10_000_000))
@click.pass_context
def demo(ctx, cases):
    """Seed the demo city into an empty database (once), then serve it."""
    from queries.migrate import upgrade
    from queries.tree import tree_exists
    cfg = _config(ctx)
    engine = _engine(ctx)
    upgrade(engine)
    with engine.connect() as conn:
        has_city = tree_exists(conn)
    if has_city:
        click.echo("the database already holds a city; serving it", err=True)
    else:
        counts = seed_demo(engine, cases=cases, days=90, random_seed=2020, now=_now(None))
        click.echo(" ".join(f"{k}={v:,}" for k, v in counts.items()), err=True)
    from cli.users import print_demo_users
    print_demo_users(engine, _now(None))  # one account per role, the first time only
    _serve(cfg)


from cli.bench import bench  # noqa: E402  (a command of its own module)

main.add_command(bench)
from cli.tokens import token_group  # noqa: E402
main.add_command(token_group)
from cli.users import user_group  # noqa: E402
main.add_command(user_group)
from cli.importcases import import_cases  # noqa: E402
main.add_command(import_cases)
from cli.simulate import bench_ingest, simulate  # noqa: E402
main.add_command(simulate)
main.add_command(bench_ingest)
from cli.briefing import briefing  # noqa: E402
main.add_command(briefing)

if __name__ == "__main__":  # pragma: no cover
    main()
