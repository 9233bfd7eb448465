"""Personal access tokens for the JSON API: create (shown once), authenticate, revoke.

Tokens are 256-bit random strings, so a plain SHA-256 of the token is a safe lookup key (no
salt or slow hash is needed against guessing, unlike passwords).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from jointdegree.audit.services import record
from jointdegree.auth.models import ApiToken, User
from jointdegree.db import session, utcnow
from jointdegree.errors import NotFound, ValidationFailed

TOKEN_PREFIX = "jd_"  # noqa: S105 - a marker, not a secret
MAX_EXPIRY_DAYS = 366
# Writing last_used_at on every request would turn each API read into a write; once a minute
# is precise enough to tell a user which token is in use.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # the only time the clear token exists


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(user: User, name: str, expires_days: int | None = None,
                 actor: User | None = None) -> NewToken:
    name = (name or "").strip()
    errors = {}
    if not name or len(name) > 100:
        errors["name"] = _l("Give the token a name of 1 to 100 characters.")
    if expires_days is not None and not 1 <= expires_days <= MAX_EXPIRY_DAYS:
        errors["expires_days"] = _l("A token expires after 1 to %(max)d days.",
                                    max=MAX_EXPIRY_DAYS)
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    token = ApiToken(user_id=user.id, name=name, prefix=secret[:10], token_hash=hash_token(secret),
                     created_at=now,
                     expires_at=now + timedelta(days=expires_days) if expires_days else None)
    session.add(token)
    session.flush()
    record("token.create", token, actor=actor or user,
           after={"name": name, "prefix": token.prefix,
                  "expires_at": token.expires_at.isoformat() if token.expires_at else None})
    session.commit()
    return NewToken(token, secret)


def list_tokens(user: User) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def revoke_token(user: User, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound(_l("No such token."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record("token.revoke", token, actor=user, after={"prefix": token.prefix})
        session.commit()
    return token


class TokenProblem(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code  # "invalid_token" or "token_expired"


def authenticate_token(secret: str, now: datetime | None = None) -> User:
    """The active user a token belongs to; raises :class:`TokenProblem` otherwise."""
    now = now or utcnow()
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    if token is None or token.revoked_at is not None or not token.user.active:
        raise TokenProblem("invalid_token")
    if token.expires_at is not None and token.expires_at <= now:
        raise TokenProblem("token_expired")
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now
        session.commit()
    return token.user
