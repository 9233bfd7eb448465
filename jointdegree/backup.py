"""Backups: a consistent snapshot of the whole database in one portable file, and its restore.

Why a format of our own rather than SQLite's online-backup API or ``pg_dump``: both of those
restore only into the backend they came from, and ``pg_dump`` must also be installed, at a version
no older than the server's. The house runs SQLite embedded and PostgreSQL deployed, and moving
from the first to the second is exactly when a backup is needed; so one archive restores into
either, whatever it was made from. The price: schema objects are not in the archive (the Alembic
migrations are the schema, and restore rebuilds it from them), and it is slower than a page copy
for databases far larger than a university's registry.

The archive (``format`` "jointdegree-backup", ``version`` 1) is gzip'd UTF-8 JSON lines:

- line 1, the header: ``alembic_revision``, ``created_at``, the ``source`` backend, then
  ``tables`` — every table of :data:`jointdegree.db.Base.metadata` in dependency order
  (``sorted_tables``: parents before children) with its ``columns`` and ``rows`` — the total
  ``rows``, and ``sha256``, the hash of every byte after the header line (uncompressed);
- for each table, a line ``{"table": NAME}`` then one JSON array per row, values in the order of
  the header's columns, rows in primary-key order.

Values are JSON when JSON says them exactly (text, integers, booleans, SQL NULL as ``null``);
anything else is tagged so it comes back as the same Python value on either backend:
``{"$": "decimal", "v": "12.5"}``, ``datetime`` (ISO 8601, with its offset when it has one),
``date``, ``time``, ``bytes`` (base64: uploaded files live in the database), ``float`` (only if
ever needed). A JSON column's value is always wrapped, ``{"$": "json", "v": ...}``, which keeps
JSON ``null`` apart from SQL NULL (the audit log stores the first).

Consistency: the backup reads every table inside one transaction — REPEATABLE READ, read-only on
PostgreSQL (one snapshot for every statement), one read transaction on SQLite (WAL: writers go
on, the reader keeps its snapshot). Rows are streamed (``yield_per``; a server-side cursor on
PostgreSQL), first into a scratch file beside the target: the header needs the data's hash, and
the finished archive replaces the target in one rename, so an interrupted backup never leaves a
half-written file under the archive's name. Archives hold personal data and password hashes:
they are created readable by their owner only (0600).

Restore is all or nothing, and refuses rather than merges: the whole archive is read and checked
(hash, row counts) before the database is touched; the target must hold no row in any table; its
schema is migrated to the archive's revision (never past it: a later migration may transform
data, and it will, on ``jointdegree db upgrade``); then every row goes in, in the archive's
order, in batches, all in the same transaction as the migration, so a failure leaves the
database as it was. On PostgreSQL the id sequences are moved past the restored ids.

Not in the archive: the diploma signing keys (``JOINTDEGREE_KEYS_DIR``, default
``instance/keys``), which are files, kept out of the database on purpose. Back them up separately.
Without them every restored record still verifies against the published public keys (which are
in each verifier's hands too), but the old key can sign no new record.

Pure of Flask and click: the CLI (``jointdegree backup`` / ``restore``) passes the engine and a
progress meter.
"""

from __future__ import annotations

