"""Issuing a graduating cohort's combined diplomas in one run, resumable after an interruption.

A run acts for one registrar's institution: for each student of the cohort it requests the
record when there is none, and approves it for that institution; the partner's approval (its
own run, or one by one) issues it. Each student is one transaction, and the run skips what is
done, so running it again after a crash continues where it stopped — never a second record for
a student (the service refuses a second pending or issued one) and never a lost one.

The PDFs of the issued records are rendered afterwards on every core (rendering is the slow
part and needs no database), into a folder, skipping files already written.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from jointdegree.auth.models import Role, User
from jointdegree.auth.policy import authorize
from jointdegree.catalog.models import Partnership
from jointdegree.db import session, utcnow
from jointdegree.diplomas import services
from jointdegree.diplomas.models import BatchStatus, DiplomaBatch, DiplomaRecord, DiplomaStatus
from jointdegree.errors import NotFound, ServiceError, ValidationFailed
from jointdegree.planning import auditing
from jointdegree.planning.models import Student


def cohort_students(partnership: Partnership, cohort: str) -> list[int]:
    return list(session.scalars(select(Student.id).where(
        Student.partnership_id == partnership.id, Student.cohort == cohort)
        .order_by(Student.id)))


def start(partnership: Partnership, cohort: str, actor: User, title: str,
          conferred_on: date) -> DiplomaBatch:
    """A new run, or the unfinished run of the same cohort by the same institution (resumed)."""
    if actor.role is not Role.REGISTRAR or actor.institution_id not in (
            partnership.institution_ids()):
        raise ValidationFailed(_l("Only a registrar of one of the two institutions issues a "
                                  "cohort's diplomas."), code="not_partner")
    title = (title or "").strip()[:200]
    if not title:
        message = _l("Give the signatory's title (e.g. Directrice de la scolarité).")
        raise ValidationFailed(message, fields={"title": message})
    ids = cohort_students(partnership, cohort)
    if not ids:
        raise NotFound(_l("No student of cohort %(cohort)s in %(code)s.", cohort=cohort,
                          code=partnership.code))
    batch = session.scalar(select(DiplomaBatch).where(
        DiplomaBatch.partnership_id == partnership.id, DiplomaBatch.cohort == cohort,
        DiplomaBatch.institution_id == actor.institution_id,
        DiplomaBatch.status == BatchStatus.RUNNING).order_by(DiplomaBatch.id.desc()))
    if batch is None:
        batch = DiplomaBatch(partnership_id=partnership.id, cohort=cohort,
                             institution_id=actor.institution_id, user_id=actor.id,
                             signatory_title=title, conferred_on=conferred_on, problems=[])
        session.add(batch)
    batch.total, batch.handled, batch.approved, batch.issued, batch.not_eligible = (
        len(ids), 0, 0, 0, 0)
    batch.problems, batch.updated_at = [], utcnow()
    session.commit()
    return batch


def _one(student: Student, actor: User, batch: DiplomaBatch, shared: auditing.Shared) -> str:
    """What the run did for one student: issued / approved / not_eligible."""
    rows = session.scalars(select(DiplomaRecord).where(DiplomaRecord.student_id == student.id)
                           .options(selectinload(DiplomaRecord.approvals))).all()
    if any(r.status is DiplomaStatus.ISSUED for r in rows):
        return "issued"
    pending = next((r for r in rows if r.status is DiplomaStatus.PENDING), None)
    if pending is None:
        revoked = [r for r in rows if r.status is DiplomaStatus.REVOKED]
        if revoked:  # a revoked record is replaced one by one, with its reason: not in a batch
            return "not_eligible"
        pending = services.request(student, actor, batch.conferred_on, shared=shared)
    if not any(a.institution_id == actor.institution_id for a in pending.approvals):
        pending = services.approve(pending, actor, batch.signatory_title)
    return "issued" if pending.status is DiplomaStatus.ISSUED else "approved"


def run(batch: DiplomaBatch, actor: User,
        progress: Callable[[int], None] | None = None) -> DiplomaBatch:
    """Handle every student of the batch's cohort, committing after each one."""
    authorize("diploma.batch", batch, user=actor)
    partnership = batch.partnership
    shared = auditing.Shared.load(partnership)
    for student_id in cohort_students(partnership, batch.cohort):
        student = session.get(Student, student_id)
        if student is None:
            continue
        try:
            outcome = _one(student, actor, batch, shared)
        except ServiceError as exc:
            session.rollback()
            outcome = "not_eligible"
            # The code lets the progress page say it in its reader's language; the message is
            # what the run printed.
            batch.problems = [*batch.problems, {"student": student_id,
                                                "name": student.display_name, "code": exc.code,
                                                "message": str(exc.message)}]
        batch.handled += 1
        if outcome == "issued":
            batch.issued += 1
        elif outcome == "approved":
            batch.approved += 1
        else:
            batch.not_eligible += 1
        batch.updated_at = utcnow()
        session.commit()
        if progress is not None:
            progress(1)
    batch.status, batch.finished_at = BatchStatus.FINISHED, utcnow()
    session.commit()
    return batch


