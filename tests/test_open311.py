"""Open311 GeoReport v2: the spec's fields exactly, its error shape and codes, filters, filing by form."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from intake.open311 import REQUEST_FIELDS, SERVICE_FIELDS
from queries.lifecycle import CaseEvent, NewCase, append_event, create_case
from queries.schema import case
from queries.taxonomy import CATEGORIES, deadline_hours
from tests.api_helpers import G, NOW, POINT, api, auth, city, count_cases, tokens  # noqa: F401

W3 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$")
# the spec's field lists, written out here (not imported) so that a renamed field fails the test
SPEC_SERVICE = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
SPEC_REQUEST = ["service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"]


def test_the_mapping_uses_the_spec_field_names():
    assert list(SERVICE_FIELDS) == SPEC_SERVICE and list(REQUEST_FIELDS) == SPEC_REQUEST


def test_services_list_every_case_type_grouped_by_category_without_a_key(api):
    resp = api.get("/open311/v2/services.json")
    assert resp.status_code == 200 and resp.content_type.startswith("application/json")
    services = resp.get_json()
    assert all(set(s) == set(SPEC_SERVICE) for s in services)
    expected = [(i.code, i.zh, c.zh) for c in CATEGORIES for i in c.items]
    assert [(s["service_code"], s["service_name"], s["group"]) for s in services] == expected
    assert {s["type"] for s in services} == {"realtime"} and {s["metadata"] for s in services} == {False}
    en = api.get("/open311/v2/services.json?lang=en").get_json()
    assert en[0]["service_name"] == CATEGORIES[0].items[0].en and en[0]["group"] == CATEGORIES[0].en


def file(api, secret, **form):
    return api.post("/open311/v2/requests.json", data={"api_key": secret, **form})


def test_filing_a_request_by_form_places_it_by_point_and_reads_back_with_every_spec_field(api, city):
    lon, lat = POINT["G6"]
    resp = file(api, api.tokens["hotline"], service_code="environment.noise", lat=str(lat), long=str(lon),
                description="夜间施工噪声\n持续到凌晨", address_string="周家村东头", account_id="u42", email="a@b.c")
    assert resp.status_code == 201, resp.get_json()
    [answer] = resp.get_json()
    assert set(answer) == {"service_request_id", "service_notice", "account_id"} and answer["account_id"] == "u42"
    rid = answer["service_request_id"]
    with city.connect() as conn:
        row = conn.execute(select(case).where(case.c.id == int(rid))).mappings().one()
    assert (row["source"], row["category"], row["item"], row["grid_code"]) == \
        ("hotline", "environment", "environment.noise", G["G6"])
    assert row["title"] == "夜间施工噪声" and row["created_at"] == NOW
    [req] = api.get(f"/open311/v2/requests/{rid}.json", headers=auth(api.tokens["hotline"])).get_json()
    assert list(req) == SPEC_REQUEST or set(req) == set(SPEC_REQUEST)
    assert req["service_request_id"] == rid and req["status"] == "open"
    assert req["service_code"] == "environment.noise" and req["service_name"] == "噪声扰民"
    assert req["description"] == "夜间施工噪声" and req["address_id"] == G["G6"]
    assert req["address"] == "周家村第2网格, 周家村, 周家镇"            # most specific first
    assert (req["lat"], req["long"]) == (pytest.approx(lat), pytest.approx(lon))
    for name in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert W3.match(req[name]), (name, req[name])
    assert req["requested_datetime"] == "2026-11-20T10:30:00+08:00"
    due = NOW + timedelta(hours=deadline_hours("environment", "village"))
    assert req["expected_datetime"] == due.isoformat() + "+08:00"
    assert req["zipcode"] is None and req["media_url"] is None


def test_filing_by_address_id_and_by_category_code(api, city):
    [a] = file(api, api.tokens["hotline"], service_code="property", address_id=G["G2"]).get_json()
    with city.connect() as conn:
        row = conn.execute(select(case.c.item, case.c.grid_code).where(case.c.id == int(a["service_request_id"]))).one()
    assert row == (CATEGORIES[0].items[0].code, G["G2"])


@pytest.mark.parametrize("form, status, words", [
    ({}, 400, "service_code was not provided"),
    ({"service_code": "weather.rain", "address_id": "x"}, 404, "service_code"),
    ({"service_code": "property.elevator"}, 400, "location is required"),
    ({"service_code": "property.elevator", "address_string": "人民路1号"}, 400, "address_string alone"),
    ({"service_code": "property.elevator", "lat": "40.01"}, 400, "lat and long"),
    ({"service_code": "property.elevator", "lat": "north", "long": "122.01"}, 400, "not a number"),
    ({"service_code": "property.elevator", "lat": "39.0", "long": "121.0"}, 400, "outside every grid"),
    ({"service_code": "property.elevator", "address_id": "999"}, 400, "address_id"),
    ({"service_code": "property.elevator", "address_id": "x", "description": "d" * 4001}, 400, "4000"),
])
def test_filing_errors_use_the_spec_error_list(api, city, form, status, words):
    resp = file(api, api.tokens["hotline"], **form)
    assert resp.status_code == status
    [err] = resp.get_json()
    assert set(err) == {"code", "description"} and err["code"] == status and words in err["description"]
    assert count_cases(city) == 0


def test_a_missing_invalid_or_read_only_api_key_gets_403(api, city):
    form = {"service_code": "property.elevator", "address_id": G["G1"]}
    for resp in (api.post("/open311/v2/requests.json", data=form), file(api, "gbt_wrong", **form),
                 file(api, api.tokens["revoked"], **form), file(api, api.tokens["kiosk"], **form),
                 api.get("/open311/v2/requests.json"), api.get("/open311/v2/requests/1.json?api_key=nope")):
        assert resp.status_code == 403
        [err] = resp.get_json()
        assert err["code"] == 403 and err["description"]
    assert count_cases(city) == 0


def make(conn, ref, item, grid, created, source="hotline"):
    cid, _ = create_case(conn, NewCase(source=source, category=item.split(".")[0], item=item, source_ref=ref,
                                       grid_code=G[grid], created_at=created), now=NOW)
    return cid


def close(conn, cid, start: datetime):
    for k, kind in enumerate(("claimed", "dispatched", "handled", "verify", "closed")):
        append_event(conn, cid, CaseEvent(kind, start + timedelta(minutes=10 * (k + 1))), now=NOW)


def test_requests_filter_by_id_code_span_and_status_as_the_spec_says(api, city):
    d = lambda day, h=9: datetime(2026, 11, day, h)  # noqa: E731
    with city.begin() as conn:
        ids = {"a": make(conn, "a", "environment.garbage", "G1", d(20)),
               "b": make(conn, "b", "environment.noise", "G2", d(19)),
               "c": make(conn, "c", "property.elevator", "G3", d(18)),
               "old": make(conn, "old", "property.elevator", "G4", datetime(2026, 8, 1, 9)),   # > 90 days ago
               "photo": make(conn, "p", "property.elevator", "G4", d(17), source="photo")}
        close(conn, ids["c"], d(18))
    h = auth(api.tokens["hotline"])

    def listed(query=""):
        resp = api.get("/open311/v2/requests.json" + query, headers=h)
        assert resp.status_code == 200, resp.get_json()
        by_id = {str(v): k for k, v in ids.items()}
        return [by_id[r["service_request_id"]] for r in resp.get_json()]

    assert listed() == ["a", "b", "c"]                          # last 90 days, own source, newest first
    assert listed("?status=open") == ["a", "b"] and listed("?status=closed") == ["c"]
    assert listed("?status=open,closed") == ["a", "b", "c"]
    assert listed("?service_code=environment.noise,property.elevator") == ["b", "c"]
    assert listed("?service_code=environment") == ["a", "b"]      # a category code: all of its types
    assert listed("?start_date=2026-11-19T00:00:00%2B08:00&end_date=2026-11-19T23:59:59%2B08:00") == ["b"]
    assert listed("?start_date=2026-07-25T00:00:00Z&end_date=2026-08-10T00:00:00Z") == ["old"]
    assert listed(f"?service_request_id={ids['old']},{ids['a']}&status=closed") == ["a", "old"]  # ids override
    assert listed(f"?service_request_id={ids['photo']}") == []  # another source's request
    [closed] = api.get(f"/open311/v2/requests/{ids['c']}.json", headers=h).get_json()
    assert closed["status"] == "closed" and closed["updated_datetime"] == "2026-11-18T09:50:00+08:00"
    assert closed["service_notice"] is None and closed["status_notes"] == "结案"
    for query, words in (("?start_date=2026-01-01T00:00:00Z&end_date=2026-11-01T00:00:00Z", "90 days"),
                         ("?status=pending", "pending"), ("?start_date=last+week", "start_date"),
                         ("?service_request_id=1,x", "x")):
        resp = api.get("/open311/v2/requests.json" + query, headers=h)
        assert resp.status_code == 400 and words in resp.get_json()[0]["description"], query
    assert api.get("/open311/v2/requests.json?service_code=nope", headers=h).status_code == 404
    missing = api.get(f"/open311/v2/requests/{ids['photo']}.json", headers=h)
    assert missing.status_code == 404 and missing.get_json()[0]["code"] == 404


def test_a_kiosk_key_reads_no_requests(api, city):
    with city.begin() as conn:
        cid = make(conn, "k2", "dispute.debt", "G5", NOW - timedelta(hours=1))
    for path in ("/open311/v2/requests.json", f"/open311/v2/requests/{cid}.json"):
        resp = api.get(f"{path}?api_key={api.tokens['kiosk']}")
        assert resp.status_code == 403 and resp.get_json()[0]["code"] == 403


def test_an_escalated_case_names_its_agency_and_level(api, city):
    with city.begin() as conn:
        cid = make(conn, "esc", "property.elevator", "G1", NOW - timedelta(hours=3))
        t0 = NOW - timedelta(hours=2)
        append_event(conn, cid, CaseEvent("claimed", t0), now=NOW)
        for k in range(2):
            append_event(conn, cid, CaseEvent("escalate", t0 + timedelta(minutes=k + 1)), now=NOW)
        append_event(conn, cid, CaseEvent("escalate", t0 + timedelta(minutes=5), department="housing"), now=NOW)
    [req] = api.get(f"/open311/v2/requests/{cid}.json?lang=en", headers=auth(api.tokens["hotline"])).get_json()
    assert req["agency_responsible"] == "Housing and Urban-Rural Development Bureau"
    assert req["status_notes"] == "Claimed · Department" and req["service_name"] == "Elevator out of order"
