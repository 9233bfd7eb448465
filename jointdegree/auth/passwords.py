"""Password hashing (werkzeug's scrypt) and the minimal password rule."""

from __future__ import annotations

from functools import cache

from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 10
METHOD = "scrypt"


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=METHOD)


def check_password(stored_hash: str, password: str) -> bool:
    return check_password_hash(stored_hash, password)


@cache
def dummy_hash() -> str:
    """Checked when an account does not exist, so that a wrong e-mail costs the same time as a
    wrong password and response times do not reveal which accounts exist."""
    return hash_password("not-a-real-password-only-for-timing")
