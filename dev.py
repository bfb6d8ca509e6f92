#!/usr/bin/env python3
"""Set up and run gridboard with nothing but Python: ``python3 dev.py demo`` or ``python3 dev.py test``.

It creates ``.venv`` beside this file, installs the package (again only when
``pyproject.toml`` changed), then runs the demo or the whole test suite.
Extra arguments go to ``gridboard demo`` or to ``pytest``.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def ensure_venv(extra: str) -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"gridboard needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if not (BIN / "python").exists():
        print("creating .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = hashlib.sha1((ROOT / "pyproject.toml").read_bytes() + extra.encode()).hexdigest()
    stamp = VENV / ".installed"
    if stamp.exists() and stamp.read_text() == digest:
        return
    target = f".[{extra}]" if extra else "."
    print(f"installing gridboard{f' with {extra}' if extra else ''} into .venv …", flush=True)
    subprocess.run([str(BIN / "python"), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
    subprocess.run([str(BIN / "python"), "-m", "pip", "install", "--quiet", "-e", target], check=True, cwd=ROOT)
    stamp.write_text(digest)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("demo", "test"):
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    ensure_venv("test")  # one environment for both, so switching costs nothing
    os.chdir(ROOT)
    if command == "demo":
        return subprocess.call([str(BIN / "gridboard"), "demo", *rest])
    workers = ["-n", "2"] if "-n" not in rest else []
    return subprocess.call([str(BIN / "python"), "-m", "pytest", *workers, *rest])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
