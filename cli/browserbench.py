"""Page timings in headless Chromium, for ``gridboard bench``.

A script injected before any page script wraps ``fetch`` to count Dash
callback requests in flight and to read each response's ``Server-Timing``,
and listens to every graph's ``plotly_afterplot``, every map's ``render`` and
every panel drawn by assets/panels.js (``gb:drawn``);
Chromium's network log gives the bytes on the wire.  "Drawn" is the time of
the last such activity before a quiet period with no callback in flight and
the map's grids loaded;
"map recoloured" is the time of the map's own last frame in that period.
"""
from __future__ import annotations

import json
import shutil
import statistics
import sys
import tempfile

HOOK = r"""
(function () {
  const gb = window.__gb = {inflight: 0, started: 0, server: [], lastActivity: 0, lastMap: 0};
  const touch = () => { gb.lastActivity = performance.now(); };
  const touchMap = () => { gb.lastMap = gb.lastActivity = performance.now(); };
  const orig = window.fetch;
  window.fetch = function (input, init) {
    const url = typeof input === 'string' ? input : input.url;
    if (!url.includes('_dash-update-component')) return orig.apply(this, arguments);
    const body = (init && init.body) || '{}';
    let output = '';
    try { output = JSON.parse(body).output || ''; } catch (e) {}
    // the data-version poll draws nothing unless the version moved (then the panels' own
    // callbacks are counted): it is not page activity
    if (output === 'data-version.data') return orig.apply(this, arguments);
    gb.inflight++; gb.started++; touch();
    return orig.apply(this, arguments).then(function (r) {
      const m = /dur=([0-9.]+)/.exec(r.headers.get('Server-Timing') || '');
      gb.server.push({ms: m ? parseFloat(m[1]) : 0, output: output, at: performance.now()});
      return r;
    }).finally(function () { setTimeout(function () { gb.inflight--; touch(); }, 0); });
  };
  // a panel drawn by assets/panels.js counts when the frame it is in is painted
  window.addEventListener('gb:drawn', function () { requestAnimationFrame(touch); });
  // every graph drawn and every map frame rendered counts as activity
  setInterval(function () {
    document.querySelectorAll('.js-plotly-plot').forEach(function (gd) {
      const isMap = !!gd.closest('#map');
      if (!gd.__gbHooked && gd.on) { gd.__gbHooked = true; gd.on('plotly_afterplot', isMap ? touchMap : touch); }
      const sub = gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
      if (sub && sub.map && !sub.map.__gbHooked) { sub.map.__gbHooked = true; sub.map.on('render', touchMap); }
    });
  }, 4);
})();
"""

# Done = no callback in flight and nothing drawn for QUIET ms; the time reported
# is that of the last activity, so the quiet period itself is not counted.
WAIT_QUIET = r"""
const done = arguments[arguments.length - 1];
const since = arguments[0], quiet = arguments[1];
const t0 = performance.now();
// the map has its grids and MapLibre has nothing left to load (a quiet spell alone can come
// early: Plotly's script starting after the callbacks have answered draws nothing for ~0.4 s)
function mapReady() {
  const gd = document.querySelector('#map .js-plotly-plot');
  const sub = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
  return !!(sub && sub.map && sub.map.loaded() && gd.data && gd.data[0] && gd.data[0].type === 'choroplethmap');
}
// when the map last became ready, seen by this poll (within 10 ms): a floor under the times
// reported, should a map event have gone unheard
let readySince = 0;
function check() {
  const gb = window.__gb, now = performance.now();
  if (now - t0 > 30000) { done({timeout: true, at: now}); return; }
  const mapDone = mapReady();
  if (!mapDone) { readySince = 0; } else if (!readySince) { readySince = now; }
  const ready = gb && gb.started > since && gb.inflight === 0 && mapDone;
  if (ready && now - Math.max(gb.lastActivity, readySince) > quiet) {
    const floor = readySince > t0 ? readySince : 0;
    done({at: Math.max(gb.lastActivity, floor), mapAt: Math.max(gb.lastMap, floor), started: gb.started,
          server: gb.server.slice()});
  } else { setTimeout(check, 10); }
}
check();
"""


