"""`jointdegree backup` / `restore` (issue #9): every row and every signature survives a round
trip, on SQLite, on PostgreSQL and from one to the other; a damaged, foreign or newer archive, or
a target that holds data, restores nothing at all."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import JSON, func, inspect, select, text

from jointdegree import backup, create_app, migrate
from jointdegree.db import database, make_engine
from jointdegree.diplomas import signing
from tests.support import pg_database

SECRET = "test-secret-key-not-for-production"
Rows = dict[str, list[tuple[Any, ...]]]


# -- helpers --------------------------------------------------------------------------------------

@contextmanager
def app_for(url: str, keys: Path) -> Iterator[Any]:
    application = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET, "TESTING": True,
                              "KEYS_DIR": str(keys)})
    try:
        yield application
    finally:
        database(application).engine.dispose()


def cli(url: str, keys: Path, *args: str, stdin: str | None = None) -> Any:
    with app_for(url, keys) as application:
        return application.test_cli_runner().invoke(args=list(args), input=stdin)


def load_demo_with_edge_cases(url: str, keys: Path) -> None:
    """The demo, plus values it lacks: a binary upload (every byte value), text beyond the BMP,
    a naive local datetime, times, and a JSON column holding SQL NULL beside JSON null."""
    from jointdegree.audit.models import AuditLogEntry
    from jointdegree.db import session
    from jointdegree.demo import load_demo
    from jointdegree.files.models import Upload
    from jointdegree.teaching.models import LectureException, TeachingWindow

    with app_for(url, keys) as application, application.app_context():
        assert load_demo()
        blob = bytes(range(256)) * 40
        session.add(Upload(purpose="syllabus", filename="成绩单 📄.pdf",
                           content_type="application/pdf", size=len(blob),
                           sha256=hashlib.sha256(blob).hexdigest(), data=blob))
        session.add(TeachingWindow(institution_id=1, starts_at=time(8, 0),
                                   ends_at=time(20, 30, 15, 250)))
        session.add(LectureException(series_id=1, original_date=datetime(2026, 11, 3).date(),
                                     moved_to=datetime(2026, 11, 4, 9, 30), moved_fold=1,
                                     reason="moved: 𠀀 beyond the BMP"))
        # before/after never set: SQL NULL, where record() writes JSON null.
        session.add(AuditLogEntry(channel="cli", action="backup.test", entity_type="uploads",
                                  entity_id="1"))
        session.commit()


def table_rows(url: str) -> Rows:
    """Every application table, every column, in primary-key order, read through the models'
    types (so both backends compare); JSON columns also say whether they hold SQL NULL."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            found: Rows = {}
            for table in backup.app_tables():
                flags = [c.is_(None) for c in table.columns if isinstance(c.type, JSON)]
                query = select(*table.columns, *flags).order_by(*table.primary_key.columns)
                found[table.name] = [tuple(row) for row in connection.execute(query)]
            return found
    finally:
        engine.dispose()


def assert_same_rows(expected: Rows, found: Rows) -> None:
    assert found.keys() == expected.keys()
    for name, rows in expected.items():
        assert len(found[name]) == len(rows), name
        for want, got in zip(rows, found[name], strict=True):
            assert got == want, f"{name}: {got!r} != {want!r}"


def assert_records_verify(url: str, keys: Path) -> None:
    """The issued (and revoked) diploma records' signatures hold against the key ring's public
    keys, and the audit log's hash chain is intact."""
    public_keys = signing.KeyRing.load(keys).public_keys()
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text(
                "SELECT serial, content, signature FROM diploma_records "
                "WHERE signature IS NOT NULL ORDER BY id")).all()
    finally:
        engine.dispose()
    assert len(rows) >= 3
    for serial, content, signature in rows:
        content = json.loads(content) if isinstance(content, str) else content
        signature = json.loads(signature) if isinstance(signature, str) else signature
        result = signing.verify({"record": content, "signature": signature}, public_keys)
        assert result.ok, (serial, result)
    verified = cli(url, keys, "log", "verify")
    assert verified.exit_code == 0, verified.output
    assert "audit log intact" in verified.output


def revision_and_tables(url: str) -> tuple[str | None, list[str]]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return migrate.current_revision(connection), inspect(connection).get_table_names()
    finally:
        engine.dispose()


def data_lines(path: Path) -> bytes:
    with gzip.open(path, "rb") as stream:
        stream.readline()
        return stream.read()


