"""Who may read what: the principal of a request and the one access check every read passes.

A *principal* is whoever a request acts for: a signed-in user (a role and a
home scope), a kiosk token (a wall screen: one scope, read only), a source
token (an intake system: it writes cases for its channel and reads no
dashboard), the *system* (the CLI, tests and anything running outside an HTTP
request) or nobody (*anonymous*).  ``api.gate`` resolves it from the session
cookie or the token of each request; :func:`current_principal` returns it.

The check is :func:`authorize_query`, called by ``queries.cache`` for every
``@panel_query`` and ``@geo_query`` call *before* the cache is read or the SQL
runs, with every :class:`~queries.scope.Scope` among the call's arguments.  A
scope grants its whole subtree: a township leader may read the township, its
villages and grids; a village leader the village and its grids; the city roles
everything.  A panel query called without any scope reads the whole city, so
it needs the city.  Because the check runs on the *requested* scope and the
cache key holds that scope, a cached answer can only ever be returned to a
principal allowed to read it (see ``queries.cache``).

One exception, off by default: with the ``peer_aggregates`` setting a
township leader may also open the city view and read the city-wide
aggregates listed in :data:`PEER_READABLE` (totals, the township ranking, the
map's values) — never another township's pages, cases, trails or sessions.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

from sqlalchemy import select

from queries import db
from queries.areas import level_of
from queries.cache import geo_query
from queries.schema import grid, township, village
from queries.scope import LEVELS, Scope

#: the home level each role must have (a scope grants its whole subtree)
ROLE_LEVEL = {"operator": "city", "official": "city", "admin": "city",
              "township_leader": "township", "village_leader": "village"}
#: pages a kiosk token may open: the wall screens, nothing else
KIOSK_PAGE_PREFIX = "/wall"

#: what a township leader may read at city scope when ``peer_aggregates`` is on:
#: aggregates of the city view, its map and names — no case, trail or session list
PEER_READABLE = frozenset({
    "queries.cases.node_counts", "queries.cases.open_now_at_minute", "queries.cases.trend",
    "queries.cases.kpis", "queries.cases.category_ranking", "queries.cases.children_ranking_at",
    "queries.mapdata.map_values_at", "queries.party.party_summary",
    "queries.areas.area_name", "queries.areas.scope_exists", "queries.areas.children",
    "queries.mapbase.map_base", "queries.mapbase.scope_bounds",
    "page:/", "route:geo.serve_layer",
})


class AccessDenied(Exception):
    """A refused read.  ``status`` is the HTTP answer; the message is for logs and the audit, never the body."""

    status = 403
    public = "forbidden"


class NotAuthorized(AccessDenied):
    """Nobody is signed in (or the session or token is no longer valid)."""

    status = 401
    public = "login required"


class Forbidden(AccessDenied):
    """The principal may not read this scope, page or route."""


class NotVisible(AccessDenied):
    """A case the principal may not know exists: answered exactly like one that does not exist."""

    status = 404
    public = "not found"


@dataclass(frozen=True)
class Principal:
    """Whoever a request acts for.  ``home`` is the scope whose subtree it may read (None: nothing)."""

    kind: str                      # user, kiosk, source, system, anonymous
    name: str = ""
    role: str | None = None
    home: Scope | None = None
    user_id: int | None = None
    token_id: int | None = None
    source: str | None = None

    @property
    def actor(self) -> str:
        """How the audit log names it: the user name, ``token:<id>``, or '' for nobody."""
        if self.kind in ("kiosk", "source"):
            return f"token:{self.token_id}"
        return self.name

    @property
    def reads_dashboards(self) -> bool:
        """Users, kiosks and the system read dashboards; source tokens and nobody do not."""
        return self.kind in ("user", "kiosk", "system") and self.home is not None

    @property
    def is_admin(self) -> bool:
        return self.kind == "system" or (self.kind == "user" and self.role == "admin")


SYSTEM = Principal("system", "system", "admin", Scope.city())
ANONYMOUS = Principal("anonymous")

_acting: ContextVar[Principal | None] = ContextVar("gridboard_principal", default=None)


def current_principal() -> Principal:
    """The principal of this request, else of :func:`acting_as`, else the system.

    Inside an HTTP request it is what ``api.gate`` resolved; a request that
    the gate has not seen (a test's ``test_request_context``) is nobody, so a
    forgotten hook fails closed.  Outside any request (the CLI, unit tests of
    the SQL, a background thread) it is the system.
    """
    from flask import g, has_request_context
    if has_request_context():
        p = g.get("gb_principal")
        if p is not None:
            return p
    acting = _acting.get()
    if acting is not None:
        return acting
    return ANONYMOUS if has_request_context() else SYSTEM


@contextmanager
def acting_as(principal: Principal) -> Iterator[Principal]:
    """Run a block as ``principal`` (tests, and work done on someone's behalf outside a request)."""
    token = _acting.set(principal)
    try:
        yield principal
    finally:
        _acting.reset(token)


def peer_aggregates_on() -> bool:
    """The ``peer_aggregates`` setting of the running app (off outside an app)."""
    from flask import current_app, has_app_context
    if not has_app_context():
        return False
    cfg = current_app.config.get("GRIDBOARD")
    return bool(cfg is not None and cfg.values.get("peer_aggregates"))


# --- the tree: which township and village an area lies in --------------------------

@geo_query
def area_parents(level: str, code: str) -> tuple[str, str] | None:
    """``(township_code, village_code)`` of an area ('' where its level has none); None if unknown.

    Takes plain strings (not a Scope) so that the access check reading it
    does not check itself; cached with the geometry, which changes only when
    boundaries are imported (that clears the cache).
    """
    with db.current().connect() as conn:
        if level == "township":
            row = conn.execute(select(township.c.code).where(township.c.code == code)).first()
            return (row.code, "") if row else None
        if level == "village":
            row = conn.execute(select(village.c.township_code).where(village.c.code == code)).first()
            return (row.township_code, code) if row else None
        if level == "grid":
            row = conn.execute(select(grid.c.township_code, grid.c.village_code).where(grid.c.code == code)).first()
            return (row.township_code, row.village_code) if row else None
    return None


@geo_query
def level_of_code(code: str) -> str | None:
    """The level of an area code (township, village or grid), or None: for routes that name a bare code."""
    with db.current().connect() as conn:
        return level_of(conn, code)


def scope_of_code(code: str) -> Scope | None:
    """``city`` (or '') is the city; otherwise the area with that code, or None."""
    if code in ("", "city"):
        return Scope.city()
    try:
        Scope.grid(code)  # the code's shape, before it reaches SQL
    except ValueError:
        return None
    level = level_of_code(code)
    return Scope(level, code) if level else None


def scope_allows(home: Scope, requested: Scope) -> bool:
    """Whether ``requested`` lies in the subtree of ``home`` (an unknown area lies in no one's but the city's)."""
    if home.level == "city":
        return True
    if requested == home:
        return True
    if LEVELS.index(requested.level) <= LEVELS.index(home.level):
        return False  # the city, or another area at the home's level or above it
    parents = area_parents(requested.level, requested.code)
    if parents is None:
        return False
    township_code, village_code = parents
    return {"township": township_code, "village": village_code}.get(home.level) == home.code


def allows(principal: Principal, scope: Scope, what: str = "") -> bool:
    """Whether ``principal`` may read ``scope`` through ``what`` (a query's name, ``page:<path>``, ``route:<endpoint>``)."""
    if principal.kind == "system":
        return True
    if not principal.reads_dashboards:
        return False
    if scope_allows(principal.home, scope):
        return True
    return (scope.level == "city" and principal.kind == "user" and principal.role == "township_leader"
            and what in PEER_READABLE and peer_aggregates_on())


def enforce(scope: Scope, what: str = "") -> Scope:
    """``scope`` if the current principal may read it; else :class:`NotAuthorized` (nobody) or :class:`Forbidden`."""
    p = current_principal()
    if p.kind == "anonymous":
        raise NotAuthorized(f"nobody may read {scope.key}")
    if not allows(p, scope, what):
        raise Forbidden(f"{p.actor or p.kind} may not read {scope.key}" + (f" ({what})" if what else ""))
    return scope


def _scopes_in(values: Iterable[Any]) -> Iterator[Scope]:
    for v in values:
        if isinstance(v, Scope):
            yield v
        elif isinstance(v, (tuple, list, set, frozenset)):
            yield from _scopes_in(v)


def authorize_query(name: str, values: list[Any], region: str = "panel") -> None:
    """The door: may the current principal run the query ``name`` with these argument values?

    Every Scope among the values must be readable.  A panel query with no
    scope at all reads the whole city, so it needs the city; a geometry read
    without a scope (a layer by code, the tree lookups above) passes — the
    routes serving layers check their scope themselves.
    """
    p = current_principal()
    if p.kind == "system":
        return
    scopes = list(_scopes_in(values))
    if not scopes and region == "panel":
        scopes = [Scope.city()]
    for scope in scopes:
        enforce(scope, name)


# --- pages ---------------------------------------------------------------------------

def is_kiosk_page(path: str) -> bool:
    return path == KIOSK_PAGE_PREFIX or path.startswith(KIOSK_PAGE_PREFIX + "/")


def page_allowed(principal: Principal, path: str, scope: Scope | None) -> bool:
    """Whether ``principal`` may open the page at ``path`` showing ``scope`` (None: a page without data).

    Kiosk tokens open wall pages only; everyone who reads dashboards opens
    pages of their subtree (and township leaders the city view when
    ``peer_aggregates`` is on).
    """
    if principal.kind == "system":
        return True
    if not principal.reads_dashboards:
        return False
    if principal.kind == "kiosk" and not is_kiosk_page(path):
        return False
    return scope is None or allows(principal, scope, f"page:{path}")


def home_path(principal: Principal) -> str:
    """The command view of the principal's home scope (``/`` for the city)."""
    home = principal.home or Scope.city()
    return "/" if home.level == "city" else f"/{home.level}/{home.code}"
