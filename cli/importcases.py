"""``gridboard import-cases FILE``: cases from a hotline system's CSV or XLSX export, all or nothing.

Reading and checking is :mod:`intake.tabular` and :mod:`intake.batch`;
writing is the write path's batch form (``queries.lifecycle.create_cases``)
in one transaction, so a failed import leaves the database as it was.  With
``--skip-bad FILE`` the rows that cannot be imported are written to FILE
(with their row numbers and reasons) and the rest is imported.  Rows whose
``source_ref`` the source already has are skipped, so running the same file
twice imports it once.
"""
from __future__ import annotations

import sys
import time

import click

from config import local_now
from queries.schema import SOURCES

WRITE_CHUNK = 5000
"""Cases per ``create_cases`` call: the progress bar moves per chunk; all chunks share one transaction."""
SHOWN_ERRORS = 20


def _engine(ctx):
    from queries.db import configure
    from queries.migrate import upgrade
    engine = configure(ctx.find_root().obj["config"].db_url)
    upgrade(engine)
    return engine


@click.command("import-cases")
@click.argument("file", type=click.Path(dir_okay=False, path_type=str))
@click.option("--map", "map_file", type=click.Path(exists=True, dir_okay=False, path_type=str),
              help="Column mapping for other export formats: lines 'column header = field' "
                   "(fields: source_ref category item title created_at grid_code lon lat note actor).")
@click.option("--skip-bad", "skip_bad", type=click.Path(dir_okay=False, path_type=str),
              help="Import the good rows and write the rejected ones, with row number and reason, to this CSV.")
@click.option("--source", type=click.Choice(SOURCES), default="hotline", show_default=True,
              help="The channel the file comes from.")
@click.option("--dry-run", is_flag=True, help="Read and check every row, report, write nothing.")
@click.pass_context
def import_cases(ctx, file, map_file, skip_bad, source, dry_run):
    """Import cases from a CSV or XLSX export (UTF-8 or GBK; Chinese or English headers), all or nothing.

    Rows with a point and no grid code are placed in the grid holding the
    point.  Rows that cannot be placed, malformed rows and rows repeating an
    earlier row's case id stop the import (each is reported with its row
    number) unless --skip-bad is given.
    """
    from intake.batch import prepare, row_message, source_ref_of
    from intake.tabular import TableError, load_mapping, read_table, write_rejected
    from queries.intake_reads import existing_refs
    from queries.placement import grid_index

    cfg = ctx.find_root().obj["config"]
    engine = _engine(ctx)
    now = local_now(cfg)
    t0 = time.perf_counter()
    try:
        table = read_table(file, load_mapping(map_file) if map_file else None)
    except TableError as exc:
        raise click.ClickException(str(exc)) from None
    with engine.connect() as conn:
        index = grid_index(conn)
        if not index.parents:
            raise click.ClickException("the database has no grids yet: seed or import boundaries first")
        refs = [source_ref_of(row.get("source_ref")) for _, row in table.rows]
        known = existing_refs(conn, source, [r for r in refs if r])
    prepared = prepare(table.rows, source=source, now=now, tz=cfg.timezone, grid_codes=set(index.parents),
                       locator=index.locator, existing_refs=known)
    click.echo(f"{file}: {len(table.rows):,} rows ({table.encoding}); {len(prepared.cases):,} to import "
               f"({prepared.placed_by_point:,} placed by their point), {len(prepared.existing):,} already "
               f"imported, {len(prepared.rejected):,} rejected", err=True)
    if table.unmapped:
        click.echo(f"columns not imported: {', '.join(table.unmapped)}", err=True)
    if prepared.rejected:
        for n in sorted(prepared.rejected)[:SHOWN_ERRORS]:
            click.echo(row_message(file, n, prepared.rejected[n]), err=True)
        if len(prepared.rejected) > SHOWN_ERRORS:
            click.echo(f"… and {len(prepared.rejected) - SHOWN_ERRORS:,} more", err=True)
        if skip_bad:
            write_rejected(skip_bad, table, prepared.rejected)
            click.echo(f"rejected rows written to {skip_bad}", err=True)
        elif not dry_run:
            raise click.ClickException(f"{file}: {len(prepared.rejected):,} rows cannot be imported; nothing was "
                                       "imported. Fix them, or import the others with --skip-bad FILE")
    if dry_run:
        click.echo("dry run: nothing written")
        return
    created = _write(engine, prepared, now, file)
    click.echo(f"imported {created:,} cases from {file} in {time.perf_counter() - t0:.1f} s")


def _write(engine, prepared, now, file) -> int:
    """All cases in one transaction, in chunks for the progress bar; an error names the file's row."""
    from tqdm import tqdm

    from queries.lifecycle import CaseInputError, CaseNotFound, TransitionError, create_cases

    created = 0
    bar = tqdm(total=len(prepared.cases), desc="importing", unit=" cases", unit_scale=True, file=sys.stderr,
               disable=None)
    try:
        with engine.begin() as conn:
            for start in range(0, len(prepared.cases), WRITE_CHUNK):
                chunk = prepared.cases[start:start + WRITE_CHUNK]
                try:
                    results = create_cases(conn, chunk, now=now)
                except (CaseInputError, TransitionError, CaseNotFound) as exc:
                    at = getattr(exc, "index", None)
                    where = f"row {prepared.rows[start + at]}" if at is not None else "a row"
                    detail = f"{exc.field}: {exc.message}" if isinstance(exc, CaseInputError) else str(exc)
                    raise click.ClickException(f"{file}: {where}: {detail}; nothing was imported") from None
                created += sum(1 for _, new in results if new)
                bar.update(len(chunk))
    finally:
        bar.close()
    return created
