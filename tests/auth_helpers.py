"""Helpers for the access tests: an app on the fixture city, accounts, logins and forged Dash callbacks.

Dash moves the callbacks registered with ``dash.callback`` into the first app
that serves a request, so a second app in the same process would have none.
The callbacks are remembered here when the test modules are collected
(before any request) and handed again to each app these helpers make.
"""
from __future__ import annotations

import importlib
import json
import re
from datetime import datetime

from dash import _callback

import app as app_module
from config import load_config
from queries.db import configure, get_engine
from queries.migrate import upgrade
from queries.scope import Scope
from queries.tokens import create_token, revoke_token
from queries.users import create_user, set_disabled
from tests.fixture_city import NOW, T1, T2, V1, load_city

if not _callback.GLOBAL_CALLBACK_MAP:
    import dash
    dash.Dash(__name__, use_pages=True, pages_folder="")  # pages register only once an app exists
    for _module in (*app_module.PAGES, "dashboards.shell"):
        importlib.import_module(_module)
_CALLBACKS = dict(_callback.GLOBAL_CALLBACK_MAP)
_CALLBACK_LIST = list(_callback.GLOBAL_CALLBACK_LIST)

FROZEN = "2026-11-20T10:00:00"
PASSWORD = "correct horse battery"
SECRET_KEY = "test-secret-key-" + "x" * 40
# name -> (role, scope)
ACCOUNTS = {
    "admin1": ("admin", Scope.city()),
    "operator1": ("operator", Scope.city()),
    "t1_leader": ("township_leader", Scope.township(T1)),
    "t2_leader": ("township_leader", Scope.township(T2)),
    "v1_leader": ("village_leader", Scope.village(V1)),
    "gone": ("operator", Scope.city()),  # disabled below
}


def seeded_city(path) -> str:
    """A SQLite fixture city with the accounts above, a city kiosk token and a revoked one; returns the URL."""
    url = f"sqlite:///{path}"
    engine = get_engine(url)
    upgrade(engine)
    load_city(engine)
    secrets = {}
    with engine.begin() as conn:
        for name, (role, scope) in ACCOUNTS.items():
            create_user(conn, name, role, scope, PASSWORD, now=NOW)
        set_disabled(conn, "gone", True)
        secrets["kiosk_city"], _ = create_token(conn, "kiosk", now=NOW, scope=Scope.city(), name="wall")
        secrets["kiosk_t1"], _ = create_token(conn, "kiosk", now=NOW, scope=Scope.township(T1), name="t1 wall")
        secrets["kiosk_revoked"], revoked = create_token(conn, "kiosk", now=NOW, scope=Scope.city(), name="old")
        revoke_token(conn, revoked.id, NOW)
        secrets["source"], _ = create_token(conn, "source", now=NOW, source="hotline", name="12345")
    seeded_city.secrets = secrets
    return url


def make_app(db_url: str, **settings):
    """A fresh app on ``db_url`` (frozen clock, fixed secret key) with every callback registered."""
    for key, value in _CALLBACKS.items():
        _callback.GLOBAL_CALLBACK_MAP.setdefault(key, value)
    if not _callback.GLOBAL_CALLBACK_LIST:
        _callback.GLOBAL_CALLBACK_LIST.extend(_CALLBACK_LIST)
    cfg = load_config({"database_url": db_url, "now": FROZEN, "secret_key": SECRET_KEY, **settings}, environ={})
    dash_app = app_module.create_app(cfg)
    configure(db_url)
    return dash_app


def set_settings(dash_app, **settings) -> None:
    """Change settings of a running app (read per request: peer_aggregates, https, lock-out, clock)."""
    cfg = dash_app.server.config["GRIDBOARD"]
    dash_app.server.config["GRIDBOARD"] = load_config({**cfg.values, **settings}, environ={})


CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(client, path: str = "/login") -> str:
    return CSRF.search(client.get(path).get_data(as_text=True)).group(1)


def login(client, name: str, password: str = PASSWORD, next_path: str = "/"):
    """Sign in through the real form (CSRF token included); returns the POST's response."""
    token = csrf_of(client)
    return client.post("/login", data={"csrf": token, "name": name, "password": password, "next": next_path})


def client_for(dash_app, name: str | None = None):
    """A test client, signed in as ``name`` (None: nobody)."""
    client = dash_app.server.test_client()
    if name is not None:
        resp = login(client, name)
        assert resp.status_code == 303, resp.get_data(as_text=True)[:300]
    return client


def kiosk_client(dash_app, secret: str):
    """A test client that opened a wall URL with ``?token=`` (exchanged for a kiosk session)."""
    client = dash_app.server.test_client()
    client.get("/wall?token=" + secret)
    return client


# --- forged Dash callbacks ------------------------------------------------------------

def dependencies(dash_app) -> list[dict]:
    client = client_for(dash_app, "admin1")
    return client.get("/_dash-dependencies").get_json()


def _output_spec(output: str):
    if output.startswith(".."):
        parts = output.strip(".").split("...")
        return [{"id": _id(p.rsplit(".", 1)[0]), "property": p.rsplit(".", 1)[1]} for p in parts]
    name = output.split("@")[0]
    return {"id": _id(name.rsplit(".", 1)[0]), "property": name.rsplit(".", 1)[1]}


def _id(text: str):
    return json.loads(text) if text.startswith("{") else text


def callback_body(dep: dict, values: dict) -> dict:
    """The JSON Dash's renderer would post for ``dep``; ``values`` maps (id, property) to a value."""
    def item(spec):
        ident = _id(spec["id"])
        if isinstance(ident, dict):  # a pattern-matching input: one matching component, or none
            return []
        return {"id": ident, "property": spec["property"], "value": values.get((spec["id"], spec["property"]))}

    inputs = [item(i) for i in dep["inputs"]]
    return {"output": dep["output"], "outputs": _output_spec(dep["output"]), "inputs": inputs,
            "state": [item(s) for s in dep["state"]],
            "changedPropIds": [f"{i['id']}.{i['property']}" for i in inputs if isinstance(i, dict)][:1]}


def view(scope: Scope, lang: str = "en") -> dict:
    return {"scope": scope.to_dict(), "lang": lang, "query": {}}


def panel_values(scope: Scope) -> dict:
    """Input values of a command-view panel callback for ``scope``, 7 days."""
    return {("view", "data"): view(scope), ("panel-view", "data"): view(scope), ("map-view", "data"): view(scope),
            ("window-choice", "value"): "7d",
            ("window-dates", "data"): None, ("data-version", "data"): 1, ("metric", "value"): "open",
            ("case-filter", "children"): "open_now", ("case-table", "page_current"): 0,
            ("case-table", "sort_by"): [], ("case-table", "active_cell"): {"row": 0, "column": 0},
            ("case-table", "data"): [{"id": 13}], ("wall-tick", "n_intervals"): 1,
            ("_pages_location", "pathname"): "/" if scope.level == "city" else f"/{scope.level}/{scope.code}",
            ("_pages_location", "search"): ""}


def post_callback(client, dep: dict, values: dict, headers: dict | None = None):
    return client.post("/_dash-update-component", json=callback_body(dep, values), headers=headers or {})


def at(dt: datetime) -> str:
    return dt.isoformat(timespec="seconds")
