"""Two cache regions for panel queries, bound to the Flask server with ``init_caches``.

* ``panel_cache`` holds panel data.  Its keys end with the data version
  (``queries.version``), so an entry is never stale: a write bumps the
  version and the next poll asks for a key that does not exist yet.  Old
  versions simply expire (default 10 minutes).
* ``geo_cache`` holds geometry, map layers and names of areas: they change
  only when boundaries are imported, which clears it (``clear_geo_cache``).

In one process the regions are ``SimpleCache``; with a Redis URL they are
``RedisCache`` with distinct key prefixes, shared by every gunicorn worker.
That only works if a key is the same in every worker, so keys are built from
the function's module and name and the *values* of its arguments (never
``id()`` or ``hash()``, which differ between processes):

    panel:queries.cases.kpis:township:210882001:2026-11-14..2026-11-20:v42@1a2b3c4d

The ``@1a2b3c4d`` tail is a digest of the database URL (password hidden), so
two databases sharing a Redis (a benchmark database beside the live one) do
not answer for each other.

This holds only if every writer of a table that panels read (cases, events,
rollups, party sessions and attendance, workers, patrols) bumps the version
in its transaction.  "Now" panels are also keyed by the minute, so they move
with the clock without a write.  A database file recreated from scratch
restarts its version at 1: flush a shared Redis (``panel_cache.clear()``)
when doing that, or entries of the old file may answer for up to the timeout.

A function decorated while no cache is bound (a CLI command, a unit test of
the SQL) simply runs uncached.  A cache backend that fails (Redis down) is
logged and bypassed: a panel is slower, never blank.

The decorators are also the one door of access control.  Before a key is
built, the cache read or the SQL run, every call passes
``queries.access.authorize_query`` with its argument values: each Scope among
them must lie in the current principal's subtree (and a panel query without
a scope needs the whole city), else ``Forbidden``/``NotAuthorized`` is raised
and nothing is read.  The key holds the *requested* scope, so an entry
written for one principal is returned only to principals that passed the
same check for the same scope: a township leader's cached numbers can never
answer another township's leader, who is refused before the lookup.  Outside
an HTTP request (CLI, unit tests) the principal is the system, which may
read everything.  ``.uncached`` keeps the check and skips only the cache.
"""
from __future__ import annotations

import functools
import hashlib
import inspect
import logging
from datetime import date, datetime
from typing import Any, Callable

from flask_caching import Cache

from queries import db
from queries.version import current_version

log = logging.getLogger(__name__)

PANEL_TIMEOUT_S = 600
GEO_TIMEOUT_S = 24 * 3600
# entries an in-process SimpleCache keeps before pruning: bounds memory (a city map frame pickles to ~60 kB)
SIMPLE_THRESHOLD = {"panel": 2000, "geo": 500}
# a Redis that hangs must not freeze the wall screen: give up after a second and query the database
REDIS_SOCKET_TIMEOUT_S = 1.0

panel_cache = Cache(with_jinja2_ext=False)
geo_cache = Cache(with_jinja2_ext=False)


def init_caches(server, redis_url: str | None = None, *, panel_timeout: int = PANEL_TIMEOUT_S,
                geo_timeout: int = GEO_TIMEOUT_S, key_prefix: str = "gridboard:") -> None:
    """Bind both regions to ``server`` (a Flask app): in process, or in Redis when ``redis_url`` is given."""
    for cache, region, timeout in ((panel_cache, "panel", panel_timeout), (geo_cache, "geo", geo_timeout)):
        config = {"CACHE_DEFAULT_TIMEOUT": timeout}
        if redis_url:
            config.update(CACHE_TYPE="RedisCache", CACHE_REDIS_URL=redis_url,
                          CACHE_KEY_PREFIX=f"{key_prefix}{region}:",
                          CACHE_OPTIONS={"socket_timeout": REDIS_SOCKET_TIMEOUT_S,
                                         "socket_connect_timeout": REDIS_SOCKET_TIMEOUT_S})
        else:
            config.update(CACHE_TYPE="SimpleCache", CACHE_THRESHOLD=SIMPLE_THRESHOLD[region])
        cache.init_app(server, config=config)
        # Cache.cache looks at current_app first, then .app: set it so that reads
        # outside a request (CLI, tests, background threads) reach the same backend.
        cache.app = server


def unbind_caches() -> None:
    """Detach both regions from their server: decorated queries run uncached again (tests, tools)."""
    for cache in (panel_cache, geo_cache):
        app = getattr(cache, "app", None)
        if app is not None:
            getattr(app, "extensions", {}).get("cache", {}).pop(cache, None)
        cache.app = None


def is_bound(cache: Cache) -> bool:
    """Whether ``init_caches`` (or ``init_app``) has given ``cache`` a backend."""
    app = getattr(cache, "app", None)
    return app is not None and cache in getattr(app, "extensions", {}).get("cache", {})


def clear_geo_cache() -> None:
    """Forget geometry and area names (call after importing boundaries)."""
    if is_bound(geo_cache):
        geo_cache.clear()


