"""API tokens: ``source`` tokens write cases for one channel, ``kiosk`` tokens read one scope.

Only a SHA-256 digest of a secret is stored; the secret itself is shown once,
when it is created.  A secret is 32 random bytes, so a plain digest (no salt,
no slow hash) is enough: there is nothing to guess, and a lookup by digest is
one indexed read on every request.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select, update

from queries.areas import AREA_TABLES, level_of
from queries.schema import SOURCES, api_token
from queries.scope import Scope

SECRET_PREFIX = "gbt_"


@dataclass(frozen=True)
class Token:
    id: int
    kind: str
    name: str
    source: str | None
    scope: Scope | None
    prefix: str
    created_at: datetime
    created_by: str
    revoked_at: datetime | None
    last_used_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    @property
    def actor(self) -> str:
        """How the audit log names the holder of this token."""
        return f"token:{self.id}"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _token(row) -> Token:
    scope = Scope(row.scope_level, row.scope_code or "") if row.scope_level else None
    return Token(row.id, row.kind, row.name, row.source, scope, row.prefix, row.created_at, row.created_by,
                 row.revoked_at, row.last_used_at)


def scope_from_text(conn: Connection, text: str) -> Scope:
    """``city``, ``township:<code>``, ``village:<code>``, ``grid:<code>`` or a bare code of any level.

    Raises ``ValueError`` naming the text when no such area exists.
    """
    text = (text or "").strip()
    if text in ("city", ""):
        return Scope.city()
    level, _, code = text.rpartition(":")
    if level and level not in AREA_TABLES:
        raise ValueError(f"unknown scope level {level!r} in {text!r}; use city, township:CODE, village:CODE "
                         "or grid:CODE")
    found = level_of(conn, code, (level,) if level else tuple(AREA_TABLES))
    if found:
        return Scope(found, code)
    raise ValueError(f"no township, village or grid has the code {code!r}" if not level
                     else f"no {level} has the code {code!r}")


def create_token(conn: Connection, kind: str, *, now: datetime, source: str | None = None,
                 scope: Scope | None = None, name: str = "", created_by: str = "") -> tuple[str, Token]:
    """Store a new token; return ``(secret, token)``.  The secret cannot be read back later."""
    if kind == "source":
        if source not in SOURCES:
            raise ValueError(f"unknown source {source!r}; expected one of {', '.join(SOURCES)}")
        scope = None
    elif kind == "kiosk":
        if scope is None:
            raise ValueError("a kiosk token needs a scope")
        source = None
    else:
        raise ValueError(f"unknown token kind {kind!r}; expected source or kiosk")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    values = dict(kind=kind, name=name, source=source, scope_level=scope.level if scope else None,
                  scope_code=scope.code if scope else None, token_hash=digest(secret), prefix=secret[:10],
                  created_at=now, created_by=created_by)
    token_id = conn.execute(api_token.insert().values(**values).returning(api_token.c.id)).scalar_one()
    return secret, get_token(conn, token_id)


def get_token(conn: Connection, token_id: int) -> Token | None:
    row = conn.execute(select(api_token).where(api_token.c.id == token_id)).first()
    return _token(row) if row else None


def lookup_token(conn: Connection, secret: str | None) -> Token | None:
    """The token whose secret this is, revoked or not (callers check ``active`` and ``kind``)."""
    if not secret or not secret.startswith(SECRET_PREFIX) or len(secret) > 200:
        return None
    row = conn.execute(select(api_token).where(api_token.c.token_hash == digest(secret))).first()
    return _token(row) if row else None


def list_tokens(conn: Connection) -> list[Token]:
    return [_token(r) for r in conn.execute(select(api_token).order_by(api_token.c.id))]


def revoke_token(conn: Connection, token_id: int, now: datetime) -> Token:
    """Revoke a token from now on; revoking twice keeps the first time.  ``LookupError`` if unknown."""
    conn.execute(update(api_token).where(api_token.c.id == token_id, api_token.c.revoked_at.is_(None))
                 .values(revoked_at=now))
    token = get_token(conn, token_id)
    if token is None:
        raise LookupError(f"no token has the id {token_id}")
    return token
