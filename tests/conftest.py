"""Fixtures: ``app``, ``db`` (a transaction rolled back after each test), ``client``, ``runner``,
``ctx`` (an application context for calling services directly), plus small factories.

The suite runs on SQLite by default and on PostgreSQL with ``JOINTDEGREE_TEST_DATABASE=postgresql``
(``.ci/run`` does both). Each run migrates a fresh database of its own with Alembic, so the tests
also prove the migrations build the schema the models expect.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from jointdegree import create_app, migrate
from jointdegree.db import database
from tests.support import pg_database

BACKEND = os.environ.get("JOINTDEGREE_TEST_DATABASE", "sqlite")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """SQLite-only checks are not collected on PostgreSQL (deselected, not skipped)."""
    if BACKEND == "sqlite":
        return
    kept = [item for item in items if item.get_closest_marker("sqlite_only") is None]
    config.hook.pytest_deselected(items=[i for i in items if i not in kept])
    items[:] = kept


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if BACKEND == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        migrate.upgrade(url)
        yield url
        return
    if BACKEND != "postgresql":
        raise pytest.UsageError(f"JOINTDEGREE_TEST_DATABASE={BACKEND!r}: sqlite or postgresql")
    with pg_database("jd_test") as url:
        yield url


@pytest.fixture
def fresh_postgres_url() -> Iterator[str]:
    """A migrated PostgreSQL database of this test's own, with real commits: for races between
    concurrent transactions (SQLite serializes writers, so it cannot show them)."""
    with pg_database("jd_fresh") as url:
        yield url


@pytest.fixture
def app(database_url: str, tmp_path: Any, tmp_path_factory: pytest.TempPathFactory
        ) -> Iterator[Any]:
    application = create_app({
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "TESTING": True,
        # One signing key ring per test run: the demo's issued records verify in every test.
        "KEYS_DIR": str(tmp_path_factory.getbasetemp() / "signing-keys"),
    })
    application.instance_path = str(tmp_path / "instance")
    yield application
    database(application).engine.dispose()


@pytest.fixture
def db(app: Any) -> Iterator[Session]:
    """Every session of this test (requests included) runs inside one transaction, rolled back
    at the end; service commits become savepoint releases."""
    engine = database(app).engine
    connection = engine.connect()
    transaction = connection.begin()
    factory = database(app).sessionmaker
    factory.configure(bind=connection, join_transaction_mode="create_savepoint")
    own = factory()
    try:
        yield own
    finally:
        own.close()
        transaction.rollback()
        connection.close()


@pytest.fixture
def ctx(app: Any, db: Session) -> Iterator[Any]:
    """An application context for calling services directly (not shared with ``client``)."""
    with app.test_request_context():
        yield app


@pytest.fixture
def client(app: Any, db: Session) -> Any:
    return app.test_client()


@pytest.fixture
def runner(app: Any, db: Session) -> Any:
    return app.test_cli_runner()


@pytest.fixture
def query_counter(app: Any) -> Iterator[list[str]]:
    """Collects the SQL statements run while the test body executes."""
    statements: list[str] = []
    engine = database(app).engine

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    yield statements
    event.remove(engine, "before_cursor_execute", count)


@pytest.fixture
def demo(app: Any, db: Session) -> None:
    """The Nice–Haikou demo data inside this test's transaction."""
    from jointdegree.demo import load_demo

    with app.app_context():
        load_demo()


from tests.factories import *  # noqa: E402, F403 - factories are fixtures too


@pytest.fixture(autouse=True)
def _hash_each_password_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real scrypt hashes, but each distinct password is hashed once per run (speed only)."""
    from functools import lru_cache

    import jointdegree.auth.services as auth_services
    from jointdegree.auth.passwords import hash_password

    monkeypatch.setattr(auth_services, "hash_password", _cached_hash(hash_password, lru_cache))


_HASH_CACHE: dict[str, Any] = {}


def _cached_hash(fn: Any, lru_cache: Any) -> Any:
    if "fn" not in _HASH_CACHE:
        _HASH_CACHE["fn"] = lru_cache(maxsize=None)(fn)
    return _HASH_CACHE["fn"]
