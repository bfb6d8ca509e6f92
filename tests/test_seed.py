"""The demo seed on the small test city, on SQLite and PostgreSQL.

Every figure is recomputed here from the rows themselves (events replayed in
Python, rollups recomputed with pandas) and compared with what the seed and
the SQL rollups wrote; KPIs are checked against the reference platforms with
tolerances wide enough for 3,000 cases.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pytest
import shapely
from sqlalchemy import func, select

from queries.db import get_engine
from queries.migrate import upgrade
from queries.rollups import RESPONSE_BUCKETS_MIN
from queries.schema import (CASE_LEVELS, NODES, SESSION_KINDS, SOURCES, attendance, case, case_day,
                            case_day_category, case_day_response, case_event, data_version, grid, grid_worker,
                            metadata, party_member, party_org, patrol, study_session)
from queries.seed import seed_activity
from queries.taxonomy import RESPONSE_DUE_HOURS, deadline_hours, departments_for
from queries.tree import read_grids
from tests.small_city import box_city, small_city, write_small_city, write_tree

NOW = datetime(2026, 11, 21, 10, 30)       # a Saturday, three weeks into the heating season
CASES = 3_000
DAYS = 90
SEED = 11
ACTIVITY = ("grid_worker", "patrol", "case", "case_event", "party_org", "party_member", "study_session",
            "attendance", "case_day", "case_day_category", "case_day_response")


def _seed(engine, seed: int = SEED, **kw) -> dict:
    with engine.begin() as conn:
        if not conn.execute(select(func.count()).select_from(grid)).scalar():
            write_small_city(conn)
        return seed_activity(conn, now=NOW, cases=CASES, days=DAYS, seed=seed, **kw)


def _frame(conn, table, order=None) -> pd.DataFrame:
    """A whole table through Core (so types are parsed the same way on both backends)."""
    stmt = select(table)
    if order is not None:
        stmt = stmt.order_by(*order)
    rows = conn.execute(stmt).mappings().all()
    return pd.DataFrame([dict(r) for r in rows], columns=[c.name for c in table.columns])


def _dump(engine) -> dict[str, list[tuple]]:
    """Every activity table as a sorted list of rows."""
    with engine.connect() as conn:
        return {name: sorted(tuple(r) for r in conn.execute(select(metadata.tables[name])).all())
                for name in ACTIVITY}


@pytest.fixture
def seeded(engine):
    """The small city seeded once; its cases and events as frames."""
    counts = _seed(engine)
    with engine.connect() as conn:
        cases = _frame(conn, case, [case.c.id])
        events = _frame(conn, case_event, [case_event.c.case_id, case_event.c.seq])
    return engine, counts, cases, events


# --- counts and structure ----------------------------------------------------------------------------------

def test_counts_match_tables(seeded):
    engine, counts, cases, events = seeded
    with engine.connect() as conn:
        n = {t.name: conn.execute(select(func.count()).select_from(t)).scalar()
             for t in (grid_worker, patrol, party_org, party_member, study_session, attendance)}
        grids = conn.execute(select(func.count()).select_from(grid)).scalar()
        workers = conn.execute(select(grid_worker)).mappings().all()
    assert counts == {"grid_workers": n["grid_worker"], "patrols": n["patrol"], "cases": len(cases),
                      "case_events": len(events), "party_orgs": n["party_org"], "party_members": n["party_member"],
                      "study_sessions": n["study_session"], "attendance": n["attendance"]}
    assert len(cases) == CASES
    assert n["grid_worker"] == grids
    assert all(w["phone"][:2] in ("13", "15", "18") and len(w["phone"]) == 11 for w in workers)
    assert len({w["phone"] for w in workers}) == len(workers)
    assert all(2 <= len(w["name"]) <= 3 for w in workers)
    # two patrols a day each; a few are missed, today's afternoon round has not happened yet
    assert 0.85 * 2 * DAYS * grids <= n["patrol"] <= 2 * DAYS * grids
    assert 6.0 <= len(events) / len(cases) <= 8.5


def test_new_rows_get_fresh_ids_after_a_seed(seeded):
    """The seed writes ids itself; the next row written the normal way must not collide (PostgreSQL sequences)."""
    engine, _, cases, events = seeded
    with engine.begin() as conn:
        first = cases.iloc[0]
        row = {k: first[k] for k in ("source", "category", "item", "title", "grid_code", "village_code",
                                      "township_code", "node", "level", "created_at", "response_due", "deadline")}
        new_case = conn.execute(case.insert().values(**{k: (v.to_pydatetime() if hasattr(v, "to_pydatetime") else v)
                                                         for k, v in row.items()}, source_ref="fresh-1")
                                .returning(case.c.id)).scalar_one()
        new_event = conn.execute(case_event.insert().values(case_id=new_case, seq=1, kind="received",
                                                            at=row["created_at"].to_pydatetime(), level="village")
                                 .returning(case_event.c.id)).scalar_one()
    assert new_case == cases.id.max() + 1 and new_event == events.id.max() + 1


def test_patrols_are_plausible(seeded):
    engine = seeded[0]
    with engine.connect() as conn:
        p = _frame(conn, patrol)
        geoms = read_grids(conn).set_index("code").geometry
    assert (p.ended_at > p.started_at).all() and (p.ended_at <= NOW).all()
    assert p.started_at.min() >= datetime.combine(NOW.date() - timedelta(days=DAYS - 1), datetime.min.time())
    assert p.distance_m.between(300, 40_000).all()
    assert shapely.contains_xy(geoms.reindex(p.grid_code).to_numpy(), p.end_lon, p.end_lat).all()
    per_day = p.groupby([p.worker_id, p.started_at.dt.date]).size()
    assert per_day.max() == 2


def test_source_refs_unique_per_source(seeded):
    cases = seeded[2]
    assert not cases.duplicated(["source", "source_ref"]).any()
    ref = cases.source_ref.str.extract(r"^(\w+)-(\d{8})-(\d{5,})$")
    assert ref.notna().all().all()
    assert (ref[1] == cases.created_at.dt.strftime("%Y%m%d")).all()
    prefix = cases.source_ref.str.split("-").str[0]
    assert prefix.groupby(cases.source).nunique().eq(1).all() and prefix.nunique() == len(SOURCES)
    assert set(cases.source) == set(SOURCES)


# --- every case agrees with its events ---------------------------------------------------------------------

def _replay(c, evs) -> dict:
    """The case columns implied by its events (the rules of queries.seed_cases, written out again)."""
    node, level, dept = "received", "village", None
    claimed = handled = closed = rating = rated_at = last_esc = verified = reminded = None
    escalations = urges = reopens = 0
    for e in evs:
        k = e.kind
        if k == "verify":
            verified = e.at
        if k == "remind":
            reminded = e.at
        if k == "reopen":
            reopens += 1
        if k in NODES:
            node = k
        if k == "reopen":
            node = "dispatched"
        if k == "claimed" and claimed is None:
            claimed = e.at
        if k == "handled":
            handled = e.at
        if k == "closed":
            closed = e.at
        if k == "escalate":
            escalations += 1
            assert CASE_LEVELS.index(e.level) == CASE_LEVELS.index(level) + 1, "one level up at a time"
            level, dept, last_esc = e.level, _none(e.department), e.at
        if k == "urge":
            urges += 1
        if k == "rate":
            rating, rated_at = _none(e.note), e.at
        assert e.level == level and _none(e.department) == dept, "events carry the level they happened at"
    anchor = last_esc if last_esc is not None else c.created_at
    return {"node": node, "level": level, "department": dept, "claimed_at": claimed, "handled_at": handled,
            "closed_at": closed if node == "closed" else None, "escalations": escalations, "urges": urges,
            "rating": rating, "rated_at": rated_at, "verified_at": verified, "reminded_at": reminded,
            "reopens": reopens, "updated_at": max(e.at for e in evs),
            "deadline": anchor + timedelta(hours=deadline_hours(c.category, level)),
            "response_due": c.created_at + timedelta(hours=RESPONSE_DUE_HOURS)}


def _none(v):
    return None if v is None or v is pd.NaT or (isinstance(v, float) and np.isnan(v)) else v


def test_case_columns_equal_replayed_events(seeded):
    _, _, cases, events = seeded
    by_case = dict(tuple(events.groupby("case_id")))
    bad = []
    for c in cases.itertuples():
        evs = list(by_case[c.id].itertuples())
        want = _replay(c, evs)
        got = {k: _none(getattr(c, k)) for k in want}
        want = {k: _none(v) for k, v in want.items()}
        if got != want:
            bad.append((c.id, {k: (got[k], want[k]) for k in want if got[k] != want[k]}))
        # a reminder exactly at response_due when nobody had claimed by then
        late = (want["claimed_at"] or NOW + timedelta(seconds=1)) > want["response_due"] and want["response_due"] <= NOW
        reminds = [e.at for e in evs if e.kind == "remind"]
        assert reminds == ([want["response_due"]] if late else []), c.id
        assert evs[0].kind == "received" and evs[0].at == c.created_at
        if want["department"] is not None:
            assert want["department"] in departments_for(c.category)
    assert not bad, bad[:5]


def test_events_in_order_and_not_after_now(seeded):
    _, _, cases, events = seeded
    assert (events["at"] <= NOW).all()
    assert (cases.created_at <= NOW).all()
    g = events.groupby("case_id")
    assert (g.seq.transform(lambda s: (s.to_numpy() == np.arange(1, len(s) + 1)).all())).all()
    assert (g["at"].transform(lambda s: s.is_monotonic_increasing)).all()
    assert set(events.case_id) == set(cases.id)
    assert events.id.is_unique


# --- the figures the dashboard shows ----------------------------------------------------------------------

@pytest.fixture
def city17(sqlite_engine):
    """A box city of 17 townships (like Dashiqiao's) so that city-wide figures are representative:
    in the 2-township small city one poor performer weighs half the city."""
    with sqlite_engine.begin() as conn:
        write_tree(conn, box_city(17, 34, 102))
        seed_activity(conn, now=NOW, cases=8_000, days=DAYS, seed=SEED)
    with sqlite_engine.connect() as conn:
        return _frame(conn, case, [case.c.id])


def test_city_wide_kpis_near_reference_figures(city17):
    cases = city17
    closed = cases.closed_at.notna()
    rated = cases.rating.notna()
    good = cases.rating.isin(["satisfied", "basically_satisfied"])
    response_h = (cases.claimed_at - cases.created_at).dt.total_seconds() / 3600
    assert 0.945 <= closed.mean() <= 0.975                     # Dashiqiao: 96% closed
    assert 0.935 <= good.sum() / rated.sum() <= 0.965          # 95% satisfied
    assert 0.80 <= rated.sum() / closed.sum() <= 0.90          # ~85% of closed cases rated
    assert 0.8 <= response_h.median() <= 1.25                  # median response ~1 h
    unclaimed_late = (response_h > RESPONSE_DUE_HOURS) | (cases.claimed_at.isna() & (cases.response_due < NOW))
    assert 0.025 <= unclaimed_late.mean() <= 0.055             # reminders: 3-5%
    esc = cases.escalations
    assert 0.13 <= (esc >= 1).mean() <= 0.17                   # ~15% village -> township
    assert 0.045 <= (esc >= 2).mean() <= 0.075                 # ~6% on to the city
    assert 0.02 <= (esc >= 3).mean() <= 0.04                   # ~3% on to a department


def test_case_life_figures(seeded):
    _, _, cases, events = seeded
    closed = cases.closed_at.notna()
    response_h = (cases.claimed_at - cases.created_at).dt.total_seconds() / 3600
    # wide bounds: in this 2-township city the poor performer is half of the city
    assert 0.92 <= closed.mean() <= 0.985
    assert 0.88 <= cases.rating.isin(["satisfied", "basically_satisfied"]).sum() / cases.rating.notna().sum() <= 0.98
    assert 0.6 <= response_h.median() <= 2.0
    assert (cases.level == "city").sum() >= 5 and (cases.level == "department").sum() >= 5
    assert (cases.department.notna() == (cases.level == "department")).all()
    open_ = ~closed
    assert (open_ & (cases.deadline < NOW)).sum() >= 5, "some open cases are overdue"
    assert (cases.claimed_at.isna() & (cases.response_due < NOW)).sum() >= 1, "some unclaimed beyond 12 h"
    assert (cases.urges > 0).sum() >= 10
    assert (events.kind == "urge").sum() == cases.urges.sum()
    # the still-open cases are mostly recent
    age = (NOW - cases.created_at[open_]).dt.total_seconds() / 86400
    assert (age <= 7).mean() >= 0.4
    # cases of the last hours are still at early nodes
    recent = cases.created_at > NOW - timedelta(hours=3)
    assert recent.sum() >= 3
    assert cases.node[recent].isin(["received", "claimed", "dispatched"]).mean() >= 0.8
    assert (cases.node[cases.created_at > NOW - timedelta(hours=1)] != "closed").all()


def test_reopened_cases_are_handled_again(seeded):
    _, _, cases, events = seeded
    for cid in events.case_id[events.kind == "reopen"]:
        kinds = events.kind[events.case_id == cid].tolist()
        first = kinds.index("reopen")
        assert kinds[first - 1] == "rate" and "dissatisfied" in events.note[events.case_id == cid].tolist()
        assert kinds[first + 1] == "dispatched"


def test_rhythm_season_and_categories(seeded):
    cases = seeded[2]
    hour = cases.created_at.dt.hour.value_counts().reindex(range(24), fill_value=0)
    assert hour[[9, 10, 14, 15, 16]].min() > 3 * hour[[1, 2, 3, 4]].max()
    full_days = cases[cases.created_at.dt.date < NOW.date()]
    per_day = full_days.groupby(full_days.created_at.dt.date).size()
    days = pd.Series(pd.to_datetime(per_day.index))
    national_day = ((days.dt.month == 10) & (days.dt.day <= 7)).to_numpy()
    weekend = (days.dt.day_of_week >= 5).to_numpy() & ~national_day
    workday = (days.dt.day_of_week < 5).to_numpy() & ~national_day
    ratio = per_day[weekend].mean() / per_day[workday].mean()
    assert 0.55 <= ratio <= 0.85
    top = cases.category.value_counts()
    assert set(top.index[:2]) == {"property", "environment"}
    assert top.size == 11 and cases["item"].nunique() >= 60
    share = cases.groupby(cases.created_at.dt.month).category.apply(lambda s: (s == "heating_utilities").mean())
    assert share[11] > 2.5 * share[9], "heating complaints rise with the heating season"
    src = cases.source.value_counts(normalize=True)
    assert src.index[0] == "hotline" and 0.3 <= src["hotline"] <= 0.55


def test_townships_differ(seeded):
    engine, _, cases, _ = seeded
    with engine.connect() as conn:
        grids = read_grids(conn)
    per_grid = cases.township_code.value_counts() / grids.township_code.value_counts()
    assert per_grid.max() / per_grid.min() >= 1.4, "a hot-spot township stands out on the map"
    rated = cases[cases.rating.notna()]
    sat = rated.groupby("township_code").rating.apply(lambda s: s.isin(["satisfied", "basically_satisfied"]).mean())
    assert sat.max() - sat.min() >= 0.03, "a poor performer has visibly lower satisfaction"
    resp = (cases.claimed_at - cases.created_at).dt.total_seconds().groupby(cases.township_code).median()
    assert resp.max() / resp.min() >= 1.4
    worst = resp.idxmax()
    assert sat[worst] == sat.min(), "slow response and low satisfaction go together"


def test_points_inside_their_grids(seeded):
    engine, _, cases, _ = seeded
    with engine.connect() as conn:
        geoms = read_grids(conn).set_index("code").geometry
    assert shapely.contains_xy(geoms.reindex(cases.grid_code).to_numpy(), cases.lon, cases.lat).all()
    # the triangles of the third village are covered too, not only the boxes
    tri = cases[cases.grid_code.str.startswith("210882002001")]
    assert len(tri) > 50 and tri.lon.std() > 0.003


def test_datetimes_compare_correctly_in_sql(seeded):
    """Times written by the bulk path compare with Core parameters exactly like Core-written ones."""
    engine, _, cases, _ = seeded
    cut = cases.created_at.iloc[len(cases) // 2]
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(case).where(case.c.created_at >= cut)).scalar()
        exact = conn.execute(select(case.c.id).where(case.c.created_at == cut)).scalars().all()
    assert n == (cases.created_at >= cut).sum()
    assert list(cases.id[cases.created_at == cut]) == sorted(exact)


# --- party ---------------------------------------------------------------------------------------------------

def test_party_organisations_and_members(seeded):
    engine = seeded[0]
    with engine.connect() as conn:
        orgs = _frame(conn, party_org).set_index("code")
        members = _frame(conn, party_member)
        grids = read_grids(conn)
    kinds = orgs.kind.value_counts()
    assert kinds["committee"] == grids.township_code.nunique()
    assert kinds["group"] == len(grids)
    special = (grids.grid_type != "urban_rural").sum()
    assert kinds["branch"] >= grids.village_code.nunique() + special
    assert kinds.get("general_branch", 0) >= 1
    parent_kind = orgs.parent_code.map(orgs.kind)
    allowed = {"committee": {None}, "general_branch": {"committee"}, "branch": {"committee", "general_branch"},
               "group": {"branch"}}
    for code, row in orgs.iterrows():
        assert _none(parent_kind[code]) in allowed[row.kind], code
    assert orgs.name.str.endswith(("党委", "党工委", "党总支", "党支部", "党小组")).all()
    assert len(members) == round(30_000 / 1_798 * len(grids))
    assert orgs.kind.reindex(members.org_code).isin(["group", "branch"]).all()
    assert members.gender.isin(["M", "F"]).all() and 0.55 <= (members.gender == "M").mean() <= 0.85
    age = NOW.year - members.born
    assert age.between(18, 100).all()
    joined_age = pd.to_datetime(members.joined_on).dt.year - members.born
    assert (joined_age >= 17).all() and (pd.to_datetime(members.joined_on) <= NOW).all()


def test_study_sessions_today_and_attendance(seeded):
    engine = seeded[0]
    with engine.connect() as conn:
        s = _frame(conn, study_session)
        a = _frame(conn, attendance)
        orgs = _frame(conn, party_org).set_index("code")
    end_of_today = datetime.combine(NOW.date() + timedelta(days=1), datetime.min.time())
    assert (s.starts_at < end_of_today).all() and (s.ends_at > s.starts_at).all()
    assert (s.starts_at.dt.date >= NOW.date() - timedelta(days=DAYS - 1)).all()
    assert set(s.kind) == set(SESSION_KINDS)
    assert (s.online == (s.kind == "online_study")).all()
    assert (orgs.kind.reindex(s.org_code[s.kind == "group_meeting"]) == "group").all()
    today = s[s.starts_at.dt.date == NOW.date()]
    live = today[(today.starts_at <= NOW) & (today.ends_at > NOW)]
    later = today[today.starts_at > NOW]
    assert len(today) >= 3 and len(live) >= 1 and len(later) >= 1
    rows = a.groupby("session_id").size()
    started = s[s.starts_at <= NOW]
    assert (rows.reindex(started.id, fill_value=0).to_numpy() == started.expected.to_numpy()).all()
    assert not a.session_id.isin(later.id).any(), "no attendance before a session starts"
    assert a.session_id.isin(live.id).any()
    assert 0.80 <= a.present.mean() <= 0.97
    # group meetings call their group; each quarter-or-month kind recurs on its cadence
    per_org = s[s.kind == "theme_day"].groupby("org_code").size()
    assert per_org.max() <= 4


# --- rollups are the numbers of the rows -------------------------------------------------------------------

def _expected_case_day(cases: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """case_day summed per (day, township), recomputed with pandas from the rows."""
    def by(col, frame=cases, **values):
        f = frame[frame[col].notna()]
        out = pd.DataFrame({k: v(f) if callable(v) else v for k, v in values.items()}, index=f.index)
        out["day"], out["township_code"] = f[col].dt.date, f.township_code
        return out

    resp = (cases.claimed_at - cases.created_at).dt.total_seconds()
    esc = events[events.kind == "escalate"].merge(cases[["id", "township_code"]], left_on="case_id", right_on="id")
    parts = [
        by("created_at", created=1, escalated_cases=lambda f: (f.escalations > 0).astype(int),
           **{f"at_{n}": (lambda f, n=n: (f.node == n).astype(int)) for n in NODES}),
        by("closed_at", closed=1),
        by("claimed_at", claimed=1, response_s=lambda f: resp[f.index]),
        by("rated_at", rated=1, satisfied=lambda f: (f.rating == "satisfied").astype(int),
           basically_satisfied=lambda f: (f.rating == "basically_satisfied").astype(int),
           dissatisfied=lambda f: (f.rating == "dissatisfied").astype(int)),
        by("at", frame=esc, escalated=1),
    ]
    return pd.concat(parts).fillna(0).groupby(["day", "township_code"]).sum()


def test_rollups_equal_pandas_recomputation(seeded):
    engine, _, cases, events = seeded
    with engine.connect() as conn:
        cd = _frame(conn, case_day)
        cat = _frame(conn, case_day_category)
        resp = _frame(conn, case_day_response)
    got = cd.drop(columns=["grid_code", "village_code"]).groupby(["day", "township_code"]).sum()
    want = _expected_case_day(cases, events)
    cols = [c for c in got.columns]
    want = want.reindex(columns=cols).reindex(got.index.union(want.index), fill_value=0).fillna(0)
    got = got.reindex(want.index, fill_value=0)
    pd.testing.assert_frame_equal(got.astype(float), want.astype(float), check_like=True)
    assert got.created.sum() == len(cases) and got.closed.sum() == cases.closed_at.notna().sum()

    # categories per village: created by created_at, closed by closed_at
    want_cat = pd.concat([
        cases.groupby(["village_code", "category"]).size().rename("created"),
        cases[cases.closed_at.notna()].groupby(["village_code", "category"]).size().rename("closed"),
    ], axis=1).fillna(0)
    got_cat = cat.groupby(["village_code", "category"])[["created", "closed"]].sum()
    pd.testing.assert_frame_equal(got_cat.astype(float), want_cat.reindex(got_cat.index).astype(float))
    assert len(want_cat) == len(got_cat)

    # response-time buckets per township and day
    claimed = cases[cases.claimed_at.notna()]
    minutes = (claimed.claimed_at - claimed.created_at).dt.total_seconds() / 60
    bounds = np.array(RESPONSE_BUCKETS_MIN)
    bucket = bounds[np.minimum(np.searchsorted(bounds, minutes.to_numpy(), side="left"), len(bounds) - 1)]
    want_b = pd.DataFrame({"day": claimed.claimed_at.dt.date, "township_code": claimed.township_code,
                           "bucket": bucket}).groupby(["day", "township_code", "bucket"]).size()
    got_b = resp.groupby(["day", "township_code", "bucket"]).n.sum()
    pd.testing.assert_series_equal(got_b.sort_index(), want_b.sort_index(), check_names=False,
                                   check_dtype=False)


def test_data_version_is_bumped(engine):
    with engine.connect() as conn:
        before = conn.execute(select(data_version.c.version)).scalar()
    _seed(engine)
    with engine.connect() as conn:
        row = conn.execute(select(data_version)).mappings().one()
    assert row["version"] == before + 1 and row["changed_at"] == NOW


# --- determinism ----------------------------------------------------------------------------------------------

def test_same_seed_same_rows_other_seed_other_rows(engine):
    calls = []
    _seed(engine, progress=lambda step, done, total: calls.append((step, done, total)))
    first = _dump(engine)
    _seed(engine)                       # replaces the activity
    assert _dump(engine) == first
    assert {s for s, _, _ in calls} >= {"workers", "patrols", "cases", "party", "sessions", "rollups"}
    assert all(0 <= d <= t for _, d, t in calls)
    _seed(engine, seed=SEED + 1)
    other = _dump(engine)
    assert other["case"] != first["case"] and len(other["case"]) == len(first["case"])


def test_same_rows_on_sqlite_and_postgresql(sqlite_engine, pg_url):
    pg = get_engine(pg_url)
    upgrade(pg)
    from tests.conftest import empty_database
    empty_database(pg)
    _seed(sqlite_engine)
    _seed(pg)
    a, b = _dump(sqlite_engine), _dump(pg)
    for name in ACTIVITY:
        assert a[name] == b[name], name


def _index_definitions(engine) -> list:
    """Every index of the database as the server spells it (SQLite: its DDL; PostgreSQL: pg_indexes)."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            return conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                                        "ORDER BY name").all()
        return conn.exec_driver_sql("SELECT indexname, indexdef FROM pg_indexes "
                                    "WHERE schemaname = current_schema() ORDER BY indexname").all()


def test_indexes_are_unchanged(engine):
    """The bulk load may set indexes aside, but every index comes back exactly as it was."""
    before = _index_definitions(engine)
    assert any(name == "ix_case_created" for name, _ in before)
    _seed(engine)
    assert _index_definitions(engine) == before


def test_needs_grids(engine):
    with engine.begin() as conn, pytest.raises(ValueError, match="no grids"):
        seed_activity(conn, now=NOW, cases=10)


def test_small_city_fixture_is_a_clean_tree():
    tree = small_city()
    assert tree.counts() == {"townships": 2, "villages": 3, "grids": 6}
    g = tree.grids.geometry
    assert shapely.union_all(g.to_numpy()).equals(shapely.box(122.0, 40.0, 122.06, 40.02))
    assert sum(a.intersection(b).area for i, a in enumerate(g) for b in list(g)[i + 1:]) < 1e-12


def test_taxonomy_is_complete():
    from queries import taxonomy as tx
    assert len(tx.CATEGORIES) == 11 and len(set(tx.CATEGORY_CODES)) == 11
    items = [i.code for c in tx.CATEGORIES for i in c.items]
    assert len(items) >= 100 and len(set(items)) == len(items)
    for c in tx.CATEGORIES:
        assert 8 <= len(c.items) <= 12 and all(i.code.startswith(c.code + ".") for i in c.items)
        assert list(c.deadline_hours) == sorted(c.deadline_hours) and len(c.season) == 12
        assert tx.departments_for(c.code), f"no department handles {c.code}"
        assert tx.category_label(c.code, "zh") == c.zh and tx.category_label(c.code, "en") == c.en
    assert abs(sum(s.share for s in tx.SOURCES_INFO) - 1) < 1e-9
    assert len({s.ref_prefix for s in tx.SOURCES_INFO}) == len(SOURCES)
    assert 14 <= len(tx.DEPARTMENTS) <= 18
    assert tx.deadline_hours("property", "village") == 48 and tx.RESPONSE_DUE_HOURS == 12
    assert tx.session_kind_label("theme_day", "zh") == "主题党日"
    assert tx.rating_label(None) == "" and tx.department_label(None) == ""
    assert tx.category_label("unknown", "en") == "unknown"
