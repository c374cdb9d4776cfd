"""Users, passwords and API tokens.

Passwords are hashed with scrypt (memory-hard KDF from the standard library), each with its own salt;
API tokens are random, shown once, and stored only as their SHA-256.

The administration functions (:func:`add_user` to :func:`revoke_token_by_id`) take an :data:`Auditor`,
called inside the transaction of every change with an action name and a detail that never holds a
password or token, so the caller can record the change in the same commit without this library knowing
how the audit trail is kept.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from letterdesk.errors import InvalidRequest, InvalidState, NotFound
from storage.db import Database
from storage.models import ROLES, ApiToken, User, utcnow

_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256  # the sign-in form accepts no longer password
USERNAME_LENGTH = User.__table__.c.username.type.length
DISPLAY_NAME_LENGTH = User.__table__.c.display_name.type.length
TOKEN_NAME_LENGTH = ApiToken.__table__.c.name.type.length
#: Names the audit trail uses for actors that are not accounts; no account may take them.
RESERVED_USERNAMES = frozenset({"system", "anonymous"})
ADMIN = "admin"

#: ``auditor(session, action, detail)``: note one change in ``session``'s transaction.
Auditor = Callable[[Session, str, dict], None]


@dataclass(frozen=True)
class UserInfo:
    """The account acting in a session or through a token."""

    id: int
    username: str
    display_name: str
    role: str
    active: bool
    #: changes whenever the password does: a session remembers it, so a password reset ends every session
    session_key: str = ""


@dataclass(frozen=True)
class Account:
    """An account as administrators see it (active or not), with its number of unrevoked API tokens."""

    id: int
    username: str
    display_name: str
    role: str
    active: bool
    created_at: dt.datetime
    live_tokens: int


@dataclass(frozen=True)
class TokenInfo:
    """An API token's record; the token itself is never stored."""

    id: int
    user_id: int
    name: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None

    @property
    def live(self) -> bool:
        return self.revoked_at is None


def _session_key(password_hash: str) -> str:
    """A short digest of the stored (salted) password hash: reveals nothing of the password, and changes
    with it."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def _info(u: User) -> UserInfo:
    return UserInfo(u.id, u.username, u.display_name or u.username, u.role, u.active, _session_key(u.password_hash))


def _account(u: User, live_tokens: int) -> Account:
    return Account(u.id, u.username, u.display_name or u.username, u.role, u.active, u.created_at, live_tokens)


def _token_info(t: ApiToken) -> TokenInfo:
    return TokenInfo(t.id, t.user_id, t.name, t.created_at, t.revoked_at)


# --- validation --------------------------------------------------------------------------------------
def check_password(password: str) -> None:
    """Raise :class:`InvalidRequest` unless ``password`` has 8 to 256 characters (the CLI's and the desk's rule)."""
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise InvalidRequest(f"密码须为 {MIN_PASSWORD_LENGTH}–{MAX_PASSWORD_LENGTH} 个字符 (password length)")


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise InvalidRequest(f"角色必须是 {', '.join(ROLES)} 之一 (unknown role {role!r})")


def _check_username(username: str) -> None:
    if not re.fullmatch(rf"\S{{1,{USERNAME_LENGTH}}}", username):
        raise InvalidRequest(f"用户名须为 1–{USERNAME_LENGTH} 个字符，且不含空格 (invalid username)")
    if username.lower() in RESERVED_USERNAMES:
        raise InvalidRequest(f"用户名「{username}」为系统保留 (reserved username)")


def _check_display_name(display_name: str) -> None:
    if len(display_name) > DISPLAY_NAME_LENGTH:
        raise InvalidRequest(f"显示名称不得超过 {DISPLAY_NAME_LENGTH} 个字符 (display name too long)")


# --- passwords and sign-in ---------------------------------------------------------------------------
def hash_password(password: str) -> str:
    """``scrypt$n$r$p$salt$digest`` of ``password`` with a fresh random salt."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches a :func:`hash_password` string (constant-time compare; False if malformed)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=len(digest) // 2)
    return hmac.compare_digest(candidate.hex(), digest)


def create_user(db: Database, username: str, password: str, role: str, display_name: str = "") -> UserInfo:
    """Create a user, or reset the password/role of an existing one with that name (the CLI's ``user add``)."""
    _check_role(role)
    if not username:
        raise InvalidRequest("用户名不能为空 (empty username)")
    check_password(password)
    with db.session() as s:
        user = s.scalar(select(User).where(User.username == username))
        if user is None:
            user = User(username=username)
            s.add(user)
        user.role = role
        user.display_name = display_name or user.display_name or username
        user.password_hash = hash_password(password)
        user.active = True
        s.flush()
        return _info(user)


