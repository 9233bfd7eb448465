"""The audit log is a hash chain (#8): service changes chain, `log verify` names every entry that
was edited, deleted or moved behind the services' back, concurrent appenders never fork the
chain, and the migration chains the entries a database already had."""

from __future__ import annotations

import csv
import io
import threading
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import JSON, bindparam, func, insert, select, text
from sqlalchemy.orm import Session

from jointdegree import create_app, migrate
from jointdegree.audit import chain
from jointdegree.audit.models import AuditLogEntry
from jointdegree.audit.services import verify_log
from jointdegree.catalog import transfer
from jointdegree.catalog.records import COLUMNS
from jointdegree.db import database, make_engine, session
from tests.factories import course_row, make_institution
from tests.support import pg_database

CHAIN_REVISION = "1bb465385627"
audit_log = AuditLogEntry.__table__


def _rows(db: Session) -> list[Any]:
    return list(db.execute(select(audit_log).order_by(audit_log.c.id)))


def _ids(db: Session) -> list[int]:
    return list(db.scalars(select(AuditLogEntry.id).order_by(AuditLogEntry.id)))


def _verify(runner: Any) -> Any:
    return runner.invoke(args=["log", "verify"])


# -- writing the chain ----------------------------------------------------------------------------

def test_service_changes_form_a_chain(world, db) -> None:
    rows = _rows(db)
    assert len(rows) >= 8  # institutions, programmes, a term, users, a partnership
    assert rows[0].prev_hash == chain.GENESIS
    for previous, row in pairwise(rows):
        assert row.prev_hash == previous.hash
        assert row.id > previous.id
    for row in rows:
        assert row.hash == chain.entry_hash(row, row.prev_hash)
    assert len({row.hash for row in rows}) == len(rows)


def test_entries_of_one_flush_chain_in_the_order_they_were_recorded(ctx) -> None:
    for n in range(3):
        session.add(AuditLogEntry(channel="system", action=f"test.{n}", entity_type="t",
                                  entity_id=str(n), after={"名": "海南大学", "n": n}))
    session.commit()
    rows = _rows(session)
    assert [row.action for row in rows] == ["test.0", "test.1", "test.2"]
    assert verify_log().ok


def test_the_hash_covers_every_field_and_the_previous_hash() -> None:
    entry = AuditLogEntry(id=7, at=datetime(2026, 9, 1, 8, 0, tzinfo=UTC), actor_id=3,
                          channel="web", action="result.record", entity_type="results",
                          entity_id="12", institution_id=1, before=None,
                          after={"grade": "15.5", "名": "张"})
    base = chain.entry_hash(entry, chain.GENESIS)
    assert chain.canonical(entry, chain.GENESIS).decode() == (
        '{"action":"result.record","actor_id":3,"after":{"grade":"15.5","名":"张"},'
        '"at":"2026-09-01T08:00:00.000000+00:00","before":null,"channel":"web",'
        '"entity_id":"12","entity_type":"results","id":7,"institution_id":1,'
        '"prev_hash":"' + chain.GENESIS + '"}')
    assert chain.entry_hash(entry, "f" * 64) != base
    for name, value in [("id", 8), ("actor_id", None), ("channel", "api"), ("action", "x"),
                        ("entity_type", "x"), ("entity_id", "13"), ("institution_id", 2),
                        ("before", {}), ("after", {"grade": "15.6", "名": "张"}),
                        ("at", datetime(2026, 9, 1, 8, 0, 0, 1, tzinfo=UTC))]:
        changed = AuditLogEntry(**{c: getattr(entry, c) for c in chain.HASHED_FIELDS
                                   if c != "prev_hash"} | {name: value})
        assert chain.entry_hash(changed, chain.GENESIS) != base, name


