"""Who is calling the intake API: one function that turns a request into an API token, or refuses it.

A token travels as ``Authorization: Bearer <secret>`` (Open311 clients may
send it as the ``api_key`` parameter, as their spec says).  A missing,
unknown or revoked token is refused, and so is a token of the wrong kind
(a kiosk token opens wall screens, nothing here); refusals are written to
the audit log (``api.gate.audit_denied``).  A source token reads and writes
its own source's cases only (:func:`may_read`).

Kept to this one module so that a session login (users and roles) can later
be checked in the same place.
"""
from __future__ import annotations

from collections.abc import Mapping

from flask import current_app, request

from api.gate import audit_denied, bearer_secret, request_token
from config import local_now
from queries.tokens import Token


class Denied(Exception):
    """A refused request: HTTP ``status`` and a message for the caller."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def request_secret(param: str | None = None) -> str | None:
    """The secret of ``Authorization: Bearer …``, else of the ``param`` query/form field."""
    if request.headers.get("Authorization", "")[:7].lower() == "bearer ":
        return bearer_secret()
    if param:
        return (request.values.get(param) or "").strip() or None
    return None


def app_now():
    return local_now(current_app.config["GRIDBOARD"])


def authenticate(*, kinds: tuple[str, ...] = ("source",), param: str | None = None,
                 unauthenticated: int = 401) -> Token:
    """The active token of this request, of one of ``kinds``; raises :class:`Denied` and audits otherwise.

    ``unauthenticated`` is the status for a missing, unknown or revoked
    token: 401 for the intake API, 403 for Open311 (its spec's code for a
    missing or invalid api_key).  A token of the wrong kind gets 403.
    """
    secret = request_secret(param)
    token = request_token(secret) if secret else None
    status = unauthenticated
    if not secret:
        reason = "no API token: send Authorization: Bearer <token>" + (f" or {param}" if param else "")
    elif token is None:
        reason = "unknown API token"
    elif not token.active:
        reason = "revoked API token"
    elif token.kind not in kinds:
        status, reason = 403, f"a {token.kind} token may not do this (needs a {' or '.join(kinds)} token)"
    else:
        return token
    # the gate's audit: the same refusal (who, from where, what) is recorded once a minute at most,
    # so a sender retrying with a revoked token cannot flood the log
    audit_denied(token.actor if token else "", reason, status)
    raise Denied(status, reason)


def may_read(token: Token, row: Mapping) -> bool:
    """Whether ``token`` may see this case row (others are answered as not found)."""
    return token.kind == "source" and row["source"] == token.source
