"""The OpenAPI document matches the server: valid, every documented field accepted, others refused,
answers shaped as documented, and served by the real app."""
from __future__ import annotations

import pytest

from api.openapi import document
from queries.scope import Scope
from tests.api_helpers import NOW, G, api, auth, city, tokens  # noqa: F401


def deref(node, doc):
    """The schema with every ``$ref`` replaced by what it points at (the document has no cycles)."""
    if isinstance(node, dict):
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[1]
            return deref(doc["components"]["schemas"][name], doc)
        return {k: deref(v, doc) for k, v in node.items()}
    if isinstance(node, list):
        return [deref(v, doc) for v in node]
    return node


def check(instance, schema_name: str):
    """Validate an answer against a component schema (OpenAPI 3.0 semantics: nullable, formats)."""
    from openapi_schema_validator import OAS30Validator
    doc = document()
    schema = deref(doc["components"]["schemas"][schema_name], doc)
    OAS30Validator(schema, format_checker=OAS30Validator.FORMAT_CHECKER).validate(instance)


def test_the_document_is_valid_openapi():
    from openapi_spec_validator import validate
    doc = document()
    validate(doc)
    assert set(doc["paths"]) == {"/api/v1/cases", "/api/v1/cases/{case_id}", "/api/v1/cases/{case_id}/events",
                                 "/api/v1/cases/{case_id}/rating", "/api/v1/version"}


def example_body(schema_name: str, **overrides) -> dict:
    props = document()["components"]["schemas"][schema_name]["properties"]
    body = {name: p["example"] for name, p in props.items() if "example" in p}
    body.update(overrides)
    return body


def test_every_documented_case_field_is_accepted_and_an_undocumented_one_refused(api):
    props = document()["components"]["schemas"]["NewCase"]["properties"]
    body = example_body("NewCase", grid_code=G["G1"])
    assert set(body) == set(props), "every documented field has an example the test can send"
    h = auth(api.tokens["hotline"])
    made = api.post("/api/v1/cases", json=body, headers=h)
    assert made.status_code == 201, made.get_json()
    out = made.get_json()
    check(out, "Case")
    for name in ("source_ref", "category", "item", "title", "grid_code", "lon", "lat"):
        assert out[name] == body[name], name
    assert out["events"][0]["actor"] == body["actor"] and out["events"][0]["note"] == body["note"]
    refused = api.post("/api/v1/cases", json={**body, "source_ref": "other", "urgency": "high"}, headers=h)
    assert refused.status_code == 422
    check(refused.get_json(), "Error")
    assert [e["field"] for e in refused.get_json()["errors"]] == ["urgency"]
    required = document()["components"]["schemas"]["NewCase"]["required"]
    for name in required:
        missing = api.post("/api/v1/cases", json={k: v for k, v in body.items() if k != name}, headers=h)
        assert missing.status_code == 422 and name in {e["field"] for e in missing.get_json()["errors"]}


