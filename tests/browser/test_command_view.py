"""The command view in headless Chromium against a served demo city."""
from __future__ import annotations

import json
import sqlite3
import time
from urllib.parse import urlparse

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

from cli.browserbench import HOOK, WAIT_QUIET
from tests.browser.conftest import FROZEN_NOW as FROZEN
from tests.browser.conftest import LEADER, TESTER_PASSWORD, sign_in

pytestmark = pytest.mark.browser

MAP_STATE = """
// null while the map is (re)building: callers poll until it answers
try {
  const gd = document.querySelector('#map .js-plotly-plot');
  const m = gd._fullLayout.map._subplot.map;
  const src = m.getSource(Object.keys(m.getStyle().sources)[0]);
  const feats = src.serialize().data.features || [];
  return {locations: gd._fullData[0].locations.length, features: new Set(feats.map(f => f.id)).size,
          z: gd._fullData[0].z, customdata: gd._fullData[0].customdata};
} catch (e) { return null; }
"""


def db_path(url: str) -> str:
    return url.split("sqlite:///", 1)[1]


def open_page(browser, url: str):
    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": HOOK})
    browser.set_script_timeout(40)
    browser.get(url)
    return wait_quiet(browser)


def wait_quiet(browser, since: int = 0):
    res = browser.execute_async_script(WAIT_QUIET, since, 500)
    assert not res.get("timeout"), "page did not settle within 30 s"
    return res


def started(browser) -> int:
    return browser.execute_script("return window.__gb.started")


def signed_out(browser):
    """Leave the open page first, then clear the cookies: a request of that page still in flight could
    otherwise bring a refreshed session cookie back after they were deleted."""
    browser.get("about:blank")
    browser.execute_cdp_cmd("Network.clearBrowserCookies", {})


def wait_for(predicate, timeout=20.0):
    """Poll a condition on the page (no fixed sleeps: return as soon as it holds)."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except (StaleElementReferenceException, NoSuchElementException):
            value = None  # the element was being re-rendered: look again
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def pick_metric(browser, value: str):
    """Click the label of a metric, as a person would (the radio itself is hidden by the style)."""
    browser.find_element(By.XPATH, f"//*[@id='metric']//input[@value='{value}']/ancestor::label").click()


def map_state(browser):
    return wait_for(lambda: browser.execute_script(MAP_STATE))


def crumbs(browser) -> str:
    """The breadcrumb's text, read in one go (the page re-renders it while we look)."""
    return browser.execute_script("const b = document.querySelector('.gb-breadcrumb'); return b ? b.innerText : ''")


def test_city_map_draws_every_grid(browser, live_server):
    loaded = open_page(browser, live_server.url + "/")
    # the page came with the layout: its callbacks were the first asked, with no round trip for the page
    outputs = [s["output"] for s in loaded["server"]]
    assert "panels-data.data" in outputs and not any("_pages_content" in o for o in outputs), outputs
    assert browser.title == "gridboard"
    state = wait_for(lambda: (s := browser.execute_script(MAP_STATE)) and s["features"] == 1798 and s)
    assert state["locations"] == 1798
    with sqlite3.connect(db_path(live_server.db_url)) as con:
        assert con.execute("select count(*) from grid").fetchone()[0] == 1798
    # drawn by gridboard's partial plotly.js bundle (api.plotly_bundle), of the version plotly.py writes for
    from plotly.offline import get_plotlyjs_version
    version, traces = browser.execute_script(
        "return [Plotly.version, Object.keys(Plotly.PlotSchema.get().traces).sort()]")
    assert (version, traces) == (get_plotlyjs_version(), ["bar", "choroplethmap", "scatter", "scattermap"])


def test_open_cases_tile_matches_an_independent_count(browser, live_server):
    open_page(browser, live_server.url + "/")
    tile = browser.find_element(By.CSS_SELECTOR, ".gb-kpis .gb-tile .gb-tile-value")
    with sqlite3.connect(db_path(live_server.db_url)) as con:
        expected = con.execute('select count(*) from "case" where closed_at is null').fetchone()[0]
    assert expected > 0
    assert int(tile.text.replace(",", "")) == expected