import base64
import copy
import gzip
import hashlib
import json
import os
import shutil
import tempfile
import time as clock
import zlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import IO, Any, Protocol
from uuid import UUID

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import (
    JSON,
    Connection,
    Engine,
    LargeBinary,
    MetaData,
    Table,
    bindparam,
    column,
    func,
    inspect,
    literal,
    select,
    table,
    text,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql.expression import TableClause

from jointdegree import migrate
from jointdegree.db import error_reason, utcnow

FORMAT = "jointdegree-backup"
VERSION = 1
BATCH_ROWS = 1000  # rows per INSERT batch and per streamed fetch
BATCH_BYTES = 8 * 1024 * 1024  # an INSERT batch is also cut at this much archive text
CHUNK_BYTES = 1024 * 1024  # archive text hashed and compressed at a time
MAX_HEADER_BYTES = 16 * 1024 * 1024
KEYS_NOTE = ("The diploma signing keys are not in the archive (JOINTDEGREE_KEYS_DIR, default "
             "instance/keys): back them up separately.")


class BackupError(Exception):
    """A backup or restore that cannot be done, with the reason in one line for the CLI."""


class Meter(Protocol):
    """Progress: told how many rows were just handled (``click.progressbar`` is one)."""

    def update(self, n_steps: int) -> None: ...


# Called with the total number of rows; the context it returns is open while rows move.
StartMeter = Callable[[int], AbstractContextManager[Meter]]


class _Silent:
    def update(self, n_steps: int) -> None:
        """No progress display."""


def no_meter(_total: int) -> AbstractContextManager[Meter]:
    return nullcontext(_Silent())


# -- the header -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class TableInfo:
    name: str
    columns: tuple[str, ...]
    rows: int


@dataclass(frozen=True)
class Header:
    """The archive's first line: what it holds, and the hash that proves it."""

    revision: str
    created_at: str
    source: str
    tables: tuple[TableInfo, ...]
    sha256: str
    version: int = VERSION

    @property
    def rows(self) -> int:
        return sum(info.rows for info in self.tables)

    def to_line(self) -> bytes:
        document = {
            "format": FORMAT,
            "version": self.version,
            "alembic_revision": self.revision,
            "created_at": self.created_at,
            "source": self.source,
            "rows": self.rows,
            "sha256": self.sha256,
            "tables": [{"name": t.name, "columns": list(t.columns), "rows": t.rows}
                       for t in self.tables],
            "not_included": KEYS_NOTE,
        }
        return _dumps(document)

    @classmethod
    def from_line(cls, line: bytes) -> Header:
        """Parse and check the header; anything unexpected is a :class:`BackupError`."""
        try:
            document = json.loads(line)
        except (ValueError, UnicodeDecodeError):
            raise BackupError("not a jointdegree backup (the first line is not JSON)") from None
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise BackupError("not a jointdegree backup (no jointdegree-backup header)")
        version = document.get("version")
        if not isinstance(version, int) or version > VERSION:
            raise BackupError(f"archive format version {version!r}: this jointdegree reads "
                              f"version {VERSION} and older; upgrade jointdegree")
        try:
            tables = tuple(TableInfo(str(t["name"]), tuple(str(c) for c in t["columns"]),
                                     int(t["rows"])) for t in document["tables"])
            return cls(str(document["alembic_revision"]), str(document["created_at"]),
                       str(document["source"]), tables, str(document["sha256"]), version)
        except (KeyError, TypeError, ValueError) as exc:
            raise BackupError(f"damaged archive header (missing or wrong {exc})") from None


@dataclass(frozen=True)
class Summary:
    """What a backup wrote or a restore loaded, for the CLI's report."""

    path: Path
    header: Header
    seconds: float
    size: int = 0
    schema_steps: list[str] = field(default_factory=list)

    @property
    def counts(self) -> list[tuple[str, int]]:
        return [(info.name, info.rows) for info in self.header.tables]


# -- values ---------------------------------------------------------------------------------------

def _dumps(document: Any) -> bytes:
    """One archive line. ``surrogatepass``: SQLite text may hold a lone surrogate; keep it."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False).encode("utf-8", "surrogatepass") + b"\n"


def _loads(line: bytes) -> Any:
    return json.loads(line.decode("utf-8", "surrogatepass"))


def encode_value(value: Any) -> Any:
    """A column value as archive JSON: plain when JSON is exact for it, tagged otherwise."""
    if isinstance(value, Enum):  # stored as its value (str_enum columns)
        return encode_value(value.value)
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return {"$": "decimal", "v": str(value)}
    if isinstance(value, datetime):  # before date: a datetime is a date too
        return {"$": "datetime", "v": value.isoformat()}
    if isinstance(value, date):
        return {"$": "date", "v": value.isoformat()}
    if isinstance(value, time):
        return {"$": "time", "v": value.isoformat()}
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$": "bytes", "v": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, float):
        return {"$": "float", "v": repr(value)}
    if isinstance(value, timedelta):
        return {"$": "interval", "v": [value.days, value.seconds, value.microseconds]}
    if isinstance(value, UUID):
        return {"$": "uuid", "v": str(value)}
    raise BackupError(f"cannot archive a value of type {type(value).__name__}")


_DECODERS: dict[str, Callable[[Any], Any]] = {
    "decimal": Decimal,
    "datetime": datetime.fromisoformat,
    "date": date.fromisoformat,
    "time": time.fromisoformat,
    "bytes": lambda v: base64.b64decode(v, validate=True),
    "float": float,
    "interval": lambda v: timedelta(days=v[0], seconds=v[1], microseconds=v[2]),
    "uuid": UUID,
}


def decode_value(value: Any) -> Any:
    """The inverse of :func:`encode_value` (JSON columns go through :func:`_decode_json`)."""
    if not isinstance(value, dict):
        return value
    decoder = _DECODERS.get(value.get("$", ""))
    if decoder is None:
        raise BackupError(f"unknown value tag {value.get('$')!r} in the archive")
    return decoder(value["v"])


def _encode_json(value: Any, is_sql_null: bool) -> Any:
    return None if is_sql_null else {"$": "json", "v": value}


def _decode_json(value: Any) -> Any:
    """SQL NULL stays ``None``; JSON ``null`` becomes :attr:`JSON.NULL`, which the column type
    (``none_as_null=True`` on restore) writes as JSON ``null``."""
    if value is None:
        return None
    if not isinstance(value, dict) or value.get("$") != "json":
        raise BackupError("a JSON column's value is not tagged as JSON in the archive")
    return JSON.NULL if value["v"] is None else value["v"]


def _is_json(type_: Any) -> bool:
    return isinstance(type_, JSON)


# -- backup ---------------------------------------------------------------------------------------

def app_tables() -> list[Table]:
    """Every application table, parents before children."""
    import jointdegree.models  # noqa: F401 - registers every model on Base.metadata
    from jointdegree.db import Base

    return list(Base.metadata.sorted_tables)


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """One read-only transaction whose every statement sees the same database state."""
    options: dict[str, Any] = {}
    if engine.dialect.name == "postgresql":
        options = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
    with engine.connect() as connection:
        connection = connection.execution_options(**options)
        with connection.begin():
            yield connection


def _require_head(connection: Connection) -> str:
    """The tables are read through the models, so the database must be where the models are."""
    current = migrate.current_revision(connection)
    head = migrate.head_revision()
    if current is None:
        raise BackupError("the database has no schema yet (run `jointdegree db upgrade`)")
    if current != head:
        raise BackupError(f"the database is at revision {current}, this jointdegree at {head}: "
                          "run `jointdegree db upgrade` first, or back up with the jointdegree "
                          "version that matches the database")
    return current


def _count(connection: Connection, source: Table) -> int:
    return int(connection.scalar(select(func.count()).select_from(source)) or 0)


def _scratch(target: Path, kind: str) -> Path:
    """A new empty file beside ``target``, mode 0600 (same file system: the rename is atomic)."""
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                    suffix=f".{kind}")
    os.close(handle)
    return Path(name)


def _fetch_size(source: Table) -> int:
    """Rows per fetch: fewer for a table of files, so memory holds a few files, not a thousand."""
    return 2 if any(isinstance(c.type, LargeBinary) for c in source.columns) else BATCH_ROWS


def _table_rows(connection: Connection, source: Table) -> Iterator[list[Any]]:
    """Stream one table's rows as archive arrays, in primary-key order."""
    json_flags = [col.is_(None).label(f"__null_{col.name}") for col in source.columns
                  if _is_json(col.type)]
    query = select(*source.columns, *json_flags).order_by(*source.primary_key.columns)
    width = len(source.columns)
    is_json = [_is_json(col.type) for col in source.columns]
    result = connection.execution_options(yield_per=_fetch_size(source)).execute(query)
    for row in result:
        flags = iter(row[width:])
        yield [_encode_json(value, bool(next(flags))) if json_col else encode_value(value)
               for value, json_col in zip(row[:width], is_json, strict=True)]


class _Packer:
    """Lines into the gzip stream and the hash, a chunk at a time (not a write per line)."""

    def __init__(self, out: IO[bytes]) -> None:
        self.packed = gzip.GzipFile(filename="", fileobj=out, mode="wb", compresslevel=6,
                                    mtime=0)
        self.digest = hashlib.sha256()
        self.chunk: list[bytes] = []
        self.size = 0

    def add(self, line: bytes) -> None:
        self.chunk.append(line)
        self.size += len(line)
        if self.size >= CHUNK_BYTES:
            self.flush()

    def flush(self) -> None:
        data = b"".join(self.chunk)
        self.digest.update(data)
        self.packed.write(data)
        self.chunk.clear()
        self.size = 0

    def close(self) -> str:
        self.flush()
        self.packed.close()
        return self.digest.hexdigest()


def _dump(connection: Connection, sources: list[Table], counts: dict[str, int], out: IO[bytes],
          start_meter: StartMeter) -> str:
    """Write every table's rows (gzip) to ``out``; the SHA-256 of the uncompressed lines."""
    packer = _Packer(out)
    with start_meter(sum(counts.values())) as meter:
        for source in sources:
            packer.add(_dumps({"table": source.name}))
            written = 0
            for values in _table_rows(connection, source):
                packer.add(_dumps(values))
                written += 1
                if written % BATCH_ROWS == 0:
                    meter.update(BATCH_ROWS)
            meter.update(written % BATCH_ROWS)
            if written != counts[source.name]:  # cannot happen inside one snapshot
                raise BackupError(f"{source.name}: counted {counts[source.name]} rows, "
                                  f"read {written}; the snapshot was not consistent")
    return packer.close()


def write_archive(engine: Engine, path: Path, start_meter: StartMeter = no_meter) -> Summary:
    """Back the whole database up into ``path`` (replaced only once the archive is complete)."""
    started = clock.monotonic()
    path = Path(path)
    if not path.parent.is_dir():
        raise BackupError(f"{path.parent} is not a folder")
    sources = app_tables()
    data_file, final_file = _scratch(path, "data"), _scratch(path, "part")
    try:
        with _snapshot(engine) as connection:
            revision = _require_head(connection)
            created_at = utcnow().isoformat(timespec="seconds")
            counts = {source.name: _count(connection, source) for source in sources}
            with data_file.open("wb") as out:
                digest = _dump(connection, sources, counts, out, start_meter)
        header = Header(revision, created_at, engine.dialect.name,
                        tuple(TableInfo(s.name, tuple(c.name for c in s.columns),
                                        counts[s.name]) for s in sources), digest)
        with final_file.open("wb") as out:
            # Two gzip members, one stream to any reader: the header, then the data as written.
            with gzip.GzipFile(filename="", fileobj=out, mode="wb", mtime=0) as packed:
                packed.write(header.to_line())
            with data_file.open("rb") as data:
                shutil.copyfileobj(data, out)
        os.replace(final_file, path)
    finally:
        data_file.unlink(missing_ok=True)
        final_file.unlink(missing_ok=True)
    return Summary(path, header, clock.monotonic() - started, path.stat().st_size)


# -- reading an archive ---------------------------------------------------------------------------

@contextmanager
def _open_archive(path: Path) -> Iterator[tuple[Header, IO[bytes]]]:
    """The header and the stream of data lines after it; gzip and I/O failures become one
    :class:`BackupError` naming what is wrong with the file."""
    try:
        with gzip.open(path, "rb") as stream:
            first = stream.readline(MAX_HEADER_BYTES)
            if not first.endswith(b"\n"):
                raise BackupError("not a jointdegree backup (no header line)")
            yield Header.from_line(first), stream
    except EOFError:
        raise BackupError(f"{path}: the archive is truncated (the gzip stream ends early)"
                          ) from None
    except (gzip.BadGzipFile, zlib.error) as exc:
        raise BackupError(f"{path}: the archive is damaged ({exc})") from None
    except OSError as exc:
        raise BackupError(f"{path}: cannot read the archive ({exc.strerror or exc})") from None


def check_archive(path: Path) -> Header:
    """Read the whole archive once: its hash and its row counts must match the header.

    Run before a restore touches the database, so a damaged file changes nothing at all (not
    even the schema). Each line's kind is checked; the hash vouches for the rest.
    """
    with _open_archive(Path(path)) as (header, stream):
        digest = hashlib.sha256()
        expected = iter(header.tables)
        counts: dict[str, int] = {}
        current: str | None = None
        for number, line in enumerate(stream, start=2):
            digest.update(line)
            if line.startswith(b"[") and current is not None:
                counts[current] += 1
                continue
            current = _section(line, number, next(expected, None))
            counts[current] = 0
    if digest.hexdigest() != header.sha256:
        raise BackupError(f"{path}: the archive's checksum does not match its header (the file "
                          "was altered or damaged)")
    for info in header.tables:
        if info.name not in counts:
            raise BackupError(f"{path}: table {info.name} is missing from the archive")
        if counts[info.name] != info.rows:
            raise BackupError(f"{path}: table {info.name} holds {counts[info.name]} rows, "
                              f"the header says {info.rows}")
    return header


def _section(line: bytes, number: int, expected: TableInfo | None) -> str:
    """A table's opening line, which must name the next table of the header."""
    try:
        name = _loads(line).get("table") if line.startswith(b"{") else None
    except (ValueError, AttributeError):
        name = None
    if name is None or expected is None or name != expected.name:
        want = expected.name if expected else "no more tables"
        raise BackupError(f"line {number}: expected the start of {want}; the archive is damaged")
    return name


# -- restore --------------------------------------------------------------------------------------

def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))


