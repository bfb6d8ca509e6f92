"""A case posted through the intake API shows on an open page without a reload, within 5 s."""
from __future__ import annotations

import json
import sqlite3
import time
import urllib.request

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from cli.server import free_port, start_server
from tests.browser.conftest import FROZEN_NOW, LiveServer, _gridboard, sign_in

pytestmark = pytest.mark.browser

OPEN_TILE = "//button[@data-filter='open_now']//div[contains(@class, 'gb-tile-value')]"
BUDGET_S = 5.0


@pytest.fixture(scope="module")
def writable_server(demo_db, tmp_path_factory):
    """A server of its own on a copy of the demo city (this test writes; the shared server stays as seeded)."""
    src = demo_db.split("sqlite:///", 1)[1]
    path = tmp_path_factory.mktemp("livedb") / "live.sqlite"
    with sqlite3.connect(src) as s, sqlite3.connect(path) as d:
        s.backup(d)                       # a consistent copy even if the source has a WAL
    url = f"sqlite:///{path}"
    secret = _gridboard("--database-url", url, "token", "create", "--source", "hotline").stdout.strip()
    port = free_port()
    data_dir = tmp_path_factory.mktemp("livedata")   # where the server keeps its session-signing key
    proc = start_server(url, port, {"GRIDBOARD_NOW": FROZEN_NOW, "GRIDBOARD_DATA_DIR": str(data_dir)})
    yield LiveServer(f"http://127.0.0.1:{port}", proc, url, {}), secret, path
    proc.terminate()
    proc.wait(10)


def open_in_db(path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute('select count(*) from "case" where closed_at is null').fetchone()[0]


def tile_number(browser) -> int | None:
    """The open-cases tile as a number, or None while it is (re)drawn."""
    found = browser.find_elements(By.XPATH, OPEN_TILE)
    try:
        text = found[0].text if found else ""
    except Exception:   # the tile was replaced between finding and reading it
        return None
    digits = text.replace(",", "")
    return int(digits) if digits.isdigit() else None


def test_a_case_posted_through_the_api_shows_in_the_open_count_within_5_s(browser, writable_server):
    server, secret, path = writable_server
    before = open_in_db(path)
    sign_in(browser, server.url)          # the demo city's test operator (tests/browser/conftest.py)
    browser.get(server.url + "/")
    WebDriverWait(browser, 30, poll_frequency=0.05).until(lambda d: tile_number(d) == before)
    with sqlite3.connect(path) as conn:
        grid_code = conn.execute("select code from grid order by code limit 1").fetchone()[0]
    took = []
    for k in range(3):   # three writes, each waited for on the open page: the poll's phase differs each time
        body = json.dumps({"source_ref": f"live-{k}", "category": "environment", "grid_code": grid_code}).encode()
        req = urllib.request.Request(server.url + "/api/v1/cases", data=body, method="POST",
                                     headers={"Content-Type": "application/json",
                                              "Authorization": f"Bearer {secret}"})
        t0 = time.monotonic()
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert resp.status == 201
        WebDriverWait(browser, 15, poll_frequency=0.05).until(lambda d: tile_number(d) == before + k + 1)
        took.append(time.monotonic() - t0)
    print("write to screen: " + ", ".join(f"{s:.2f} s" for s in took))
    assert open_in_db(path) == before + 3
    assert max(took) < BUDGET_S
