"""API tokens: secrets are shown once, stored as digests, scoped, revocable; the CLI audits changes."""
from __future__ import annotations

from datetime import datetime

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from cli.main import main
from queries.audit import recent
from queries.schema import api_token
from queries.scope import Scope
from queries.tokens import create_token, digest, list_tokens, lookup_token, revoke_token, scope_from_text
from tests.fixture_city import load_tree

NOW = datetime(2026, 11, 20, 9, 0)


@pytest.fixture
def city(engine):
    with engine.begin() as conn:
        load_tree(conn)
    return engine


def test_secret_is_stored_only_as_digest(city):
    with city.begin() as conn:
        secret, token = create_token(conn, "source", now=NOW, source="hotline", name="12345")
        stored = conn.execute(select(api_token.c.token_hash, api_token.c.prefix)).one()
    assert stored.token_hash == digest(secret) and secret not in stored
    assert secret.startswith(stored.prefix)
    with city.connect() as conn:
        assert lookup_token(conn, secret) == token
        assert lookup_token(conn, secret + "x") is None
        assert lookup_token(conn, None) is None
        assert lookup_token(conn, "Bearer " + secret) is None


def test_kiosk_scope_and_revocation(city):
    with city.begin() as conn:
        township = scope_from_text(conn, "210882001")
        secret, token = create_token(conn, "kiosk", now=NOW, scope=township)
    assert token.scope == Scope.township("210882001") and token.active and token.source is None
    with city.begin() as conn:
        revoked = revoke_token(conn, token.id, datetime(2026, 11, 20, 10, 0))
        again = revoke_token(conn, token.id, datetime(2026, 11, 21, 10, 0))
    assert not revoked.active and again.revoked_at == datetime(2026, 11, 20, 10, 0)
    with city.connect() as conn:
        assert not lookup_token(conn, secret).active
        with pytest.raises(LookupError):
            revoke_token(conn, 999, NOW)


def test_bad_tokens_are_refused(city):
    with city.begin() as conn:
        with pytest.raises(ValueError, match="unknown source"):
            create_token(conn, "source", now=NOW, source="fax")
        with pytest.raises(ValueError, match="needs a scope"):
            create_token(conn, "kiosk", now=NOW)
        with pytest.raises(ValueError, match="no township"):
            scope_from_text(conn, "township:999")
        with pytest.raises(ValueError, match="no township, village or grid"):
            scope_from_text(conn, "123")
        assert scope_from_text(conn, "city") == Scope.city()
    with city.connect() as conn:
        assert list_tokens(conn) == []


def test_cli_create_list_revoke(city):
    url = city.url.render_as_string(hide_password=False)
    runner = CliRunner()
    made = runner.invoke(main, ["--database-url", url, "token", "create", "--kiosk", "--scope", "city",
                                "--name", "wall 1"])
    assert made.exit_code == 0, made.output
    secret = made.stdout.strip().splitlines()[-1]
    with city.connect() as conn:
        token = lookup_token(conn, secret)
    assert token.kind == "kiosk" and token.scope == Scope.city()
    listed = runner.invoke(main, ["--database-url", url, "token", "list"])
    assert "kiosk" in listed.stdout and secret not in listed.stdout and "wall 1" in listed.stdout
    assert runner.invoke(main, ["--database-url", url, "token", "revoke", str(token.id)]).exit_code == 0
    both = runner.invoke(main, ["--database-url", url, "token", "create", "--kiosk", "--source", "hotline"])
    assert both.exit_code == 2
    with city.connect() as conn:
        assert [r["action"] for r in recent(conn)] == ["token_revoke", "token_create"]
        assert not lookup_token(conn, secret).active
