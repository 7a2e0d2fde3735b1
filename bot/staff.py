"""Staff accounts for the counsellor pages: `python -m bot staff add <username>`, and login checks.

Passwords are hashed with Argon2id (argon2-cffi), so a leaked catalogue database does not leak
passwords. Failed logins are counted in `staff_user`; after MAX_FAILED_ATTEMPTS the account is
locked for LOCKOUT, in the database rather than in memory, so the lock holds across restarts and
gateway instances. Unknown user names cost a hash verification too, so response times do not
tell an attacker which names exist.
"""
from __future__ import annotations

import argparse
import datetime as dt
import getpass
import sys
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from services_catalog.models import StaffUser

MAX_FAILED_ATTEMPTS = 5
LOCKOUT = dt.timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 12
MAX_USERNAME_LENGTH = 100
_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not a real password, only spends the same time")


@dataclass(frozen=True)
class LoginResult:
    """ok: credentials right; locked: the account is (now) locked, whatever was typed."""

    ok: bool
    locked: bool = False


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite returns naive datetimes; they were stored as UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"password: at least {MIN_PASSWORD_LENGTH} characters")


def add_user(session: Session, username: str, password: str) -> StaffUser:
    """Create a staff account; ValueError if the name is taken or the password too short."""
    username = username.strip()
    if not username or len(username) > MAX_USERNAME_LENGTH:
        raise ValueError(f"username: required, at most {MAX_USERNAME_LENGTH} characters")
    check_new_password(password)
    if session.execute(select(StaffUser).where(StaffUser.username == username)).first():
        raise ValueError(f"username: {username!r} exists already")
    user = StaffUser(username=username, password_hash=hash_password(password),
                     failed_attempts=0, created_at=dt.datetime.now(dt.timezone.utc))
    session.add(user)
    session.flush()
    return user


def unlock(session: Session, username: str) -> bool:
    user = session.execute(select(StaffUser).where(StaffUser.username == username)).scalar()
    if user is None:
        return False
    user.failed_attempts = 0
    user.locked_until = None
    return True


def authenticate(session: Session, username: str, password: str,
                 now: dt.datetime | None = None) -> LoginResult:
    """Check a login and record the attempt (the caller's session commits it)."""
    now = now or dt.datetime.now(dt.timezone.utc)
    user = session.execute(select(StaffUser).where(StaffUser.username == username)).scalar()
    if user is None:
        _verify(_DUMMY_HASH, password)
        return LoginResult(ok=False)
    locked_until = _utc(user.locked_until)
    if locked_until is not None and locked_until > now:
        return LoginResult(ok=False, locked=True)
    if not _verify(user.password_hash, password):
        user.failed_attempts = (user.failed_attempts or 0) + 1
        if user.failed_attempts >= MAX_FAILED_ATTEMPTS:
            user.failed_attempts = 0
            user.locked_until = now + LOCKOUT
            return LoginResult(ok=False, locked=True)
        return LoginResult(ok=False)
    user.failed_attempts = 0
    user.locked_until = None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return LoginResult(ok=True)


def user_exists(session: Session, username: str) -> bool:
    return session.execute(select(StaffUser.id).where(StaffUser.username == username)).first() \
        is not None


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------

def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat the password: ") != first:
        raise ValueError("password: the two entries differ")
    return first


def _engine():
    from bot import settings as settings_mod
    from services_catalog import migrate
    from services_catalog.db import make_engine

    engine = make_engine(settings_mod.load().catalog_database_url)
    migrate.upgrade(engine)  # the staff table lives in the catalogue; create it if missing
    return engine


def _add(args: argparse.Namespace) -> int:
    from services_catalog.db import session_scope

    try:
        password = _read_password(args.password_stdin)
        with session_scope(_engine()) as session:
            add_user(session, args.username, password)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"staff account {args.username!r} created")
    return 0


def _unlock(args: argparse.Namespace) -> int:
    from services_catalog.db import session_scope

    with session_scope(_engine()) as session:
        found = unlock(session, args.username)
    print(f"{args.username!r} unlocked" if found else f"error: no account {args.username!r}",
          file=sys.stdout if found else sys.stderr)
    return 0 if found else 1


def register(commands: argparse._SubParsersAction) -> None:
    """Add `staff add|unlock` to the `python -m bot` command line."""
    staff = commands.add_parser("staff", help="manage staff accounts of the counsellor pages")
    actions = staff.add_subparsers(dest="staff_command", required=True)
    add = actions.add_parser("add", help="create a staff account (asks for the password)")
    add.add_argument("username")
    add.add_argument("--password-stdin", action="store_true",
                     help="read the password from the first line of standard input")
    add.set_defaults(func=_add)
    unlock_cmd = actions.add_parser("unlock", help="lift a lock-out after failed logins")
    unlock_cmd.add_argument("username")
    unlock_cmd.set_defaults(func=_unlock)


def main(argv: list[str] | None = None) -> int:
    """Standalone entry point (`python -m bot.staff add NAME`), same as `python -m bot staff`."""
    parser = argparse.ArgumentParser(prog="python -m bot")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["staff", *(argv if argv is not None else sys.argv[1:])])
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
