"""Case generation for the demo seed: pure numpy, no database.

Every case is generated as a *planned* life — 20 event slots (received,
remind, claimed, three escalations, dispatched, three urges, handled, verify,
closed, rate, and a second round after a reopen) with a time each, or
``NEVER`` — and then cut at ``now``: the events at or before ``now`` are what
happened, so recent cases naturally sit at early nodes and slow ones are open
and overdue.  The ``case`` columns are then derived from the kept events by
the rules below, which the tests replay independently:

* ``node``: the last node event (received, claimed, dispatched, handled,
  closed); ``reopen`` puts the case back to ``dispatched``.
* ``level`` / ``department``: set by the last ``escalate`` event (village and
  none without one); an escalate event carries the new level.
* ``claimed_at``: the first ``claimed``; ``handled_at``: the last ``handled``;
  ``closed_at``: the last ``closed`` if the node is ``closed``, else NULL.
* ``escalations`` / ``urges``: the number of escalate / urge events.
* ``rating`` / ``rated_at``: the last ``rate`` event; its ``note`` holds the
  rating code.
* ``response_due`` = ``created_at`` + ``RESPONSE_DUE_HOURS``; a ``remind``
  event is written at ``response_due`` when nobody had claimed by then.
* ``deadline`` = (the last escalation's time, else ``created_at``) +
  ``deadline_hours(category, level)`` at the current level.

Times are whole seconds (``int64`` seconds since 1970 of naive local time).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import shapely

from queries.schema import CASE_LEVELS, NODES, RATINGS
from queries.taxonomy import (CATEGORIES, DEPARTMENTS, LEVEL_UNITS, RESPONSE_DUE_HOURS, SOURCES_INFO,
                              departments_for)

NEVER = np.int64(2 ** 62)
"""Time of an event that does not happen: later than any ``now``."""
DAY = 86_400
HOUR = 3_600
EPOCH = datetime(1970, 1, 1)

# the planned life of a case, in causal order; times grow along each chain
SLOT_KINDS = ("received", "remind", "claimed", "escalate", "escalate", "escalate", "dispatched",
              "urge", "urge", "urge", "handled", "verify", "closed", "rate",
              "reopen", "dispatched", "handled", "verify", "closed", "rate")
S_RECEIVED, S_REMIND, S_CLAIMED, S_ESC, S_DISPATCHED, S_URGE = 0, 1, 2, 3, 6, 7
S_HANDLED, S_VERIFY, S_CLOSED, S_RATE, S_REOPEN = 10, 11, 12, 13, 14
S_DISPATCHED2, S_HANDLED2, S_VERIFY2, S_CLOSED2, S_RATE2 = 15, 16, 17, 18, 19
NODE_SLOTS = np.array([0, 2, 6, 10, 12, 14, 15, 16, 18])
NODE_OF_SLOT = np.array([0, 1, 2, 3, 4, 2, 2, 3, 4])  # index into NODES; reopen -> dispatched

# hour-of-day profiles per source (relative); the mixture peaks 9-11 and 14-17
HOUR_PROFILES = {
    "hotline": (0.15, 0.1, 0.08, 0.08, 0.1, 0.2, 0.5, 1.0, 1.8, 2.4, 2.5, 2.0,
                1.2, 1.3, 2.0, 2.3, 2.2, 1.8, 1.2, 1.0, 0.9, 0.7, 0.45, 0.25),
    # grid workers report what they find on their two patrols
    "patrol": (0, 0, 0, 0, 0, 0, 0.1, 0.8, 2.2, 2.8, 2.4, 1.2, 0.3, 0.5, 1.8, 2.6, 2.5, 1.4, 0.3, 0, 0, 0, 0, 0),
    "chat_group": (0.3, 0.15, 0.08, 0.05, 0.05, 0.1, 0.4, 1.0, 1.6, 1.9, 1.8, 1.4,
                   1.1, 1.2, 1.5, 1.6, 1.5, 1.3, 1.3, 1.5, 1.6, 1.3, 0.9, 0.5),
    # office hours only
    "service_hall": (0, 0, 0, 0, 0, 0, 0, 0, 1.0, 2.6, 2.8, 2.2, 0.2, 1.2, 2.5, 2.6, 2.3, 1.0, 0, 0, 0, 0, 0, 0),
    "photo": (0.1, 0.05, 0.03, 0.03, 0.05, 0.1, 0.4, 1.2, 1.6, 1.6, 1.5, 1.3,
              1.2, 1.2, 1.4, 1.5, 1.5, 1.6, 1.5, 1.2, 0.9, 0.6, 0.3, 0.2),
}
HOLIDAYS = {(1, 1), (5, 1), (5, 2), (5, 3), (5, 4), (5, 5)} | {(10, d) for d in range(1, 8)}
WEEKEND_FACTOR = 0.7
GRID_TYPE_WEIGHT = {"urban_rural": 1.0, "school": 0.35, "enterprise": 0.45}
LEVEL_HANDLING_FACTOR = np.array([1.0, 1.2, 1.4, 1.8])  # higher levels take longer
ESCALATE_SHARE = 0.15          # village -> township
ESCALATE_ON = (0.40, 0.50)     # of those, on to city (6%), and of those on to a department (3%)
URGED_SHARE = 0.7              # overdue cases a supervisor urges
REOPEN_SHARE = 0.03            # dissatisfied cases reopened and handled again
BASIC_SHARE = 0.14             # basically satisfied among rated cases
DISSATISFIED_BASE = 0.03       # before the township, overdue and escalation factors
SOURCE_ACTORS = {"hotline": "8890热线", "chat_group": "微信群", "service_hall": "服务大厅", "photo": "随手拍"}
TITLE_PREFIX = {"hotline": "来电反映", "patrol": "巡查发现", "chat_group": "群众反映",
                "service_hall": "窗口受理", "photo": "随手拍："}


@dataclass(frozen=True)
class CityModel:
    """Per-grid figures for the case generator (arrays aligned with ``grid_codes``)."""
    grid_codes: np.ndarray
    village_codes: np.ndarray
    township_codes: np.ndarray
    geoms: np.ndarray
    bounds: np.ndarray
    weight: np.ndarray               # probability that a case falls in the grid
    claim_median_h: np.ndarray
    neglect: np.ndarray              # share claimed only after the reminder
    handle_factor: np.ndarray
    stuck: np.ndarray                # share that stalls for weeks
    dissatisfied_factor: np.ndarray
    rated: np.ndarray                # share of closed cases the resident rates
    escalate_factor: np.ndarray
    worker_names: np.ndarray         # object array: the grid worker, actor of patrol reports and verifications
    hot_townships: tuple[str, ...]
    poor_townships: tuple[str, ...]


def _lognormal(rng, median, sigma, size=None):
    return rng.lognormal(np.log(median), sigma, size)


def pick_townships(townships: list[str], rng) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Choose disjoint "hot spot" and "poor performer" townships (2-3 each in a city of 17)."""
    n = len(townships)
    k = int(np.clip(round(0.15 * n), 1, 3))
    order = [townships[i] for i in rng.permutation(n)]
    return tuple(sorted(order[:k])), tuple(sorted(order[k:2 * k]))