def db_tag(engine=None) -> str:
    """Short digest of the database URL (password hidden) for cache keys."""
    engine = engine if engine is not None else db.current()
    url = engine.url.render_as_string(hide_password=True)
    return hashlib.sha1(url.encode()).hexdigest()[:8]


def encode_arg(value: Any) -> str:
    """Text of one argument in a cache key: the same for equal values in every process.

    Scope and Window contribute their ``key``; ``:`` and ``%`` inside strings
    are escaped so that different argument lists cannot collide.  Anything
    else (an object without a stable text) is refused rather than keyed by its
    ``repr``, which may hold a memory address.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return value.replace("%", "%25").replace(":", "%3A")
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    key = getattr(value, "key", None)
    if isinstance(key, str):
        return key
    if isinstance(value, (tuple, list)):
        return ",".join(encode_arg(v) for v in value)
    raise TypeError(f"cannot build a stable cache key from {type(value).__name__}")


def _bound_arguments(sig: inspect.Signature, args, kwargs) -> list[Any]:
    """Argument values in signature order with defaults applied: f(s, w) and f(s, w, 'open') agree."""
    bound = sig.bind(*args, **kwargs)
    bound.apply_defaults()
    return list(bound.arguments.values())


def function_key(region: str, name: str, values: list[Any]) -> str:
    return ":".join([region, name, *(encode_arg(v) for v in values)])


_MISS = object()


def _cache_get(cache: Cache, key: str) -> Any:
    try:
        hit = cache.get(key)
    except Exception as exc:  # a broken backend must not blank a panel
        log.warning("cache read failed for %s: %s", key, exc)
        return _MISS
    # values are stored as 1-tuples so that a cached None is told apart from a miss
    return hit[0] if isinstance(hit, tuple) and len(hit) == 1 else _MISS


def _cache_set(cache: Cache, key: str, value: Any) -> None:
    try:
        cache.set(key, (value,))
    except Exception as exc:
        log.warning("cache write failed for %s: %s", key, exc)


def authorize(region_name: str, name: str, values: list[Any]) -> None:
    """The access check of every decorated call (see the module docstring)."""
    # imported here: queries.access reads the area tree through @geo_query itself
    from queries.access import authorize_query
    authorize_query(name, values, region_name)


def _memoized(fn: Callable, region: Cache, key_now: Callable, cache_key: Callable,
              check: Callable) -> Callable:
    """Wrap ``fn``: pass ``check(args, kwargs)``, then read ``region`` under ``key_now(args, kwargs)``,
    else compute and store.

    Runs uncached while ``region`` is unbound (a CLI command, a unit test of the SQL).
    """
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        check(args, kwargs)  # before the cache: a refused scope never reaches a key
        if not is_bound(region):
            return fn(*args, **kwargs)
        key = key_now(args, kwargs)
        value = _cache_get(region, key)
        if value is _MISS:
            value = fn(*args, **kwargs)
            _cache_set(region, key, value)
        return value

    @functools.wraps(fn)
    def uncached(*args, **kwargs):
        check(args, kwargs)
        return fn(*args, **kwargs)

    wrapper.uncached = uncached
    wrapper.cache_key = cache_key
    wrapper.region = region
    return wrapper


def panel_query(fn: Callable) -> Callable:
    """Memoize a top-level panel query in ``panel_cache`` under a versioned key.

    The version is read *before* the query runs: if a write lands in between,
    the entry stored under the old version holds newer data, which is harmless;
    the reverse order could store old data under the new version.

    The wrapper keeps the function without the cache (but with the access
    check) as ``.uncached`` and offers
    ``.cache_key(*args, version=..., **kwargs)`` for tests and the benchmark.
    """
    sig = inspect.signature(fn)
    name = f"{fn.__module__}.{fn.__qualname__}"

    def cache_key(*args, version: int, engine=None, **kwargs) -> str:
        base = function_key("panel", name, _bound_arguments(sig, args, kwargs))
        return f"{base}:v{version}@{db_tag(engine)}"

    def key_now(args, kwargs) -> str:
        engine = db.current()
        return cache_key(*args, version=current_version(engine), engine=engine, **kwargs)

    def check(args, kwargs) -> None:
        authorize("panel", name, _bound_arguments(sig, args, kwargs))

    return _memoized(fn, panel_cache, key_now, cache_key, check)


def geo_query(fn: Callable) -> Callable:
    """Memoize a long-lived read (geometry, area names) in ``geo_cache``, keyed by its arguments only."""
    sig = inspect.signature(fn)
    name = f"{fn.__module__}.{fn.__qualname__}"

    def cache_key(*args, engine=None, **kwargs) -> str:
        return f"{function_key('geo', name, _bound_arguments(sig, args, kwargs))}@{db_tag(engine)}"

    def check(args, kwargs) -> None:
        authorize("geo", name, _bound_arguments(sig, args, kwargs))

    return _memoized(fn, geo_cache, lambda args, kwargs: cache_key(*args, **kwargs), cache_key, check)
