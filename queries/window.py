"""Window: the period a panel counts over, in whole local calendar days.

A window is half-open, ``start <= t < end``, in naive local wall-clock times
(the same convention as every stored time, see ``queries.schema``).  Both ends
fall on midnight: the rollups count per calendar day, and a window that cut a
day in two could not be answered from them, so the number on a panel and the
list of cases behind it (read from the ``case`` table) would disagree.

>>> from datetime import datetime
>>> w = Window.last_days(7, datetime(2026, 11, 20, 9, 30))
>>> w.start, w.end
(datetime.datetime(2026, 11, 14, 0, 0), datetime.datetime(2026, 11, 21, 0, 0))
>>> w.key, w.days
('2026-11-14..2026-11-20', 7)
>>> parse_window("2026-11-01..2026-11-20", datetime(2026, 11, 20, 9, 30)).days
20
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

MAX_DAYS = 3660  # ten years: a bound so that a typo cannot ask for a century of zero-filled days

_LAST_N = re.compile(r"(\d{1,4})d")
_RANGE = re.compile(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})")


def _midnight(d: date) -> datetime:
    return datetime.combine(d, time.min)


@dataclass(frozen=True)
class Window:
    """Half-open period ``[start, end)`` of whole local days."""

    start: datetime
    end: datetime

    def __post_init__(self):
        for name in ("start", "end"):
            value = getattr(self, name)
            if not isinstance(value, datetime) or value.tzinfo is not None:
                raise ValueError(f"window {name} must be a naive local datetime, not {value!r}")
            if value.time() != time.min:
                raise ValueError(f"window {name} must fall on midnight (rollups count whole days): {value}")
        if not self.start < self.end:
            raise ValueError(f"empty window: {self.start} .. {self.end}")
        if (self.end - self.start).days > MAX_DAYS:
            raise ValueError(f"window longer than {MAX_DAYS} days")

    @classmethod
    def today(cls, now: datetime) -> "Window":
        """The local calendar day of ``now``."""
        return cls.last_days(1, now)

    @classmethod
    def last_days(cls, n: int, now: datetime) -> "Window":
        """``n`` calendar days ending with (and including) the day of ``now``."""
        if n < 1:
            raise ValueError("a window needs at least one day")
        end = _midnight(now.date()) + timedelta(days=1)
        return cls(end - timedelta(days=n), end)

    @classmethod
    def custom(cls, date_from: date, date_to: date) -> "Window":
        """From ``date_from`` to ``date_to``, both days included."""
        if isinstance(date_from, datetime) or isinstance(date_to, datetime):
            date_from, date_to = (d.date() if isinstance(d, datetime) else d for d in (date_from, date_to))
        if date_to < date_from:
            raise ValueError(f"window ends ({date_to}) before it starts ({date_from})")
        return cls(_midnight(date_from), _midnight(date_to) + timedelta(days=1))

    @property
    def start_day(self) -> date:
        """First day in the window."""
        return self.start.date()

    @property
    def end_day(self) -> date:
        """First day *after* the window (exclusive, like ``end``): filter ``day < end_day``."""
        return self.end.date()

    @property
    def last_day(self) -> date:
        """Last day in the window (inclusive), for display."""
        return self.end_day - timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def each_day(self) -> list[date]:
        """Every day of the window in order (for zero-filled series)."""
        return [self.start_day + timedelta(days=i) for i in range(self.days)]

    def previous(self) -> "Window":
        """The window of the same length just before this one (this week -> last week)."""
        return Window(self.start - (self.end - self.start), self.start)

    @property
    def key(self) -> str:
        """Stable text for cache keys and URLs: ``first..last`` day, both included."""
        return f"{self.start_day.isoformat()}..{self.last_day.isoformat()}"

    def __str__(self) -> str:
        return self.key


def parse_window(spec: str, now: datetime) -> Window:
    """Read ``today``, ``<n>d`` (last n days incl. today) or ``YYYY-MM-DD..YYYY-MM-DD``.

    Raises ``ValueError`` on anything else, so a bad URL parameter can be shown
    as such instead of silently becoming another window.
    """
    spec = (spec or "").strip()
    if spec == "today":
        return Window.today(now)
    m = _LAST_N.fullmatch(spec)
    if m:
        return Window.last_days(int(m.group(1)), now)
    m = _RANGE.fullmatch(spec)
    if m:
        return Window.custom(date.fromisoformat(m.group(1)), date.fromisoformat(m.group(2)))
    raise ValueError(f"unknown window {spec!r}: expected 'today', '7d', '30d' or 'YYYY-MM-DD..YYYY-MM-DD'")
