"""Small hand-made boundary fixtures for the geo tests.

The main fixture is one township (210882001) with two villages of two
adjacent grids each, arranged 2 x 2 around a shared centre vertex ``E``::

    G ---- kEH... H ---- I          g3 | g4   village 210882001002
    |  g3    |      g4   |          ---+---
    D -kDE-- E --kEF---- F          g1 | g2   village 210882001001
    |  g1    |      g2   |
    A ------ B ---kBE... C

Edges carry a few extra ("kink") vertices so the shapes are not rectangles;
every shared edge has the same vertices in both grids.  Helpers write the
frame as GeoJSON, Shapefile (plain or zipped) or GeoPackage in any CRS and
build the bad variants used by the importer tests.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import Polygon, box
from shapely.ops import unary_union

P = {
    "A": (122.5000, 40.6300), "B": (122.5043, 40.6296), "C": (122.5091, 40.6303),
    "D": (122.5004, 40.6337), "E": (122.5048, 40.6331), "F": (122.5087, 40.6342),
    "G": (122.4997, 40.6372), "H": (122.5051, 40.6369), "I": (122.5094, 40.6377),
    # kinks on the shared edges
    "kBE": (122.5052, 40.6313), "kDE": (122.5026, 40.6329),
    "kEF": (122.5068, 40.6340), "kEH": (122.5043, 40.6350),
    # kinks on the outer edges
    "kAB": (122.5022, 40.6294), "kGH": (122.5024, 40.6378), "kCF": (122.5093, 40.6322),
}
RINGS = {
    "g1": ["A", "kAB", "B", "kBE", "E", "kDE", "D"],
    "g2": ["B", "C", "kCF", "F", "kEF", "E", "kBE"],
    "g3": ["D", "kDE", "E", "kEH", "H", "kGH", "G"],
    "g4": ["E", "kEF", "F", "I", "H", "kEH"],
}
TOWNSHIP = "210882001"
VILLAGES = {"g1": "210882001001", "g2": "210882001001", "g3": "210882001002", "g4": "210882001002"}
CODES = {"g1": "210882001001001", "g2": "210882001001002",
         "g3": "210882001002001", "g4": "210882001002002"}
TYPES = {"g1": "城乡", "g2": "学校", "g3": "urban_rural", "g4": "企业"}

#: keyword arguments of ``read_boundaries`` matching the fixture's fields
FIELDS = dict(code_field="code", name_field="name", type_field="type",
              village_field="village", township_field="township",
              village_name_field="vname", township_name_field="tname")


def ring(key: str, points: dict | None = None) -> Polygon:
    pts = points or P
    return Polygon([pts[k] for k in RINGS[key]])


def grids_frame() -> gpd.GeoDataFrame:
    """The four grids in EPSG:4326 with attribute fields named as in FIELDS."""
    rows = []
    for key in RINGS:
        village = VILLAGES[key]
        rows.append({"code": CODES[key], "name": f"{key} 网格", "type": TYPES[key],
                     "village": village, "township": TOWNSHIP,
                     "vname": "富丽社区" if village.endswith("001") else "金桥社区",
                     "tname": "钢都街道", "geometry": ring(key)})
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry", crs=4326)


def write(frame: gpd.GeoDataFrame, directory: Path, fmt: str, crs=4326,
          name: str = "grids") -> Path:
    """Write ``frame`` reprojected to ``crs`` as ``fmt`` (geojson, shp, zip, gpkg)."""
    out = frame.to_crs(crs) if crs is not None and frame.crs is not None else frame
    directory = Path(directory)
    if fmt == "geojson":
        path = directory / f"{name}.geojson"
        out.to_file(path, driver="GeoJSON")
    elif fmt in ("shp", "zip"):
        path = directory / f"{name}.shp"
        out.to_file(path, driver="ESRI Shapefile", encoding="UTF-8")
        if fmt == "zip":
            zpath = directory / f"{name}.zip"
            with zipfile.ZipFile(zpath, "w") as z:
                for part in directory.glob(f"{name}.*"):
                    if part.suffix != ".zip":
                        z.write(part, part.name)
            path = zpath
    elif fmt == "gpkg":
        path = directory / f"{name}.gpkg"
        out.to_file(path, driver="GPKG", layer=name)
    else:
        raise ValueError(fmt)
    return path


def with_bowtie(frame: gpd.GeoDataFrame, *, big: bool = False) -> gpd.GeoDataFrame:
    """g3 with a self-intersection: a tiny twisted loop on its outer (west) edge,
    or (``big``) a grid whose two top corners are swapped (a large bow-tie)."""
    out = frame.copy()
    if big:
        pts = [P[k] for k in ["D", "E", "G", "H"]]  # D->E->G->H crosses itself in the middle
    else:
        (dx, dy), (gx, gy) = P["D"], P["G"]
        m = ((dx + gx) / 2, (dy + gy) / 2)
        q = (m[0] + 0.1 * (dx - m[0]), m[1] + 0.1 * (dy - m[1]))
        # on the way from G down to D: m -> west of q -> west of m -> q; the two
        # diagonals cross, leaving a ~50 m2 twisted loop outside the grid
        pts = [P[k] for k in RINGS["g3"]] + [m, (q[0] - 0.0001, q[1]), (m[0] - 0.0001, m[1]), q]
    out.loc[out.code == CODES["g3"], "geometry"] = Polygon(pts)
    return out


def with_overlap(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """g1 grows a small square across its edge with g2 (overlap ~ 25 m x 44 m)."""
    out = frame.copy()
    x, y = P["kBE"]
    grown = unary_union([ring("g1"), box(x - 0.0003, y - 0.0002, x + 0.0003, y + 0.0002)])
    out.loc[out.code == CODES["g1"], "geometry"] = grown
    return out


def with_gap(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """g4 loses a triangle at the centre vertex E: a hole bordered by g2, g3 and g4."""
    out = frame.copy()
    pts = dict(P)
    e1 = tuple(e + 0.3 * (k - e) for e, k in zip(P["E"], P["kEF"]))
    e2 = tuple(e + 0.3 * (k - e) for e, k in zip(P["E"], P["kEH"]))
    pts.update({"E1": e1, "E2": e2})
    out.loc[out.code == CODES["g4"], "geometry"] = Polygon([pts[k] for k in
                                                             ["E1", "kEF", "F", "I", "H", "kEH", "E2"]])
    return out


def two_squares() -> gpd.GeoDataFrame:
    """Two adjacent unit-ish squares (0.01 degree) sharing one edge, EPSG:4326."""
    return gpd.GeoDataFrame({"code": ["a", "b"]},
                            geometry=[box(122.50, 40.60, 122.51, 40.61),
                                      box(122.51, 40.60, 122.52, 40.61)], crs=4326)
