"""``/api/v1/cases``: create a case, append an event, rate, read a case with its trail, list cases.

Thin HTTP over ``intake.validate`` (bodies to inputs), ``queries.lifecycle``
(the write path) and ``queries.intake_reads`` (lists).  Every route takes an
API token (``api.auth_token``): a source token reads and writes its own
source's cases only, and a case of another source is answered 404 like one
that does not exist.

Status codes: 200/201 done (201 when something new was written); 400 a
body that is not a JSON object; 401 no valid token; 403 a token of the wrong
kind; 404 no such case (for this token); 409 an event the case's state does
not allow (``rule`` names it); 413 a body over ``MAX_BODY_BYTES``; 415 not
JSON; 422 bad fields (``errors`` lists ``field`` and ``message`` each).
"""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request, url_for
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge

from api.auth_token import Denied, app_now, authenticate, may_read
from intake.serialize import case_json
from intake.validate import FieldErrors, case_event, list_query, new_case, rating
from queries import db
from queries.intake_reads import FILTERS, list_cases
from queries.lifecycle import (CaseInputError, CaseNotFound, TransitionError, append_event, case_states,
                               create_case, rate_case, read_case)

MAX_BODY_BYTES = 64 * 1024

intake_blueprint = Blueprint("intake", __name__, url_prefix="/api/v1")


class ApiError(Exception):
    def __init__(self, status: int, error: str, message: str, **extra):
        super().__init__(message)
        self.status, self.error, self.message, self.extra = status, error, message, extra


def _error(status: int, error: str, message: str, **extra):
    resp = jsonify(error=error, message=message, **extra)
    resp.status_code = status
    resp.headers["Cache-Control"] = "no-store"
    return resp


@intake_blueprint.errorhandler(ApiError)
def _api_error(exc: ApiError):
    return _error(exc.status, exc.error, exc.message, **exc.extra)


@intake_blueprint.errorhandler(Denied)
def _denied(exc: Denied):
    resp = _error(exc.status, "unauthorized" if exc.status == 401 else "forbidden", exc.message)
    if exc.status == 401:
        resp.headers["WWW-Authenticate"] = 'Bearer realm="gridboard"'
    return resp


@intake_blueprint.errorhandler(FieldErrors)
def _field_errors(exc: FieldErrors):
    return _error(422, "invalid", str(exc), errors=exc.errors)


@intake_blueprint.errorhandler(CaseInputError)
def _case_input(exc: CaseInputError):
    return _error(422, "invalid", str(exc), errors=[{"field": exc.field, "message": exc.message}])


@intake_blueprint.errorhandler(TransitionError)
def _transition(exc: TransitionError):
    return _error(409, "conflict", str(exc), rule=exc.rule)


@intake_blueprint.errorhandler(CaseNotFound)
def _not_found(exc: CaseNotFound):
    return _error(404, "not_found", f"no case {exc.case_id}")


@intake_blueprint.errorhandler(RequestEntityTooLarge)
def _too_large(_exc):
    return _error(413, "too_large", f"the request body is larger than {MAX_BODY_BYTES:,} bytes")


@intake_blueprint.before_request
def _limit_body():
    """Refuse an oversized body before reading it (and cap a body sent without a length)."""
    request.max_content_length = MAX_BODY_BYTES
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise RequestEntityTooLarge()


def _tz() -> str:
    return current_app.config["GRIDBOARD"].timezone


def _json_body() -> dict:
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", "send the body as JSON (Content-Type: application/json)")
    try:
        body = request.get_json()
    except BadRequest:
        raise ApiError(400, "malformed", "the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "malformed", "the body must be a JSON object")
    return body


def _case_response(row: dict, status: int, now, **headers):
    resp = jsonify(case_json(row, _tz(), states=case_states(row, now), events=row["events"]))
    resp.status_code = status
    resp.headers["Cache-Control"] = "no-store"
    resp.headers.update(headers)
    return resp


def _readable_case(conn, token, case_id: int) -> dict:
    row = read_case(conn, case_id)
    if row is None or not may_read(token, row):
        raise CaseNotFound(case_id)
    return row


@intake_blueprint.post("/cases")
def create():
    """Create a case for the token's source; the same ``source_ref`` again answers the case made first."""
    token = authenticate()
    now = app_now()
    new = new_case(_json_body(), source=token.source, now=now, tz=_tz())
    with db.current().begin() as conn:
        case_id, created = create_case(conn, new, now=now)
        row = read_case(conn, case_id)
    return _case_response(row, 201 if created else 200, now,
                          Location=url_for("intake.get_case", case_id=case_id))


@intake_blueprint.get("/cases/<int:case_id>")
def get_case(case_id: int):
    """A case with its states and its whole trail."""
    token = authenticate()
    with db.current().connect() as conn:
        row = _readable_case(conn, token, case_id)
    return _case_response(row, 200, app_now())


@intake_blueprint.post("/cases/<int:case_id>/events")
def add_event(case_id: int):
    """Append an event (claim, dispatch, handle, verify, close, escalate, urge, remind, reopen)."""
    token = authenticate()
    now = app_now()
    event = case_event(_json_body(), now=now, tz=_tz())
    with db.current().begin() as conn:
        _readable_case(conn, token, case_id)
        append_event(conn, case_id, event, now=now)
        row = read_case(conn, case_id)
    return _case_response(row, 201, now)


@intake_blueprint.post("/cases/<int:case_id>/rating")
def rate(case_id: int):
    """The resident's rating of a closed case."""
    token = authenticate()
    now = app_now()
    given = rating(_json_body(), now=now, tz=_tz())
    with db.current().begin() as conn:
        _readable_case(conn, token, case_id)
        rate_case(conn, case_id, given["rating"], given["at"], now=now, actor=given["actor"])
        row = read_case(conn, case_id)
    return _case_response(row, 200, now)


@intake_blueprint.get("/cases")
def list_route():
    """The token's cases, filtered and paged (``intake.fields.LIST_PARAMS``)."""
    token = authenticate()
    now, tz = app_now(), _tz()
    q = list_query(request.args, tz)
    filters = {k: v for k, v in q.items() if k in FILTERS or k == "status"}
    with db.current().connect() as conn:
        rows, total = list_cases(conn, filters, now=now, sort=q["sort"], desc=q["order"] == "desc",
                                 page=q["page"], page_size=q["page_size"], source=token.source)
    more = q["page"] * q["page_size"] < total
    resp = jsonify(items=[case_json(r, tz, states=case_states(r, now)) for r in rows], total=total,
                   page=q["page"], page_size=q["page_size"],
                   next=url_for("intake.list_route", **{**request.args.to_dict(), "page": q["page"] + 1})
                   if more else None)
    resp.headers["Cache-Control"] = "no-store"
    return resp
