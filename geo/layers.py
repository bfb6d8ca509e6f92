"""GeoJSON map layers, precomputed per level and scope for the dashboard map.

The map draws areas with a Plotly ``Choroplethmap`` keyed on the feature ``id``
(``featureidkey="id"`` or ``"properties.id"``), so features carry the area code
and nothing else.  Layers are simplified as a *coverage*
(``shapely.coverage_simplify``): neighbours are simplified together and keep
exactly the same shared edge, so a simplified map has neither slivers nor gaps.

Every coarser area (village, township) and every border line is dissolved from
the *simplified* grids of the same layer set, so borders always sit exactly on
grid edges.

Tolerances are distances in metres, turned into degrees of latitude (the
longer degree at these latitudes, so the displacement in metres is at most the
tolerance in either direction).  ``coverage_simplify`` is a Visvalingam-Whyatt
simplifier (area threshold = tolerance squared); on the grid shapes of this
project the measured Hausdorff distance stays below the tolerance.
"""
from __future__ import annotations

import gzip
import json
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

#: metres per degree of latitude (and the upper bound for a degree of longitude)
M_PER_DEG = 111_320.0


@dataclass(frozen=True)
class LevelDetail:
    """Simplification tolerance (metres) and coordinate decimals for one zoom band."""
    tolerance_m: float
    precision: int


#: City zoom (~10-11, the whole city on a wall screen: ~40-120 m a pixel),
#: township zoom (~12-13: ~10-30 m a pixel) and village zoom (~14-15: ~2-8 m).
#: 4 decimals are ~10 m, 5 decimals ~1 m.
CITY = LevelDetail(40.0, 4)
TOWNSHIP = LevelDetail(8.0, 5)
VILLAGE = LevelDetail(2.0, 5)


def simplify_coverage(geoms, tolerance: float) -> np.ndarray:
    """Simplify polygons that form a coverage, keeping shared edges shared.

    Parameters
    ----------
    geoms : array_like of Polygon or MultiPolygon
        Ideally a valid coverage (no overlaps, edges shared exactly).  Imported
        boundaries that are not are first cleaned for display
        (``shapely.coverage_clean``: nearby vertices snapped, overlaps given to
        one neighbour); if even that fails each polygon is simplified on its own.
    tolerance : float
        In the units of the coordinates; Visvalingam-Whyatt area threshold is
        ``tolerance ** 2``.  ``0`` returns the input unchanged.

    Returns
    -------
    numpy.ndarray of geometries, in input order

    Examples
    --------
    >>> from shapely.geometry import box
    >>> out = simplify_coverage([box(0, 0, 1, 1), box(1, 0, 2, 1)], 0.1)
    >>> bool(shapely.coverage_is_valid(out))
    True
    """
    geoms = np.asarray(geoms, dtype=object)
    if tolerance <= 0 or len(geoms) == 0:
        return geoms
    if not shapely.coverage_is_valid(geoms):
        cleaned = shapely.coverage_clean(geoms)
        if shapely.is_empty(cleaned).any() or not shapely.coverage_is_valid(cleaned):
            return shapely.simplify(geoms, tolerance, preserve_topology=True)
        geoms = cleaned
    return shapely.coverage_simplify(geoms, tolerance)


def dissolve(geoms, keys) -> tuple[np.ndarray, np.ndarray]:
    """Union the polygons of a coverage per key; returns (unique keys, geometries).

    >>> from shapely.geometry import box
    >>> k, g = dissolve([box(0, 0, 1, 1), box(1, 0, 2, 1)], ["a", "a"])
    >>> k.tolist(), g[0].area
    (['a'], 2.0)
    """
    geoms = np.asarray(geoms, dtype=object)
    keys = np.asarray(keys)
    unique, inverse = np.unique(keys, return_inverse=True)
    # the fast coverage union is only right for a valid coverage
    union = shapely.coverage_union_all if shapely.coverage_is_valid(geoms) else shapely.union_all
    out = np.array([union(geoms[inverse == k]) for k in range(len(unique))], dtype=object)
    return unique, out


def _rounded(geoms: np.ndarray, precision: int) -> np.ndarray:
    """Coordinates rounded to ``precision`` decimals, repeated points removed.

    Rounding is per coordinate value, so a vertex shared by neighbours stays shared.
    """
    geoms = shapely.transform(geoms, lambda xy: np.round(xy, precision))
    return shapely.remove_repeated_points(geoms, 0.0)


def _collection(ids, geoms: np.ndarray) -> str:
    """Compact FeatureCollection text with ``id`` and ``properties.id`` only."""
    features = []
    for code, geom in zip(ids, geoms):
        features.append({"type": "Feature", "id": str(code), "properties": {"id": str(code)},
                         "geometry": shapely.geometry.mapping(geom)})
    # json writes the shortest repr of each float: rounded values stay short
    return json.dumps({"type": "FeatureCollection", "features": features},
                      separators=(",", ":"), ensure_ascii=False)


def layer_geojson(frame: gpd.GeoDataFrame, id_col: str = "code", tolerance: float = 0.0,
                  precision: int = 5) -> str:
    """GeoJSON of the areas of ``frame`` for a Plotly choropleth.

    Parameters
    ----------
    frame : GeoDataFrame
        Areas forming a coverage, in EPSG:4326.
    id_col : str
        Column holding the feature id.
    tolerance : float
        Coverage simplification tolerance in degrees (0: no simplification).
    precision : int
        Decimals kept in coordinates.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> f = gpd.GeoDataFrame({"code": ["a"]}, geometry=[box(0, 0, 1, 1)], crs=4326)
    >>> layer_geojson(f)[:60]
    '{"type":"FeatureCollection","features":[{"type":"Feature","i'
    """
    geoms = simplify_coverage(frame.geometry.to_numpy(), tolerance)
    # RFC 7946 wants counter-clockwise exterior rings
    geoms = shapely.orient_polygons(_rounded(geoms, precision), exterior_cw=False)
    return _collection(frame[id_col].to_numpy(), geoms)