def test_every_documented_event_and_rating_field_is_accepted(api):
    h = auth(api.tokens["hotline"])
    cid = api.post("/api/v1/cases", json={"source_ref": "ev", "category": "property", "grid_code": G["G2"],
                                          "created_at": "2026-11-20 08:00"}, headers=h).get_json()["id"]
    props = document()["components"]["schemas"]["NewEvent"]["properties"]
    claimed = example_body("NewEvent", kind="claimed", at="2026-11-20 08:10")
    assert set(claimed) | {"department"} == set(props)
    resp = api.post(f"/api/v1/cases/{cid}/events", json=claimed, headers=h)
    assert resp.status_code == 201, resp.get_json()
    check(resp.get_json(), "Case")
    for at in ("08:20", "08:30"):
        assert api.post(f"/api/v1/cases/{cid}/events", json={"kind": "escalate", "at": f"2026-11-20 {at}"},
                        headers=h).status_code == 201
    to_department = {"kind": "escalate", "at": "2026-11-20 08:40", "department": "housing"}
    out = api.post(f"/api/v1/cases/{cid}/events", json=to_department, headers=h).get_json()
    assert out["level"] == "department" and out["department"] == "housing"
    for kind, at in (("dispatched", "08:50"), ("handled", "09:00"), ("verify", "09:10"), ("closed", "09:20")):
        assert api.post(f"/api/v1/cases/{cid}/events", json={"kind": kind, "at": f"2026-11-20 {at}"},
                        headers=h).status_code == 201
    rating = example_body("NewRating")
    assert set(rating) == set(document()["components"]["schemas"]["NewRating"]["properties"])
    rated = api.post(f"/api/v1/cases/{cid}/rating", json=rating, headers=h)
    assert rated.status_code == 200, rated.get_json()
    check(rated.get_json(), "Case")
    conflict = api.post(f"/api/v1/cases/{cid}/events", json={"kind": "urge"}, headers=h)
    assert conflict.status_code == 409
    check(conflict.get_json(), "Error")


def _param_value(p: dict):
    schema = p["schema"]
    if "enum" in schema:
        return schema["enum"][0]
    if schema["type"] == "integer":
        return schema.get("default", 1)
    if "Format:" in p["description"]:
        return "2026-11-20 09:00"
    return "x"


def test_every_documented_list_parameter_is_accepted_and_an_undocumented_one_refused(api):
    h = auth(api.tokens["hotline"])
    api.post("/api/v1/cases", json={"source_ref": "l", "category": "property", "grid_code": G["G1"]}, headers=h)
    params = document()["paths"]["/api/v1/cases"]["get"]["parameters"]
    for p in params:
        resp = api.get("/api/v1/cases", query_string={p["name"]: _param_value(p)}, headers=h)
        assert resp.status_code == 200, (p["name"], resp.get_json())
        check(resp.get_json(), "CaseList")
    everything = api.get("/api/v1/cases", headers=h).get_json()
    assert everything["total"] == 1
    check(everything, "CaseList")
    resp = api.get("/api/v1/cases", query_string={"limit": "10"}, headers=h)
    assert resp.status_code == 422 and resp.get_json()["errors"][0]["field"] == "limit"


def test_documented_error_answers_have_the_error_shape(api):
    for resp in (api.get("/api/v1/cases"), api.get("/api/v1/cases/5", headers=auth(api.tokens["hotline"]))):
        check(resp.get_json(), "Error")


@pytest.fixture
def real_app(sqlite_url):
    from app import create_app
    from config import load_config
    from queries.cache import unbind_caches
    app = create_app(load_config({"database_url": sqlite_url, "now": "2026-11-20T10:30:00"}, environ={}))
    try:
        yield app.server.test_client()
    finally:
        unbind_caches()  # the caches are process-wide: leave them as other tests expect


def test_the_real_app_serves_the_document_and_the_routes(real_app, sqlite_engine):
    from queries.tokens import create_token
    resp = real_app.get("/api/v1/openapi.json")
    assert resp.status_code == 200 and resp.get_json() == document()
    assert real_app.post("/api/v1/cases", json={}).status_code == 401
    assert real_app.get("/open311/v2/services.json").status_code == 200
    assert real_app.get("/open311/v2/requests.json").status_code == 403
    # the version poll, as documented: a reader, not a source token
    with sqlite_engine.begin() as conn:
        source, _ = create_token(conn, "source", now=NOW, source="hotline")
        kiosk, _ = create_token(conn, "kiosk", now=NOW, scope=Scope.city())
    for secret, status, schema in ((None, 401, "Refusal"), (source, 403, "Refusal"), (kiosk, 200, "Version")):
        resp = real_app.get("/api/v1/version", headers=auth(secret) if secret else {})
        assert resp.status_code == status
        check(resp.get_json(), schema)
        documented = document()["paths"]["/api/v1/version"]["get"]["responses"]
        assert str(status) in documented
