"""Map layers as static-like resources: gzipped once, cached, and immutable per ETag.

The page asks for ``/geo/<level>/<scope>.json?v=<etag>`` (scope ``city`` for
the city-wide layers); the browser keeps it
for a year because a changed layer gets a new ETag and so a new URL.  The
gzipped bytes live in the geometry cache, so a request costs a cache read.
"""
from __future__ import annotations

import gzip

from flask import Blueprint, Response, abort, request

from queries.areas import layer
from queries.cache import geo_cache
from queries.guard import NotFound

geo_blueprint = Blueprint("geo", __name__)


def layer_bytes(level: str, scope_code: str) -> tuple[bytes, str] | None:
    key = f"geo:gz:{level}:{scope_code}"
    hit = geo_cache.get(key)
    if hit is not None:
        return hit
    try:
        text, etag = layer(level, scope_code)
    except (NotFound, ValueError):  # no such layer, or no such level: nothing to send
        return None
    value = (gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0), etag)
    geo_cache.set(key, value)
    return value


@geo_blueprint.route("/geo/<level>/<scope_code>.json")
def serve_layer(level: str, scope_code: str):
    if scope_code == "city":
        scope_code = ""
    found = layer_bytes(level, scope_code)
    if found is None:
        abort(404)
    body, etag = found
    if request.if_none_match and etag in request.if_none_match:
        return Response(status=304, headers={"ETag": f'"{etag}"'})
    headers = {"ETag": f'"{etag}"', "Vary": "Accept-Encoding",
               "Cache-Control": "public, max-age=31536000, immutable" if request.args.get("v") == etag
               else "public, max-age=60"}
    if "gzip" in (request.headers.get("Accept-Encoding") or ""):
        headers["Content-Encoding"] = "gzip"
        return Response(body, mimetype="application/geo+json", headers=headers)
    return Response(gzip.decompress(body), mimetype="application/geo+json", headers=headers)
