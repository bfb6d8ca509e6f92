"""Map panel: one value per grid drawn at a scope, and the metrics to choose from.

``map_values`` returns a row for *every* grid drawn at the scope (the city
draws all grids; a township or village its grids; a grid itself), so the map
layer and the values line up one to one and a grid with no cases is drawn as
0 (counts) or unknown (rates, ``n = 0``) rather than missing.

Where each value comes from:

* ``open``, ``overdue``: open cases now, grouped by grid (the open-case index).
* ``received``, ``closure_rate``, ``satisfaction_rate``, ``response_mean``:
  ``case_day`` over the window, grouped by grid.
* ``attendance_rate``: attendance at sessions of the grid's party group in
  the window; a grid with no such attendance rows falls back to its village's
  own organisations (branches, general branch), marked ``basis = "village"``
  (see ``queries.party.attendance_values``).

The same per-area computation serves ``queries.cases.children_ranking`` at
township and village level, so a ranking and a map never disagree.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import Connection, func, select

from queries.cache import panel_query
from queries.filters import (total, area_clauses, day_clauses, frame, local_now, open_case_clauses, scope_clauses,
                             to_minute)
from queries.guard import limited_connection
from queries.party import attendance_values
from queries.schema import case, case_day, grid
from queries.scope import Scope
from queries.window import Window


@dataclass(frozen=True)
class Metric:
    """A map / ranking metric: what the value is and what its basis ``n`` counts."""

    code: str
    label_zh: str
    label_en: str
    kind: str                     # "count", "rate" (0..1) or "minutes"
    higher_is_better: bool | None  # None: neither (e.g. cases received)
    uses_now: bool                # depends on the moment, not on the window
    basis: str                    # what n counts, in English


METRICS: tuple[Metric, ...] = (
    Metric("open", "未结案件", "Open cases", "count", False, True, "open cases now"),
    Metric("overdue", "超时案件", "Overdue cases", "count", False, True, "open cases past their deadline now"),
    Metric("received", "接件数", "Cases received", "count", None, False, "cases received in the window"),
    Metric("closure_rate", "办结率", "Closure rate", "rate", True, False,
           "cases received in the window (closed share of them)"),
    Metric("satisfaction_rate", "满意率", "Satisfaction rate", "rate", True, False,
           "ratings given in the window (satisfied + basically satisfied share)"),
    Metric("response_mean", "平均响应时长", "Mean response time", "minutes", False, False,
           "claims made in the window"),
    Metric("attendance_rate", "参学率", "Study attendance rate", "rate", True, False,
           "attendance rows of study sessions starting in the window (present share)"),
)
METRIC_BY_CODE = {m.code: m for m in METRICS}

# numerator and basis columns of the rollup metrics (value = numerator / basis, or numerator for counts)
ROLLUP_PARTS = {
    "received": (("created",), "created", 1.0),
    "closure_rate": (("at_closed",), "created", 1.0),
    "satisfaction_rate": (("satisfied", "basically_satisfied"), "rated", 1.0),
    "response_mean": (("response_s",), "claimed", 1 / 60.0),
}
VALUE_COLUMNS = ["code", "value", "n", "basis"]


def metric_info(code: str) -> Metric:
    """The metric named ``code``; ``ValueError`` for an unknown one (never reaches SQL)."""
    try:
        return METRIC_BY_CODE[code]
    except KeyError:
        raise ValueError(f"unknown metric {code!r}; expected one of {sorted(METRIC_BY_CODE)}") from None



def rollup_metric_statement(level: str, scope: Scope, window: Window, metric: str):
    """``code, num, den`` per area of ``level`` from ``case_day`` over the window."""
    t = case_day
    nums, den, _ = ROLLUP_PARTS[metric]
    col = t.c[f"{level}_code"]
    num = sum((t.c[n] for n in nums[1:]), t.c[nums[0]])
    return (select(col.label("code"), total(num).label("num"), total(t.c[den]).label("den"))
            .where(*scope_clauses(t, scope), *day_clauses(t, window))
            .group_by(col))


def open_metric_statement(level: str, scope: Scope, metric: str, minute: datetime):
    """``code, num`` per area: open cases now (``open``) or those of them past deadline (``overdue``)."""
    c = case
    col = c.c[f"{level}_code"]
    where = open_case_clauses(scope)
    if metric == "overdue":
        where.append(c.c.deadline < minute)
    return select(col.label("code"), func.count().label("num")).where(*where).group_by(col)


def metric_values(conn: Connection, level: str, scope: Scope, window: Window, metric: str,
                  minute: datetime | None) -> pd.DataFrame:
    """``code, value, n, basis`` per area of ``level`` inside ``scope`` that has data.

    Areas without rows are absent; :func:`fill_missing` completes them.
    """
    m = metric_info(metric)
    if m.code == "attendance_rate":
        return attendance_values(conn, level, scope, window)
    if m.uses_now:
        df = frame(conn, open_metric_statement(level, scope, m.code, minute), ["code", "num"])
        return pd.DataFrame({"code": df["code"], "value": df["num"].astype("int64"),
                             "n": df["num"].astype("int64"), "basis": level})
    df = frame(conn, rollup_metric_statement(level, scope, window, m.code), ["code", "num", "den"])
    num = df["num"].astype("float64")
    den = df["den"].astype("float64")
    if m.kind == "count":
        value = num.astype("int64")
    else:
        scale = ROLLUP_PARTS[m.code][2]
        value = (num * scale / den).where(den > 0)
    return pd.DataFrame({"code": df["code"], "value": value, "n": den.astype("int64"), "basis": level})


def fill_missing(df: pd.DataFrame, metric: str, level: str | None = None) -> pd.DataFrame:
    """Complete areas without data: counts 0, rates and means None (unknown); n = 0."""
    df = df.copy()
    df["n"] = df["n"].fillna(0).astype("int64")
    if metric_info(metric).kind == "count":
        df["value"] = df["value"].fillna(0).astype("int64")
    else:
        df["value"] = df["value"].astype("float64")
    if "basis" in df:
        df["basis"] = df["basis"].astype(object).where(df["basis"].notna(), level)
    return df


def map_values(scope: Scope, window: Window, metric: str, now: datetime | None = None) -> pd.DataFrame:
    """``code, value, n, basis`` for every grid drawn at ``scope``, sorted by code.

    ``value`` is the metric (see ``METRICS``; rates 0..1, means in minutes),
    ``n`` its basis, ``basis`` the area the value was measured on ("grid", or
    "village" for the attendance fallback).  ``now`` (default: local now)
    matters only for open / overdue.
    """
    m = metric_info(metric)
    minute = to_minute(now or local_now()) if m.uses_now else None
    return map_values_at(scope, window, m.code, minute)


@panel_query
def map_values_at(scope: Scope, window: Window, metric: str, minute: datetime | None) -> pd.DataFrame:
    """:func:`map_values` at a given minute (``None`` for window metrics): the cached unit."""
    with limited_connection() as conn:
        grids = frame(conn, select(grid.c.code).where(*area_clauses(grid, scope)).order_by(grid.c.code),
                      ["code"])
        values = metric_values(conn, "grid", scope, window, metric, minute)
    out = fill_missing(grids.merge(values, on="code", how="left"), metric, "grid")
    return out[VALUE_COLUMNS].reset_index(drop=True)
