"""Boundary import: formats and CRSs, bad files, repairs, overlaps and gaps."""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Point, Polygon

from geo.importer import BoundaryError, grid_type_of, read_boundaries
from tests import geo_fixtures as fx


def _read(path, **overrides):
    return read_boundaries(path, **{**fx.FIELDS, **overrides})


def _write_bad(tmp_path, mutate, fmt="geojson"):
    frame = fx.grids_frame()
    mutate(frame)
    return fx.write(frame, tmp_path, fmt)


# --------------------------------------------------------------- formats and CRSs
@pytest.mark.parametrize("fmt", ["geojson", "shp", "zip", "gpkg"])
@pytest.mark.parametrize("crs", [4326, 4490, 3857, 4527])
def test_each_format_and_crs_round_trips(tmp_path, fmt, crs):
    tree, report = _read(fx.write(fx.grids_frame(), tmp_path, fmt, crs))
    reference = fx.grids_frame().set_index("code").geometry
    grids = tree.grids.set_index("code")
    assert sorted(grids.index) == sorted(reference.index)
    for code, geom in grids.geometry.items():
        # normalize: shapefiles store outer rings clockwise
        assert shapely.equals_exact(shapely.normalize(geom), shapely.normalize(reference[code]),
                                    tolerance=1e-6), code
    assert tree.grids.crs.to_epsg() == 4326
    assert str(crs) in report.crs
    assert report.overlaps == [] and report.gaps == [] and report.repaired == []


def test_tree_is_dissolved_from_grids(tmp_path):
    tree, report = _read(fx.write(fx.grids_frame(), tmp_path, "gpkg", 3857))
    assert tree.counts() == {"townships": 1, "villages": 2, "grids": 4}
    assert list(tree.villages.code) == ["210882001001", "210882001002"]
    assert list(tree.villages.name) == ["富丽社区", "金桥社区"]
    assert tree.townships.name.tolist() == ["钢都街道"]
    assert set(tree.villages.geom_type) == {"Polygon"}
    village = tree.villages.set_index("code").geometry
    assert village["210882001001"].area == pytest.approx(
        fx.ring("g1").area + fx.ring("g2").area, rel=1e-6)
    assert shapely.covered_by(tree.grids.geometry.to_numpy(),
                              village.loc[tree.grids.village_code].to_numpy()).all()
    assert dict(zip(tree.grids.code, tree.grids.grid_type)) == {
        fx.CODES["g1"]: "urban_rural", fx.CODES["g2"]: "school",
        fx.CODES["g3"]: "urban_rural", fx.CODES["g4"]: "enterprise"}
    assert report.counts == {"townships": 1, "villages": 2, "grids": 4,
                             "urban_rural": 2, "school": 1, "enterprise": 1}
    assert "4 grids" in report.summary() and "EPSG:3857" in report.summary()


def test_file_without_crs_in_lonlat_is_assumed_4326(tmp_path):
    path = fx.write(fx.grids_frame(), tmp_path, "shp")
    path.with_suffix(".prj").unlink()
    tree, report = _read(path)
    assert tree.grids.crs.to_epsg() == 4326
    assert any("no CRS" in w for w in report.warnings)


def test_file_without_crs_in_metres_is_refused(tmp_path):
    path = fx.write(fx.grids_frame(), tmp_path, "shp", crs=3857)
    path.with_suffix(".prj").unlink()
    with pytest.raises(BoundaryError, match="no CRS.*not longitude/latitude") as err:
        _read(path)
    assert "grids.shp" in str(err.value)


def test_geopackage_with_several_layers_reads_the_first(tmp_path):
    path = fx.write(fx.grids_frame(), tmp_path, "gpkg")
    fx.grids_frame().iloc[:1].to_file(path, layer="other", driver="GPKG")
    tree, report = _read(path)
    assert tree.counts()["grids"] == 4
    assert any("2 layers" in w for w in report.warnings)


def test_parents_given_as_names_get_stable_codes(tmp_path):
    frame = fx.grids_frame()
    frame["village"], frame["township"] = frame["vname"], frame["tname"]
    kw = dict(parents_are_names=True, village_name_field=None, township_name_field=None,
              city_code="210882")
    tree, _ = _read(fx.write(frame, tmp_path, "geojson", name="a"), **kw)
    reversed_tree, _ = _read(fx.write(frame.iloc[::-1], tmp_path, "geojson", name="b"), **kw)
    assert tree.townships.code.tolist() == ["210882001"]
    assert tree.townships.name.tolist() == ["钢都街道"]
    codes = dict(zip(tree.villages.name, tree.villages.code))
    assert codes == dict(zip(reversed_tree.villages.name, reversed_tree.villages.code))
    assert sorted(codes.values()) == ["210882001001", "210882001002"]
    assert set(tree.grids.village_code) == set(codes.values())