def rewrite(source: Path, target: Path, *, header: Callable[[dict], None] | None = None,
            lines: Callable[[list[bytes], dict], list[bytes]] | None = None,
            rehash: bool = True) -> Path:
    """A copy of an archive with its header and/or data lines edited; the checksum and counts
    are recomputed unless ``rehash`` is off (a forged or damaged file)."""
    with gzip.open(source, "rb") as stream:
        document = json.loads(stream.readline())
        body = stream.read().splitlines(keepends=True)
    if lines is not None:
        body = lines(body, document)
    if header is not None:
        header(document)
    if rehash:
        document["sha256"] = hashlib.sha256(b"".join(body)).hexdigest()
        counts, current = {}, None
        for line in body:
            if line.startswith(b"{"):
                current = json.loads(line)["table"]
                counts[current] = 0
            else:
                counts[current] += 1
        for info in document["tables"]:
            info["rows"] = counts[info["name"]]
        document["rows"] = sum(counts.values())
    with gzip.open(target, "wb") as out:
        out.write(json.dumps(document).encode() + b"\n" + b"".join(body))
    return target


def duplicate_last_row(body: list[bytes], _document: dict) -> list[bytes]:
    """An archive whose last table has its last row twice (a unique key then fails)."""
    return [*body, body[-1]]


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


# -- fixtures -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("backup-keys")


@pytest.fixture(scope="module")
def sqlite_source(tmp_path_factory: pytest.TempPathFactory, keys: Path) -> str:
    url = sqlite_url(tmp_path_factory.mktemp("backup-source") / "demo.sqlite3")
    migrate.upgrade(url)
    load_demo_with_edge_cases(url, keys)
    return url


@pytest.fixture(scope="module")
def sqlite_archive(tmp_path_factory: pytest.TempPathFactory, sqlite_source: str,
                   keys: Path) -> Path:
    path = tmp_path_factory.mktemp("backup-archive") / "demo.jdbackup"
    result = cli(sqlite_source, keys, "backup", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1].startswith(f"{path}: ")
    assert "signing keys are not in the archive" in result.output
    return path


@pytest.fixture(scope="module")
def source_rows(sqlite_source: str) -> Rows:
    return table_rows(sqlite_source)


# -- SQLite ---------------------------------------------------------------------------------------

def test_the_source_holds_the_values_worth_checking(source_rows: Rows) -> None:
    """The round trips below are only as good as the data they carry."""
    assert all(source_rows[name] for name in ("diploma_records", "audit_log", "uploads",
                                              "teaching_windows", "notifications"))
    audit = next(t for t in backup.app_tables() if t.name == "audit_log")
    before = [c.name for c in audit.columns if isinstance(c.type, JSON)].index("before")
    null_flags = {row[len(audit.columns) + before] for row in source_rows["audit_log"]}
    assert null_flags == {True, False}  # SQL NULL and JSON null both present
    records = next(t for t in backup.app_tables() if t.name == "diploma_records")
    replaces = list(records.columns.keys()).index("replaces_id")
    assert any(row[replaces] for row in source_rows["diploma_records"])  # a self-reference


def test_archive_format(sqlite_archive: Path, source_rows: Rows) -> None:
    assert sqlite_archive.stat().st_mode & 0o777 == 0o600  # personal data, password hashes
    with gzip.open(sqlite_archive, "rb") as stream:
        header = json.loads(stream.readline())
        body = stream.read()
    assert header["format"] == "jointdegree-backup" and header["version"] == 1
    assert header["alembic_revision"] == migrate.head_revision()
    assert header["source"] == "sqlite"
    assert [t["name"] for t in header["tables"]] == [t.name for t in backup.app_tables()]
    assert {t["name"]: t["rows"] for t in header["tables"]} == {
        name: len(rows) for name, rows in source_rows.items()}
    assert header["sha256"] == hashlib.sha256(body).hexdigest()
    assert b"PRIVATE KEY" not in body and "signing keys" in header["not_included"]


def test_sqlite_backup_restores_every_row_and_signature(
        tmp_path: Path, keys: Path, sqlite_archive: Path, source_rows: Rows) -> None:
    target = sqlite_url(tmp_path / "restored.sqlite3")  # no file, no schema yet
    result = cli(target, keys, "restore", str(sqlite_archive))
    assert result.exit_code == 0, result.output
    total = sum(len(rows) for rows in source_rows.values())
    assert result.stdout.splitlines()[-1].startswith(f"restored {total} rows ")
    assert "  diploma_records" in result.output and "  audit_log" in result.output

    assert revision_and_tables(target)[0] == migrate.head_revision()
    assert_same_rows(source_rows, table_rows(target))
    assert_records_verify(target, keys)
    # Backing the restored database up again writes the very same data.
    again = tmp_path / "again.jdbackup"
    assert cli(target, keys, "backup", str(again)).exit_code == 0
    assert data_lines(again) == data_lines(sqlite_archive)


