"""The gate: who is asking (the principal), and may they reach this page or route at all.

``install_gate`` adds one ``before_request`` hook that runs before every view
of the app, Dash's included, so a page, callback or route added later is
covered without doing anything:

=================================  =================================================================
request                            rule
=================================  =================================================================
/login /logout /healthz, /assets/  public (no data)
/_dash-component-suites/ (JS)
/api/v1/… (not version), /open311/ intake API: checks its own tokens (``api.auth_token``); cookies never
                                   count here, so a signed-in browser cannot be made to write
page (Dash index, GET)             ``?token=`` (kiosk) is exchanged for a session; nobody → /login;
                                   the page's scope (``/<level>/<code>`` in its path, ``?scope=`` or
                                   ``?township=`` …, else the city) must be readable, else 403
                                   (a leader opening ``/`` is sent to their own area); kiosks open
                                   ``/wall…`` pages only
anything else (callbacks, layout,  nobody → 401, source token → 403, kiosk only Dash, ``/geo/`` and the
/geo/, version, exports)           version poll; a ``code``/``scope_code`` in the route, a scope
                                   argument, and the view (``{"scope": …}``) a callback names must be
                                   readable
=================================  =================================================================

That only lets a request in.  What it may *read* is checked again, query by
query, by the door in ``queries.cache`` (``queries.access.authorize_query``)
with the principal resolved here; Dash callbacks cannot smuggle a scope past
it because their inputs are only requests.  Refusals raise
``queries.access.AccessDenied``; one error handler turns any of them —
raised here, in a callback or in a route — into a bodiless 401/403/404 and an
audit record.
"""
from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import current_app, g, jsonify, redirect, render_template, request, session

from config import local_now
from queries import db
from queries.access import (ANONYMOUS, AccessDenied, Forbidden, NotAuthorized, Principal, allows, home_path,
                            page_allowed, scope_of_code)
from queries.audit import record_now
from queries.scope import Scope
from queries.tokens import Token, get_token, lookup_token
from queries.users import get_user

log = logging.getLogger(__name__)

PUBLIC_PATHS = frozenset({"/login", "/logout", "/healthz", "/_favicon.ico"})
PUBLIC_PREFIXES = ("/assets/", "/_dash-component-suites/")
INTAKE_PREFIXES = ("/api/v1/", "/open311/")
READER_PATHS = frozenset({"/api/v1/version"})
KIOSK_ROUTE_PREFIXES = ("/_dash-", "/geo/", "/api/v1/version")
PAGE_RULES = frozenset({"/", "/<path:path>"})
CALLBACK_PATH = "/_dash-update-component"
AREA_LEVELS = ("township", "village", "grid")
# the same refusal (who, from where, what, status) is audited at most once a minute per process:
# a stale tab polling every few seconds must not flood the log
DENIAL_AUDIT_INTERVAL_S = 60.0
_recent_denials: dict[tuple, float] = {}
_denials_lock = threading.Lock()


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def is_intake(path: str) -> bool:
    return path.startswith(INTAKE_PREFIXES) and path not in READER_PATHS


def is_page_request() -> bool:
    """A GET of the Dash index (every page path): answered with HTML, so refusals are HTML too."""
    rule = request.url_rule
    return rule is not None and rule.rule in PAGE_RULES and request.method in ("GET", "HEAD")


# --- who is asking ---------------------------------------------------------------

@dataclass(frozen=True)
class Resolution:
    """The principal, and when a credential was shown but refused: whose it was and why (for the audit)."""

    principal: Principal
    refused_actor: str = ""
    reason: str = ""


def bearer_secret() -> str | None:
    header = request.headers.get("Authorization", "")
    return (header[7:].strip() or None) if header[:7].lower() == "bearer " else None


def request_token(secret: str) -> Token | None:
    """The token of ``secret``, read once per request: the gate and the intake routes both ask."""
    known = g.get("gb_token_lookup")
    if known is not None and known[0] == secret:
        return known[1]
    with db.current().connect() as conn:
        token = lookup_token(conn, secret)
    g.gb_token_lookup = (secret, token)
    return token


def token_principal(token: Token) -> Principal:
    if token.kind == "source":
        return Principal("source", token.name or token.actor, token_id=token.id, source=token.source)
    return Principal("kiosk", token.actor, home=token.scope, token_id=token.id)