def _csv(rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def test_a_catalog_reimport_chains_its_bulk_inserted_entries(app, world, db) -> None:
    """The import writes one entry per updated course with a bulk INSERT (no flush hook sees
    it): those rows are chained too, between the entries around them."""
    first = _csv([course_row("A1"), course_row("A2"), course_row("A3")])
    second = _csv([course_row("A1", credits="3"), course_row("A2", credits="3"),
                       course_row("A3")])
    with app.test_request_context():
        transfer.import_catalog(world["nice"], first, "a.csv", None)
        transfer.import_catalog(world["nice"], second, "a.csv", None)
        actions = [row.action for row in _rows(session)][-3:]
        assert actions == ["course.update", "course.update", "catalog.import"]
        report = verify_log()
        assert report.ok, [str(b) for b in report.breaks]


def test_a_bulk_insert_after_a_pending_entry_chains_after_it(ctx) -> None:
    session.add(_entry("pending"))  # not flushed yet
    session.execute(insert(audit_log), [
        {"channel": "system", "action": f"test.bulk{n}", "entity_type": "t", "entity_id": "b",
         "before": None, "after": {"n": n}} for n in range(2)])
    session.execute(insert(audit_log), {"channel": "system", "action": "test.single",
                                        "entity_type": "t", "entity_id": "s"})
    session.commit()
    assert [row.action for row in _rows(session)] == [
        "test.pending", "test.bulk0", "test.bulk1", "test.single"]
    assert verify_log().ok


# -- verifying it ---------------------------------------------------------------------------------

def test_log_verify_passes_on_an_untouched_log(world, db, runner) -> None:
    result = _verify(runner)
    assert result.exit_code == 0, result.output
    assert f"audit log intact: {len(_rows(db))} entries" in result.output
    assert f"newest hash: {_rows(db)[-1].hash}" in result.output


def test_an_entry_edited_with_plain_sql_is_named(world, db, runner) -> None:
    target = _ids(db)[3]
    db.execute(text("UPDATE audit_log SET after = :after WHERE id = :id")
               .bindparams(bindparam("after", type_=JSON)),
               {"after": {"code": "FORGED"}, "id": target})
    result = _verify(runner)
    assert result.exit_code == 1
    assert f"entry {target}: edited" in result.output
    assert [line for line in result.output.splitlines() if line.startswith("entry ")] == [
        f"entry {target}: edited (its content does not match its hash)"]
    assert "audit log broken: 1 of" in result.output


def test_an_edit_that_also_rewrites_the_hash_shows_at_the_next_entry(app, world, db) -> None:
    with app.app_context():
        ids = _ids(db)
        db.execute(text("UPDATE audit_log SET action = 'forged', hash = :h WHERE id = :id"),
                   {"h": "a" * 64, "id": ids[2]})
        breaks = verify_log().breaks
    assert [(b.entry_id, b.kind) for b in breaks] == [(ids[2], "edited"), (ids[3], "deleted")]
    assert f"entry {ids[2]} was rewritten" in breaks[1].detail


def test_a_deleted_entry_is_named_by_the_entry_after_the_gap(world, db, runner) -> None:
    ids = _ids(db)
    db.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": ids[4]})
    result = _verify(runner)
    assert result.exit_code == 1
    assert f"entry {ids[5]}: deleted" in result.output
    assert f"an entry after entry {ids[3]} is gone" in result.output
    assert "edited" not in result.output


def test_deleting_the_first_entries_is_detected(app, world, db) -> None:
    ids = _ids(db)
    db.execute(text("DELETE FROM audit_log WHERE id <= :id"), {"id": ids[1]})
    with app.app_context():
        breaks = verify_log().breaks
    assert [(b.entry_id, b.kind) for b in breaks] == [(ids[2], "deleted")]


def test_swapped_entries_are_reported_as_reordered(world, db, runner) -> None:
    ids = _ids(db)
    a, b = ids[2], ids[3]
    for old, new in [(a, -1), (b, a), (-1, b)]:
        db.execute(text("UPDATE audit_log SET id = :new WHERE id = :old"),
                   {"old": old, "new": new})
    result = _verify(runner)
    assert result.exit_code == 1
    assert f"entry {a}: reordered (it chains from entry {b}" in result.output
    assert f"entry {ids[4]}: reordered" in result.output
    # the id is part of the hash: a row that moved is also edited
    assert f"entry {a}: edited" in result.output and f"entry {b}: edited" in result.output



# -- concurrent appenders -------------------------------------------------------------------------

def _entry(label: str) -> AuditLogEntry:
    return AuditLogEntry(channel="system", action=f"test.{label}", entity_type="t",
                         entity_id=label)


def _in_thread(target: Any) -> tuple[threading.Thread, dict[str, Any]]:
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            target()
            outcome["ok"] = True
        except Exception as exc:  # reported by the test, not lost in the thread
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def _no_fork(url: str) -> None:
    """The chain is intact and no two entries share a predecessor."""
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "x"})
    try:
        with app.app_context():
            report = verify_log()
            assert report.ok, [str(b) for b in report.breaks]
            assert session.scalar(select(func.count(func.distinct(audit_log.c.prev_hash)))) \
                == report.entries
    finally:
        database(app).engine.dispose()