def city_model(grids: pd.DataFrame, worker_names: np.ndarray, rng) -> CityModel:
    """Weights and performance of every grid: township hot spots and poor performers, village noise.

    ``grids`` is :func:`queries.tree.read_grids`; ``worker_names`` aligns with it.
    """
    towns = sorted(grids.township_code.unique())
    hot, poor = pick_townships(towns, rng)
    t_idx = np.searchsorted(np.array(towns), grids.township_code.to_numpy())
    villages = sorted(grids.village_code.unique())
    v_idx = np.searchsorted(np.array(villages), grids.village_code.to_numpy())
    nt, nv, ng = len(towns), len(villages), len(grids)
    is_poor = np.isin(np.array(towns), poor)[t_idx]

    t_volume = _lognormal(rng, 1.0, 0.15, nt)
    t_volume[np.isin(towns, hot)] *= rng.uniform(1.9, 2.4, len(hot))
    area = np.maximum(grids.area_km2.to_numpy(), 1e-4)
    weight = (np.array([GRID_TYPE_WEIGHT.get(t, 1.0) for t in grids.grid_type])
              * (area / np.median(area)) ** 0.2 * t_volume[t_idx]
              * _lognormal(rng, 1.0, 0.35, nv)[v_idx] * _lognormal(rng, 1.0, 0.25, ng))

    def perf(good_median, poor_value, t_sigma, v_sigma):
        """Township figure (poor performers get ``poor_value``) times village noise."""
        t = _lognormal(rng, good_median, t_sigma, nt)[t_idx]
        t = np.where(is_poor, poor_value, t)
        return t * _lognormal(rng, 1.0, v_sigma, nv)[v_idx]

    geoms = grids.geometry.to_numpy()
    shapely.prepare(geoms)   # many contains_xy calls follow
    return CityModel(
        grid_codes=grids.code.to_numpy(dtype=object), village_codes=grids.village_code.to_numpy(dtype=object),
        township_codes=grids.township_code.to_numpy(dtype=object), geoms=geoms,
        bounds=shapely.bounds(geoms), weight=weight / weight.sum(),
        claim_median_h=perf(0.8, 1.7, 0.12, 0.10),
        neglect=perf(0.025, 0.075, 0.2, 0.15),
        handle_factor=perf(1.0, 1.5, 0.12, 0.10),
        stuck=perf(0.04, 0.075, 0.2, 0.15),
        dissatisfied_factor=perf(1.0, 3.0, 0.15, 0.15),
        rated=np.clip(perf(0.87, 0.80, 0.02, 0.02), 0, 1),
        escalate_factor=perf(1.0, 1.25, 0.08, 0.05),
        worker_names=np.asarray(worker_names, dtype=object),
        hot_townships=hot, poor_townships=poor,
    )