def test_clicking_the_map_drills_into_the_township_and_the_breadcrumb_goes_back(browser, live_server):
    open_page(browser, live_server.url + "/")
    state = map_state(browser)
    with sqlite3.connect(db_path(live_server.db_url)) as con:
        code, lon, lat, township = con.execute(
            "select code, centroid_lon, centroid_lat, township_code from grid "
            "where grid_type = 'urban_rural' order by area_km2 desc limit 1").fetchone()
        township_name = con.execute("select name from township where code = ?", (township,)).fetchone()[0]
    assert state["locations"] == 1798
    # a person clicks a map that has finished drawing
    wait_for(lambda: browser.execute_script(
        "try { const m = document.querySelector('#map .js-plotly-plot')._fullLayout.map._subplot.map;"
        " return m.loaded() && !m.isMoving(); } catch (e) { return false; }"))
    # mark the map: a drill must re-draw this same map, not build a new one
    browser.execute_script("document.querySelector('#map .js-plotly-plot')._fullLayout.map._subplot.map"
                           ".__gridboardKept = true;")
    # where that grid's inside point is on screen, relative to the map's own canvas
    x, y = browser.execute_script(
        "const gd = document.querySelector('#map .js-plotly-plot');"
        "const m = gd._fullLayout.map._subplot.map; const p = m.project([arguments[0], arguments[1]]);"
        "return [p.x, p.y];", lon, lat)
    canvas = browser.find_element(By.CSS_SELECTOR, "#map .maplibregl-canvas")
    # offsets count from the centre of the part of the canvas that is in view
    top, bottom, left, right = browser.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        "return [Math.max(r.top, 0), Math.min(r.bottom, window.innerHeight), Math.max(r.left, 0),"
        " Math.min(r.right, window.innerWidth)];", canvas)
    rect = canvas.rect
    cx, cy = (left + right) / 2 - rect["x"], (top + bottom) / 2 - rect["y"]
    ActionChains(browser).move_to_element_with_offset(canvas, int(x - cx), int(y - cy)).pause(0.3) \
        .click().perform()
    wait_for(lambda: f"/township/{township}" in browser.current_url)
    wait_for(lambda: township_name in crumbs(browser))
    with sqlite3.connect(db_path(live_server.db_url)) as con:
        n_grids = con.execute("select count(*) from grid where township_code = ?", (township,)).fetchone()[0]
    wait_for(lambda: (s := browser.execute_script(MAP_STATE)) and s["locations"] == n_grids)
    assert browser.execute_script(
        "return document.querySelector('#map .js-plotly-plot')._fullLayout.map._subplot.map.__gridboardKept")
    # the first crumb is the city: a link up
    browser.find_element(By.CSS_SELECTOR, ".gb-breadcrumb a.gb-crumb").click()
    wait_for(lambda: urlparse(browser.current_url).path == "/")
    wait_for(lambda: (s := browser.execute_script(MAP_STATE)) and s["locations"] == 1798)
    assert code  # the grid we aimed at exists


# Counts, for each frame MapLibre renders, the draw calls it made and whether every tile was in.
FRAME_PROBE = """
const gd = document.querySelector('#map .js-plotly-plot'), m = gd._fullLayout.map._subplot.map;
const gl = m.painter.context.gl, frames = window.__frames = [];
let draws = 0;
for (const name of ['drawElements', 'drawArrays']) {
  const f = gl[name].bind(gl);
  gl[name] = function () { draws++; return f.apply(null, arguments); };
}
m.on('render', () => { frames.push({draws: draws, whole: m.style.loaded() && m.areTilesLoaded(),
                                    moving: m.isMoving()}); draws = 0; });
"""


def drill_in_place(browser, township: str, n_grids: int):
    """Open a township as a click in the page does (no reload), and wait until its map has every grid."""
    before = started(browser)
    browser.execute_script("window.history.pushState({}, '', arguments[0]);"
                           "window.dispatchEvent(new CustomEvent('_dashprivate_pushstate'));", f"/township/{township}")
    wait_quiet(browser, before)
    wait_for(lambda: (s := browser.execute_script(MAP_STATE)) and s["features"] == n_grids)


def test_a_drill_draws_the_new_scope_once_its_tiles_are_in(browser, live_server):
    """A frame of half-cut tiles would be drawn again a moment later: the map keeps the last whole
    picture instead (assets/map.js), and draws the township once, whole."""
    open_page(browser, live_server.url + "/")
    wait_for(lambda: (s := browser.execute_script(MAP_STATE)) and s["features"] == 1798)
    with sqlite3.connect(db_path(live_server.db_url)) as con:
        township, n_grids = con.execute("select township_code, count(*) from grid group by township_code "
                                        "order by township_code limit 1").fetchone()
    browser.execute_script(FRAME_PROBE)
    drill_in_place(browser, township, n_grids)
    frames = browser.execute_script("return window.__frames")
    drawn = [f for f in frames if f["draws"]]
    assert drawn and drawn[-1]["whole"], frames           # the township is on the canvas
    assert all(f["whole"] or f["moving"] for f in drawn), frames  # and nothing half-cut was drawn first
    assert any(not f["whole"] for f in frames), frames   # (there were frames while its tiles were being cut)


