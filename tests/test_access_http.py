"""Every page, Dash callback and route, replayed by those who may not see it: refused, and nothing leaks.

The app runs in process on the fixture city (two townships) with its real
gate, door and caches.  Attackers: a township leader replaying a request with
the other township's scope, a village leader reaching for the township view,
nobody, a wall whose kiosk token was revoked after it was opened, a user
disabled while signed in, a session from before a password reset, and an
intake (source) token.  Each refusal is asserted on the whole response body.
"""
from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from queries.cache import panel_cache, unbind_caches
from queries.db import configure, get_engine
from queries.schema import case
from queries.scope import Scope
from queries.tokens import create_token, revoke_token
from queries.users import create_user, reset_password, set_disabled
from queries.version import current_version
from queries.window import parse_window
from tests.auth_helpers import (_CALLBACK_LIST, PASSWORD, client_for, dependencies, kiosk_client, make_app,
                                panel_values, post_callback, seeded_city, set_settings)
from tests.fixture_city import G1, G3, G4, NOW, T1, T2, V1, V2, V3

# names of the other township's areas: none may appear in a refusal
T2_NAMES = ("青花街道", "Qinghua", "东风村", "Dongfeng")
DENIED = {401: {"error": "login required"}, 403: {"error": "forbidden"}, 404: {"error": "not found"}}
PAGES_CALLBACK = ".._pages_content.children..._pages_store.data.."
CALLBACKS = [d["output"] for d in _CALLBACK_LIST if not d.get("clientside_function")] + [PAGES_CALLBACK]
# callbacks that read panel data for the view's scope (the others return a time, a style or a link)
NO_DATA = ("window-range.style", "nav.href", "data-version.data", "..case-drawer.hidden")
SCOPED_DATA = [o for o in CALLBACKS if o != PAGES_CALLBACK and not o.startswith(NO_DATA)
               and any((i["id"], i["property"]) in (("view", "data"), ("panel-view", "data"), ("map-view", "data"))
                       for d in _CALLBACK_LIST if d["output"] == o for i in d["inputs"] + d["state"])]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    url = seeded_city(tmp_path_factory.mktemp("access") / "city.sqlite")
    secrets = dict(seeded_city.secrets)
    dash_app = make_app(url)
    engine = get_engine(url)
    with engine.begin() as conn:
        for name in ("leaving", "reset_me"):
            create_user(conn, name, "operator", Scope.city(), PASSWORD, now=NOW)
        secrets["kiosk_later_revoked"], later = create_token(conn, "kiosk", now=NOW, scope=Scope.city())
    # sessions opened while everything was valid, then invalidated behind their back
    clients = {"leaving": client_for(dash_app, "leaving"), "reset_me": client_for(dash_app, "reset_me"),
               "revoked_kiosk": kiosk_client(dash_app, secrets["kiosk_later_revoked"])}
    with engine.begin() as conn:
        set_disabled(conn, "leaving", True)
        reset_password(conn, "reset_me", "a brand new passphrase", now=NOW)
        revoke_token(conn, later.id, NOW)
    deps = {d["output"]: d for d in dependencies(dash_app)}
    yield SimpleNamespace(app=dash_app, url=url, secrets=secrets, clients=clients, deps=deps, engine=engine)
    unbind_caches()


@pytest.fixture(autouse=True)
def _this_database(site):
    configure(site.url)


def client(site, who: str):
    """A client acting as ``who``: a user name, a stale session, nobody, or the intake token."""
    if who in site.clients:
        return site.clients[who], {}
    if who == "anonymous":
        return site.app.server.test_client(), {}
    if who == "source":
        return site.app.server.test_client(), {"Authorization": "Bearer " + site.secrets["source"]}
    if who not in site.clients:
        site.clients[who] = client_for(site.app, who)
    return site.clients[who], {}


