"""What the map draws for a scope, apart from the values: which layer, which
grids (in a fixed order that every recolour follows), their labels, workers
and drill targets, and the bounds to fit.  All of it changes only when
boundaries change, so it lives in the geometry cache.
"""
from __future__ import annotations

import pandas as pd
import shapely
from sqlalchemy import select

from queries import db
from queries.cache import geo_query
from queries.scope import Scope
from queries.schema import grid, grid_worker

# (grid layer, border layer) per scope level; the layer's scope code is derived below
LAYERS = {
    "city": (("grid", "city"), ("township_border", "city")),
    "township": (("grid", "township"), ("village_border", "township")),
    "village": (("grid", "village"), None),
    "grid": (("grid", "village"), None),
}
TARGET = {"city": "township_code", "township": "village_code", "village": "code", "grid": None}


def _grid_filter(scope: Scope):
    col = {"city": None, "township": grid.c.township_code, "village": grid.c.village_code,
           "grid": grid.c.code}[scope.level]
    return None if col is None else col == scope.code


@geo_query
def map_base(scope: Scope) -> pd.DataFrame:
    """Grids drawn at ``scope``, ordered by code: code, name, name_en, worker, target.

    ``target`` is the code a click on that grid drills into: its township at
    city level, its village at township level, the grid itself at village level.
    """
    stmt = (select(grid.c.code, grid.c.name, grid.c.name_en, grid.c.village_code, grid.c.township_code,
                   grid_worker.c.name.label("worker"))
            .select_from(grid.outerjoin(grid_worker, grid_worker.c.grid_code == grid.c.code))
            .order_by(grid.c.code))
    where = _grid_filter(scope)
    if where is not None:
        stmt = stmt.where(where)
    with db.current().connect() as conn:
        df = pd.DataFrame(conn.execute(stmt).mappings().all(),
                          columns=["code", "name", "name_en", "village_code", "township_code", "worker"])
    target = TARGET[scope.level]
    df["target"] = df[target] if target else ""
    df["worker"] = df["worker"].fillna("—")
    return df


@geo_query
def scope_bounds(scope: Scope) -> tuple[float, float, float, float] | None:
    """(minx, miny, maxx, maxy) of the grids of ``scope``; None for an unknown scope."""
    stmt = select(grid.c.geom)
    where = _grid_filter(scope)
    if where is not None:
        stmt = stmt.where(where)
    with db.current().connect() as conn:
        blobs = conn.execute(stmt).scalars().all()
    if not blobs:
        return None
    minx, miny, maxx, maxy = shapely.total_bounds(shapely.from_wkb(blobs))
    return (float(minx), float(miny), float(maxx), float(maxy))


def layer_keys(scope: Scope) -> tuple[tuple[str, str], tuple[str, str] | None]:
    """(level, scope_code) of the grid layer and of the border layer for ``scope``."""
    grid_layer, border = LAYERS[scope.level]

    def code_for(kind: str) -> str:
        if kind == "city":
            return ""
        if scope.level == "grid" and kind == "village":
            return _village_of(scope.code)
        return scope.code

    g = (grid_layer[0], code_for(grid_layer[1]))
    b = (border[0], code_for(border[1])) if border else None
    return g, b


@geo_query
def _village_of(grid_code: str) -> str:
    with db.current().connect() as conn:
        return conn.execute(select(grid.c.village_code).where(grid.c.code == grid_code)).scalar() or ""


def open_case_points(scope: Scope, now) -> pd.DataFrame:
    """Open cases of a village or grid with a point: id, lon, lat, category, node, overdue.

    Not cached here: it is read only at village and grid level, a few dozen rows
    through the open-case index, and it must follow every write.
    """
    from queries.schema import case
    col = {"village": case.c.village_code, "grid": case.c.grid_code}.get(scope.level)
    if col is None:
        return pd.DataFrame(columns=["id", "lon", "lat", "category", "node", "overdue"])
    stmt = (select(case.c.id, case.c.lon, case.c.lat, case.c.category, case.c.node,
                   (case.c.deadline < now).label("overdue"))
            .where(case.c.closed_at.is_(None), col == scope.code, case.c.lon.is_not(None))
            .order_by(case.c.id).limit(2000))
    with db.current().connect() as conn:
        return pd.DataFrame(conn.execute(stmt).mappings().all(),
                            columns=["id", "lon", "lat", "category", "node", "overdue"])
