"""``gridboard briefing``: write the weekly briefing as PDF or PPTX, the same file the page's buttons download."""
from __future__ import annotations

import time
from pathlib import Path

import click

from config import local_now


@click.command("briefing")
@click.option("--week", help="ISO week, e.g. 2026-W46. Default: the last full week.")
@click.option("--township", help="Township code. Default: the whole city.")
@click.option("--format", "fmt", type=click.Choice(["pdf", "pptx"]), default="pdf", show_default=True)
@click.option("--lang", type=click.Choice(["zh", "en"]), help="Language. Default: the language setting.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write. Default: briefing-<scope>-<week>-<lang>.<format> in the current folder.")
@click.pass_context
def briefing(ctx, week, township, fmt, lang, out):
    """Export the weekly briefing (KPIs against last week, rankings, categories, map, longest-open cases,
    satisfaction trend, party study) as an A4-landscape PDF or a PPTX deck."""
    from queries.briefing import briefing_scope
    from queries.db import configure
    from queries.guard import PanelError, UnknownScope, set_query_timeout
    from queries.weeks import parse_week
    from reports.export import export_briefing
    from reports.fonts import MissingFontError

    cfg = ctx.obj["config"]
    configure(cfg.db_url)
    set_query_timeout(cfg.query_timeout_ms)
    now = local_now(cfg)
    try:
        scope = briefing_scope(township)
        iso_week = parse_week(week, now)
    except UnknownScope as exc:
        raise click.BadParameter(str(exc), param_hint="--township") from None
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    t0 = time.perf_counter()

    def say(msg: str) -> None:
        click.echo(f"[{time.perf_counter() - t0:6.2f} s] {msg}", err=True)

    try:
        result = export_briefing(scope, iso_week, lang or cfg.language, fmt, now=now,
                                 font_setting=cfg.values.get("report_font"), progress=say)
    except (MissingFontError, PanelError) as exc:
        raise click.ClickException(str(exc)) from None
    path = out or Path(result.filename)
    path.write_bytes(result.content)
    say(f"wrote {path} ({len(result.content):,} bytes)")
    click.echo(str(path))
