"""``gridboard user``: add, list, disable, enable and reset the password of accounts.

Passwords are asked for on a terminal (twice) or read as one line from
standard input, so scripts can pipe them in without putting them on the
command line (where ``ps`` and shell history would show them).  Every change
is written to the audit log with the actor ``cli``.
"""
from __future__ import annotations

import sys

import click

from config import local_now
from queries.schema import ROLES


@click.group("user")
def user_group():
    """Accounts: operator, official, admin (the whole city), township_leader, village_leader (their area)."""


def _engine(ctx):
    from queries.db import configure
    from queries.migrate import upgrade
    engine = configure(ctx.find_root().obj["config"].db_url)
    upgrade(engine)
    return engine


def _now(ctx):
    return local_now(ctx.find_root().obj["config"])


def show_scope(scope) -> str:
    """``city`` or ``township:CODE``: what ``--scope`` takes back."""
    return "city" if scope.level == "city" else scope.key


def read_password() -> str:
    """Prompt twice on a terminal; otherwise read one line from standard input."""
    stdin = sys.stdin  # CliRunner swaps it for the test's input
    if stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    line = stdin.readline()
    if not line:
        raise click.UsageError("no password on standard input")
    return line.rstrip("\r\n")


@user_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True, help="What the account is for.")
@click.option("--scope", "scope_text", default="city", show_default=True,
              help="Home scope: city, township:CODE, village:CODE or a bare code; its whole subtree is granted.")
@click.pass_context
def user_add(ctx, name, role, scope_text):
    """Create an account (the password is asked for, or read from standard input)."""
    from queries.audit import record
    from queries.tokens import scope_from_text
    from queries.users import create_user
    engine = _engine(ctx)
    password = read_password()
    now = _now(ctx)
    with engine.begin() as conn:
        try:
            scope = scope_from_text(conn, scope_text)
            user = create_user(conn, name, role, scope, password, now=now)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        record(conn, "user_add", now=now, actor="cli", target=f"user:{user.name}",
               detail=f"role={user.role} scope={user.scope.key}")
    click.echo(f"user {user.name} ({user.role}, {show_scope(user.scope)}) added")


@user_group.command("list")
@click.pass_context
def user_list(ctx):
    """List accounts (never their passwords)."""
    from queries.users import list_users
    engine = _engine(ctx)
    now = _now(ctx)
    with engine.connect() as conn:
        users = list_users(conn)
    for u in users:
        state = ("disabled" if u.disabled else f"locked until {u.locked_until:%Y-%m-%d %H:%M}" if u.locked(now)
                 else "active")
        last = f"last login {u.last_login_at:%Y-%m-%d %H:%M}" if u.last_login_at else "never logged in"
        click.echo(f"{u.name:<24} {u.role:<16} {show_scope(u.scope):<28} {state:<28} {last}")
    if not users:
        click.echo("no users", err=True)


def _change(ctx, name: str, action: str, change) -> None:
    from queries.audit import record
    engine = _engine(ctx)
    now = _now(ctx)
    with engine.begin() as conn:
        try:
            change(conn, now)
        except (LookupError, ValueError) as exc:
            raise click.ClickException(str(exc).strip("'\"")) from None
        record(conn, action, now=now, actor="cli", target=f"user:{name}")


@user_group.command("disable")
@click.argument("name")
@click.pass_context
def user_disable(ctx, name):
    """Disable an account: its sessions end at their next request."""
    from queries.users import set_disabled
    _change(ctx, name, "user_disable", lambda conn, now: set_disabled(conn, name, True))
    click.echo(f"user {name} disabled")


@user_group.command("enable")
@click.argument("name")
@click.pass_context
def user_enable(ctx, name):
    """Enable a disabled account again."""
    from queries.users import set_disabled
    _change(ctx, name, "user_enable", lambda conn, now: set_disabled(conn, name, False))
    click.echo(f"user {name} enabled")


@user_group.command("reset-password")
@click.argument("name")
@click.pass_context
def user_reset_password(ctx, name):
    """Set a new password (asked for, or read from standard input); older sessions end and the lock is lifted."""
    from queries.users import reset_password
    password = read_password()
    _change(ctx, name, "password_reset", lambda conn, now: reset_password(conn, name, password, now=now))
    click.echo(f"password of {name} reset")


def print_demo_users(engine, now) -> None:
    """Create one account per role when there is none, and print their passwords this once."""
    from queries.audit import record
    from queries.users import create_demo_users
    with engine.begin() as conn:
        made = create_demo_users(conn, now=now)
        for user, _password in made:
            record(conn, "user_add", now=now, actor="cli", target=f"user:{user.name}",
                   detail=f"demo account role={user.role} scope={user.scope.key}")
    if not made:
        return
    click.echo("demo accounts (passwords shown only now; `gridboard user reset-password NAME` sets new ones):",
               err=True)
    for user, password in made:
        click.echo(f"  {user.name:<20} {password:<16} {user.role:<16} {show_scope(user.scope)}", err=True)
