"""Windows: whole local days, half-open, with stable keys."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from queries.window import Window, parse_window

NOW = datetime(2026, 11, 20, 10, 0, 30)


def test_today():
    w = Window.today(NOW)
    assert (w.start, w.end) == (datetime(2026, 11, 20), datetime(2026, 11, 21))
    assert (w.start_day, w.end_day, w.last_day, w.days) == (date(2026, 11, 20), date(2026, 11, 21),
                                                            date(2026, 11, 20), 1)
    assert w.key == "2026-11-20..2026-11-20"


def test_last_days_includes_today():
    w = Window.last_days(7, NOW)
    assert (w.start, w.end) == (datetime(2026, 11, 14), datetime(2026, 11, 21))
    assert w.each_day()[0] == date(2026, 11, 14) and len(w.each_day()) == 7
    assert w.previous() == Window.custom(date(2026, 11, 7), date(2026, 11, 13))


def test_last_days_across_a_month_end():
    w = Window.last_days(30, datetime(2026, 3, 1, 23, 59))
    assert (w.start_day, w.last_day) == (date(2026, 1, 31), date(2026, 3, 1))


def test_custom_includes_both_days():
    w = Window.custom(date(2026, 11, 1), date(2026, 11, 20))
    assert (w.start, w.end, w.days) == (datetime(2026, 11, 1), datetime(2026, 11, 21), 20)


def test_key_is_stable_within_the_day():
    assert Window.today(NOW).key == Window.today(NOW.replace(hour=23, minute=59)).key


@pytest.mark.parametrize("spec, first, last", [
    ("today", date(2026, 11, 20), date(2026, 11, 20)),
    ("7d", date(2026, 11, 14), date(2026, 11, 20)),
    ("30d", date(2026, 10, 22), date(2026, 11, 20)),
    ("2026-11-01..2026-11-20", date(2026, 11, 1), date(2026, 11, 20)),
])
def test_parse_window(spec, first, last):
    w = parse_window(spec, NOW)
    assert (w.start_day, w.last_day) == (first, last)
    assert parse_window(w.key, NOW) == w  # a key reads back as the same window


@pytest.mark.parametrize("spec", ["", "yesterday", "0d", "7", "2026-11-20..2026-11-01", "2026-13-01..2026-13-02",
                                  "99999d"])
def test_bad_windows_are_refused(spec):
    with pytest.raises(ValueError):
        parse_window(spec, NOW)


def test_windows_fall_on_midnight():
    with pytest.raises(ValueError):
        Window(datetime(2026, 11, 20, 9), datetime(2026, 11, 21))
