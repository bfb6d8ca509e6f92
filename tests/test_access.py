"""The one access check: subtrees, the door in front of every cached query, the cache across users."""
from __future__ import annotations

import importlib
import inspect
import pkgutil
from datetime import datetime

import pytest
from flask import Flask

import queries
from config import load_config
from queries.access import (ANONYMOUS, SYSTEM, Forbidden, NotAuthorized, Principal, acting_as, allows,
                            current_principal, enforce, page_allowed, scope_allows, scope_of_code)
from queries.cache import init_caches, panel_cache, unbind_caches
from queries.caselist import case_trail
from queries.cases import kpis, open_now
from queries.guard import NotFound
from queries.scope import Scope
from queries.version import current_version
from queries.window import parse_window
from tests.fixture_city import G1, G3, G4, NOW, T1, T2, V1, V2, V3, city_db  # noqa: F401

CITY = Scope.city()
LEADER_T1 = Principal("user", "t1", "township_leader", Scope.township(T1), user_id=1)
LEADER_T2 = Principal("user", "t2", "township_leader", Scope.township(T2), user_id=2)
LEADER_V1 = Principal("user", "v1", "village_leader", Scope.village(V1), user_id=3)
OPERATOR = Principal("user", "op", "operator", CITY, user_id=4)
KIOSK_T1 = Principal("kiosk", "token:7", home=Scope.township(T1), token_id=7)
SOURCE = Principal("source", "hotline", token_id=8, source="hotline")
WEEK = parse_window("7d", NOW)


@pytest.fixture
def caches():
    server = Flask(__name__)
    server.config["GRIDBOARD"] = load_config({}, environ={})
    init_caches(server)
    try:
        with server.app_context():
            yield server
    finally:
        unbind_caches()


# which scopes each home may read: the subtree, nothing above or beside it
ALLOWED = {
    CITY: {CITY, Scope.township(T1), Scope.township(T2), Scope.village(V1), Scope.village(V3), Scope.grid(G4)},
    Scope.township(T1): {Scope.township(T1), Scope.village(V1), Scope.village(V2), Scope.grid(G1), Scope.grid(G3)},
    Scope.village(V1): {Scope.village(V1), Scope.grid(G1)},
    Scope.grid(G1): {Scope.grid(G1)},
}
EVERY = [CITY, Scope.township(T1), Scope.township(T2), Scope.village(V1), Scope.village(V2), Scope.village(V3),
         Scope.grid(G1), Scope.grid(G3), Scope.grid(G4), Scope.township("999"), Scope.grid("999")]


@pytest.mark.parametrize("home", list(ALLOWED), ids=lambda s: s.key)
def test_a_scope_grants_its_subtree_and_nothing_else(city_db, home):
    expected = {s for s in EVERY if s in ALLOWED[home]} | ({s for s in EVERY} if home == CITY else set())
    assert {s for s in EVERY if scope_allows(home, s)} == expected


def test_codes_resolve_to_their_level(city_db):
    assert scope_of_code(V1) == Scope.village(V1) and scope_of_code(G4) == Scope.grid(G4)
    assert scope_of_code("city") == CITY and scope_of_code("nope") is None and scope_of_code("a/b") is None


def test_outside_a_request_the_system_reads_everything(city_db):
    assert current_principal() == SYSTEM
    assert kpis(Scope.township(T2), WEEK).received > 0


def test_a_request_the_gate_never_saw_is_nobody(city_db):
    server = Flask(__name__)
    with server.test_request_context():
        assert current_principal() == ANONYMOUS
        with pytest.raises(NotAuthorized):
            kpis(Scope.township(T1), WEEK)


def test_the_door_refuses_foreign_scopes_before_any_query(city_db, monkeypatch):
    import queries.cases as cases
    ran = []
    monkeypatch.setattr(cases, "kpi_sums_statement", lambda *a: ran.append(a))  # would blow up if reached
    for who, scope in [(LEADER_T1, Scope.township(T2)), (LEADER_T1, CITY), (LEADER_V1, Scope.township(T1)),
                       (LEADER_V1, Scope.grid(G3)), (KIOSK_T1, Scope.village(V3))]:
        with acting_as(who), pytest.raises(Forbidden):
            kpis(scope, WEEK)
    for who in (SOURCE, ANONYMOUS):
        with acting_as(who), pytest.raises((Forbidden, NotAuthorized)):
            kpis(Scope.township(T1), WEEK)
    assert ran == []


def test_a_query_without_a_scope_needs_the_city(city_db):
    with acting_as(LEADER_T1), pytest.raises(Forbidden):
        case_trail(13)  # the default scope is the whole city
    with acting_as(OPERATOR):
        assert case_trail(13).case["id"] == 13


def test_a_case_outside_the_scope_is_not_found_like_a_missing_one(city_db):
    with acting_as(LEADER_T1):
        assert case_trail(6, Scope.township(T1)).case["id"] == 6
        with pytest.raises(NotFound):
            case_trail(13, Scope.township(T1))   # exists, in T2
        with pytest.raises(NotFound):
            case_trail(999, Scope.township(T1))  # does not exist
        with pytest.raises(Forbidden):
            case_trail(13, Scope.township(T2))   # asks with a scope it may not read


