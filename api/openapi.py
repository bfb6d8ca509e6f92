"""``/api/v1/openapi.json``: the intake API described as OpenAPI 3.0, generated from ``intake.fields``.

Request schemas come from the same :class:`~intake.fields.Field` declarations
that validation reads, so the document and the server cannot drift apart:
a field is accepted exactly when it is documented (``additionalProperties:
false``: anything else is refused with 422 naming it).  Input times are
plain strings (the server reads several formats, see their descriptions);
output times are always RFC 3339 with the deployment's offset.
"""
from __future__ import annotations

from flask import Blueprint, jsonify

from api.intake import MAX_BODY_BYTES
from intake.fields import CASE_FIELDS, CASE_OUT, EVENT_FIELDS, EVENT_OUT, LIST_PARAMS, RATING_FIELDS, Field

openapi_blueprint = Blueprint("openapi", __name__)

NOT_NULL = {"id", "source", "category", "item", "title", "grid_code", "village_code", "township_code", "node",
            "level", "created_at", "response_due", "deadline", "escalations", "urges", "reopens", "seq", "kind",
            "at", "actor"}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def input_schema(fields: tuple[Field, ...], description: str) -> dict:
    return {"type": "object", "description": description, "additionalProperties": False,
            "required": [f.name for f in fields if f.required],
            "properties": {f.name: f.schema() for f in fields}}


def output_schema(columns: dict[str, tuple[str, str]]) -> dict:
    props = {}
    for name, (kind, help_text) in columns.items():
        schema = ({"type": "string", "format": "date-time"} if kind == "time" else {"type": kind})
        schema["description"] = help_text
        if name not in NOT_NULL:
            schema["nullable"] = True
        props[name] = schema
    return {"type": "object", "properties": props, "required": [n for n in columns if n in NOT_NULL]}


def _responses(ok: dict, *errors: int) -> dict:
    text = {400: "The body is not a JSON object.", 401: "No valid API token (missing, unknown or revoked).",
            403: "A token that is not a source token (a kiosk token opens wall screens only).",
            404: "No such case, or not one this token may see.",
            409: "The event is not allowed in the case's state; `rule` names the rule.",
            413: f"The body is larger than {MAX_BODY_BYTES:,} bytes.", 415: "The body is not JSON.",
            422: "Bad fields; `errors` names each field and what is wrong."}
    out = dict(ok)
    for code in errors:
        out[str(code)] = {"description": text[code],
                          "content": {"application/json": {"schema": _ref("Error")}}}
    return out


def _case_answer(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref("Case")}}}


def _body(name: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": _ref(name)}}}


def _param(f: Field) -> dict:
    schema = f.schema()
    description = schema.pop("description")
    return {"name": f.name, "in": "query", "required": False, "description": description, "schema": schema}


CASE_ID = {"name": "case_id", "in": "path", "required": True, "schema": {"type": "integer"},
           "description": "Our case id (the `id` of a case)."}


def document() -> dict:
    """The whole OpenAPI 3.0 document."""
    case_schema = output_schema(CASE_OUT)
    case_schema["properties"]["states"] = {
        "type": "array", "items": {"type": "string"},
        "description": "States now: open, closed, overdue, reminder_due, awaiting_verification, …"}
    case_schema["properties"]["events"] = {"type": "array", "items": _ref("Event"),
                                           "description": "The trail, in order (only when one case is read)."}
    schemas = {
        "NewCase": input_schema(CASE_FIELDS, "A case reported by the token's source."),
        "NewEvent": input_schema(EVENT_FIELDS, "An event on a case of the token's source."),
        "NewRating": input_schema(RATING_FIELDS, "The resident's rating of a closed case."),
        "Case": case_schema,
        "Event": output_schema(EVENT_OUT),
        "CaseList": {"type": "object", "required": ["items", "total", "page", "page_size", "next"], "properties": {
            "items": {"type": "array", "items": _ref("Case")},
            "total": {"type": "integer", "description": "Cases matching the filters, over all pages."},
            "page": {"type": "integer"}, "page_size": {"type": "integer"},
            "next": {"type": "string", "nullable": True, "description": "Address of the next page, if any."}}},
        "Error": {"type": "object", "required": ["error", "message"], "properties": {
            "error": {"type": "string", "description": "A short code: invalid, conflict, not_found, …"},
            "message": {"type": "string"},
            "rule": {"type": "string", "description": "For 409: the lifecycle rule that refused the event."},
            "errors": {"type": "array", "items": {
                "type": "object", "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}}}}}},
        "Version": {"type": "object", "required": ["version"], "properties": {"version": {"type": "integer"}}},
        "Refusal": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}},
                    "description": "A refusal by the gate in front of the dashboards: no detail on purpose."},
    }
    paths = {
        "/api/v1/cases": {
            "post": {"summary": "Create a case (idempotent by source_ref)", "operationId": "createCase",
                     "requestBody": _body("NewCase"),
                     "responses": _responses({"201": _case_answer("Created."),
                                              "200": _case_answer("A case with this source_ref existed already; "
                                                                  "it is returned unchanged.")},
                                             400, 401, 403, 413, 415, 422)},
            "get": {"summary": "List cases the token may see, filtered and paged", "operationId": "listCases",
                    "parameters": [_param(f) for f in LIST_PARAMS],
                    "responses": _responses({"200": {"description": "One page.", "content": {
                        "application/json": {"schema": _ref("CaseList")}}}}, 401, 422)},
        },
        "/api/v1/cases/{case_id}": {
            "get": {"summary": "A case with its trail", "operationId": "getCase", "parameters": [CASE_ID],
                    "responses": _responses({"200": _case_answer("The case.")}, 401, 404)},
        },
        "/api/v1/cases/{case_id}/events": {
            "post": {"summary": "Append an event", "operationId": "appendEvent", "parameters": [CASE_ID],
                     "requestBody": _body("NewEvent"),
                     "responses": _responses({"201": _case_answer("The case after the event.")},
                                             400, 401, 403, 404, 409, 413, 415, 422)},
        },
        "/api/v1/cases/{case_id}/rating": {
            "post": {"summary": "Rate a closed case", "operationId": "rateCase", "parameters": [CASE_ID],
                     "requestBody": _body("NewRating"),
                     "responses": _responses({"200": _case_answer("The case after the rating.")},
                                             400, 401, 403, 404, 409, 413, 415, 422)},
        },
        "/api/v1/version": {
            "get": {"summary": "The data version (changes with every write)", "operationId": "getVersion",
                    "description": "The poll of open dashboards: it needs a reader — a signed-in session or a "
                                   "kiosk token — and refuses source tokens (403).",
                    "responses": {"200": {"description": "The version.", "content": {
                        "application/json": {"schema": _ref("Version")}}},
                                  "401": {"description": "Nobody signed in.", "content": {
                                      "application/json": {"schema": _ref("Refusal")}}},
                                  "403": {"description": "A source token.", "content": {
                                      "application/json": {"schema": _ref("Refusal")}}}}},
        },
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "gridboard intake API", "version": "1",
                 "description": "Cases from hotlines, patrols, chat groups, service halls and photo reports. "
                                "Authenticate with a source token (`gridboard token create --source hotline`) "
                                "as `Authorization: Bearer <token>`; it reads and writes its own source's cases. "
                                "Open311 GeoReport v2 is served beside it at /open311/v2."},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}, "schemas": schemas},
        "paths": paths,
    }


@openapi_blueprint.get("/api/v1/openapi.json")
def openapi_json():
    resp = jsonify(document())
    resp.headers["Cache-Control"] = "public, max-age=300"
    return resp