def resolve(conn) -> Resolution:
    """The principal of this request: a Bearer token, else the session's user or kiosk token.

    Read fresh from the database every time (one primary-key read), so a
    disabled user, a reset password or a revoked token takes effect on the
    very next request.
    """
    secret = bearer_secret()
    if secret is not None:
        token = lookup_token(conn, secret)
        if token is None or not token.active:
            return Resolution(ANONYMOUS, token.actor if token else "", "unknown or revoked API token")
        return Resolution(token_principal(token))
    if "uid" in session:
        user = get_user(conn, session["uid"])
        if user is None or user.disabled or user.stamp != session.get("stamp"):
            why = ("session of a deleted user" if user is None else "session of a disabled user" if user.disabled
                   else "session from before a password reset")
            session.clear()
            return Resolution(ANONYMOUS, user.name if user else "", why)
        return Resolution(Principal("user", user.name, user.role, user.scope, user_id=user.id))
    if "kiosk" in session:
        token_id = session["kiosk"]
        token = get_token(conn, token_id)
        if token is None or not token.active or token.kind != "kiosk":
            session.clear()
            return Resolution(ANONYMOUS, f"token:{token_id}", "revoked kiosk token")
        return Resolution(token_principal(token))
    return Resolution(ANONYMOUS)


# --- what is asked for -------------------------------------------------------------

_TEMPLATES: dict[str, re.Pattern] = {}


def _template_regex(template: str) -> re.Pattern:
    if template not in _TEMPLATES:
        parts = re.split(r"(<[^>]+>)", template.rstrip("/") or "/")
        rx = "".join(f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("<") else re.escape(p) for p in parts)
        _TEMPLATES[template] = re.compile(rx + "/?")
    return _TEMPLATES[template]


def match_page(path: str) -> tuple[dict | None, dict]:
    """The registered Dash page serving ``path`` and its path variables ((None, {}) if none does)."""
    import dash
    for page in dash.page_registry.values():
        template = page.get("path_template") or page.get("path") or ""
        m = _template_regex(template).fullmatch(path)
        if m:
            return page, {"template": template, **m.groupdict()}
    return None, {}


def scope_from_args(args) -> Scope | None:
    """``?scope=city|<level>:<code>|<code>`` or ``?township=…`` / ``?village=…`` / ``?grid=…`` (the deepest wins).

    Anything that does not parse asks for the whole city (the strictest answer).
    """
    try:
        text = (args.get("scope") or "").strip()
        if text:
            level, _, code = text.rpartition(":")
            if text == "city":
                return Scope.city()
            if level:
                return Scope(level, code)
            return scope_of_code(code) or Scope.city()
        for level in reversed(AREA_LEVELS):
            if args.get(level):
                return Scope(level, args.get(level))
    except ValueError:
        return Scope.city()
    return None


def page_scopes(path: str, args) -> list[Scope] | None:
    """The scopes a page shows; None for a page without data (the "not found" page, an unknown path)."""
    page, variables = match_page(path)
    if page is None or str(page.get("module", "")).endswith("not_found_404"):
        return None
    scopes = []
    code = variables.get("code")
    if code is not None:
        before = variables["template"].split("<code>")[0].rstrip("/").rsplit("/", 1)[-1]
        try:
            scopes.append(Scope(before, code) if before in AREA_LEVELS else (scope_of_code(code) or Scope.city()))
        except ValueError:
            return None  # a malformed code: the page itself answers "not found"
    from_args = scope_from_args(args)
    if from_args is not None:
        scopes.append(from_args)
    return scopes or [Scope.city()]


def callback_view_scopes() -> list[Scope]:
    """Scopes of the views a Dash callback names: any input or state holding ``{"scope": {level, code}}``.

    Pages keep their scope in a store (the command view's and the wall's
    ``view``); a forged one is refused here for every callback, also those
    that would read nothing with it.  The door still checks each query.  A
    scope that does not parse asks for the whole city (the strictest answer).
    """
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return []
    scopes = []

    def visit(items):
        for item in items if isinstance(items, list) else []:
            if isinstance(item, list):
                visit(item)
            elif isinstance(item, dict) and isinstance(item.get("value"), dict) and "scope" in item["value"]:
                try:
                    scopes.append(Scope.from_dict(item["value"]["scope"]))
                except (KeyError, TypeError, ValueError, AttributeError):
                    scopes.append(Scope.city())

    visit(body.get("inputs"))
    visit(body.get("state"))
    return scopes


def route_scopes() -> list[Scope]:
    """Scopes named by a route: a ``scope_code``/``code`` in its path, or scope arguments."""
    scopes = []
    for key in ("scope_code", "code"):
        value = (request.view_args or {}).get(key)
        if value is not None:
            scopes.append(scope_of_code(str(value)) or Scope.city())  # an unknown code needs the city
    from_args = scope_from_args(request.args)
    if from_args is not None:
        scopes.append(from_args)
    return scopes


# --- the hook ------------------------------------------------------------------------

def _login_redirect():
    target = request.full_path.rstrip("?")
    return redirect("/login?" + urlencode({"next": target}))


def _exchange_kiosk_token():
    """A wall URL's ``?token=``: swap it for a kiosk session and reload without it (the secret leaves the address)."""
    secret = request.args.get("token", "")
    with db.current().connect() as conn:
        token = lookup_token(conn, secret)
    if token is None or not token.active or token.kind != "kiosk":
        raise NotAuthorized("unknown, revoked or non-kiosk token in a page address")
    session.clear()
    session.permanent = True
    session["kiosk"] = token.id
    audit("login", actor=token.actor, detail=f"kiosk for {token.scope.key}")
    rest = [(k, v) for k, vs in request.args.lists() if k != "token" for v in vs]
    return redirect(request.path + ("?" + urlencode(rest) if rest else ""), code=303)


