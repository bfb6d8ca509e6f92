"""Settings, declared once: name, environment variable, default and help.

The README table and ``gridboard --help`` are both generated from ``SETTINGS``,
and a test checks that every setting is documented.  Precedence is
argument > environment > default.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: object
    help: str
    kind: type = str


SETTINGS: tuple[Setting, ...] = (
    Setting("database_url", "GRIDBOARD_DATABASE_URL", None,
            "SQLAlchemy URL of the database. Default: a SQLite file in the data folder. "
            "PostgreSQL: postgresql+psycopg://user@host/db"),
    Setting("data_dir", "GRIDBOARD_DATA_DIR", "data",
            "Folder for the embedded SQLite database and other local files (relative to the working folder)."),
    Setting("cache_redis_url", "GRIDBOARD_CACHE_REDIS_URL", None,
            "Redis URL (redis://host:6379/0) shared by every worker. Default: an in-process cache."),
    Setting("host", "GRIDBOARD_HOST", "127.0.0.1", "Address `gridboard serve` listens on."),
    Setting("port", "GRIDBOARD_PORT", 8050, "Port `gridboard serve` listens on.", int),
    Setting("workers", "GRIDBOARD_WORKERS", 1,
            "gunicorn worker processes for `gridboard serve` (1 = the built-in threaded server).", int),
    Setting("query_timeout_ms", "GRIDBOARD_QUERY_TIMEOUT_MS", 3000,
            "A panel query running longer than this is cancelled and its panel shows an error.", int),
    Setting("timezone", "GRIDBOARD_TZ", "Asia/Shanghai",
            "Local time zone of the deployment; stored times are local wall-clock times in it."),
    Setting("now", "GRIDBOARD_NOW", None,
            "Freeze the app's clock at this local time (ISO, e.g. 2026-11-21T10:00) for demos and tests."),
    Setting("language", "GRIDBOARD_LANGUAGE", "zh", "Default UI language: zh or en."),
)

BY_NAME = {s.name: s for s in SETTINGS}


@dataclass(frozen=True)
class Config:
    values: dict = field(default_factory=dict)

    def __getattr__(self, name: str):
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def db_url(self) -> str:
        if self.values.get("database_url"):
            return self.values["database_url"]
        return "sqlite:///" + str(Path(self.values["data_dir"]).resolve() / "gridboard.sqlite")


def load_config(overrides: dict | None = None, environ: dict | None = None) -> Config:
    """Resolve every setting: explicit argument, then environment, then default."""
    environ = os.environ if environ is None else environ
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    values = {}
    for s in SETTINGS:
        if s.name in overrides:
            raw = overrides[s.name]
        elif environ.get(s.env):
            raw = environ[s.env]
        else:
            raw = s.default
        values[s.name] = s.kind(raw) if raw is not None else None
    unknown = set(overrides) - set(BY_NAME)
    if unknown:
        raise ValueError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    return Config(values)


def settings_table_markdown() -> str:
    rows = ["| setting | environment | default | meaning |", "|---|---|---|---|"]
    for s in SETTINGS:
        default = "—" if s.default is None else f"`{s.default}`"
        rows.append(f"| {s.name} | `{s.env}` | {default} | {s.help} |")
    return "\n".join(rows)


def local_now(cfg: Config):
    """The current local wall-clock time (naive), or the frozen ``now`` setting."""
    from datetime import datetime
    from zoneinfo import ZoneInfo
    if cfg.values.get("now"):
        return datetime.fromisoformat(cfg.values["now"])
    return datetime.now(ZoneInfo(cfg.values["timezone"])).replace(tzinfo=None, microsecond=0)