def test_restore_into_an_already_migrated_empty_database(
        tmp_path: Path, keys: Path, sqlite_archive: Path, source_rows: Rows) -> None:
    target = sqlite_url(tmp_path / "migrated.sqlite3")
    migrate.upgrade(target)
    result = cli(target, keys, "restore", str(sqlite_archive))
    assert result.exit_code == 0, result.output
    assert_same_rows(source_rows, table_rows(target))


def test_an_older_archive_restores_at_its_revision_then_upgrades(
        tmp_path: Path, keys: Path, sqlite_archive: Path, source_rows: Rows) -> None:
    """An archive made by the previous version: restored at its own revision, then `db upgrade`
    runs the newer migrations over the restored rows."""
    scripts = backup._scripts()
    older = scripts.get_revision(migrate.head_revision()).down_revision
    scratch = sqlite_url(tmp_path / "older-schema.sqlite3")
    migrate.upgrade(scratch, older)
    engine = make_engine(scratch)
    with engine.connect() as connection:
        schema = {name: [c["name"] for c in inspect(connection).get_columns(name)]
                  for name in inspect(connection).get_table_names()}
    engine.dispose()

    def project(body: list[bytes], document: dict) -> list[bytes]:
        columns = {t["name"]: t["columns"] for t in document["tables"]}
        kept, keep = [], None
        for line in body:
            if line.startswith(b"{"):
                name = json.loads(line)["table"]
                keep = ([columns[name].index(c) for c in columns[name] if c in schema[name]]
                        if name in schema else None)
                if keep is not None:
                    kept.append(line)
            elif keep is not None:
                values = json.loads(line)
                kept.append(json.dumps([values[i] for i in keep]).encode() + b"\n")
        return kept

    def older_header(document: dict) -> None:
        document["alembic_revision"] = older
        document["tables"] = [dict(t, columns=[c for c in t["columns"] if c in schema[t["name"]]])
                              for t in document["tables"] if t["name"] in schema]

    archive = rewrite(sqlite_archive, tmp_path / "older.jdbackup", header=older_header,
                      lines=project)
    target = sqlite_url(tmp_path / "restored-older.sqlite3")
    result = cli(target, keys, "restore", str(archive))
    assert result.exit_code == 0, result.output
    assert "run `jointdegree db upgrade`" in result.output
    assert revision_and_tables(target)[0] == older
    upgraded = cli(target, keys, "db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    assert revision_and_tables(target)[0] == migrate.head_revision()
    restored = table_rows(target)
    for table in backup.app_tables():
        if table.name not in schema:
            continue
        kept = [i for i, c in enumerate(table.columns) if c.name in schema[table.name]]
        assert ([tuple(row[i] for i in kept) for row in restored[table.name]]
                == [tuple(row[i] for i in kept) for row in source_rows[table.name]]), table.name
    assert_records_verify(target, keys)


def test_restore_refuses_a_database_that_holds_rows(
        tmp_path: Path, keys: Path, sqlite_archive: Path) -> None:
    target = sqlite_url(tmp_path / "busy.sqlite3")
    migrate.upgrade(target)
    engine = make_engine(target)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO login_attempts (at, account, address, succeeded) "
                                "VALUES ('2026-01-01 00:00:00', 'a@example.org', '::1', 0)"))
    engine.dispose()
    before = table_rows(target)
    result = cli(target, keys, "restore", str(sqlite_archive))
    assert result.exit_code == 1
    assert "not empty (login_attempts hold rows)" in result.output
    assert table_rows(target) == before


