"""``gridboard simulate`` (a live stream for the demo) and ``gridboard bench-ingest`` (write-path throughput).

Both draw operations from :class:`queries.simulate.CaseStream` and write them
through :mod:`queries.lifecycle`, the same door the API and the importer use.
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta

import click
import numpy as np

TICKS_PER_S = 10
"""The simulator writes what is due ten times a second, one transaction per tick."""
MAX_PER_TRANSACTION = 1000
"""A simulator that fell behind catches up in transactions of at most this many events (short write locks)."""


def _setup(ctx):
    from cli.main import _engine
    from queries.migrate import upgrade
    from queries.tree import tree_exists
    engine = _engine(ctx)
    upgrade(engine)
    with engine.connect() as conn:
        if not tree_exists(conn):
            raise click.ClickException("the database holds no city: run `gridboard seed` first")
    return engine


def _stream(engine, seed: int, run_id: str):
    from queries.simulate import CaseStream
    with engine.connect() as conn:
        return CaseStream.from_database(conn, np.random.default_rng(seed), run_id=run_id)


def _write(engine, stream, ops, now):
    """One transaction; feeds the results back.  Returns (written, refused)."""
    from queries.lifecycle import CaseInputError, CaseNotFound, TransitionError, write_batch
    try:
        with engine.begin() as conn:
            results = write_batch(conn, ops, now=now)
    except (CaseInputError, CaseNotFound, TransitionError) as exc:
        return 0, exc
    for op, res in zip(ops, results):
        stream.ack(op, res)
    return len(ops), None


@click.command("simulate")
@click.option("--rate", default=5.0, show_default=True, type=click.FloatRange(0.1, 100_000), help="Events per second.")
@click.option("--duration", type=click.FloatRange(0), help="Stop after this many seconds.")
@click.option("--count", type=click.IntRange(1), help="Stop after this many events.")
@click.option("--seed", "random_seed", default=None, type=int, help="Random seed (default: from the clock).")
@click.pass_context
def simulate(ctx, rate, duration, count, random_seed):
    """Feed a live stream of new cases and node events into the database (Ctrl-C stops).

    Events are timed by the deployment's clock (GRIDBOARD_NOW freezes it) and
    written through the same write path as the API, a transaction per tenth of
    a second, so the dashboard's data version moves and the panels follow.
    """
    from config import local_now
    from queries.version import current_version
    engine = _setup(ctx)
    cfg = ctx.obj["config"]
    seed = random_seed if random_seed is not None else int(time.time())
    run_id = f"{local_now(cfg):%Y%m%d%H%M%S}-{seed}"
    stream = _stream(engine, seed, run_id)
    click.echo(f"simulating at {rate:g} events/s into {engine.url.render_as_string(hide_password=True)} "
               f"({len(stream):,} open cases tracked, seed {seed}); Ctrl-C stops", err=True)
    start, sent, new, refused, last_line = time.monotonic(), 0, 0, 0, 0.0
    try:
        while (count is None or sent < count) and (duration is None or time.monotonic() - start < duration):
            due = int((time.monotonic() - start) * rate) + 1 - sent
            due = min(due, MAX_PER_TRANSACTION, count - sent if count is not None else due)
            if due > 0:
                now = local_now(cfg)
                ops = stream.take(due, now)
                written, err = _write(engine, stream, ops, now)
                if err is not None:
                    refused += 1
                    click.echo(f"\nrefused, resynchronising: {err}", err=True)
                    # a new run id too: the source refs of the new stream must not repeat the old one's
                    stream = _stream(engine, seed + sent, f"{run_id}r{refused}")
                sent += written
                new += sum(1 for op in ops if not isinstance(op, tuple)) if written else 0
            t = time.monotonic()
            if t - last_line >= 0.5:
                last_line = t
                click.echo(f"\r{sent:,} events ({new:,} new cases, {refused} refused batches) in {t - start:,.0f} s, "
                           f"{sent / max(t - start, 1e-9):,.1f}/s, data version {current_version(engine):,}  ",
                           nl=False, err=True)
            time.sleep(max(0.0, min(1.0 / TICKS_PER_S, (sent + 1) / rate - (time.monotonic() - start))))
    except KeyboardInterrupt:
        click.echo("\nstopped", err=True)
    click.echo(f"\n{sent:,} events written ({new:,} new cases) in {time.monotonic() - start:,.1f} s", err=True)


@click.command("bench-ingest")
@click.option("--events", default=20_000, show_default=True, type=click.IntRange(100), help="Events per mode.")
@click.option("--batch", default=500, show_default=True, type=click.IntRange(2), help="Events per batch transaction.")
@click.option("--seed", "random_seed", default=7, show_default=True, type=int)
@click.pass_context
def bench_ingest(ctx, events, batch, random_seed):
    """Events per second through the write path: single-event transactions, then batches.

    Writes into the configured database (use a copy of a seeded demo).  The
    clock is simulated (one second per event, starting after the newest case
    event) so that cases move as fast as the writes go.  The time counted is
    that of the write transactions only, not of drawing the events.  On a
    busy machine the rate per CPU second of this process (the write path and
    SQLite run in it; waiting for the disk or the server is not counted) is
    the steadier figure.
    """
    from queries.version import current_version
    engine = _setup(ctx)
    stream = _stream(engine, random_seed, run_id=f"BENCH{int(time.time())}")
    clock = [_start_clock(engine)]

    def tick():
        clock[0] += timedelta(seconds=1)
        return clock[0]

    click.echo(f"{engine.dialect.name}: {len(stream):,} open cases tracked; {events:,} events per mode")
    v0 = current_version(engine)
    for mode, size in (("single-event transactions", 1), (f"batches of {batch}", batch)):
        spent, cpu, done, txs = 0.0, 0.0, 0, 0
        wall = time.perf_counter()
        while done < events:
            n = min(size, events - done)
            now = tick()
            ops = stream.take(n, now)
            for _ in range(len(ops) - 1):
                tick()
            t0, c0 = time.perf_counter(), time.process_time()
            written, err = _write(engine, stream, ops, clock[0])
            spent, cpu = spent + time.perf_counter() - t0, cpu + time.process_time() - c0
            if err is not None:
                raise click.ClickException(f"refused: {err}")
            done, txs = done + written, txs + 1
        wall = time.perf_counter() - wall
        click.echo(f"  {mode:<28} {done / spent:9,.0f} events/s  ({done:,} events, {txs:,} transactions, "
                   f"{spent:.1f} s writing, {wall:.1f} s with drawing; {done / max(cpu, 1e-9):,.0f} events "
                   f"per CPU second of this process)")
    click.echo(f"  data version {v0:,} -> {current_version(engine):,}")


def _start_clock(engine) -> datetime:
    """Just after the newest event in the database (the stream's events must not be older)."""
    from sqlalchemy import func, select
    from queries.schema import case
    with engine.connect() as conn:
        newest = conn.execute(select(func.max(case.c.updated_at))).scalar()
    base = newest if newest is not None else datetime.now()
    return base.replace(microsecond=0) + timedelta(minutes=1)


__all__ = ["simulate", "bench_ingest"]