def authenticate(db: Database, username: str, password: str) -> UserInfo | None:
    """The active account with this name and password, or None (equal work for unknown or inactive names)."""
    with db.session() as s:
        user = s.scalar(select(User).where(User.username == username))
        if user is None or not user.active:
            verify_password(password, hash_password("timing-equaliser"))
            return None
        return _info(user) if verify_password(password, user.password_hash) else None


def get_user(db: Database, user_id: int) -> UserInfo | None:
    """The *active* user with this id, or None (inactive accounts cannot act)."""
    with db.session() as s:
        user = s.get(User, user_id)
        return _info(user) if user is not None and user.active else None


def list_users(db: Database) -> list[UserInfo]:
    """Every account by user name, active or not."""
    with db.session() as s:
        return [_info(u) for u in s.scalars(select(User).order_by(User.username))]


# --- administration ----------------------------------------------------------------------------------
def _live_token_counts(s: Session) -> dict[int, int]:
    rows = s.execute(select(ApiToken.user_id, func.count()).where(ApiToken.revoked_at.is_(None))
                     .group_by(ApiToken.user_id))
    return {user_id: count for user_id, count in rows}


def list_accounts(db: Database) -> list[Account]:
    """Every account, active or not, by user name, with its number of unrevoked tokens."""
    with db.session() as s:
        counts = _live_token_counts(s)
        return [_account(u, counts.get(u.id, 0)) for u in s.scalars(select(User).order_by(User.username))]


def _load(s: Session, user_id: int) -> User:
    user = s.get(User, user_id)
    if user is None:
        raise NotFound(f"没有编号为 {user_id} 的用户 (no user {user_id})")
    return user


def get_account(db: Database, user_id: int) -> Account:
    """The account with this id, active or not; :class:`NotFound` when there is none."""
    with db.session() as s:
        user = _load(s, user_id)
        return _account(user, _live_token_counts(s).get(user.id, 0))


def _ensure_an_admin_remains(s: Session) -> None:
    """Called after a change that takes an active administrator away: with the session's changes flushed, raise :class:`InvalidState` (rolling them back) when no
    active administrator is left. The active admins' rows are locked (PostgreSQL), so two concurrent
    demotions cannot both pass."""
    s.flush()
    admins = s.scalars(select(User.id).where(User.role == ADMIN, User.active.is_(True)).with_for_update()).all()
    if not admins:
        raise InvalidState("不能取消最后一位在用管理员的管理员角色或停用其账号，请先指定另一位管理员 "
                           "(the last active admin must remain)")


def add_user(db: Database, username: str, display_name: str, role: str, password: str, audit: Auditor) -> Account:
    """Create a new active account (``user_create``); :class:`InvalidRequest` for a bad field or a name in use.
    An empty display name shows the user name."""
    _check_username(username)
    _check_display_name(display_name)
    _check_role(role)
    check_password(password)
    with db.session() as s:
        if s.scalar(select(User.id).where(User.username == username)) is not None:
            raise InvalidRequest(f"用户名「{username}」已被使用 (username taken)")
        user = User(username=username, display_name=display_name or username, role=role,
                    password_hash=hash_password(password), active=True)
        s.add(user)
        s.flush()
        audit(s, "user_create", {"user_id": user.id, "username": username, "role": role,
                                 "display_name": user.display_name})
        return _account(user, 0)


def update_user(db: Database, user_id: int, display_name: str, role: str, audit: Auditor) -> Account:
    """Set the display name and role; each actual change is audited (``user_rename``, ``user_role`` with
    ``from``/``to``). Refused (:class:`InvalidState`) when it would leave no active administrator."""
    _check_display_name(display_name)
    _check_role(role)
    with db.session() as s:
        user = _load(s, user_id)
        new_name = display_name or user.username
        if new_name != user.display_name:
            audit(s, "user_rename", {"user_id": user.id, "username": user.username,
                                     "from": user.display_name, "to": new_name})
            user.display_name = new_name
        if role != user.role:
            audit(s, "user_role", {"user_id": user.id, "username": user.username, "from": user.role, "to": role})
            was_active_admin = user.role == ADMIN and user.active
            user.role = role
            if was_active_admin:
                _ensure_an_admin_remains(s)
        return _account(user, _live_token_counts(s).get(user.id, 0))