def _require_known(scripts: ScriptDirectory, revision: str) -> None:
    """An archive from a newer jointdegree may hold columns this code cannot place."""
    try:
        found = scripts.get_revision(revision)
    except CommandError:
        found = None
    if found is None or found.revision != revision:
        raise BackupError(f"the archive is at schema revision {revision}, which this jointdegree "
                          f"does not know (its newest is {scripts.get_current_head()}): the "
                          "backup comes from a newer version; restore it with that version")


def _refuse_if_not_empty(connection: Connection) -> None:
    """Restore never merges: a row anywhere means this is not the new database it should be."""
    names = [n for n in inspect(connection).get_table_names() if n != "alembic_version"]
    filled = [n for n in names
              if connection.execute(select(literal(1)).select_from(table(n)).limit(1)).first()]
    if filled:
        shown = ", ".join(filled[:5]) + (", …" if len(filled) > 5 else "")
        raise BackupError(f"the database is not empty ({shown} hold rows): restore only into "
                          "an empty database; point JOINTDEGREE_DATABASE_URL at a new one")


def _migrate_to(connection: Connection, scripts: ScriptDirectory, revision: str) -> list[str]:
    """Bring the (empty) schema to exactly the archive's revision, inside the restore's
    transaction; a database left at a newer revision, with no rows, is taken down to it."""
    url = connection.engine.url.render_as_string(hide_password=False)
    current = migrate.current_revision(connection)
    if current == revision:
        return []
    if current is not None:
        _require_known(scripts, current)
    ancestors = {script.revision for script in scripts.iterate_revisions(revision, "base")}
    if current is None or current in ancestors:
        migrate.upgrade(url, revision, connection)
        return [f"schema upgraded from {current or 'empty'} to {revision}"]
    migrate.downgrade(url, revision, connection)
    return [f"empty schema downgraded from {current} to the archive's {revision}"]


