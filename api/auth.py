"""Signing in and out: the login page, sessions in signed cookies, and wiring the gate into the app.

``install_auth(server, cfg)`` is all ``app.create_app`` calls.  It sets the
key that signs session cookies (the ``secret_key`` setting, else a key made
once in the data folder with mode 0600 so that every gunicorn worker reads the
same), the cookie flags (HttpOnly, SameSite=Lax, Secure under HTTPS), trusts
``proxy_hops`` reverse proxies, registers ``/login``, ``/logout`` and
``/healthz``, and installs the gate (``api.gate``) that resolves the principal
of every request.

The session cookie holds only the user id and a digest of the password hash
(a reset ends older sessions), or the id of a kiosk token; who that is, their
role and scope are read fresh from the database on every request.
"""
from __future__ import annotations

import logging
import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

from flask import (Blueprint, current_app, has_request_context, jsonify, redirect, render_template, request,
                   session)
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

from api.csrf import csrf_ok, csrf_token, rotate_csrf
from api.gate import audit, install_gate
from config import Config, local_now
from queries import db
from queries.audit import record
from queries.users import authenticate

log = logging.getLogger(__name__)

auth_blueprint = Blueprint("auth", __name__, template_folder="templates")
COOKIE_NAME = "gridboard_session"

TEXT = {
    "app_title": ("网格化治理指挥中心", "Grid Governance Command Center"),
    "sign_in": ("登录", "Sign in"),
    "name": ("用户名", "User name"),
    "password": ("密码", "Password"),
    "bad": ("用户名或密码错误", "Wrong user name or password"),
    "locked": ("失败次数过多，该账号暂时锁定，请稍后再试", "Too many failed attempts: the account is locked for a while"),
    "expired": ("页面已过期，请重新登录", "The form had expired; please sign in again"),
    "other_lang": ("English", "中文"),
    "logout": ("退出登录", "Log out"),
    "logout_q": ("确定要退出登录吗？", "Log out now?"),
    "to_login": ("前往登录", "Go to sign in"),
    "to_start": ("返回首页", "Back to the start"),
    "401": ("请先登录（或链接已失效）", "Please sign in (or the link is no longer valid)"),
    "403": ("无权访问此页面", "You may not open this page"),
    "404": ("未找到", "Not found"),
}


def _lang() -> str:
    lang = request.values.get("lang") or current_app.config["GRIDBOARD"].language
    return "en" if lang == "en" else "zh"


