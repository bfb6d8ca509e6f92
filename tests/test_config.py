"""Settings: precedence argument > environment > default, and every setting documented."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import main
from config import SETTINGS, load_config

ROOT = Path(__file__).resolve().parents[1]


def test_precedence_argument_over_environment_over_default():
    env = {"GRIDBOARD_PORT": "9001", "GRIDBOARD_HOST": "0.0.0.0"}
    cfg = load_config({"port": 9002}, environ=env)
    assert cfg.port == 9002          # argument
    assert cfg.host == "0.0.0.0"     # environment
    assert cfg.workers == 1          # default


def test_default_database_is_a_sqlite_file_in_the_data_folder(tmp_path):
    cfg = load_config({"data_dir": str(tmp_path)}, environ={})
    assert cfg.db_url == f"sqlite:///{tmp_path}/gridboard.sqlite"
    assert load_config({}, environ={"GRIDBOARD_DATABASE_URL": "postgresql+psycopg://x/y"}).db_url == \
        "postgresql+psycopg://x/y"


def test_unknown_override_is_refused():
    with pytest.raises(ValueError, match="unknown setting"):
        load_config({"prot": 1}, environ={})


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_every_setting_is_documented_in_readme_and_help(setting):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert setting.env in readme
    result = CliRunner().invoke(main, ["--help"])
    assert setting.env in result.output
