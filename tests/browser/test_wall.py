"""The wall screen (/wall) in headless Chromium against a served demo city.

The wall gets a server of its own (``wall_server``) on a private copy of the
demo city: one test writes a case into it, another stops the server and starts
it again on the same port.  Every wait polls the page (WebDriverWait) and
returns as soon as the condition holds.  With ``GRIDBOARD_SCREENSHOT_DIR`` set,
the resolution test saves ``wall_1080.png`` and ``wall_2160.png`` there.
"""
from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlparse
from zoneinfo import ZoneInfo

import pytest
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import create_engine

from cli.browserbench import HOOK
from cli.server import free_port, start_server
from queries.schema import case
from queries.version import bump_version
from tests.browser.conftest import FROZEN_NOW, ROOT
from tests.browser.test_command_view import MAP_STATE, db_path

pytestmark = pytest.mark.browser

SIZES = ((1920, 1080), (3840, 2160))
PANELS = (".gb-wall-head", ".gb-wall-kpis", "#map", ".gb-wall-ranking", ".gb-wall-party", ".gb-wall-ticker",
          ".gb-wall-attention")

# the text of the row at the top of a list's visible box (what a person reads there now)
SCROLL_STATE = """
const box = document.querySelector(arguments[0] + ' .gb-wall-scroll'), ul = box && box.firstElementChild;
const r = box && box.getBoundingClientRect(), el = r && document.elementFromPoint(r.left + r.width / 2, r.top + 4);
return box && ul && {static: box.dataset.static, steps: ul.dataset.steps, rows: ul.children.length,
                     boxHeight: box.clientHeight, listHeight: ul.scrollHeight, transform: ul.style.transform,
                     atTop: el && (el.id || el.className || el.tagName), inflight: window.__gb && window.__gb.inflight};
"""
TOP_ROW = """
const box = document.querySelector(arguments[0] + ' .gb-wall-scroll');
if (!box) { return null; }
const r = box.getBoundingClientRect();
const el = document.elementFromPoint(r.left + r.width / 2, r.top + 4);
const li = el && el.closest('li');
return li ? li.innerText : null;
"""
# what the page shows (the area in its header) and every address it pushes, with the page's own clock
TOUR_LOG = """
window.__shown = []; window.__pushed = [];
const push = history.pushState;
history.pushState = function (state, title, url) {
  window.__pushed.push({at: performance.now(), url: String(new URL(url, location.href))});
  return push.apply(this, arguments);
};
new MutationObserver(function () {
  const a = document.querySelector('.gb-wall-area'), last = window.__shown[window.__shown.length - 1];
  if (a && a.textContent && (!last || last.text !== a.textContent)) {
    window.__shown.push({at: performance.now(), text: a.textContent});
  }
}).observe(document, {subtree: true, childList: true, characterData: true});
"""
ANSWERS = "return window.__gb ? window.__gb.server.filter(s => s.output.includes(arguments[0])).length : 0"
BANNER = "const b = document.getElementById('gb-wall-stale'); return b && !b.hidden ? b.innerText : null"


def kiosk_token(db_url: str) -> str | None:
    """A wall screen's kiosk token, where the app asks for a login; None for an app without logins."""
    res = subprocess.run([sys.executable, "-m", "cli.main", "--database-url", db_url, "token", "create", "--kiosk",
                          "--scope", "city", "--name", "wall test"], cwd=ROOT, capture_output=True, text=True)
    if res.returncode != 0 and "No such command" in res.stderr:
        return None
    if res.returncode != 0:
        raise RuntimeError(res.stderr)
    return res.stdout.strip()


class WallServer:
    """``gridboard serve`` on a port of its own that a test can stop and start again."""

    def __init__(self, db_url: str, data_dir: Path):
        self.db_url, self.port, self.proc = db_url, free_port(), None
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = kiosk_token(db_url)
        # the key signing sessions lives in the data folder: one folder, so a restart keeps the wall signed in
        self.env = {"GRIDBOARD_NOW": FROZEN_NOW, "GRIDBOARD_DATA_DIR": str(data_dir)}

    def page(self, path: str, **query) -> str:
        """The address of a wall page (with the screen's kiosk token when there is one)."""
        if self.token:
            query["token"] = self.token
        return self.url + path + ("?" + urlencode(query) if query else "")

    def start(self):
        self.proc = start_server(self.db_url, self.port, self.env)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


@pytest.fixture(scope="module")
def wall_db(demo_db, tmp_path_factory):
    """A copy of the session's demo city that this module may write to."""
    target = tmp_path_factory.mktemp("walldb") / "wall.sqlite"
    src, dst = sqlite3.connect(db_path(demo_db)), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return f"sqlite:///{target}"