def _text(lang: str) -> dict:
    i = 1 if lang == "en" else 0
    return {k: v[i] for k, v in TEXT.items()}


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of this app only (no other host, no scheme), else ``/``."""
    target = (target or "").strip()
    if (not target.startswith("/") or target.startswith("//") or "\\" in target or ":" in target.split("?")[0]
            or target.startswith("/login") or any(ord(c) < 32 for c in target)):
        return "/"
    return target


def message_context(status: int) -> dict:
    """What ``auth/message.html`` shows for a refusal of a page."""
    lang = _lang()
    text = _text(lang)
    return {"lang": lang, "text": text, "message": text.get(str(status), text["403"]),
            "link": "/login" if status == 401 else "/", "link_text": text["to_login" if status == 401 else "to_start"],
            "form": None}


def _login_page(lang: str, target: str, *, error: str | None = None, name: str = "", status: int = 200):
    text = _text(lang)
    other = "en" if lang == "zh" else "zh"
    resp = current_app.make_response((render_template(
        "auth/login.html", lang=lang, text=text, csrf=csrf_token(), next=target, name=name, error=error,
        other_href="/login?" + urlencode({"lang": other, "next": target})), status))
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Frame-Options"] = "DENY"
    return resp


@auth_blueprint.route("/login", methods=["GET", "POST"])
def login():
    lang, target = _lang(), safe_next(request.values.get("next"))
    if request.method == "GET":
        return _login_page(lang, target)
    if not csrf_ok():
        return _login_page(lang, target, error=_text(lang)["expired"], status=400)
    cfg = current_app.config["GRIDBOARD"]
    name, password = (request.form.get("name") or "").strip()[:64], request.form.get("password") or ""
    now, ip = local_now(cfg), request.remote_addr
    with db.current().begin() as conn:
        result = authenticate(conn, name, password, now=now, max_failures=cfg.login_max_failures,
                              lock_minutes=cfg.login_lock_minutes)
        if result.outcome == "ok":
            record(conn, "login", now=now, actor=name, target="session", ip=ip)
        else:
            record(conn, "login_failed", now=now, actor=name, target="session", detail=result.outcome, ip=ip)
            if result.just_locked:
                record(conn, "locked", now=now, actor=name, target=f"user:{name}", ip=ip,
                       detail=f"{cfg.login_max_failures} failures; locked until {result.user.locked_until}")
    if result.outcome != "ok":
        locked = result.outcome == "locked"
        return _login_page(lang, target, error=_text(lang)["locked" if locked else "bad"], name=name,
                           status=429 if locked else 401)
    session.clear()
    session.permanent = True
    session["uid"], session["stamp"] = result.user.id, result.user.stamp
    rotate_csrf()
    return redirect(target, code=303)


@auth_blueprint.route("/logout", methods=["GET", "POST"])
def logout():
    lang = _lang()
    text = _text(lang)
    if request.method == "GET":
        ctx = {**message_context(200), "message": text["logout_q"],
               "form": {"action": "/logout", "csrf": csrf_token(), "button": text["logout"]}}
        resp = current_app.make_response(render_template("auth/message.html", **ctx))
        resp.headers["Cache-Control"] = "no-store"
        return resp
    if not csrf_ok():
        return jsonify(error="bad form token"), 400
    who = (f"token:{session['kiosk']}" if "kiosk" in session else "") or _session_user_name()
    session.clear()
    if who:
        audit("logout", actor=who, target="session")
    return redirect("/login" + (f"?lang={lang}" if lang == "en" else ""), code=303)


def _session_user_name() -> str:
    from queries.users import get_user
    if "uid" not in session:
        return ""
    with db.current().connect() as conn:
        user = get_user(conn, session["uid"])
    return user.name if user else ""


@auth_blueprint.route("/healthz")
def healthz():
    """Liveness for start-up scripts and load balancers: says nothing about the data."""
    return jsonify(status="ok")


# --- wiring ---------------------------------------------------------------------------

class GridboardSessionInterface(SecureCookieSessionInterface):
    """Signed-cookie sessions whose Secure flag follows the ``https`` setting or a request seen as HTTPS."""

    def get_cookie_secure(self, app) -> bool:
        cfg = app.config.get("GRIDBOARD")
        configured = bool(cfg is not None and cfg.values.get("https"))
        return configured or (has_request_context() and request.is_secure)


def load_secret_key(cfg: Config) -> str:
    """The ``secret_key`` setting, else the key in ``<data_dir>/secret_key``, made once (mode 0600).

    Several workers starting together may race to make it: each writes a
    private temporary file and hard-links it into place, which succeeds for
    exactly one of them; everyone then reads the file that won.
    """
    if cfg.values.get("secret_key"):
        return str(cfg.values["secret_key"])
    folder = Path(cfg.values.get("data_dir") or "data").resolve()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "secret_key"
    if not path.exists():
        tmp = folder / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    if path.stat().st_mode & 0o077:
        log.warning("%s is readable by others; it signs every session: chmod 600 it", path)
    key = path.read_text().strip()
    if len(key) < 32:
        raise RuntimeError(f"{path} holds no usable key; delete it to make a new one")
    return key


def install_auth(server, cfg: Config) -> None:
    """Sessions, cookie flags, proxies, /login and /logout, and the gate (see the module docstring)."""
    server.secret_key = load_secret_key(cfg)
    server.session_interface = GridboardSessionInterface()
    server.config.update(SESSION_COOKIE_NAME=COOKIE_NAME, SESSION_COOKIE_HTTPONLY=True,
                         SESSION_COOKIE_SAMESITE="Lax",
                         PERMANENT_SESSION_LIFETIME=timedelta(hours=int(cfg.session_hours)))
    hops = int(cfg.values.get("proxy_hops") or 0)
    if hops > 0:
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    server.register_blueprint(auth_blueprint)
    install_gate(server)
