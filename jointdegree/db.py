"""Engine, session per request, the declarative base and the column types every model shares.

Views, API handlers and CLI commands all reach the database through :data:`session`, a proxy to
one SQLAlchemy session per application context, closed (and rolled back if uncommitted) when that
context ends. Tests swap the session factory for one bound to a rolled-back transaction.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import JSON, DateTime, Engine, Enum, MetaData, Numeric, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator
from werkzeug.local import LocalProxy

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base; the naming convention keeps constraint names stable across databases."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSON}


def utcnow() -> datetime:
    return datetime.now(UTC)


def error_reason(exc: BaseException) -> str:
    """The first line of what the database itself said (not SQLAlchemy's wrapping text)."""
    return str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]


MAX_ID = 2**31 - 1  # ids are 32-bit keys on every backend (the ``<id:…>`` URL converter too)


def as_id(text: str | int | None) -> int | None:
    """A database id from user input, or None: ASCII digits only (``"²".isdigit()`` is true but
    ``int("²")`` fails) within 1..MAX_ID (a larger number overflows the database driver)."""
    if isinstance(text, int):
        return text if 1 <= text <= MAX_ID else None
    text = (text or "").strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 10):
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ID else None


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime; naive values are refused rather than guessed.

    PostgreSQL keeps ``timestamptz``; SQLite has no zone, so the value is stored as UTC and made
    aware again on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: give a time zone (UTC inside)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class ExactDecimal(TypeDecorator[Decimal]):
    """``Numeric(precision, scale)`` that is always :class:`~decimal.Decimal` in Python.

    A value with more decimals than the column holds is an error, not a silent rounding: the
    rounding rule belongs to the domain code that produced the number. SQLite has no decimal type,
    so the value travels as text and is re-read as an exact Decimal of the column's scale (exact
    for the 15 significant digits credits and grades never exceed).
    """

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int, scale: int) -> None:
        super().__init__(precision=precision, scale=scale, asdecimal=True)
        self.quantum = Decimal(1).scaleb(-scale)

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(
                Numeric(self.impl.precision, self.impl.scale, asdecimal=False))
        return dialect.type_descriptor(self.impl)

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("floats are not exact: pass a Decimal or a string")
        try:
            exact = Decimal(value)
            quantized = exact.quantize(self.quantum)
        except (InvalidOperation, TypeError) as exc:
            raise ValueError(f"{value!r} is not a decimal number") from exc
        if quantized != exact:
            raise ValueError(f"{value} has more than {self.impl.scale} decimal places")
        return str(quantized) if dialect.name == "sqlite" else quantized

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(str(value)).quantize(self.quantum)


def str_enum(cls: type[enum.Enum], name: str) -> Enum:
    """A Python enum stored as its string values with a CHECK constraint (no native type:
    adding a value is then a plain migration on both databases)."""
    return Enum(cls, name=name, native_enum=False, create_constraint=True,
                values_callable=lambda e: [m.value for m in e], length=16)


def Credits() -> ExactDecimal:
    """Credits in either system: up to 9999.9, one decimal (half ECTS credits exist)."""
    return ExactDecimal(5, 1)


def Hours() -> ExactDecimal:
    """Hours of work (contact or self-study): up to 99999.9, half hours allowed."""
    return ExactDecimal(6, 1)


def Grade() -> ExactDecimal:
    """A grade on any scale: three decimals covers 0–20 averages and 4.0 grade points."""
    return ExactDecimal(7, 3)


@dataclass
class Database:
    engine: Engine
    sessionmaker: sessionmaker[Session]


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin: otherwise
    # SAVEPOINTs (nested transactions, the test suite's rollback) do not work.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    # Write-ahead log: readers do not block the writer (several server threads or processes).
    cursor.execute("PRAGMA journal_mode=WAL")
    # A larger page cache and memory-mapped reads: catalog searches scan the courses table.
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.execute("PRAGMA mmap_size=268435456")
    cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL; a commit costs no fsync
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN")


def make_engine(url: str) -> Engine:
    """An engine with the house rules: SQLite enforces foreign keys and waits on locks."""
    kwargs: dict[str, Any] = {"future": True}
    if url.startswith("postgresql"):
        kwargs.update(pool_pre_ping=True)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["jointdegree.db"] = Database(
        engine, sessionmaker(bind=engine, expire_on_commit=False))
    app.teardown_appcontext(_close_session)


def database(app: Flask | None = None) -> Database:
    return (app or current_app).extensions["jointdegree.db"]


def get_session() -> Session:
    """The session of the current application context, created on first use."""
    if "db_session" not in g:
        g.db_session = database().sessionmaker()
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.close()


session: Session = LocalProxy(get_session)  # type: ignore[assignment]
