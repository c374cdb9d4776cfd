"""Users, passwords and API tokens.

Passwords are hashed with scrypt (memory-hard KDF from the standard library), each with its own salt;
API tokens are random, shown once, and stored only as their SHA-256.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select

from letterdesk.errors import InvalidRequest, NotFound
from storage.db import Database
from storage.models import ROLES, ApiToken, User, utcnow

_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


@dataclass(frozen=True)
class UserInfo:
    id: int
    username: str
    display_name: str
    role: str
    active: bool


def _info(u: User) -> UserInfo:
    return UserInfo(u.id, u.username, u.display_name or u.username, u.role, u.active)


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=len(digest) // 2)
    return hmac.compare_digest(candidate.hex(), digest)


def create_user(db: Database, username: str, password: str, role: str, display_name: str = "") -> UserInfo:
    """Create a user, or reset the password/role of an existing one with that name."""
    if role not in ROLES:
        raise InvalidRequest(f"角色必须是 {', '.join(ROLES)} 之一 (unknown role {role!r})")
    if not username or len(password) < 8:
        raise InvalidRequest("用户名不能为空，密码至少 8 个字符")
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
    with db.session() as s:
        user = s.scalar(select(User).where(User.username == username))
        if user is None or not user.active:
            verify_password(password, hash_password("timing-equaliser"))
            return None
        return _info(user) if verify_password(password, user.password_hash) else None


def get_user(db: Database, user_id: int) -> UserInfo | None:
    with db.session() as s:
        user = s.get(User, user_id)
        return _info(user) if user is not None and user.active else None


def list_users(db: Database) -> list[UserInfo]:
    with db.session() as s:
        return [_info(u) for u in s.scalars(select(User).order_by(User.username))]


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(db: Database, username: str, name: str = "") -> str:
    """A new API token for ``username``; the plaintext is returned once and never stored."""
    token = "ld_" + secrets.token_urlsafe(32)
    with db.session() as s:
        user = s.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound(f"没有用户 {username}")
        s.add(ApiToken(user_id=user.id, name=name, token_hash=_token_hash(token)))
    return token


def revoke_token(db: Database, token: str) -> bool:
    with db.session() as s:
        row = s.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))
        if row is None or row.revoked_at is not None:
            return False
        row.revoked_at = utcnow()
        return True


def user_for_token(db: Database, token: str) -> UserInfo | None:
    with db.session() as s:
        row = s.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token), ApiToken.revoked_at.is_(None)))
        if row is None or not row.user.active:
            return None
        return _info(row.user)
