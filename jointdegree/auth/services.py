"""Accounts and logins: one place for creating users, checking passwords and throttling."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _ln
from sqlalchemy import delete, func, select

from jointdegree.audit.services import record
from jointdegree.auth.models import LoginAttempt, Role, User
from jointdegree.auth.passwords import MIN_LENGTH, check_password, dummy_hash, hash_password
from jointdegree.catalog.models import Institution
from jointdegree.db import session, utcnow
from jointdegree.errors import Throttled, ValidationFailed
from jointdegree.i18n import LANGUAGES


def normalize_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise ValidationFailed(_l("This is not a valid e-mail address."),
                               fields={"email": _l("This is not a valid e-mail address.")}
                               ) from None


def check_password_rule(password: str) -> None:
    if len(password) < MIN_LENGTH:
        message = _l("The password must have at least %(n)d characters.", n=MIN_LENGTH)
        raise ValidationFailed(message, fields={"password": message})


def get_user_by_email(email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def create_user(email: str, password: str, role: Role, *, display_name: str | None = None,
                institution_code: str | None = None, actor: User | None = None,
                locale: str | None = None) -> User:
    """Create an account; a registrar must belong to an institution."""
    email = normalize_email(email)
    check_password_rule(password)
    if get_user_by_email(email) is not None:
        message = _l("An account with this e-mail address already exists.")
        raise ValidationFailed(message, code="duplicate", fields={"email": message})
    institution = None
    if institution_code:
        institution = session.scalar(
            select(Institution).where(Institution.code == institution_code.upper()))
        if institution is None:
            message = _l("There is no institution with code %(code)s.", code=institution_code)
            raise ValidationFailed(message, fields={"institution": message})
    if role is Role.REGISTRAR and institution is None:
        message = _l("A registrar must belong to an institution.")
        raise ValidationFailed(message, fields={"institution": message})
    if locale is not None and locale not in LANGUAGES:
        raise ValidationFailed(_l("Unknown language."), fields={"locale": _l("Unknown language.")})
    user = User(email=email, password_hash=hash_password(password), role=role,
                institution=institution, display_name=display_name or email.split("@")[0],
                locale=locale)
    session.add(user)
    session.flush()
    record("user.create", user, actor=actor,
           after={"email": email, "role": role.value,
                  "institution": institution.code if institution else None},
           institution_id=institution.id if institution else None)
    return user


@dataclass(frozen=True)
class ThrottleState:
    blocked: bool
    retry_after: int  # seconds


def _window() -> timedelta:
    return timedelta(minutes=current_app.config["LOGIN_WINDOW_MINUTES"])


def throttle_state(account: str, address: str, now: datetime | None = None) -> ThrottleState:
    """Whether more attempts are refused, from failures every worker can see (the database)."""
    now = now or utcnow()
    since = now - _window()
    config = current_app.config
    checks = ((LoginAttempt.account == account, config["LOGIN_MAX_FAILURES_ACCOUNT"]),
              (LoginAttempt.address == address, config["LOGIN_MAX_FAILURES_ADDRESS"]))
    for condition, limit in checks:
        count, oldest = session.execute(
            select(func.count(), func.min(LoginAttempt.at))
            .where(condition, LoginAttempt.at > since, LoginAttempt.succeeded.is_(False))
        ).one()
        if count >= limit:
            oldest_at = oldest if oldest.tzinfo else oldest.replace(tzinfo=now.tzinfo)
            retry = int((oldest_at + _window() - now).total_seconds()) + 1
            return ThrottleState(True, max(retry, 1))
    return ThrottleState(False, 0)


def authenticate(email: str, password: str, address: str) -> User | None:
    """Check a login. Returns the user, or ``None`` for any wrong e-mail/password pair.

    Raises :class:`Throttled` when the account or the address had too many recent failures; the
    attempt is then not even checked, so guessing cannot continue behind the block.
    """
    account = email.strip().lower()[:254]
    address = (address or "unknown")[:64]
    now = utcnow()
    state = throttle_state(account, address, now)
    if state.blocked:
        minutes = max(1, (state.retry_after + 59) // 60)
        raise Throttled(_ln("Too many failed logins. Try again in %(num)d minute.",
                            "Too many failed logins. Try again in %(num)d minutes.", minutes),
                        retry_after=state.retry_after)
    user = get_user_by_email(account)
    valid = check_password(user.password_hash if user else dummy_hash(), password)
    ok = bool(user and valid and user.active)
    session.add(LoginAttempt(at=now, account=account, address=address, succeeded=ok))
    # Keep the table small: attempts older than the window no longer count.
    session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - _window()))
    if ok and user is not None:
        user.last_login_at = now
    session.commit()
    return user if ok else None


def change_password(user: User, current: str, new: str) -> None:
    if not check_password(user.password_hash, current):
        message = _l("The current password is not correct.")
        raise ValidationFailed(message, fields={"current_password": message})
    check_password_rule(new)
    user.password_hash = hash_password(new)
    user.auth_version += 1  # ends the user's other sessions
    record("user.password_change", user, actor=user)
    session.commit()


def end_sessions(user: User) -> None:
    """Log out: the session cookie is signed but kept by the browser, so a copy of it would
    stay valid after logout; a new ``auth_version`` makes every earlier session of the account
    stale (logging out on one device logs out the others, as after a password change)."""
    user.auth_version += 1
    session.commit()


def update_preferences(user: User, *, locale: str | None, timezone: str | None) -> None:
    from jointdegree.timezones import is_valid_timezone

    if locale and locale not in LANGUAGES:
        raise ValidationFailed(_l("Unknown language."), fields={"locale": _l("Unknown language.")})
    if timezone and not is_valid_timezone(timezone):
        message = _l("Unknown time zone.")
        raise ValidationFailed(message, fields={"timezone": message})
    before: dict[str, Any] = {"locale": user.locale, "timezone": user.timezone}
    user.locale = locale or None
    user.timezone = timezone or None
    record("user.preferences", user, actor=user, before=before,
           after={"locale": user.locale, "timezone": user.timezone})
    session.commit()


def load_user(session_id: str) -> User | None:
    """Flask-Login loader: ``"<id>.<auth_version>"``; a stale version logs the session out."""
    try:
        user_id, auth_version = (int(part) for part in session_id.split(".", 1))
    except ValueError:
        return None
    user = session.get(User, user_id)
    if user is None or user.auth_version != auth_version or not user.active:
        return None
    return user
