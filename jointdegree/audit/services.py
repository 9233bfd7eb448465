"""Writing audit entries; every state-changing service calls :func:`record`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any

from flask import g, has_request_context, request
from sqlalchemy import inspect, select

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
    """Add an audit entry to the current transaction (it commits or rolls back with the change)."""
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
