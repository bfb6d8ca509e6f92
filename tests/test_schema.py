"""The schema migrates on both backends and every table round-trips a row."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import inspect, select

from queries.migrate import current_revision
from queries.schema import metadata

T0 = dt.datetime(2026, 11, 20, 9, 30, 0)
SQUARE = bytes.fromhex("0103000000010000000500000000000000000000000000000000000000000000000000f03f"
                       "0000000000000000000000000000f03f000000000000f03f0000000000000000000000000000f03f"
                       "00000000000000000000000000000000")

ROWS = {
    "city": {"code": "210882", "name": "大石桥市", "name_en": "Dashiqiao"},
    "township": {"code": "210882001", "name": "钢都街道", "name_en": "Gangdu", "city_code": "210882",
                 "geom": SQUARE, "centroid_lon": 0.5, "centroid_lat": 0.5, "area_km2": 1.5},
    "village": {"code": "210882001001", "name": "富丽社区", "name_en": "Fuli", "township_code": "210882001",
                "geom": SQUARE, "centroid_lon": 0.5, "centroid_lat": 0.5, "area_km2": 1.5},
    "grid": {"code": "210882001001001", "name": "富丽社区第1网格", "name_en": "Fuli 1",
             "village_code": "210882001001", "township_code": "210882001", "grid_type": "urban_rural",
             "geom": SQUARE, "centroid_lon": 0.5, "centroid_lat": 0.5, "area_km2": 1.5},
    "grid_worker": {"id": 1, "grid_code": "210882001001001", "name": "张伟", "phone": "13800000000"},
    "patrol": {"id": 1, "worker_id": 1, "grid_code": "210882001001001", "started_at": T0,
               "ended_at": T0 + dt.timedelta(hours=1), "distance_m": 2300, "end_lon": 0.4, "end_lat": 0.6},
    "case": {"id": 1, "source": "hotline", "source_ref": "8890-1", "category": "环境卫生", "item": "垃圾清运",
             "title": "楼下垃圾未清运", "grid_code": "210882001001001", "village_code": "210882001001",
             "township_code": "210882001", "lon": 0.5, "lat": 0.5, "node": "closed", "level": "city",
             "department": "城管局", "created_at": T0, "claimed_at": T0 + dt.timedelta(minutes=40),
             "handled_at": T0 + dt.timedelta(hours=20), "closed_at": T0 + dt.timedelta(hours=26),
             "response_due": T0 + dt.timedelta(hours=12), "deadline": T0 + dt.timedelta(days=3),
             "escalations": 2, "urges": 1, "rating": "satisfied", "rated_at": T0 + dt.timedelta(hours=27),
             "verified_at": T0 + dt.timedelta(hours=25), "reminded_at": None, "reopens": 0,
             "updated_at": T0 + dt.timedelta(hours=27)},
    "case_event": {"id": 1, "case_id": 1, "seq": 1, "kind": "received", "at": T0, "actor": "8890",
                   "level": "village", "department": None, "note": "来电"},
    "case_day": {"day": T0.date(), "grid_code": "210882001001001", "village_code": "210882001001",
                 "township_code": "210882001", "created": 1, "closed": 0, "claimed": 1, "response_s": 2400.0,
                 "escalated": 2, "rated": 0, "satisfied": 0, "basically_satisfied": 0, "dissatisfied": 0,
                 "at_received": 0, "at_claimed": 0, "at_dispatched": 0, "at_handled": 0, "at_closed": 1,
                 "escalated_cases": 1},
    "case_day_category": {"day": T0.date(), "village_code": "210882001001", "category": "环境卫生",
                          "township_code": "210882001", "created": 1, "closed": 0},
    "case_day_response": {"day": T0.date(), "village_code": "210882001001", "bucket": 45,
                          "township_code": "210882001", "n": 1},
    "party_org": {"code": "P210882001", "kind": "committee", "name": "钢都街道党工委", "parent_code": None,
                  "township_code": "210882001", "village_code": None, "grid_code": None},
    "party_member": {"id": 1, "org_code": "P210882001", "name": "李娜", "gender": "F", "born": 1975,
                     "joined_on": dt.date(2001, 7, 1), "township_code": "210882001", "village_code": None},
    "study_session": {"id": 1, "kind": "party_lesson", "org_code": "P210882001", "title": "党课",
                      "starts_at": T0, "ends_at": T0 + dt.timedelta(hours=2), "online": True, "expected": 30,
                      "township_code": "210882001", "village_code": None},
    "attendance": {"session_id": 1, "member_id": 1, "present": True},
    "map_layer": {"level": "grid", "scope_code": "", "geojson": '{"type":"FeatureCollection","features":[]}',
                  "etag": "abc"},
    "app_user": {"id": 1, "name": "gangdu", "role": "township_leader", "scope_level": "township",
                 "scope_code": "210882001", "password_hash": "scrypt:32768:8:1$salt$hash", "disabled": False,
                 "failed_logins": 0, "locked_until": None, "created_at": T0, "password_changed_at": T0,
                 "last_login_at": None},
    "api_token": {"id": 1, "kind": "source", "name": "12345 hotline", "source": "hotline", "scope_level": None,
                  "scope_code": None, "token_hash": "0" * 64, "prefix": "gbt_abcd", "created_at": T0,
                  "created_by": "admin", "revoked_at": None, "last_used_at": None},
    "audit_log": {"id": 1, "at": T0, "actor": "gangdu", "action": "login", "target": "", "detail": None,
                  "ip": "127.0.0.1"},
}


def test_migration_is_at_head(engine):
    assert current_revision(engine) is not None
    tables = set(inspect(engine).get_table_names())
    assert set(metadata.tables) <= tables


def test_every_table_round_trips(engine):
    # data_version is seeded by the migration helper and is checked apart
    assert set(ROWS) | {"data_version"} == set(metadata.tables)
    with engine.begin() as conn:
        for t in metadata.sorted_tables:
            if t.name in ROWS:
                conn.execute(t.insert().values(**ROWS[t.name]))
    with engine.connect() as conn:
        for name, row in ROWS.items():
            got = conn.execute(select(metadata.tables[name])).mappings().one()
            assert dict(got) == row, name
        assert conn.execute(select(metadata.tables["data_version"].c.version)).scalar() == 1
