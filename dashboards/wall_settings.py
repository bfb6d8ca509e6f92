"""What a wall's address asks for, and where its tour goes next (see ``dashboards.wall``)."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from dashboards.command import DEFAULT_METRIC, METRIC_BY_CODE
from dashboards.i18n import norm_lang
from queries.scope import Scope

WALL_WINDOWS = ("today", "7d", "30d")
# parameters a rotating screen carries from stop to stop ("token": the kiosk login of a later release)
WALL_PARAMS = ("lang", "m", "w", "rotate", "dwell", "refresh", "step", "token")


def _bounded_int(raw, default: int, low: int, high: int) -> int:
    try:
        return min(max(int(float(raw)), low), high)
    except (TypeError, ValueError):
        return default


@dataclass(frozen=True)
class WallSettings:
    """What the address asks of the screen (see the module table); bad values fall back to defaults."""

    lang: str
    metric: str
    window: str
    rotate: bool
    dwell_s: int
    refresh_s: int
    step_s: int

    @classmethod
    def from_query(cls, query: dict) -> "WallSettings":
        return cls(
            lang=norm_lang(query.get("lang")),
            metric=query.get("m") if query.get("m") in METRIC_BY_CODE else DEFAULT_METRIC,
            window=query.get("w") if query.get("w") in WALL_WINDOWS else "7d",
            rotate=query.get("rotate") == "township",
            dwell_s=_bounded_int(query.get("dwell"), 20, 2, 3600),
            refresh_s=_bounded_int(query.get("refresh"), 30, 2, 600),
            step_s=_bounded_int(query.get("step"), 4, 1, 60),
        )


def wall_path(scope: Scope) -> str:
    return "/wall" if scope.level == "city" else f"/wall/{scope.level}/{scope.code}"


def wall_href(scope: Scope, query: dict) -> str:
    keep = {k: query[k] for k in WALL_PARAMS if query.get(k)}
    return wall_path(scope) + (("?" + urlencode(keep)) if keep else "")


def rotation_stops(townships: list[str]) -> list[Scope]:
    """The tour: the city, then every township in code order, then the city again."""
    return [Scope.city(), *(Scope.township(c) for c in townships)]


def next_stop(scope: Scope, townships: list[str]) -> tuple[Scope, int]:
    """The stop after ``scope`` and the 1-based position of ``scope`` in the tour (0: not on it)."""
    stops = rotation_stops(townships)
    if scope not in stops:
        return Scope.city(), 0
    i = stops.index(scope)
    return stops[(i + 1) % len(stops)], i + 1
