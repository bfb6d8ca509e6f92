"""Write and read the administrative tree (city, townships, villages, grids).

``replace_tree`` is all-or-nothing: it runs in the caller's transaction, so a
failure anywhere (a constraint, a bad row) leaves the database as it was.
"""
from __future__ import annotations

import hashlib

import pandas as pd
import shapely
from sqlalchemy import Connection, delete, func, select

from geo.tree import AdminTree, derived_columns
from queries.schema import city, grid, grid_worker, map_layer, patrol, township, village

BATCH = 2000


def _records(frame, columns: list[str]) -> list[dict]:
    """Rows for the area table: the text columns (missing -> None), WKB and the derived figures."""
    f = derived_columns(frame)
    text = f[columns].astype(object).where(f[columns].notna(), None)
    rows = text.to_dict("records")
    wkb = shapely.to_wkb(f.geometry.to_numpy(), include_srid=False)
    for rec, geom, lon, lat, area in zip(rows, wkb, f["centroid_lon"], f["centroid_lat"], f["area_km2"]):
        rec.update(geom=geom, centroid_lon=float(lon), centroid_lat=float(lat), area_km2=float(area))
    return rows


def _insert(conn: Connection, table, rows: list[dict]) -> None:
    for i in range(0, len(rows), BATCH):
        conn.execute(table.insert(), rows[i:i + BATCH])


def tree_exists(conn: Connection) -> bool:
    return conn.execute(select(func.count()).select_from(grid)).scalar() > 0


def replace_tree(conn: Connection, tree: AdminTree, layers: list[tuple[str, str, str]]) -> dict:
    """Replace the administrative tree and its map layers inside ``conn``'s transaction.

    Refuses to replace a tree that already has cases on it: cases point at grid
    codes, and silently orphaning them would lose data.
    """
    from queries.schema import case  # local: keeps the import graph of this module small

    if conn.execute(select(func.count()).select_from(case)).scalar():
        raise ValueError("the database already holds cases; import boundaries into an empty database "
                         "(or a new one) so that no case loses its grid")
    for t in (patrol, grid_worker, map_layer, grid, village, township, city):
        conn.execute(delete(t))
    conn.execute(city.insert().values(code=tree.city_code, name=tree.city_name, name_en=tree.city_name_en))
    t_rows = _records(tree.townships, ["code", "name", "name_en"])
    for r in t_rows:
        r["city_code"] = tree.city_code
    _insert(conn, township, t_rows)
    _insert(conn, village, _records(tree.villages, ["code", "name", "name_en", "township_code"]))
    _insert(conn, grid, _records(tree.grids, ["code", "name", "name_en", "village_code", "township_code",
                                             "grid_type"]))
    _insert(conn, map_layer, [
        {"level": level, "scope_code": code, "geojson": text,
         "etag": hashlib.sha1(text.encode()).hexdigest()}
        for level, code, text in layers
    ])
    return tree.counts()


def read_grids(conn: Connection) -> pd.DataFrame:
    """Grids with their parents and geometry (shapely) — for seeding and point location."""
    rows = conn.execute(select(grid.c.code, grid.c.village_code, grid.c.township_code, grid.c.grid_type,
                               grid.c.centroid_lon, grid.c.centroid_lat, grid.c.area_km2, grid.c.geom)
                        .order_by(grid.c.code)).all()
    df = pd.DataFrame(rows, columns=["code", "village_code", "township_code", "grid_type",
                                     "centroid_lon", "centroid_lat", "area_km2", "geom"])
    df["geometry"] = shapely.from_wkb(df.pop("geom").to_numpy()) if len(df) else []
    return df
