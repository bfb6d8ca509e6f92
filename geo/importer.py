"""Import grid boundaries from a GeoJSON, Shapefile (.shp or zipped) or GeoPackage.

``read_boundaries`` is pure: it reads one file of grid polygons, checks it,
reprojects it to EPSG:4326 and returns an :class:`~geo.tree.AdminTree` whose
village and township polygons are dissolved from the grids, together with an
:class:`ImportReport`.  Nothing is written anywhere.

What stops an import (:class:`BoundaryError`, a ``ValueError``): a file that
cannot be read or has no features; a missing field; a feature without code,
with a duplicate code, without village or township, with an unknown grid type,
with an empty or non-polygonal geometry, or whose invalid geometry cannot be
repaired safely; a village whose township differs between grids; overlaps
between grids above ``overlap_tolerance_m2`` (unless ``allow_overlaps``),
because an overlap makes case counts per grid ambiguous.

What is only reported: invalid geometries repaired with ``make_valid`` that
changed area by less than 1 %; gaps (holes inside the union of all grids)
above ``gap_tolerance_m2``, because a gap merely leaves a point without a grid;
empty type values (given the default type); missing names.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import shapely

from geo.tree import GRID_COLUMNS, TOWNSHIP_COLUMNS, VILLAGE_COLUMNS, AdminTree

SUFFIXES = (".geojson", ".json", ".shp", ".zip", ".gpkg")
SAFE_REPAIR = 0.01  # relative area change up to which make_valid counts as a safe repair

#: accepted spellings of the grid types, after lower-casing and dropping
#: spaces, "_", "-", "网格" and "grid"
GRID_TYPE_ALIASES = {
    "urban_rural": ("urbanrural", "urban", "rural", "城乡", "城市", "农村", "城镇", "乡村",
                    "社区", "村", "综合", "一般", "普通", "基础", "comprehensive", "general"),
    "school": ("school", "campus", "学校", "校园", "教育", "专属学校", "校园专属"),
    "enterprise": ("enterprise", "company", "industrial", "industry", "企业", "园区",
                   "工业园区", "企业专属", "专属企业", "商企"),
}
_TYPE_LOOKUP = {alias: kind for kind, aliases in GRID_TYPE_ALIASES.items() for alias in aliases}


class BoundaryError(ValueError):
    """A boundary file that cannot be imported; the message says where and why.

    ``report`` holds the partial :class:`ImportReport` when the checks got that far.
    """

    def __init__(self, message: str, report: "ImportReport | None" = None):
        super().__init__(message)
        self.report = report


@dataclass
class ImportReport:
    """What an import found: counts, repairs, overlaps, gaps and warnings."""
    source: str
    crs: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    #: (code, relative area change, what was wrong)
    repaired: list[tuple[str, float, str]] = field(default_factory=list)
    #: (code_a, code_b, overlap area in m2)
    overlaps: list[tuple[str, str, float]] = field(default_factory=list)
    #: (codes of the grids around the gap, gap area in m2)
    gaps: list[tuple[tuple[str, ...], float]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """Human-readable multi-line summary."""
        c = self.counts
        lines = [f"{self.source} ({self.crs or 'unknown CRS'}): {c.get('townships', 0)} townships, "
                 f"{c.get('villages', 0)} villages, {c.get('grids', 0)} grids "
                 f"({c.get('urban_rural', 0)} urban_rural, {c.get('school', 0)} school, "
                 f"{c.get('enterprise', 0)} enterprise)"]
        lines += [f"repaired {code}: {why} (area change {change:.3%})"
                  for code, change, why in self.repaired]
        lines += [f"overlap {a} / {b}: {area:.1f} m2" for a, b, area in self.overlaps]
        lines += [f"gap near {', '.join(codes)}: {area:.1f} m2" for codes, area in self.gaps]
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)


# ------------------------------------------------------------------------ reading
def _read(path: Path) -> gpd.GeoDataFrame:
    """Read the first layer of a supported file, or raise BoundaryError."""
    if not path.exists():
        raise BoundaryError(f"{path}: file not found")
    if path.suffix.lower() not in SUFFIXES:
        raise BoundaryError(f"{path}: unsupported file type '{path.suffix}' "
                            "(use GeoJSON, Shapefile (.shp or zipped) or GeoPackage)")
    if path.is_file() and path.stat().st_size == 0:
        raise BoundaryError(f"{path}: the file is empty")
    try:
        return gpd.read_file(path, engine="pyogrio")
    except Exception as exc:  # pyogrio raises several error types for bad files
        raise BoundaryError(f"{path}: cannot read the file: {exc}") from exc


def _text(value) -> str:
    """A cell as trimmed text; '' for null.  Integral floats lose their '.0'.

    >>> _text(210882001.0), _text(None), _text(" a ")
    ('210882001', '', 'a')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


