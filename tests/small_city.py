"""Hand-made administrative trees for tests.

``small_city()`` is the tiny fixture city: 2 townships, 3 villages, 6 grids of
adjacent boxes and triangles near Dashiqiao::

    lat 40.02 +--------+--------+--------+
              | G1     | G3     |    G6 /|
              |        | (ent.) |     /  |
    lat 40.01 +--------+--------+   /    |
              | G2     | G4     | /  G5  |
              |        |        |(school)|
    lat 40.00 +--------+--------+--------+
           122.00   122.02   122.04   122.06
              \\____ V1 ____/\\__ V2 __/\\__ V3 __/
              \\________ T1 ________/\\__ T2 __/

The triangles of V3 fill only half of their bounding boxes, so point
sampling by rejection is exercised.  ``box_city()`` builds a larger tree of
boxes with any number of townships, villages and grids (for measurements).
"""
from __future__ import annotations

import geopandas as gpd
from shapely.geometry import Polygon, box
from shapely.ops import unary_union

from geo.tree import AdminTree

CITY_CODE = "210882"


def _tree(grids: list[dict], township_names: dict[str, str], village_names: dict[str, str]) -> AdminTree:
    """Dissolve grid rows (code, name, village_code, township_code, grid_type, geometry) into a tree."""
    g = gpd.GeoDataFrame(grids, geometry="geometry", crs=4326)
    g["name_en"] = None
    villages = []
    for code, part in g.groupby("village_code", sort=True):
        villages.append({"code": code, "name": village_names[code], "name_en": None,
                         "township_code": part.township_code.iloc[0],
                         "geometry": unary_union(list(part.geometry))})
    v = gpd.GeoDataFrame(villages, geometry="geometry", crs=4326)
    townships = [{"code": code, "name": township_names[code], "name_en": None,
                  "geometry": unary_union(list(part.geometry))}
                 for code, part in v.groupby("township_code", sort=True)]
    t = gpd.GeoDataFrame(townships, geometry="geometry", crs=4326)
    return AdminTree(CITY_CODE, "大石桥市", "Dashiqiao", t,
                     v[["code", "name", "name_en", "township_code", "geometry"]],
                     g[["code", "name", "name_en", "village_code", "township_code", "grid_type", "geometry"]])


def small_city() -> AdminTree:
    """The 6-grid test city drawn in the module docstring."""
    t1, t2 = f"{CITY_CODE}001", f"{CITY_CODE}002"
    v1, v2, v3 = f"{t1}001", f"{t1}002", f"{t2}001"
    rows = [
        (f"{v1}001", "富丽社区第1网格", v1, t1, "urban_rural", box(122.00, 40.01, 122.02, 40.02)),
        (f"{v1}002", "富丽社区第2网格", v1, t1, "urban_rural", box(122.00, 40.00, 122.02, 40.01)),
        (f"{v2}001", "石桥社区镁砂企业网格", v2, t1, "enterprise", box(122.02, 40.01, 122.04, 40.02)),
        (f"{v2}002", "石桥社区第2网格", v2, t1, "urban_rural", box(122.02, 40.00, 122.04, 40.01)),
        (f"{v3}001", "周家村学校网格", v3, t2, "school",
         Polygon([(122.04, 40.00), (122.06, 40.00), (122.06, 40.02)])),
        (f"{v3}002", "周家村第2网格", v3, t2, "urban_rural",
         Polygon([(122.04, 40.00), (122.06, 40.02), (122.04, 40.02)])),
    ]
    grids = [dict(zip(("code", "name", "village_code", "township_code", "grid_type", "geometry"), r))
             for r in rows]
    return _tree(grids, {t1: "钢都街道", t2: "周家镇"}, {v1: "富丽社区", v2: "石桥社区", v3: "周家村"})


def box_city(townships: int = 17, villages: int = 283, grids: int = 1798) -> AdminTree:
    """A city of boxes: townships are vertical strips, villages bands, grids cells of a band.

    Villages and grids are spread as evenly as possible; roughly 4% of grids
    are school grids and 14% enterprise grids (Dashiqiao: 69 and 249 of 1,798).
    Band heights vary so that areas differ.
    """
    assert townships <= villages <= grids
    rows = []
    t_names, v_names = {}, {}
    v_per_t = [villages // townships + (i < villages % townships) for i in range(townships)]
    g_per_v = [grids // villages + (i < grids % villages) for i in range(villages)]
    width = 0.4 / townships
    vi = gi = 0
    for ti in range(townships):
        tcode = f"{CITY_CODE}{ti + 1:03d}"
        t_names[tcode] = f"第{ti + 1}街道" if ti % 3 == 0 else f"第{ti + 1}镇"
        x0 = 122.35 + ti * width
        heights = [1.0 + ((vi + k) % 4) * 0.5 for k in range(v_per_t[ti])]
        total = sum(heights)
        y = 40.45
        for k in range(v_per_t[ti]):
            vcode = f"{tcode}{k + 1:03d}"
            v_names[vcode] = f"第{vi + 1}村"
            h = 0.35 * heights[k] / total
            n = g_per_v[vi]
            for j in range(n):
                kind = "school" if gi % 26 == 13 else "enterprise" if gi % 7 == 3 else "urban_rural"
                rows.append({"code": f"{vcode}{j + 1:03d}", "name": f"第{vi + 1}村第{j + 1}网格",
                             "village_code": vcode, "township_code": tcode, "grid_type": kind,
                             "geometry": box(x0 + j * width / n, y, x0 + (j + 1) * width / n, y + h)})
                gi += 1
            y += h
            vi += 1
    return _tree(rows, t_names, v_names)


def write_tree(conn, tree: AdminTree) -> dict:
    """Write ``tree`` (no map layers) in ``conn``'s transaction; returns the counts."""
    from queries.tree import replace_tree
    return replace_tree(conn, tree, layers=[])


def write_small_city(conn) -> dict:
    """Write :func:`small_city` in ``conn``'s transaction."""
    return write_tree(conn, small_city())
