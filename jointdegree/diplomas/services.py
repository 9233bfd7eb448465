"""Combined diploma records: request (both audits must pass), approval by a registrar of each
institution, issuance signed with the service's Ed25519 key, public verification, revocation and
reissue. There is no edit path: an issued record is corrected by revoking it and issuing a new
one that names it.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from jointdegree.audit.services import record as audit_entry
from jointdegree.auth.models import LoginAttempt, Role, User
from jointdegree.auth.policy import authorize, is_admin, policy
from jointdegree.auth.services import throttle_state
from jointdegree.db import session, utcnow
from jointdegree.diplomas import signing
from jointdegree.diplomas.models import DiplomaApproval, DiplomaRecord, DiplomaStatus
from jointdegree.diplomas.transcript import honours, names_of
from jointdegree.diplomas.transcripts import documents_of
from jointdegree.errors import Conflict, NotFound, Throttled, ValidationFailed
from jointdegree.planning import auditing
from jointdegree.planning.models import Student
from jointdegree.planning.students import registrar_of_partnership

RECORD_TYPE = "jointdegree.combined-diploma"


@policy("diploma.manage")
def _diploma_manage(user: User, student: Any) -> bool:
    """Request, approve, revoke: registrars of either partner of the student's double degree."""
    return is_admin(user) or registrar_of_partnership(user, student.partnership)


@policy("diploma.batch")
def _diploma_batch(user: User, batch: Any) -> bool:
    """A cohort's issuance run: the registrars of the institution it acts for."""
    return is_admin(user) or (user.role is Role.REGISTRAR
                              and user.institution_id == batch.institution_id)


@policy("diploma.batches")
def _diploma_batches(user: User, _target: Any = None) -> bool:
    return is_admin(user) or user.role is Role.REGISTRAR


