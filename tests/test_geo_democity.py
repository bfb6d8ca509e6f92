"""The demo city generator: counts, coverage, containment, determinism, names."""
from __future__ import annotations

import numpy as np
import pytest
import shapely

from geo.democity import CITY_CODE, generate_tree
from geo.tree import GRID_COLUMNS, TOWNSHIP_COLUMNS, VILLAGE_COLUMNS, derived_columns


@pytest.fixture(scope="module")
def tree():
    return generate_tree(2020)


def test_counts_and_type_split(tree):
    assert tree.counts() == {"townships": 17, "villages": 283, "grids": 1798}
    assert tree.grids.grid_type.value_counts().to_dict() == {
        "urban_rural": 1480, "enterprise": 249, "school": 69}
    assert tree.city_code == CITY_CODE == "210882"


def test_frames_follow_the_contract(tree):
    assert list(tree.townships.columns) == TOWNSHIP_COLUMNS
    assert list(tree.villages.columns) == VILLAGE_COLUMNS
    assert list(tree.grids.columns) == GRID_COLUMNS
    for frame in (tree.townships, tree.villages, tree.grids):
        assert frame.crs.to_epsg() == 4326
        assert all(isinstance(v, str) for v in frame.code)
    assert all(type(v) is str for v in tree.grids.grid_type)


def test_grids_form_a_valid_coverage(tree):
    grids = tree.grids.geometry.to_numpy()
    assert shapely.is_valid(grids).all()
    assert shapely.coverage_is_valid(grids)
    assert shapely.is_empty(shapely.coverage_invalid_edges(grids)).all()


def test_no_gaps_and_no_overlaps(tree):
    grids = tree.grids.geometry.to_numpy()
    union = shapely.union_all(grids)
    # the outer boundary is one ring without holes: nothing inside is uncovered
    assert union.geom_type == "Polygon" and len(union.interiors) == 0
    # no overlaps: the areas add up to the area of the union
    assert shapely.area(grids).sum() == pytest.approx(union.area, rel=1e-9)
    i, j = shapely.STRtree(grids).query(grids, predicate="intersects")
    keep = i < j
    overlap = shapely.area(shapely.intersection(grids[i[keep]], grids[j[keep]]))
    assert overlap.max() < 1e-14  # square degrees: ~1e-4 m2
    # townships tile the same outer boundary
    assert shapely.area(shapely.union_all(tree.townships.geometry.to_numpy())) == \
        pytest.approx(union.area, rel=1e-9)


def test_exact_containment(tree):
    villages = tree.villages.set_index("code").geometry
    townships = tree.townships.set_index("code").geometry
    g = tree.grids
    assert shapely.covered_by(g.geometry.to_numpy(), villages.loc[g.village_code].to_numpy()).all()
    assert shapely.covered_by(g.geometry.to_numpy(), townships.loc[g.township_code].to_numpy()).all()
    v = tree.villages
    assert shapely.covered_by(v.geometry.to_numpy(), townships.loc[v.township_code].to_numpy()).all()
    # and the parents are exactly the union of their children
    for code, part in g.groupby("village_code"):
        assert shapely.area(villages.loc[code]) == pytest.approx(
            shapely.area(part.geometry.to_numpy()).sum(), rel=1e-9)


def test_every_village_and_township_is_one_polygon(tree):
    assert set(tree.villages.geom_type) == {"Polygon"}
    assert set(tree.townships.geom_type) == {"Polygon"}
    assert set(tree.grids.geom_type) == {"Polygon"}


def test_village_sizes(tree):
    per_village = tree.grids.groupby("village_code")
    assert per_village.size().min() >= 2
    assert (per_village.grid_type.apply(lambda s: (s == "urban_rural").sum()) >= 1).all()


def test_lon_lat_ranges(tree):
    minx, miny, maxx, maxy = tree.grids.total_bounds
    assert 122.35 <= minx < 122.45 and 122.65 < maxx <= 122.75
    assert 40.45 <= miny < 40.55 and 40.70 < maxy <= 40.80


