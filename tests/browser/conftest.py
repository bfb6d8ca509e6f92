"""A real app on a real database, driven by headless Chromium.

One SQLite demo city is seeded per test session (full geometry, few cases, a
frozen clock) and served by ``gridboard serve`` in a subprocess; tests open
pages in a fresh headless Chromium each.  Without Chromium the browser tests
fail under CI and are skipped (with the reason) elsewhere.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

import pytest

from cli.server import free_port, start_server

ROOT = Path(__file__).resolve().parents[2]
FROZEN_NOW = "2026-11-20T10:30:00"
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
    return url


class LiveServer:
    def __init__(self, url: str, proc: subprocess.Popen, db_url: str, env: dict):
        self.url, self.proc, self.db_url, self.env = url, proc, db_url, env

    def get(self, path: str, headers: dict | None = None):
        req = urllib.request.Request(self.url + path, headers=headers or {})
        return urllib.request.urlopen(req, timeout=10)


@pytest.fixture(scope="session")
def live_server(demo_db):
    port = free_port()
    proc = start_server(demo_db, port, {"GRIDBOARD_NOW": FROZEN_NOW})
    yield LiveServer(f"http://127.0.0.1:{port}", proc, demo_db, {})
    proc.terminate()
    proc.wait(10)


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