def test_a_drill_asks_for_the_map_and_panels_without_waiting_for_the_page(browser, live_server):
    """The panels and the map read the scope from the address, so their requests go out together with
    the page's own (its header), not after it has come back; and the page's view, when it comes,
    does not ask for the map again."""
    open_page(browser, live_server.url + "/")
    with sqlite3.connect(db_path(live_server.db_url)) as con:
        township, n_grids = con.execute("select township_code, count(*) from grid group by township_code "
                                        "order by township_code desc limit 1").fetchone()
    browser.execute_script("""
        const log = window.__asked = [], orig = window.fetch;
        window.fetch = function (input, init) {
          const url = typeof input === 'string' ? input : input.url;
          let output = '';
          try { output = JSON.parse((init && init.body) || '{}').output || ''; } catch (e) {}
          const entry = {output: output, sent: performance.now()};
          if (url.includes('_dash-update-component')) { log.push(entry); }
          return orig.apply(this, arguments).then(r => { entry.back = performance.now(); return r; });
        };""")
    drill_in_place(browser, township, n_grids)
    asked = browser.execute_script("return window.__asked")
    page = [a for a in asked if "_pages_content" in a["output"]]
    maps = [a for a in asked if "map.figure" in a["output"]]
    panels = [a for a in asked if a["output"] == "panels-data.data"]
    assert len(page) == 1 and len(maps) == 1 and len(panels) == 1, asked
    assert maps[0]["sent"] < page[0]["back"] and panels[0]["sent"] < page[0]["back"], asked


def test_a_resize_to_the_same_size_ends_at_once_and_a_real_one_relayouts(browser, live_server):
    open_page(browser, live_server.url + "/")
    result = browser.execute_async_script("""
        const done = arguments[arguments.length - 1];
        const gd = document.querySelector('#map .js-plotly-plot');
        let relayouts = 0;
        gd.on('plotly_relayout', () => relayouts++);
        Plotly.Plots.resize(gd).then(() => {
          const same = {relayouts: relayouts, width: gd._fullLayout.width};
          gd.parentElement.style.width = (gd._fullLayout.width - 100) + 'px';
          Plotly.Plots.resize(gd).then(() => done({same: same, relayouts: relayouts, width: gd._fullLayout.width}));
        });
    """)
    assert result["same"]["relayouts"] == 0, result
    assert result["relayouts"] == 1 and abs(result["width"] - (result["same"]["width"] - 100)) <= 1, result


def test_deep_link_opens_the_village_in_english(browser, live_server):
    with sqlite3.connect(db_path(live_server.db_url)) as con:
        village, township, name_en = con.execute(
            "select v.code, v.township_code, v.name_en from village v order by v.code limit 1").fetchone()
        n_grids = con.execute("select count(*) from grid where village_code = ?", (village,)).fetchone()[0]
    open_page(browser, f"{live_server.url}/village/{village}?lang=en&m=closure_rate&w=30d")
    state = map_state(browser)
    assert state["locations"] == n_grids
    assert name_en in crumbs(browser)
    assert "Grid Governance Command Center" in browser.find_element(By.CSS_SELECTOR, ".gb-title").text
    checked = browser.find_element(By.CSS_SELECTOR, "#metric input:checked").get_attribute("value")
    assert checked == "closure_rate"


def test_language_switch_and_metric_keep_the_url_as_state(browser, live_server):
    open_page(browser, live_server.url + "/")
    assert "网格化治理指挥中心" in browser.find_element(By.CSS_SELECTOR, ".gb-title").text
    before = started(browser)
    pick_metric(browser, "overdue")
    wait_quiet(browser, before)
    assert "m=overdue" in browser.current_url
    browser.refresh()
    wait_quiet(browser)
    assert browser.find_element(By.CSS_SELECTOR, "#metric input:checked").get_attribute("value") == "overdue"
    browser.find_element(By.ID, "lang-switch").click()
    wait_for(lambda: "Grid Governance Command Center" in browser.find_element(By.CSS_SELECTOR, ".gb-title").text)
    assert "lang=en" in browser.current_url


