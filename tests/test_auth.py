"""Signing in and out over HTTP: the login page, CSRF, lock-out, cookies, the signing key, the audit log."""
from __future__ import annotations

import os
import stat
from datetime import timedelta
from types import SimpleNamespace

import pytest
from flask import Response

from api.auth import COOKIE_NAME, load_secret_key, safe_next
from config import load_config
from queries.audit import recent
from queries.cache import unbind_caches
from queries.db import configure, get_engine
from tests.auth_helpers import PASSWORD, client_for, csrf_of, login, make_app, seeded_city, set_settings
from tests.fixture_city import NOW, T1


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    url = seeded_city(tmp_path_factory.mktemp("auth") / "city.sqlite")
    dash_app = make_app(url)
    yield SimpleNamespace(app=dash_app, url=url, engine=get_engine(url))
    unbind_caches()


@pytest.fixture(autouse=True)
def _this_database(site):
    configure(site.url)


def audit_rows(site, action=None):
    with site.engine.connect() as conn:
        return list(reversed(recent(conn, 1000, action=action)))


def test_login_page_in_chinese_and_english_asks_no_other_host(site):
    c = site.app.server.test_client()
    zh = c.get("/login")
    body = zh.get_data(as_text=True)
    assert zh.status_code == 200 and "登录" in body and "密码" in body
    assert 'href="/assets/auth.css"' in body and "http" not in body.replace("http-equiv", "")
    assert zh.headers["Cache-Control"] == "no-store" and zh.headers["X-Frame-Options"] == "DENY"
    en = c.get("/login?lang=en").get_data(as_text=True)
    assert "Sign in" in en and "Password" in en


def test_a_login_opens_the_page_asked_for_and_a_logout_ends_the_session(site):
    c = site.app.server.test_client()
    first = c.get(f"/township/{T1}?lang=en")
    assert first.status_code == 302 and first.headers["Location"] == f"/login?next=%2Ftownship%2F{T1}%3Flang%3Den"
    resp = login(c, "t1_leader", next_path=f"/township/{T1}?lang=en")
    assert resp.status_code == 303 and resp.headers["Location"] == f"/township/{T1}?lang=en"
    assert c.get(f"/township/{T1}").status_code == 200
    assert c.get("/api/v1/version").status_code == 200
    token = csrf_of(c, "/logout")
    assert c.post("/logout", data={"csrf": token}).status_code == 303
    assert c.get("/api/v1/version").status_code == 401
    actions = [(r["action"], r["actor"]) for r in audit_rows(site) if r["actor"] == "t1_leader"]
    assert ("login", "t1_leader") in actions and ("logout", "t1_leader") in actions


def test_login_needs_the_forms_csrf_token(site):
    c = site.app.server.test_client()
    csrf_of(c)  # the session now holds a token
    no_token = c.post("/login", data={"name": "admin1", "password": PASSWORD})
    other = site.app.server.test_client()
    foreign = c.post("/login", data={"csrf": csrf_of(other), "name": "admin1", "password": PASSWORD})
    for resp in (no_token, foreign):
        assert resp.status_code == 400 and "uid" not in resp.get_data(as_text=True)
    assert c.get("/api/v1/version").status_code == 401  # still nobody


def test_logout_needs_the_csrf_token(site):
    c = client_for(site.app, "operator1")
    assert c.post("/logout").status_code == 400
    assert c.post("/logout", data={"csrf": "guessed"}).status_code == 400
    assert c.get("/api/v1/version").status_code == 200  # still signed in


def test_wrong_passwords_lock_the_account_for_a_while(site):
    set_settings(site.app, login_max_failures=3, login_lock_minutes=10)
    try:
        c = site.app.server.test_client()
        statuses = [login(c, "v1_leader", "wrong password").status_code for _ in range(3)]
        assert statuses == [401, 401, 429]
        locked = login(c, "v1_leader")  # the right password, while locked
        assert locked.status_code == 429 and "锁定" in locked.get_data(as_text=True)
        set_settings(site.app, now=(NOW + timedelta(minutes=9)).isoformat())
        assert login(c, "v1_leader").status_code == 429
        set_settings(site.app, now=(NOW + timedelta(minutes=11)).isoformat())
        assert login(c, "v1_leader").status_code == 303
    finally:
        set_settings(site.app, login_max_failures=5, login_lock_minutes=15, now=NOW.isoformat())
    rows = [(r["action"], r["detail"]) for r in audit_rows(site) if r["actor"] == "v1_leader"]
    assert [r for r in rows if r[0] != "denied"] == [
        ("login_failed", "bad"), ("login_failed", "bad"), ("login_failed", "locked"),
        ("locked", f"3 failures; locked until {NOW + timedelta(minutes=10)}"),
        ("login_failed", "locked"), ("login_failed", "locked"), ("login", None)]