@dataclass
class _Target:
    """Where one archive table's rows go, and how its values are turned back into Python."""

    clause: TableClause
    columns: tuple[str, ...]
    decoders: tuple[Callable[[Any], Any], ...]
    primary_key: tuple[str, ...]
    # Nullable columns referring to the same table (a reissued diploma names the one it
    # replaces): written after the table's rows, so no row waits for one not yet inserted.
    deferred: tuple[str, ...]
    later: list[dict[str, Any]] = field(default_factory=list)

    def row(self, values: list[Any]) -> dict[str, Any]:
        if len(values) != len(self.columns):
            raise BackupError(f"{self.clause.name}: a row has {len(values)} values for "
                              f"{len(self.columns)} columns")
        row = {name: decode(value)
               for name, decode, value in zip(self.columns, self.decoders, values, strict=True)}
        links = {name: row[name] for name in self.deferred if row[name] is not None}
        if links:
            self.later.append({f"k_{k}": row[k] for k in self.primary_key}
                              | {f"v_{k}": v for k, v in links.items()})
            row.update(dict.fromkeys(links))
        return row


def _restore_type(name: str, column_name: str, reflected: Table) -> Any:
    """The model's column type when the model has the column (its Python conversions: aware
    UTC datetimes, exact decimals), else the database's own; JSON with SQL NULL kept apart."""
    from jointdegree.db import Base

    model = Base.metadata.tables.get(name)
    if model is not None and column_name in model.c:
        type_ = model.c[column_name].type
    else:
        type_ = reflected.c[column_name].type
    if _is_json(type_):
        type_ = copy.copy(type_)
        type_.none_as_null = True
    return type_


