"""Intake without a database: times, field checks, the field declarations behind the OpenAPI document."""
from __future__ import annotations

from datetime import datetime

import pytest

from intake.fields import CASE_FIELDS, EVENT_FIELDS, LIST_PARAMS
from intake.timeparse import TimeFormatError, parse_time, to_w3
from intake.validate import FieldErrors, case_event, case_values, list_query, rating
from queries.lifecycle_rules import CLOCK_SKEW, NewCase
from queries.taxonomy import category

TZ = "Asia/Shanghai"
NOW = datetime(2026, 11, 20, 10, 30)
LOCAL_930 = datetime(2026, 11, 20, 9, 30)


@pytest.mark.parametrize("text", [
    "2026-11-20T09:30", "2026-11-20T09:30:00", "2026-11-20 09:30:00", "2026-11-20 9:30", "2026/11/20 9:30",
    "2026/11/20 09:30:00", "2026.11.20 09:30", "2026年11月20日 09:30", "2026年11月20日9:30",
    "2026年11月20日 9时30分", "2026年11月20日09时30分00秒", "2026-11-20T09:30:00.250",
    "2026-11-20T09:30:00+08:00", "2026-11-20T01:30:00Z", "2026-11-20T01:30:00+00:00",
    "2026-11-19T20:30:00-05:00", "2026-11-20T02:30:00+0100", " 2026/11/20 9:30 ",
])
def test_the_usual_formats_read_as_local_time(text):
    assert parse_time(text, TZ) == LOCAL_930


def test_an_offset_is_converted_to_the_deployment_zone_not_dropped():
    # 09:30 in Shanghai is 01:30 UTC; the same text read in another zone is another wall-clock time
    assert parse_time("2026-11-20T09:30:00+08:00", "UTC") == datetime(2026, 11, 20, 1, 30)
    assert parse_time("2026-11-20 09:30", "UTC") == LOCAL_930   # no offset: already local
    assert parse_time(datetime(2026, 11, 20, 9, 30, 5, 999), TZ) == datetime(2026, 11, 20, 9, 30, 5)


@pytest.mark.parametrize("text, words", [
    ("2026-11-20", "no time of day"), ("2026年11月20日", "no time of day"), ("yesterday", "cannot read"),
    ("2026-13-01 10:00", "not a valid date"), ("2026-02-30 10:00", "not a valid date"),
    ("2026-11-20 25:00", "not a valid date"), ("20261120 0930", "cannot read"), ("2026-11-2009:30", "cannot read"),
    ("2026-11-20T09:30+25:00", "offset"),
])
def test_bad_times_say_what_is_wrong(text, words):
    with pytest.raises(TimeFormatError, match=words):
        parse_time(text, TZ)


def test_times_are_written_with_the_offset():
    assert to_w3(LOCAL_930, TZ) == "2026-11-20T09:30:00+08:00"
    assert parse_time(to_w3(LOCAL_930, TZ), TZ) == LOCAL_930
    assert to_w3(None, TZ) is None


def body(**extra):
    return {"source_ref": "R1", "category": "environment", "grid_code": "G", **extra}


def errors_of(call) -> dict:
    with pytest.raises(FieldErrors) as info:
        call()
    return {e["field"]: e["message"] for e in info.value.errors}


def test_a_good_body_becomes_a_new_case():
    values = case_values(body(item="environment.noise", created_at="2026/11/20 9:30", title=" 噪声 "),
                         now=NOW, tz=TZ)
    new = NewCase(source="hotline", **values)
    assert (new.category, new.item, new.created_at, new.title, new.grid_code) == \
        ("environment", "environment.noise", LOCAL_930, "噪声", "G")
    # no item: the category's most frequent one; no time: now
    values = case_values(body(), now=NOW, tz=TZ)
    assert values["item"] == category("environment").items[0].code and values["created_at"] == NOW


