"""The weekly briefing page in headless Chromium against the served demo city (clock frozen on Friday
2026-11-20, so the default week is 2026-W46)."""
from __future__ import annotations

import io
import re
import subprocess
from datetime import datetime
from urllib.parse import urlparse

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from reports.content import SECTIONS
from tests.browser.conftest import FROZEN_NOW
from tests.browser.test_command_view import wait_for

pytestmark = pytest.mark.browser

ACCOUNT, PASSWORD = "briefing_official", "a weekly briefing for the officials"
TOWNSHIP = "210882109"   # 周家镇 / Zhoujia Town in the demo city


def ensure_account(db_url: str) -> None:
    """An official's account in the demo database (the app asks for a login)."""
    from queries.db import get_engine
    from queries.scope import Scope
    from queries.users import create_user, get_user_by_name
    with get_engine(db_url).begin() as conn:
        if get_user_by_name(conn, ACCOUNT) is None:
            create_user(conn, ACCOUNT, "official", Scope.city(), PASSWORD, now=datetime.fromisoformat(FROZEN_NOW))


def open_briefing(browser, live_server, path: str) -> None:
    """Open ``path``, signing in on the way if the app asks, and wait until every section is drawn."""
    browser.get(live_server.url + path)
    if urlparse(browser.current_url).path == "/login":
        ensure_account(live_server.db_url)
        browser.find_element(By.ID, "login-name").send_keys(ACCOUNT)
        browser.find_element(By.ID, "login-password").send_keys(PASSWORD + Keys.ENTER)
        wait_for(lambda: urlparse(browser.current_url).path == "/briefing")
    wait_for(lambda: len(browser.find_elements(By.CSS_SELECTOR, ".gb-brief-section")) == len(SECTIONS), 40)


def fetch(browser, live_server, href: str) -> bytes:
    """GET ``href`` with the browser's session, as the export button would."""
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in browser.get_cookies())
    resp = live_server.get(href, headers={"Cookie": cookie})
    assert resp.status == 200
    return resp.read()


def text_of(browser, css: str) -> str:
    """An element's text read in one go (the page may replace the element while we look)."""
    return browser.execute_script("const e = document.querySelector(arguments[0]); return e ? e.innerText : ''",
                                  css)


def finding(browser, key: str) -> str:
    return text_of(browser, f"#brief-{key} .gb-brief-finding")


def test_briefing_renders_every_section_with_its_finding_and_no_live_map(browser, live_server):
    browser.execute_cdp_cmd("Network.enable", {})
    open_briefing(browser, live_server, "/briefing")
    ids = [e.get_attribute("id") for e in browser.find_elements(By.CSS_SELECTOR, ".gb-brief-section")]
    assert ids == [f"brief-{k}" for k in SECTIONS]
    for key in SECTIONS:
        assert re.search(r"\d", finding(browser, key)), key          # every sentence states its numbers
    assert "2026年第46周" in text_of(browser, ".gb-briefing .gb-header")
    # the shell's live map card is hidden; the briefing's own map draws every grid of the city
    display = "return getComputedStyle(document.querySelector('.gb-map-card')).display"
    assert browser.execute_script(display) == "none"
    n = wait_for(lambda: browser.execute_script(
        "const gd = document.querySelector('#brief-map .js-plotly-plot');"
        "return gd && gd._fullData ? gd._fullData[0].locations.length : 0;"), 40)
    assert n == 1798
    # every chart's traces are of a type the app's partial plotly.js bundle has (a missing one draws nothing)
    types, known = browser.execute_script(
        "const gds = [...document.querySelectorAll('.gb-briefing .js-plotly-plot')];"
        "return [gds.flatMap(gd => gd.data.map(t => t.type || 'scatter')),"
        "        Object.keys(Plotly.PlotSchema.get().traces)];")
    assert {"bar", "scatter", "choroplethmap", "scattermap"} & set(types) >= {"bar", "choroplethmap"}
    assert set(types) <= set(known), (types, known)
    kpi_cells = browser.find_elements(By.CSS_SELECTOR, "#brief-kpis tbody tr")
    assert len(kpi_cells) == 11
    # nothing is fetched from anywhere but the app (no tiles, no fonts, no glyphs)
    from cli.browserbench import network_entries
    hosts = {e["url"].split("/")[2] for e in network_entries(browser) if e["url"].startswith("http")}
    assert hosts == {live_server.url.split("//")[1]}, hosts


def test_the_export_buttons_download_the_week_the_page_shows(browser, live_server, tmp_path):
    open_briefing(browser, live_server, f"/briefing?week=2026-W46&township={TOWNSHIP}&lang=en")
    assert "Village ranking" in text_of(browser, "#brief-ranking")
    pdf_href = browser.find_element(By.ID, "brief-export-pdf").get_attribute("href")
    pptx_href = browser.find_element(By.ID, "brief-export-pptx").get_attribute("href")
    for href in (pdf_href, pptx_href):
        assert "week=2026-W46" in href and f"township={TOWNSHIP}" in href and "lang=en" in href
    page_findings = {key: finding(browser, key) for key in SECTIONS}

    pdf = fetch(browser, live_server, urlparse(pdf_href).path + "?" + urlparse(pdf_href).query)
    assert pdf.startswith(b"%PDF")
    (tmp_path / "b.pdf").write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-raw", str(tmp_path / "b.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    squeeze = lambda s: re.sub(r"\s+", "", s)  # noqa: E731
    for key, sentence in page_findings.items():
        assert squeeze(sentence) in squeeze(text), key

    from pptx import Presentation
    deck = Presentation(io.BytesIO(fetch(browser, live_server,
                                         urlparse(pptx_href).path + "?" + urlparse(pptx_href).query)))
    slides = list(deck.slides)
    assert len(slides) == len(SECTIONS) + 1
    for key, slide in zip(SECTIONS, slides[1:]):
        boxes = [sh.text_frame.text for sh in slide.shapes if sh.has_text_frame and sh != slide.shapes.title]
        assert page_findings[key] in boxes, key


def test_picking_a_township_opens_its_briefing_at_its_own_address(browser, live_server):
    open_briefing(browser, live_server, "/briefing?week=2026-W46")
    wait_for(lambda: browser.find_elements(By.ID, "brief-township"))   # the dropdown loads after the page
    browser.find_element(By.ID, "brief-township").click()
    # the option list is rendered when the dropdown opens; click the township's option by its text
    wait_for(lambda: browser.execute_script(
        "const o = [...document.querySelectorAll('[role=option]')].find(e => e.innerText.trim() === arguments[0]);"
        "if (o) { o.click(); return true; } return false;", "周家镇"))
    wait_for(lambda: f"township={TOWNSHIP}" in browser.current_url and "周家镇" in text_of(browser, "#brief-title"),
             40)
    assert "week=2026-W46" in browser.current_url
    wait_for(lambda: "村（社区）排名" in text_of(browser, "#brief-ranking"), 40)


def test_a_bad_week_says_why(browser, live_server):
    browser.get(live_server.url + "/briefing?week=2026-W60")
    if urlparse(browser.current_url).path == "/login":
        ensure_account(live_server.db_url)
        browser.find_element(By.ID, "login-name").send_keys(ACCOUNT)
        browser.find_element(By.ID, "login-password").send_keys(PASSWORD + Keys.ENTER)
    wait_for(lambda: "no ISO week 60" in text_of(browser, ".gb-briefing .gb-error"), 30)
