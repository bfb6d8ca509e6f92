"""Cases as JSON for the intake API: the columns of ``intake.fields.CASE_OUT``, times with their offset.

Stored times are naive local times; in answers they carry the deployment's
offset (``2026-11-20T09:30:00+08:00``) so that a client in another zone, or
one that stores UTC, reads the instant right.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from intake.fields import CASE_OUT, EVENT_OUT
from intake.timeparse import to_w3


def _value(value, tz: str):
    return to_w3(value, tz) if isinstance(value, datetime) else value


def case_json(row: Mapping, tz: str, *, states=None, events=None) -> dict:
    """One case: its documented columns, then ``states`` and ``events`` when given."""
    out = {name: _value(row.get(name), tz) for name in CASE_OUT}
    if states is not None:
        out["states"] = sorted(states)
    if events is not None:
        out["events"] = [{name: _value(e.get(name), tz) for name in EVENT_OUT} for e in events]
    return out
