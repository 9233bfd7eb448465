"""Bearer-token authentication for the API (no session cookie, no CSRF).

Failed token attempts count in the same database-backed throttle as failed logins, per
address, so guessing is refused with 429 and ``Retry-After`` on every worker at once.
"""

from __future__ import annotations

from flask import g, request
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _ln

from jointdegree.api.errors import ApiError
from jointdegree.auth.models import LoginAttempt, User
from jointdegree.auth.services import throttle_state
from jointdegree.auth.tokens import TokenProblem, authenticate_token
from jointdegree.db import session, utcnow

TOKEN_ACCOUNT = "(api token)"  # noqa: S105 - the throttle's "account" for token failures

MESSAGES = {
    "missing_token": _l("Send a token: Authorization: Bearer <token>."),
    "invalid_token": _l("This token is not valid (unknown or revoked)."),
    "token_expired": _l("This token has expired. Create a new one on your profile page."),
}


def require_token_user() -> User:
    cached = g.get("api_user")
    if cached is not None:
        return cached
    address = (request.remote_addr or "unknown")[:64]
    state = throttle_state(TOKEN_ACCOUNT, address)
    if state.blocked:
        minutes = max(1, (state.retry_after + 59) // 60)
        raise ApiError(429, "too_many_requests",
                       _ln("Too many failed attempts. Try again in %(num)d minute.",
                           "Too many failed attempts. Try again in %(num)d minutes.", minutes),
                       retry_after=state.retry_after)
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise ApiError(401, "missing_token", MESSAGES["missing_token"])
    try:
        user = authenticate_token(secret.strip())
    except TokenProblem as problem:
        session.add(LoginAttempt(at=utcnow(), account=TOKEN_ACCOUNT, address=address,
                                 succeeded=False))
        session.commit()
        raise ApiError(401, problem.code, MESSAGES[problem.code]) from None
    g.api_user = user
    g._login_user = user  # Flask-Login's current_user, without reading any session cookie
    return user