def make_driver():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    chrome = shutil.which("chromium") or shutil.which("google-chrome")
    driver = shutil.which("chromedriver")
    if not chrome or not driver:
        raise RuntimeError("bench needs Chromium and chromedriver (Debian: chromium chromium-driver)")
    opts = webdriver.ChromeOptions()
    opts.binary_location = chrome
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                f"--user-data-dir={tempfile.mkdtemp(prefix='gridboard-bench-')}", "--window-size=1920,1080"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    # return from get() at DOMContentLoaded: "drawn" is decided by WAIT_QUIET, not by the load event
    opts.page_load_strategy = "eager"
    drv = webdriver.Chrome(service=Service(driver), options=opts)
    drv.set_page_load_timeout(60)
    drv.execute_cdp_cmd("Network.enable", {})
    drv.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": HOOK})
    drv.set_script_timeout(40)
    return drv


def network_entries(drv) -> list[dict]:
    """Requests seen since the last call: url, host, bytes on the wire, encoding, posted output."""
    reqs: dict[str, dict] = {}
    for entry in drv.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        p = msg.get("params", {})
        rid = p.get("requestId")
        if msg["method"] == "Network.requestWillBeSent":
            body = p["request"].get("postData") or ""
            output = ""
            if "_dash-update-component" in p["request"]["url"] and body:
                try:
                    output = json.loads(body).get("output", "")
                except ValueError:
                    output = ""
            reqs[rid] = {"url": p["request"]["url"], "output": output, "bytes": 0, "encoding": ""}
        elif msg["method"] == "Network.responseReceived" and rid in reqs:
            headers = {k.lower(): v for k, v in p["response"].get("headers", {}).items()}
            reqs[rid]["encoding"] = headers.get("content-encoding", "")
        elif msg["method"] == "Network.loadingFinished" and rid in reqs:
            reqs[rid]["bytes"] = int(p.get("encodedDataLength", 0))
    return list(reqs.values())


def _wait(drv, since: int, quiet_ms: int = 400) -> dict:
    return drv.execute_async_script(WAIT_QUIET, since, quiet_ms)


def _open(drv, url: str) -> None:
    """Navigate via a blank page, so the last page's WebGL context is gone before the next one is made
    (software GL in headless Chromium can stall the renderer when contexts pile up)."""
    drv.get("about:blank")
    drv.get(url)


def _started(drv) -> int:
    return drv.execute_script("return window.__gb ? window.__gb.started : 0")


def _click_metric(drv, value: str) -> float:
    return drv.execute_script(
        "const i = document.querySelector(`#metric input[value='${arguments[0]}']`);"
        "const t = performance.now(); i.click(); return t;", value)


def _server_ms(result: dict, before: int) -> float:
    """Server time of the callbacks started by the action: those after the first ``before`` requests."""
    return sum(s["ms"] for s in result.get("server", [])[before:])