def assert_refused(resp, status: int):
    """The status, the fixed body and nothing else: no number, no name, no component."""
    assert resp.status_code == status, resp.get_data(as_text=True)[:400]
    assert json.loads(resp.get_data(as_text=True)) == DENIED[status]
    assert resp.headers["Cache-Control"] == "no-store"


def readable(resp) -> str:
    """The body as text, JSON decoded (Dash may escape Chinese as \\uXXXX)."""
    body = resp.get_data(as_text=True)
    try:
        return json.dumps(json.loads(body), ensure_ascii=False)
    except ValueError:
        return body


def assert_no_t2(resp):
    body = readable(resp)
    assert not any(name in body for name in T2_NAMES), body[:400]


# --- pages ---------------------------------------------------------------------------

def _page_in_layout(resp) -> list:
    """The children of the page container in a ``/_dash-layout`` answer (None: left for the router)."""
    found = []

    def visit(node):
        if isinstance(node, dict):
            if node.get("props", {}).get("id") == "_pages_content":
                found.append(node["props"].get("children"))
            for value in node.get("props", {}).values():
                visit(value)
        elif isinstance(node, list):
            for item in node:
                visit(item)
    visit(resp.get_json())
    return found


def test_the_layout_carries_the_page_the_browser_is_on_with_the_same_checks_as_the_router(site):
    t1, _ = client(site, "t1_leader")
    own = t1.get("/_dash-layout", headers={"Referer": f"http://localhost/township/{T1}?lang=en&w=30d"})
    [page] = _page_in_layout(own)
    assert f'"code": "{T1}"' in json.dumps(page) and '"window": "30d"' in json.dumps(page)
    assert_no_t2(own)
    # another township's address: the page says "no access" and nothing of it (as the router would)
    other = t1.get("/_dash-layout", headers={"Referer": f"http://localhost/township/{T2}"})
    [page] = _page_in_layout(other)
    assert "gb-forbidden" in json.dumps(page) and f'"code": "{T2}"' not in json.dumps(page)
    assert_no_t2(other)
    # no address, or another site's: the empty container that Dash's router fills
    for headers in ({}, {"Referer": f"http://elsewhere.example/township/{T1}"}):
        assert _page_in_layout(t1.get("/_dash-layout", headers=headers)) == [None]
    assert_refused(client(site, "anonymous")[0].get("/_dash-layout", headers={"Referer": "http://localhost/"}), 401)


STALE = ("anonymous", "revoked_kiosk", "leaving", "reset_me")
PAGES = ["/", f"/township/{T1}", f"/township/{T2}", f"/village/{V1}", f"/village/{V3}", f"/grid/{G1}",
         f"/grid/{G4}", "/wall", f"/wall/township/{T1}", f"/wall/township/{T2}", "/briefing",
         f"/briefing?township={T2}"]


@pytest.mark.parametrize("who", STALE)
@pytest.mark.parametrize("path", PAGES)
def test_pages_send_nobody_and_stale_sessions_to_the_login(site, who, path):
    c, headers = client(site, who)
    resp = c.get(path, headers=headers)
    assert resp.status_code == 302
    assert resp.headers["Location"].startswith("/login?next=")
    assert_no_t2(resp)


@pytest.mark.parametrize("path", PAGES)
def test_pages_refuse_source_tokens(site, path):
    c, headers = client(site, "source")
    resp = c.get(path, headers=headers)
    assert resp.status_code == 403
    assert_no_t2(resp)


