"""Open311 GeoReport v2 on our cases: the spec's field names, our taxonomy and nodes.

Mapping (the spec's names on the left):

================== ==============================================================
service_code       an item code (``environment.garbage``): a service is a case
                   type, and ``group`` is its category (大类) — the spec's way of
                   grouping several types under one heading.  As an extension a
                   category code (``environment``) is accepted wherever a
                   service_code is: on POST it files the category's most
                   frequent type, as a filter it means every type of it.
status             ``closed`` at node closed, else ``open``
status_notes       the node (and level when escalated), the rating once rated
service_request_id our case id, as text
description        the case title
agency_responsible the department, else the unit of the case's level
service_notice     the resolution deadline in words
requested_datetime created_at; ``updated_datetime`` the newest event (for a
                   closed request its closing); ``expected_datetime`` the deadline
address            grid, village, township (most specific first);
                   ``address_id`` the grid code; ``zipcode`` and ``media_url`` null
lat / long         the case's point
================== ==============================================================

POST takes the spec's form fields.  ``address_id`` is read as a grid code;
``lat``/``long`` place the request in the grid holding the point; an
``address_string`` alone cannot be placed (no geocoder on an intranet) and
is refused with a 400 naming that.  ``email``, ``device_id``,
``account_id``, ``first_name``, ``last_name``, ``phone``, ``media_url`` and
``attribute[...]`` are accepted and not stored: the case table has no place
for personal data, which stays with the sending system.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, timedelta

from intake.timeparse import TimeFormatError, parse_time, to_w3
from queries.lifecycle_rules import CLOCK_SKEW
from queries.taxonomy import (CATEGORIES, LEVEL_UNITS, department_label, item_label, level_label, node_label,
                              rating_label)

SPEC = "http://wiki.open311.org/GeoReport_v2"
SERVICE_FIELDS = ("service_code", "service_name", "description", "metadata", "type", "keywords", "group")
REQUEST_FIELDS = ("service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                  "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                  "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url")
POST_FIELDS = ("api_key", "jurisdiction_id", "service_code", "lat", "long", "address_string", "address_id",
               "email", "device_id", "account_id", "first_name", "last_name", "phone", "description",
               "media_url")
STATUSES = ("open", "closed")
MAX_SPAN = timedelta(days=90)
MAX_RESULTS = 1000
MAX_DESCRIPTION = 4000

_ITEMS = {i.code: (c, i) for c in CATEGORIES for i in c.items}
_CATEGORIES = {c.code: c for c in CATEGORIES}


class Open311Error(Exception):
    """An error the spec's way: HTTP ``status`` and a ``description`` for the user."""

    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status, self.description = status, description

    def body(self) -> list[dict]:
        return error_body(self.status, self.description)


def error_body(code: int, description: str) -> list[dict]:
    """``[{"code": …, "description": …}]``: the spec's error list."""
    return [{"code": code, "description": description}]


def _pick(zh: str, en: str, lang: str) -> str:
    return zh if lang == "zh" else en


def services(lang: str = "zh") -> list[dict]:
    """Every case type as an Open311 service, grouped by its category."""
    out = []
    for c in CATEGORIES:
        group = _pick(c.zh, c.en, lang)
        for i in c.items:
            out.append({
                "service_code": i.code,
                "service_name": _pick(i.zh, i.en, lang),
                "description": f"{group}: {_pick(i.zh, i.en, lang)}",
                "metadata": False,
                "type": "realtime",
                "keywords": ", ".join(dict.fromkeys((i.zh, i.en, c.zh, c.en))),
                "group": group,
            })
    return out


def status_of(node: str) -> str:
    return "closed" if node == "closed" else "open"


def service_codes(text: str | None) -> tuple[list[str], list[str]]:
    """A comma-separated ``service_code`` filter as (categories, items); 404 names an unknown code."""
    categories, items = [], []
    for code in _split(text):
        if code in _ITEMS:
            items.append(code)
        elif code in _CATEGORIES:
            categories.append(code)
        else:
            raise Open311Error(404, f"service_code {code!r} was not found; see services.json")
    return categories, items


def _split(text: str | None) -> list[str]:
    return [p.strip() for p in (text or "").split(",") if p.strip()]


def _time_arg(args: Mapping, name: str, tz: str) -> datetime | None:
    value = (args.get(name) or "").strip()
    if not value:
        return None
    try:
        return parse_time(value, tz)
    except TimeFormatError as exc:
        raise Open311Error(400, f"{name}: {exc}") from None


