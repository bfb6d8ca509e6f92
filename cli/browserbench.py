"""Page timings in headless Chromium, for ``gridboard bench``.

A script injected before any page script wraps ``fetch`` to count Dash
callback requests in flight and to read each response's ``Server-Timing``;
Chromium's network log gives the bytes on the wire.  "Drawn" means: no
callback in flight for two animation frames and the map has finished
rendering (MapLibre's ``idle``).
"""
from __future__ import annotations

import json
import shutil
import statistics
import tempfile
import time

HOOK = r"""
(function () {
  const gb = window.__gb = {inflight: 0, started: 0, finished: 0, server: [], last: 0};
  const orig = window.fetch;
  window.fetch = function (input, init) {
    const url = typeof input === 'string' ? input : input.url;
    if (!url.includes('_dash-update-component')) return orig.apply(this, arguments);
    gb.inflight++; gb.started++;
    let body = init && init.body || '';
    return orig.apply(this, arguments).then(function (r) {
      const st = r.headers.get('Server-Timing') || '';
      const m = /dur=([0-9.]+)/.exec(st);
      gb.server.push({ms: m ? parseFloat(m[1]) : 0, output: (JSON.parse(body || '{}').output || '')});
      return r;
    }).finally(function () {
      setTimeout(function () { gb.inflight--; gb.finished++; gb.last = performance.now(); }, 0);
    });
  };
})();
"""

WAIT_QUIET = r"""
const done = arguments[arguments.length - 1];
const since = arguments[0];
const t0 = performance.now();
function mapIdle(cb) {
  const gd = document.querySelector('#map .js-plotly-plot');
  const sub = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
  const m = sub && sub.map;
  if (!m) { cb(); return; }
  if (m.loaded() && !m.isMoving() && m.areTilesLoaded()) { requestAnimationFrame(() => cb()); return; }
  m.once('idle', () => cb());
}
function check() {
  const gb = window.__gb;
  if (performance.now() - t0 > 30000) { done({timeout: true}); return; }
  if (gb && gb.started > since && gb.inflight === 0 && !document.querySelector('[data-dash-is-loading="true"]')) {
    requestAnimationFrame(() => requestAnimationFrame(() => {
      if (gb.inflight === 0) {
        mapIdle(() => done({at: performance.now(), started: gb.started, server: gb.server.slice()}));
      } else { setTimeout(check, 10); }
    }));
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
    drv = webdriver.Chrome(service=Service(driver), options=opts)
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


def _wait(drv, since: int) -> dict:
    return drv.execute_async_script(WAIT_QUIET, since)


def _started(drv) -> int:
    return drv.execute_script("return window.__gb ? window.__gb.started : 0")


def _click_metric(drv, value: str) -> float:
    return drv.execute_script(
        "const i = document.querySelector(`#metric input[value='${arguments[0]}']`);"
        "const t = performance.now(); i.click(); return t;", value)


def _server_ms(result: dict) -> float:
    return sum(s["ms"] for s in result.get("server", [])[-8:])


def percentile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = (len(xs) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def run(base_url: str, township_codes: list[str], repeats: int = 7) -> dict:
    """Measure page load, recolour and drill; return figures (ms, bytes)."""
    drv = make_driver()
    out: dict = {"load_ms": [], "recolour_ms": [], "recolour_server_ms": [], "recolour_bytes": [],
                 "drill_ms": [], "drill_server_ms": [], "foreign_hosts": set(), "uncompressed": set()}
    try:
        drv.get(base_url + "/")  # warm the server caches and the browser's layer cache
        _wait(drv, 0)
        network_entries(drv)
        for _ in range(repeats):
            t0 = time.perf_counter()
            drv.get(base_url + "/?m=open")
            _wait(drv, 0)
            out["load_ms"].append((time.perf_counter() - t0) * 1000)
        for e in network_entries(drv):
            host = e["url"].split("/")[2] if "://" in e["url"] else ""
            if host and not base_url.endswith(host) and not e["url"].startswith(("data:", "blob:")):
                out["foreign_hosts"].add(host)
            if e["bytes"] > 1500 and not e["encoding"] and "_dash-update-component" in e["url"]:
                out["uncompressed"].add(e["url"])
        metrics = ["overdue", "closure_rate", "satisfaction_rate", "response_mean", "attendance_rate", "open"]
        for i in range(repeats):
            before = _started(drv)
            t_click = _click_metric(drv, metrics[i % len(metrics)])
            res = _wait(drv, before)
            out["recolour_ms"].append(res["at"] - t_click)
            out["recolour_server_ms"].append(_server_ms(res))
            sizes = [e["bytes"] for e in network_entries(drv) if e["output"].startswith("map.figure")]
            out["recolour_bytes"].extend(sizes)
        for i in range(repeats):
            code = township_codes[i % len(township_codes)]
            drv.get(base_url + "/")
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
            out["drill_server_ms"].append(_server_ms(res))
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
                                       "drill_ms", "drill_server_ms")}
