"""Map values: one row per grid drawn at the scope, on both backends (fixture: tests/fixture_city.py)."""
from __future__ import annotations

import pandas as pd
import pytest

from queries.mapdata import METRICS, map_values, metric_info
from queries.scope import Scope
from queries.window import Window
from tests.fixture_city import G1, G2, G3, G4, G5, NOW, T2, V1, city_db  # noqa: F401

CITY = Scope.city()
W7 = Window.last_days(7, NOW)


def test_metrics_are_described():
    assert [m.code for m in METRICS] == ["open", "overdue", "received", "closure_rate", "satisfaction_rate",
                                         "response_mean", "attendance_rate"]
    for m in METRICS:
        assert m.label_zh and m.label_en and m.basis
        assert m.kind in ("count", "rate", "minutes")
    assert metric_info("closure_rate").higher_is_better is True
    with pytest.raises(ValueError):
        metric_info("nope")


@pytest.mark.parametrize("metric", [m.code for m in METRICS])
def test_every_grid_of_the_city_is_present(city_db, metric):
    df = map_values(CITY, W7, metric, now=NOW)
    assert list(df.columns) == ["code", "value", "n", "basis"]
    assert df["code"].tolist() == [G1, G2, G3, G4, G5]


def test_received_counts(city_db):
    df = map_values(CITY, W7, "received")
    # W7 cases by grid: G1 1-5; G2 6, 18; G3 9, 10, 11, 12, 17, 20; G4 13, 16; G5 none
    assert df["value"].tolist() == [5, 2, 6, 2, 0]
    assert df["n"].tolist() == [5, 2, 6, 2, 0]


def test_closure_rate_unknown_for_empty_grid(city_db):
    df = map_values(CITY, W7, "closure_rate")
    # closed of received: G1 4, 5 of 5; G2 6 of 6, 18; G3 11, 12, 20 of 6; G4 none of 2; G5 no cases
    assert df["value"].iloc[:4].tolist() == pytest.approx([2 / 5, 1 / 2, 3 / 6, 0.0])
    assert pd.isna(df["value"].iloc[4])
    assert df["n"].tolist() == [5, 2, 6, 2, 0]


def test_open_and_overdue_by_grid(city_db):
    # T2 draws G4 and G5: open 13, 16 in G4
    df = map_values(Scope.township(T2), W7, "open", now=NOW)
    assert df[["code", "value"]].values.tolist() == [[G4, 2], [G5, 0]]
    # V1 draws G1 and G2: overdue now only 8 (G2)
    df = map_values(Scope.village(V1), W7, "overdue", now=NOW)
    assert df[["code", "value"]].values.tolist() == [[G1, 0], [G2, 1]]


def test_grid_scope_draws_that_grid(city_db):
    df = map_values(Scope.grid(G5), W7, "satisfaction_rate")
    assert df["code"].tolist() == [G5] and pd.isna(df["value"].iloc[0]) and df["n"].tolist() == [0]


def test_attendance_falls_back_to_the_village(city_db):
    df = map_values(CITY, W7, "attendance_rate").set_index("code")
    # G1: its group GR1 held s1 (2 of 3); G4's group GR4 held s6 with no rows yet, so like G2, G3 and G5
    # (no group) it shows its village's own organisations: V1 GB1 s3 (2 of 2), V2 B1 s7 (1 of 2;
    # s5 was on 13 Nov), V3 B3 s2 (2 of 3)
    assert df.loc[[G1, G2, G3, G4, G5], "value"].tolist() == pytest.approx([2 / 3, 1.0, 0.5, 2 / 3, 2 / 3])
    assert df.loc[[G1, G2, G3, G4, G5], "n"].tolist() == [3, 2, 2, 3, 3]
    assert df.loc[[G1, G2, G3, G4, G5], "basis"].tolist() == ["grid", "village", "village", "village", "village"]


def test_attendance_of_one_grid(city_db):
    df = map_values(Scope.grid(G2), W7, "attendance_rate")
    assert df[["code", "value", "n", "basis"]].values.tolist() == [[G2, 1.0, 2, "village"]]