def percentile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = (len(xs) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def _say(message: str) -> None:
    print(f"  … {message}", file=sys.stderr, flush=True)


def sign_in(drv, base_url: str, name: str, password: str) -> None:
    """Sign the driver in through the real login form (it lands on /healthz, which draws nothing)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    drv.get(base_url + "/login?next=%2Fhealthz")
    drv.find_element(By.ID, "login-name").send_keys(name)
    drv.find_element(By.ID, "login-password").send_keys(password)
    drv.find_element(By.ID, "login-submit").click()
    WebDriverWait(drv, 20, poll_frequency=0.05).until(lambda d: d.current_url.endswith("/healthz"))


def run(base_url: str, township_codes: list[str], repeats: int = 7, bump=None,
        login: tuple[str, str] | None = None) -> dict:
    """Measure page load, recolour and drill as the ``login`` (name, password) user; return figures (ms, bytes)."""
    drv = make_driver()
    if login:
        sign_in(drv, base_url, *login)
    out: dict = {"load_ms": [], "recolour_ms": [], "recolour_server_ms": [], "recolour_bytes": [],
                 "drill_ms": [], "drill_server_ms": [], "refresh_bytes": [], "refresh_s": [],
                 "foreign_hosts": set(), "uncompressed": set()}
    try:
        # the budgets are for a warm cache: visit every view the measurements will ask for
        _say("warming up")
        metrics = ["overdue", "closure_rate", "satisfaction_rate", "response_mean", "attendance_rate", "open"]
        for m in metrics:
            _open(drv, f"{base_url}/?m={m}")
            _wait(drv, 0)
        for code in township_codes[:repeats]:
            _open(drv, f"{base_url}/township/{code}")
            _wait(drv, 0)
        _say("page loads")
        network_entries(drv)
        for _ in range(repeats):
            _open(drv, base_url + "/?m=open")
            # performance.now() counts from the navigation start of this document
            out["load_ms"].append(_wait(drv, 0)["at"])
        for e in network_entries(drv):
            host = e["url"].split("/")[2] if "://" in e["url"] else ""
            if host and not base_url.endswith(host) and not e["url"].startswith(("data:", "blob:")):
                out["foreign_hosts"].add(host)
            if e["bytes"] > 1500 and not e["encoding"] and "_dash-update-component" in e["url"]:
                out["uncompressed"].add(e["url"])
        _say("metric switches")
        for i in range(repeats):
            before = _started(drv)
            t_click = _click_metric(drv, metrics[i % len(metrics)])
            res = _wait(drv, before)
            # the budget is the map's: its last frame (the ranking beside it redraws too, and is not counted)
            out["recolour_ms"].append(res["mapAt"] - t_click)
            out["recolour_server_ms"].append(_server_ms(res, before))
            sizes = [e["bytes"] for e in network_entries(drv) if "map-paint.data" in e["output"]]
            out["recolour_bytes"].extend(sizes)
        _say("drills")
        for i in range(repeats):
            code = township_codes[i % len(township_codes)]
            _open(drv, base_url + "/")
            _wait(drv, 0)
            network_entries(drv)
            before = _started(drv)
            t_click = drv.execute_script(
                "const t = performance.now();"
                "window.dash_clientside = window.dash_clientside || {};"
                "const a = document.createElement('a'); a.href = arguments[0];"
                "window.history.pushState({}, '', arguments[0]);"
                "window.dispatchEvent(new CustomEvent('_dashprivate_pushstate'));"
                "return t;", f"/township/{code}")
            res = _wait(drv, before)
            out["drill_ms"].append(res["at"] - t_click)
            out["drill_server_ms"].append(_server_ms(res, before))
        _say("live refreshes")
        for _ in range(repeats if bump else 0):
            # a write elsewhere: the page's version poll notices it and patches the map
            before = _started(drv)
            t_write = drv.execute_script("return performance.now()")
            bump()
            res = _wait(drv, before)  # the poll itself is not counted: wait for the panels it set off
            out["refresh_s"].append((res["at"] - t_write) / 1000)
            out["refresh_bytes"].extend(e["bytes"] for e in network_entries(drv)
                                        if "map-paint.data" in e["output"])
    finally:
        drv.quit()
    out["foreign_hosts"] = sorted(out["foreign_hosts"])
    out["uncompressed"] = sorted(out["uncompressed"])
    return out


def summary(figures: dict) -> dict:
    def s(name):
        xs = figures[name]
        return {"median": statistics.median(xs) if xs else float("nan"), "p90": percentile(xs, 0.9)}
    return {name: s(name) for name in ("load_ms", "recolour_ms", "recolour_server_ms", "recolour_bytes",
                                       "drill_ms", "drill_server_ms", "refresh_bytes", "refresh_s")
            if figures.get(name)}