def _flip_a_byte(source: Path, target: Path) -> Path:
    damaged = bytearray(source.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    target.write_bytes(bytes(damaged))
    return target


def _truncate(source: Path, target: Path) -> Path:
    target.write_bytes(source.read_bytes()[: source.stat().st_size // 2])
    return target


def _edit_a_row(source: Path, target: Path) -> Path:
    def edit(body: list[bytes], _document: dict) -> list[bytes]:
        index = next(i for i, line in enumerate(body) if b'"UCA"' in line)
        return [*body[:index], body[index].replace(b'"UCA"', b'"UCB"'), *body[index + 1:]]

    return rewrite(source, target, lines=edit, rehash=False)


def _miscount(source: Path, target: Path) -> Path:
    def edit(document: dict) -> None:
        document["tables"][0]["rows"] += 1

    return rewrite(source, target, header=edit, rehash=False)


def _not_gzip(_source: Path, target: Path) -> Path:
    target.write_text("id,name\n1,x\n")
    return target


def _not_a_backup(_source: Path, target: Path) -> Path:
    target.write_bytes(gzip.compress(b'{"format": "something-else"}\n'))
    return target


DAMAGES: dict[str, tuple[Callable[[Path, Path], Path], str]] = {
    "flipped byte": (_flip_a_byte, "damaged"),
    "truncated": (_truncate, "truncated"),
    "edited row": (_edit_a_row, "checksum does not match"),
    "wrong count": (_miscount, "the header says"),
    "not gzip": (_not_gzip, "damaged"),
    "not a backup": (_not_a_backup, "not a jointdegree backup"),
}


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_archive_restores_nothing(
        damage: str, tmp_path: Path, keys: Path, sqlite_archive: Path) -> None:
    make, message = DAMAGES[damage]
    archive = make(sqlite_archive, tmp_path / "damaged.jdbackup")
    target = sqlite_url(tmp_path / "target.sqlite3")
    result = cli(target, keys, "restore", str(archive))
    assert result.exit_code == 1, result.output
    assert message in result.output and "Traceback" not in result.output
    assert revision_and_tables(target) == (None, [])  # not even the schema was made
    checked = cli(target, keys, "restore", "--check", str(archive))
    assert checked.exit_code == 1 and message in checked.output


def test_a_failure_while_inserting_rolls_everything_back(
        tmp_path: Path, keys: Path, sqlite_archive: Path) -> None:
    """A well-formed archive whose last rows break a constraint: the tables written before it,
    and the migrations, are rolled back with it."""

    archive = rewrite(sqlite_archive, tmp_path / "duplicate.jdbackup", lines=duplicate_last_row)
    target = sqlite_url(tmp_path / "target.sqlite3")
    result = cli(target, keys, "restore", str(archive))
    assert result.exit_code == 1, result.output
    last_table = backup.app_tables()[-1].name
    assert f"{last_table}: UNIQUE constraint failed" in result.output
    assert "nothing was restored" in result.output
    assert revision_and_tables(target) == (None, [])


def test_an_archive_from_a_newer_version_is_refused(
        tmp_path: Path, keys: Path, sqlite_archive: Path) -> None:
    archive = rewrite(sqlite_archive, tmp_path / "future.jdbackup",
                      header=lambda d: d.update(alembic_revision="ffffffffffff"))
    target = sqlite_url(tmp_path / "target.sqlite3")
    result = cli(target, keys, "restore", str(archive))
    assert result.exit_code == 1
    assert "does not know" in result.output and "newer version" in result.output
    assert revision_and_tables(target) == (None, [])
    newer_format = rewrite(sqlite_archive, tmp_path / "format2.jdbackup",
                           header=lambda d: d.update(version=2))
    result = cli(target, keys, "restore", str(newer_format))
    assert result.exit_code == 1 and "upgrade jointdegree" in result.output


def test_restore_check_reads_the_archive_only(keys: Path, sqlite_archive: Path) -> None:
    result = cli("sqlite:////nonexistent/folder/db.sqlite3", keys, "restore", "--check",
                 str(sqlite_archive))
    assert result.exit_code == 0, result.output
    assert "intact" in result.output and migrate.head_revision() in result.output


def test_backup_refuses_a_database_behind_the_code(tmp_path: Path, keys: Path) -> None:
    older = backup._scripts().get_revision(migrate.head_revision()).down_revision
    url = sqlite_url(tmp_path / "behind.sqlite3")
    migrate.upgrade(url, older)
    result = cli(url, keys, "backup", str(tmp_path / "x.jdbackup"))
    assert result.exit_code == 1 and "run `jointdegree db upgrade` first" in result.output
    assert list(tmp_path.glob("*.jdbackup*")) == []  # no half-written file, no scratch file


def test_values_round_trip_exactly() -> None:
    from decimal import Decimal
    from uuid import uuid4

    from sqlalchemy import JSON as JSONType

    samples = [None, True, 0, -(2**63), "文字 🎓", Decimal("12.500"), Decimal("-0.001"),
               datetime.fromisoformat("2026-03-29T01:59:59.999999+00:00"),
               datetime(2026, 10, 25, 2, 30), time(23, 59, 59, 1), datetime(2026, 1, 1).date(),
               bytes(range(256)), 0.1, float("inf"), uuid4()]
    for value in samples:
        encoded = json.loads(json.dumps(backup.encode_value(value)))
        decoded = backup.decode_value(encoded)
        assert decoded == value and type(decoded) is type(value)
    assert backup._decode_json(backup._encode_json(None, True)) is None
    assert backup._decode_json(backup._encode_json(None, False)) is JSONType.NULL


# -- PostgreSQL -----------------------------------------------------------------------------------

def assert_sequences_ahead(url: str) -> None:
    """Every serial column's next id is past the restored ids (PostgreSQL)."""
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            checked = 0
            for table in backup.app_tables():
                for column in table.primary_key.columns:
                    sequence = connection.scalar(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                                 {"t": table.name, "c": column.name})
                    if sequence is None:
                        continue
                    top = connection.scalar(select(func.max(column))) or 0
                    assert connection.scalar(text("SELECT nextval(:s)"), {"s": sequence}) > top
                    checked += 1
            assert checked == sum(1 for t in backup.app_tables()
                                  if list(t.primary_key.columns.keys()) == ["id"])
    finally:
        engine.dispose()


def assert_new_rows_work(url: str, keys: Path) -> None:
    """The restored database takes new rows: a user (and its audit entry, chained on)."""
    created = cli(url, keys, "user", "create", "after.restore@example.org", "--role", "admin",
                  stdin="a-long-enough-password\n")
    assert created.exit_code == 0, created.output
    verified = cli(url, keys, "log", "verify")
    assert verified.exit_code == 0 and "audit log intact" in verified.output


@pytest.mark.postgres
def test_postgresql_backup_restores_into_postgresql_and_sqlite(
        tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    keys = tmp_path_factory.mktemp("pg-backup-keys")
    with pg_database("jd_bk_src") as source:
        load_demo_with_edge_cases(source, keys)
        expected = table_rows(source)
        archive = tmp_path / "pg.jdbackup"
        result = cli(source, keys, "backup", str(archive))
        assert result.exit_code == 0, result.output

    with pg_database("jd_bk_dst", migrated=False) as target:
        result = cli(target, keys, "restore", str(archive))
        assert result.exit_code == 0, result.output
        assert_same_rows(expected, table_rows(target))
        assert_records_verify(target, keys)
        assert_sequences_ahead(target)
        assert_new_rows_work(target, keys)

    into_sqlite = sqlite_url(tmp_path / "from-pg.sqlite3")
    result = cli(into_sqlite, keys, "restore", str(archive))
    assert result.exit_code == 0, result.output
    assert_same_rows(expected, table_rows(into_sqlite))
    assert_records_verify(into_sqlite, keys)


@pytest.mark.postgres
def test_sqlite_archive_restores_into_postgresql(
        tmp_path: Path, keys: Path, sqlite_archive: Path, source_rows: Rows) -> None:
    """Moving from the embedded SQLite to PostgreSQL: the same rows, the same signatures, the
    same audit chain; and the PostgreSQL database backs up into the very same data."""
    with pg_database("jd_bk_cross", migrated=False) as target:
        result = cli(target, keys, "restore", str(sqlite_archive))
        assert result.exit_code == 0, result.output
        assert_same_rows(source_rows, table_rows(target))
        assert_records_verify(target, keys)
        again = tmp_path / "again.jdbackup"
        assert cli(target, keys, "backup", str(again)).exit_code == 0
        assert data_lines(again) == data_lines(sqlite_archive)
        assert_sequences_ahead(target)
        assert_new_rows_work(target, keys)


@pytest.mark.postgres
def test_postgresql_restore_refuses_rows_and_damage(
        tmp_path: Path, keys: Path, sqlite_archive: Path) -> None:
    with pg_database("jd_bk_refuse") as target:  # migrated, empty
        truncated = tmp_path / "truncated.jdbackup"
        truncated.write_bytes(sqlite_archive.read_bytes()[:-200])
        result = cli(target, keys, "restore", str(truncated))
        assert result.exit_code == 1 and "truncated" in result.output
        assert all(not rows for rows in table_rows(target).values())

        broken = rewrite(sqlite_archive, tmp_path / "dup.jdbackup", lines=duplicate_last_row)
        result = cli(target, keys, "restore", str(broken))
        assert result.exit_code == 1 and "nothing was restored" in result.output
        assert all(not rows for rows in table_rows(target).values())

        assert cli(target, keys, "restore", str(sqlite_archive)).exit_code == 0
        before = table_rows(target)
        result = cli(target, keys, "restore", str(sqlite_archive))
        assert result.exit_code == 1 and "not empty" in result.output
        assert table_rows(target) == before
