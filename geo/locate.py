"""Which grid is a point in?  Used to place cases that come with a point but no grid."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely


class GridLocator:
    """Point-in-grid lookup backed by a ``shapely.STRtree``.

    A point on an edge shared by two grids (or on a vertex shared by several)
    goes to the grid listed first: the answer is deterministic and every point
    of the covered area gets exactly one grid.

    Parameters
    ----------
    codes : sequence of str
        Grid codes.
    geometries : sequence of Polygon or MultiPolygon
        Grid polygons in lon/lat, same order as ``codes``.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> loc = GridLocator(["a", "b"], [box(0, 0, 1, 1), box(1, 0, 2, 1)])
    >>> loc.locate(0.5, 0.5), loc.locate(1.0, 0.5), loc.locate(5, 5)
    ('a', 'a', None)
    >>> loc.locate_many([0.5, 1.5, 9.0], [0.5, 0.5, 9.0]).tolist()
    ['a', 'b', None]
    """

    def __init__(self, codes: Sequence[str], geometries: Sequence) -> None:
        if len(codes) != len(geometries):
            raise ValueError("codes and geometries differ in length")
        self._codes = np.asarray(list(codes), dtype=object)
        self._geoms = np.asarray(list(geometries), dtype=object)
        # prepared geometries make the exact predicate after the bbox query cheap
        shapely.prepare(self._geoms)
        self._tree = shapely.STRtree(self._geoms)

    @classmethod
    def from_frame(cls, frame, code_col: str = "code") -> "GridLocator":
        """Build from a GeoDataFrame in EPSG:4326."""
        return cls(frame[code_col].tolist(), frame.geometry.tolist())

    def __len__(self) -> int:
        return len(self._codes)

    def locate(self, lon: float, lat: float) -> str | None:
        """Code of the grid covering (lon, lat), or None outside every grid."""
        return self.locate_many([lon], [lat])[0]

    def locate_many(self, lons, lats) -> np.ndarray:
        """Vectorised :meth:`locate`: an object array of codes and None.

        NaN coordinates give None.
        """
        lons = np.asarray(lons, dtype=float)
        lats = np.asarray(lats, dtype=float)
        out = np.full(lons.shape, None, dtype=object)
        if lons.size == 0 or len(self._codes) == 0:
            return out
        points = shapely.points(lons.ravel(), lats.ravel())
        # "intersects" (not "within") so that points on a grid edge are found
        point_idx, grid_idx = self._tree.query(points, predicate="intersects")
        # STRtree returns pairs sorted by point; keep the lowest grid index per point
        order = np.lexsort((grid_idx, point_idx))
        point_idx, grid_idx = point_idx[order], grid_idx[order]
        first = np.ones(len(point_idx), dtype=bool)
        first[1:] = point_idx[1:] != point_idx[:-1]
        flat = out.ravel()
        flat[point_idx[first]] = self._codes[grid_idx[first]]
        return flat.reshape(lons.shape)


__all__ = ["GridLocator"]
