"""The planning tests read and change the demo's twenty students: they share one database with
the demo loaded once per run (each test still runs in a transaction rolled back at the end)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from jointdegree import create_app, migrate
from jointdegree.db import database
from tests.conftest import BACKEND
from tests.support import pg_database


def _load_demo(url: str) -> None:
    from jointdegree.demo import load_demo

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "test-secret-key-not-for-production",
                      "TESTING": True})
    with app.app_context():
        load_demo()
    database(app).engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if BACKEND == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('demo-db') / 'demo.sqlite3'}"
        migrate.upgrade(url)
        _load_demo(url)
        yield url
        return
    with pg_database("jd_demo") as url:
        _load_demo(url)
        yield url