def test_vertex_counts_are_realistic(tree):
    n = shapely.get_num_coordinates(tree.grids.geometry.to_numpy())
    assert np.percentile(n, 5) >= 15
    assert 25 <= np.median(n) <= 70
    assert np.percentile(n, 95) <= 100
    assert n.max() < 250
    # larger grids have more vertices
    area = derived_columns(tree.grids).area_km2.to_numpy()
    assert np.corrcoef(area, n)[0, 1] > 0.3


def test_shapes_are_not_boxes(tree):
    g = tree.grids.geometry.to_numpy()
    # a rectangle fills its minimum rotated rectangle; organic cells fill it less
    fill = shapely.area(g) / shapely.area(shapely.oriented_envelope(g))
    assert (fill < 0.98).mean() > 0.95


def test_unit_grids_are_small(tree):
    g = derived_columns(tree.grids)
    median = g.groupby("grid_type").area_km2.median()
    assert median["school"] < median["urban_rural"]
    assert median["enterprise"] < median["urban_rural"]
    # urban townships (subdistricts, 街道) are smaller than rural towns (镇)
    t = derived_columns(tree.townships)
    urban = t.name.str.endswith("街道")
    assert urban.sum() == 5
    assert t[urban].area_km2.max() < t[~urban].area_km2.median()


def test_codes_are_prefix_hierarchical(tree):
    t, v, g = tree.townships, tree.villages, tree.grids
    assert t.code.str.fullmatch(r"210882\d{3}").all()
    assert v.code.str.fullmatch(r"\d{12}").all() and g.code.str.fullmatch(r"\d{15}").all()
    assert (v.code.str[:9] == v.township_code).all()
    assert (g.code.str[:12] == g.village_code).all()
    assert (g.code.str[:9] == g.township_code).all()
    assert set(v.township_code) == set(t.code)
    assert set(g.village_code) == set(v.code)
    for frame in (t, v, g):
        assert frame.code.is_unique


def test_names_unique_within_parent_and_plausible(tree):
    t, v, g = tree.townships, tree.villages, tree.grids
    assert t.name.is_unique and t.name_en.is_unique
    assert not v.duplicated(["township_code", "name"]).any()
    assert not g.duplicated(["village_code", "name"]).any()
    assert t.name.str.endswith(("街道", "镇")).all()
    urban = dict(zip(t.code, t.name.str.endswith("街道")))
    v_urban = v.township_code.map(urban)
    assert v[v_urban].name.str.endswith("社区").all()
    assert v[~v_urban].name.str.endswith("村").all()
    ordinary = g[g.grid_type == "urban_rural"]
    assert ordinary.name.str.fullmatch(r".+(社区|村)第\d+网格").all()
    assert ordinary.name_en.str.fullmatch(r"Grid \d+, .+ (Community|Village)").all()
    assert g[g.grid_type == "school"].name.str.contains("学").all()
    assert g[g.grid_type == "enterprise"].name.str.contains("公司").all()
    for frame in (t, v, g):
        assert frame.name_en.str.fullmatch(r"[ -~]+").all()  # plain ASCII English


def test_deterministic(tree):
    again = generate_tree(2020)
    for a, b in ((tree.grids, again.grids), (tree.villages, again.villages),
                 (tree.townships, again.townships)):
        assert a.drop(columns="geometry").equals(b.drop(columns="geometry"))
        assert list(shapely.to_wkb(a.geometry.to_numpy())) == list(shapely.to_wkb(b.geometry.to_numpy()))


def test_other_seed_gives_another_valid_city(tree):
    other = generate_tree(7)
    assert other.counts() == {"townships": 17, "villages": 283, "grids": 1798}
    assert shapely.coverage_is_valid(other.grids.geometry.to_numpy())
    assert set(other.villages.geom_type) == {"Polygon"}
    assert not shapely.equals_exact(other.grids.geometry.iloc[0], tree.grids.geometry.iloc[0], 1e-9)
    assert not np.array_equal(other.grids.total_bounds, tree.grids.total_bounds)