# (who, path) -> expected status; 302 is a redirect to the user's own area
PAGE_RULES = [
    ("t1_leader", f"/township/{T2}", 403), ("t1_leader", f"/village/{V3}", 403), ("t1_leader", f"/grid/{G4}", 403),
    ("t1_leader", f"/wall/township/{T2}", 403), ("t1_leader", "/wall", 403), ("t1_leader", "/briefing", 403),
    ("t1_leader", f"/briefing?township={T2}", 403), ("t1_leader", "/", 302),
    ("v1_leader", f"/township/{T1}", 403), ("v1_leader", f"/village/{V2}", 403), ("v1_leader", f"/grid/{G3}", 403),
    ("v1_leader", f"/wall/township/{T1}", 403), ("v1_leader", "/", 302),
    # positive controls: the same people inside their areas
    ("t1_leader", f"/township/{T1}", 200), ("t1_leader", f"/village/{V1}", 200), ("t1_leader", f"/grid/{G3}", 200),
    ("t1_leader", f"/wall/township/{T1}", 200), ("t1_leader", f"/briefing?township={T1}", 200),
    ("v1_leader", f"/village/{V1}", 200), ("v1_leader", f"/grid/{G1}", 200), ("operator1", f"/township/{T2}", 200),
]


@pytest.mark.parametrize("who,path,status", PAGE_RULES)
def test_pages_outside_the_scope_are_not_reachable_by_url(site, who, path, status):
    c, headers = client(site, who)
    resp = c.get(path, headers=headers)
    assert resp.status_code == status
    if status == 302:
        home = {"t1_leader": f"/township/{T1}", "v1_leader": f"/village/{V1}"}[who]
        assert resp.headers["Location"] == home
    if status == 403:
        assert "无权访问" in resp.get_data(as_text=True)
    assert_no_t2(resp) if who != "operator1" else None


@pytest.mark.parametrize("who,pathname", [("t1_leader", f"/township/{T2}"), ("t1_leader", f"/village/{V3}"),
                                          ("t1_leader", "/"), ("v1_leader", f"/township/{T1}"),
                                          ("v1_leader", f"/grid/{G3}")])
def test_navigating_inside_the_app_to_a_foreign_page_shows_no_access(site, who, pathname):
    c, _ = client(site, who)
    resp = post_callback(c, site.deps[PAGES_CALLBACK], {("_pages_location", "pathname"): pathname,
                                                        ("_pages_location", "search"): ""})
    assert resp.status_code == 200
    body = resp.get_data(as_text=True)
    assert "gb-forbidden" in body and '"id":"view"' not in body
    assert_no_t2(resp)


def test_navigating_inside_the_app_to_a_foreign_wall_is_refused(site):
    c, _ = client(site, "t1_leader")
    resp = post_callback(c, site.deps[PAGES_CALLBACK], {("_pages_location", "pathname"): f"/wall/township/{T2}",
                                                        ("_pages_location", "search"): ""})
    assert_refused(resp, 403)


# --- callbacks -------------------------------------------------------------------------

@pytest.mark.parametrize("who", STALE)
@pytest.mark.parametrize("output", CALLBACKS)
def test_callbacks_refuse_nobody_and_stale_sessions(site, who, output):
    c, headers = client(site, who)
    assert_refused(post_callback(c, site.deps[output], panel_values(Scope.township(T1)), headers), 401)


@pytest.mark.parametrize("output", CALLBACKS)
def test_callbacks_refuse_source_tokens(site, output):
    c, headers = client(site, "source")
    assert_refused(post_callback(c, site.deps[output], panel_values(Scope.township(T1)), headers), 403)


@pytest.mark.parametrize("who,scope", [("t1_leader", Scope.township(T2)), ("t1_leader", Scope.village(V3)),
                                       ("t1_leader", Scope.city()), ("v1_leader", Scope.township(T1)),
                                       ("v1_leader", Scope.grid(G3))], ids=lambda x: getattr(x, "key", x))
@pytest.mark.parametrize("output", SCOPED_DATA)
def test_callbacks_refuse_a_forged_scope(site, output, who, scope):
    c, _ = client(site, who)
    assert_refused(post_callback(c, site.deps[output], panel_values(scope)), 403)


@pytest.fixture
def door_only(monkeypatch):
    """Switch off the gate's look at a callback's view, so that only the door in front of the queries is left."""
    import api.gate
    monkeypatch.setattr(api.gate, "callback_view_scopes", lambda: [])


