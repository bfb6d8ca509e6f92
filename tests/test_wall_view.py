"""The wall's address and its small formatters, without a server (see tests/browser/test_wall.py)."""
from __future__ import annotations

from datetime import datetime

from dashboards.wall_panels import fmt_age, fmt_delta, fmt_duration
from dashboards.wall_settings import WallSettings, next_stop, wall_href
from queries.scope import Scope

TOWNS = ["210882001", "210882002", "210882003"]


def test_settings_come_from_the_address_and_bad_values_fall_back():
    s = WallSettings.from_query({"m": "overdue", "w": "30d", "lang": "en", "rotate": "township", "dwell": "7",
                                 "refresh": "10", "step": "3"})
    assert s == WallSettings("en", "overdue", "30d", True, 7, 10, 3)
    bad = WallSettings.from_query({"m": "nope", "w": "custom", "lang": "fr", "rotate": "yes", "dwell": "x",
                                   "refresh": "0", "step": "999"})
    assert bad == WallSettings("zh", "open", "7d", False, 20, 2, 60)
    assert WallSettings.from_query({"dwell": "1"}).dwell_s == 2  # a screen cannot flicker through the tour


def test_the_tour_goes_city_then_every_township_then_back():
    assert next_stop(Scope.city(), TOWNS) == (Scope.township(TOWNS[0]), 1)
    assert next_stop(Scope.township(TOWNS[0]), TOWNS) == (Scope.township(TOWNS[1]), 2)
    assert next_stop(Scope.township(TOWNS[2]), TOWNS) == (Scope.city(), 4)
    # a village is on no tour: it would go to the city, and the wall does not rotate from it
    assert next_stop(Scope.village(TOWNS[0] + "001"), TOWNS)[1] == 0


def test_the_next_address_keeps_the_screen_settings_only():
    query = {"rotate": "township", "dwell": "5", "m": "overdue", "lang": "en", "w": "7d", "junk": "1"}
    assert wall_href(Scope.township(TOWNS[1]), query) == \
        "/wall/township/210882002?lang=en&m=overdue&w=7d&rotate=township&dwell=5"
    assert wall_href(Scope.city(), {}) == "/wall"


def _text(component) -> str:
    parts = component.children if isinstance(component.children, list) else [component.children]
    return "".join(p if isinstance(p, str) else _text(p) for p in parts)


def test_change_against_yesterday_says_direction_size_and_whether_it_is_good_news():
    worse = fmt_delta(12, 10, "count", False, "zh")          # more open cases: bad
    assert "▲ 2" in _text(worse) and "gb-bad" in worse.className
    better = fmt_delta(0.95, 0.9, "rate", True, "en")      # satisfaction up 5 points: good
    assert "▲ 5.0 pts" in _text(better) and "gb-good" in better.className
    faster = fmt_delta(30.0, 45.0, "minutes", False, "zh")  # response 15 minutes faster: good
    assert "▼ 15 分钟" in _text(faster) and "gb-good" in faster.className
    assert "gb-flat" in fmt_delta(3, 3, "count", True, "zh").className
    assert "—" in _text(fmt_delta(None, 0.5, "rate", True, "zh"))  # no basis: no change to tell


def test_durations_and_ages():
    assert fmt_duration(45, "zh") == "45分钟"
    assert fmt_duration(150, "en") == "2.5 h"
    assert fmt_duration(3 * 1440, "zh") == "3.0天"
    now = datetime(2026, 11, 20, 10, 30)
    assert fmt_age(datetime(2026, 11, 20, 10, 29, 40), now, "zh") == "刚刚"
    assert fmt_age(datetime(2026, 11, 20, 7, 0), now, "zh") == "4小时前"  # 3.5 h, whole hours in the ticker
    assert fmt_age(datetime(2026, 11, 17, 10, 30), now, "en") == "3 d ago"
