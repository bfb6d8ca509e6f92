"""Scope: the level and code of a view (city, township, village or grid)."""
from __future__ import annotations

import re
from dataclasses import dataclass

_CODE = re.compile(r"[A-Za-z0-9_.-]{0,40}")

LEVELS = ("city", "township", "village", "grid")
CHILD = {"city": "township", "township": "village", "village": "grid", "grid": None}
PARENT = {"city": None, "township": "city", "village": "township", "grid": "village"}


@dataclass(frozen=True, order=True)
class Scope:
    level: str
    code: str = ""

    def __post_init__(self):
        if self.level not in LEVELS:
            raise ValueError(f"unknown scope level {self.level!r}; expected one of {LEVELS}")
        if self.level != "city" and not self.code:
            raise ValueError(f"a {self.level} scope needs a code")
        if not isinstance(self.code, str) or not _CODE.fullmatch(self.code):
            raise ValueError(f"bad scope code {self.code!r}")

    @classmethod
    def city(cls) -> "Scope":
        return cls("city", "")

    @classmethod
    def township(cls, code: str) -> "Scope":
        return cls("township", code)

    @classmethod
    def village(cls, code: str) -> "Scope":
        return cls("village", code)

    @classmethod
    def grid(cls, code: str) -> "Scope":
        return cls("grid", code)

    @classmethod
    def from_dict(cls, d: dict) -> "Scope":
        return cls(d["level"], d.get("code") or "")

    def to_dict(self) -> dict:
        return {"level": self.level, "code": self.code}

    @property
    def key(self) -> str:
        """Stable text used in cache keys (same in every worker)."""
        return f"{self.level}:{self.code}"

    @property
    def child_level(self) -> str | None:
        return CHILD[self.level]

    def column(self) -> str | None:
        """The denormalised column that selects this scope on fact tables."""
        return {"city": None, "township": "township_code", "village": "village_code",
                "grid": "grid_code"}[self.level]
