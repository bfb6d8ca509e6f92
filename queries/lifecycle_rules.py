"""The case lifecycle as pure functions: what a new case looks like, which event may follow which.

No SQL here: :mod:`queries.lifecycle` loads the case rows, calls
:func:`apply_event` / :func:`new_case_row` on plain dicts and writes the
result.  Keeping the rules pure lets the simulator and the property tests
run them in memory, and makes every refusal happen before anything is
written.  The rules are those of the seed (``queries.seed_cases``) so that
seeded and live cases mean the same; see :mod:`queries.lifecycle` for the
list.

Times are naive local wall-clock times cut to whole seconds: the rollups sum
response seconds, which SQLite computes from whole seconds
(``queries.rollups.seconds_between``), and the seed writes whole seconds too.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from queries.schema import CASE_LEVELS, EVENT_KINDS, RATINGS, SOURCES
from queries.taxonomy import CATEGORY_CODES, DEPARTMENTS, RESPONSE_DUE_HOURS, category, deadline_hours

CLOCK_SKEW = timedelta(minutes=2)
"""How far a reported time may lie ahead of the server's clock (clocks of sources drift)."""
APPEND_KINDS = tuple(k for k in EVENT_KINDS if k != "received")
"""Event kinds :func:`apply_event` takes; ``received`` is written by creating the case."""
LENGTHS = {"source_ref": 64, "title": 200, "actor": 64, "department": 64}
DEPARTMENT_CODES = frozenset(d.code for d in DEPARTMENTS)
STATES = ("open", "closed", "overdue", "reminder_due", "reminded", "escalated", "urged",
          "awaiting_verification", "awaiting_rating", "reopened")
"""The names :func:`case_states` can return (``queries.lifecycle.state_clauses`` has the SQL twin)."""


# --- errors --------------------------------------------------------------------------------------

class _Indexed:
    """Errors of batch writes say which item failed: ``index`` is set, and ``str()`` starts with it."""
    index: int | None = None

    def _prefix(self) -> str:
        return "" if self.index is None else f"item {self.index}: "


class CaseInputError(_Indexed, ValueError):
    """Bad input: ``field`` names the offending field, ``message`` says why."""

    def __init__(self, field: str, message: str):
        super().__init__(field, message)
        self.field, self.message = field, message

    def __str__(self) -> str:
        return f"{self._prefix()}{self.field}: {self.message}"


class TransitionError(_Indexed, ValueError):
    """An event the case's state does not allow; ``rule`` is a short code, ``str()`` names case and rule."""

    def __init__(self, case_id: int | None, rule: str, message: str):
        super().__init__(case_id, rule, message)
        self.case_id, self.rule, self.message = case_id, rule, message

    def __str__(self) -> str:
        return f"{self._prefix()}case {self.case_id}: {self.rule}: {self.message}"


class CaseNotFound(_Indexed, LookupError):
    """No case with this id."""

    def __init__(self, case_id: int):
        super().__init__(case_id)
        self.case_id = case_id

    def __str__(self) -> str:
        return f"{self._prefix()}case {self.case_id} does not exist"


# --- input ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class NewCase:
    """A case as a source reports it; the grid comes from ``grid_code`` or from the point."""
    source: str
    category: str
    created_at: datetime
    source_ref: str | None = None
    item: str | None = None
    title: str = ""
    grid_code: str | None = None
    lon: float | None = None
    lat: float | None = None
    actor: str = ""
    note: str | None = None


@dataclass(frozen=True)
class CaseEvent:
    """One event on an existing case (``kind`` one of :data:`APPEND_KINDS`)."""
    kind: str
    at: datetime
    actor: str = ""
    department: str | None = None
    rating: str | None = None
    note: str | None = None


def whole(t: datetime) -> datetime:
    """``t`` cut to whole seconds (see the module docstring)."""
    return t.replace(microsecond=0) if t.microsecond else t


def _time(field: str, value, now: datetime) -> datetime:
    """A naive datetime not later than ``now`` + :data:`CLOCK_SKEW`, cut to whole seconds."""
    if not isinstance(value, datetime):
        raise CaseInputError(field, f"must be a datetime, got {type(value).__name__}")
    if value.tzinfo is not None:
        raise CaseInputError(field, "must be naive local time (no time zone)")
    if value > now + CLOCK_SKEW:
        raise CaseInputError(field, f"{value:%Y-%m-%d %H:%M:%S} lies in the future (now {now:%Y-%m-%d %H:%M:%S})")
    return whole(value)


def _text(field: str, value, *, optional: bool = True) -> None:
    if value is None and optional:
        return
    if not isinstance(value, str):
        raise CaseInputError(field, "must be text")
    limit = LENGTHS.get(field)
    if limit and len(value) > limit:
        raise CaseInputError(field, f"longer than {limit} characters")


