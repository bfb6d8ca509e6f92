"""Shared fixtures: a migrated database on each backend.

``engine`` is parametrised over SQLite (a file in a temp folder) and the
PostgreSQL at 127.0.0.1:5432.  Each test session gets a database of its own on
the server, dropped at the end.  Under CI (``CI=true``) a PostgreSQL that does
not answer fails the run instead of skipping.
"""
from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import delete, text

from queries.db import dispose_all, get_engine
from queries.migrate import upgrade
from queries.schema import data_version, metadata

PG_ADMIN_URL = os.environ.get("GRIDBOARD_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _pg_admin_engine():
    from sqlalchemy import create_engine
    return create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})


@pytest.fixture(scope="session")
def pg_url():
    """URL of a fresh PostgreSQL database for this test session (and xdist worker)."""
    name = f"gridboard_test_{uuid.uuid4().hex[:10]}"
    admin = _pg_admin_engine()
    try:
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # pragma: no cover - depends on the machine
        admin.dispose()
        if IN_CI:
            pytest.fail(f"PostgreSQL at {PG_ADMIN_URL} does not answer under CI: {exc}")
        pytest.skip(f"PostgreSQL not available: {exc}")
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    yield url
    dispose_all()
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory):
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "gridboard.sqlite")


_migrated: set[str] = set()


def empty_database(engine) -> None:
    with engine.begin() as conn:
        for t in reversed(metadata.sorted_tables):
            conn.execute(delete(t))
        conn.execute(data_version.insert().values(id=1, version=1))


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request):
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


@pytest.fixture
def engine(db_url):
    """A migrated, empty database on each backend."""
    eng = get_engine(db_url)
    if db_url not in _migrated:
        upgrade(eng)
        _migrated.add(db_url)
    empty_database(eng)
    return eng


@pytest.fixture
def sqlite_engine(sqlite_url):
    eng = get_engine(sqlite_url)
    if sqlite_url not in _migrated:
        upgrade(eng)
        _migrated.add(sqlite_url)
    empty_database(eng)
    return eng
