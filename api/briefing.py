"""``/briefing/export.pdf`` and ``/briefing/export.pptx``: the weekly briefing as a download.

Query parameters as on the page: ``week`` (``2026-W46``, default the last
full week), ``township`` (a code; default the whole city), ``lang`` (zh/en,
default the ``language`` setting).  The file is built by
``reports.export.export_briefing`` — the same builder ``gridboard briefing``
calls, so a download and a command-line export of the same week are the same.
"""
from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, current_app, request

from config import local_now
from queries.briefing import briefing_scope
from queries.guard import PanelError, UnknownScope
from queries.weeks import parse_week
from reports.export import FORMATS, export_briefing
from reports.fonts import MissingFontError
from reports.text import norm_lang

log = logging.getLogger(__name__)
briefing_blueprint = Blueprint("briefing", __name__)


def _plain(status: int, message: str) -> Response:
    return Response(message + "\n", status=status, mimetype="text/plain; charset=utf-8",
                    headers={"Cache-Control": "no-store"})


@briefing_blueprint.route("/briefing/export.<fmt>")
def export(fmt: str):
    if fmt not in FORMATS:
        abort(404)
    cfg = current_app.config["GRIDBOARD"]
    now = local_now(cfg)
    try:
        scope = briefing_scope(request.args.get("township"))
        week = parse_week(request.args.get("week"), now)
    except UnknownScope as exc:
        return _plain(404, str(exc))
    except ValueError as exc:
        return _plain(400, str(exc))
    lang = norm_lang(request.args.get("lang") or cfg.language)
    try:
        out = export_briefing(scope, week, lang, fmt, now=now, font_setting=cfg.values.get("report_font"))
    except MissingFontError as exc:
        log.error("briefing export impossible: %s", exc)
        return _plain(503, str(exc))
    except PanelError as exc:
        log.warning("briefing export failed: %s", exc)
        return _plain(503, f"data unavailable, try again: {exc}")
    log.info("briefing %s exported in %.2f s (%d bytes)", out.filename, out.timings["total_s"], len(out.content))
    return Response(out.content, mimetype=out.mimetype, headers={
        "Content-Disposition": f'attachment; filename="{out.filename}"', "Cache-Control": "no-store",
        "Content-Length": str(len(out.content))})