def set_active(db: Database, user_id: int, active: bool, by_user_id: int, audit: Auditor) -> Account:
    """Deactivate (``user_deactivate``) or reactivate (``user_reactivate``) an account. A deactivated account
    cannot sign in and its sessions are refused; its API tokens are revoked, so reactivating it does not bring
    them back (new ones are issued). Nobody may deactivate themself (:class:`InvalidRequest`), nor the last
    active administrator (:class:`InvalidState`)."""
    if not active and user_id == by_user_id:
        raise InvalidRequest("不能停用自己的账号 (you cannot deactivate yourself)")
    with db.session() as s:
        user = _load(s, user_id)
        if user.active != active:
            user.active = active
            detail = {"user_id": user.id, "username": user.username}
            if not active:
                live = s.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))).all()
                for token in live:
                    token.revoked_at = utcnow()
                detail["tokens_revoked"] = len(live)
            audit(s, "user_reactivate" if active else "user_deactivate", detail)
            if not active and user.role == ADMIN:
                _ensure_an_admin_remains(s)
        return _account(user, _live_token_counts(s).get(user.id, 0))


def set_password(db: Database, user_id: int, password: str, audit: Auditor) -> None:
    """Replace the account's password (``user_password``; the detail names the account only)."""
    check_password(password)
    with db.session() as s:
        user = _load(s, user_id)
        user.password_hash = hash_password(password)
        audit(s, "user_password", {"user_id": user.id, "username": user.username})


# --- API tokens --------------------------------------------------------------------------------------
def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token(s: Session, user: User, name: str) -> tuple[ApiToken, str]:
    """Add a token row for ``user``; the plaintext is returned and never stored."""
    token = "ld_" + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=name, token_hash=_token_hash(token))
    s.add(row)
    s.flush()
    return row, token


def create_token(db: Database, username: str, name: str = "") -> str:
    """A new API token for ``username``; the plaintext is returned once and never stored."""
    with db.session() as s:
        user = s.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound(f"没有用户 {username}")
        return _new_token(s, user, name)[1]


def issue_token(db: Database, user_id: int, name: str, audit: Auditor) -> tuple[TokenInfo, str]:
    """A new named API token for an active account (``token_create``): its record and the plaintext,
    which is shown once and never stored. :class:`InvalidRequest` for an empty or too long name,
    :class:`InvalidState` for a deactivated account."""
    if not name or len(name) > TOKEN_NAME_LENGTH:
        raise InvalidRequest(f"请填写令牌用途（不超过 {TOKEN_NAME_LENGTH} 个字符） (token name required)")
    with db.session() as s:
        user = _load(s, user_id)
        if not user.active:
            raise InvalidState("账号已停用，不能签发令牌 (account is deactivated)")
        row, token = _new_token(s, user, name)
        audit(s, "token_create", {"user_id": user.id, "username": user.username, "token_id": row.id, "name": name})
        return _token_info(row), token


def list_tokens(db: Database, user_id: int) -> list[TokenInfo]:
    """The account's tokens, newest first, revoked ones included."""
    with db.session() as s:
        rows = s.scalars(select(ApiToken).where(ApiToken.user_id == user_id)
                         .order_by(ApiToken.created_at.desc(), ApiToken.id.desc()))
        return [_token_info(t) for t in rows]


def revoke_token(db: Database, token: str) -> bool:
    """Revoke the token given in plaintext (the CLI's ``user revoke``); False if unknown or already revoked."""
    with db.session() as s:
        row = s.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))
        if row is None or row.revoked_at is not None:
            return False
        row.revoked_at = utcnow()
        return True


def revoke_token_by_id(db: Database, user_id: int, token_id: int, audit: Auditor) -> TokenInfo:
    """Revoke the account's token ``token_id`` at once (``token_revoke``). :class:`NotFound` when the
    account has no such token, :class:`InvalidState` when it is already revoked."""
    with db.session() as s:
        row = s.get(ApiToken, token_id)
        if row is None or row.user_id != user_id:
            raise NotFound(f"该用户没有编号为 {token_id} 的令牌 (no token {token_id} for user {user_id})")
        if row.revoked_at is not None:
            raise InvalidState("该令牌已吊销 (token already revoked)")
        row.revoked_at = utcnow()
        audit(s, "token_revoke", {"user_id": user_id, "username": row.user.username, "token_id": row.id,
                                  "name": row.name})
        return _token_info(row)


def user_for_token(db: Database, token: str) -> UserInfo | None:
    """The active account owning this unrevoked token, or None."""
    with db.session() as s:
        row = s.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token), ApiToken.revoked_at.is_(None)))
        if row is None or not row.user.active:
            return None
        return _info(row.user)