def gate():
    """Resolve the principal into ``g.gb_principal`` and refuse what it may not reach (see the module table)."""
    g.gb_principal = ANONYMOUS
    path = request.path
    if is_public(path):
        return None
    if is_intake(path):
        # the intake API checks its own tokens; here only a valid token names the principal
        secret = bearer_secret() or (request.args.get("api_key") or "").strip() or None
        if secret:
            token = request_token(secret)
            if token is not None and token.active:
                g.gb_principal = token_principal(token)
        return None
    if is_page_request() and "token" in request.args:
        return _exchange_kiosk_token()
    with db.current().connect() as conn:
        res = resolve(conn)
    p = g.gb_principal = res.principal
    if res.reason:
        audit_denied(res.refused_actor, res.reason, 401)
    if is_page_request():
        if p.kind == "anonymous":
            return _login_redirect()
        if not p.reads_dashboards:
            raise Forbidden(f"{p.actor}: a source token writes cases and reads no page")
        scopes = page_scopes(path, request.args)
        for scope in scopes or [None]:
            if not page_allowed(p, path, scope):
                if path == "/" and p.kind == "user":
                    qs = request.query_string.decode("latin-1")
                    return redirect(home_path(p) + ("?" + qs if qs else ""))
                raise Forbidden(f"{p.actor} may not open {path}" + (f" ({scope.key})" if scope else ""))
        return None
    if p.kind == "anonymous":
        raise NotAuthorized(f"nobody may reach {path}")
    if not p.reads_dashboards:
        raise Forbidden(f"{p.actor}: a source token writes cases and reads no dashboard")
    if p.kind == "kiosk" and not path.startswith(KIOSK_ROUTE_PREFIXES):
        raise Forbidden(f"{p.actor}: a kiosk token reads wall screens only")
    for scope in route_scopes():
        if not allows(p, scope, f"route:{request.endpoint}"):
            raise Forbidden(f"{p.actor} may not read {scope.key} through {path}")
    if path == CALLBACK_PATH:
        for scope in callback_view_scopes():
            if not allows(p, scope, "page:/"):
                raise Forbidden(f"{p.actor} may not view {scope.key} (a callback's view)")
    return None


# --- answers ---------------------------------------------------------------------------

def on_denied(exc: AccessDenied):
    """Every refusal, wherever raised: a status, a short fixed message, no data; audited."""
    p = g.get("gb_principal") or ANONYMOUS
    audit_denied(p.actor, str(exc), exc.status)
    if is_page_request():
        from api.auth import message_context
        resp = current_app.make_response(
            (render_template("auth/message.html", **message_context(exc.status)), exc.status))
    else:
        resp = jsonify(error=exc.public)
        resp.status_code = exc.status
    resp.headers["Cache-Control"] = "no-store"
    return resp


def after(response):
    """Audit exports; keep answers that depend on who asks out of shared caches; a few safe headers."""
    path = request.path
    p = g.get("gb_principal")
    if not is_public(path):
        cc = response.headers.get("Cache-Control", "")
        if "public" in cc:
            response.headers["Cache-Control"] = cc.replace("public", "private")
        response.vary.add("Cookie")
    if response.status_code == 200 and "attachment" in response.headers.get("Content-Disposition", ""):
        audit("export", actor=p.actor if p else "", target=request.full_path.rstrip("?"),
              detail=response.headers.get("Content-Disposition"))
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if current_app.config["GRIDBOARD"].values.get("https"):
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def audit(action: str, *, actor: str = "", target: str | None = None, detail: str | None = None) -> None:
    """Record ``action`` for this request in a transaction of its own; a failing audit is logged, not raised."""
    try:
        record_now(db.current(), action, now=local_now(current_app.config["GRIDBOARD"]), actor=actor or "",
                   target=target if target is not None else f"{request.method} {request.path}",
                   detail=detail, ip=request.remote_addr)
    except Exception as exc:  # the answer must not depend on the audit table
        log.warning("audit of %s failed: %s", action, exc)


def audit_denied(actor: str, reason: str, status: int) -> None:
    key = (actor, request.remote_addr, request.method, request.path, status)
    now = time.monotonic()
    with _denials_lock:
        if now - _recent_denials.get(key, -1e9) < DENIAL_AUDIT_INTERVAL_S:
            return
        if len(_recent_denials) > 5000:
            _recent_denials.clear()
        _recent_denials[key] = now
    audit("denied", actor=actor, detail=f"{status}: {reason}"[:1000])


def install_gate(server) -> None:
    server.before_request(gate)
    server.register_error_handler(AccessDenied, on_denied)
    server.after_request(after)

