"""Timestamps from other systems, read as naive local wall-clock times of the deployment.

Stored times are naive local times of the deployment's zone (setting
``timezone``, Asia/Shanghai by default).  A time that carries an offset
(``2026-11-20T01:30:00Z``, ``…+08:00``) names an instant, so it is converted
to that zone; a time without one is taken as local already, which is what
every hotline export in China writes.

Accepted, besides ISO 8601::

    2026/11/20 9:30            2026-11-20 09:30:00      2026.11.20 09:30
    2026年11月20日 09:30       2026年11月20日9时30分     2026年11月20日 09:30:15

A date without a time of day is refused: a receipt time of midnight would
put a made-up response time into every figure.  Seconds are kept, fractions
of a second dropped.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

FORMATS_HELP = ("ISO 8601 (2026-11-20T09:30:00, with an offset such as +08:00 or Z converted to local time) "
                "or a local format: 2026/11/20 9:30, 2026-11-20 09:30:00, 2026.11.20 09:30, "
                "2026年11月20日 09:30")

_TIME = re.compile(r"""
    \s*(?P<y>\d{4})\s*[-/.年]\s*(?P<mo>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})
    (?:\s*日\s*|\s*[Tt\s]\s*)
    (?P<h>\d{1,2})\s*[:：时]\s*(?P<mi>\d{1,2})\s*分?
    (?:\s*[:：]?\s*(?P<s>\d{1,2})(?:[.,]\d{1,9})?\s*秒?)?
    \s*(?P<tz>[Zz]|[+-]\d{2}(?::?\d{2})?)?\s*$
""", re.X)
_DATE_ONLY = re.compile(r"\s*\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?\s*$")


class TimeFormatError(ValueError):
    """A value that is not a time we can read; the message says what was expected."""


@lru_cache(maxsize=8)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _offset(text: str) -> timezone:
    if text in ("Z", "z"):
        return timezone.utc
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 23 or minutes > 59:
        raise TimeFormatError(f"bad UTC offset {text!r}")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def to_local(value: datetime, tz: str) -> datetime:
    """An aware time converted to naive local time in ``tz``; a naive one is returned unchanged."""
    if value.tzinfo is not None:
        value = value.astimezone(zone(tz)).replace(tzinfo=None)
    return value.replace(microsecond=0)


def parse_time(value, tz: str) -> datetime:
    """``value`` (text, or a datetime from a spreadsheet) as a naive local time in ``tz``.

    Raises :class:`TimeFormatError` with a message meant for the sender.

    >>> parse_time("2026年11月20日 9时30分", "Asia/Shanghai")
    datetime.datetime(2026, 11, 20, 9, 30)
    >>> parse_time("2026-11-20T01:30:00Z", "Asia/Shanghai")
    datetime.datetime(2026, 11, 20, 9, 30)
    >>> parse_time("2026/11/20 9:30:05", "Asia/Shanghai")
    datetime.datetime(2026, 11, 20, 9, 30, 5)
    """
    if isinstance(value, datetime):
        return to_local(value, tz)
    if not isinstance(value, str):
        raise TimeFormatError(f"expected a time as text, got {type(value).__name__}; use {FORMATS_HELP}")
    m = _TIME.match(value)
    if m is None:
        if _DATE_ONLY.match(value):
            raise TimeFormatError(f"{value!r} has no time of day; give hours and minutes, e.g. 2026-11-20 09:30")
        raise TimeFormatError(f"cannot read {value!r} as a time; use {FORMATS_HELP}")
    g = m.groupdict()
    try:
        out = datetime(int(g["y"]), int(g["mo"]), int(g["d"]), int(g["h"]), int(g["mi"]), int(g["s"] or 0))
    except ValueError as exc:
        raise TimeFormatError(f"{value!r} is not a valid date and time ({exc})") from None
    if g["tz"]:
        out = out.replace(tzinfo=_offset(g["tz"]))
    return to_local(out, tz)


def to_w3(value: datetime | None, tz: str) -> str | None:
    """A stored local time as W3C/ISO 8601 text with the zone's offset (Open311 requires the offset).

    >>> to_w3(datetime(2026, 11, 20, 9, 30), "Asia/Shanghai")
    '2026-11-20T09:30:00+08:00'
    """
    if value is None:
        return None
    return value.replace(microsecond=0, tzinfo=zone(tz)).isoformat(timespec="seconds")


__all__ = ["parse_time", "to_local", "to_w3", "TimeFormatError", "FORMATS_HELP"]
