"""Which grid (and so which village and township) does a new case belong to?

A case names its grid, or brings a point that is placed by point-in-polygon
(:class:`geo.locate.GridLocator`).  The locator is built once per process and
database from the ``grid`` table and kept in memory.  An in-process index is
fine here, unlike panel data (which lives in the shared cache): it is derived
from the boundaries alone, which change only when boundaries are imported
(a rare, offline step), so every process building its own copy costs one read
of ~1,800 polygons and can never disagree with another process's copy for
long.  Each use checks a cheap fingerprint of the grid table — row count,
smallest and largest code and the etag of the city-wide grid layer (which is
a hash of the simplified geometry, when layers were written) — and rebuilds
when it changed.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from geo.locate import GridLocator
from queries.lifecycle_rules import CaseInputError, check_point
from queries.schema import grid, map_layer


@dataclass(frozen=True)
class GridIndex:
    """The grids of one database: their parents and a point locator."""
    parents: dict[str, tuple[str, str]]     # grid code -> (village code, township code)
    locator: GridLocator


_cache: dict[str, tuple[tuple, GridIndex]] = {}
_lock = threading.Lock()


# separate scalar subqueries: each is an index-only read (min/max walk one end of the primary key),
# where one SELECT of count, min and max would scan the rows (0.9 ms against 0.08 ms on SQLite)
_FINGERPRINT = select(
    select(func.count()).select_from(grid).scalar_subquery(),
    select(func.min(grid.c.code)).scalar_subquery(),
    select(func.max(grid.c.code)).scalar_subquery(),
    select(map_layer.c.etag).where(map_layer.c.level == "grid", map_layer.c.scope_code == "").scalar_subquery())


def fingerprint(conn: Connection) -> tuple:
    """Changes whenever the grid table is replaced (one statement of index-only reads)."""
    return tuple(conn.execute(_FINGERPRINT).one())


def grid_index(conn: Connection) -> GridIndex:
    """The grids of ``conn``'s database, rebuilt when :func:`fingerprint` changed."""
    from queries.tree import read_grids   # local: pandas and shapely load only when a case is placed

    url = conn.engine.url.render_as_string(hide_password=False)
    key = fingerprint(conn)
    with _lock:
        hit = _cache.get(url)
        if hit is not None and hit[0] == key:
            return hit[1]
    grids = read_grids(conn)
    index = GridIndex(parents=dict(zip(grids.code, zip(grids.village_code, grids.township_code))),
                      locator=GridLocator(grids.code.tolist(), grids.geometry.tolist()))
    with _lock:
        _cache[url] = (key, index)
    return index


def clear() -> None:
    """Forget every index (tests; a process that replaced its boundaries may call it too)."""
    with _lock:
        _cache.clear()


def place(index: GridIndex, grid_code: str | None, lon, lat) -> tuple[str, str, str]:
    """(grid, village, township) of a case: its ``grid_code``, else the grid holding (lon, lat).

    Raises :class:`CaseInputError` for an unknown grid code, a point outside
    every grid, half a point, or neither.
    """
    point = check_point(lon, lat)
    if grid_code is not None:
        parents = index.parents.get(grid_code)
        if parents is None:
            raise CaseInputError("grid_code", f"no grid with code {grid_code!r}")
        return (grid_code, *parents)
    if point is None:
        raise CaseInputError("grid_code", "give the grid code or the point (lon, lat) of the case")
    code = index.locator.locate(*point)
    if code is None:
        raise CaseInputError("lon", f"the point ({point[0]:.6f}, {point[1]:.6f}) lies outside every grid")
    return (code, *index.parents[code])


def place_many(index: GridIndex, items: list[tuple[str | None, object, object]]) -> list:
    """:func:`place` for many cases; the points without a grid code are located in one vectorised call.

    Returns a list aligned with ``items`` holding (grid, village, township) or
    the :class:`CaseInputError` of that item (the caller decides how to report it).
    """
    out: list = [None] * len(items)
    todo = []
    for i, (code, lon, lat) in enumerate(items):
        try:
            point = check_point(lon, lat)
            if code is not None or point is None:
                out[i] = place(index, code, lon, lat)
            else:
                todo.append((i, point))
        except CaseInputError as exc:
            out[i] = exc
    if todo:
        codes = index.locator.locate_many([p[0] for _, p in todo], [p[1] for _, p in todo])
        for (i, point), code in zip(todo, codes):
            out[i] = (CaseInputError("lon", f"the point ({point[0]:.6f}, {point[1]:.6f}) lies outside every grid")
                      if code is None else (code, *index.parents[code]))
    return out
