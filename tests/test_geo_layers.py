"""Map layers: coverage simplification, GeoJSON shape and size, borders on grid edges."""
from __future__ import annotations

import gzip
import json

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon

from geo.democity import generate_tree
from geo.layers import (CITY, M_PER_DEG, TOWNSHIP, VILLAGE, borders_geojson, build_layers,
                        dissolve, layer_geojson, layer_sizes, simplify_coverage)
from tests.geo_fixtures import grids_frame, two_squares, with_overlap


@pytest.fixture(scope="module")
def city():
    return generate_tree(2020)


@pytest.fixture(scope="module")
def layers(city):
    return {(level, scope): text for level, scope, text in build_layers(city)}


def _geoms(text: str) -> tuple[list[str], np.ndarray]:
    features = json.loads(text)["features"]
    return ([f["id"] for f in features],
            np.array([shapely.geometry.shape(f["geometry"]) for f in features], dtype=object))


def test_two_squares_stay_a_coverage():
    squares = two_squares().geometry.to_numpy()
    out = simplify_coverage(squares, 0.001)
    assert shapely.coverage_is_valid(out)
    assert shapely.equals(out, squares).all()  # nothing to simplify on a square


def test_jagged_shared_edge_is_simplified_identically_on_both_sides():
    # two polygons sharing a zig-zag edge of 50 tiny teeth
    ys = np.linspace(0, 1, 51)
    xs = 1 + 0.001 * (np.arange(51) % 2)
    edge = list(zip(xs, ys))
    left = Polygon([(0, 0)] + edge + [(0, 1)])
    right = Polygon([(2, 0)] + [(2, 1)] + edge[::-1])
    assert shapely.coverage_is_valid([left, right])
    out = simplify_coverage([left, right], 0.01)
    assert shapely.coverage_is_valid(out)
    assert shapely.get_num_coordinates(out).sum() < shapely.get_num_coordinates([left, right]).sum() / 4
    shared = shapely.intersection(out[0].boundary, out[1].boundary)
    assert shared.length == pytest.approx(1.0, abs=0.01)
    assert shapely.area(shapely.intersection(out[0], out[1])) == 0


def test_fixture_grids_stay_a_coverage():
    g = grids_frame().geometry.to_numpy()
    for tolerance in (1e-5, 1e-4, 5e-4):
        assert shapely.coverage_is_valid(simplify_coverage(g, tolerance))


def test_imperfect_coverage_is_cleaned_before_simplifying():
    g = with_overlap(grids_frame()).geometry.to_numpy()
    assert not shapely.coverage_is_valid(g)
    out = simplify_coverage(g, 1e-5)
    assert shapely.coverage_is_valid(out) and shapely.is_valid(out).all()
    assert len(out) == 4 and not shapely.is_empty(out).any()
    codes, merged = dissolve(g, ["a", "a", "b", "b"])
    assert shapely.is_valid(merged).all() and list(codes) == ["a", "b"]


@pytest.mark.parametrize("detail", [CITY, TOWNSHIP, VILLAGE], ids=["city", "township", "village"])
def test_demo_city_simplification_is_valid_and_close(city, detail):
    grids = city.grids.geometry.to_numpy()
    out = simplify_coverage(grids, detail.tolerance_m / M_PER_DEG)
    assert shapely.coverage_is_valid(out)
    assert shapely.is_valid(out).all()
    # Hausdorff distance in degrees of latitude (a degree of longitude is shorter)
    assert shapely.hausdorff_distance(grids, out).max() * M_PER_DEG < detail.tolerance_m
    if detail is CITY:
        assert shapely.get_num_coordinates(out).sum() < shapely.get_num_coordinates(grids).sum() / 2


def test_layer_rows_cover_every_scope(city, layers):
    keys = set(layers)
    assert {("grid", ""), ("township", ""), ("township_border", "")} <= keys
    for t in city.townships.code:
        assert {("village", t), ("grid", t), ("village_border", t)} <= keys
    for v in city.villages.code:
        assert ("grid", v) in keys
    assert len(keys) == 3 + 3 * 17 + 283


def test_features_carry_only_the_id(city, layers):
    doc = json.loads(layers[("grid", "")])
    assert doc["type"] == "FeatureCollection"
    ids = []
    for f in doc["features"]:
        assert set(f) == {"type", "id", "properties", "geometry"}
        assert f["properties"] == {"id": f["id"]}
        ids.append(f["id"])
    assert sorted(ids) == sorted(city.grids.code)
    assert " " not in layers[("grid", "")]  # compact


def test_coordinates_are_rounded(layers):
    doc = json.loads(layers[("grid", "")])
    ring = doc["features"][0]["geometry"]["coordinates"][0]
    assert all(len(repr(c).split(".")[1]) <= CITY.precision for pt in ring for c in pt)


def test_city_grid_layer_fits_the_budget(layers):
    raw = layers[("grid", "")].encode()
    assert len(gzip.compress(raw)) <= 150 * 1024


def test_rounded_city_layer_is_still_a_coverage(layers):
    _, geoms = _geoms(layers[("grid", "")])
    assert shapely.coverage_is_valid(geoms)


def test_scoped_layers_hold_their_children(city, layers):
    t = city.townships.code.iloc[3]
    ids, _ = _geoms(layers[("village", t)])
    assert sorted(ids) == sorted(city.villages.code[city.villages.township_code == t])
    ids, _ = _geoms(layers[("grid", t)])
    assert sorted(ids) == sorted(city.grids.code[city.grids.township_code == t])
    v = city.villages.code.iloc[10]
    ids, _ = _geoms(layers[("grid", v)])
    assert sorted(ids) == sorted(city.grids.code[city.grids.village_code == v])


def test_township_borders_sit_on_grid_edges(layers):
    _, grids = _geoms(layers[("grid", "")])
    edges = shapely.union_all(shapely.boundary(grids))
    ids, borders = _geoms(layers[("township_border", "")])
    assert set(shapely.get_type_id(borders)) == {5}  # MultiLineString
    assert shapely.covered_by(borders, edges).all()
    _, townships = _geoms(layers[("township", "")])
    assert shapely.coverage_is_valid(townships)


def test_village_borders_sit_on_township_grid_edges(city, layers):
    t = city.townships.code.iloc[0]
    _, grids = _geoms(layers[("grid", t)])
    edges = shapely.union_all(shapely.boundary(grids))
    _, borders = _geoms(layers[("village_border", t)])
    assert shapely.covered_by(borders, edges).all()


def test_layer_and_border_functions_on_a_small_frame():
    frame = grids_frame()
    doc = json.loads(layer_geojson(frame, tolerance=1e-4, precision=5))
    assert [f["id"] for f in doc["features"]] == list(frame.code)
    codes, geoms = dissolve(frame.geometry.to_numpy(), frame.village)
    villages = gpd.GeoDataFrame({"code": codes}, geometry=list(geoms), crs=4326)
    borders = json.loads(borders_geojson(villages))
    assert [f["geometry"]["type"] for f in borders["features"]] == ["MultiLineString"] * 2


def test_layer_sizes_report(city, layers):
    rows = layer_sizes(city, [(lv, sc, tx) for (lv, sc), tx in layers.items()])
    by_key = {(r["level"], r["scope"]): r for r in rows}
    city_grid = by_key[("grid", "city")]
    assert city_grid["layers"] == 1 and city_grid["gzip_bytes"] < city_grid["raw_bytes"]
    assert by_key[("grid", "village")]["layers"] == 283
    assert by_key[("village", "township")]["layers"] == 17
