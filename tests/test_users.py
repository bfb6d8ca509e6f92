"""Accounts: password storage, role and scope rules, lock-out, disabling, resets, demo accounts, the CLI."""
from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from cli.main import main
from queries.audit import recent
from queries.schema import app_user, grid
from queries.scope import Scope
from queries.users import (MIN_PASSWORD_LENGTH, authenticate, create_demo_users, create_user, get_user_by_name,
                           list_users, reset_password, set_disabled)
from tests.fixture_city import NOW, T1, V1, load_tree

PASSWORD = "correct horse battery"


@pytest.fixture
def city(engine):
    with engine.begin() as conn:
        load_tree(conn)
    return engine


def test_passwords_are_stored_only_as_salted_scrypt_hashes(city):
    with city.begin() as conn:
        create_user(conn, "a", "operator", Scope.city(), PASSWORD, now=NOW)
        create_user(conn, "b", "official", Scope.city(), PASSWORD, now=NOW)
        hashes = dict(conn.execute(select(app_user.c.name, app_user.c.password_hash)).all())
    assert all(h.startswith("scrypt:") for h in hashes.values())
    assert all(PASSWORD not in h for h in hashes.values())
    assert hashes["a"] != hashes["b"]  # a salt of its own
    assert check_password_hash(hashes["a"], PASSWORD) and not check_password_hash(hashes["a"], PASSWORD + "!")


def test_roles_fix_the_level_of_the_home_scope(city):
    with city.begin() as conn:
        leader = create_user(conn, "t1", "township_leader", Scope.township(T1), PASSWORD, now=NOW)
        assert leader.scope == Scope.township(T1) and not leader.disabled
        for role, scope, message in [
            ("township_leader", Scope.city(), "township scope"),
            ("village_leader", Scope.township(T1), "village scope"),
            ("operator", Scope.village(V1), "city scope"),
            ("mayor", Scope.city(), "unknown role"),
            ("township_leader", Scope.township("999"), "no township"),
        ]:
            with pytest.raises(ValueError, match=message):
                create_user(conn, f"x{len(message)}", role, scope, PASSWORD, now=NOW)
        with pytest.raises(ValueError, match="taken"):
            create_user(conn, "t1", "operator", Scope.city(), PASSWORD, now=NOW)
        with pytest.raises(ValueError, match="at least"):
            create_user(conn, "short", "operator", Scope.city(), "x" * (MIN_PASSWORD_LENGTH - 1), now=NOW)
        with pytest.raises(ValueError, match="user name"):
            create_user(conn, "two words", "operator", Scope.city(), PASSWORD, now=NOW)


def test_lock_out_after_repeated_failures_then_release(city):
    with city.begin() as conn:
        create_user(conn, "op", "operator", Scope.city(), PASSWORD, now=NOW)
    outcomes = []
    with city.begin() as conn:
        for i in range(4):
            outcomes.append(authenticate(conn, "op", "wrong", now=NOW, max_failures=5, lock_minutes=15).outcome)
        assert get_user_by_name(conn, "op").failed_logins == 4
        fifth = authenticate(conn, "op", "wrong", now=NOW, max_failures=5, lock_minutes=15)
    assert outcomes == ["bad"] * 4
    assert fifth.outcome == "locked" and fifth.just_locked
    assert fifth.user.locked_until == NOW + timedelta(minutes=15)
    with city.begin() as conn:
        # locked: even the right password is refused, and nothing is counted
        assert authenticate(conn, "op", PASSWORD, now=NOW + timedelta(minutes=14)).outcome == "locked"
        ok = authenticate(conn, "op", PASSWORD, now=NOW + timedelta(minutes=15, seconds=1))
    assert ok.outcome == "ok" and ok.user.failed_logins == 0 and ok.user.locked_until is None
    assert ok.user.last_login_at == NOW + timedelta(minutes=15, seconds=1)


def test_a_success_resets_the_failure_count(city):
    with city.begin() as conn:
        create_user(conn, "op", "operator", Scope.city(), PASSWORD, now=NOW)
        for _ in range(4):
            authenticate(conn, "op", "wrong", now=NOW)
        assert authenticate(conn, "op", PASSWORD, now=NOW).outcome == "ok"
        for _ in range(4):
            assert authenticate(conn, "op", "wrong", now=NOW).outcome == "bad"


