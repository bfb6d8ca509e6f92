"""A real app on a real database, driven by headless Chromium.

One SQLite demo city is seeded per test session (full geometry, few cases, a
frozen clock) and served by ``gridboard serve`` in a subprocess; tests open
pages in a fresh headless Chromium each.  Without Chromium the browser tests
fail under CI and are skipped (with the reason) elsewhere.

Every page needs a login: the demo city gets an operator account (``TESTER``),
a test using both ``browser`` and ``live_server`` starts signed in through the
real login form, and ``live_server.get`` sends that account's session cookie.
"""
from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from cli.server import free_port, start_server

ROOT = Path(__file__).resolve().parents[2]
FROZEN_NOW = "2026-11-20T10:30:00"
TESTER, TESTER_PASSWORD = "tester", "browser-tests-only"
LEADER = "first_township_leader"  # leads the township with the smallest code; same password
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _gridboard(*args, env=None, **kwargs):
    return subprocess.run([sys.executable, "-m", "cli.main", *args], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True, **kwargs)


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory):
    """A seeded demo city: all 1,798 grids, 6,000 cases, clock frozen at FROZEN_NOW."""
    path = tmp_path_factory.mktemp("browserdb") / "demo.sqlite"
    url = f"sqlite:///{path}"
    _gridboard("--database-url", url, "seed", "--cases", "6000", "--now", FROZEN_NOW)
    _gridboard("--database-url", url, "user", "add", TESTER, "--role", "operator", input=TESTER_PASSWORD + "\n")
    import sqlite3
    with sqlite3.connect(path) as con:
        township = con.execute("select code from township order by code limit 1").fetchone()[0]
    _gridboard("--database-url", url, "user", "add", LEADER, "--role", "township_leader", "--scope",
               f"township:{township}", input=TESTER_PASSWORD + "\n")
    return url


def sign_in_opener(base_url: str, name: str = TESTER, password: str = TESTER_PASSWORD):
    """A urllib opener holding a session of ``name``, signed in through the login form (CSRF token included)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base_url + "/login", timeout=10).read().decode()
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"csrf": csrf, "name": name, "password": password, "next": "/healthz"})
    with opener.open(base_url + "/login", data=form.encode(), timeout=10) as resp:
        assert resp.url.endswith("/healthz"), f"login of {name} failed"
    return opener


class LiveServer:
    def __init__(self, url: str, proc: subprocess.Popen, db_url: str, env: dict):
        self.url, self.proc, self.db_url, self.env = url, proc, db_url, env
        self.opener = None

    def get(self, path: str, headers: dict | None = None):
        """GET as the signed-in test operator."""
        if self.opener is None:
            self.opener = sign_in_opener(self.url)
        req = urllib.request.Request(self.url + path, headers=headers or {})
        return self.opener.open(req, timeout=10)


@pytest.fixture(scope="session")
def live_server(demo_db, tmp_path_factory):
    port = free_port()
    # the session-signing key is made in this data folder (the database is given by URL)
    data_dir = tmp_path_factory.mktemp("serverdata")
    proc = start_server(demo_db, port, {"GRIDBOARD_NOW": FROZEN_NOW, "GRIDBOARD_DATA_DIR": str(data_dir)})
    yield LiveServer(f"http://127.0.0.1:{port}", proc, demo_db, {})
    proc.terminate()
    proc.wait(10)


def sign_in(browser, base_url: str, name: str = TESTER, password: str = TESTER_PASSWORD) -> None:
    """Sign ``browser`` in through the real login form (it lands on /healthz, which draws nothing)."""
    from selenium.webdriver.common.by import By
    browser.get(base_url + "/login?next=%2Fhealthz")
    browser.find_element(By.ID, "login-name").send_keys(name)
    browser.find_element(By.ID, "login-password").send_keys(password)
    browser.find_element(By.ID, "login-submit").click()
    deadline = time.monotonic() + 20
    while not browser.current_url.endswith("/healthz"):  # poll, no fixed sleep
        if time.monotonic() > deadline:
            raise AssertionError(f"the login of {name} did not go through: {browser.current_url}")
        time.sleep(0.05)


@pytest.fixture(autouse=True)
def _signed_in_browser(request):
    """A test that opens pages of ``live_server`` in ``browser`` starts signed in as the test operator."""
    if "browser" in request.fixturenames and "live_server" in request.fixturenames:
        sign_in(request.getfixturevalue("browser"), request.getfixturevalue("live_server").url)


def chromium_paths() -> tuple[str | None, str | None]:
    return (shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome"),
            shutil.which("chromedriver"))


@pytest.fixture
def browser():
    chrome, driver_path = chromium_paths()
    if not chrome or not driver_path:
        msg = "headless Chromium and chromedriver are needed (Debian: chromium chromium-driver)"
        if IN_CI:
            pytest.fail(msg)
        pytest.skip(msg)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="gridboard-chrome-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = chrome
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                f"--user-data-dir={profile}", "--window-size=1600,1000", "--lang=zh-CN"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    drv = webdriver.Chrome(service=Service(driver_path), options=opts)
    drv.set_page_load_timeout(60)
    yield drv
    drv.quit()
    shutil.rmtree(profile, ignore_errors=True)