def batches_for(user: User) -> list[DiplomaBatch]:
    statement = (select(DiplomaBatch).options(selectinload(DiplomaBatch.partnership))
                 .order_by(DiplomaBatch.id.desc()).limit(50))
    if user.role is not Role.ADMIN:
        statement = statement.where(DiplomaBatch.institution_id == user.institution_id)
    return list(session.scalars(statement))


def get_batch(batch_id: int, user: User) -> DiplomaBatch:
    batch = session.get(DiplomaBatch, batch_id)
    if batch is None:
        raise NotFound(_l("No issuance run #%(id)s.", id=batch_id))
    authorize("diploma.batch", batch, user=user)
    return batch


# -- the PDFs, on every core ----------------------------------------------------------------------

def issued_records(partnership: Partnership, cohort: str) -> list[DiplomaRecord]:
    return list(session.scalars(select(DiplomaRecord).join(Student).where(
        Student.partnership_id == partnership.id, Student.cohort == cohort,
        DiplomaRecord.status == DiplomaStatus.ISSUED).order_by(DiplomaRecord.id)))


def write_pdfs(records: Sequence[DiplomaRecord], folder: Path, workers: int | None = None,
               progress: Callable[[int], None] | None = None) -> int:
    """Render each record's PDF into ``folder`` (``SERIAL.pdf``), in parallel; files already
    there are kept (a resumed run does not redo them). Returns how many were written."""
    folder.mkdir(parents=True, exist_ok=True)
    jobs = [(r.serial, r.content, r.status.value, r.verification_code) for r in records
            if not (folder / f"{r.serial}.pdf").exists()]
    if not jobs:
        return 0
    workers = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
    config = {key: current_app.config[key] for key in ("BASE_URL", "SECRET_KEY",
                                                        "DATABASE_URL")}
    if workers == 1:
        with current_app.test_request_context():  # templates expect a request (the CLI has none)
            for job in jobs:
                _render_to(folder, job)
                if progress is not None:
                    progress(1)
        return len(jobs)
    with ProcessPoolExecutor(workers, initializer=_worker_init, initargs=(config,)) as pool:
        for _done in pool.map(_render_in_worker, [(str(folder), job) for job in jobs],
                              chunksize=8):
            if progress is not None:
                progress(1)
    return len(jobs)


def _render_to(folder: Path, job: tuple[str, Any, str, str | None]) -> None:
    from jointdegree.diplomas.documents import diploma_pdf

    serial, content, status, code = job
    pdf = diploma_pdf(content, status, code)
    partial = folder / f".{serial}.pdf.partial"
    partial.write_bytes(pdf)
    partial.replace(folder / f"{serial}.pdf")  # never a half-written PDF under its real name


_WORKER_APP: Any = None


def _worker_init(config: dict[str, Any]) -> None:
    global _WORKER_APP
    from jointdegree import create_app

    _WORKER_APP = create_app(config)


def _render_in_worker(args: tuple[str, tuple[str, Any, str, str | None]]) -> str:
    folder, job = args
    with _WORKER_APP.test_request_context():
        _render_to(Path(folder), job)
    return job[0]
