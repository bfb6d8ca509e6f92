"""The intake API on both backends: creation, idempotency, placement, field errors, limits, events, rating."""
from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from queries.schema import case, case_event
from queries.taxonomy import deadline_hours
from tests.api_helpers import (G, NOW, POINT, T1, api, auth, city, count_cases, denied_rows,  # noqa: F401
                               tokens, version)
from tests.small_city import small_city

V = {name: code[:12] for name, code in G.items()}


def post_case(api, secret=None, **body):
    return api.post("/api/v1/cases", json=body, headers=auth(secret or api.tokens["hotline"]))


def test_a_case_with_a_point_is_placed_in_its_grid_and_the_same_request_twice_makes_one_case(api, city):
    lon, lat = POINT["G3"]
    v0 = version(city)
    body = {"source_ref": "8890-1", "category": "environment", "lon": lon, "lat": lat,
            "created_at": "2026-11-20 09:30", "title": "垃圾未清运"}
    first = post_case(api, **body)
    assert first.status_code == 201, first.get_json()
    made = first.get_json()
    # G3 is the box 122.02..122.04 x 40.01..40.02 of village V2 in township T1
    assert (made["grid_code"], made["village_code"], made["township_code"]) == (G["G3"], V["G3"], T1)
    assert made["source"] == "hotline" and made["node"] == "received" and made["states"] == ["open"]
    assert [e["kind"] for e in made["events"]] == ["received"]
    assert first.headers["Location"] == f"/api/v1/cases/{made['id']}"
    again = post_case(api, **body)
    assert again.status_code == 200 and again.get_json()["id"] == made["id"]
    assert count_cases(city) == 1 and version(city) == v0 + 1      # the repeat wrote nothing
    # the same id from another source is another case: ids are the source's own
    other = post_case(api, api.tokens["photo"], **body)
    assert other.status_code == 201 and other.get_json()["id"] != made["id"]


def test_a_grid_code_needs_no_point(api):
    resp = post_case(api, source_ref="r", category="property", item="property.elevator", grid_code=G["G5"])
    out = resp.get_json()
    assert resp.status_code == 201 and out["grid_code"] == G["G5"] and out["lon"] is None
    assert out["item"] == "property.elevator" and out["created_at"] == "2026-11-20T10:30:00+08:00"


@pytest.mark.parametrize("text", ["2026-11-20T01:30:00Z", "2026-11-20T09:30:00+08:00", "2026年11月20日 9:30",
                                  "2026/11/20 9:30", "2026-11-20 09:30:00"])
def test_timestamps_are_stored_as_local_time(api, city, text):
    resp = post_case(api, source_ref="t", category="dispute", grid_code=G["G1"], created_at=text)
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["created_at"] == "2026-11-20T09:30:00+08:00"
    with city.connect() as conn:
        assert conn.execute(select(case.c.created_at)).scalar_one() == datetime(2026, 11, 20, 9, 30)


GOOD = {"source_ref": "x1", "category": "environment", "grid_code": None}


@pytest.mark.parametrize("change, field, words", [
    ({"grid_code": "210882999999999"}, "grid_code", "no grid"),
    ({"lon": 121.0, "lat": 39.0}, "lon", "outside every grid"),
    ({"category": "weather"}, "category", "unknown category"),
    ({"item": "property.elevator"}, "item", "not in category"),
    ({"created_at": "2026-11-31 09:00"}, "created_at", "not a valid date"),
    ({"created_at": "2026-11-20"}, "created_at", "no time of day"),
    ({"created_at": "2026-11-21T10:30:00+08:00"}, "created_at", "future"),
    ({"created_at": 1763600000}, "created_at", "as text"),
    ({"lon": 122.01}, "lat", "together"),
    ({"lon": "122.01", "lat": 40.01}, "lon", "number"),
    ({"source_ref": ""}, "source_ref", "required"),
    ({"note": "x" * 4001}, "note", "longer than 4000"),
    ({"severity": 3}, "severity", "unknown field"),
    ({}, "grid_code", "lon and lat"),
])
def test_bad_input_gets_422_naming_the_field_and_writes_nothing(api, city, change, field, words):
    v0 = version(city)
    body = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    if "grid_code" not in change and "lon" not in change and change != {}:
        body["grid_code"] = G["G1"]
    resp = post_case(api, **body)
    assert resp.status_code == 422, resp.get_json()
    out = resp.get_json()
    assert out["error"] == "invalid"
    messages = {e["field"]: e["message"] for e in out["errors"]}
    assert field in messages and words in messages[field], messages
    assert count_cases(city) == 0 and version(city) == v0


