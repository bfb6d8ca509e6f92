"""The administrative tree as GeoDataFrames: the contract between the demo-city
generator, the boundary importer and the database writer.

All frames are in EPSG:4326.  Columns:

* ``townships``: code, name, name_en, geometry
* ``villages``:  code, name, name_en, township_code, geometry
* ``grids``:     code, name, name_en, village_code, township_code, grid_type, geometry
"""
from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pyproj

TOWNSHIP_COLUMNS = ["code", "name", "name_en", "geometry"]
VILLAGE_COLUMNS = ["code", "name", "name_en", "township_code", "geometry"]
GRID_COLUMNS = ["code", "name", "name_en", "village_code", "township_code", "grid_type", "geometry"]


@dataclass
class AdminTree:
    city_code: str
    city_name: str
    city_name_en: str
    townships: gpd.GeoDataFrame
    villages: gpd.GeoDataFrame
    grids: gpd.GeoDataFrame

    def counts(self) -> dict[str, int]:
        return {"townships": len(self.townships), "villages": len(self.villages), "grids": len(self.grids)}


def derived_columns(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Add centroid_lon, centroid_lat (a point inside the area) and area_km2.

    Area is computed in a Lambert azimuthal equal-area projection centred on the
    frame, which is exact enough for county-sized areas anywhere.

    >>> from shapely.geometry import box
    >>> f = gpd.GeoDataFrame({"code": ["a"]}, geometry=[box(122.0, 40.0, 122.01, 40.01)], crs=4326)
    >>> round(float(derived_columns(f).area_km2.iloc[0]), 2)
    0.95
    """
    out = frame.copy()
    if len(out) == 0:
        out["centroid_lon"] = []
        out["centroid_lat"] = []
        out["area_km2"] = []
        return out
    minx, miny, maxx, maxy = out.total_bounds
    laea = pyproj.CRS.from_proj4(
        f"+proj=laea +lat_0={(miny + maxy) / 2} +lon_0={(minx + maxx) / 2} +datum=WGS84 +units=m")
    out["area_km2"] = out.geometry.to_crs(laea).area.to_numpy() / 1e6
    pts = out.geometry.representative_point()
    out["centroid_lon"] = np.round(pts.x.to_numpy(), 6)
    out["centroid_lat"] = np.round(pts.y.to_numpy(), 6)
    return out


__all__ = ["AdminTree", "derived_columns"]
