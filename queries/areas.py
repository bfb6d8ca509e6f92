"""Areas: names for the breadcrumb, the children of a view, grid details and map layers.

The tree changes only when boundaries are imported, so names and layers live
in the long-lived ``geo_cache`` (the importer clears it).  ``children`` holds
grid workers' names, which can change with any data write, so it is versioned
in the panel cache instead; ``grid_info`` holds the last patrol and is read
fresh (two indexed reads).
"""
from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, select

from queries.cache import geo_query, panel_query
from queries.filters import area_clauses, frame
from queries.guard import NotFound, UnknownScope, limited_connection
from queries.schema import city, grid, grid_worker, map_layer, patrol, township, village
from queries.scope import LEVELS, Scope

# areas drawn as fills, and the outlines drawn over them
LAYER_LEVELS = (*LEVELS, "township_border", "village_border")
AREA_TABLES = {"township": township, "village": village, "grid": grid}


def _city_row(conn: Connection):
    """The city (one row; the city scope has no code of its own)."""
    return conn.execute(select(city.c.code, city.c.name, city.c.name_en).order_by(city.c.code).limit(1)).first()


def level_of(conn: Connection, code: str, levels=tuple(AREA_TABLES)) -> str | None:
    """The first of ``levels`` (township, village, grid) that has an area with ``code``, or None."""
    for level in levels:
        t = AREA_TABLES[level]
        if conn.execute(select(t.c.code).where(t.c.code == code)).first() is not None:
            return level
    return None


def _area_row(conn: Connection, level: str, code: str):
    t = AREA_TABLES[level]
    cols = [t.c.code, t.c.name, t.c.name_en]
    if level in ("village", "grid"):
        cols.append(t.c.township_code)
    if level == "grid":
        cols.append(t.c.village_code)
    return conn.execute(select(*cols).where(t.c.code == code)).first()


@geo_query
def area_name(scope: Scope) -> dict:
    """Name of the scope's area and its breadcrumb.

    Returns ``{"level", "code", "name", "name_en", "chain"}`` where ``chain``
    is a list of ``(level, code, name, name_en)`` from the city down to the
    area itself.  Raises :class:`UnknownScope` if the area does not exist.
    """
    with limited_connection() as conn:
        city_row = _city_row(conn)
        if city_row is None:
            raise UnknownScope("no city in the database yet")
        chain = [("city", "", city_row.name, city_row.name_en)]
        if scope.level != "city":
            row = _area_row(conn, scope.level, scope.code)
            if row is None:
                raise UnknownScope(f"no {scope.level} {scope.code!r}")
            parents = []
            if scope.level == "grid":
                parents.append(("village", row.village_code))
            if scope.level in ("village", "grid"):
                parents.insert(0, ("township", row.township_code))
            for level, code in parents:
                p = _area_row(conn, level, code)
                chain.append((level, code, p.name, p.name_en))
            chain.append((scope.level, scope.code, row.name, row.name_en))
    level, code, name, name_en = chain[-1]
    return {"level": level, "code": code, "name": name, "name_en": name_en, "chain": chain}


@geo_query
def scope_exists(scope: Scope) -> bool:
    """Whether the scope's area exists (the city exists once a tree is loaded)."""
    with limited_connection() as conn:
        if scope.level == "city":
            return _city_row(conn) is not None
        return _area_row(conn, scope.level, scope.code) is not None


CHILD_COLUMNS = ["code", "name", "name_en", "centroid_lon", "centroid_lat", "area_km2"]
GRID_CHILD_COLUMNS = CHILD_COLUMNS + ["grid_type", "worker_id", "worker_name", "worker_phone"]


def children_statement(scope: Scope):
    """The child areas of ``scope`` in code order (None for a grid, which has none)."""
    level = scope.child_level
    if level is None:
        return None
    t = AREA_TABLES[level]
    cols = [t.c[c] for c in CHILD_COLUMNS]
    if level == "grid":
        w = grid_worker
        stmt = (select(*cols, t.c.grid_type, w.c.id.label("worker_id"), w.c.name.label("worker_name"),
                       w.c.phone.label("worker_phone"))
                .select_from(t.outerjoin(w, w.c.grid_code == t.c.code)))
    else:
        stmt = select(*cols)
    return stmt.where(*area_clauses(t, scope)).order_by(t.c.code)


def children_frame(conn: Connection, scope: Scope) -> pd.DataFrame:
    """:func:`children` on an open connection (for queries that join names to values)."""
    stmt = children_statement(scope)
    columns = GRID_CHILD_COLUMNS if scope.child_level == "grid" else CHILD_COLUMNS
    if stmt is None:
        return pd.DataFrame({c: [] for c in columns})
    return frame(conn, stmt, columns)


@panel_query
def children(scope: Scope) -> pd.DataFrame:
    """Townships of the city, villages of a township or grids of a village (empty for a grid).

    Columns ``code, name, name_en, centroid_lon, centroid_lat, area_km2``;
    grids add ``grid_type, worker_id, worker_name, worker_phone``.
    """
    with limited_connection() as conn:
        return children_frame(conn, scope)


def grid_info(code: str) -> dict:
    """A grid with its worker and last patrol.

    ``{"code", "name", "name_en", "grid_type", "village_code", "township_code",
    "worker": {"id", "name", "phone"} | None, "last_patrol": {"started_at",
    "ended_at", "distance_m", "end_lon", "end_lat"} | None}``.
    Raises :class:`UnknownScope` for an unknown grid.
    """
    Scope.grid(code)  # validates the code's shape before it reaches SQL
    g, w, p = grid, grid_worker, patrol
    with limited_connection() as conn:
        row = conn.execute(
            select(g.c.code, g.c.name, g.c.name_en, g.c.grid_type, g.c.village_code, g.c.township_code,
                   w.c.id.label("worker_id"), w.c.name.label("worker_name"), w.c.phone.label("worker_phone"))
            .select_from(g.outerjoin(w, w.c.grid_code == g.c.code)).where(g.c.code == code)).first()
        if row is None:
            raise UnknownScope(f"no grid {code!r}")
        last = conn.execute(
            select(p.c.started_at, p.c.ended_at, p.c.distance_m, p.c.end_lon, p.c.end_lat)
            .where(p.c.grid_code == code).order_by(p.c.started_at.desc(), p.c.id.desc()).limit(1)).first()
    info = {k: row._mapping[k] for k in ("code", "name", "name_en", "grid_type", "village_code", "township_code")}
    info["worker"] = (None if row.worker_id is None else
                      {"id": row.worker_id, "name": row.worker_name, "phone": row.worker_phone})
    info["last_patrol"] = None if last is None else dict(last._mapping)
    return info


@geo_query
def layer(level: str, scope_code: str = "") -> tuple[str, str]:
    """``(geojson_text, etag)`` of the map layer drawing ``level`` areas within ``scope_code``.

    ``scope_code`` is '' for the city-wide layer.  Raises :class:`NotFound`
    when the layer was not built.
    """
    if level not in LAYER_LEVELS:
        raise ValueError(f"unknown layer {level!r}")
    t = map_layer
    with limited_connection() as conn:
        row = conn.execute(select(t.c.geojson, t.c.etag)
                           .where(t.c.level == level, t.c.scope_code == scope_code)).first()
    if row is None:
        raise NotFound(f"no {level} layer for {scope_code or 'the city'!r}")
    return row.geojson, row.etag


def layer_etag(level: str, scope_code: str = "") -> str:
    """Just the etag (to answer a conditional request without sending the geometry)."""
    return layer(level, scope_code)[1]