def test_type_values_and_default_type(tmp_path):
    assert grid_type_of("城乡网格") == "urban_rural"
    assert grid_type_of("School") == "school"
    assert grid_type_of("企业网格") == "enterprise"
    assert grid_type_of("urban_rural") == "urban_rural"
    frame = fx.grids_frame()
    frame.loc[0, "type"] = None
    tree, report = _read(fx.write(frame, tmp_path, "geojson"), default_type="school")
    assert tree.grids.grid_type.iloc[0] == "school"
    assert any("without a type" in w for w in report.warnings)
    tree, _ = _read(fx.write(fx.grids_frame(), tmp_path, "gpkg"), type_field=None)
    assert set(tree.grids.grid_type) == {"urban_rural"}


# ----------------------------------------------------------------------- bad files
def _set(row, column, value):
    def mutate(frame):
        frame.loc[row, column] = value
    return mutate


@pytest.mark.parametrize("mutate, expected", [
    (_set(1, "code", None), r"feature 2 \(code ''\): field 'code': missing grid code"),
    (_set(2, "code", fx.CODES["g1"]),
     r"feature 3 \(code '210882001001001'\): field 'code': duplicate code, also in feature 1"),
    (_set(3, "village", None), r"feature 4 \(code '210882001002002'\): field 'village': missing village"),
    (_set(0, "township", ""), r"feature 1 \(code '210882001001001'\): field 'township': missing township"),
    (_set(1, "township", "210882002"),
     r"feature 2 \(code '210882001001002'\): field 'township': village '210882001001' is in "
     r"township '210882002' here but in township '210882001' in feature 1"),
    (_set(2, "type", "商场"), r"feature 3 \(code '210882001002001'\): field 'type': unknown grid type '商场'"),
    (_set(1, "geometry", None), r"feature 2 \(code '210882001001002'\): field 'geometry': empty or null"),
    (_set(1, "geometry", Polygon()), r"feature 2 .*field 'geometry': empty or null"),
    (_set(3, "geometry", Point(122.5, 40.63)), r"feature 4 .*field 'geometry': Point is not a polygon"),
    (_set(0, "geometry", LineString([(122.5, 40.63), (122.51, 40.64)])),
     r"feature 1 .*field 'geometry': LineString is not a polygon"),
])
def test_bad_feature_messages_name_file_row_and_field(tmp_path, mutate, expected):
    path = _write_bad(tmp_path, mutate)
    with pytest.raises(BoundaryError, match=expected) as err:
        _read(path)
    assert str(err.value).startswith(str(path))


def test_missing_field_lists_the_fields_of_the_file(tmp_path):
    path = fx.write(fx.grids_frame(), tmp_path, "gpkg")
    with pytest.raises(BoundaryError) as err:
        _read(path, village_field="cun")
    message = str(err.value)
    assert message.startswith(str(path))
    assert "field 'cun' (village_field) not found" in message
    assert "code, name, type, village, township, vname, tname" in message


def test_empty_files(tmp_path):
    empty = tmp_path / "empty.geojson"
    empty.write_text('{"type": "FeatureCollection", "features": []}')
    with pytest.raises(BoundaryError, match="empty.geojson: the file has no features"):
        _read(empty)
    zero = tmp_path / "zero.geojson"
    zero.write_bytes(b"")
    with pytest.raises(BoundaryError, match="zero.geojson: the file is empty"):
        _read(zero)


def test_unreadable_unsupported_and_missing_files(tmp_path):
    garbage = tmp_path / "garbage.geojson"
    garbage.write_text("this is not json {")
    with pytest.raises(BoundaryError, match="garbage.geojson: cannot read the file"):
        _read(garbage)
    csv = tmp_path / "grids.csv"
    csv.write_text("code,name\n1,a\n")
    with pytest.raises(BoundaryError, match=r"grids.csv: unsupported file type '.csv'"):
        _read(csv)
    with pytest.raises(BoundaryError, match="nowhere.gpkg: file not found"):
        _read(tmp_path / "nowhere.gpkg")
    assert issubclass(BoundaryError, ValueError)