def test_body_limits_and_content_types(api, city):
    h = auth(api.tokens["hotline"])
    big = json.dumps({**GOOD, "grid_code": G["G1"], "note": "长" * 30000}, ensure_ascii=False).encode()
    assert len(big) > 64 * 1024
    resp = api.post("/api/v1/cases", data=big, headers={**h, "Content-Type": "application/json"})
    assert resp.status_code == 413 and resp.get_json()["error"] == "too_large"
    resp = api.post("/api/v1/cases", data="source_ref=1", headers={**h, "Content-Type": "text/plain"})
    assert resp.status_code == 415 and resp.is_json
    resp = api.post("/api/v1/cases", data="{not json", headers={**h, "Content-Type": "application/json"})
    assert resp.status_code == 400 and resp.get_json()["error"] == "malformed"
    resp = api.post("/api/v1/cases", json=[GOOD], headers=h)
    assert resp.status_code == 400
    assert count_cases(city) == 0


def test_tokens_unknown_missing_revoked_or_of_the_wrong_kind_are_refused_and_audited(api, city, monkeypatch):
    from api import gate
    monkeypatch.setattr(gate, "_recent_denials", {})   # the once-a-minute memory of earlier tests
    good = {**GOOD, "grid_code": G["G1"]}
    refusals = [
        (api.post("/api/v1/cases", json=good), 401),
        (api.post("/api/v1/cases", json=good, headers=auth("gbt_not-a-real-token")), 401),
        (api.post("/api/v1/cases", json=good, headers={"Authorization": api.tokens["hotline"]}), 401),  # no Bearer
        (post_case(api, api.tokens["revoked"], **good), 401),
        (post_case(api, api.tokens["kiosk"], **good), 403),
        (api.get("/api/v1/cases"), 401),
        (api.get("/api/v1/cases/1", headers=auth(api.tokens["revoked"])), 401),
    ]
    for resp, status in refusals:
        assert resp.status_code == status and resp.is_json, (resp.status_code, resp.get_json())
        assert resp.get_json()["error"] == ("unauthorized" if status == 401 else "forbidden")
    assert refusals[0][0].headers["WWW-Authenticate"].startswith("Bearer")
    assert count_cases(city) == 0
    rows = denied_rows(city)
    # one record per refusal, except the 2nd and 3rd: the same anonymous POST from the same address as the
    # 1st within a minute (the gate's flood guard)
    assert [r.detail for r in rows] == [
        "401: no API token: send Authorization: Bearer <token>", "401: revoked API token",
        "403: a kiosk token may not do this (needs a source token)",
        "401: no API token: send Authorization: Bearer <token>", "401: revoked API token"]
    assert rows[0].target == "POST /api/v1/cases" and rows[1].actor.startswith("token:")
    assert rows[3].target == "GET /api/v1/cases" and rows[4].target == "GET /api/v1/cases/1"


def test_a_source_sees_and_changes_only_its_own_cases(api):
    mine = post_case(api, source_ref="m", category="property", grid_code=G["G1"]).get_json()["id"]
    photo = auth(api.tokens["photo"])
    assert api.get(f"/api/v1/cases/{mine}", headers=photo).status_code == 404
    assert api.post(f"/api/v1/cases/{mine}/events", json={"kind": "claimed"}, headers=photo).status_code == 404
    assert api.post(f"/api/v1/cases/{mine}/rating", json={"rating": "satisfied"}, headers=photo).status_code == 404
    assert api.get("/api/v1/cases", headers=photo).get_json()["total"] == 0
    hot = auth(api.tokens["hotline"])
    assert api.get(f"/api/v1/cases/{mine}", headers=hot).status_code == 200
    assert api.get("/api/v1/cases/999", headers=hot).status_code == 404


