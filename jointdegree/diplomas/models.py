"""Combined double-diploma records: requested, approved by both institutions, issued signed, and
never edited afterwards — a correction is a revocation plus a new record that names the old one."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jointdegree.auth.models import User
from jointdegree.catalog.models import Institution, Partnership
from jointdegree.db import Base, UTCDateTime, str_enum, utcnow
from jointdegree.planning.models import Student


class DiplomaStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for the approval of both institutions
    ISSUED = "issued"
    REVOKED = "revoked"


class DiplomaRecord(Base):
    __tablename__ = "diploma_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(32), unique=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="RESTRICT"),
                                            index=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnerships.id", ondelete="RESTRICT"))
    status: Mapped[DiplomaStatus] = mapped_column(str_enum(DiplomaStatus, "diploma_status"),
                                                  default=DiplomaStatus.PENDING)
    conferred_on: Mapped[date] = mapped_column(Date)
    # The record as signed (canonical JSON of it is what the signature covers).
    content: Mapped[dict[str, Any]]
    signature: Mapped[dict[str, Any] | None]  # {"alg", "kid", "value"} once issued
    verification_code: Mapped[str | None] = mapped_column(String(32), unique=True)
    replaces_id: Mapped[int | None] = mapped_column(
        ForeignKey("diploma_records.id", ondelete="RESTRICT"))
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revocation_reason: Mapped[str | None] = mapped_column(Text)

    student: Mapped[Student] = relationship()
    partnership: Mapped[Partnership] = relationship()
    approvals: Mapped[list[DiplomaApproval]] = relationship(
        back_populates="record", cascade="all, delete-orphan", order_by="DiplomaApproval.at")
    replaces: Mapped[DiplomaRecord | None] = relationship(remote_side=[id])


class DiplomaApproval(Base):
    """One institution's approval of a pending record (both are needed to issue)."""

    __tablename__ = "diploma_approvals"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(
        ForeignKey("diploma_records.id", ondelete="RESTRICT"), index=True)
    institution_id: Mapped[int] = mapped_column(
        ForeignKey("institutions.id", ondelete="RESTRICT"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    signatory_title: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    record: Mapped[DiplomaRecord] = relationship(back_populates="approvals")
    institution: Mapped[Institution] = relationship()
    user: Mapped[User | None] = relationship()

    __table_args__ = (UniqueConstraint("record_id", "institution_id"),)


FROZEN = ("serial", "student_id", "partnership_id", "conferred_on", "content", "signature",
          "verification_code", "replaces_id", "issued_at")


class IssuedRecordChanged(RuntimeError):
    """Raised when code tries to change an issued record: there is no edit path, by design."""


@event.listens_for(DiplomaRecord, "before_update")
def _refuse_edits(_mapper: Any, _connection: Any, target: DiplomaRecord) -> None:
    """An issued record only ever changes its status to revoked (with when and why)."""
    from sqlalchemy import inspect

    state = inspect(target)
    status = state.attrs.status.history
    was_issued = (status.deleted and status.deleted[0] is not DiplomaStatus.PENDING) or (
        not status.has_changes() and target.status is not DiplomaStatus.PENDING)
    if not was_issued:
        return
    changed = [name for name in FROZEN if state.attrs[name].history.has_changes()]
    if changed:
        raise IssuedRecordChanged(f"issued diploma record {target.serial} cannot be edited "
                                  f"({', '.join(changed)}): revoke it and issue a new one")


@event.listens_for(DiplomaRecord, "before_delete")
def _refuse_delete(_mapper: Any, _connection: Any, target: DiplomaRecord) -> None:
    if target.status is not DiplomaStatus.PENDING:
        raise IssuedRecordChanged(f"issued diploma record {target.serial} cannot be deleted")


class BatchStatus(enum.StrEnum):
    RUNNING = "running"
    FINISHED = "finished"


class DiplomaBatch(Base):
    """One institution's issuance run over a graduating cohort, with its progress.

    Each student is handled in its own transaction and the run skips what is already done (a
    record this institution approved, or an issued one), so an interrupted run is resumed by
    running it again: nothing is issued twice and nothing is lost."""

    __tablename__ = "diploma_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnerships.id", ondelete="RESTRICT"), index=True)
    cohort: Mapped[str] = mapped_column(String(16))
    institution_id: Mapped[int] = mapped_column(
        ForeignKey("institutions.id", ondelete="RESTRICT"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    signatory_title: Mapped[str] = mapped_column(String(200))
    conferred_on: Mapped[date] = mapped_column(Date)
    status: Mapped[BatchStatus] = mapped_column(str_enum(BatchStatus, "diploma_batch_status"),
                                                default=BatchStatus.RUNNING)
    total: Mapped[int] = mapped_column(Integer, default=0)  # students of the cohort
    handled: Mapped[int] = mapped_column(Integer, default=0)  # looked at in this run
    approved: Mapped[int] = mapped_column(Integer, default=0)  # waiting for the partner now
    issued: Mapped[int] = mapped_column(Integer, default=0)
    not_eligible: Mapped[int] = mapped_column(Integer, default=0)
    problems: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{student, message}]
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    partnership: Mapped[Partnership] = relationship()
    institution: Mapped[Institution] = relationship()
    user: Mapped[User | None] = relationship()