@pytest.mark.parametrize("who,scope", [("t1_leader", Scope.township(T2)), ("t1_leader", Scope.city()),
                                       ("v1_leader", Scope.township(T1))], ids=lambda x: getattr(x, "key", x))
@pytest.mark.parametrize("output", SCOPED_DATA)
def test_the_door_alone_refuses_a_forged_scope(site, door_only, output, who, scope):
    c, _ = client(site, who)
    resp = post_callback(c, site.deps[output], panel_values(scope))
    if output.startswith(("wall-", "..wall-")) and resp.status_code in (200, 204):
        # the wall keeps its last picture on any failure (dashboards.wall_panels.keep_last): nothing is sent
        assert resp.get_data() == b"" or resp.get_json() == {"multi": True, "response": {}}
        return
    assert_refused(resp, 403)


@pytest.mark.parametrize("output", SCOPED_DATA)
def test_the_same_callbacks_answer_inside_the_scope(site, output):
    c, _ = client(site, "t1_leader")
    values = panel_values(Scope.township(T1)) | {("case-table", "data"): [{"id": 6}]}
    resp = post_callback(c, site.deps[output], values)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    assert_no_t2(resp)


def test_a_case_of_another_township_is_not_found_like_a_missing_one(site):
    c, _ = client(site, "t1_leader")
    trail = site.deps["case-trail.children"]
    own = post_callback(c, trail, panel_values(Scope.township(T1)) | {("case-table", "data"): [{"id": 6}]})
    assert own.status_code == 200 and "#6" in own.get_data(as_text=True)
    for case_id in (13, 999):  # 13 exists in T2; 999 does not exist
        resp = post_callback(c, trail, panel_values(Scope.township(T1)) | {("case-table", "data"): [{"id": case_id}]})
        assert_refused(resp, 404)


# --- routes ------------------------------------------------------------------------------

ROUTES = ["/_dash-layout", "/_dash-dependencies", "/api/v1/version", "/geo/grid/city.json",
          f"/geo/village_border/{T2}.json", "/briefing/export.pdf", f"/briefing/export.pdf?township={T2}"]


@pytest.mark.parametrize("who", STALE)
@pytest.mark.parametrize("path", ROUTES)
def test_routes_refuse_nobody_and_stale_sessions(site, who, path):
    c, headers = client(site, who)
    assert_refused(c.get(path, headers=headers), 401)


@pytest.mark.parametrize("path", ROUTES)
def test_routes_refuse_source_tokens(site, path):
    c, headers = client(site, "source")
    assert_refused(c.get(path, headers=headers), 403)


@pytest.mark.parametrize("who,path", [("t1_leader", "/geo/grid/city.json"), ("t1_leader", f"/geo/village_border/{T2}.json"),
                                      ("v1_leader", f"/geo/village_border/{T1}.json"),
                                      ("t1_leader", f"/briefing/export.pdf?township={T2}"),
                                      ("t1_leader", "/briefing/export.pdf"), ("v1_leader", "/briefing/export.pptx")])
def test_routes_refuse_a_foreign_scope_before_looking_it_up(site, who, path):
    c, _ = client(site, who)
    assert_refused(c.get(path), 403)


def test_routes_answer_inside_the_scope(site):
    op, _ = client(site, "operator1")
    layer = op.get("/geo/grid/city.json")
    assert layer.status_code == 200 and layer.headers["Cache-Control"].startswith("private")
    # allowed through, but the fixture city has no such layer (the route answers that, not the gate)
    assert op.get(f"/geo/village_border/{T2}.json").status_code == 404
    leader, _ = client(site, "t1_leader")
    assert leader.get(f"/geo/village_border/{T1}.json").status_code not in (401, 403)
    assert leader.get("/api/v1/version").get_json() == {"version": current_version()}


# --- the cache across users ----------------------------------------------------------------

