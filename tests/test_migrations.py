"""Alembic builds the schema the models describe, and takes it down again, on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, inspect

from jointdegree import migrate
from jointdegree.db import make_engine
from jointdegree.models import Base
from tests.support import pg_database


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    with pg_database("jd_mig", migrated=False) as url:
        yield url


def test_upgrade_check_and_downgrade(empty_database: str) -> None:
    engine = make_engine(empty_database)
    try:
        migrate.upgrade(empty_database)
        tables = set(inspect(engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
        with engine.connect() as connection:
            assert migrate.current_revision(connection) == migrate.head_revision()
            assert migrate.schema_drift(connection) == []

        migrate.downgrade(empty_database, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrate.upgrade(empty_database)  # and back up again, from empty
        with engine.connect() as connection:
            assert migrate.schema_drift(connection) == []
    finally:
        engine.dispose()


def test_migration_files_follow_the_naming_template() -> None:
    from jointdegree.paths import MIGRATIONS

    names = [p.name for p in (MIGRATIONS / "versions").glob("*.py")]
    assert names
    for name in names:
        date_part, revision, _slug = name.split("_", 2)
        assert len(date_part) == 8 and date_part.isdigit(), name
        assert revision.isalnum(), name


def test_drift_is_detected(tmp_path) -> None:
    """The check is not vacuous: a schema missing a table is reported."""
    url = f"sqlite:///{tmp_path / 'drift.sqlite3'}"
    migrate.upgrade(url)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE notifications")
    with engine.connect() as connection:
        drift = migrate.schema_drift(connection)
    engine.dispose()
    assert any(item[0] == "add_table" and item[1].name == "notifications" for item in drift)
