"""CSRF tokens for the few forms that change state (log in, log out).

The token is a random value kept in the signed session cookie and echoed in a
hidden form field; a POST is accepted only when both agree.  Another site can
make a browser send the cookie (not with SameSite=Lax on a POST, but defence
in depth) but cannot read the token to put it in the form.  Dash's callback
POSTs change nothing, so they need only the session, not this token.
"""
from __future__ import annotations

import hmac
import secrets

from flask import request, session

FIELD = "csrf"


def csrf_token() -> str:
    """This session's token (made on first use)."""
    token = session.get(FIELD)
    if not token:
        token = session[FIELD] = secrets.token_urlsafe(32)
    return token


def rotate_csrf() -> str:
    """A new token (after a login, so a token seen before it is worthless)."""
    session[FIELD] = secrets.token_urlsafe(32)
    return session[FIELD]


def csrf_ok() -> bool:
    """Whether the posted form carries this session's token."""
    sent, kept = request.form.get(FIELD, ""), session.get(FIELD, "")
    return bool(sent) and bool(kept) and hmac.compare_digest(sent.encode(), kept.encode())