def borders_geojson(frame: gpd.GeoDataFrame, id_col: str = "code", tolerance: float = 0.0,
                    precision: int = 5) -> str:
    """GeoJSON outlines (MultiLineString features, one per area) of ``frame``.

    To draw borders that sit on the edges of a simplified grid layer, pass
    areas dissolved from the *simplified* grids and ``tolerance=0`` (this is
    what :func:`build_layers` does).

    >>> from shapely.geometry import box
    >>> f = gpd.GeoDataFrame({"code": ["a"]}, geometry=[box(0, 0, 1, 1)], crs=4326)
    >>> '"MultiLineString"' in borders_geojson(f)
    True
    """
    geoms = simplify_coverage(frame.geometry.to_numpy(), tolerance)
    lines = shapely.force_2d(shapely.boundary(_rounded(geoms, precision)))
    lines = np.array([shapely.multilinestrings(shapely.get_parts(g)) for g in lines], dtype=object)
    return _collection(frame[id_col].to_numpy(), lines)


def _frame(codes, geoms) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"code": codes}, geometry=list(geoms), crs=4326)


def build_layers(tree) -> list[tuple[str, str, str]]:
    """All map layers of an AdminTree as (level, scope_code, geojson) rows.

    * city scope (``scope_code=""``): ``grid``, ``township``, ``township_border``
      at :data:`CITY` detail;
    * per township: ``village``, ``grid`` and ``village_border`` at
      :data:`TOWNSHIP` detail;
    * per village: ``grid`` at :data:`VILLAGE` detail.

    Each detail level simplifies all grids of the city at once (so the layers
    of neighbouring scopes match along their common border) and dissolves
    villages and townships from those simplified grids.
    """
    grids = tree.grids
    rows: list[tuple[str, str, str]] = []
    detail = {name: simplify_coverage(grids.geometry.to_numpy(), d.tolerance_m / M_PER_DEG)
              for name, d in (("city", CITY), ("township", TOWNSHIP), ("village", VILLAGE))}

    simple = detail["city"]
    rows.append(("grid", "", layer_geojson(_frame(grids.code, simple), precision=CITY.precision)))
    t_codes, t_geoms = dissolve(simple, grids.township_code)
    townships = _frame(t_codes, t_geoms)
    rows.append(("township", "", layer_geojson(townships, precision=CITY.precision)))
    rows.append(("township_border", "", borders_geojson(townships, precision=CITY.precision)))

    simple = detail["township"]
    v_codes, v_geoms = dissolve(simple, grids.village_code)
    v_township = grids.groupby("village_code").township_code.first().loc[v_codes].to_numpy()
    for t in t_codes:
        villages = _frame(v_codes[v_township == t], v_geoms[v_township == t])
        mine = (grids.township_code == t).to_numpy()
        rows.append(("village", t, layer_geojson(villages, precision=TOWNSHIP.precision)))
        rows.append(("grid", t, layer_geojson(_frame(grids.code[mine], simple[mine]),
                                              precision=TOWNSHIP.precision)))
        rows.append(("village_border", t, borders_geojson(villages, precision=TOWNSHIP.precision)))

    simple = detail["village"]
    for v in v_codes:
        mine = (grids.village_code == v).to_numpy()
        rows.append(("grid", v, layer_geojson(_frame(grids.code[mine], simple[mine]),
                                              precision=VILLAGE.precision)))
    return rows


def layer_sizes(tree, layers: list[tuple[str, str, str]] | None = None) -> list[dict]:
    """Raw and gzipped byte sizes of the map layers, aggregated per level and scope kind.

    Returns one dict per (level, scope kind) with keys ``level``, ``scope``
    (``"city"``, ``"township"`` or ``"village"``), ``layers`` (how many),
    ``raw_bytes``/``gzip_bytes`` (largest single layer) and
    ``total_raw_bytes``/``total_gzip_bytes`` (all layers of that kind).
    """
    if layers is None:
        layers = build_layers(tree)
    township_codes = set(tree.townships.code)
    stats: dict[tuple[str, str], dict] = {}
    for level, scope, text in layers:
        kind = "city" if scope == "" else "township" if scope in township_codes else "village"
        raw = len(text.encode())
        packed = len(gzip.compress(text.encode(), compresslevel=6))
        s = stats.setdefault((level, kind), {"level": level, "scope": kind, "layers": 0,
                                             "raw_bytes": 0, "gzip_bytes": 0,
                                             "total_raw_bytes": 0, "total_gzip_bytes": 0})
        s["layers"] += 1
        s["raw_bytes"] = max(s["raw_bytes"], raw)
        s["gzip_bytes"] = max(s["gzip_bytes"], packed)
        s["total_raw_bytes"] += raw
        s["total_gzip_bytes"] += packed
    return list(stats.values())


__all__ = ["simplify_coverage", "dissolve", "layer_geojson", "borders_geojson",
           "build_layers", "layer_sizes", "LevelDetail", "CITY", "TOWNSHIP", "VILLAGE"]
