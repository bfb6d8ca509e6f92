"""A hand-made city small enough to count every panel number by hand.

Tree (T = township, V = village, G = grid)::

    city 210882 大石桥市
    ├── T1 210882001 钢都街道
    │   ├── V1 210882001001 富丽社区: G1 (urban_rural, worker 张伟), G2 (school, worker 李强)
    │   └── V2 210882001002 民康社区: G3 (urban_rural, worker 王芳)
    └── T2 210882002 青花街道
        └── V3 210882002001 东风村:   G4 (enterprise, worker 赵敏), G5 (urban_rural, no worker, no cases)

"Now" is Friday 2026-11-20 10:00.  The 20 cases (times in November 2026;
``+m`` = minutes from receipt to claim; categories env = 环境卫生,
prop = 物业管理, muni = 市政设施; deadline = received + 3 days and
response_due = received + 12 h unless given)::

    id grid cat  received     claim  node        handled     closed      esc rating (rated at)        deadline / response_due
     1 G1   env  20 08:00      +10   claimed
     2 G1   env  20 09:00      -     received                                                          due 20 09:30
     3 G1   prop 19 14:00      +20   dispatched                          1
     4 G1   env  18 10:00      +40   closed      19 10:00    19 16:00        satisfied (19 17:00)
     5 G1   muni 15 09:00      +90   closed      16 08:00    16 09:00        basically (16 10:00)
     6 G2   prop 14 00:00:00   +5    closed      14 11:00    14 12:00    2   dissatisfied (14 13:00)
     7 G2   prop 13 23:59:59   +30   closed      15 09:00    15 10:00        satisfied (15 11:00)
     8 G2   env  10 09:00      +60   handled     12 09:00                1                          deadline 13 09:00
     9 G3   muni 20 00:00:00   +15   claimed
    10 G3   muni 19 23:59:59   -     received                                                          due 20 11:59:59
    11 G3   env  17 09:00      +25   closed      18 08:00    18 09:00        satisfied (18 10:00)
    12 G3   env  16 09:00      +200  closed      20 08:00    20 09:00        satisfied (20 09:30)      deadline 19 09:00
    13 G4   prop 19 08:00      +45   dispatched                          1                          deadline 20 08:00
    14 G4   prop 12 08:00      +120  closed      14 07:00    14 08:00        dissatisfied (14 09:00)
    15 G4   env  01 08:00      +30   closed      02 07:00    02 08:00        satisfied (02 09:00)
    16 G4   muni 20 09:30      -     received                                                          due 20 09:45
    17 G3   prop 20 08:30      +3    claimed
    18 G2   env  18 15:00      +12   handled     19 15:00
    19 G1   muni 08 10:00      +50   closed      18 09:00    18 10:00    1   basically (18 12:00)      deadline 11 10:00
    20 G3   env  19 11:00      +30   closed      19 16:00    19 17:00        (not rated)

Events of a case: received, claimed, ``esc`` escalations (5 and 10 minutes
after the claim, to township then city), dispatched (30 minutes after the
claim), handled, verify (30 minutes before closing), closed, rate.

Party (T1/T2 committees C1/C2, V1 general branch GB1, V2 branch B1,
V3 branch B3, grid groups GR1 on G1 and GR4 on G4)::

    members m1-m3 GR1, m4-m5 GB1, m6-m7 B1, m8-m10 B3, m11 GR4, m12 C1
    session org  kind              starts - ends       online expected attendance (P present, A absent)
    s1      GR1  group_meeting     20 09:00 - 11:00    no     3        m1 P, m2 P, m3 A
    s2      B3   party_lesson      20 09:30 - 10:30    yes    3        m8 P, m9 P, m10 A
    s3      GB1  branch_meeting    18 14:00 - 16:00    no     2        m4 P, m5 P
    s4      C1   committee_meeting 16 09:00 - 11:00    no     1        m12 P
    s5      B1   theme_day         13 09:00 - 11:00    no     2        m6 P, m7 A
    s6      GR4  group_meeting     20 14:00 - 15:00    no     1        (none yet)
    s7      B1   online_study      20 08:00 - 09:00    yes    2        m6 A, m7 P
    s8      GR1  group_meeting     10 09:00 - 10:00    no     3        m1 P
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import Connection

from queries.db import configure

from queries.rollups import rebuild_rollups
from queries.schema import (attendance, case, case_event, city, grid, grid_worker, map_layer, party_member,
                            party_org, patrol, study_session, township, village)
from queries.version import bump_version

NOW = datetime(2026, 11, 20, 10, 0)
CITY = "210882"
T1, T2 = "210882001", "210882002"
V1, V2, V3 = "210882001001", "210882001002", "210882002001"
G1, G2, G3, G4, G5 = V1 + "001", V1 + "002", V2 + "001", V3 + "001", V3 + "002"
ENV, PROP, MUNI = "环境卫生", "物业管理", "市政设施"

# a unit square as WKB: geometry is not read by the panel queries
SQUARE = bytes.fromhex("0103000000010000000500000000000000000000000000000000000000000000000000f03f"
                       "0000000000000000000000000000f03f000000000000f03f0000000000000000000000000000f03f"
                       "00000000000000000000000000000000")
GRID_LAYER = '{"type":"FeatureCollection","features":[]}'

TOWNSHIPS = [(T1, "钢都街道", "Gangdu"), (T2, "青花街道", "Qinghua")]
VILLAGES = [(V1, "富丽社区", "Fuli", T1), (V2, "民康社区", "Minkang", T1), (V3, "东风村", "Dongfeng", T2)]
GRIDS = [(G1, "富丽社区第1网格", "Fuli 1", V1, T1, "urban_rural"),
         (G2, "富丽社区第2网格", "Fuli 2", V1, T1, "school"),
         (G3, "民康社区第1网格", "Minkang 1", V2, T1, "urban_rural"),
         (G4, "东风村第1网格", "Dongfeng 1", V3, T2, "enterprise"),
         (G5, "东风村第2网格", "Dongfeng 2", V3, T2, "urban_rural")]
WORKERS = [(1, G1, "张伟"), (2, G2, "李强"), (3, G3, "王芳"), (4, G4, "赵敏")]


def t(day: int, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime:
    """A November 2026 time."""
    return datetime(2026, 11, day, hh, mm, ss)


# id, grid, category, source, received, claim minutes, node, handled, closed, escalations, rating, rated_at,
# deadline (None: +3 days), response_due (None: +12 h)
CASES = [
    (1, G1, ENV, "hotline", t(20, 8), 10, "claimed", None, None, 0, None, None, None, None),
    (2, G1, ENV, "photo", t(20, 9), None, "received", None, None, 0, None, None, None, t(20, 9, 30)),
    (3, G1, PROP, "chat_group", t(19, 14), 20, "dispatched", None, None, 1, None, None, None, None),
    (4, G1, ENV, "patrol", t(18, 10), 40, "closed", t(19, 10), t(19, 16), 0, "satisfied", t(19, 17), None, None),
    (5, G1, MUNI, "hotline", t(15, 9), 90, "closed", t(16, 8), t(16, 9), 0, "basically_satisfied", t(16, 10),
     None, None),
    (6, G2, PROP, "hotline", t(14, 0), 5, "closed", t(14, 11), t(14, 12), 2, "dissatisfied", t(14, 13), None, None),
    (7, G2, PROP, "service_hall", t(13, 23, 59, 59), 30, "closed", t(15, 9), t(15, 10), 0, "satisfied", t(15, 11),
     None, None),
    (8, G2, ENV, "patrol", t(10, 9), 60, "handled", t(12, 9), None, 1, None, None, t(13, 9), None),
    (9, G3, MUNI, "photo", t(20, 0), 15, "claimed", None, None, 0, None, None, None, None),
    (10, G3, MUNI, "hotline", t(19, 23, 59, 59), None, "received", None, None, 0, None, None, None, None),
    (11, G3, ENV, "chat_group", t(17, 9), 25, "closed", t(18, 8), t(18, 9), 0, "satisfied", t(18, 10), None, None),
    (12, G3, ENV, "hotline", t(16, 9), 200, "closed", t(20, 8), t(20, 9), 0, "satisfied", t(20, 9, 30), t(19, 9),
     None),
    (13, G4, PROP, "hotline", t(19, 8), 45, "dispatched", None, None, 1, None, None, t(20, 8), None),
    (14, G4, PROP, "service_hall", t(12, 8), 120, "closed", t(14, 7), t(14, 8), 0, "dissatisfied", t(14, 9),
     None, None),
    (15, G4, ENV, "patrol", t(1, 8), 30, "closed", t(2, 7), t(2, 8), 0, "satisfied", t(2, 9), None, None),
    (16, G4, MUNI, "photo", t(20, 9, 30), None, "received", None, None, 0, None, None, None, t(20, 9, 45)),
    (17, G3, PROP, "chat_group", t(20, 8, 30), 3, "claimed", None, None, 0, None, None, None, None),
    (18, G2, ENV, "photo", t(18, 15), 12, "handled", t(19, 15), None, 0, None, None, None, None),
    (19, G1, MUNI, "hotline", t(8, 10), 50, "closed", t(18, 9), t(18, 10), 1, "basically_satisfied", t(18, 12),
     t(11, 10), None),
    (20, G3, ENV, "patrol", t(19, 11), 30, "closed", t(19, 16), t(19, 17), 0, None, None, None, None),
]

ESCALATION_LEVELS = ("village", "township", "city", "department")
NODE_ORDER = ("received", "claimed", "dispatched", "handled", "closed")

ORGS = [
    ("C1", "committee", "钢都街道党工委", None, T1, None, None),
    ("C2", "committee", "青花街道党工委", None, T2, None, None),
    ("GB1", "general_branch", "富丽社区党总支", "C1", T1, V1, None),
    ("B1", "branch", "民康社区党支部", "C1", T1, V2, None),
    ("B3", "branch", "东风村党支部", "C2", T2, V3, None),
    ("GR1", "group", "富丽社区第1网格党小组", "GB1", T1, V1, G1),
    ("GR4", "group", "东风村第1网格党小组", "B3", T2, V3, G4),
]
# member id -> org
MEMBERS = {1: "GR1", 2: "GR1", 3: "GR1", 4: "GB1", 5: "GB1", 6: "B1", 7: "B1", 8: "B3", 9: "B3", 10: "B3",
           11: "GR4", 12: "C1"}
# id, org, kind, starts, ends, online, expected, {member: present}
SESSIONS = [
    (1, "GR1", "group_meeting", t(20, 9), t(20, 11), False, 3, {1: True, 2: True, 3: False}),
    (2, "B3", "party_lesson", t(20, 9, 30), t(20, 10, 30), True, 3, {8: True, 9: True, 10: False}),
    (3, "GB1", "branch_meeting", t(18, 14), t(18, 16), False, 2, {4: True, 5: True}),
    (4, "C1", "committee_meeting", t(16, 9), t(16, 11), False, 1, {12: True}),
    (5, "B1", "theme_day", t(13, 9), t(13, 11), False, 2, {6: True, 7: False}),
    (6, "GR4", "group_meeting", t(20, 14), t(20, 15), False, 1, {}),
    (7, "B1", "online_study", t(20, 8), t(20, 9), True, 2, {6: False, 7: True}),
    (8, "GR1", "group_meeting", t(10, 9), t(10, 10), False, 3, {1: True}),
]


def case_rows(spec: tuple) -> tuple[dict, list[dict]]:
    """The ``case`` row and its events for one line of ``CASES``."""
    (cid, g, category, source, received, claim_min, node, handled, closed, esc, rating, rated_at, deadline,
     response_due) = spec
    village_code, township_code = next((v, tw) for code, _, _, v, tw, _ in GRIDS if code == g)
    claimed = received + timedelta(minutes=claim_min) if claim_min is not None else None
    reached = NODE_ORDER.index(node)
    row = {"id": cid, "source": source, "source_ref": f"{source}-{cid}", "category": category, "item": category,
           "title": f"案件{cid}", "grid_code": g, "village_code": village_code, "township_code": township_code,
           "lon": 122.5, "lat": 40.6, "node": node, "level": ESCALATION_LEVELS[esc], "department": None,
           "created_at": received, "claimed_at": claimed, "handled_at": handled, "closed_at": closed,
           "response_due": response_due or received + timedelta(hours=12),
           "deadline": deadline or received + timedelta(days=3), "escalations": esc, "urges": 0,
           "rating": rating, "rated_at": rated_at}
    events = [("received", received, "village")]
    if claimed is not None:
        events.append(("claimed", claimed, "village"))
    for k in range(esc):
        events.append(("escalate", claimed + timedelta(minutes=5 * (k + 1)), ESCALATION_LEVELS[k + 1]))
    if reached >= 2:
        events.append(("dispatched", claimed + timedelta(minutes=30), ESCALATION_LEVELS[esc]))
    if reached >= 3:
        events.append(("handled", handled, ESCALATION_LEVELS[esc]))
    if reached >= 4:
        events.append(("verify", closed - timedelta(minutes=30), "village"))
        events.append(("closed", closed, ESCALATION_LEVELS[esc]))
    if rating is not None:
        events.append(("rate", rated_at, "village"))
    event_rows = [{"case_id": cid, "seq": i + 1, "kind": kind, "at": at, "actor": "网格员", "level": level,
                   "department": None, "note": rating if kind == "rate" else None}
                  for i, (kind, at, level) in enumerate(events)]
    return row, event_rows


def load_tree(conn: Connection) -> None:
    area = {"geom": SQUARE, "centroid_lon": 122.5, "centroid_lat": 40.6, "area_km2": 1.0}
    conn.execute(city.insert().values(code=CITY, name="大石桥市", name_en="Dashiqiao"))
    conn.execute(township.insert(), [{"code": c, "name": n, "name_en": e, "city_code": CITY, **area}
                                     for c, n, e in TOWNSHIPS])
    conn.execute(village.insert(), [{"code": c, "name": n, "name_en": e, "township_code": tw, **area}
                                    for c, n, e, tw in VILLAGES])
    conn.execute(grid.insert(), [{"code": c, "name": n, "name_en": e, "village_code": v, "township_code": tw,
                                  "grid_type": gt, **area} for c, n, e, v, tw, gt in GRIDS])
    conn.execute(grid_worker.insert(), [{"id": i, "grid_code": g, "name": n, "phone": f"1380000000{i}"}
                                        for i, g, n in WORKERS])
    conn.execute(patrol.insert(), [
        {"id": 1, "worker_id": 1, "grid_code": G1, "started_at": t(19, 15), "ended_at": t(19, 16),
         "distance_m": 1800, "end_lon": 122.4, "end_lat": 40.5},
        {"id": 2, "worker_id": 1, "grid_code": G1, "started_at": t(20, 7), "ended_at": t(20, 8),
         "distance_m": 2300, "end_lon": 122.51, "end_lat": 40.61},
    ])
    conn.execute(map_layer.insert(), [
        {"level": "grid", "scope_code": "", "geojson": GRID_LAYER, "etag": "etag-grid-city"},
    ])


def load_cases(conn: Connection) -> None:
    for spec in CASES:
        row, events = case_rows(spec)
        conn.execute(case.insert().values(**row))
        conn.execute(case_event.insert(), events)


def load_party(conn: Connection) -> None:
    conn.execute(party_org.insert(), [dict(zip(("code", "kind", "name", "parent_code", "township_code",
                                                "village_code", "grid_code"), o)) for o in ORGS])
    org = {o[0]: o for o in ORGS}
    conn.execute(party_member.insert(), [
        {"id": m, "org_code": o, "name": f"党员{m}", "gender": "MF"[m % 2], "born": 1980,
         "joined_on": date(2005, 7, 1), "township_code": org[o][4], "village_code": org[o][5]}
        for m, o in MEMBERS.items()])
    for sid, o, kind, starts, ends, online, expected, present in SESSIONS:
        conn.execute(study_session.insert().values(
            id=sid, kind=kind, org_code=o, title=f"学习{sid}", starts_at=starts, ends_at=ends, online=online,
            expected=expected, township_code=org[o][4], village_code=org[o][5]))
        if present:
            conn.execute(attendance.insert(), [{"session_id": sid, "member_id": m, "present": p}
                                               for m, p in present.items()])


def load_city(engine) -> None:
    """Write the whole fixture city in one transaction, like a writer would, and bump the version."""
    with engine.begin() as conn:
        load_tree(conn)
        load_cases(conn)
        load_party(conn)
        rebuild_rollups(conn)
        bump_version(conn, NOW)


@pytest.fixture
def city_db(engine, db_url):
    """The fixture city on each backend, configured as the panel queries' database."""
    load_city(engine)
    configure(db_url)
    return engine
