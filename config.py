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


def flag(value) -> bool:
    """A yes/no setting: 1, true, yes or on (any case) is yes."""
    return str(value).strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: object
    help: str
    kind: type = str
    secret: bool = False  # never printed by `gridboard settings`


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
    Setting("report_font", "GRIDBOARD_REPORT_FONT", None,
            "Font file (.ttf/.otf/.ttc with Chinese glyphs) for the briefing's PDF, PPTX and charts. "
            "Default: a CJK font found on the machine (e.g. Noto Sans CJK)."),
    Setting("secret_key", "GRIDBOARD_SECRET_KEY", None,
            "Key that signs session cookies; every worker must share it. Default: generated once into the file "
            "secret_key of the data folder (mode 0600).", secret=True),
    Setting("https", "GRIDBOARD_HTTPS", False,
            "Served over HTTPS: session cookies get the Secure flag and responses ask for HTTPS (HSTS).", flag),
    Setting("proxy_hops", "GRIDBOARD_PROXY_HOPS", 0,
            "Reverse proxies in front of the app whose X-Forwarded-For/-Proto headers are trusted "
            "(client address in the audit log, HTTPS detection).", int),
    Setting("session_hours", "GRIDBOARD_SESSION_HOURS", 12,
            "A login (or a wall's kiosk session) ends after this many hours without a request.", int),
    Setting("login_max_failures", "GRIDBOARD_LOGIN_MAX_FAILURES", 5,
            "Wrong passwords in a row that lock an account.", int),
    Setting("login_lock_minutes", "GRIDBOARD_LOGIN_LOCK_MINUTES", 15,
            "How long a locked account refuses every login.", int),
    Setting("peer_aggregates", "GRIDBOARD_PEER_AGGREGATES", False,
            "Township leaders may open the city view: city totals, the township ranking and the map's values "
            "(never another township's pages, case lists or trails). Off: they land on their township.", flag),
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
