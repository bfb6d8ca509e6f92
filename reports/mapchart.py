"""The briefing's static map for the exports: grids coloured by cases received, overdue hot spots marked.

The geometry is the map layer the dashboard serves (``queries.areas.layer``,
already simplified as a coverage and cached), so the printed map and the page
map draw the same outlines.  Polygons are oriented before they become
matplotlib paths, so a grid's hole (the grid it encloses) stays a hole.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.colors import LinearSegmentedColormap, Normalize
from matplotlib.figure import Figure
from matplotlib.path import Path
from shapely.geometry import MultiPolygon, shape
from shapely.geometry.polygon import orient

from queries.briefing import Briefing
from reports import content
from reports.text import tr

ATTENTION = LinearSegmentedColormap.from_list(
    "attention", [(0.0, "#fff7e6"), (0.35, "#fdd49e"), (0.65, "#fc8d59"), (1.0, "#b30000")])
HOT = "#1f2a37"


@dataclass(frozen=True)
class MapLayers:
    """GeoJSON text of the grid layer drawn at a scope and of its border layer (None if not built)."""

    grids: str | None
    borders: str | None


def _ring_path(polygon) -> tuple[list, list]:
    polygon = orient(polygon, 1.0)  # exterior counter-clockwise, holes clockwise
    verts, codes = [], []
    for ring in [polygon.exterior, *polygon.interiors]:
        pts = list(ring.coords)
        verts.extend(pts)
        codes.extend([Path.MOVETO] + [Path.LINETO] * (len(pts) - 2) + [Path.CLOSEPOLY])
    return verts, codes


def grid_paths(geojson_text: str) -> tuple[list[str], list[Path], tuple[float, float, float, float]]:
    """(codes, one compound path per feature, bounds) of a polygon layer."""
    data = json.loads(geojson_text)
    codes, paths = [], []
    minx = miny = math.inf
    maxx = maxy = -math.inf
    for f in data.get("features", []):
        geom = shape(f["geometry"])
        polys = list(geom.geoms) if isinstance(geom, MultiPolygon) else [geom]
        verts, kinds = [], []
        for p in polys:
            v, k = _ring_path(p)
            verts.extend(v)
            kinds.extend(k)
        if not verts:
            continue
        x0, y0, x1, y1 = geom.bounds
        minx, miny, maxx, maxy = min(minx, x0), min(miny, y0), max(maxx, x1), max(maxy, y1)
        codes.append(str(f.get("properties", {}).get("id", f.get("id", ""))))
        paths.append(Path(np.asarray(verts), kinds))
    return codes, paths, (minx, miny, maxx, maxy)


def border_segments(geojson_text: str) -> list[np.ndarray]:
    """Line segments of a (Multi)LineString or polygon layer, for the outlines drawn on top."""
    segs = []
    for f in json.loads(geojson_text).get("features", []):
        g = f["geometry"]
        if g["type"] == "LineString":
            segs.append(np.asarray(g["coordinates"]))
        elif g["type"] == "MultiLineString":
            segs.extend(np.asarray(c) for c in g["coordinates"])
        elif g["type"] in ("Polygon", "MultiPolygon"):
            polys = [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]
            segs.extend(np.asarray(ring) for poly in polys for ring in poly)
    return segs


def draw_map(fig: Figure, rect, b: Briefing, lang: str, layers: MapLayers | None):
    """Grids coloured by cases received in the week, hot spots numbered, and their list beside the map."""
    left, bottom, width, height = rect
    map_rect = [left, bottom, width * 0.66, height]
    ax = fig.add_axes(map_rect)
    ax.axis("off")
    if layers is None or not layers.grids:
        ax.text(0.5, 0.5, tr("no_data", lang), ha="center", va="center", fontsize=14)
        return
    codes, paths, (minx, miny, maxx, maxy) = grid_paths(layers.grids)
    if not codes:
        ax.text(0.5, 0.5, tr("no_data", lang), ha="center", va="center", fontsize=14)
        return
    values = b.grid_received.set_index("code")["value"].reindex(codes).fillna(0).to_numpy(dtype=float)
    vmax = max(float(values.max()) if len(values) else 1.0, 1.0)
    coll = PathCollection(paths, cmap=ATTENTION, norm=Normalize(0, vmax), edgecolors="white", linewidths=0.25)
    coll.set_array(values)
    ax.add_collection(coll)
    if layers.borders:
        ax.add_collection(LineCollection(border_segments(layers.borders), colors=HOT, linewidths=0.9))
    hot = content.hot_spot_rows(b, lang)
    hot_codes = {h["code"]: i + 1 for i, h in enumerate(hot)}
    hot_paths = [p for c, p in zip(codes, paths) if c in hot_codes]
    if hot_paths:
        ax.add_collection(PathCollection(hot_paths, facecolors="none", edgecolors="#000000", linewidths=1.8))
    for i, h in enumerate(hot, start=1):
        if h["lon"] is None or h["lat"] is None:
            continue
        ax.annotate(str(i), (h["lon"], h["lat"]), xytext=(6, 6), textcoords="offset points", fontsize=10,
                    fontweight="bold", color="white",
                    bbox=dict(boxstyle="circle,pad=0.25", facecolor="#000000", edgecolor="none"))
    pad_x, pad_y = (maxx - minx) * 0.02, (maxy - miny) * 0.02
    ax.set_xlim(minx - pad_x, maxx + pad_x)
    ax.set_ylim(miny - pad_y, maxy + pad_y)
    ax.set_aspect(1.0 / max(math.cos(math.radians((miny + maxy) / 2)), 0.2))
    ax.set_anchor("E")  # next to the hot-spot list, whatever the shape of the area
    # colour scale under the hot-spot list, in the column right of the map
    cax = fig.add_axes([left + width * 0.72, bottom + height * 0.06, width * 0.22, height * 0.03])
    bar = fig.colorbar(coll, cax=cax, orientation="horizontal")
    bar.ax.tick_params(labelsize=8)
    bar.outline.set_visible(False)
    fig.text(left + width * 0.72, bottom + height * 0.11, tr("cases_received_map", lang), fontsize=9,
             color="#6b7280", va="bottom")
    # the hot-spot list beside the map
    x = left + width * 0.72
    y = bottom + height * 0.95
    fig.text(x, y, tr("hot_spots", lang), fontsize=12, fontweight="bold", va="top")
    for i, h in enumerate(hot, start=1):
        y -= height * 0.075
        fig.text(x, y, f"{i}  {h['name']}", fontsize=10, va="top")
        fig.text(x + width * 0.02, y - height * 0.035, f"{h['where']} · {tr('overdue', lang)} {h['overdue']:,} / "
                                                      f"{h['open']:,}", fontsize=8.5, color="#6b7280", va="top")
