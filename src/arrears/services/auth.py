"""Users, passwords (argon2), server-side sessions, API tokens, lock-out and roles."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from arrears.adapters.db.base import unit_of_work
from arrears.adapters.db.tables import Agency, ApiToken, User, WebSession
from arrears.errors import ArrearsError, Conflict, InvalidInput, NotFound
from arrears.i18n import LOCALES
from arrears.services.audit import append_audit, utc_naive

ROLES = ("collector", "team_lead", "qa_reviewer", "compliance_officer", "admin", "agency")
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
SESSION_TTL = timedelta(hours=12)
MIN_PASSWORD = 10

_hasher = PasswordHasher()
# Verifying against this keeps unknown user names as slow as wrong passwords.
_DUMMY_HASH = _hasher.hash("not-a-real-password-0")


class SignInFailed(ArrearsError):
    code = "sign_in_failed"
    status = 401


class AccountLocked(ArrearsError):
    code = "account_locked"
    status = 423


class NotAuthenticated(ArrearsError):
    code = "not_authenticated"
    status = 401


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def hash_password(password: str) -> str:
    """argon2id hash of a password."""
    return _hasher.hash(password)


def check_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


class LastAdmin(Conflict):
    code = "last_admin"


def _validate_locale(locale: str | None) -> str | None:
    if not locale:
        return None
    if locale not in LOCALES:
        raise InvalidInput(f"locale must be one of {', '.join(LOCALES)}", field="locale")
    return locale


def _validate_user(*, username: str, password: str, role: str,
                   agency_id: str | None) -> None:
    if not username or len(username) > 64 or not username.replace("_", "").replace(
            ".", "").replace("-", "").isalnum():
        raise InvalidInput("user name: letters, digits, '.', '-' and '_' only, at most 64",
                           field="username")
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}", field="role")
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"password must have at least {MIN_PASSWORD} characters",
                           field="password")
    if role == "agency" and not agency_id:
        raise InvalidInput("an agency user needs --agency", field="agency_id")


def create_user(session: Session, *, username: str, password: str, role: str,
                display_name: str | None = None, team_id: str | None = None,
                agency_id: str | None = None, locale: str | None = None,
                actor: str = "system", at: datetime) -> User:
    """Create a user (the agency is created when it does not exist yet)."""
    _validate_user(username=username, password=password, role=role, agency_id=agency_id)
    locale = _validate_locale(locale)
    team_id, agency_id = team_id or None, agency_id or None
    if session.scalar(select(User.user_id).where(User.username == username)) is not None:
        raise Conflict(f"user {username!r} already exists", field="username")
    if agency_id and session.get(Agency, agency_id) is None:
        session.add(Agency(agency_id=agency_id, name=agency_id, whitelisted=True))
    user = User(username=username, display_name=display_name or username,
                password_hash=hash_password(password), role=role, team_id=team_id,
                agency_id=agency_id, locale=locale, active=True, failed_logins=0)
    session.add(user)
    session.flush()
    append_audit(session, actor=actor, action="user.create", object_type="user",
                 object_id=user.user_id, detail={"username": username, "role": role,
                                                 "team_id": team_id, "agency_id": agency_id},
                 at=at)
    return user


def list_users(session: Session) -> list[User]:
    """Every user, by user name."""
    return list(session.scalars(select(User).order_by(User.username)).all())


def get_user(session: Session, *, user_id: int) -> User:
    """One user; NotFound otherwise."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}", field="user_id")
    return user


def new_password() -> str:
    """A random password to hand over once (the user should change it)."""
    return secrets.token_urlsafe(12)


def _end_sessions(session: Session, user_id: int) -> None:
    session.execute(delete(WebSession).where(WebSession.user_id == user_id))


def set_active(session: Session, *, user_id: int, active: bool, actor: str,
               at: datetime) -> User:
    """Deactivate (signs the user out everywhere; tokens stop working) or reactivate a user.

    Nobody deactivates themselves, and the last active administrator stays.
    """
    user = get_user(session, user_id=user_id)
    if not active and user.username == actor:
        raise Conflict("you cannot deactivate your own account", field="user_id")
    if not active and user.role == "admin" and user.active:
        admins = session.scalars(select(User.user_id).where(
            User.role == "admin", User.active.is_(True))).all()
        if len(admins) <= 1:
            raise LastAdmin("the last active administrator cannot be deactivated",
                            field="user_id")
    if bool(user.active) != active:
        user.active = active
        if not active:
            _end_sessions(session, user.user_id)
        append_audit(session, actor=actor,
                     action="user.activate" if active else "user.deactivate",
                     object_type="user", object_id=user.user_id,
                     detail={"username": user.username}, at=at)
        session.flush()
    return user


def unlock_user(session: Session, *, user_id: int, actor: str, at: datetime) -> User:
    """Lift a lock-out after failed sign-ins (audited)."""
    user = get_user(session, user_id=user_id)
    was = utc_naive(user.locked_until).isoformat() if user.locked_until else None
    user.locked_until, user.failed_logins = None, 0
    append_audit(session, actor=actor, action="user.unlock", object_type="user",
                 object_id=user.user_id, detail={"username": user.username,
                                                 "locked_until": was}, at=at)
    session.flush()
    return user


def reset_password(session: Session, *, user_id: int, actor: str, at: datetime,
                   password: str | None = None) -> str:
    """Set a new password (a random one when none is given), unlock the account and sign
    the user out everywhere; returns the password to hand over (shown once, never
    stored or audited in clear)."""
    user = get_user(session, user_id=user_id)
    new = password or new_password()
    if len(new) < MIN_PASSWORD:
        raise InvalidInput(f"password must have at least {MIN_PASSWORD} characters",
                           field="password")
    user.password_hash = hash_password(new)
    user.locked_until, user.failed_logins = None, 0
    _end_sessions(session, user.user_id)
    append_audit(session, actor=actor, action="user.reset_password", object_type="user",
                 object_id=user.user_id, detail={"username": user.username,
                                                 "generated": password is None}, at=at)
    session.flush()
    return new