def open_count(engine, township: str) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(case)
                            .where(case.c.closed_at.is_(None), case.c.township_code == township)).scalar()


def open_tile(resp) -> str:
    """The value of the first KPI tile (open cases now)."""
    return resp.get_json()["response"]["panels-data"]["data"]["kpis"]["items"][0]["text"]


@pytest.mark.parametrize("gate", ["gate and door", "door only"])
def test_two_users_of_different_scopes_never_see_each_others_cached_numbers(site, request, gate):
    if gate == "door only":
        request.getfixturevalue("door_only")
    kpis_cb = site.deps["panels-data.data"]
    t1, t2 = client(site, "t1_leader")[0], client(site, "t2_leader")[0]
    n1, n2 = open_count(site.engine, T1), open_count(site.engine, T2)
    assert n1 != n2  # or the test could not tell the answers apart

    first = post_callback(t1, kpis_cb, panel_values(Scope.township(T1)))
    assert open_tile(first) == f"{n1:,}"
    from queries.cases import kpis
    key = kpis.cache_key(Scope.township(T1), parse_window("7d", NOW), version=current_version())
    assert panel_cache.get(key) is not None  # T1's answer is in the cache now

    replayed = post_callback(t2, kpis_cb, panel_values(Scope.township(T1)))  # T2 replays T1's request
    assert_refused(replayed, 403)
    second = post_callback(t2, kpis_cb, panel_values(Scope.township(T2)))
    assert open_tile(second) == f"{n2:,}"
    assert_refused(post_callback(t1, kpis_cb, panel_values(Scope.township(T2))), 403)
    again = post_callback(t1, kpis_cb, panel_values(Scope.township(T1)))
    assert open_tile(again) == f"{n1:,}"


# --- peer aggregates ---------------------------------------------------------------------------

MAP_OUTPUT = "..map.figure...map-paint.data...map-key.data.."  # the map callback: its figure and its values

def test_peer_aggregates_off_keeps_a_township_leader_out_of_the_city_view(site):
    set_settings(site.app, peer_aggregates=False)
    c, _ = client(site, "t1_leader")
    assert c.get("/").status_code == 302
    for output in ("panels-data.data", "ranking-data.data", MAP_OUTPUT):
        assert_refused(post_callback(c, site.deps[output], panel_values(Scope.city())), 403)
    assert_refused(c.get("/geo/grid/city.json"), 403)


def test_peer_aggregates_on_shows_city_totals_but_never_other_townships_detail(site):
    set_settings(site.app, peer_aggregates=True)
    try:
        c, _ = client(site, "t1_leader")
        assert c.get("/").status_code == 200
        kpis_resp = post_callback(c, site.deps["panels-data.data"], panel_values(Scope.city()))
        n_city = open_count(site.engine, T1) + open_count(site.engine, T2)
        assert open_tile(kpis_resp) == f"{n_city:,}"
        # the city's live study sessions are per township: that panel alone says it is not theirs
        assert kpis_resp.get_json()["response"]["panels-data"]["data"]["party"] == {
            "kind": "message", "text": "You may not view this area", "error": False}
        ranking = post_callback(c, site.deps["ranking-data.data"], panel_values(Scope.city()))
        assert ranking.status_code == 200 and "Qinghua" in readable(ranking)  # T2's aggregate row
        links = {i["label"]: i["href"] for i in ranking.get_json()["response"]["ranking-data"]["data"]["items"]}
        assert [h for h in links.values() if h] == [f"/township/{T1}?lang=en&m=open&w=7d"]  # no way into T2
        map_resp = post_callback(c, site.deps[MAP_OUTPUT], panel_values(Scope.city()))
        assert map_resp.status_code == 200
        trace = map_resp.get_json()["response"]["map"]["figure"]["data"][0]
        # their own township drawn full, the others faded, other townships' grid workers not named
        own = [code.startswith(T1) for code in trace["locations"]]
        assert any(own) and not all(own)
        op_of = dict(zip(trace["locations"], trace["marker"]["opacity"]))
        assert min(op_of[c] for c, o in zip(trace["locations"], own) if o) > max(
            op_of[c] for c, o in zip(trace["locations"], own) if not o)
        assert {d[2] for d, o in zip(trace["customdata"], own) if not o} == {"—"}
        assert {d[2] for d, o in zip(trace["customdata"], own) if o} != {"—"}
        assert c.get("/geo/grid/city.json").status_code == 200
        # never: the cases and trails of the city, another township's pages or panels
        for output in ("..case-table.data...case-table.page_count...case-drawer-title.children..",
                       "case-trail.children"):
            assert_refused(post_callback(c, site.deps[output], panel_values(Scope.city())), 403)
        assert_refused(post_callback(c, site.deps["panels-data.data"], panel_values(Scope.township(T2))), 403)
        assert c.get(f"/township/{T2}").status_code == 403
        v1, _ = client(site, "v1_leader")
        assert v1.get("/").status_code == 302  # the setting is for township leaders only
        assert_refused(post_callback(v1, site.deps["panels-data.data"], panel_values(Scope.city())), 403)
    finally:
        set_settings(site.app, peer_aggregates=False)


