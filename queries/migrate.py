"""Schema migrations with Alembic, driven from code (no alembic.ini)."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import inspect, select
from sqlalchemy.engine import Engine

from queries.schema import data_version

HERE = Path(__file__).resolve().parent


def alembic_config(connection) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(HERE / "migrations"))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` and make sure the data-version row exists."""
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), revision)
    with engine.begin() as conn:
        if conn.execute(select(data_version.c.id)).first() is None:
            conn.execute(data_version.insert().values(id=1, version=1))


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if "alembic_version" not in inspect(conn).get_table_names():
            return None
        return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
