"""ISO weeks for the weekly briefing: ``2026-W46`` is Monday 00:00 to the next Monday 00:00.

A briefing talks about calendar weeks, not "the last 7 days": an official
compares *week 46* with *week 45*, and the same address must give the same
numbers whichever day it is opened.  A week maps onto a
:class:`~queries.window.Window` (whole local days), so every panel query
answers for it unchanged.

>>> from datetime import datetime
>>> w = parse_week("2026-W46", datetime(2026, 11, 20, 9, 30))
>>> w.window.key, w.previous().key
('2026-11-09..2026-11-15', '2026-W45')
>>> parse_week(None, datetime(2026, 11, 20, 9, 30)).key   # default: the last full week
'2026-W46'
>>> parse_week("", datetime(2026, 11, 16, 0, 0)).key      # Monday 00:00: week 46 has just ended
'2026-W46'
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from queries.window import Window

_WEEK = re.compile(r"(\d{4})-?[Ww](\d{1,2})")


@dataclass(frozen=True, order=True)
class IsoWeek:
    """One ISO week (Monday first; week 1 holds the year's first Thursday)."""

    year: int
    week: int

    def __post_init__(self):
        try:
            date.fromisocalendar(self.year, self.week, 1)
        except ValueError:
            raise ValueError(f"{self.year} has no ISO week {self.week}") from None

    @classmethod
    def containing(cls, day: date) -> "IsoWeek":
        """The week a day falls in (a datetime counts by its date)."""
        if isinstance(day, datetime):
            day = day.date()
        year, week, _ = day.isocalendar()
        return cls(year, week)

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def window(self) -> Window:
        """Monday 00:00 .. next Monday 00:00 (half-open), in local wall-clock time."""
        start = datetime.combine(self.monday, time.min)
        return Window(start, start + timedelta(days=7))

    def previous(self, n: int = 1) -> "IsoWeek":
        """The week ``n`` weeks before this one (``n`` may be 0)."""
        return IsoWeek.containing(self.monday - timedelta(weeks=n))

    @property
    def key(self) -> str:
        """``2026-W46``: the URL parameter and the cache-key text."""
        return f"{self.year}-W{self.week:02d}"

    def __str__(self) -> str:
        return self.key


def last_full_week(now: datetime) -> IsoWeek:
    """The latest week that has ended by ``now`` (the one before the week ``now`` is in)."""
    return IsoWeek.containing(now.date()).previous()


def parse_week(spec: str | None, now: datetime) -> IsoWeek:
    """Read ``YYYY-Www`` (``2026-W46``; ``2026W46`` and a one-digit week are accepted too).

    Empty or ``None`` gives :func:`last_full_week`.  A week that has not
    started yet at ``now`` is refused (it has no data, and a typo should say so
    rather than print an empty briefing); the week in progress is allowed.
    Raises ``ValueError`` with the reason.
    """
    spec = (spec or "").strip()
    if not spec:
        return last_full_week(now)
    m = _WEEK.fullmatch(spec)
    if not m:
        raise ValueError(f"unknown week {spec!r}: expected YYYY-Www, e.g. 2026-W46")
    week = IsoWeek(int(m.group(1)), int(m.group(2)))
    if week.window.start > now:
        raise ValueError(f"week {week.key} has not started yet")
    return week


def in_progress(week: IsoWeek, now: datetime) -> bool:
    """Whether ``now`` falls inside the week (its figures are still growing)."""
    w = week.window
    return w.start <= now < w.end
