"""The composition root: settings, the Dash app, the caches, the HTTP routes and the pages.

``gridboard serve`` calls ``create_app``; gunicorn workers call ``create_server()``.
"""
from __future__ import annotations

import importlib

import dash

from config import ROOT, Config, load_config

PAGES = ("dashboards.pages.city", "dashboards.pages.township", "dashboards.pages.village",
         "dashboards.pages.grid", "dashboards.pages.wall", "dashboards.pages.briefing",
         "dashboards.pages.not_found_404")


def create_app(cfg: Config | None = None) -> dash.Dash:
    cfg = cfg or load_config()
    from api.geo import geo_blueprint
    from api.version import version_blueprint
    from queries.cache import init_caches
    from queries.db import configure
    from queries.guard import set_query_timeout

    configure(cfg.db_url)
    set_query_timeout(cfg.query_timeout_ms)
    app = dash.Dash(
        __name__,
        use_pages=True,
        pages_folder="",
        assets_folder=str(ROOT / "assets"),
        assets_path_ignore=["vendor"],  # served by a route of its own (api.plotly_bundle), not as a page script
        serve_locally=True,
        compress=True,
        title="gridboard",
        update_title=None,
        suppress_callback_exceptions=True,
    )
    server = app.server
    server.config["GRIDBOARD"] = cfg
    init_caches(server, cfg.cache_redis_url)
    add_server_timing(server)
    from api.auth import install_auth
    install_auth(server, cfg)  # sessions, /login, and the gate every request passes (api.gate)
    server.register_blueprint(geo_blueprint)
    server.register_blueprint(version_blueprint)
    from api.plotly_bundle import plotly_bundle_blueprint
    server.register_blueprint(plotly_bundle_blueprint)
    from api.briefing import briefing_blueprint
    server.register_blueprint(briefing_blueprint)
    from api.intake import intake_blueprint
    from api.open311 import open311_blueprint
    from api.openapi import openapi_blueprint
    for blueprint in (intake_blueprint, open311_blueprint, openapi_blueprint):
        server.register_blueprint(blueprint)
    for module in PAGES:
        importlib.import_module(module)
    from dashboards.shell import make_shell
    app.layout = make_shell
    return app


def add_server_timing(server) -> None:
    """``Server-Timing: app;dur=…`` on every response, so a browser can split server from client time."""
    from time import perf_counter

    from flask import g

    @server.before_request
    def _start_timer():
        g.gridboard_t0 = perf_counter()

    @server.after_request
    def _server_timing(response):
        t0 = g.get("gridboard_t0")
        if t0 is not None:
            response.headers["Server-Timing"] = f"app;dur={(perf_counter() - t0) * 1000:.1f}"
        return response


def create_server():
    """WSGI entry point for gunicorn: ``gunicorn 'app:create_server()'``."""
    return create_app().server
