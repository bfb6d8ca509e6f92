"""The composition root: settings, the Dash app, the caches, the HTTP routes and the pages.

``gridboard serve`` calls ``create_app``; gunicorn workers call ``create_server()``.
"""
from __future__ import annotations

import importlib

import dash

from config import ROOT, Config, load_config

PAGES = ("dashboards.pages.city", "dashboards.pages.township", "dashboards.pages.village",
         "dashboards.pages.grid", "dashboards.pages.not_found_404")


def create_app(cfg: Config | None = None) -> dash.Dash:
    cfg = cfg or load_config()
    from api.geo import geo_blueprint
    from api.version import version_blueprint
    from queries.cache import init_caches
    from queries.db import configure

    configure(cfg.db_url)
    app = dash.Dash(
        __name__,
        use_pages=True,
        pages_folder="",
        assets_folder=str(ROOT / "assets"),
        serve_locally=True,
        compress=True,
        title="gridboard",
        update_title=None,
        suppress_callback_exceptions=True,
    )
    server = app.server
    server.config["GRIDBOARD"] = cfg
    init_caches(server, cfg.cache_redis_url)
    server.register_blueprint(geo_blueprint)
    server.register_blueprint(version_blueprint)
    for module in PAGES:
        importlib.import_module(module)
    from dashboards.shell import make_shell
    app.layout = make_shell
    return app


def create_server():
    """WSGI entry point for gunicorn: ``gunicorn 'app:create_server()'``."""
    return create_app().server
