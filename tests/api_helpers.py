"""Fixtures for the intake API tests: the small city on each backend, tokens, and an app serving the API.

The app is a bare Flask app with the intake, Open311 and OpenAPI blueprints
(what ``create_app`` registers) and the settings the routes read, so that a
test costs no Dash start-up; ``test_api_openapi`` checks the real app too.
Import the fixtures into a test module by name.
"""
from __future__ import annotations

from datetime import datetime

import pytest
from flask import Flask
from sqlalchemy import func, select

from config import load_config
from queries.db import configure
from queries.schema import audit_log, case
from queries.scope import Scope
from queries.tokens import create_token, revoke_token
from queries.version import read_version
from tests.small_city import small_city, write_tree

NOW = datetime(2026, 11, 20, 10, 30)
TREE = small_city()
G = {f"G{i + 1}": code for i, code in enumerate(TREE.grids.code)}    # G1..G6 as drawn in tests.small_city
T1, T2 = sorted(TREE.townships.code)
# a point inside each grid (the boxes' centres; the V3 triangles' centroids)
POINT = {name: (geom.centroid.x, geom.centroid.y) for name, geom in zip(G, TREE.grids.geometry)}


def make_app(db_url: str, now: datetime = NOW) -> Flask:
    from api.intake import intake_blueprint
    from api.open311 import open311_blueprint
    from api.openapi import openapi_blueprint
    configure(db_url)
    app = Flask("gridboard-api-test")
    app.config["GRIDBOARD"] = load_config({"database_url": db_url, "now": now.isoformat()}, environ={})
    for bp in (intake_blueprint, open311_blueprint, openapi_blueprint):
        app.register_blueprint(bp)
    return app


@pytest.fixture
def city(engine):
    with engine.begin() as conn:
        write_tree(conn, TREE)
    return engine


@pytest.fixture
def tokens(city):
    """Secrets: hotline, photo (source tokens), kiosk (township T2), revoked (a revoked hotline token)."""
    out = {}
    with city.begin() as conn:
        out["hotline"], _ = create_token(conn, "source", now=NOW, source="hotline")
        out["photo"], _ = create_token(conn, "source", now=NOW, source="photo")
        out["kiosk"], _ = create_token(conn, "kiosk", now=NOW, scope=Scope.township(T2))
        out["revoked"], gone = create_token(conn, "source", now=NOW, source="hotline")
        revoke_token(conn, gone.id, NOW)
    return out


@pytest.fixture
def api(city, db_url, tokens):
    app = make_app(db_url)
    client = app.test_client()
    client.tokens = tokens
    return client


def auth(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def count_cases(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(case)).scalar_one()


def version(engine) -> int:
    with engine.connect() as conn:
        return read_version(conn)


def denied_rows(engine) -> list:
    with engine.connect() as conn:
        return conn.execute(select(audit_log.c.actor, audit_log.c.target, audit_log.c.detail)
                            .where(audit_log.c.action == "denied").order_by(audit_log.c.id)).all()