def _targets(connection: Connection, header: Header) -> dict[str, _Target]:
    """Match the archive's tables and columns to the migrated database's; any mismatch means
    the archive does not fit the revision it claims."""
    reflected = MetaData()
    names = [info.name for info in header.tables]
    missing = set(names) - set(inspect(connection).get_table_names())
    if missing:
        raise BackupError(f"tables {', '.join(sorted(missing))} of the archive do not exist at "
                          f"revision {header.revision}; the archive is inconsistent")
    reflected.reflect(bind=connection, only=names)
    targets = {}
    for info in header.tables:
        found = reflected.tables[info.name]
        unknown = [c for c in info.columns if c not in found.c]
        if unknown:
            raise BackupError(f"{info.name}: columns {', '.join(unknown)} do not exist at "
                              f"revision {header.revision}; the archive is inconsistent")
        types = [_restore_type(info.name, c, found) for c in info.columns]
        deferred = tuple(fk.parent.name for fk in found.foreign_keys
                         if fk.column.table is found and fk.parent.nullable
                         and fk.parent.name in info.columns)
        targets[info.name] = _Target(
            table(info.name, *(column(c, t) for c, t in zip(info.columns, types, strict=True))),
            info.columns,
            tuple(_decode_json if _is_json(t) else decode_value for t in types),
            tuple(c.name for c in found.primary_key.columns),
            deferred)
    return targets


