"""Several gunicorn workers make one signing key between them: a login made by one is honoured by all."""
from __future__ import annotations

import os
import stat
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from cli.server import free_port, start_server
from tests.auth_helpers import PASSWORD, seeded_city
from tests.browser.conftest import sign_in_opener

ROOT = Path(__file__).resolve().parents[1]
WORKERS = 3


@pytest.fixture(scope="module")
def workers(tmp_path_factory):
    folder = tmp_path_factory.mktemp("workers")
    url = seeded_city(folder / "city.sqlite")
    data_dir = folder / "data"
    port = free_port()
    proc = start_server(url, port, {"GRIDBOARD_WORKERS": str(WORKERS), "GRIDBOARD_DATA_DIR": str(data_dir),
                                    "GRIDBOARD_NOW": "2026-11-20T10:00", "GRIDBOARD_SECRET_KEY": None,
                                    "GRIDBOARD_CACHE_REDIS_URL": None})
    base = f"http://127.0.0.1:{port}"
    yield base, data_dir
    proc.terminate()
    proc.wait(15)


def test_every_worker_honours_a_session_signed_by_any_of_them(workers):
    base, data_dir = workers
    opener = sign_in_opener(base, "operator1", PASSWORD)

    def version(_):
        with opener.open(base + "/api/v1/version", timeout=10) as resp:
            return resp.status

    with ThreadPoolExecutor(max_workers=12) as pool:  # concurrent, so that every worker takes some
        statuses = list(pool.map(version, range(48)))
    assert statuses == [200] * 48
    key = data_dir / "secret_key"
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    assert [p.name for p in data_dir.iterdir()] == ["secret_key"]
    with pytest.raises(urllib.error.HTTPError) as anonymous:
        urllib.request.urlopen(base + "/api/v1/version", timeout=5)
    assert anonymous.value.code == 401