@pytest.mark.postgres
def test_a_second_appender_waits_for_the_first_and_chains_after_it(fresh_postgres_url) -> None:
    """PostgreSQL: the advisory lock makes the second transaction wait until the first
    commits, then read the entry the first one added (without the lock both would chain from
    the same entry, and the unique prev_hash would refuse the second)."""
    engine = make_engine(fresh_postgres_url)
    try:
        first = Session(engine)
        first.add(_entry("first"))
        first.flush()  # holds the chain's lock until it commits

        def second() -> None:
            with Session(engine) as other:
                other.add(_entry("second"))
                other.commit()

        thread, outcome = _in_thread(second)
        thread.join(1.0)
        assert thread.is_alive(), "the second appender did not wait for the first"
        first.commit()
        first.close()
        thread.join(10)
        assert outcome == {"ok": True}
        with engine.connect() as connection:
            rows = list(connection.execute(select(audit_log).order_by(audit_log.c.id)))
        assert [row.action for row in rows] == ["test.first", "test.second"]
        assert rows[1].prev_hash == rows[0].hash
    finally:
        engine.dispose()
    _no_fork(fresh_postgres_url)


@pytest.mark.postgres
def test_many_concurrent_appenders_keep_one_chain(fresh_postgres_url) -> None:
    engine = make_engine(fresh_postgres_url)
    try:
        def append(worker: int) -> None:
            for n in range(5):
                with Session(engine) as own:
                    own.add(_entry(f"{worker}.{n}"))
                    own.commit()

        started = [_in_thread(lambda w=w: append(w)) for w in range(6)]
        for thread, _outcome in started:
            thread.join(30)
        assert [outcome for _thread, outcome in started] == [{"ok": True}] * 6
    finally:
        engine.dispose()
    _no_fork(fresh_postgres_url)


def test_a_racing_appender_on_sqlite_fails_or_waits_but_never_forks(tmp_path) -> None:
    """SQLite serialises writers: a transaction that read the chain before another appender
    committed cannot write any more ("database is locked"); it never chains from a stale end."""
    url = f"sqlite:///{tmp_path / 'race.sqlite3'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        first = Session(engine)
        first.add(_entry("first"))
        first.flush()

        def second() -> None:
            with Session(engine) as other:
                other.add(_entry("second"))
                other.commit()

        thread, outcome = _in_thread(second)
        thread.join(0.5)
        first.commit()
        first.close()
        thread.join(10)
        assert outcome.get("ok") or "database is locked" in str(outcome.get("error"))
    finally:
        engine.dispose()
    _no_fork(url)


# -- the migration --------------------------------------------------------------------------------

def _previous_revision() -> str:
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    down = script.get_revision(CHAIN_REVISION).down_revision
    assert isinstance(down, str)
    return down


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'backfill.sqlite3'}"
        return
    with pg_database("jd_chain", migrated=False) as url:
        yield url


def test_the_migration_chains_the_entries_a_database_already_had(empty_database) -> None:
    url = empty_database
    migrate.upgrade(url, _previous_revision())
    engine = make_engine(url)
    sqlite = engine.dialect.name == "sqlite"
    # As the previous revision's code wrote them: SQLite keeps naive UTC text, PostgreSQL any
    # offset (this one is Paris summer time).
    times = (["2026-09-01 08:00:00.000000", "2026-09-01 08:00:00.250000",
              "2026-09-02 01:30:00.000000"] if sqlite else
             ["2026-09-01 10:00:00+02", "2026-09-01 10:00:00.25+02", "2026-09-02 09:30:00+08"])
    insert = text(
        "INSERT INTO audit_log (at, actor_id, channel, action, entity_type, entity_id, "
        "institution_id, before, after) VALUES (:at, NULL, 'cli', :action, 'institutions', "
        ":entity_id, NULL, :before, :after)"
    ).bindparams(bindparam("before", type_=JSON), bindparam("after", type_=JSON))
    try:
        with engine.begin() as connection:
            for n, at in enumerate(times):
                connection.execute(insert, {
                    "at": at, "action": f"legacy.{n}", "entity_id": str(n),
                    "before": None if n == 0 else {"n": n - 1},
                    "after": {"n": n, "name_zh": "海南大学", "grade": "15.5"}})
    finally:
        engine.dispose()

    migrate.upgrade(url)

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "x"})
    try:
        result = app.test_cli_runner().invoke(args=["log", "verify"])
        assert result.exit_code == 0, result.output
        assert "audit log intact: 3 entries" in result.output
        with app.app_context():  # a new entry continues the backfilled chain
            make_institution("AFTER")
            session.commit()
            rows = _rows(session)
            assert rows[0].prev_hash == chain.GENESIS
            assert rows[-1].prev_hash == rows[-2].hash
            assert verify_log().entries == 4 and verify_log().ok
    finally:
        database(app).engine.dispose()

    migrate.downgrade(url, _previous_revision())  # the entries stay, the chain goes
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            assert connection.scalar(text("SELECT count(*) FROM audit_log")) == 4
    finally:
        engine.dispose()