def is_locked(user: User, *, at: datetime) -> bool:
    """Whether the account is locked out at ``at``."""
    return _locked(user, at)


def _locked(user: User, at: datetime) -> bool:
    return user.locked_until is not None and utc_naive(user.locked_until) > utc_naive(at)


def authenticate(session: Session, *, username: str, password: str, at: datetime) -> User:
    """Check a password; count failures and lock the account after too many.

    Failures are written (and must be committed by the caller) even though the sign-in
    fails: the caller commits, then reports the error.
    """
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        check_password(_DUMMY_HASH, password)
        append_audit(session, actor=username[:100] or "-", action="auth.sign_in_failed",
                     object_type="user", detail={"reason": "unknown user"}, at=at)
        raise SignInFailed("wrong user name or password")
    if _locked(user, at):
        append_audit(session, actor=username, action="auth.sign_in_locked",
                     object_type="user", object_id=user.user_id, detail={}, at=at)
        raise AccountLocked("account locked after repeated failed sign-ins; try again later",
                            until=utc_naive(user.locked_until).isoformat() + "Z")  # type: ignore[arg-type]
    if not check_password(user.password_hash, password):
        user.failed_logins = (user.failed_logins or 0) + 1
        detail: dict[str, Any] = {"failed": user.failed_logins}
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = utc_naive(at + LOCKOUT).replace(tzinfo=UTC)
            user.failed_logins = 0
            detail["locked"] = True
        append_audit(session, actor=username, action="auth.sign_in_failed",
                     object_type="user", object_id=user.user_id, detail=detail, at=at)
        raise SignInFailed("wrong user name or password")
    user.failed_logins = 0
    user.locked_until = None
    append_audit(session, actor=username, action="auth.sign_in", object_type="user",
                 object_id=user.user_id, detail={}, at=at)
    return user


@dataclass(frozen=True)
class NewSession:
    token: str  # goes into the cookie; only its hash is stored
    csrf_token: str
    expires_at: datetime


def start_session(session: Session, *, user: User, at: datetime) -> NewSession:
    """A server-side session: a random token for the cookie, its hash in the store."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    expires = utc_naive(at + SESSION_TTL).replace(tzinfo=UTC)
    session.execute(delete(WebSession).where(WebSession.expires_at < utc_naive(at)))
    session.add(WebSession(session_hash=sha256_hex(token), user_id=user.user_id,
                           csrf_token=csrf, created_at=utc_naive(at).replace(tzinfo=UTC),
                           expires_at=expires))
    session.flush()
    return NewSession(token, csrf, expires)


def session_user(session: Session, *, token: str, at: datetime) -> tuple[User, str] | None:
    """The user and CSRF token of a live session, or None."""
    row = session.get(WebSession, sha256_hex(token))
    if row is None or utc_naive(row.expires_at) <= utc_naive(at):
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    return user, row.csrf_token


def end_session(session: Session, *, token: str, actor: str, at: datetime) -> None:
    session.execute(delete(WebSession).where(WebSession.session_hash == sha256_hex(token)))
    append_audit(session, actor=actor, action="auth.sign_out", object_type="user",
                 detail={}, at=at)


def create_api_token(session: Session, *, username: str, name: str, actor: str,
                     at: datetime) -> str:
    """A bearer token for a system; returned once, only its hash is kept."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise InvalidInput(f"no user {username!r}", field="username")
    token = "arr_" + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.user_id, name=name[:100], token_hash=sha256_hex(token),
                   created_at=utc_naive(at).replace(tzinfo=UTC))
    session.add(row)
    session.flush()
    append_audit(session, actor=actor, action="api_token.create", object_type="api_token",
                 object_id=row.token_id, detail={"user": username, "name": name}, at=at)
    return token


def token_user(session: Session, *, token: str) -> User | None:
    """The user behind a live API token, or None."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == sha256_hex(token)))
    if row is None or row.revoked_at is not None:
        return None
    user = session.get(User, row.user_id)
    return user if user is not None and user.active else None


@dataclass(frozen=True)
class DemoUser:
    role: str
    username: str
    password: str
    team_id: str | None
    agency_id: str | None


DEMO_USERS = (
    ("collector", "collector1", "early", None),
    ("collector", "collector2", "mid", None),
    ("collector", "collector3", "mid", None),
    ("team_lead", "lead1", "early", None),
    ("team_lead", "lead2", "late", None),
    ("qa_reviewer", "qa1", None, None),
    ("compliance_officer", "compliance1", None, None),
    ("admin", "admin1", None, None),
    ("agency", "agency1", None, "AG001"),
)


def demo_password(username: str) -> str:
    """Deterministic demo password (demo only: never use demo users in production)."""
    return f"demo-{username}-2024"


def seed_demo_users(*, app: Any) -> list[DemoUser]:
    """One demo user per role (two collectors); existing ones are left as they are."""
    out: list[DemoUser] = []
    at = app.clock()
    with unit_of_work(app.session_factory) as session:
        for role, username, team, agency in DEMO_USERS:
            if session.scalar(select(User.user_id).where(User.username == username)) is None:
                create_user(session, username=username, password=demo_password(username),
                            role=role, display_name=username, team_id=team,
                            agency_id=agency, actor="seed-demo-users", at=at)
            out.append(DemoUser(role, username, demo_password(username), team, agency))
    return out