def test_unknown_names_and_disabled_users_get_the_same_answer_as_a_wrong_password(site):
    c = site.app.server.test_client()
    answers = {login(c, name, pw).get_data(as_text=True).split('role="alert"')[1][:80]
               for name, pw in (("nobody", PASSWORD), ("gone", PASSWORD), ("admin1", "wrong password"))}
    assert len(answers) == 1


def test_the_next_address_stays_inside_the_app():
    for bad in ("//evil.example/x", "http://evil.example/", "/\\evil", "javascript:alert(1)", "", None,
                "/login?next=/", "/ok\r\nSet-Cookie: x"):
        assert safe_next(bad) == "/"
    assert safe_next("/village/1?lang=en&w=7d") == "/village/1?lang=en&w=7d"


def test_session_cookies_are_httponly_lax_and_secure_under_https(site):
    c = site.app.server.test_client()
    plain = login(c, "operator1").headers.get("Set-Cookie")
    assert plain.startswith(COOKIE_NAME + "=") and "HttpOnly" in plain and "SameSite=Lax" in plain
    assert "Secure" not in plain
    set_settings(site.app, https=True)
    try:
        c2 = site.app.server.test_client()
        resp = login(c2, "operator1")
        assert "Secure" in resp.headers["Set-Cookie"]
        assert resp.headers["Strict-Transport-Security"].startswith("max-age=")
    finally:
        set_settings(site.app, https=False)


def test_behind_a_trusted_proxy_https_and_the_client_address_come_from_its_headers(site):
    proxied = make_app(site.url, proxy_hops=1)
    c = proxied.server.test_client()
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "10.1.2.3"}
    token = csrf_of(c)
    resp = c.post("/login", data={"csrf": token, "name": "admin1", "password": PASSWORD}, headers=headers)
    assert resp.status_code == 303 and "Secure" in resp.headers["Set-Cookie"]
    assert audit_rows(site, "login")[-1]["ip"] == "10.1.2.3"
    configure(site.url)


def test_the_signing_key_is_made_once_privately_and_shared(tmp_path):
    cfg = load_config({"data_dir": str(tmp_path)}, environ={})
    first = load_secret_key(cfg)
    path = tmp_path / "secret_key"
    assert len(first) >= 32 and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_secret_key(cfg) == first  # a second worker reads the same key
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]  # no temporary file left behind
    assert load_secret_key(load_config({"data_dir": str(tmp_path), "secret_key": "k" * 40}, environ={})) == "k" * 40


def test_a_session_signed_with_another_key_is_nobody(site):
    c = client_for(site.app, "operator1")
    cookie = c.get_cookie(COOKIE_NAME).value
    other = make_app(site.url, secret_key="another-key-" + "y" * 40)
    c2 = other.server.test_client()
    c2.set_cookie(COOKIE_NAME, cookie)
    assert c2.get("/api/v1/version").status_code == 401
    configure(site.url)


def test_exports_are_audited_with_who_and_what(tmp_path):
    url = seeded_city(tmp_path / "export.sqlite")
    exporting = make_app(url)

    @exporting.server.route("/test-export.csv")
    def _export():
        return Response("a,b\n", headers={"Content-Disposition": 'attachment; filename="x.csv"'})

    c = client_for(exporting, "operator1")
    assert c.get("/test-export.csv?week=2026-W47").status_code == 200
    with get_engine(url).connect() as conn:
        rows = recent(conn, 10, action="export")
    assert rows[0]["actor"] == "operator1" and rows[0]["target"] == "/test-export.csv?week=2026-W47"
    configure(url)


def test_healthz_is_public_and_says_nothing(site):
    resp = site.app.server.test_client().get("/healthz")
    assert resp.status_code == 200 and resp.get_json() == {"status": "ok"}
