"""``gridboard import-boundaries`` on real files into a real database, all or nothing."""
from __future__ import annotations

import pytest
from click.testing import CliRunner
from shapely.geometry import Point
from sqlalchemy import func, select

import tests.geo_fixtures as fx
from cli.main import main
from queries.schema import case, city, grid, map_layer, metadata, township, village

ARGS = ["--code-field", "code", "--name-field", "name", "--type-field", "type", "--village-field", "village",
        "--township-field", "township", "--village-name-field", "vname", "--township-name-field", "tname",
        "--city-code", "210882", "--city-name", "大石桥市"]


def sub(tmp_path, name: str):
    path = tmp_path / name
    path.mkdir(exist_ok=True)
    return path


def run(db_url: str, path) -> object:
    return CliRunner().invoke(main, ["--database-url", db_url, "import-boundaries", str(path), *ARGS])


def snapshot(engine) -> dict:
    """Every row of every table, to compare a database before and after."""
    with engine.connect() as conn:
        return {t.name: sorted(map(tuple, conn.execute(select(t)).all()), key=repr) for t in metadata.sorted_tables}


def test_import_writes_the_tree_and_its_layers(engine, db_url, tmp_path):
    result = run(db_url, fx.write(fx.grids_frame(), tmp_path, "gpkg", crs=3857))
    assert result.exit_code == 0, result.output
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(grid)).scalar() == 4
        assert conn.execute(select(func.count()).select_from(village)).scalar() == 2
        assert conn.execute(select(township.c.code)).scalars().all() == [fx.TOWNSHIP]
        assert conn.execute(select(city.c.name)).scalar() == "大石桥市"
        levels = set(conn.execute(select(map_layer.c.level)).scalars())
    assert {"grid", "township", "township_border", "village"} <= levels
    assert "imported" in result.output


def _mutated(tmp_path, mutate):
    frame = fx.grids_frame()
    mutate(frame)
    return fx.write(frame, tmp_path, "geojson")


def _set(row, column, value):
    def mutate(frame):
        frame.loc[row, column] = value
    return mutate


@pytest.mark.parametrize("mutate, words", [
    (_set(1, "code", None), ["feature 2", "field 'code'", "missing grid code"]),
    (_set(2, "code", fx.CODES["g1"]), ["feature 3", "duplicate code", "feature 1"]),
    (_set(3, "village", None), ["feature 4", "field 'village'"]),
    (_set(2, "type", "商场"), ["feature 3", "field 'type'", "商场"]),
    (_set(1, "geometry", None), ["feature 2", "field 'geometry'"]),
    (_set(3, "geometry", Point(122.5, 40.63)), ["feature 4", "not a polygon"]),
], ids=["missing-code", "duplicate-code", "no-parent", "bad-type", "null-geometry", "point"])
def test_a_bad_file_names_feature_and_field_and_changes_nothing(engine, db_url, tmp_path, mutate, words):
    good = fx.write(fx.grids_frame(), sub(tmp_path, "good"), "gpkg")
    assert run(db_url, good).exit_code == 0
    before = snapshot(engine)
    bad = _mutated(tmp_path, mutate)
    result = run(db_url, bad)
    assert result.exit_code != 0
    assert str(bad) in result.output
    for w in words:
        assert w in result.output
    assert snapshot(engine) == before


@pytest.mark.parametrize("content", [b"", b"not a geojson at all", b'{"type":"FeatureCollection","features":[]}'],
                         ids=["empty", "garbage", "no-features"])
def test_an_empty_or_unreadable_file_stops_with_its_name(engine, db_url, tmp_path, content):
    path = tmp_path / "grids.geojson"
    path.write_bytes(content)
    before = snapshot(engine)
    result = run(db_url, path)
    assert result.exit_code != 0
    assert str(path) in result.output
    assert snapshot(engine) == before


def test_a_failure_while_writing_rolls_everything_back(engine, db_url, tmp_path, monkeypatch):
    assert run(db_url, fx.write(fx.grids_frame(), sub(tmp_path, "a"), "gpkg")).exit_code == 0
    before = snapshot(engine)
    import queries.tree as tree_mod
    real_insert = tree_mod._insert

    def failing_insert(conn, table, rows):
        if table is grid:  # townships and villages are already written by now
            raise RuntimeError("disk full")
        return real_insert(conn, table, rows)

    monkeypatch.setattr(tree_mod, "_insert", failing_insert)
    frame = fx.grids_frame()
    frame["name"] = frame["name"] + "（新）"
    result = run(db_url, fx.write(frame, sub(tmp_path, "b"), "gpkg"))
    assert result.exit_code != 0
    assert snapshot(engine) == before


def test_boundaries_are_not_replaced_under_existing_cases(engine, db_url, tmp_path):
    import datetime as dt
    assert run(db_url, fx.write(fx.grids_frame(), sub(tmp_path, "a"), "gpkg")).exit_code == 0
    t0 = dt.datetime(2026, 11, 20, 9, 0)
    with engine.begin() as conn:
        conn.execute(case.insert().values(
            source="hotline", category="environment", item="environment.garbage", grid_code=fx.CODES["g1"],
            village_code=fx.VILLAGES["g1"], township_code=fx.TOWNSHIP, created_at=t0,
            response_due=t0 + dt.timedelta(hours=12), deadline=t0 + dt.timedelta(hours=48)))
    before = snapshot(engine)
    result = run(db_url, fx.write(fx.grids_frame(), sub(tmp_path, "b"), "gpkg"))
    assert result.exit_code != 0
    assert "cases" in result.output
    assert snapshot(engine) == before