@pytest.fixture(scope="module")
def wall_server(wall_db, tmp_path_factory):
    server = WallServer(wall_db, tmp_path_factory.mktemp("walldata"))
    server.start()
    yield server
    server.stop()


def wait(browser, predicate, timeout: float = 30, what: str = "condition"):
    """Poll ``predicate`` until it returns something truthy, and return that."""
    return WebDriverWait(browser, timeout, poll_frequency=0.1).until(lambda _d: predicate(), message=what)


def set_viewport(browser, width: int, height: int):
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})


def open_wall(browser, url: str, hook: bool = False):
    if hook:  # counts the callback answers (cli.browserbench)
        browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": HOOK})
    browser.get(url)
    wait(browser, lambda: len(browser.find_elements(By.CSS_SELECTOR, "#wall-kpis .gb-wall-kpi")) == 6,
         what="headline tiles")


def path_of(browser) -> str:
    return urlparse(browser.current_url).path


def area(browser) -> str:
    """The area named in the header, read in one go (the tour re-renders it while we look)."""
    return browser.execute_script("const a = document.querySelector('.gb-wall-area'); return a ? a.innerText : ''")


def map_settled(browser) -> bool:
    return browser.execute_script(
        "try { const m = document.querySelector('#map .js-plotly-plot')._fullLayout.map._subplot.map;"
        " return m.loaded() && !m.isMoving(); } catch (e) { return false; }")


def test_the_wall_fills_both_wall_resolutions_without_scrollbars(browser, wall_server):
    # closed today by now, and yesterday by the same minute (stored times are local wall-clock text)
    now = datetime.fromisoformat(FROZEN_NOW)
    closed_by = 'select count(*) from "case" where closed_at >= ? and closed_at <= ?'

    def since_midnight(t: datetime) -> tuple[str, str]:
        return f"{t:%Y-%m-%d}", f"{t:%Y-%m-%d %H:%M:%S}.000000"
    with sqlite3.connect(db_path(wall_server.db_url)) as con:
        open_cases = con.execute('select count(*) from "case" where closed_at is null').fetchone()[0]
        n_townships = con.execute("select count(*) from township").fetchone()[0]
        closed_today = con.execute(closed_by, since_midnight(now)).fetchone()[0]
        closed_then = con.execute(closed_by, since_midnight(now - timedelta(days=1))).fetchone()[0]
    root_px = {}
    for width, height in SIZES:
        set_viewport(browser, width, height)
        open_wall(browser, wall_server.page("/wall"))
        wait(browser, lambda: (s := browser.execute_script(MAP_STATE)) and s["features"] == 1798, 60, "city map")
        wait(browser, lambda: len(browser.find_elements(By.CSS_SELECTOR, ".gb-wall-ranklist li")) == n_townships,
             what="township ranking")
        wait(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "#wall-ticker li"), what="ticker")
        wait(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "#wall-party .gb-wall-stat"), what="party")
        wait(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "#wall-attention .gb-wall-count"),
             what="overdue list")
        inner_w, inner_h, scroll_w, scroll_h, body_w, body_h = browser.execute_script(
            "const e = document.documentElement, b = document.body;"
            "return [innerWidth, innerHeight, e.scrollWidth, e.scrollHeight, b.scrollWidth, b.scrollHeight];")
        assert (inner_w, inner_h) == (width, height)
        # no scrollbars: nothing reaches past the screen
        assert scroll_w <= width and scroll_h <= height and body_w <= width and body_h <= height
        for sel in PANELS:
            left, top, right, bottom = browser.execute_script(
                "const r = document.querySelector(arguments[0]).getBoundingClientRect();"
                "return [r.left, r.top, r.right, r.bottom];", sel)
            assert 0 <= left and right <= width and 0 <= top and bottom <= height, sel
            assert right - left >= 0.2 * width and bottom - top >= 0.05 * height, sel
        # every township of the ranking is on screen, inside its panel
        last_row, panel = browser.execute_script(
            "return [document.querySelector('.gb-wall-ranklist li:last-child').getBoundingClientRect().bottom,"
            " document.querySelector('.gb-wall-ranking').getBoundingClientRect().bottom];")
        assert last_row <= panel
        # large numerals at both sizes: the headline figures are at least 5 % of the screen's height
        numeral = browser.execute_script(
            "return parseFloat(getComputedStyle(document.querySelector('.gb-wall-kpi-value')).fontSize)")
        assert numeral >= 0.05 * height
        tiles = browser.execute_script(
            "return [...document.querySelectorAll('#wall-kpis .gb-wall-kpi')].map(t => t.innerText)")
        assert int(tiles[0].splitlines()[1].replace(",", "")) == open_cases
        # "closed today" and its change against yesterday at this minute
        assert int(tiles[2].splitlines()[1].replace(",", "")) == closed_today
        arrow, size = re.search(r"([▲▼])\s*([\d,]+)", tiles[2]).groups()
        assert (1 if arrow == "▲" else -1) * int(size.replace(",", "")) == closed_today - closed_then
        root_px[height] = browser.execute_script(
            "return parseFloat(getComputedStyle(document.documentElement).fontSize)")
        shots = os.environ.get("GRIDBOARD_SCREENSHOT_DIR")
        if shots:
            wait(browser, lambda: map_settled(browser), 60, "map drawn")
            Path(shots).mkdir(parents=True, exist_ok=True)
            browser.save_screenshot(str(Path(shots) / f"wall_{height}.png"))
    # the layout scales with the screen: everything twice as large at 2160 lines
    assert root_px[2160] == pytest.approx(2 * root_px[1080])