def test_unknown_disabled_and_reset(city):
    with city.begin() as conn:
        user = create_user(conn, "op", "operator", Scope.city(), PASSWORD, now=NOW)
        assert authenticate(conn, "nobody", PASSWORD, now=NOW).outcome == "bad"
        set_disabled(conn, "op", True)
        assert authenticate(conn, "op", "wrong", now=NOW).outcome == "bad"      # says nothing more
        assert authenticate(conn, "op", PASSWORD, now=NOW).outcome == "disabled"
        set_disabled(conn, "op", False)
        after = reset_password(conn, "op", "a new passphrase", now=NOW)
        assert after.stamp != user.stamp  # sessions made with the old password no longer match
        assert authenticate(conn, "op", PASSWORD, now=NOW).outcome == "bad"
        assert authenticate(conn, "op", "a new passphrase", now=NOW).outcome == "ok"
        with pytest.raises(LookupError):
            set_disabled(conn, "nobody", True)


def test_demo_accounts_one_per_role_only_once(city):
    with city.begin() as conn:
        made = create_demo_users(conn, now=NOW)
        again = create_demo_users(conn, now=NOW)
    assert again == []
    by_name = {u.name: (u.role, u.scope, pw) for u, pw in made}
    assert {role for role, _, _ in by_name.values()} == {"admin", "operator", "official", "township_leader",
                                                         "village_leader"}
    # the fixture city's first township is 钢都街道 (Gangdu) and its first village 富丽社区 (Fuli)
    assert by_name["gangdu_leader"][:2] == ("township_leader", Scope.township(T1))
    assert by_name["fuli_leader"][:2] == ("village_leader", Scope.village(V1))
    passwords = [pw for _, _, pw in by_name.values()]
    assert len(set(passwords)) == len(passwords) and all(len(pw) >= MIN_PASSWORD_LENGTH for pw in passwords)
    with city.begin() as conn:
        assert all(authenticate(conn, name, pw, now=NOW).outcome == "ok" for name, (_, _, pw) in by_name.items())


def test_cli_add_list_disable_enable_reset(city):
    url = city.url.render_as_string(hide_password=False)
    runner = CliRunner()

    def run(*args, stdin=None):
        return runner.invoke(main, ["--database-url", url, "user", *args], input=stdin)

    added = run("add", "gangdu", "--role", "township_leader", "--scope", f"township:{T1}", stdin=PASSWORD + "\n")
    assert added.exit_code == 0, added.output
    assert run("add", "ops", "--role", "operator", stdin=PASSWORD + "\n").exit_code == 0
    bad = run("add", "v", "--role", "village_leader", "--scope", T1, stdin=PASSWORD + "\n")
    assert bad.exit_code == 1 and "village scope" in bad.output
    short = run("add", "w", "--role", "operator", stdin="short\n")
    assert short.exit_code == 1 and "at least" in short.output
    listed = run("list")
    assert "gangdu" in listed.output and f"township:{T1}" in listed.output and PASSWORD not in listed.output
    assert run("disable", "gangdu").exit_code == 0
    assert "disabled" in run("list").output
    assert run("enable", "gangdu").exit_code == 0
    assert run("reset-password", "gangdu", stdin="another passphrase\n").exit_code == 0
    assert run("disable", "nobody").exit_code == 1
    with city.begin() as conn:
        assert authenticate(conn, "gangdu", "another passphrase", now=NOW).outcome == "ok"
        assert [u.name for u in list_users(conn)] == ["gangdu", "ops"]
        actions = [(r["action"], r["target"], r["actor"]) for r in reversed(recent(conn))]
    assert actions == [("user_add", "user:gangdu", "cli"), ("user_add", "user:ops", "cli"),
                       ("user_disable", "user:gangdu", "cli"), ("user_enable", "user:gangdu", "cli"),
                       ("password_reset", "user:gangdu", "cli")]


def test_settings_command_hides_the_secret_key():
    result = CliRunner().invoke(main, ["settings"], env={"GRIDBOARD_SECRET_KEY": "s3cr3t-value-not-to-print"})
    assert result.exit_code == 0 and "s3cr3t" not in result.output and "(set)" in result.output


def test_replacing_the_city_keeps_accounts_tokens_and_the_audit_log(city):
    from queries.audit import record
    from queries.tokens import create_token, list_tokens
    from queries.wipe import wipe_all
    with city.begin() as conn:
        create_user(conn, "keeper", "operator", Scope.city(), "long enough password", now=NOW)
        create_token(conn, "source", now=NOW, source="hotline")
        record(conn, "user_add", now=NOW, actor="cli", target="user:keeper")
        wipe_all(conn)
    with city.connect() as conn:
        assert get_user_by_name(conn, "keeper") is not None
        assert len(list_tokens(conn)) == 1 and recent(conn)[0]["target"] == "user:keeper"
        assert conn.execute(select(func.count()).select_from(grid)).scalar() == 0
