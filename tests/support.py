"""Helpers the tests share: PostgreSQL databases of their own, login, CI-aware skipping."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PG_ADMIN_URL = os.environ.get("JOINTDEGREE_TEST_POSTGRES_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"
# Public schemas and domain tables, beside the checkout (../shared/reference).
REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference"


def skip_or_fail(reason: str) -> NoReturn:
    """Skip with a reason on a developer machine; under CI=true a missing service fails."""
    if IN_CI:
        pytest.fail(f"{reason} — under CI=true this test may not be skipped", pytrace=False)
    pytest.skip(reason)


def postgres_available() -> bool:
    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


def _admin_engine() -> Any:
    return create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")


def create_pg_database(name: str) -> str:
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise ValueError(name)
    engine = _admin_engine()
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


@contextmanager
def pg_database(prefix: str, migrated: bool = True) -> Iterator[str]:
    """A PostgreSQL database of this run's own (migrated to head), dropped afterwards; skips
    — or under CI=true fails — when the server is not reachable."""
    if not postgres_available():
        skip_or_fail(f"PostgreSQL is not reachable at {make_url(PG_ADMIN_URL).host}")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    url = create_pg_database(name)
    try:
        if migrated:
            from jointdegree import migrate

            migrate.upgrade(url)
        yield url
    finally:
        drop_pg_database(name)


def drop_pg_database(name: str) -> None:
    engine = _admin_engine()
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


PASSWORD = "correct-horse-battery"


def login(client: Any, email: str, password: str = PASSWORD, remember: bool = False,
          **kwargs: Any) -> Any:
    data = {"email": email, "password": password, "csrf_token": csrf_token(client)}
    if remember:
        data["remember"] = "y"
    return client.post("/login", data=data, **kwargs)


def csrf_token(client: Any, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page)
    if not match:
        raise AssertionError(f"no CSRF token on {path}")
    return match.group(1)


def demo_database(tmp_path_factory: Any) -> Iterator[str]:
    """A migrated database with the demo loaded once, for the test directories that work on the
    demo (each test still runs in its own rolled-back transaction)."""
    import os

    from jointdegree import create_app, migrate
    from jointdegree.db import database

    def load(url: str) -> None:
        from jointdegree.demo import load_demo

        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "test-secret-key-not-for-production",
                          "TESTING": True,
                          "KEYS_DIR": str(tmp_path_factory.getbasetemp() / "signing-keys")})
        with app.app_context():
            load_demo()
        database(app).engine.dispose()

    if os.environ.get("JOINTDEGREE_TEST_DATABASE", "sqlite") == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('demo-db') / 'demo.sqlite3'}"
        migrate.upgrade(url)
        load(url)
        yield url
        return
    with pg_database("jd_demo") as url:
        load(url)
        yield url


def user_by_email(email: str) -> Any:
    """A demo or test user, by address (in the current app context)."""
    from sqlalchemy import select

    from jointdegree.auth.models import User
    from jointdegree.db import session

    return session.scalar(select(User).where(User.email == email))


def student_by_email(email: str) -> Any:
    from sqlalchemy import select

    from jointdegree.db import session
    from jointdegree.planning.models import Student

    return session.scalar(select(Student).where(Student.email == email))
