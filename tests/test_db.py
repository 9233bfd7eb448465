"""Column types and connection rules every model relies on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, StatementError

from jointdegree.audit.models import AppendOnlyError, AuditLogEntry
from jointdegree.auth.models import LoginAttempt
from jointdegree.catalog.models import Programme
from jointdegree.db import session
from tests.factories import make_institution, make_programme


def test_aware_datetimes_come_back_in_utc(ctx) -> None:
    shanghai = timezone(timedelta(hours=8))
    session.add(LoginAttempt(at=datetime(2027, 3, 28, 9, 30, tzinfo=shanghai),
                             account="a@example.org", address="127.0.0.1", succeeded=False))
    session.commit()
    session.expire_all()
    stored = session.scalar(select(LoginAttempt.at))
    assert stored == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
    assert stored.utcoffset() == timedelta(0)


def test_naive_datetimes_are_refused(ctx) -> None:
    session.add(LoginAttempt(at=datetime(2027, 3, 28, 9, 30), account="a@example.org",
                             address="127.0.0.1", succeeded=False))
    with pytest.raises(StatementError, match="naive datetime"):
        session.flush()
    session.rollback()


def test_credits_are_exact_decimals(ctx) -> None:
    programme = make_programme(make_institution(), required_credits="7.5")
    session.expire_all()
    value = session.scalar(select(Programme.required_credits).where(Programme.id == programme.id))
    assert isinstance(value, Decimal)
    assert value == Decimal("7.5")
    assert value + Decimal("0.1") + Decimal("0.2") == Decimal("7.8")


@pytest.mark.parametrize(("value", "error"), [(7.5, "floats are not exact"),
                                              (Decimal("7.25"), "decimal places")])
def test_credits_refuse_floats_and_silent_rounding(ctx, value, error) -> None:
    institution = make_institution()
    session.add(Programme(institution=institution, code="X", level="master",
                          required_credits=value, duration_semesters=4, name_en="X"))
    with pytest.raises(StatementError, match=error):
        session.flush()
    session.rollback()


def test_foreign_keys_are_enforced(ctx) -> None:
    session.add(Programme(institution_id=999_999, code="X", level="master",
                          required_credits=Decimal(60), duration_semesters=2, name_en="X"))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


@pytest.mark.sqlite_only
def test_sqlite_connections_have_foreign_keys_on(ctx) -> None:
    assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_audit_entries_cannot_be_changed_or_deleted(ctx) -> None:
    make_institution()
    entry = session.scalars(select(AuditLogEntry)).first()
    assert entry is not None and entry.action == "institution.create"
    entry.action = "tampered"
    with pytest.raises(AppendOnlyError):
        session.flush()
    session.rollback()
    entry = session.scalars(select(AuditLogEntry)).first()
    session.delete(entry)
    with pytest.raises(AppendOnlyError):
        session.flush()
    session.rollback()
