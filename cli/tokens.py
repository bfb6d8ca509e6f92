"""``gridboard token``: create, list and revoke API tokens (source tokens and kiosk tokens)."""
from __future__ import annotations

import click

from config import local_now


@click.group("token")
def token_group():
    """API tokens: a source token writes cases for one channel; a kiosk token reads one scope (a wall screen)."""


def _engine(ctx):
    from queries.db import configure
    from queries.migrate import upgrade
    engine = configure(ctx.find_root().obj["config"].db_url)
    upgrade(engine)
    return engine


@token_group.command("create")
@click.option("--source", type=click.Choice(["hotline", "patrol", "chat_group", "service_hall", "photo"]),
              help="Channel whose cases this token may write (an intake token).")
@click.option("--kiosk", is_flag=True, help="A read-only token for a wall screen, limited to --scope.")
@click.option("--scope", "scope_text", help="For --kiosk: city, township:CODE, village:CODE, grid:CODE or a code.")
@click.option("--name", default="", help="A note saying who holds it, e.g. '12345 hotline system'.")
@click.pass_context
def token_create(ctx, source, kiosk, scope_text, name):
    """Create a token and print its secret (shown only this once)."""
    from queries.audit import record
    from queries.tokens import create_token, scope_from_text
    if bool(source) == bool(kiosk):
        raise click.UsageError("give either --source CHANNEL or --kiosk --scope SCOPE")
    if kiosk and not scope_text:
        raise click.UsageError("--kiosk needs --scope (e.g. --scope city)")
    engine = _engine(ctx)
    now = local_now(ctx.find_root().obj["config"])
    with engine.begin() as conn:
        try:
            scope = scope_from_text(conn, scope_text) if kiosk else None
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--scope") from None
        secret, token = create_token(conn, "kiosk" if kiosk else "source", now=now, source=source, scope=scope,
                                     name=name, created_by="cli")
        record(conn, "token_create", now=now, actor="cli", target=f"token:{token.id}",
               detail=f"kind={token.kind} source={token.source or ''} scope={scope.key if scope else ''}")
    what = f"source {token.source}" if token.kind == "source" else f"kiosk for {token.scope.key}"
    click.echo(f"token {token.id} ({what}) created; its secret, shown only now:", err=True)
    click.echo(secret)


@token_group.command("list")
@click.pass_context
def token_list(ctx):
    """List tokens (never their secrets)."""
    from queries.tokens import list_tokens
    engine = _engine(ctx)
    with engine.connect() as conn:
        tokens = list_tokens(conn)
    for t in tokens:
        what = t.source if t.kind == "source" else t.scope.key
        state = f"revoked {t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "active"
        click.echo(f"{t.id:>4}  {t.kind:<6} {what:<28} {t.prefix}…  {state:<24} {t.name}")
    if not tokens:
        click.echo("no tokens", err=True)


@token_group.command("revoke")
@click.argument("token_id", type=int)
@click.pass_context
def token_revoke(ctx, token_id):
    """Revoke a token: requests carrying it are refused from now on."""
    from queries.audit import record
    from queries.tokens import revoke_token
    engine = _engine(ctx)
    now = local_now(ctx.find_root().obj["config"])
    with engine.begin() as conn:
        try:
            token = revoke_token(conn, token_id, now)
        except LookupError as exc:
            raise click.ClickException(str(exc)) from None
        record(conn, "token_revoke", now=now, actor="cli", target=f"token:{token.id}")
    click.echo(f"token {token.id} revoked at {token.revoked_at:%Y-%m-%d %H:%M:%S}")
