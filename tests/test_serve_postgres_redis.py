"""The same app on PostgreSQL with several gunicorn workers sharing one Redis cache."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import IN_CI, PG_ADMIN_URL
from cli.server import free_port
from tests.browser.conftest import FROZEN_NOW

ROOT = Path(__file__).resolve().parents[1]
REDIS_URL = os.environ.get("GRIDBOARD_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


@pytest.fixture(scope="module")
def redis_client():
    import redis
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=3)
    try:
        client.ping()
    except Exception as exc:
        if IN_CI:
            pytest.fail(f"Redis at {REDIS_URL} does not answer under CI: {exc}")
        pytest.skip(f"Redis not available: {exc}")
    client.flushdb()
    yield client
    client.flushdb()


@pytest.fixture(scope="module")
def pg_city():
    """A PostgreSQL database of its own with the demo city and 1,500 cases."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    name = f"gridboard_srv_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL does not answer under CI: {exc}")
        pytest.skip(f"PostgreSQL not available: {exc}")
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    subprocess.run([sys.executable, "-m", "cli.main", "--database-url", url, "seed", "--cases", "1500",
                    "--now", FROZEN_NOW], cwd=ROOT, check=True, capture_output=True)
    yield url
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="module")
def workers(pg_city, redis_client):
    port = free_port()
    env = {**os.environ, "GRIDBOARD_DATABASE_URL": pg_city, "GRIDBOARD_CACHE_REDIS_URL": REDIS_URL,
           "GRIDBOARD_NOW": FROZEN_NOW, "GRIDBOARD_PORT": str(port), "GRIDBOARD_WORKERS": "3"}
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", "serve"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/api/v1/version", timeout=1)
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.2)
    yield base, proc
    proc.terminate()
    proc.wait(15)


def kpis_request(window: str = "7d") -> bytes:
    inputs = [{"id": "view", "property": "data",
               "value": {"scope": {"level": "city", "code": ""}, "lang": "en", "query": {}}},
              {"id": "window-choice", "property": "value", "value": window},
              {"id": "window-range", "property": "start_date", "value": None},
              {"id": "window-range", "property": "end_date", "value": None},
              {"id": "data-version", "property": "data", "value": 1}]
    return json.dumps({"output": "kpis.children", "outputs": {"id": "kpis", "property": "children"},
                       "inputs": inputs, "changedPropIds": ["window-choice.value"], "state": []}).encode()


def post(base: str, body: bytes) -> dict:
    req = urllib.request.Request(base + "/_dash-update-component", data=body,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=20) as resp:
        return json.loads(resp.read())


def worker_pids(proc) -> set[int]:
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
    return {int(p) for p in children.read_text().split()} if children.exists() else set()


def test_several_workers_answer_the_same_numbers_from_one_shared_cache(workers, redis_client, pg_city):
    base, proc = workers
    assert len(worker_pids(proc)) == 3
    with urllib.request.urlopen(base + "/", timeout=10) as resp:
        assert resp.status == 200
    answers = [post(base, kpis_request()) for _ in range(9)]
    assert all(a == answers[0] for a in answers)
    text_of = json.dumps(answers[0], ensure_ascii=False)
    engine = create_engine(pg_city)
    with engine.connect() as conn:
        open_now = conn.execute(text('select count(*) from "case" where closed_at is null')).scalar()
    engine.dispose()
    assert f'"{open_now:,}"' in text_of  # the open-cases tile, counted independently
    keys = redis_client.keys("gridboard:panel:*")
    assert keys, "the workers did not write to the shared Redis cache"


def test_a_write_is_seen_by_every_worker(workers, pg_city):
    base, _ = workers
    versions = {json.loads(urllib.request.urlopen(base + "/api/v1/version", timeout=5).read())["version"]
                for _ in range(6)}
    assert len(versions) == 1
    engine = create_engine(pg_city)
    with engine.begin() as conn:
        conn.execute(text("update data_version set version = version + 1 where id = 1"))
    engine.dispose()
    after = {json.loads(urllib.request.urlopen(base + "/api/v1/version", timeout=5).read())["version"]
             for _ in range(6)}
    assert after == {versions.pop() + 1}