def _column(frame, name: str) -> list[str]:
    return [_text(v) for v in frame[name].tolist()]


def _check_crs(frame: gpd.GeoDataFrame, where: str, report: ImportReport) -> gpd.GeoDataFrame:
    """Reproject to EPSG:4326; a file without CRS must already be in lon/lat."""
    if frame.crs is None:
        minx, miny, maxx, maxy = frame.total_bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise BoundaryError(f"{where}: the file has no CRS and its coordinates "
                                f"({minx:.6g}..{maxx:.6g}, {miny:.6g}..{maxy:.6g}) are not "
                                "longitude/latitude; add a .prj or CRS to the file")
        report.warnings.append("the file has no CRS; coordinates look like lon/lat, "
                               "assumed EPSG:4326")
        report.crs = "none (assumed EPSG:4326)"
        return frame.set_crs(4326)
    report.crs = frame.crs.to_string()
    return frame if frame.crs.equals(pyproj.CRS(4326)) else frame.to_crs(4326)


def _equal_area(frame: gpd.GeoDataFrame) -> pyproj.CRS:
    """A Lambert azimuthal equal-area CRS centred on the frame (areas in m2)."""
    minx, miny, maxx, maxy = frame.total_bounds
    return pyproj.CRS.from_proj4(f"+proj=laea +lat_0={(miny + maxy) / 2} "
                                 f"+lon_0={(minx + maxx) / 2} +datum=WGS84 +units=m")


# ---------------------------------------------------------------------- geometry
def _check_geometries(geoms: np.ndarray, codes: list[str], where: str) -> np.ndarray:
    """Empty and non-polygonal geometries stop the import; Z is dropped."""
    for row, (g, code) in enumerate(zip(geoms, codes), start=1):
        if g is None or g.is_empty:
            raise BoundaryError(f"{where}: feature {row} (code {code!r}): field 'geometry': "
                                "empty or null geometry")
        if g.geom_type not in ("Polygon", "MultiPolygon"):
            raise BoundaryError(f"{where}: feature {row} (code {code!r}): field 'geometry': "
                                f"{g.geom_type} is not a polygon")
    return shapely.force_2d(geoms)


