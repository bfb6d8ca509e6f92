"""Accounts: create, authenticate (with lock-out), disable, reset passwords, list.

Passwords are stored only as scrypt hashes (``werkzeug.security``: a random
salt per password, N=32768, r=8, p=1, about 0.1 s per check), so a stolen
database does not give the passwords away and guessing offline is slow.
Guessing online is slowed by the lock-out: after ``max_failures`` wrong
passwords in a row an account refuses every attempt, right or wrong, for
``lock_minutes``.  The counter is incremented in SQL, so concurrent attempts
on PostgreSQL cannot lose a failure.

A role fixes the level of its home scope (``queries.access.ROLE_LEVEL``):
operators, officials and admins have the city, a township leader a
township, a village leader a village.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from queries.access import ROLE_LEVEL
from queries.schema import ROLES, app_user, township, village
from queries.scope import Scope

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256
HASH_METHOD = "scrypt"
_NAME = re.compile(r"[\w.@-]{1,64}")
# checked against when the name is unknown, so that a wrong name costs as long as a wrong password
_DUMMY_HASH: list[str] = []


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str
    scope: Scope
    disabled: bool
    failed_logins: int
    locked_until: datetime | None
    created_at: datetime
    password_changed_at: datetime | None
    last_login_at: datetime | None
    stamp: str

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now


@dataclass(frozen=True)
class LoginResult:
    """``outcome``: ok, bad (wrong name or password), locked, disabled; ``just_locked`` on the failure that locked."""

    outcome: str
    user: User | None = None
    just_locked: bool = False


def password_stamp(password_hash: str) -> str:
    """A short digest of the stored hash, kept in the session: a password reset ends every older session."""
    return hashlib.sha256(password_hash.encode("utf-8")).hexdigest()[:16]


def _user(row) -> User:
    return User(row.id, row.name, row.role, Scope(row.scope_level, row.scope_code or ""), bool(row.disabled),
                int(row.failed_logins or 0), row.locked_until, row.created_at, row.password_changed_at,
                row.last_login_at, password_stamp(row.password_hash))


def check_password_rules(password: str) -> None:
    """``ValueError`` for a password that is too short or too long."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValueError(f"a password may have at most {MAX_PASSWORD_LENGTH} characters")


def hash_password(password: str) -> str:
    check_password_rules(password)
    return generate_password_hash(password, method=HASH_METHOD)


def verify_password(password_hash: str, password: str) -> bool:
    if not password or len(password) > MAX_PASSWORD_LENGTH:
        return False
    return check_password_hash(password_hash, password)


def check_role_scope(conn: Connection, role: str, scope: Scope) -> None:
    """``ValueError`` unless ``role`` exists, its home level matches ``scope`` and the area exists."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    want = ROLE_LEVEL[role]
    if scope.level != want:
        raise ValueError(f"a {role} has a {want} scope, not {scope.level}")
    table = {"township": township, "village": village}.get(scope.level)
    if table is not None and conn.execute(select(table.c.code).where(table.c.code == scope.code)).first() is None:
        raise ValueError(f"no {scope.level} has the code {scope.code!r}")


def create_user(conn: Connection, name: str, role: str, scope: Scope, password: str, *,
                now: datetime) -> User:
    """Store a new account; ``ValueError`` for a bad name, role, scope or password, or a taken name."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ValueError("a user name is 1-64 letters, digits or . _ @ -")
    check_role_scope(conn, role, scope)
    if get_user_by_name(conn, name) is not None:
        raise ValueError(f"the name {name!r} is taken")
    user_id = conn.execute(app_user.insert().values(
        name=name, role=role, scope_level=scope.level, scope_code=scope.code, password_hash=hash_password(password),
        disabled=False, failed_logins=0, created_at=now, password_changed_at=now).returning(app_user.c.id)).scalar_one()
    return get_user(conn, user_id)


def get_user(conn: Connection, user_id: int) -> User | None:
    """One primary-key read (the gate calls it on every request of a session)."""
    row = conn.execute(select(app_user).where(app_user.c.id == int(user_id))).first()
    return _user(row) if row else None


def get_user_by_name(conn: Connection, name: str) -> User | None:
    row = conn.execute(select(app_user).where(app_user.c.name == name)).first()
    return _user(row) if row else None


def list_users(conn: Connection) -> list[User]:
    return [_user(r) for r in conn.execute(select(app_user).order_by(app_user.c.name))]