def _failed(target: _Target, exc: SQLAlchemyError) -> BackupError:
    return BackupError(f"{target.clause.name}: {error_reason(exc)}; the restore was rolled "
                       "back, nothing was restored")


def _insert(connection: Connection, target: _Target, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    try:
        connection.execute(target.clause.insert(), rows)
    except SQLAlchemyError as exc:
        raise _failed(target, exc) from exc
    rows.clear()


def _link(connection: Connection, target: _Target) -> None:
    """Write the deferred self-references once every row of the table is in."""
    if not target.later:
        return
    clause = target.clause
    statement = clause.update()
    for key in target.primary_key:
        statement = statement.where(clause.c[key] == bindparam(f"k_{key}"))
    statement = statement.values({name: bindparam(f"v_{name}", type_=clause.c[name].type)
                                  for name in target.deferred})
    for entry in target.later:  # rows lacking one of several links keep it NULL
        for name in target.deferred:
            entry.setdefault(f"v_{name}", None)
    try:
        connection.execute(statement, target.later)
    except SQLAlchemyError as exc:
        raise _failed(target, exc) from exc
    target.later.clear()


def _load(connection: Connection, stream: IO[bytes], targets: dict[str, _Target],
          meter: Meter) -> None:
    """Insert the archive's rows table by table, in batches (the file is streamed)."""
    current: _Target | None = None
    batch: list[dict[str, Any]] = []
    size = 0
    for line in stream:
        if line.startswith(b"{"):
            if current is not None:
                _insert(connection, current, batch)
                _link(connection, current)
            current = targets[_loads(line)["table"]]
            continue
        if current is None:
            raise BackupError("a row comes before any table in the archive")
        batch.append(current.row(_loads(line)))
        size += len(line)
        if len(batch) >= BATCH_ROWS or size >= BATCH_BYTES:
            meter.update(len(batch))
            _insert(connection, current, batch)
            size = 0
    if current is not None:
        meter.update(len(batch))
        _insert(connection, current, batch)
        _link(connection, current)


def _check_counts(connection: Connection, header: Header) -> None:
    for info in header.tables:
        found = connection.scalar(select(func.count()).select_from(table(info.name)))
        if found != info.rows:
            raise BackupError(f"{info.name}: {found} rows after the restore, the archive has "
                              f"{info.rows}; nothing was restored")


_OWNED_SEQUENCES = text("""
    SELECT quote_ident(ns.nspname) || '.' || quote_ident(seq.relname) AS sequence,
           tab.relname AS table_name, att.attname AS column_name
    FROM pg_class seq
    JOIN pg_namespace ns ON ns.oid = seq.relnamespace
    JOIN pg_depend dep ON dep.objid = seq.oid AND dep.classid = 'pg_class'::regclass
                      AND dep.refclassid = 'pg_class'::regclass AND dep.deptype IN ('a', 'i')
    JOIN pg_class tab ON tab.oid = dep.refobjid
    JOIN pg_attribute att ON att.attrelid = tab.oid AND att.attnum = dep.refobjsubid
    WHERE seq.relkind = 'S' AND ns.nspname = current_schema()
""")


def reset_sequences(connection: Connection) -> None:
    """Rows came in with their ids, so the serial sequences never moved: set each past its
    column's largest id (an empty table's starts at 1 again). PostgreSQL only (a restore; the
    benchmarks' bulk loads)."""
    quote = connection.dialect.identifier_preparer.quote
    for sequence, table_name, column_name in connection.execute(_OWNED_SEQUENCES).all():
        connection.execute(
            text(f"SELECT setval(CAST(:sequence AS regclass), "  # noqa: S608 - quoted names
                 f"COALESCE(MAX({quote(column_name)}), 0) + 1, false) FROM {quote(table_name)}"),
            {"sequence": sequence})


def restore_archive(engine: Engine, path: Path, start_meter: StartMeter = no_meter) -> Summary:
    """Restore ``path`` into the empty database behind ``engine``: all of it, or nothing."""
    started = clock.monotonic()
    path = Path(path)
    try:
        header = check_archive(path)
        scripts = _scripts()
        _require_known(scripts, header.revision)
    except BackupError as exc:
        raise BackupError(f"{exc}; nothing was restored") from None
    try:
        with engine.begin() as connection:
            _refuse_if_not_empty(connection)
            steps = _migrate_to(connection, scripts, header.revision)
            targets = _targets(connection, header)
            with _open_archive(path) as (_header, stream), start_meter(header.rows) as meter:
                _load(connection, stream, targets, meter)
            _check_counts(connection, header)
            if connection.dialect.name == "postgresql":
                reset_sequences(connection)
    except SQLAlchemyError as exc:
        raise BackupError(f"the restore failed and was rolled back, nothing was restored: "
                          f"{error_reason(exc)}") from exc
    return Summary(path, header, clock.monotonic() - started, path.stat().st_size, steps)