def test_a_kiosk_token_reads_nothing_here(api):
    """A kiosk token opens wall screens only (README, Accounts and access): no case list, no case."""
    cid = post_case(api, source_ref="b", category="property", grid_code=G["G6"]).get_json()["id"]
    kiosk = auth(api.tokens["kiosk"])
    for resp in (api.get(f"/api/v1/cases/{cid}", headers=kiosk), api.get("/api/v1/cases", headers=kiosk)):
        assert resp.status_code == 403 and resp.get_json()["error"] == "forbidden"


def event(api, cid, **body):
    return api.post(f"/api/v1/cases/{cid}/events", json=body, headers=auth(api.tokens["hotline"]))


def test_a_case_runs_through_its_nodes_and_is_rated_and_refusals_name_the_rule(api, city):
    cid = post_case(api, source_ref="life", category="environment", grid_code=G["G2"],
                    created_at="2026-11-20 08:00").get_json()["id"]
    assert event(api, cid, kind="closed", at="2026-11-20 08:10").status_code == 409
    refused = event(api, cid, kind="dispatched", at="2026-11-20 08:10").get_json()
    assert refused["rule"] == "dispatch_before_claim" and f"case {cid}" in refused["message"]
    steps = [("claimed", "08:10"), ("dispatched", "08:20"), ("handled", "09:00"), ("verify", "09:30"),
             ("closed", "09:40")]
    for kind, hhmm in steps:
        resp = event(api, cid, kind=kind, at=f"2026-11-20 {hhmm}", actor="张伟")
        assert resp.status_code == 201, resp.get_json()
    older = event(api, cid, kind="urge", at="2026-11-20 09:00").get_json()
    assert older["rule"] in ("closed_case", "out_of_time_order")
    assert api.post(f"/api/v1/cases/{cid}/rating", json={"rating": "great"},
                    headers=auth(api.tokens["hotline"])).status_code == 422
    rated = api.post(f"/api/v1/cases/{cid}/rating", json={"rating": "dissatisfied", "at": "2026-11-20 10:00"},
                     headers=auth(api.tokens["hotline"]))
    assert rated.status_code == 200
    out = rated.get_json()
    assert out["node"] == "closed" and out["rating"] == "dissatisfied" and out["states"] == ["closed"]
    assert out["claimed_at"] == "2026-11-20T08:10:00+08:00" and out["closed_at"] == "2026-11-20T09:40:00+08:00"
    kinds = ["received"] + [k for k, _ in steps] + ["rate"]
    assert [e["kind"] for e in out["events"]] == kinds and out["events"][1]["actor"] == "张伟"
    again = api.post(f"/api/v1/cases/{cid}/rating", json={"rating": "satisfied"}, headers=auth(api.tokens["hotline"]))
    assert again.status_code == 409 and again.get_json()["rule"] == "rated_twice"
    reopened = event(api, cid, kind="reopen", at="2026-11-20 10:10").get_json()
    assert reopened["node"] == "dispatched" and "reopened" in reopened["states"]
    with city.connect() as conn:
        stored = conn.execute(select(case_event.c.kind).where(case_event.c.case_id == cid)
                              .order_by(case_event.c.seq)).scalars().all()
    assert stored == kinds + ["reopen"]


def test_unknown_event_fields_and_kinds_are_422_and_missing_cases_404(api):
    cid = post_case(api, source_ref="e", category="environment", grid_code=G["G2"]).get_json()["id"]
    bad = event(api, cid, kind="claimed", colour="red").get_json()
    assert [e["field"] for e in bad["errors"]] == ["colour"]
    assert event(api, cid, kind="received").status_code == 422
    assert event(api, 12345, kind="claimed").status_code == 404