def _polygonal(geom):
    """The polygonal part of a make_valid result (None if there is none)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else None


def _repair(geoms: np.ndarray, codes: list[str], laea, where: str,
            report: ImportReport) -> np.ndarray:
    """make_valid invalid polygons whose area changes by less than SAFE_REPAIR.

    The area before is the shoelace area of the invalid ring, which is what a
    twisted (bow-tie) polygon "claims"; a large twist changes it a lot and stops
    the import rather than silently redrawing a grid.
    """
    out = geoms.copy()
    to_m = pyproj.Transformer.from_crs(4326, laea, always_xy=True)
    for idx in np.flatnonzero(~shapely.is_valid(geoms)):
        row, code, bad = idx + 1, codes[idx], geoms[idx]
        reason = shapely.is_valid_reason(bad)
        fixed = _polygonal(shapely.make_valid(bad))
        before = shapely.area(shapely.transform(bad, to_m.transform, interleaved=False))
        after = shapely.area(shapely.transform(fixed, to_m.transform, interleaved=False)) \
            if fixed is not None else 0.0
        change = abs(after - before) / before if before > 0 else math.inf
        if fixed is None or change >= SAFE_REPAIR:
            raise BoundaryError(f"{where}: feature {row} (code {code!r}): field 'geometry': "
                                f"invalid geometry ({reason}) cannot be repaired safely "
                                f"(area change {change:.1%})")
        report.repaired.append((code, change, f"feature {row}: {reason}"))
        out[idx] = fixed
    return out


def find_overlaps(geoms: np.ndarray, codes, tolerance_m2: float) -> list[tuple[str, str, float]]:
    """Pairs of geometries (in metres) whose interiors overlap by more than ``tolerance_m2``."""
    i, j = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = i < j
    i, j = i[keep], j[keep]
    inner = shapely.relate_pattern(geoms[i], geoms[j], "T********")
    i, j = i[inner], j[inner]
    area = shapely.area(shapely.intersection(geoms[i], geoms[j]))
    return [(codes[a], codes[b], float(s)) for a, b, s in zip(i, j, area) if s > tolerance_m2]


def find_gaps(geoms: np.ndarray, codes, tolerance_m2: float) -> list[tuple[tuple[str, ...], float]]:
    """Holes (in metres) inside the union of all geometries larger than ``tolerance_m2``.

    Concavities of the outer boundary are not gaps: only enclosed holes are.
    """
    union = shapely.union_all(geoms)
    tree = shapely.STRtree(geoms)
    out = []
    for part in shapely.get_parts(union):
        for hole in part.interiors:
            hole = shapely.Polygon(hole)
            if hole.area > tolerance_m2:
                near = tree.query(hole, predicate="dwithin", distance=1e-3)
                out.append((tuple(sorted(codes[k] for k in near)), float(hole.area)))
    return out


# ---------------------------------------------------------------------- attributes
def grid_type_of(value: str) -> str | None:
    """The grid type a file value stands for; None if unknown.

    >>> grid_type_of("学校网格"), grid_type_of("Urban-Rural"), grid_type_of("商场")
    ('school', 'urban_rural', None)
    """
    key = value.lower()
    for noise in (" ", "_", "-", "网格", "grid"):
        key = key.replace(noise, "")
    return _TYPE_LOOKUP.get(key)


def _fail(where: str, row: int, code: str, fld: str, problem: str) -> BoundaryError:
    return BoundaryError(f"{where}: feature {row} (code {code!r}): field '{fld}': {problem}")


def _grid_attributes(frame, where, fields: dict, default_type: str, report: ImportReport):
    """Codes, names, types and parent keys of every row, checked."""
    codes = _column(frame, fields["code_field"])
    seen: dict[str, int] = {}
    for row, code in enumerate(codes, start=1):
        if not code:
            raise _fail(where, row, code, fields["code_field"], "missing grid code")
        if code in seen:
            raise _fail(where, row, code, fields["code_field"],
                        f"duplicate code, also in feature {seen[code]}")
        seen[code] = row
    names = _column(frame, fields["name_field"])
    if any(not n for n in names):
        report.warnings.append(f"{sum(not n for n in names)} grids without a name are named by their code")
        names = [n or c for n, c in zip(names, codes)]
    if fields.get("type_field"):
        types = []
        empty = 0
        for row, (code, raw) in enumerate(zip(codes, _column(frame, fields["type_field"])), start=1):
            if not raw:
                empty += 1
                types.append(default_type)
                continue
            kind = grid_type_of(raw)
            if kind is None:
                raise _fail(where, row, code, fields["type_field"],
                            f"unknown grid type {raw!r} (expected urban_rural, school or "
                            "enterprise, or 城乡, 学校, 企业)")
            types.append(kind)
        if empty:
            report.warnings.append(f"{empty} grids without a type were given type {default_type!r}")
    else:
        types = [default_type] * len(codes)
    parents = {}
    for key in ("village_field", "township_field"):
        values = _column(frame, fields[key])
        for row, (code, value) in enumerate(zip(codes, values), start=1):
            if not value:
                raise _fail(where, row, code, fields[key],
                            f"missing {key.removesuffix('_field')}")
        parents[key] = values
    return codes, names, types, parents["village_field"], parents["township_field"]


def _parent_codes(where, codes, village_keys, township_keys, fields, parents_are_names,
                  city_code, frame, report):
    """Village and township code of each grid, and the names of each village and township."""
    if parents_are_names:
        # stable: codes number the sorted names, whatever the row order of the file
        t_code = {name: f"{city_code}{k:03d}" for k, name in enumerate(sorted(set(township_keys)), 1)}
        v_code = {}
        for t in sorted(set(township_keys)):
            inside = sorted({v for v, tt in zip(village_keys, township_keys) if tt == t})
            v_code.update({(t, v): f"{t_code[t]}{k:03d}" for k, v in enumerate(inside, 1)})
        grid_v = [v_code[(t, v)] for v, t in zip(village_keys, township_keys)]
        grid_t = [t_code[t] for t in township_keys]
        v_names = {v_code[(t, v)]: v for v, t in zip(village_keys, township_keys)}
        t_names = {c: t for t, c in t_code.items()}
        return grid_v, grid_t, v_names, t_names
    first_row: dict[str, tuple[int, str]] = {}
    for row, (code, v, t) in enumerate(zip(codes, village_keys, township_keys), start=1):
        if v in first_row and first_row[v][1] != t:
            other_row, other_t = first_row[v]
            raise _fail(where, row, code, fields["township_field"],
                        f"village {v!r} is in township {t!r} here but in township "
                        f"{other_t!r} in feature {other_row}")
        first_row.setdefault(v, (row, t))
    v_names = _names(frame, fields.get("village_name_field"), village_keys, "village", report)
    t_names = _names(frame, fields.get("township_name_field"), township_keys, "township", report)
    return list(village_keys), list(township_keys), v_names, t_names


def _names(frame, name_field, keys, what, report) -> dict[str, str]:
    """Name of each parent code from an optional name field (first non-empty value)."""
    if not name_field:
        report.warnings.append(f"no {what} name field: {what}s are named by their codes")
        return {k: k for k in keys}
    out: dict[str, str] = {}
    conflicts = set()
    for key, name in zip(keys, _column(frame, name_field)):
        if name and out.setdefault(key, name) != name:
            conflicts.add(key)
    if conflicts:
        report.warnings.append(f"{what}s with several names (first one kept): "
                               f"{', '.join(sorted(conflicts)[:10])}")
    return {k: out.get(k) or k for k in keys}


def _dissolve(geoms: np.ndarray, keys: list[str]) -> dict[str, object]:
    """Union of the grids of each key (robust to imperfect coverages)."""
    keys_arr = np.asarray(keys)
    return {k: shapely.union_all(geoms[keys_arr == k]) for k in dict.fromkeys(keys)}


def read_boundaries(path, *, code_field: str, name_field: str, type_field: str | None = None,
                    village_field: str, township_field: str,
                    village_name_field: str | None = None, township_name_field: str | None = None,
                    parents_are_names: bool = False, default_type: str = "urban_rural",
                    overlap_tolerance_m2: float = 1.0, gap_tolerance_m2: float = 1.0,
                    allow_overlaps: bool = False, city_code: str = "000000",
                    city_name: str = "未命名市", city_name_en: str = "Unnamed city",
                    ) -> tuple[AdminTree, ImportReport]:
    """Read grid polygons and build the administrative tree from them.

    Parameters
    ----------
    path : str or Path
        GeoJSON (.geojson/.json), Shapefile (.shp, or a .zip holding one) or
        GeoPackage (.gpkg, first layer); any CRS.
    code_field, name_field : str
        Fields with the grid code and name.
    type_field : str, optional
        Field with the grid type (urban_rural/school/enterprise, 城乡/学校/企业 and
        the variants of :data:`GRID_TYPE_ALIASES`); without it every grid is
        ``default_type``.
    village_field, township_field : str
        Fields with each grid's village and township: codes, or names with
        ``parents_are_names=True`` (codes are then generated: city code +
        3 digits for townships, township code + 3 digits for villages, numbering
        the names in sorted order).
    village_name_field, township_name_field : str, optional
        Fields with the parents' names when the parents are given as codes.
    overlap_tolerance_m2, gap_tolerance_m2 : float
        Overlaps and enclosed gaps up to this area are ignored.
    allow_overlaps : bool
        Report overlaps instead of stopping the import.

    Returns
    -------
    (AdminTree, ImportReport)

    Raises
    ------
    BoundaryError
        With a message naming the file, the feature (1-based row and code) and
        the field; see the module docstring for the list.
    """
    path = Path(path)
    where = str(path)
    report = ImportReport(source=where)
    if default_type not in GRID_TYPE_ALIASES:
        raise ValueError(f"default_type must be one of {list(GRID_TYPE_ALIASES)}")
    frame = _read(path)
    if path.suffix.lower() == ".gpkg" and len(layers := pyogrio.list_layers(path)) > 1:
        report.warnings.append(f"the GeoPackage has {len(layers)} layers; read the first, "
                               f"{layers[0][0]!r}")
    if len(frame) == 0:
        raise BoundaryError(f"{where}: the file has no features")
    fields = dict(code_field=code_field, name_field=name_field, type_field=type_field,
                  village_field=village_field, township_field=township_field,
                  village_name_field=village_name_field, township_name_field=township_name_field)
    present = [c for c in frame.columns if c != frame.geometry.name]
    for role, name in fields.items():
        if name and name not in frame.columns:
            raise BoundaryError(f"{where}: field '{name}' ({role}) not found; the file has "
                                f"fields: {', '.join(present) or '(none)'}")
    codes, names, types, village_keys, township_keys = _grid_attributes(
        frame, where, fields, default_type, report)
    geoms = _check_geometries(frame.geometry.to_numpy(), codes, where)
    frame = _check_crs(frame.set_geometry(list(geoms), crs=frame.crs), where, report)
    laea = _equal_area(frame)
    geoms = _repair(frame.geometry.to_numpy(), codes, laea, where, report)
    metric = gpd.GeoSeries(geoms, crs=4326).to_crs(laea).to_numpy()
    report.overlaps = find_overlaps(metric, codes, overlap_tolerance_m2)
    report.gaps = find_gaps(metric, codes, gap_tolerance_m2)
    grid_v, grid_t, v_names, t_names = _parent_codes(
        where, codes, village_keys, township_keys, fields, parents_are_names, city_code,
        frame, report)
    if report.overlaps and not allow_overlaps:
        listed = "; ".join(f"{a} / {b}: {s:.1f} m2" for a, b, s in report.overlaps[:10])
        raise BoundaryError(f"{where}: {len(report.overlaps)} overlapping grid pairs above "
                            f"{overlap_tolerance_m2} m2 ({listed}); fix the file or pass "
                            "allow_overlaps=True", report)
    grids = gpd.GeoDataFrame({"code": codes, "name": names, "name_en": [None] * len(codes),
                              "village_code": grid_v, "township_code": grid_t,
                              "grid_type": types}, geometry=list(geoms), crs=4326)[GRID_COLUMNS]
    v_geom, t_geom = _dissolve(geoms, grid_v), _dissolve(geoms, grid_t)
    v_parent = dict(zip(grid_v, grid_t))
    villages = gpd.GeoDataFrame({"code": list(v_geom), "name": [v_names[v] for v in v_geom],
                                 "name_en": [None] * len(v_geom),
                                 "township_code": [v_parent[v] for v in v_geom]},
                                geometry=list(v_geom.values()), crs=4326)[VILLAGE_COLUMNS]
    townships = gpd.GeoDataFrame({"code": list(t_geom), "name": [t_names[t] for t in t_geom],
                                  "name_en": [None] * len(t_geom)},
                                 geometry=list(t_geom.values()), crs=4326)[TOWNSHIP_COLUMNS]
    split = [c for c, g in v_geom.items() if g.geom_type != "Polygon"]
    if split:
        report.warnings.append(f"{len(split)} villages are in several separate parts: "
                               f"{', '.join(split[:10])}")
    report.counts = {"townships": len(townships), "villages": len(villages), "grids": len(grids),
                     **{k: types.count(k) for k in GRID_TYPE_ALIASES}}
    tree = AdminTree(city_code, city_name, city_name_en, townships, villages, grids)
    return tree, report


__all__ = ["read_boundaries", "BoundaryError", "ImportReport", "grid_type_of",
           "find_overlaps", "find_gaps", "GRID_TYPE_ALIASES"]
