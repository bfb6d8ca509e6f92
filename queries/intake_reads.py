"""Reads behind the intake API and Open311: filtered, paged case lists, and ids already imported.

Filters are data: a dict of names from :data:`FILTERS` (a whitelist) whose
values become bound parameters against fixed columns.  The reader's limit —
a source token sees its own source's cases — is a required argument
(``source``), not a filter, so no filter can drop it.
Nothing here is cached: an intake client asks for what it just wrote.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection, func, or_, select

from queries.lifecycle import state_clauses
from queries.schema import case, grid, township, village

c = case
#: filter name -> (column, comparison); ``status`` is the one filter that is not a column
FILTERS = {
    "node": (c.c.node, "eq"),
    "category": (c.c.category, "eq"),
    "item": (c.c.item, "eq"),
    "grid_code": (c.c.grid_code, "eq"),
    "village_code": (c.c.village_code, "eq"),
    "township_code": (c.c.township_code, "eq"),
    "source_ref": (c.c.source_ref, "eq"),
    "created_from": (c.c.created_at, "ge"),
    "created_to": (c.c.created_at, "lt"),
    "updated_since": (c.c.updated_at, "ge"),
}
SORTS = {"created_at": c.c.created_at, "updated_at": c.c.updated_at, "id": c.c.id}
LIST_COLUMNS = ("id", "source", "source_ref", "category", "item", "title", "grid_code", "village_code",
                "township_code", "lon", "lat", "node", "level", "department", "created_at", "claimed_at",
                "handled_at", "closed_at", "response_due", "deadline", "escalations", "urges", "rating",
                "rated_at", "verified_at", "reminded_at", "reopens", "updated_at")
REF_CHUNK = 900


def filter_clauses(filters: dict, now: datetime) -> list:
    """``{name: value}`` (names of :data:`FILTERS` and ``status``) as clauses; ``ValueError`` for others."""
    out = []
    for name, value in filters.items():
        if name == "status":
            out += state_clauses(value, now)
            continue
        if name not in FILTERS:
            raise ValueError(f"unknown filter {name!r}")
        column, op = FILTERS[name]
        out.append(column == value if op == "eq" else column >= value if op == "ge" else column < value)
    return out


def list_statements(filters: dict, *, now: datetime, source: str, sort: str = "created_at", desc: bool = True,
                    page: int = 1, page_size: int = 50):
    """(page statement, count statement) for :func:`list_cases`."""
    if sort not in SORTS:
        raise ValueError(f"cannot sort by {sort!r}")
    where = [c.c.source == source, *filter_clauses(filters, now)]
    key = SORTS[sort]
    order = (key.desc(), c.c.id.desc()) if desc else (key.asc(), c.c.id.asc())
    page_stmt = (select(*[c.c[n] for n in LIST_COLUMNS]).where(*where).order_by(*order)
                 .limit(page_size).offset((page - 1) * page_size))
    count_stmt = select(func.count()).select_from(c).where(*where)
    return page_stmt, count_stmt


def list_cases(conn: Connection, filters: dict, *, now: datetime, source: str, sort: str = "created_at",
               desc: bool = True, page: int = 1, page_size: int = 50) -> tuple[list[dict], int]:
    """One page of cases (dicts of :data:`LIST_COLUMNS`) and how many match in all."""
    page_stmt, count_stmt = list_statements(filters, now=now, source=source, sort=sort, desc=desc, page=page,
                                            page_size=page_size)
    rows = [dict(r) for r in conn.execute(page_stmt).mappings()]
    return rows, int(conn.execute(count_stmt).scalar_one())


def open311_statement(*, source: str, ids: list[int] | None = None, categories: Iterable[str] = (),
                      items: Iterable[str] = (), start: datetime | None = None, end: datetime | None = None,
                      statuses: Iterable[str] = (), limit: int = 1000):
    """Cases with the names of their grid, village and township, newest first (GeoReport v2 filters)."""
    g, v, t = grid, village, township
    cols = [c.c[n] for n in LIST_COLUMNS] + [
        g.c.name.label("grid_name"), g.c.name_en.label("grid_name_en"), v.c.name.label("village_name"),
        v.c.name_en.label("village_name_en"), t.c.name.label("township_name"),
        t.c.name_en.label("township_name_en")]
    where = [c.c.source == source]
    if ids is not None:
        where.append(c.c.id.in_(list(ids)))
    else:
        kinds = []
        categories, items = list(categories), list(items)
        if categories and items:
            kinds.append(or_(c.c.category.in_(categories), c.c.item.in_(items)))
        elif categories:
            kinds.append(c.c.category.in_(categories))
        elif items:
            kinds.append(c.c.item.in_(items))
        where += kinds
        if start is not None:
            where.append(c.c.created_at >= start)
        if end is not None:
            where.append(c.c.created_at <= end)
        statuses = list(statuses)
        if statuses == ["open"]:
            where.append(c.c.node != "closed")
        elif statuses == ["closed"]:
            where.append(c.c.node == "closed")
    return (select(*cols)
            .select_from(c.join(g, g.c.code == c.c.grid_code).join(v, v.c.code == c.c.village_code)
                         .join(t, t.c.code == c.c.township_code))
            .where(*where).order_by(c.c.created_at.desc(), c.c.id.desc()).limit(limit))


def open311_rows(conn: Connection, **kwargs) -> list[dict]:
    """:func:`open311_statement` run: a list of dicts."""
    return [dict(r) for r in conn.execute(open311_statement(**kwargs)).mappings()]


def existing_refs(conn: Connection, source: str, refs: Iterable[str]) -> set[str]:
    """The ``source_ref`` values of ``refs`` that ``source`` already has cases for."""
    refs = sorted(set(refs))
    found: set[str] = set()
    for k in range(0, len(refs), REF_CHUNK):
        stmt = select(c.c.source_ref).where(c.c.source == source, c.c.source_ref.in_(refs[k:k + REF_CHUNK]))
        found.update(conn.execute(stmt).scalars())
    return found