# ------------------------------------------------------------ repairs, overlaps, gaps
def test_small_bowtie_is_repaired_and_reported(tmp_path):
    tree, report = _read(fx.write(fx.with_bowtie(fx.grids_frame()), tmp_path, "geojson"))
    assert [r[0] for r in report.repaired] == [fx.CODES["g3"]]
    code, change, why = report.repaired[0]
    assert 0 < change < 0.01 and "Self-intersection" in why and "feature 3" in why
    assert tree.grids.geometry.is_valid.all()
    assert "repaired 210882001002001" in report.summary()


def test_large_bowtie_stops_the_import(tmp_path):
    path = fx.write(fx.with_bowtie(fx.grids_frame(), big=True), tmp_path, "geojson")
    with pytest.raises(BoundaryError, match=r"feature 3 \(code '210882001002001'\): field 'geometry': "
                                            r"invalid geometry .* cannot be repaired safely"):
        _read(path)


def test_overlap_stops_the_import_and_names_both_grids(tmp_path):
    path = fx.write(fx.with_overlap(fx.grids_frame()), tmp_path, "gpkg")
    with pytest.raises(BoundaryError, match="1 overlapping grid pairs") as err:
        _read(path)
    assert fx.CODES["g1"] in str(err.value) and fx.CODES["g2"] in str(err.value)
    assert err.value.report is not None and len(err.value.report.overlaps) == 1


def test_overlap_allowed_is_reported(tmp_path):
    path = fx.write(fx.with_overlap(fx.grids_frame()), tmp_path, "geojson", crs=3857)
    _, report = _read(path, allow_overlaps=True)
    ((a, b, area),) = report.overlaps
    assert {a, b} == {fx.CODES["g1"], fx.CODES["g2"]}
    assert 500 < area < 2000  # half of a ~50 m x 44 m square
    _, quiet = _read(path, allow_overlaps=True, overlap_tolerance_m2=5000)
    assert quiet.overlaps == []


def test_gap_is_reported_with_the_grids_around_it(tmp_path):
    tree, report = _read(fx.write(fx.with_gap(fx.grids_frame()), tmp_path, "shp"))
    ((codes, area),) = report.gaps
    assert {fx.CODES["g2"], fx.CODES["g3"], fx.CODES["g4"]} <= set(codes)
    assert 500 < area < 5000
    assert tree.counts()["grids"] == 4  # a gap is a warning only
    assert "gap near" in report.summary()
    _, quiet = _read(fx.write(fx.with_gap(fx.grids_frame()), tmp_path, "gpkg"),
                     gap_tolerance_m2=1e5)
    assert quiet.gaps == []


def test_numeric_codes_lose_their_decimal_point(tmp_path):
    frame = fx.grids_frame()
    frame["code"] = frame["code"].astype(np.int64).astype(float)
    tree, _ = _read(fx.write(frame, tmp_path, "gpkg"))
    assert sorted(tree.grids.code) == sorted(fx.CODES.values())


def test_read_boundaries_is_pure(tmp_path):
    path = fx.write(fx.grids_frame(), tmp_path, "geojson")
    before = sorted(p.name for p in tmp_path.iterdir())
    _read(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert isinstance(gpd.read_file(path), gpd.GeoDataFrame)


def test_demo_city_round_trips_through_a_geopackage(tmp_path):
    from geo.democity import generate_tree
    city = generate_tree(2020)
    frame = city.grids.merge(city.villages[["code", "name"]].rename(
        columns={"code": "village_code", "name": "village_name"}), on="village_code")
    frame = frame.merge(city.townships[["code", "name"]].rename(
        columns={"code": "township_code", "name": "township_name"}), on="township_code")
    path = tmp_path / "city.gpkg"
    frame.to_crs(4527).to_file(path, driver="GPKG")
    tree, report = read_boundaries(
        path, code_field="code", name_field="name", type_field="grid_type",
        village_field="village_code", township_field="township_code",
        village_name_field="village_name", township_name_field="township_name",
        city_code=city.city_code)
    assert tree.counts() == city.counts()
    assert report.overlaps == [] and report.gaps == [] and report.repaired == []
    assert report.warnings == []
    assert sorted(tree.villages.name) == sorted(city.villages.name)
    assert (tree.grids.grid_type.value_counts() == city.grids.grid_type.value_counts()).all()
    original = city.grids.set_index("code").geometry
    back = tree.grids.set_index("code").geometry.loc[original.index]
    assert shapely.hausdorff_distance(back.to_numpy(), original.to_numpy()).max() < 1e-7
