"""Areas: names, breadcrumb, children, grid details and layers (fixture: tests/fixture_city.py)."""
from __future__ import annotations

from datetime import datetime

import pytest

from queries.areas import area_name, children, grid_info, layer, scope_exists
from queries.guard import NotFound, UnknownScope
from queries.scope import Scope
from tests.fixture_city import G1, G4, G5, GRID_LAYER, T1, T2, V1, V3, city_db  # noqa: F401


def test_area_name_and_breadcrumb(city_db):
    got = area_name(Scope.grid(G1))
    assert (got["name"], got["name_en"], got["level"], got["code"]) == ("富丽社区第1网格", "Fuli 1", "grid", G1)
    assert got["chain"] == [("city", "", "大石桥市", "Dashiqiao"), ("township", T1, "钢都街道", "Gangdu"),
                            ("village", V1, "富丽社区", "Fuli"), ("grid", G1, "富丽社区第1网格", "Fuli 1")]
    assert area_name(Scope.city())["chain"] == [("city", "", "大石桥市", "Dashiqiao")]
    assert [c[0] for c in area_name(Scope.village(V3))["chain"]] == ["city", "township", "village"]


def test_unknown_scope(city_db):
    with pytest.raises(UnknownScope):
        area_name(Scope.township("999"))
    assert scope_exists(Scope.township(T2)) and scope_exists(Scope.city())
    assert not scope_exists(Scope.grid("999"))


def test_children(city_db):
    assert children(Scope.city())["code"].tolist() == [T1, T2]
    assert children(Scope.township(T1))["name"].tolist() == ["富丽社区", "民康社区"]
    kids = children(Scope.village(V3))
    assert kids["code"].tolist() == [G4, G5]
    assert kids["grid_type"].tolist() == ["enterprise", "urban_rural"]
    assert kids["worker_name"].iloc[0] == "赵敏" and kids["worker_name"].isna().iloc[1]  # G5 has no worker
    assert children(Scope.grid(G1)).empty


def test_grid_info(city_db):
    info = grid_info(G1)
    assert info["worker"]["name"] == "张伟"
    # two patrols: 19 15:00 and 20 07:00 -> the latter, ending at (122.51, 40.61)
    assert info["last_patrol"]["started_at"] == datetime(2026, 11, 20, 7, 0)
    assert (info["last_patrol"]["end_lon"], info["last_patrol"]["end_lat"]) == (122.51, 40.61)
    g5 = grid_info(G5)
    assert g5["worker"] is None and g5["last_patrol"] is None
    with pytest.raises(UnknownScope):
        grid_info("999")


def test_layer(city_db):
    assert layer("grid", "") == (GRID_LAYER, "etag-grid-city")
    with pytest.raises(NotFound):
        layer("village", T1)