def keys_directory() -> Path:
    """Signing keys live in the instance folder, outside the database (JOINTDEGREE_KEYS_DIR
    may point elsewhere, e.g. a mounted secret)."""
    configured = current_app.config.get("KEYS_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "keys"


def key_ring() -> signing.KeyRing:
    return signing.KeyRing.ensure(keys_directory())


def public_keys() -> dict[str, Any]:
    return key_ring().public_keys()


# -- reading --------------------------------------------------------------------------------------

def records_of(student: Student) -> list[DiplomaRecord]:
    return list(session.scalars(select(DiplomaRecord).where(
        DiplomaRecord.student_id == student.id).order_by(DiplomaRecord.requested_at)))


def get_record(serial: str) -> DiplomaRecord:
    row = session.scalar(select(DiplomaRecord).where(DiplomaRecord.serial == serial))
    if row is None:
        raise NotFound(_l("No diploma record %(serial)s.", serial=serial))
    return row


def readable_record(serial: str, user: User) -> DiplomaRecord:
    """A record the user may read: the student's own, or their partnership's registrars'."""
    row = get_record(serial)
    authorize("student.read", row.student, user=user)
    return row


def by_code(code: str) -> DiplomaRecord | None:
    normal = signing.normalize_code(code)
    if not normal:
        return None
    return session.scalar(select(DiplomaRecord).where(
        DiplomaRecord.verification_code == normal))


# -- the record's content -------------------------------------------------------------------------

def _serial(partnership_code: str, year: int) -> str:
    count = session.scalar(select(func.count()).select_from(DiplomaRecord)) or 0
    return f"{partnership_code[:12].rstrip('-')}-{year}-{count + 1:06d}"


def content_of(student: Student, report: auditing.StudentAudit, serial: str,
               conferred_on: date, replaces: DiplomaRecord | None) -> dict[str, Any]:
    """Everything the record states, JSON-safe (numbers as strings, as the signature needs)."""
    degrees = []
    for degree in report.degrees:
        totals = degree.audit.totals
        average = degree.audit.average
        degrees.append({
            "institution": {"code": degree.institution.code, "hei_id": degree.institution.hei_id,
                            "names": names_of(degree.institution).as_dict()},
            "programme": {"code": degree.programme.code,
                          "names": names_of(degree.programme).as_dict(),
                          "level": degree.programme.level.value},
            "credits": {"value": format(totals.completed, "f"),
                        "system": degree.institution.credit_system.value},
            "overall_grade": None if average is None else {
                "value": format(average, "f"), "scale": degree.institution.grading_scale},
            "honours": honours(average, degree.institution.grading_scale),
            "documents": list(documents_of(degree.institution,
                                           degree.programme.level.value)),
        })
    partnership = student.partnership
    return {
        "type": RECORD_TYPE, "version": 1, "serial": serial,
        "conferred_on": conferred_on.isoformat(),
        "student": {"family_name": student.family_name, "given_names": student.given_names,
                    "name_han": student.name_han,
                    "birth_date": student.birth_date.isoformat() if student.birth_date else None,
                    "nationality": student.nationality,
                    "numbers": {n.institution.code: n.number for n in student.numbers}},
        "double_degree": {"code": partnership.code, "names": names_of(partnership).as_dict()},
        "degrees": degrees,
        "total_credits": {d["credits"]["system"]: d["credits"]["value"] for d in degrees},
        "replaces": replaces.serial if replaces is not None else None,
    }


# -- changes --------------------------------------------------------------------------------------

def request(student: Student, actor: User, conferred_on: date | None = None,
            replaces: DiplomaRecord | None = None,
            shared: auditing.Shared | None = None) -> DiplomaRecord:
    """A pending record for a student whose audit passes for both degrees (results only).
    ``shared``: the partnership's audit data when the caller issues many (a cohort)."""
    authorize("diploma.manage", student, user=actor)
    if student.birth_date is None:
        raise ValidationFailed(_l("Record the student's date of birth first: the diploma "
                                  "states it."))
    pending = session.scalar(select(DiplomaRecord).where(
        DiplomaRecord.student_id == student.id, DiplomaRecord.status == DiplomaStatus.PENDING))
    if pending is not None:
        raise Conflict(_l("A record is already waiting for approval: %(serial)s.",
                          serial=pending.serial), code="already_pending")
    issued = session.scalar(select(DiplomaRecord).where(
        DiplomaRecord.student_id == student.id, DiplomaRecord.status == DiplomaStatus.ISSUED))
    if issued is not None and replaces is None:
        raise Conflict(_l("A record is already issued (%(serial)s): revoke it to issue a new "
                          "one.", serial=issued.serial), code="already_issued")
    report = auditing.audit_student(student, shared=shared)
    failing = [d.institution.code for d in report.degrees if d.audit.status.value not in (
        "satisfied", "waived")]
    if failing:
        raise ValidationFailed(_l("The audit does not pass yet for: %(degrees)s.",
                                  degrees=", ".join(failing)), code="audit_not_passed")
    conferred_on = conferred_on or datetime.now(UTC).date()
    serial = _serial(student.partnership.code, conferred_on.year)
    row = DiplomaRecord(serial=serial, student_id=student.id, student=student,
                        partnership_id=student.partnership_id, conferred_on=conferred_on,
                        content=content_of(student, report, serial, conferred_on, replaces),
                        replaces_id=replaces.id if replaces is not None else None,
                        requested_by_id=actor.id)
    session.add(row)
    session.flush()
    audit_entry("diploma.request", row, actor=actor, after={"serial": serial},
                institution_id=actor.institution_id)
    session.commit()
    return row


def approve(row: DiplomaRecord, actor: User, title: str) -> DiplomaRecord:
    """One institution's approval; the second one issues the record (signed, with its code)."""
    authorize("diploma.manage", row.student, user=actor)
    if row.status is not DiplomaStatus.PENDING:
        raise Conflict(_l("Only a pending record can be approved."), code="not_pending")
    institution_id = actor.institution_id
    if institution_id is None or institution_id not in row.partnership.institution_ids():
        raise Conflict(_l("A registrar of one of the two institutions approves."),
                       code="not_partner")
    if any(a.institution_id == institution_id for a in row.approvals):
        raise Conflict(_l("Your institution already approved this record."),
                       code="already_approved")
    title = (title or "").strip()[:200]
    if not title:
        message = _l("Give the signatory's title (e.g. Directrice de la scolarité).")
        raise ValidationFailed(message, fields={"title": message})
    row.approvals.append(DiplomaApproval(institution_id=institution_id, user_id=actor.id,
                                         signatory_title=title))
    session.flush()
    audit_entry("diploma.approve", row, actor=actor, after={"serial": row.serial},
                institution_id=institution_id)
    if {a.institution_id for a in row.approvals} >= row.partnership.institution_ids():
        _issue(row, actor)
    session.commit()
    return row


def _issue(row: DiplomaRecord, actor: User) -> None:
    content = dict(row.content)
    content["signatories"] = [
        {"institution": a.institution.code, "name": a.user.display_name if a.user else None,
         "title": a.signatory_title, "approved_at": a.at.astimezone(UTC).isoformat()}
        for a in sorted(row.approvals, key=lambda a: a.institution.code)]
    issued_at = utcnow()
    content["issued_at"] = issued_at.isoformat()
    signed = signing.sign(_nfc(content), key_ring())
    row.content, row.signature = signed["record"], signed["signature"]
    row.verification_code = signing.verification_code(
        row.serial, signed["signature"]["value"].encode())
    row.status, row.issued_at = DiplomaStatus.ISSUED, issued_at
    session.flush()
    audit_entry("diploma.issue", row, actor=actor, after={
        "serial": row.serial, "kid": row.signature["kid"], "code": row.verification_code})


def _nfc(value: Any) -> Any:
    """Text in Unicode NFC before signing: the same name typed on another system (decomposed
    accents) must not break the signature later."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        return {_nfc(k): _nfc(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_nfc(v) for v in value]
    return value


def revoke(row: DiplomaRecord, actor: User, reason: str) -> DiplomaRecord:
    authorize("diploma.manage", row.student, user=actor)
    if row.status is not DiplomaStatus.ISSUED:
        raise Conflict(_l("Only an issued record can be revoked."), code="not_issued")
    reason = (reason or "").strip()
    if not reason:
        message = _l("Say why the record is revoked: the reason is kept with it.")
        raise ValidationFailed(message, fields={"reason": message})
    row.status, row.revoked_at, row.revocation_reason = (DiplomaStatus.REVOKED, utcnow(),
                                                         reason[:2000])
    session.flush()
    audit_entry("diploma.revoke", row, actor=actor, after={"serial": row.serial,
                                                           "reason": row.revocation_reason})
    session.commit()
    return row


def reissue(old: DiplomaRecord, actor: User) -> DiplomaRecord:
    """A new pending record replacing a revoked one (it names the old serial)."""
    if old.status is not DiplomaStatus.REVOKED:
        raise Conflict(_l("Revoke the record before issuing its replacement."),
                       code="not_revoked")
    return request(old.student, actor, old.conferred_on, replaces=old)


# -- verification ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Check:
    """What the public verification page says about a code."""

    status: str  # "valid", "revoked", "unknown", "invalid"
    record: DiplomaRecord | None
    kid: str | None


def verify_code(code: str) -> Check:
    row = by_code(code)
    if row is None or row.signature is None:
        return Check("unknown", None, None)
    result = signing.verify({"record": row.content, "signature": row.signature}, public_keys())
    if not result.ok:
        return Check("invalid", row, row.signature.get("kid"))
    status = "revoked" if row.status is DiplomaStatus.REVOKED else "valid"
    return Check(status, row, row.signature.get("kid"))


VERIFY_ACCOUNT = "(diploma verification)"  # the throttle's "account" for unknown codes


def verify_public(code: str, address: str) -> Check:
    """The public check: guessing codes costs attempts per address, like guessing passwords."""
    state = throttle_state(VERIFY_ACCOUNT, address)
    if state.blocked:
        raise Throttled(_l("Too many unknown codes from your address."),
                        retry_after=state.retry_after)
    check = verify_code(code)
    if check.status == "unknown":
        session.add(LoginAttempt(account=VERIFY_ACCOUNT, address=address, succeeded=False))
        session.commit()
    return check


def open_badge(row: DiplomaRecord, base_url: str | None = None) -> dict[str, Any]:
    """The issued record as an Open Badges 3.0 credential, signed now with the current key
    (eddsa-jcs-2022): wallets and the European Digital Credentials ecosystem read this form."""
    from jointdegree.diplomas import openbadge

    signed_document(row)  # refuses a record that is not issued
    base = (base_url or current_app.config["BASE_URL"]).rstrip("/")
    unsigned = openbadge.credential(row.content, base_url=base,
                                    issuer_name=row.content["double_degree"]["names"])
    return openbadge.sign_credential(unsigned, key_ring())


def signed_document(row: DiplomaRecord) -> dict[str, Any]:
    """The downloadable record: content, signature, and where to find the public keys."""
    if row.signature is None:
        raise Conflict(_l("The record is not issued yet."), code="not_issued")
    return {"record": row.content, "signature": row.signature,
            "keys": "/.well-known/jointdegree-keys.json",
            "status": row.status.value, "revoked_at": row.revoked_at.isoformat()
            if row.revoked_at else None}

