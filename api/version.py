"""``/api/v1/version``: the cheap poll that tells open pages whether data changed."""
from __future__ import annotations

from flask import Blueprint, jsonify

from queries.version import current_version

version_blueprint = Blueprint("version", __name__)


@version_blueprint.route("/api/v1/version")
def version():
    resp = jsonify(version=current_version())
    resp.headers["Cache-Control"] = "no-store"
    return resp
