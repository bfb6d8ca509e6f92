"""Request bodies and query strings to write-path inputs, with an error per field.

Every check that needs no database happens here: types, lengths, choices,
times, a point given whole, an item inside its category, a time not in the
future.  What needs the database (does the grid exist, which grid holds the
point, may this event follow the last one) is checked by the write path,
``queries.lifecycle``, which names the field in its own error.

All problems of a body are reported together, so a sender fixes a request
once.  ``lenient`` is for rows read from files: numbers may arrive as text
(``"122.5"``), ids as numbers (``12345.0`` from a spreadsheet) and categories
and items as their Chinese or English labels.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime

from intake.fields import CASE_FIELDS, EVENT_FIELDS, LIST_PARAMS, RATING_FIELDS, Field
from intake.timeparse import TimeFormatError, parse_time
from queries.lifecycle_rules import CLOCK_SKEW, CaseEvent, NewCase
from queries.taxonomy import CATEGORIES, category as category_info, item_category

OLDEST = datetime(2000, 1, 1)
"""Earlier times are typing errors, not cases."""

_LABELS: dict[str, dict[str, str]] = {"category": {}, "item": {}}
for _c in CATEGORIES:
    for _label in (_c.code, _c.zh, _c.en.lower()):
        _LABELS["category"][_label] = _c.code
    for _i in _c.items:
        for _label in (_i.code, _i.zh, _i.en.lower()):
            _LABELS["item"].setdefault(_label, _i.code)


class FieldErrors(ValueError):
    """Input with one or more bad fields: ``errors`` is a list of ``{"field", "message"}``."""

    def __init__(self, errors: list[tuple[str, str]]):
        self.errors = [{"field": f, "message": m} for f, m in errors]
        super().__init__("; ".join(f"{f}: {m}" for f, m in errors))


def _shown(choices: tuple[str, ...], limit: int = 12) -> str:
    head = ", ".join(choices[:limit])
    return head + (f", … ({len(choices)} in all)" if len(choices) > limit else "")


def _text(field: Field, value, lenient: bool):
    if lenient and isinstance(value, float) and value.is_integer():
        value = str(int(value))
    elif lenient and isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError(f"expected text, got {type(value).__name__}")
    value = value.strip()
    if field.max_length is not None and len(value) > field.max_length:
        raise ValueError(f"longer than {field.max_length} characters ({len(value)})")
    return value


def _number(field: Field, value, lenient: bool):
    if lenient and isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise ValueError(f"expected a number, got {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"expected a number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError("expected a finite number")
    if field.minimum is not None and value < field.minimum or field.maximum is not None and value > field.maximum:
        raise ValueError(f"{value} is outside {field.minimum:g}..{field.maximum:g}")
    return value


def _integer(field: Field, value, lenient: bool):
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise ValueError(f"expected a whole number, got {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected a whole number, got {type(value).__name__}")
    if field.minimum is not None and value < field.minimum:
        raise ValueError(f"must be at least {field.minimum:g}")
    if field.maximum is not None and value > field.maximum:
        raise ValueError(f"must be at most {field.maximum:g}")
    return value


def _choice(field: Field, value, lenient: bool):
    if not isinstance(value, str):
        raise ValueError(f"expected one of {_shown(field.choices)}, got {type(value).__name__}")
    value = value.strip()
    if lenient and field.name in _LABELS:
        value = _LABELS[field.name].get(value, _LABELS[field.name].get(value.lower(), value))
    if value not in field.choices:
        raise ValueError(f"unknown {field.name} {value!r}; expected one of {_shown(field.choices)}")
    return value


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (
        isinstance(value, float) and math.isnan(value))


def read_fields(body: Mapping, fields: tuple[Field, ...], tz: str, *, lenient: bool = False,
                refuse_unknown: bool = True) -> tuple[dict, list[tuple[str, str]]]:
    """Check ``body`` against ``fields``: ``(values of the fields given, errors)``.

    A blank value (null, "", whitespace) counts as not given.  Fields not
    declared are errors when ``refuse_unknown`` (request bodies); files and
    query strings ignore them.
    """
    if not isinstance(body, Mapping):
        return {}, [("(body)", "expected a JSON object")]
    errors: list[tuple[str, str]] = []
    known = {f.name: f for f in fields}
    if refuse_unknown:
        errors += [(name, "unknown field; accepted: " + ", ".join(known)) for name in body if name not in known]
    out = {}
    for f in fields:
        value = body.get(f.name)
        if _blank(value):
            if f.required:
                errors.append((f.name, "required"))
            continue
        try:
            if f.kind == "time":
                out[f.name] = parse_time(value, tz)
            else:
                out[f.name] = {"text": _text, "number": _number, "integer": _integer,
                               "choice": _choice}[f.kind](f, value, lenient)
        except (ValueError, TimeFormatError) as exc:
            errors.append((f.name, str(exc)))
            continue
        if f.kind == "text" and f.required and not out[f.name]:
            errors.append((f.name, "required"))
    return out, errors


def check_time(name: str, value: datetime | None, now: datetime, errors: list) -> datetime:
    """``value`` (default ``now``) checked against the clock: not in the future (beyond the write
    path's ``CLOCK_SKEW``), not before 2000."""
    if value is None:
        return now
    if value > now + CLOCK_SKEW:
        errors.append((name, f"{value:%Y-%m-%d %H:%M:%S} is in the future (now {now:%Y-%m-%d %H:%M:%S})"))
    elif value < OLDEST:
        errors.append((name, f"{value:%Y-%m-%d %H:%M:%S} is before {OLDEST:%Y}"))
    return value


def case_values(body: Mapping, *, now: datetime, tz: str, lenient: bool = False, refuse_unknown: bool = True,
                time_required: bool = False) -> dict:
    """The keyword arguments of ``NewCase`` (without ``source``) from a body; raises :class:`FieldErrors`.

    ``time_required``: a missing ``created_at`` is an error instead of now (an imported history has times).
    """
    v, errors = read_fields(body, CASE_FIELDS, tz, lenient=lenient, refuse_unknown=refuse_unknown)
    if time_required and "created_at" not in v and not any(e[0] == "created_at" for e in errors):
        errors.append(("created_at", "required"))
    category = v.get("category")
    item = v.get("item")
    if category and item and item_category(item) != category:
        errors.append(("item", f"item {item!r} is not in category {category!r}"))
    if category and not item:
        item = category_info(category).items[0].code
    if ("lon" in v) != ("lat" in v) and not any(e[0] in ("lon", "lat") for e in errors):
        errors.append(("lat" if "lon" in v else "lon", "give lon and lat together"))
    if "grid_code" not in v and not ("lon" in v and "lat" in v) and not any(
            e[0] in ("lon", "lat", "grid_code") for e in errors):
        errors.append(("grid_code", "give grid_code, or lon and lat to place the case by its point"))
    created_at = check_time("created_at", v.get("created_at"), now, errors)
    if errors:
        raise FieldErrors(errors)
    return dict(source_ref=v["source_ref"], category=category, item=item, title=v.get("title", ""),
                created_at=created_at, grid_code=v.get("grid_code"), lon=v.get("lon"), lat=v.get("lat"),
                actor=v.get("actor", ""), note=v.get("note"))


def new_case(body: Mapping, *, source: str, now: datetime, tz: str):
    """A ``NewCase`` for ``source`` from a JSON body; raises :class:`FieldErrors`."""
    return NewCase(source=source, **case_values(body, now=now, tz=tz))


def case_event(body: Mapping, *, now: datetime, tz: str):
    """A ``CaseEvent`` from a JSON body; raises :class:`FieldErrors`."""
    v, errors = read_fields(body, EVENT_FIELDS, tz)
    at = check_time("at", v.get("at"), now, errors)
    if errors:
        raise FieldErrors(errors)
    return CaseEvent(kind=v["kind"], at=at, actor=v.get("actor", ""), department=v.get("department"),
                     note=v.get("note"))


def rating(body: Mapping, *, now: datetime, tz: str) -> dict:
    """``{"rating", "at", "actor"}`` from a JSON body; raises :class:`FieldErrors`."""
    v, errors = read_fields(body, RATING_FIELDS, tz)
    at = check_time("at", v.get("at"), now, errors)
    if errors:
        raise FieldErrors(errors)
    return {"rating": v["rating"], "at": at, "actor": v.get("actor", "")}


def list_query(args: Mapping, tz: str) -> dict:
    """Filters, order and page of ``GET /api/v1/cases``, defaults applied; raises :class:`FieldErrors`.

    Unknown parameters are refused too: a misspelt filter must not silently list every case.
    """
    given = {k: args.get(k) for k in args}
    v, errors = read_fields(given, LIST_PARAMS, tz)
    if errors:
        raise FieldErrors(errors)
    for f in LIST_PARAMS:
        if f.default is not None:
            v.setdefault(f.name, f.default)
    return v