def test_lists_filter_and_page_as_counted_by_hand(api):
    # (ref, category, grid, created_at): hand-made so that every filter below has a known answer
    rows = [("L1", "environment", "G1", "2026-11-18 08:00"), ("L2", "property", "G1", "2026-11-18 09:00"),
            ("L3", "environment", "G3", "2026-11-19 08:00"), ("L4", "environment", "G6", "2026-11-19 09:00"),
            ("L5", "dispute", "G5", "2026-11-20 08:00"), ("L6", "environment", "G2", "2026-11-20 09:00"),
            ("L7", "property", "G4", "2026-11-20 10:00")]
    ids = {}
    for ref, cat, g, at in rows:
        ids[ref] = post_case(api, source_ref=ref, category=cat, grid_code=G[g], created_at=at).get_json()["id"]
    h = auth(api.tokens["hotline"])
    # close L3 so that status filters differ
    for kind, at in (("claimed", "08:05"), ("dispatched", "08:10"), ("handled", "08:20"), ("verify", "08:30"),
                     ("closed", "08:40")):
        assert event(api, ids["L3"], kind=kind, at=f"2026-11-19 {at}").status_code == 201

    def refs(query):
        out = api.get("/api/v1/cases?" + query, headers=h).get_json()
        by_id = {v: k for k, v in ids.items()}
        return [by_id[c["id"]] for c in out["items"]], out["total"]

    assert refs("") == (["L7", "L6", "L5", "L4", "L3", "L2", "L1"], 7)       # newest first
    assert refs("sort=created_at&order=asc&page_size=3") == (["L1", "L2", "L3"], 7)
    assert refs("sort=created_at&order=asc&page_size=3&page=3") == (["L7"], 7)
    assert refs("category=environment") == (["L6", "L4", "L3", "L1"], 4)
    assert refs(f"grid_code={G['G1']}") == (["L2", "L1"], 2)
    assert refs(f"township_code={T1}&status=open") == (["L7", "L6", "L2", "L1"], 4)
    assert refs("status=closed") == (["L3"], 1)
    assert refs("created_from=2026-11-19 00:00&created_to=2026-11-20 08:00") == (["L4", "L3"], 2)
    assert refs("source_ref=L5") == (["L5"], 1)
    # overdue: open and past created_at + the category's village deadline (none was escalated)
    overdue = [ref for ref, cat, _, at in reversed(rows) if ref != "L3"
               and datetime.fromisoformat(at) + timedelta(hours=deadline_hours(cat, "village")) < NOW]
    assert overdue and refs("status=overdue") == (overdue, len(overdue))
    first = api.get("/api/v1/cases?page_size=3&category=environment", headers=h).get_json()
    assert first["next"] is not None and "page=2" in first["next"] and "category=environment" in first["next"]
    last = api.get(first["next"], headers=h).get_json()
    assert [c["id"] for c in last["items"]] == [ids["L1"]] and last["next"] is None
    bad = api.get("/api/v1/cases?state=open", headers=h)
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "state"


def test_the_small_city_points_are_inside_their_grids():
    """The POINT fixture itself: each point lies in the grid it is named after (else placement tests prove nothing)."""
    from shapely.geometry import Point
    tree = small_city()
    for (name, code), geom in zip(G.items(), tree.grids.geometry):
        assert geom.contains(Point(*POINT[name])), name


def test_the_same_case_posted_concurrently_is_created_once(api, city):
    from concurrent.futures import ThreadPoolExecutor
    body = {"source_ref": "race-1", "category": "environment", "grid_code": G["G4"]}
    app = api.application

    def send(_):
        return app.test_client().post("/api/v1/cases", json=body, headers=auth(api.tokens["hotline"]))

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(send, range(12)))
    assert sorted(r.status_code for r in answers) == [200] * 11 + [201]
    assert len({r.get_json()["id"] for r in answers}) == 1 and count_cases(city) == 1