def test_a_recolour_sends_a_patch_of_values_only(browser, live_server):
    browser.execute_cdp_cmd("Network.enable", {})
    open_page(browser, live_server.url + "/")
    browser.get_log("performance")
    before = started(browser)
    pick_metric(browser, "satisfaction_rate")
    wait_quiet(browser, before)
    from cli.browserbench import network_entries
    entries = [e for e in network_entries(browser) if "map-paint.data" in e["output"]]
    assert entries, "the metric switch did not update the map"
    assert all(0 < e["bytes"] <= 20_000 for e in entries), entries
    # and the map really shows rates now
    z = [v for v in map_state(browser)["z"] if v is not None]
    assert z and all(0 <= v <= 1 for v in z)
    # recoloured in place through feature state (no re-tiling), with hover and legend in step
    fast = browser.execute_script("""
        const gd = document.querySelector('#map .js-plotly-plot'), map = gd._fullLayout.map._subplot.map;
        const fill = map.getStyle().layers.find(l => l.type === 'fill');
        const ids = gd._fullData[0].locations, i = gd.calcdata[0].findIndex(p => p.z > 0 && p.z < 1);
        return {paint: map.getPaintProperty(fill.id, 'fill-color'), i: i, hoverZ: gd.calcdata[0][i].z,
                dataZ: gd._fullData[0].z[i], state: map.getFeatureState({source: fill.source, id: Number(ids[i])}),
                legend: document.getElementById('map-legend').innerText};""")
    assert fast["paint"][0] == "coalesce" and fast["state"]["fc"].startswith("rgb")
    assert fast["hoverZ"] == fast["dataZ"]
    assert "满意率" in fast["legend"] and "%" in fast["legend"]


def test_the_page_asks_no_host_but_the_app(browser, live_server):
    browser.execute_cdp_cmd("Network.enable", {})
    open_page(browser, live_server.url + "/")
    from cli.browserbench import network_entries
    hosts = {e["url"].split("/")[2] for e in network_entries(browser) if e["url"].startswith("http")}
    assert hosts == {live_server.url.split("//")[1]}, hosts


def test_layers_and_callbacks_are_compressed(live_server):
    resp = live_server.get("/", headers={"Accept-Encoding": "gzip"})
    assert resp.status == 200
    with sqlite3.connect(db_path(live_server.db_url)) as con:
        etag = con.execute("select etag from map_layer where level = 'grid' and scope_code = ''").fetchone()[0]
    layer = live_server.get(f"/geo/grid/city.json?v={etag}", headers={"Accept-Encoding": "gzip"})
    assert layer.headers["Content-Encoding"] == "gzip"
    assert "immutable" in layer.headers["Cache-Control"]
    assert len(layer.read()) <= 150_000
    js = live_server.get("/_dash-layout", headers={"Accept-Encoding": "gzip"})
    assert js.headers.get("Content-Encoding") == "gzip" or int(js.headers.get("Content-Length", "0")) < 500
    json.loads  # noqa: B018 - keep json imported for debugging payloads


def test_a_number_opens_the_cases_behind_it_with_their_trail(browser, live_server):
    open_page(browser, live_server.url + "/")
    tiles = browser.find_elements(By.CSS_SELECTOR, ".gb-kpis .gb-tile")
    overdue = int(tiles[1].find_element(By.CSS_SELECTOR, ".gb-tile-value").text.replace(",", ""))
    assert overdue > 0
    tiles[1].click()
    title = wait_for(lambda: browser.execute_script(
        "const t = document.getElementById('case-drawer-title'); return t && t.innerText"))
    assert title.endswith(f"{overdue:,}")
    rows = wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "#case-table td.dash-cell"))
    first_id = int(browser.find_element(By.CSS_SELECTOR, "#case-table td[data-dash-column='id']").text)
    rows[0].click()
    trail = wait_for(lambda: browser.execute_script(
        "const t = document.getElementById('case-trail'); return t && t.innerText"))
    with sqlite3.connect(db_path(live_server.db_url)) as con:
        n_events = con.execute("select count(*) from case_event where case_id = ?", (first_id,)).fetchone()[0]
        overdue_db = con.execute('select count(*) from "case" where closed_at is null and deadline < ?',
                                 (FROZEN.replace("T", " ") + ".000000",)).fetchone()[0]
    assert f"#{first_id}" in trail
    assert len(browser.find_elements(By.CSS_SELECTOR, "#case-trail li")) == n_events
    assert overdue == overdue_db