@pytest.mark.parametrize("extra, field", [
    ({"category": "weather"}, "category"),
    ({"item": "property.elevator"}, "item"),                 # an item of another category
    ({"item": "environment.nothing"}, "item"),
    ({"created_at": "soon"}, "created_at"),
    ({"created_at": "2026-11-20"}, "created_at"),
    ({"created_at": "1999-12-31 23:00"}, "created_at"),
    ({"lon": 122.5}, "lat"),
    ({"lat": 40.5}, "lon"),
    ({"lon": 122.5, "lat": "40.5"}, "lat"),                   # JSON numbers are numbers
    ({"lon": 190.0, "lat": 40.5}, "lon"),
    ({"title": "长" * 201}, "title"),
    ({"source_ref": " "}, "source_ref"),
    ({"source_ref": 12345}, "source_ref"),
    ({"priority": "high"}, "priority"),
    ({"grid_code": None}, "grid_code"),                      # neither grid nor point
])
def test_each_bad_field_is_named(extra, field):
    assert field in errors_of(lambda: case_values(body(**extra), now=NOW, tz=TZ))


def test_a_time_in_the_future_is_refused_beyond_the_write_paths_clock_skew():
    ok = NOW + CLOCK_SKEW
    assert case_values(body(created_at=ok.isoformat()), now=NOW, tz=TZ)["created_at"] == ok
    late = (NOW + CLOCK_SKEW).replace(second=1).isoformat()
    assert "future" in errors_of(lambda: case_values(body(created_at=late), now=NOW, tz=TZ))["created_at"]


def test_every_problem_of_a_body_is_reported_at_once():
    found = errors_of(lambda: case_values({"category": "x", "created_at": "y", "lon": 1, "z": 0}, now=NOW, tz=TZ))
    assert set(found) == {"source_ref", "category", "created_at", "lat", "z"}
    assert "accepted:" in found["z"] and "required" == found["source_ref"]


def test_files_are_read_leniently():
    row = {"source_ref": 8890123.0, "category": "环境卫生", "item": "垃圾清运不及时", "lon": "122.5", "lat": " 40.6",
           "created_at": "2026年11月20日 9:30", "grid_code": "", "extra": "ignored"}
    v = case_values(row, now=NOW, tz=TZ, lenient=True, refuse_unknown=False)
    assert (v["source_ref"], v["category"], v["item"], v["lon"], v["lat"], v["grid_code"]) == \
        ("8890123", "environment", "environment.garbage", 122.5, 40.6, None)
    assert case_values({**row, "category": "environment & sanitation"}, now=NOW, tz=TZ, lenient=True,
                       refuse_unknown=False)["category"] == "environment"


def test_events_and_ratings():
    ev = case_event({"kind": "escalate", "department": "housing", "at": "2026-11-20 10:00"}, now=NOW, tz=TZ)
    assert (ev.kind, ev.department, ev.at) == ("escalate", "housing", datetime(2026, 11, 20, 10))
    assert case_event({"kind": "claimed"}, now=NOW, tz=TZ).at == NOW
    assert "kind" in errors_of(lambda: case_event({"kind": "received"}, now=NOW, tz=TZ))
    assert "department" in errors_of(lambda: case_event({"kind": "escalate", "department": "x"}, now=NOW, tz=TZ))
    assert rating({"rating": "satisfied"}, now=NOW, tz=TZ) == {"rating": "satisfied", "at": NOW, "actor": ""}
    assert "rating" in errors_of(lambda: rating({"rating": "great"}, now=NOW, tz=TZ))


def test_list_query_defaults_and_refusals():
    q = list_query({"status": "open", "page": "2"}, TZ)
    assert q == {"status": "open", "page": 2, "page_size": 50, "sort": "created_at", "order": "desc"}
    assert "page_size" in errors_of(lambda: list_query({"page_size": "501"}, TZ))
    assert "page" in errors_of(lambda: list_query({"page": "0"}, TZ))
    assert "colour" in errors_of(lambda: list_query({"colour": "red"}, TZ))
    assert list_query({"created_from": "2026-11-20T01:30:00Z"}, TZ)["created_from"] == LOCAL_930


def test_the_declarations_have_unique_names_and_acceptable_examples():
    for fields in (CASE_FIELDS, EVENT_FIELDS, LIST_PARAMS):
        names = [f.name for f in fields]
        assert len(names) == len(set(names))
    for f in CASE_FIELDS:
        if f.kind == "choice" and f.example is not None:
            assert f.example in f.choices
