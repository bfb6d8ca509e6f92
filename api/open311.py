"""Open311 GeoReport v2 at ``/open311/v2`` (JSON): services, requests, one request, and filing a request.

The mapping between the spec and our cases is in :mod:`intake.open311`.
Errors follow the spec: a list of ``{"code", "description"}`` with HTTP 403
for a missing or invalid ``api_key``, 404 for what does not exist and 400
for anything else.  ``services.json`` and ``discovery.json`` are public;
filing needs a source token (``api_key`` or ``Authorization: Bearer``), and
so does reading requests here — a deployment's cases are not public —
where a source token reads its own source's requests.  ``?lang=en`` answers in English (default Chinese).
"""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from api.auth_token import Denied, app_now, authenticate
from intake.open311 import (SPEC, Open311Error, error_body, list_args, post_values, request_json, service_notice,
                            services)
from queries import db
from queries.intake_reads import open311_rows
from queries.lifecycle import CaseInputError, create_case, read_case
from queries.lifecycle_rules import NewCase

MAX_BODY_BYTES = 64 * 1024

open311_blueprint = Blueprint("open311", __name__, url_prefix="/open311/v2")


def _answer(body, status: int = 200):
    resp = jsonify(body)
    resp.status_code = status
    resp.headers["Cache-Control"] = "no-store"
    return resp


@open311_blueprint.errorhandler(Open311Error)
def _open311_error(exc: Open311Error):
    return _answer(exc.body(), exc.status)


@open311_blueprint.errorhandler(Denied)
def _denied(exc: Denied):
    return _answer(error_body(exc.status, exc.message), exc.status)


@open311_blueprint.errorhandler(CaseInputError)
def _case_input(exc: CaseInputError):
    name = {"grid_code": "address_id", "lon": "long"}.get(exc.field, exc.field)
    return _answer(error_body(400, f"{name}: {exc.message}"), 400)


@open311_blueprint.errorhandler(RequestEntityTooLarge)
def _too_large(_exc):
    return _answer(error_body(413, f"the request is larger than {MAX_BODY_BYTES:,} bytes"), 413)


@open311_blueprint.before_request
def _limit_body():
    request.max_content_length = MAX_BODY_BYTES
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise RequestEntityTooLarge()


def _lang() -> str:
    return "en" if request.args.get("lang") == "en" else "zh"


def _tz() -> str:
    return current_app.config["GRIDBOARD"].timezone


@open311_blueprint.get("/discovery.json")
def discovery():
    """The service discovery document: this endpoint, its spec and format."""
    return _answer({"changeset": "2026-11-01T00:00:00+08:00", "contact": "gridboard command center",
                    "key_service": "gridboard token create --source CHANNEL",
                    "endpoints": [{"specification": SPEC, "url": url_for("open311.service_list", _external=True)
                                   .rsplit("/", 1)[0], "changeset": "2026-11-01T00:00:00+08:00",
                                   "type": "production", "formats": ["application/json"]}]})


@open311_blueprint.get("/services.json")
def service_list():
    """Every case type, grouped by category."""
    return _answer(services(_lang()))


@open311_blueprint.get("/requests.json")
def request_list():
    """Requests by id, or by service code, span (90 days at most, default the last 90) and status."""
    token = authenticate(param="api_key", unauthenticated=403)
    now, tz = app_now(), _tz()
    filters = list_args(request.args, now=now, tz=tz)
    with db.current().connect() as conn:
        rows = open311_rows(conn, **filters, source=token.source)
    lang = _lang()
    return _answer([request_json(r, tz, lang) for r in rows])


@open311_blueprint.get("/requests/<int:request_id>.json")
def request_one(request_id: int):
    """One request (as a list of one, the spec's shape)."""
    token = authenticate(param="api_key", unauthenticated=403)
    with db.current().connect() as conn:
        rows = open311_rows(conn, ids=[request_id], source=token.source)
    if not rows:
        raise Open311Error(404, f"service_request_id {request_id} was not found")
    return _answer([request_json(rows[0], _tz(), _lang())])


@open311_blueprint.post("/requests.json")
def file_request():
    """File a request for the token's source; answers its ``service_request_id`` at once (type realtime)."""
    token = authenticate(param="api_key", unauthenticated=403)
    now = app_now()
    form = request.form
    if request.is_json:   # a convenience beside the spec's form encoding
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise Open311Error(400, "the body is not a JSON object")
        form = {k: "" if v is None else str(v) for k, v in body.items()}
    new = NewCase(source=token.source, **post_values(form, now=now))
    with db.current().begin() as conn:
        case_id, _ = create_case(conn, new, now=now)
        row = read_case(conn, case_id)
    resp = _answer([{"service_request_id": str(case_id), "service_notice": service_notice(row["deadline"], _lang()),
                     "account_id": (form.get("account_id") or None)}], 201)
    resp.headers["Location"] = url_for("open311.request_one", request_id=case_id)
    return resp
