"""gridboard's partial plotly.js bundle: the version plotly.py writes figures for, served where Dash asks."""
from __future__ import annotations

import gzip
import re

from api.plotly_bundle import BUNDLE, PLOTLY_JS_PATH
from config import load_config

TEST_KEY = "plotly-bundle-test-key-" + "k" * 32


def test_the_bundle_is_the_plotly_js_version_plotly_py_writes_figures_for():
    from plotly.offline import get_plotlyjs_version
    banner = BUNDLE.read_text(encoding="utf-8")[:300]
    found = re.match(r"/\* plotly\.js v(\S+) .*core \+ bar, scatter, choroplethmap, scattermap \*/", banner)
    assert found, banner[:160]
    assert found.group(1) == get_plotlyjs_version(), "rebuild it: assets/vendor/plotly-bundle/README.md"


def test_dash_s_address_for_plotly_js_serves_the_bundle_compressed_and_revalidated(tmp_path):
    from app import create_app
    from queries.cache import unbind_caches
    from tests.auth_helpers import seeded_city
    url = seeded_city(tmp_path / "city.sqlite")
    app = create_app(load_config({"database_url": url, "secret_key": TEST_KEY}, environ={}))
    try:
        client = app.server.test_client()  # nobody signed in: scripts are public
        resp = client.get(PLOTLY_JS_PATH, headers={"Accept-Encoding": "gzip"})
        assert resp.status_code == 200 and resp.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(resp.get_data()) == BUNDLE.read_bytes()
        assert resp.headers["Cache-Control"] == "no-cache"
        again = client.get(PLOTLY_JS_PATH, headers={"Accept-Encoding": "gzip",
                                                     "If-None-Match": resp.headers["ETag"]})
        assert again.status_code == 304 and again.get_data() == b""
        index = client.get("/login").get_data(as_text=True)
        assert "vendor" not in index  # not a page script: Dash's graphs load it when they first draw
    finally:
        unbind_caches()