def test_the_ticker_moves_by_itself_takes_in_a_new_case_and_the_page_keeps_its_size(browser, wall_server):
    set_viewport(browser, 1920, 1080)
    open_wall(browser, wall_server.page("/wall", step=1, refresh=2), hook=True)
    first = wait(browser, lambda: browser.execute_script(TOP_ROW, "#wall-ticker"), what="ticker row")
    # nobody touches it, yet another row comes to the top
    try:
        wait(browser, lambda: (row := browser.execute_script(TOP_ROW, "#wall-ticker")) and row != first,
             what="the ticker to advance")
    except TimeoutException:  # say what the list was doing, so that a failure under load can be told apart
        raise AssertionError(f"the ticker did not advance from {first!r}: "
                             f"{browser.execute_script(SCROLL_STATE, '#wall-ticker')}") from None
    # every answer draws a new list, which goes on from the old one's place in the loop
    steps = ("const ul = document.querySelector('#wall-ticker .gb-wall-scroll ul');"
             " return ul ? parseInt(ul.dataset.steps || '0', 10) : 0;")
    answered, before = browser.execute_script(ANSWERS, "wall-ticker"), browser.execute_script(steps)
    wait(browser, lambda: browser.execute_script(ANSWERS, "wall-ticker") >= answered + 2, 60, "two answers")
    assert browser.execute_script(steps) >= max(before, 1)
    # many refreshes later the page holds as many elements: rows are recycled, not added
    wait(browser, lambda: map_settled(browser), 60, "map drawn")
    count = ("return [document.getElementsByTagName('*').length,"
             " document.querySelectorAll('#wall-ticker li').length]")
    seen = browser.execute_script(ANSWERS, "wall-ticker")
    samples, heap = [], []
    for k in (2, 4, 6, 8, 10, 12):
        wait(browser, lambda: browser.execute_script(ANSWERS, "wall-ticker") >= seen + k, 60, "refreshes")
        samples.append(browser.execute_script(count))
        # sampled between answers, once the page has drawn what they brought: a response still being handled,
        # or a map still cutting its tiles, holds memory that is not retained
        wait(browser, lambda: browser.execute_script(
            "return window.__gb.inflight === 0 && performance.now() - window.__gb.lastActivity > 300"),
            30, "no answer pending")
        for _ in range(2):  # (memory kept alive by a finalizer or weak reference goes on the second pass)
            browser.execute_cdp_cmd("HeapProfiler.collectGarbage", {})
        heap.append(browser.execute_cdp_cmd("Runtime.getHeapUsage", {})["usedSize"])
    elements = [n for n, _ in samples]
    assert max(elements) - min(elements) <= 3, samples    # a transient tooltip or two, no growth
    assert {rows for _, rows in samples} == {2 * 16}      # 16 newest cases, drawn twice for the loop
    # the script heap after garbage collection: on a busy machine one sample can hold several MB that a
    # refresh still uses (23.4, 27.1, 21.8 and 28.3 MB were read in one run), while memory that is kept
    # raises every sample; so the lower of the last two is compared with the lower of the first two,
    # eight refreshes apart
    assert min(heap[-2:]) - min(heap[:2]) < 2_000_000, heap
    # Dash's undo history (one entry per tick of every Interval) is kept short
    assert browser.execute_script("return window.store.getState().history.past.length") <= 10
    # a case received now arrives at the top of the ticker
    with sqlite3.connect(db_path(wall_server.db_url)) as con:
        g_code, v_code, t_code, g_name = con.execute(
            "select code, village_code, township_code, name from grid order by code desc limit 1").fetchone()
    now = datetime.fromisoformat(FROZEN_NOW)
    engine = create_engine(wall_server.db_url)
    try:
        with engine.begin() as conn:
            conn.execute(case.insert().values(
                source="photo", source_ref="wall-test-1", category="public_safety",
                item="public_safety.exposed_wire", title="wall test", grid_code=g_code, village_code=v_code,
                township_code=t_code, node="received", level="village", created_at=now,
                response_due=now + timedelta(hours=12), deadline=now + timedelta(days=3), escalations=0, urges=0))
            bump_version(conn, now)
    finally:
        engine.dispose()
    top = wait(browser, lambda: (row := browser.execute_script(
        "const li = document.querySelector('#wall-ticker li'); return li && li.innerText")) and g_name in row
        and row, 30, "the new case in the ticker")
    assert "刚刚" in top and "随手拍" in top