# --- kiosks and tokens -----------------------------------------------------------------------

def test_a_kiosk_token_reads_exactly_its_scope_and_is_revocable(site):
    with site.engine.begin() as conn:
        secret, token = create_token(conn, "kiosk", now=NOW, scope=Scope.township(T1), name="t1 wall")
    wall = site.app.server.test_client()
    first = wall.get(f"/wall/township/{T1}?token={secret}&lang=en")
    assert first.status_code == 303 and first.headers["Location"] == f"/wall/township/{T1}?lang=en"
    assert wall.get(f"/wall/township/{T1}?lang=en").status_code == 200
    kpis_cb = site.deps["panels-data.data"]
    assert post_callback(wall, kpis_cb, panel_values(Scope.township(T1))).status_code == 200
    assert_refused(post_callback(wall, kpis_cb, panel_values(Scope.township(T2))), 403)
    for path in ("/wall", f"/township/{T1}", "/"):  # other walls, and the command views
        assert wall.get(path).status_code == 403
    assert_refused(wall.get(f"/briefing/export.pdf?township={T1}"), 403)
    with site.engine.begin() as conn:
        revoke_token(conn, token.id, NOW)
    assert_refused(post_callback(wall, kpis_cb, panel_values(Scope.township(T1))), 401)
    assert wall.get(f"/wall/township/{T1}").status_code == 302
    again = site.app.server.test_client().get(f"/wall/township/{T1}?token={secret}")
    assert again.status_code == 401 and secret not in again.get_data(as_text=True)


def test_a_source_token_cannot_read_even_with_a_kiosk_scope_in_the_request(site):
    c, headers = client(site, "source")
    assert_refused(post_callback(c, site.deps["panels-data.data"], panel_values(Scope.city()), headers), 403)
    bad = {"Authorization": "Bearer gbt_not-a-real-token"}
    assert_refused(post_callback(c, site.deps["panels-data.data"], panel_values(Scope.city()), bad), 401)


def test_refusals_are_in_the_audit_log(site):
    from queries.audit import recent
    c, _ = client(site, "t1_leader")
    post_callback(c, site.deps["panels-data.data"], panel_values(Scope.township(T2)))
    with site.engine.connect() as conn:
        denied = recent(conn, 500, action="denied")
    assert any(r["actor"] == "t1_leader" and f"township:{T2}" in (r["detail"] or "") for r in denied)
    assert any(r["actor"] == "leaving" and "disabled" in (r["detail"] or "") for r in denied)
    assert any(r["actor"] == "source" or (r["actor"] or "").startswith("token:") for r in denied)