def check_point(lon, lat) -> tuple[float, float] | None:
    """(lon, lat) as floats, None when both are missing; CaseInputError when half or out of range."""
    if lon is None and lat is None:
        return None
    for field, value, limit in (("lon", lon, 180.0), ("lat", lat, 90.0)):
        if value is None:
            raise CaseInputError(field, "missing (give both lon and lat, or neither)")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                or abs(value) > limit:
            raise CaseInputError(field, f"not a coordinate: {value!r}")
    return float(lon), float(lat)


def check_new_case(new: NewCase, now: datetime) -> dict:
    """Validate everything of ``new`` but its place; returns the row without grid and id."""
    if new.source not in SOURCES:
        raise CaseInputError("source", f"unknown source {new.source!r} (one of {', '.join(SOURCES)})")
    if new.category not in CATEGORY_CODES:
        raise CaseInputError("category", f"unknown category {new.category!r}")
    items = [i.code for i in category(new.category).items]
    item = items[0] if new.item is None else new.item
    if item not in items:
        raise CaseInputError("item", f"{item!r} is not an item of category {new.category!r}")
    for field in ("source_ref", "title", "actor", "note"):
        _text(field, getattr(new, field), optional=field in ("source_ref", "note"))
    if new.source_ref is not None and not new.source_ref.strip():
        raise CaseInputError("source_ref", "empty")
    created = _time("created_at", new.created_at, now)
    return {
        "source": new.source, "source_ref": new.source_ref, "category": new.category, "item": item,
        "title": new.title, "node": "received", "level": "village", "department": None,
        "created_at": created, "claimed_at": None, "handled_at": None, "closed_at": None,
        "response_due": created + timedelta(hours=RESPONSE_DUE_HOURS),
        "deadline": created + timedelta(hours=deadline_hours(new.category, "village")),
        "escalations": 0, "urges": 0, "rating": None, "rated_at": None, "verified_at": None,
        "reminded_at": None, "reopens": 0, "updated_at": created,
    }


def received_event(row: dict, new: NewCase) -> dict:
    """The ``received`` event row that opens the trail of a new case (seq 1)."""
    return {"seq": 1, "kind": "received", "at": row["created_at"], "actor": new.actor, "level": "village",
            "department": None, "note": new.note}


# --- transitions ---------------------------------------------------------------------------------

def _check_event(ev: CaseEvent, now: datetime) -> datetime:
    if ev.kind not in APPEND_KINDS:
        hint = " (a case is received by creating it)" if ev.kind == "received" else ""
        raise CaseInputError("kind", f"unknown event kind {ev.kind!r}{hint}")
    _text("actor", ev.actor, optional=False)
    _text("note", ev.note)
    if ev.kind == "rate":
        if ev.rating not in RATINGS:
            raise CaseInputError("rating", f"{ev.rating!r} is not a rating (one of {', '.join(RATINGS)})")
    elif ev.rating is not None:
        raise CaseInputError("rating", "only a rate event carries a rating")
    if ev.department is not None and ev.kind != "escalate":
        raise CaseInputError("department", "only an escalation carries a department")
    return _time("at", ev.at, now)


def verified_since_handled(row: dict) -> bool:
    return row["verified_at"] is not None and row["handled_at"] is not None \
        and row["verified_at"] >= row["handled_at"]


def rated_since_closed(row: dict) -> bool:
    return row["rated_at"] is not None and row["closed_at"] is not None and row["rated_at"] >= row["closed_at"]