def sample_points(geoms: np.ndarray, bounds: np.ndarray, which: np.ndarray, rng,
                  max_rounds: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """Uniform points inside ``geoms[which]``: rejection sampling in each bounding box.

    All points are drawn at once and only the rejected ones are redrawn, so the
    cost is a few vectorised ``shapely.contains_xy`` calls.  A polygon that
    fills a tiny part of its box and still rejects after ``max_rounds`` gets its
    representative point.
    """
    n = len(which)
    lon, lat = np.empty(n), np.empty(n)
    todo = np.arange(n)
    for _ in range(max_rounds):
        if not len(todo):
            break
        b = bounds[which[todo]]
        x = b[:, 0] + rng.random(len(todo)) * (b[:, 2] - b[:, 0])
        y = b[:, 1] + rng.random(len(todo)) * (b[:, 3] - b[:, 1])
        ok = shapely.contains_xy(geoms[which[todo]], x, y)
        lon[todo[ok]], lat[todo[ok]] = x[ok], y[ok]
        todo = todo[~ok]
    if len(todo):
        pts = shapely.point_on_surface(geoms[which[todo]])
        lon[todo], lat[todo] = shapely.get_x(pts), shapely.get_y(pts)
    return lon, lat


# --- the calendar --------------------------------------------------------------------------------

@dataclass(frozen=True)
class DayPlan:
    """How many cases start on each day and their category mix."""
    starts: np.ndarray      # int64 seconds of each day's midnight
    cuts: np.ndarray        # seconds into the day when cases stop (``now`` on the last day)
    counts: np.ndarray
    category_cum: np.ndarray  # (days, categories) cumulative probabilities


def to_seconds(t: datetime) -> int:
    return int((t - EPOCH).total_seconds())


def _hour_mixture() -> tuple[np.ndarray, np.ndarray]:
    """(source shares x normalised hour profiles) and the cumulative mass at each hour boundary."""
    prof = np.array([HOUR_PROFILES[s.code] for s in SOURCES_INFO], dtype=float)
    prof /= prof.sum(1, keepdims=True)
    joint = prof * np.array([s.share for s in SOURCES_INFO])[:, None]    # (sources, 24)
    mass = joint.sum(0)
    return joint, np.concatenate([[0.0], np.cumsum(mass) / mass.sum()])


def category_weights(day: date) -> np.ndarray:
    """Relative frequency of each category on ``day`` (base weight x the month's season factor)."""
    return np.array([c.weight * c.season[day.month - 1] for c in CATEGORIES])


def plan_days(now: datetime, days: int, cases: int, rng) -> DayPlan:
    """Split ``cases`` over the ``days`` calendar days ending today (today only up to ``now``).

    A day's weight: weekends and public holidays 70%, a mild per-week and
    per-day noise, the season (the category weights of its month) and, for
    today, the share of the daily hour profile already past.
    """
    first = datetime.combine(now.date(), datetime.min.time()) - timedelta(days=days - 1)
    dates = [first.date() + timedelta(days=i) for i in range(days)]
    starts = np.array([to_seconds(first) + i * DAY for i in range(days)], dtype=np.int64)
    cuts = np.full(days, DAY, dtype=np.int64)
    cuts[-1] = to_seconds(now) - starts[-1]
    _, cum = _hour_mixture()
    edges = np.arange(25) * HOUR
    past = np.interp(cuts, edges, cum)
    off = np.array([d.weekday() >= 5 or (d.month, d.day) in HOLIDAYS for d in dates])
    weeks = np.array([(d - dates[0]).days // 7 for d in dates])
    cat_w = np.array([category_weights(d) for d in dates])
    season = cat_w.sum(1) / np.mean([c.weight for c in CATEGORIES]) / len(CATEGORIES)
    w = (np.where(off, WEEKEND_FACTOR, 1.0) * _lognormal(rng, 1.0, 0.06, weeks.max() + 1)[weeks]
         * _lognormal(rng, 1.0, 0.05, days) * season * past)
    counts = rng.multinomial(cases, w / w.sum()) if cases else np.zeros(days, dtype=np.int64)
    return DayPlan(starts, cuts, counts.astype(np.int64), np.cumsum(cat_w / cat_w.sum(1, keepdims=True), 1))


def day_chunks(plan: DayPlan, target: int) -> list[tuple[int, int]]:
    """Consecutive runs of whole days holding about ``target`` cases each (a day is never split)."""
    chunks, start, n = [], 0, 0
    for i, c in enumerate(plan.counts):
        n += int(c)
        if n >= target:
            chunks.append((start, i + 1))
            start, n = i + 1, 0
    if start < len(plan.counts):
        chunks.append((start, len(plan.counts)))
    return chunks


# --- one chunk of cases --------------------------------------------------------------------------

@dataclass
class Batch:
    """Columns of the case and case_event rows of one chunk (numpy arrays; times as int64 seconds)."""
    cases: dict
    events: dict


def _taxonomy_arrays():
    """Category figures and item tables as arrays indexed by category number."""
    n_items = np.array([len(c.items) for c in CATEGORIES])
    item_w = np.zeros((len(CATEGORIES), n_items.max()))
    for i, c in enumerate(CATEGORIES):
        # items are listed from the most frequent: a gentle Zipf
        item_w[i, :len(c.items)] = 1.0 / np.arange(1, len(c.items) + 1) ** 0.8
    item_cum = np.cumsum(item_w / item_w.sum(1, keepdims=True), 1)
    item_cum[:, -1] = 1.0
    base = np.array([c.weight for c in CATEGORIES])
    esc = np.array([c.escalation for c in CATEGORIES])
    return {
        "n_items": n_items, "item_cum": item_cum, "item_offset": np.concatenate([[0], np.cumsum(n_items)[:-1]]),
        "handling_h": np.array([c.handling_hours for c in CATEGORIES]),
        "escalation": esc / ((base * esc).sum() / base.sum()),
        "deadline_h": np.array([c.deadline_hours for c in CATEGORIES], dtype=np.int64),
        "category_codes": np.array([c.code for c in CATEGORIES], dtype=object),
    }


def _pick(u: np.ndarray, cum: np.ndarray) -> np.ndarray:
    """Index of the bin of ``u`` in the row-wise cumulative probabilities ``cum``."""
    return np.minimum((u[:, None] > cum).sum(1), cum.shape[1] - 1)


def _dur(rng, median_s, sigma, n, floor=60) -> np.ndarray:
    """Log-normal durations in whole seconds, at least ``floor`` so that each step moves the clock."""
    return np.maximum(np.rint(_lognormal(rng, median_s, sigma, n)), floor).astype(np.int64)


def _created(plan: DayPlan, d0: int, d1: int, rng):
    """Creation times and sources of the cases of days ``d0:d1``, in time order."""
    joint, cum = _hour_mixture()
    edges = np.arange(25) * HOUR
    day = np.repeat(np.arange(d0, d1), plan.counts[d0:d1])
    top = np.interp(plan.cuts[day], edges, cum)
    tod = np.interp(rng.random(len(day)) * top, cum, edges)
    tod = np.minimum(np.floor(tod).astype(np.int64), plan.cuts[day] - 1)
    order = np.argsort(tod + day * DAY, kind="stable")
    day, tod = day[order], tod[order]
    hour = tod // HOUR
    src_cum = np.cumsum(joint / joint.sum(0, keepdims=True), 0).T   # (24, sources)
    src = _pick(rng.random(len(day)), src_cum[hour])
    return day, tod, plan.starts[day] + tod, src


def _source_refs(day: np.ndarray, src: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """``<prefix>-<yyyymmdd>-<n>`` with n counting per source and day (chunks hold whole days)."""
    key = day * len(SOURCES_INFO) + src
    order = np.argsort(key, kind="stable")
    k = key[order]
    first = np.r_[0, np.flatnonzero(k[1:] != k[:-1]) + 1]
    rank = np.arange(len(k)) - np.repeat(first, np.diff(np.r_[first, len(k)]))
    n = np.empty(len(k), dtype=np.int64)
    n[order] = rank + 1
    prefixes = [s.ref_prefix for s in SOURCES_INFO]
    ymd = {d: (EPOCH + timedelta(seconds=int(starts[d]))).strftime("%Y%m%d") for d in np.unique(day)}
    return np.array([f"{prefixes[s]}-{ymd[d]}-{i:05d}" for d, s, i in zip(day.tolist(), src.tolist(), n.tolist())],
                    dtype=object)


def generate_chunk(model: CityModel, plan: DayPlan, d0: int, d1: int, first_id: int, first_event_id: int,
                   now_s: int, rng) -> Batch:
    """The cases created on days ``d0:d1`` (ids from ``first_id``) and their events up to ``now_s``."""
    tx = _taxonomy_arrays()
    day, tod, created, src = _created(plan, d0, d1, rng)
    n = len(created)
    cat = _pick(rng.random(n), plan.category_cum[day])
    k_item = np.minimum(_pick(rng.random(n), tx["item_cum"][cat]), tx["n_items"][cat] - 1)
    item = tx["item_offset"][cat] + k_item
    g = rng.choice(len(model.weight), size=n, p=model.weight)
    lon, lat = sample_points(model.geoms, model.bounds, g, rng)

    T, k, dept, r1, r2 = _plan_lives(model, tx, g, cat, tod, created, rng)
    return _cut_at_now(model, tx, T, k, dept, r1, r2, now_s, first_id, first_event_id, dict(
        day=day, created=created, src=src, cat=cat, item=item, grid=g, lon=lon, lat=lat), plan)


def _plan_lives(model: CityModel, tx: dict, g, cat, tod, created, rng):
    """The planned time of every event slot (``NEVER`` if it will not happen), per case."""
    n = len(created)
    T = np.full((n, len(SLOT_KINDS)), NEVER, dtype=np.int64)
    T[:, S_RECEIVED] = created

    # response: log-normal around the township's median; nights wait for the morning shift;
    # a few cases are left until after the half-day reminder
    claim = created + _dur(rng, model.claim_median_h[g] * HOUR, 0.75, n)
    night = (tod >= 22 * HOUR) | (tod < 7 * HOUR)
    morning = created - tod + np.where(tod >= 22 * HOUR, DAY, 0) + int(7.5 * HOUR)
    claim = np.where(night & (rng.random(n) < 0.6),
                     np.maximum(claim, morning + _dur(rng, 0.5 * HOUR, 0.6, n)), claim)
    late = rng.random(n) < model.neglect[g]
    claim = np.where(late, created + rng.integers(int(12.2 * HOUR), 30 * HOUR, n), claim)
    due = created + RESPONSE_DUE_HOURS * HOUR
    T[:, S_CLAIMED] = claim
    T[:, S_REMIND] = np.where(claim > due, due, NEVER)

    # escalations while open: village -> township -> city -> a department
    p1 = np.clip(ESCALATE_SHARE * tx["escalation"][cat] * model.escalate_factor[g], 0, 0.9)
    k = ((rng.random(n) < p1).astype(np.int64)
         * (1 + (rng.random(n) < ESCALATE_ON[0]) * (1 + (rng.random(n) < ESCALATE_ON[1]))))
    t = claim
    for j, median_h in enumerate((5, 10, 8)):
        t = t + _dur(rng, median_h * HOUR, 0.8, n)
        T[:, S_ESC + j] = np.where(k > j, t, NEVER)
    last_esc = np.where(k > 0, T[np.arange(n), S_ESC + np.maximum(k - 1, 0)], NEVER)
    dept = _departments(tx, cat, rng)
    dept = np.where(k == 3, dept, -1)
    deadline = np.where(k > 0, last_esc, created) + tx["deadline_h"][cat, k] * HOUR

    # handling: by category and level; a few stall for weeks (these stay open and overdue)
    dispatched = np.where(k > 0, last_esc, claim) + _dur(rng, 35 * 60, 1.0, n)
    handle_h = tx["handling_h"][cat] * LEVEL_HANDLING_FACTOR[k] * model.handle_factor[g]
    dur = _lognormal(rng, handle_h * HOUR, 0.75)
    dur = np.where(rng.random(n) < model.stuck[g], dur * rng.uniform(10, 80, n), dur)
    handled = dispatched + np.maximum(np.rint(dur), 60).astype(np.int64)
    T[:, S_DISPATCHED], T[:, S_HANDLED] = dispatched, handled

    # urges: a supervisor presses an overdue case, up to three times, until it is handled
    urged = rng.random(n) < URGED_SHARE
    u = deadline + rng.integers(2 * HOUR, 20 * HOUR, n)
    for j in range(3):
        T[:, S_URGE + j] = np.where(urged & (u < handled), u, NEVER)
        u = u + rng.integers(20 * HOUR, 40 * HOUR, n)

    verify = handled + _dur(rng, 2 * HOUR, 0.7, n, floor=300)
    closed = verify + _dur(rng, 25 * 60, 0.8, n)
    T[:, S_VERIFY], T[:, S_CLOSED] = verify, closed
    rated = rng.random(n) < model.rated[g]
    rate_at = closed + np.where(rng.random(n) < 0.4, rng.integers(60, 600, n), _dur(rng, 4 * HOUR, 1.0, n))
    T[:, S_RATE] = np.where(rated, rate_at, NEVER)
    p_dis = (DISSATISFIED_BASE * model.dissatisfied_factor[g] * np.where(closed > deadline, 2.0, 1.0)
             * np.where(k > 0, 1.3, 1.0))
    u = rng.random(n)
    r1 = np.where(u < p_dis, 2, np.where(u < p_dis + BASIC_SHARE, 1, 0))

    # a few dissatisfied residents get their case reopened and handled again
    reopen = rated & (r1 == 2) & (rng.random(n) < REOPEN_SHARE)
    t = rate_at + _dur(rng, 3 * HOUR, 0.6, n)
    T[:, S_REOPEN] = np.where(reopen, t, NEVER)
    for slot, median_s, sigma in ((S_DISPATCHED2, 30 * 60, 0.8), (S_HANDLED2, None, 0.8), (S_VERIFY2, 2 * HOUR, 0.7),
                                  (S_CLOSED2, 25 * 60, 0.8), (S_RATE2, 3 * HOUR, 1.0)):
        med = handle_h * 0.6 * HOUR if median_s is None else median_s
        t = t + _dur(rng, med, sigma, n)
        T[:, slot] = np.where(reopen, t, NEVER)
    u = rng.random(n)
    r2 = np.where(u < 0.25, 2, np.where(u < 0.6, 1, 0))
    return T, k, dept, r1, r2


def _departments(tx: dict, cat: np.ndarray, rng) -> np.ndarray:
    """A department (index into ``DEPARTMENTS``) that handles each case's category, first ones likelier."""
    codes = [d.code for d in DEPARTMENTS]
    table = [[codes.index(d) for d in departments_for(c)] or [0] for c in tx["category_codes"]]
    width = max(len(t) for t in table)
    idx = np.array([t + [t[-1]] * (width - len(t)) for t in table])
    w = np.array([[1.0 / (j + 1) if j < len(t) else 0.0 for j in range(width)] for t in table])
    cum = np.cumsum(w / w.sum(1, keepdims=True), 1)
    return idx[cat, _pick(rng.random(len(cat)), cum[cat])]


def _cut_at_now(model, tx, T, k, dept, r1, r2, now_s, first_id, first_event_id, c, plan) -> Batch:
    """Keep the events at or before ``now`` and derive the case columns from them (module rules)."""
    n = len(T)
    rows = np.arange(n)
    P = T <= now_s
    node_pos = np.where(P[:, NODE_SLOTS], np.arange(len(NODE_SLOTS)), -1).max(1)
    node = NODE_OF_SLOT[node_pos]
    esc_n = P[:, S_ESC:S_ESC + 3].sum(1)
    anchor = np.where(esc_n > 0, T[rows, S_ESC + np.maximum(esc_n - 1, 0)], c["created"])
    rating = np.where(P[:, S_RATE2], r2, np.where(P[:, S_RATE], r1, -1))
    closed_at = np.where(node == NODES.index("closed"),
                         np.where(P[:, S_CLOSED2], T[:, S_CLOSED2], T[:, S_CLOSED]), NEVER)
    cases = {
        "id": first_id + rows,
        "source": c["src"], "day": c["day"], "category": c["cat"], "item": c["item"], "grid": c["grid"],
        "lon": c["lon"], "lat": c["lat"], "node": node, "level": esc_n,
        "department": np.where(esc_n == 3, dept, -1),
        "created_at": c["created"],
        "claimed_at": np.where(P[:, S_CLAIMED], T[:, S_CLAIMED], NEVER),
        "handled_at": np.where(P[:, S_HANDLED2], T[:, S_HANDLED2], np.where(P[:, S_HANDLED], T[:, S_HANDLED], NEVER)),
        "closed_at": closed_at,
        "response_due": c["created"] + RESPONSE_DUE_HOURS * HOUR,
        "deadline": anchor + tx["deadline_h"][c["cat"], esc_n] * HOUR,
        "escalations": esc_n, "urges": P[:, S_URGE:S_URGE + 3].sum(1),
        "rating": rating,
        "rated_at": np.where(P[:, S_RATE2], T[:, S_RATE2], np.where(P[:, S_RATE], T[:, S_RATE], NEVER)),
        "source_ref": _source_refs(c["day"], c["src"], plan.starts),
        "verified_at": np.where(P[:, S_VERIFY2], T[:, S_VERIFY2], np.where(P[:, S_VERIFY], T[:, S_VERIFY], NEVER)),
        "reminded_at": np.where(P[:, S_REMIND], T[:, S_REMIND], NEVER),
        "reopens": P[:, S_REOPEN].astype(np.int64),
        "updated_at": np.where(P, T, np.iinfo(np.int64).min).max(1),
    }
    return Batch(cases, _events(model, T, P, k, dept, r1, r2, c, first_id, first_event_id))


def _events(model, T, P, k, dept, r1, r2, c, first_id, first_event_id) -> dict:
    """The kept events in time order per case, with seq, level, department, actor and note."""
    ci, si = np.nonzero(P)
    t = T[ci, si]
    order = np.lexsort((si, t, ci))
    ci, si, t = ci[order], si[order], t[order]
    per_case = P.sum(1)
    seq = np.arange(len(ci)) - np.repeat(np.cumsum(per_case) - per_case, per_case) + 1
    # level at each event: escalate slots carry the new level; after the last escalation, the final one
    level = np.where((si >= S_ESC) & (si < S_ESC + 3), si - S_ESC + 1,
                     np.where(si < S_ESC, 0, k[ci]))
    dep = np.where(level == 3, dept[ci], -1)
    kinds = np.array(SLOT_KINDS, dtype=object)

    dept_names = np.array([d.zh for d in DEPARTMENTS], dtype=object)
    units = np.array([LEVEL_UNITS[lv] if lv in LEVEL_UNITS else "" for lv in CASE_LEVELS], dtype=object)
    actor = units[level]
    actor = np.where(level == 3, dept_names[np.maximum(dep, 0)], actor)
    kind = kinds[si]
    actor = np.where(kind == "escalate", units[np.maximum(level - 1, 0)], actor)
    actor = np.where(kind == "urge", np.where(level >= 2, LEVEL_UNITS["city"], LEVEL_UNITS["township"]), actor)
    actor = np.where(kind == "remind", "系统", actor)
    actor = np.where(kind == "rate", "群众", actor)
    actor = np.where(kind == "verify", model.worker_names[c["grid"][ci]], actor)
    src_actor = np.array([SOURCE_ACTORS.get(s.code, "") for s in SOURCES_INFO], dtype=object)
    received_by = np.where(c["src"][ci] == 1, model.worker_names[c["grid"][ci]], src_actor[c["src"][ci]])
    actor = np.where(kind == "received", received_by, actor)

    ratings = np.array(RATINGS, dtype=object)
    note = np.full(len(ci), None, dtype=object)
    is_rate = si == S_RATE
    note[is_rate] = ratings[r1[ci[is_rate]]]
    is_rate2 = si == S_RATE2
    note[is_rate2] = ratings[r2[ci[is_rate2]]]
    note[kind == "escalate"] = "超出本级处置权限"
    return {"id": first_event_id + np.arange(len(ci)), "case_id": first_id + ci, "seq": seq, "kind": kind,
            "at": t, "actor": actor, "level": level, "department": dep, "note": note}


def titles() -> np.ndarray:
    """Case titles by (source, item): the item's name with how it came in."""
    items = [i.zh for c in CATEGORIES for i in c.items]
    return np.array([[TITLE_PREFIX[s.code] + it for it in items] for s in SOURCES_INFO], dtype=object)
