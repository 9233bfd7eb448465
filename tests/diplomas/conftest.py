"""The diploma tests issue records for the demo's students: they share one database with the
demo loaded once per run (each test still runs in a transaction rolled back at the end)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import demo_database


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from demo_database(tmp_path_factory)