def apply_event(row: dict, ev: CaseEvent, now: datetime) -> tuple[dict, dict]:
    """The case row after ``ev`` and the event's own columns; raises before anything changes.

    Returns ``(new_row, event)`` where ``event`` holds kind, at, actor, level,
    department and note (the event row without case id and seq).  ``row`` is
    not modified.
    """
    at = _check_event(ev, now)
    cid, kind, node = row.get("id"), ev.kind, row["node"]

    def refuse(rule: str, message: str):
        raise TransitionError(cid, rule, message)

    if row["updated_at"] is not None and at < row["updated_at"]:
        refuse("out_of_time_order", f"{kind} at {at:%Y-%m-%d %H:%M:%S} is older than the case's last event "
                                    f"({row['updated_at']:%Y-%m-%d %H:%M:%S})")
    if node == "closed" and kind not in ("rate", "reopen"):
        refuse("closed_case", f"{kind} on a closed case (only rate, or reopen after a dissatisfied rating)")
    new = dict(row)
    new["updated_at"] = at
    note = ev.note
    if kind == "claimed":
        if node != "received":
            refuse("claim_not_received", f"only a received case can be claimed; it is {node}")
        new.update(node="claimed", claimed_at=at)
    elif kind == "dispatched":
        if node == "received":
            refuse("dispatch_before_claim", "a case is claimed before it is dispatched")
        if node == "handled":
            refuse("dispatch_after_handled", "the case is handled already; close it or wait for a reopening")
        new["node"] = "dispatched"
    elif kind == "handled":
        if node == "handled":
            refuse("handled_twice", "the case is handled already")
        if node != "dispatched":
            refuse("handle_before_dispatch", f"a case is dispatched before it is handled; it is {node}")
        new.update(node="handled", handled_at=at)
    elif kind == "verify":
        if node != "handled":
            refuse("verify_before_handled", f"on-site verification follows the handling; the case is {node}")
        new["verified_at"] = at
    elif kind == "closed":
        if node != "handled":
            refuse("close_before_handled", f"only a handled case can be closed; it is {node}")
        if not verified_since_handled(row):
            refuse("close_before_verified", "the grid worker verifies the handling on site before closing")
        new.update(node="closed", closed_at=at)
    elif kind == "escalate":
        new.update(_escalate(row, ev, at, refuse))
    elif kind == "urge":
        new["urges"] = row["urges"] + 1
    elif kind == "remind":
        if row["claimed_at"] is not None:
            refuse("remind_after_claim", "the case is claimed; no reminder is due")
        if at < row["response_due"]:
            refuse("remind_before_due", f"a reminder is due from {row['response_due']:%Y-%m-%d %H:%M:%S}")
        if row["reminded_at"] is not None:
            refuse("reminded_twice", f"reminded already at {row['reminded_at']:%Y-%m-%d %H:%M:%S}")
        new["reminded_at"] = at
    elif kind == "rate":
        if node != "closed":
            refuse("rate_before_closed", f"a case is rated when it is closed; it is {node}")
        if rated_since_closed(row):
            refuse("rated_twice", f"rated already ({row['rating']}) since it was closed")
        new.update(rating=ev.rating, rated_at=at)
        note = ev.rating          # the seed's convention: a rate event's note holds the rating code
    elif kind == "reopen":
        if node != "closed":
            refuse("reopen_not_closed", f"only a closed case can be reopened; it is {node}")
        if not rated_since_closed(row) or row["rating"] != "dissatisfied":
            refuse("reopen_not_dissatisfied", "only a case rated dissatisfied since its closing is reopened")
        if at <= row["rated_at"]:
            refuse("out_of_time_order", "a reopening comes after the rating (strictly later)")
        new.update(node="dispatched", closed_at=None, reopens=row["reopens"] + 1)
    return new, {"kind": kind, "at": at, "actor": ev.actor, "level": new["level"],
                 "department": new["department"], "note": note}


def _escalate(row: dict, ev: CaseEvent, at: datetime, refuse) -> dict:
    level = row["level"]
    if level == CASE_LEVELS[-1]:
        refuse("escalate_above_department", "the case is with a department already: the top level")
    up = CASE_LEVELS[CASE_LEVELS.index(level) + 1]
    if up == "department":
        if ev.department is None:
            raise CaseInputError("department", "an escalation to department level names the department")
        if ev.department not in DEPARTMENT_CODES:
            raise CaseInputError("department", f"unknown department {ev.department!r}")
    elif ev.department is not None:
        raise CaseInputError("department", f"the case goes up to {up} level, not to a department "
                                           "(a department is named at the last escalation)")
    return {"level": up, "department": ev.department, "escalations": row["escalations"] + 1,
            "deadline": at + timedelta(hours=deadline_hours(row["category"], up))}


# --- states --------------------------------------------------------------------------------------

def case_states(case_row: dict, now: datetime) -> set[str]:
    """The states of a case at ``now`` (names in :data:`STATES`).

    ``overdue``: open and past ``deadline``; ``reminder_due``: open, never
    claimed and past ``response_due`` — the same tests as
    ``queries.cases.overdue_clauses`` / ``reminder_clauses``, which the panels
    and the map count with.
    """
    r = case_row
    states = set()
    if r["closed_at"] is None:
        states.add("open")
        if r["deadline"] < now:
            states.add("overdue")
        if r["claimed_at"] is None and r["response_due"] < now:
            states.add("reminder_due")
        if r["node"] == "handled" and not verified_since_handled(r):
            states.add("awaiting_verification")
    else:
        states.add("closed")
        if not rated_since_closed(r):
            states.add("awaiting_rating")
    for name, flag in (("reminded", r["reminded_at"] is not None), ("escalated", r["escalations"] > 0),
                       ("urged", r["urges"] > 0), ("reopened", r["reopens"] > 0)):
        if flag:
            states.add(name)
    return states
