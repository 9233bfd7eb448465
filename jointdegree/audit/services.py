"""Writing audit entries; every state-changing service calls :func:`record`.

Entries are chained by hash as they are written (session hooks in :mod:`jointdegree.audit.models`);
:func:`verify_log` checks the chain (``jointdegree log verify``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any

from flask import g, has_request_context, request
from sqlalchemy import inspect, select

from jointdegree.audit import chain
from jointdegree.audit.models import AuditLogEntry
from jointdegree.db import session


def snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    """A JSON-safe picture of ``fields`` of ``obj`` (Decimals, dates and times as strings)."""
    return {name: _jsonable(getattr(obj, name)) for name in fields}


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal | date | datetime | time):
        return str(value) if isinstance(value, Decimal) else value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def current_channel() -> str:
    if g.get("audit_channel"):
        return g.audit_channel
    if has_request_context():
        return "api" if request.path.startswith("/api/") else "web"
    return "cli"


def record(action: str, entity: Any, *, actor: Any | None,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
           institution_id: int | None = None) -> AuditLogEntry:
    """Add an audit entry to the current transaction (it commits or rolls back with the change).

    The entry gets its place in the hash chain (id, ``prev_hash``, ``hash``) when it is flushed,
    not here: the chain's lock is then taken as late as possible, and an entry whose transaction
    rolls back never took a place in the chain.
    """
    entity = getattr(entity, "_get_current_object", lambda: entity)()  # unwrap current_user
    actor = getattr(actor, "_get_current_object", lambda: actor)()
    state = inspect(entity)
    if state.identity is None:
        session.flush()
    entry = AuditLogEntry(
        actor_id=getattr(actor, "id", None),
        channel=current_channel(),
        action=action,
        entity_type=type(entity).__tablename__,
        entity_id=str(inspect(entity).identity[0]),
        institution_id=institution_id,
        before=before,
        after=after,
    )
    session.add(entry)
    return entry


def history(entity_type: str, entity_id: int | str) -> list[AuditLogEntry]:
    return list(session.scalars(
        select(AuditLogEntry)
        .where(AuditLogEntry.entity_type == entity_type,
               AuditLogEntry.entity_id == str(entity_id))
        .order_by(AuditLogEntry.at, AuditLogEntry.id)))


def verify_log(batch_size: int = 1000) -> chain.Report:
    """Check the whole audit log's hash chain, oldest entry first.

    Rows are read as plain rows, not ORM objects: the identity map must not hand back an entry
    as this session last saw it when the database now says otherwise. They are streamed in
    batches, so the check's memory does not grow with the log.
    """
    table = AuditLogEntry.__table__
    rows = session.execute(select(table).order_by(table.c.id),
                           execution_options={"yield_per": batch_size})
    return chain.verify(rows, _locate)


def _locate(hashes: Collection[str]) -> Mapping[str, int]:
    """Which entries carry these hashes (a broken link's target: moved, or gone)."""
    table = AuditLogEntry.__table__
    wanted = list(hashes)
    found: dict[str, int] = {}
    for start in range(0, len(wanted), 500):
        rows = session.execute(select(table.c.hash, table.c.id).where(
            table.c.hash.in_(wanted[start:start + 500])))
        found.update((entry_hash, entry_id) for entry_hash, entry_id in rows)
    return found