def _named(conn: Connection, name: str) -> User:
    user = get_user_by_name(conn, name)
    if user is None:
        raise LookupError(f"no user is named {name!r}")
    return user


def set_disabled(conn: Connection, name: str, disabled: bool) -> User:
    """Disable (or enable) an account; a disabled user's sessions stop at their next request."""
    user = _named(conn, name)
    conn.execute(update(app_user).where(app_user.c.id == user.id).values(disabled=bool(disabled)))
    return get_user(conn, user.id)


def reset_password(conn: Connection, name: str, password: str, *, now: datetime) -> User:
    """Set a new password, clear the lock-out, and so end every session signed in with the old one."""
    user = _named(conn, name)
    conn.execute(update(app_user).where(app_user.c.id == user.id).values(
        password_hash=hash_password(password), password_changed_at=now, failed_logins=0, locked_until=None))
    return get_user(conn, user.id)


def authenticate(conn: Connection, name: str, password: str, *, now: datetime, max_failures: int = 5,
                 lock_minutes: int = 15) -> LoginResult:
    """Check a login inside the caller's transaction; count failures and lock after ``max_failures``.

    A locked account is refused without looking at the password (so the
    lock cannot be used to test guesses).  A disabled account is reported
    only after the right password.  A success clears the counter.
    """
    row = conn.execute(select(app_user).where(app_user.c.name == (name or "")[:64])).first()
    if row is None:
        if not _DUMMY_HASH:
            _DUMMY_HASH.append(generate_password_hash(secrets.token_hex(16), method=HASH_METHOD))
        verify_password(_DUMMY_HASH[0], password or "x")
        return LoginResult("bad")
    user = _user(row)
    if user.locked(now):
        return LoginResult("locked", user)
    if not verify_password(row.password_hash, password or ""):
        failures = conn.execute(update(app_user).where(app_user.c.id == user.id)
                                .values(failed_logins=app_user.c.failed_logins + 1)
                                .returning(app_user.c.failed_logins)).scalar_one()
        if failures >= max_failures:
            conn.execute(update(app_user).where(app_user.c.id == user.id)
                         .values(failed_logins=0, locked_until=now + timedelta(minutes=lock_minutes)))
            return LoginResult("locked", get_user(conn, user.id), just_locked=True)
        return LoginResult("bad", get_user(conn, user.id))
    if user.disabled:
        return LoginResult("disabled", user)
    conn.execute(update(app_user).where(app_user.c.id == user.id)
                 .values(failed_logins=0, locked_until=None, last_login_at=now))
    return LoginResult("ok", get_user(conn, user.id))


def new_password() -> str:
    """A random password for the demo accounts (12 characters from 72 bits)."""
    return secrets.token_urlsafe(9)


def demo_accounts(conn: Connection) -> list[tuple[str, str, Scope]]:
    """(name, role, scope) of one account per role in the loaded city: the first township's leader
    (钢都街道 in the demo city) and the leader of its first village."""
    t = conn.execute(select(township.c.code, township.c.name_en).order_by(
        (township.c.name != "钢都街道"), township.c.code).limit(1)).first()
    if t is None:
        return []
    v = conn.execute(select(village.c.code, village.c.name_en).where(village.c.township_code == t.code)
                     .order_by(village.c.code).limit(1)).first()

    def slug(name_en: str | None, code: str) -> str:
        word = re.sub(r"[^a-z0-9]", "", ((name_en or "").split() or [""])[0].lower())
        return word or code

    accounts = [("admin", "admin", Scope.city()), ("operator", "operator", Scope.city()),
                ("official", "official", Scope.city()),
                (f"{slug(t.name_en, t.code)}_leader", "township_leader", Scope.township(t.code))]
    if v is not None:
        accounts.append((f"{slug(v.name_en, v.code)}_leader", "village_leader", Scope.village(v.code)))
    return accounts


def create_demo_users(conn: Connection, *, now: datetime) -> list[tuple[User, str]]:
    """One account per role with a random password, only when there is no account yet.

    Returns ``(user, password)`` pairs: the passwords exist nowhere else, so
    the caller prints them once.
    """
    if conn.execute(select(app_user.c.id).limit(1)).first() is not None:
        return []
    made = []
    for name, role, scope in demo_accounts(conn):
        password = new_password()
        made.append((create_user(conn, name, role, scope, password, now=now), password))
    return made