def _decorated_queries():
    """Every @panel_query / @geo_query function of the queries package (other modules' included)."""
    found = {}
    for info in pkgutil.iter_modules(queries.__path__):
        try:
            module = importlib.import_module(f"queries.{info.name}")
        except Exception:  # a module that cannot be imported here is not served either
            continue
        for name, fn in vars(module).items():
            if callable(fn) and hasattr(fn, "cache_key") and hasattr(fn, "region") and fn.__module__ == module.__name__:
                found[f"{module.__name__}.{name}"] = fn
    return found


def test_every_cached_query_with_a_scope_refuses_a_foreign_one(city_db):
    found = _decorated_queries()
    assert {"queries.cases.kpis", "queries.mapdata.map_values_at", "queries.caselist.case_list_at",
            "queries.caselist.case_trail", "queries.party.live_sessions_at", "queries.areas.area_name",
            "queries.mapbase.map_base"} <= set(found)
    checked = 0
    for qualname, fn in found.items():
        sig = inspect.signature(fn)
        scoped = [p for p in sig.parameters.values() if "Scope" in str(p.annotation)]
        if not scoped and fn.region is not panel_cache:
            continue  # a geometry read by code (a layer, the tree lookups): the routes check those
        args = {p.name: (Scope.township(T2) if p in scoped else None) for p in sig.parameters.values()
                if p.default is inspect.Parameter.empty or p in scoped}
        with acting_as(LEADER_T1), pytest.raises(Forbidden):
            fn(**args)
        checked += 1
    assert checked >= 15


def test_two_leaders_never_see_each_others_cached_numbers(city_db, caches):
    version = current_version()
    t1, t2 = Scope.township(T1), Scope.township(T2)
    with acting_as(LEADER_T1):
        mine = open_now(t1, NOW)
        assert panel_cache.get(open_now_key(t1, version)) is not None  # it is cached now
    with acting_as(LEADER_T2):
        with pytest.raises(Forbidden):
            open_now(t1, NOW)  # the cached T1 entry is not handed out
        theirs = open_now(t2, NOW)
    with acting_as(LEADER_T1), pytest.raises(Forbidden):
        open_now(t2, NOW)
    # the fixture city's open cases: T1 has 1, 2, 3, 8, 9, 10, 17, 18; T2 has 13, 16
    assert (mine.open, theirs.open) == (8, 2)
    with acting_as(OPERATOR):
        assert open_now(t1, NOW) == mine and open_now(t2, NOW) == theirs


def open_now_key(scope: Scope, version: int) -> str:
    from queries.cases import open_now_at_minute
    return open_now_at_minute.cache_key(scope, NOW.replace(second=0), version=version)


def test_peer_aggregates_let_a_township_leader_read_city_totals_only_when_on(city_db):
    for on in (False, True):
        server = Flask(__name__)
        server.config["GRIDBOARD"] = load_config({"peer_aggregates": on}, environ={})
        with server.app_context(), acting_as(LEADER_T1):
            assert allows(LEADER_T1, CITY, "queries.cases.kpis") is on
            assert page_allowed(LEADER_T1, "/", CITY) is on
            if on:
                assert kpis(CITY, WEEK).received == kpis.uncached.__wrapped__(CITY, WEEK).received
            else:
                with pytest.raises(Forbidden):
                    kpis(CITY, WEEK)
            # never: case lists, trails and session lists of the city, another township, village leaders
            assert not allows(LEADER_T1, CITY, "queries.caselist.case_list_at")
            assert not allows(LEADER_T1, CITY, "queries.party.live_sessions_at")
            assert not allows(LEADER_T1, Scope.township(T2), "queries.cases.kpis")
            assert not allows(LEADER_V1, CITY, "queries.cases.kpis")
            assert not page_allowed(LEADER_T1, "/township/" + T2, Scope.township(T2))
            with pytest.raises(Forbidden):
                case_trail(13)


def test_kiosks_open_wall_pages_of_their_scope_only(city_db):
    assert page_allowed(KIOSK_T1, f"/wall/township/{T1}", Scope.township(T1))
    assert not page_allowed(KIOSK_T1, "/wall", CITY)
    assert not page_allowed(KIOSK_T1, f"/township/{T1}", Scope.township(T1))
    assert not page_allowed(SOURCE, "/", CITY) and not page_allowed(ANONYMOUS, "/404", None)
    assert page_allowed(OPERATOR, "/404", None)
    with acting_as(KIOSK_T1):
        assert enforce(Scope.grid(G1)) == Scope.grid(G1)
        with pytest.raises(Forbidden):
            enforce(Scope.grid(G4))


def test_the_cache_key_holds_the_requested_scope():
    key = kpis.cache_key(Scope.township(T1), WEEK, version=3, engine=_FakeEngine())
    assert f"township:{T1}" in key and key != kpis.cache_key(Scope.township(T2), WEEK, version=3,
                                                            engine=_FakeEngine())


class _FakeEngine:
    class url:  # noqa: N801 - mimics sqlalchemy's attribute
        @staticmethod
        def render_as_string(hide_password=True):
            return "sqlite:///x"


def test_now_is_frozen_for_these_tests():
    assert NOW == datetime(2026, 11, 20, 10, 0)
