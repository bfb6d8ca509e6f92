"""The plotly.js that the pages load: gridboard's partial bundle instead of Plotly's full one.

Dash's graphs fetch plotly.js from one fixed address when the first graph
draws (``PLOTLY_JS_PATH``).  The full bundle is 4.8 MB, and evaluating it
was the largest single task of a page load in a software-rendered browser
(about 0.9 s on the bench machine).  gridboard draws four trace types (bar,
scatter, choroplethmap, scattermap), so this route, more specific than Dash's
own, answers that address with ``assets/vendor/plotly-gridboard.min.js``:
the same plotly.js version built with only those (3.1 MB).  How to rebuild
it: ``assets/vendor/plotly-bundle/README.md``.
"""
from __future__ import annotations

import functools
import hashlib

from flask import Blueprint, Response, request

from config import ROOT

PLOTLY_JS_PATH = "/_dash-component-suites/plotly/package_data/plotly.min.js"
BUNDLE = ROOT / "assets" / "vendor" / "plotly-gridboard.min.js"

plotly_bundle_blueprint = Blueprint("plotly_bundle", __name__)


@functools.cache
def _bundle() -> tuple[bytes, str]:
    data = BUNDLE.read_bytes()
    return data, hashlib.sha256(data).hexdigest()[:32]


@plotly_bundle_blueprint.route(PLOTLY_JS_PATH)
def plotly_js():
    # revalidated on every load with its ETag, as Dash serves its unversioned scripts; a whole response
    # (not a file stream), so that it is compressed like every other (0.9 MB on the wire)
    data, etag = _bundle()
    resp = Response(data, mimetype="application/javascript")
    resp.set_etag(etag)
    resp.headers["Cache-Control"] = "no-cache"
    return resp.make_conditional(request)
