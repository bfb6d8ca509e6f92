"""Start ``gridboard serve`` in a subprocess and wait until it answers (bench and tests)."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db_url: str, port: int, extra_env: dict | None = None, timeout_s: float = 60) -> subprocess.Popen:
    """The app on ``db_url`` at 127.0.0.1:``port``; raises if it exits or stays silent.

    ``extra_env`` adds to this process's environment; a value of None removes that variable.
    """
    env = {**os.environ, "GRIDBOARD_DATABASE_URL": db_url, "GRIDBOARD_PORT": str(port), **(extra_env or {})}
    env = {k: v for k, v in env.items() if v is not None}
    # the server's log goes to a file: a pipe nobody reads fills up and blocks every request
    log = tempfile.NamedTemporaryFile(prefix="gridboard-serve-", suffix=".log", delete=False)
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", "serve"], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    proc.log_path = log.name
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the app exited: {Path(log.name).read_text(errors='replace')[-2000:]}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)  # public, tells nothing
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"the app did not answer within {timeout_s:.0f} s")