def test_a_node_bar_opens_its_cases_and_the_drawer_closes(browser, live_server):
    """The drawer opens and closes in the browser (a clientside callback); only the cases come from the server."""
    open_page(browser, live_server.url + "/")
    drawer = browser.find_element(By.ID, "case-drawer")
    assert not drawer.is_displayed()
    bars = wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "#nodes .gb-vbar"))
    assert len(bars) == 7  # five nodes, overdue, escalated
    bars[1].click()  # claimed
    title = wait_for(lambda: browser.execute_script(
        "const t = document.getElementById('case-drawer-title'); return t && t.innerText"))
    from dashboards.i18n import NODE_TEXT, t
    assert drawer.is_displayed() and f" · {t('claimed', 'zh', NODE_TEXT)} · " in title
    wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "#case-table td.dash-cell"))
    browser.find_element(By.ID, "case-drawer-close").click()
    wait_for(lambda: not drawer.is_displayed())


def test_a_ranked_township_is_a_link_that_drills_in_without_reloading_the_page(browser, live_server):
    open_page(browser, live_server.url + "/?m=overdue")
    browser.execute_script("window.__samePage = true;")
    rows = wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "#ranking a.gb-hbar"))
    with sqlite3.connect(db_path(live_server.db_url)) as con:
        n_townships = con.execute("select count(*) from township").fetchone()[0]
    assert len(rows) == n_townships
    href = rows[0].get_attribute("href")
    code = urlparse(href).path.rsplit("/", 1)[-1]
    assert urlparse(href).path == f"/township/{code}" and "m=overdue" in href  # the metric goes along
    rows[0].click()
    wait_for(lambda: urlparse(browser.current_url).path == f"/township/{code}")
    with sqlite3.connect(db_path(live_server.db_url)) as con:
        n_grids = con.execute("select count(*) from grid where township_code = ?", (code,)).fetchone()[0]
        n_villages = con.execute("select count(*) from village where township_code = ?", (code,)).fetchone()[0]
    wait_for(lambda: (s := browser.execute_script(MAP_STATE)) and s["locations"] == n_grids)
    # the ranking is now of the township's villages, and the page was never reloaded
    wait_for(lambda: len(browser.find_elements(By.CSS_SELECTOR, "#ranking .gb-hbar")) == min(n_villages, 20))
    assert browser.execute_script("return window.__samePage === true")


def test_a_signed_out_browser_signs_in_and_lands_on_the_page_it_asked_for(browser, live_server):
    signed_out(browser)
    with sqlite3.connect(db_path(live_server.db_url)) as con:
        village = con.execute("select code from village order by code limit 1").fetchone()[0]
    browser.get(f"{live_server.url}/village/{village}?lang=en")
    wait_for(lambda: urlparse(browser.current_url).path == "/login")
    assert browser.find_element(By.ID, "login-submit").text == "登录"
    browser.find_element(By.ID, "login-name").send_keys("tester")
    browser.find_element(By.ID, "login-password").send_keys("wrong password")
    browser.find_element(By.ID, "login-submit").click()
    wait_for(lambda: browser.find_elements(By.ID, "login-error"))
    browser.find_element(By.ID, "login-password").send_keys(TESTER_PASSWORD)
    browser.find_element(By.ID, "login-submit").click()
    wait_for(lambda: urlparse(browser.current_url).path == f"/village/{village}")
    assert "lang=en" in browser.current_url
    badge = wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, ".gb-account"), timeout=40)[0]
    assert badge.text.startswith("tester")
    browser.find_element(By.ID, "logout-button").click()
    wait_for(lambda: urlparse(browser.current_url).path == "/login")
    browser.get(f"{live_server.url}/")
    wait_for(lambda: urlparse(browser.current_url).path == "/login")


def test_a_township_leader_lands_on_the_township_and_cannot_open_another(browser, live_server):
    signed_out(browser)
    sign_in(browser, live_server.url, LEADER, TESTER_PASSWORD)
    with sqlite3.connect(db_path(live_server.db_url)) as con:
        mine, other = [r[0] for r in con.execute("select code from township order by code limit 2")]
        n_grids = con.execute("select count(*) from grid where township_code = ?", (mine,)).fetchone()[0]
        open_mine = con.execute('select count(*) from "case" where closed_at is null and township_code = ?',
                                (mine,)).fetchone()[0]
    open_page(browser, live_server.url + "/")
    assert urlparse(browser.current_url).path == f"/township/{mine}"
    wait_for(lambda: (s := browser.execute_script(MAP_STATE)) and s["locations"] == n_grids)
    tile = browser.find_element(By.CSS_SELECTOR, ".gb-kpis .gb-tile .gb-tile-value")
    assert int(tile.text.replace(",", "")) == open_mine
    browser.get(f"{live_server.url}/township/{other}")
    assert "无权访问" in browser.find_element(By.TAG_NAME, "body").text
    assert not browser.find_elements(By.CSS_SELECTOR, ".gb-kpis")