def list_args(args: Mapping, *, now: datetime, tz: str) -> dict:
    """The filters of GET requests.json (see the spec): ids, or codes, a span of at most 90 days, statuses.

    ``service_request_id`` overrides every other argument.  Without dates the
    span is the last 90 days; with one date it extends 90 days from it.
    """
    if args.get("service_request_id"):
        ids = []
        for part in _split(args["service_request_id"]):
            if not part.isdigit():
                raise Open311Error(400, f"service_request_id {part!r} is not a request id")
            ids.append(int(part))
        return {"ids": ids[:MAX_RESULTS]}
    categories, items = service_codes(args.get("service_code"))
    start, end = _time_arg(args, "start_date", tz), _time_arg(args, "end_date", tz)
    if start is None and end is None:
        end = now + CLOCK_SKEW
        start = end - MAX_SPAN
    elif start is None:
        start = end - MAX_SPAN
    elif end is None:
        end = start + MAX_SPAN
    if end < start:
        raise Open311Error(400, "end_date is before start_date")
    if end - start > MAX_SPAN:
        raise Open311Error(400, "start_date and end_date may not span more than 90 days")
    statuses = _split(args.get("status"))
    bad = [s for s in statuses if s not in STATUSES]
    if bad:
        raise Open311Error(400, f"status {bad[0]!r} is not open or closed")
    return {"categories": categories, "items": items, "start": start, "end": end,
            "statuses": sorted(set(statuses)) if set(statuses) != set(STATUSES) else []}


def _number(form: Mapping, name: str) -> float | None:
    value = (form.get(name) or "").strip()
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        raise Open311Error(400, f"{name} {value!r} is not a number") from None
    if not math.isfinite(number):
        raise Open311Error(400, f"{name} {value!r} is not a number")
    return number


def post_values(form: Mapping, *, now: datetime) -> dict:
    """The ``NewCase`` keyword arguments (without ``source``) of a POST requests.json form."""
    code = (form.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, "service_code was not provided")
    if code in _ITEMS:
        category, item = _ITEMS[code][0].code, code
    elif code in _CATEGORIES:
        category, item = code, _CATEGORIES[code].items[0].code
    else:
        raise Open311Error(404, f"service_code {code!r} was not found; see services.json")
    lat, lon = _number(form, "lat"), _number(form, "long")
    if (lat is None) != (lon is None):
        raise Open311Error(400, "lat and long both need to be sent")
    address_id = (form.get("address_id") or "").strip() or None
    address = (form.get("address_string") or "").strip()
    if lat is None and address_id is None:
        if address:
            raise Open311Error(400, "address_string alone cannot be placed here: send lat and long, "
                                    "or address_id (a grid code)")
        raise Open311Error(400, "a location is required: lat and long, or address_id (a grid code)")
    description = (form.get("description") or "").strip()
    if len(description) > MAX_DESCRIPTION:
        raise Open311Error(400, f"description is longer than {MAX_DESCRIPTION} characters")
    title = description.splitlines()[0][:200] if description else item_label(item)
    note = "\n".join(p for p in (description, address and f"地址 / address: {address}") if p) or None
    return dict(source_ref=None, category=category, item=item, title=title, created_at=now,
                grid_code=address_id, lon=lon, lat=lat, actor="open311", note=note)


def _status_notes(row: Mapping, lang: str) -> str:
    parts = [node_label(row["node"], lang)]
    if row.get("escalations"):
        parts.append(level_label(row["level"], lang))
    if row.get("rating"):
        parts.append(rating_label(row["rating"], lang))
    return " · ".join(parts)


def _agency(row: Mapping, lang: str) -> str:
    if row.get("department"):
        return department_label(row["department"], lang)
    return LEVEL_UNITS.get(row["level"], "") if lang == "zh" else level_label(row["level"], lang)


def _name(row: Mapping, level: str, lang: str) -> str | None:
    return (lang != "zh" and row.get(f"{level}_name_en")) or row.get(f"{level}_name")


def service_notice(deadline: datetime, lang: str = "zh") -> str:
    """The resolution deadline in words (the spec's "action expected")."""
    return (f"办结时限 {deadline:%Y-%m-%d %H:%M}" if lang == "zh"
            else f"To be resolved by {deadline:%Y-%m-%d %H:%M}")


def request_json(row: Mapping, tz: str, lang: str = "zh") -> dict:
    """One case as a GeoReport v2 service request (every field of ``REQUEST_FIELDS``, in order).

    ``row`` holds the case columns and ``grid_name``, ``village_name``,
    ``township_name`` (and their ``_en`` forms).
    """
    closed = row["node"] == "closed"
    updated = row["closed_at"] if closed and row.get("closed_at") else (row.get("updated_at") or row["created_at"])
    address = ", ".join(n for n in (_name(row, lv, lang) for lv in ("grid", "village", "township")) if n)
    return {
        "service_request_id": str(row["id"]),
        "status": status_of(row["node"]),
        "status_notes": _status_notes(row, lang),
        "service_name": item_label(row["item"], lang),
        "service_code": row["item"],
        "description": row.get("title") or None,
        "agency_responsible": _agency(row, lang),
        "service_notice": None if closed else service_notice(row["deadline"], lang),
        "requested_datetime": to_w3(row["created_at"], tz),
        "updated_datetime": to_w3(updated, tz),
        "expected_datetime": to_w3(row["deadline"], tz),
        "address": address or None,
        "address_id": row["grid_code"],
        "zipcode": None,
        "lat": row.get("lat"),
        "long": row.get("lon"),
        "media_url": None,
    }


__all__ = ["services", "request_json", "service_notice", "post_values", "list_args", "service_codes", "status_of",
           "Open311Error", "error_body", "REQUEST_FIELDS", "SERVICE_FIELDS", "POST_FIELDS"]
