"""Audit log entries. Rows are only ever inserted: updating or deleting one raises.

The entries form a hash chain (issue #8, see :mod:`jointdegree.audit.chain`): each row carries
``prev_hash``, the hash of the row before it, and ``hash`` over its own content and ``prev_hash``.
The chain is written by two session hooks: :func:`_chain_pending` for entries added as objects
(``record()``, a test, a script) and :func:`_chain_bulk_insert` for bulk inserts through the
session (``session.execute(insert(audit_log), rows)``). An INSERT sent past the session is not
chained and fails on the NOT NULL hash columns, which is the point.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, ForeignKey, Index, Insert, String, event, func, inspect, select
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from jointdegree.audit.chain import GENESIS, HASHED_FIELDS, entry_hash
from jointdegree.db import Base, UTCDateTime, utcnow

# The PostgreSQL advisory lock that serialises appends to the chain ("jdaudit" in ASCII). Any
# 64-bit number would do; it only has to be the same in every process that writes the log.
CHAIN_LOCK_KEY = 0x6A64_6175_6469_74


class AuditLogEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    # "web", "api", "cli" or "system": where the change came from.
    channel: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(64))
    institution_id: Mapped[int | None] = mapped_column(
        ForeignKey("institutions.id", ondelete="RESTRICT"))
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]
    # The hash chain. prev_hash is unique: two entries chaining from the same predecessor (a
    # fork, the trace of two appends that raced past the lock) cannot both be committed.
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_audit_log_entity", "entity_type", "entity_id"),
        Index("ix_audit_log_at", "at"),
    )


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or delete an audit entry."""


@event.listens_for(AuditLogEntry, "before_update")
@event.listens_for(AuditLogEntry, "before_delete")
def _refuse_change(_mapper: Any, _connection: Any, target: AuditLogEntry) -> None:
    raise AppendOnlyError(f"audit log entry {target.id} is append-only")


@event.listens_for(Session, "before_flush")
def _chain_pending(session: Session, _flush_context: Any, _instances: Any) -> None:
    """Give the audit entries about to be inserted their id, ``prev_hash`` and ``hash``.

    Why here, and why the id is set by hand: the id is part of the hashed content (so moving a
    row's content to another id is caught too), and the ORM learns an autoincrement id only from
    the INSERT. Hashing after the INSERT would mean inserting a row without its hash and then
    updating an append-only row. Instead, just before the flush, :func:`_claim` takes the chain's
    lock, reads the newest entry and draws the ids; each row is then inserted once, complete.
    """
    pending = [obj for obj in session.new if isinstance(obj, AuditLogEntry)]
    if not pending:
        return
    # The order the entries were added in is the order they happened in.
    pending.sort(key=lambda obj: inspect(obj).insert_order or 0)
    prev_hash, ids = _claim(session.connection(), len(pending))
    # Every pending entry is (re)chained, even one that carries values from a flush that failed
    # and was rolled back: those values point at a chain position that no longer exists.
    for entry, entry_id in zip(pending, ids, strict=True):
        if entry.at is None:
            entry.at = utcnow()
        entry.id = entry_id
        entry.prev_hash = prev_hash
        entry.hash = prev_hash = entry_hash(entry, prev_hash)


@event.listens_for(Session, "do_orm_execute")
def _chain_bulk_insert(state: ORMExecuteState) -> None:
    """Chain the rows of a bulk ``session.execute(insert(audit_log), [...])``.

    The catalog import writes its per-course entries that way (the ORM's per-row bookkeeping
    would triple its time), and no flush hook sees such a statement: its parameters are chained
    here, in order, before it runs. Pending ORM entries are flushed first, since a Core statement
    would only autoflush them after this hook, chaining both from the same end. An INSERT
    with inline values or ``from_select`` (or one sent on a bare connection) is not chained, and
    the NOT NULL hash columns refuse it.
    """
    statement = state.statement
    if not (isinstance(statement, Insert)
            and getattr(statement.table, "name", None) == AuditLogEntry.__tablename__
            and state.parameters):
        return
    many = isinstance(state.parameters, list | tuple)
    rows = [dict(params) for params in (state.parameters if many else [state.parameters])]
    state.session.flush()
    prev_hash, ids = _claim(state.session.connection(), len(rows))
    for row, entry_id in zip(rows, ids, strict=True):
        if row.get("at") is None:
            row["at"] = utcnow()
        row.update(id=entry_id, prev_hash=prev_hash)
        content = SimpleNamespace(**(dict.fromkeys(HASHED_FIELDS) | row))
        row["hash"] = prev_hash = entry_hash(content, prev_hash)
    state.parameters = rows if many else rows[0]


def _claim(connection: Connection, count: int) -> tuple[str, Sequence[int]]:
    """Lock the end of the chain for this transaction: its newest hash and ``count`` new ids.

    Concurrency: the newest entry is read under a lock held to the end of the transaction, so
    two transactions never chain from the same entry, and ids grow in chain order.

    - PostgreSQL: ``pg_advisory_xact_lock`` on :data:`CHAIN_LOCK_KEY`. A second appender waits
      until the first commits or rolls back, then (READ COMMITTED: each statement sees the latest
      commits) reads the entry the first one added. Only appenders wait, from their first flush
      of an entry to their commit; readers and other writes do not. Ids come from ``nextval`` of
      the column's own sequence, which stays the only source of ids.
    - SQLite: writers are already serialised (one write transaction at a time; in WAL mode a
      transaction whose snapshot is older than another's commit cannot write at all, it fails
      with "database is locked" instead of forking the chain). Ids are ``max(id) + 1``, exactly
      what SQLite itself picks for a rowid table.

    Whatever the backend, the unique ``prev_hash`` turns a fork that slipped past the lock (say,
    a REPEATABLE READ transaction whose snapshot predates the other's commit) into an error.
    """
    table = AuditLogEntry.__table__
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        connection.execute(select(func.pg_advisory_xact_lock(CHAIN_LOCK_KEY)))
    last = connection.execute(
        select(table.c.id, table.c.hash).order_by(table.c.id.desc()).limit(1)).first()
    prev_hash = last.hash if last is not None else GENESIS
    if postgres:
        sequence = func.pg_get_serial_sequence(AuditLogEntry.__tablename__, "id")
        ids: Sequence[int] = list(connection.scalars(
            select(func.nextval(sequence)).select_from(func.generate_series(1, count))))
        return prev_hash, sorted(ids)
    last_id = last.id if last is not None else 0
    return prev_hash, range(last_id + 1, last_id + 1 + count)