def test_rotation_moves_to_the_next_township_after_its_dwell_and_back_to_the_city(browser, wall_server):
    with sqlite3.connect(db_path(wall_server.db_url)) as con:
        towns = con.execute("select code, name from township order by code").fetchall()
        city = con.execute("select name from city").fetchone()[0]
        n_pinned = con.execute("select count(*) from grid where township_code = ?", (towns[2][0],)).fetchone()[0]
    dwell = 2
    set_viewport(browser, 1920, 1080)
    # the page logs what it shows and when (a busy renderer can keep WebDriver from looking in time)
    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": TOUR_LOG})
    open_wall(browser, wall_server.page("/wall", rotate="township", dwell=dwell))
    shown = wait(browser, lambda: (log := browser.execute_script("return window.__shown")) and
                 [e["text"] for e in log][:3] == [city, towns[0][1], towns[1][1]] and log,
                 90, "the city, then the first two townships")
    # each stayed on screen for its dwell before the next was drawn
    assert shown[1]["at"] - shown[0]["at"] >= dwell * 1000
    assert shown[2]["at"] - shown[1]["at"] >= dwell * 1000
    urls = [urlparse(e["url"]).path for e in browser.execute_script("return window.__pushed")]
    assert urls[:2] == [f"/wall/township/{towns[0][0]}", f"/wall/township/{towns[1][0]}"]
    assert "rotate=township" in browser.current_url and f"dwell={dwell}" in browser.current_url
    # after the last township the tour returns to the city
    open_wall(browser, wall_server.page(f"/wall/township/{towns[-1][0]}", rotate="township", dwell=dwell))
    wait(browser, lambda: path_of(browser) == "/wall", 60, "back to the city")
    wait(browser, lambda: (s := browser.execute_script(MAP_STATE)) and s["locations"] == 1798, 60, "city map")
    # a pinned township stays: watched for three dwells, the address does not move
    open_wall(browser, wall_server.page(f"/wall/township/{towns[2][0]}", dwell=dwell))
    assert area(browser) == towns[2][1] and not browser.find_elements(By.CSS_SELECTOR, ".gb-wall-rotation")
    wait(browser, lambda: (s := browser.execute_script(MAP_STATE)) and s["locations"] == n_pinned, 60,
         "its map")
    with pytest.raises(TimeoutException):
        wait(browser, lambda: path_of(browser) != f"/wall/township/{towns[2][0]}", 3 * dwell, "a move")


def test_stopping_the_server_shows_the_stale_banner_and_restarting_clears_it(browser, wall_server):
    set_viewport(browser, 1920, 1080)
    open_wall(browser, wall_server.page("/wall"), hook=True)
    wait(browser, lambda: (s := browser.execute_script(MAP_STATE)) and s["features"] == 1798, 60, "city map")
    tiles = browser.find_element(By.ID, "wall-kpis").text
    tz = ZoneInfo(browser.find_element(By.ID, "wall-root").get_attribute("data-tz"))
    browser.execute_script("window.__sameDocument = 'yes'")
    wall_server.stop()
    try:
        banner = wait(browser, lambda: browser.execute_script(BANNER), 30, "the stale banner")
        stopped = datetime.now(tz)
        assert "数据更新中断" in banner
        # HH:MM is the last time the server answered: just before it stopped
        hhmm = re.search(r"\b(\d{2}:\d{2})\b", banner).group(1)
        assert hhmm in {(stopped - timedelta(minutes=k)).strftime("%H:%M") for k in range(3)}
        # the last data stays on the screen, map included
        assert browser.find_element(By.ID, "wall-kpis").text == tiles
        assert browser.execute_script(MAP_STATE)["features"] == 1798
        answered = browser.execute_script(ANSWERS, "wall-")
    finally:
        wall_server.start()
    wait(browser, lambda: browser.execute_script(BANNER) is None, 30, "the banner to clear")
    assert browser.execute_script("return window.__sameDocument") == "yes"  # no reload
    # and the panels are answered again without anyone touching the page
    wait(browser, lambda: browser.execute_script(ANSWERS, "wall-") > answered, 30, "panels refreshed")
    assert browser.find_element(By.ID, "wall-kpis").text == tiles
