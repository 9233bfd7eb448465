"""Transcripts and combined-diploma records in the JSON API.

Thin handlers over ``diplomas/*``: the same permissions as the pages (a student reads only their
own; a registrar of either partner manages their partnerships' records), the same documents
(the PDF and EMREX/ELMO answers are the files the pages download). There is no endpoint that
changes an issued record: a correction is a revocation and a new request.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from flask import Response, request
from flask_babel import lazy_gettext as _l
from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from jointdegree.api.pagination import ListQuery, Page, paginate
from jointdegree.api.registry import endpoint
from jointdegree.api.schemas import Schema
from jointdegree.auth.models import User
from jointdegree.auth.policy import authorize
from jointdegree.db import MAX_ID
from jointdegree.diplomas import documents, services, transcripts
from jointdegree.diplomas.models import DiplomaRecord, DiplomaStatus
from jointdegree.diplomas.transcript import to_data
from jointdegree.errors import NotFound
from jointdegree.planning.models import Student
from jointdegree.planning.students import get_student, visible_students

READ_ERRORS = (401, 403, 404)
WRITE_ERRORS = (400, 401, 403, 404, 409, 415)


class TranscriptQuery(Schema):
    format: Literal["json", "pdf", "elmo"] = Field(
        "json", description="json (this schema), pdf (A4, French/Chinese) or elmo (EMREX/ELMO "
                            "1.7 XML, one report per awarding institution)")
    english: bool = Field(False, description="Add English beside French and Chinese (pdf)")


class TranscriptOut(Schema):
    number: str = Field(description="Document number: the same content gives the same number")
    issued_on: date
    student: dict[str, Any]
    partnership: dict[str, Any]
    institutions: list[dict[str, Any]]
    degrees: list[dict[str, Any]] = Field(description="Each degree's title, audit status, "
                                                      "credits, average and honours")
    terms: list[dict[str, Any]] = Field(description="Results by term: native credits and grade, "
                                                    "converted ones, and the method's steps")
    years: list[dict[str, Any]]
    averages: dict[str, str | None]
    scales: list[dict[str, Any]]
    diploma: dict[str, str | None]


class DiplomaOut(Schema):
    serial: str
    status: Literal["pending", "issued", "revoked"]
    student: int
    verification_code: str | None
    conferred_on: date
    replaces: str | None
    approved_by: list[str] = Field(description="Institutions that approved")
    revocation_reason: str | None = None


class DiplomaQuery(ListQuery):
    status: Literal["pending", "issued", "revoked"] | None = None
    student: int | None = Field(None, ge=1, le=MAX_ID)


class DiplomaIn(Schema):
    student: int = Field(ge=1, le=MAX_ID)
    conferred_on: date | None = Field(None, description="Default: today")


class ApprovalIn(Schema):
    title: str = Field(min_length=1, max_length=200,
                       description="The signatory's title, e.g. Directrice de la scolarité")


class RevocationIn(Schema):
    reason: str = Field(min_length=1, max_length=2000)


class RecordQuery(Schema):
    format: Literal["signed", "ob3", "pdf"] = Field(
        "signed", description="signed (the record and its Ed25519 signature), ob3 (an Open "
                              "Badges 3.0 credential with a Data Integrity proof) or pdf")


class SignedRecordOut(Schema):
    record: dict[str, Any] = Field(description="The record as signed")
    signature: dict[str, Any] = Field(description="alg (EdDSA: Ed25519), kid, value "
                                                  "(base64url) over the record's canonical "
                                                  "JSON (RFC 8785)")
    keys: str = Field(description="Where the public keys are published")
    status: Literal["issued", "revoked"]
    revoked_at: str | None


class VerificationOut(Schema):
    status: Literal["valid", "revoked", "unknown", "invalid"]
    serial: str | None = None
    kid: str | None = None
    holder: dict[str, Any] | None = None
    degrees: list[dict[str, Any]] = []
    conferred_on: date | None = None
    revoked_on: date | None = None


def _out(row: DiplomaRecord) -> DiplomaOut:
    return DiplomaOut(serial=row.serial, status=row.status.value, student=row.student_id,
                      verification_code=row.verification_code, conferred_on=row.conferred_on,
                      replaces=row.replaces.serial if row.replaces is not None else None,
                      approved_by=sorted(a.institution.code for a in row.approvals),
                      revocation_reason=row.revocation_reason)


@endpoint("GET", "/students/<id:student_id>/transcript", summary="Double-degree transcript",
          tag="diplomas", query=TranscriptQuery, response=TranscriptOut,
          errors=(400, *READ_ERRORS), files=("application/pdf", "application/xml"))
def transcript(user: User, student_id: int, query: TranscriptQuery) -> Any:
    """Both institutions' results by term, native and converted (method named), totals per term
    and year, weighted averages on both scales, both degrees' audit status, and the scales'
    legend with their ECTS grading tables. ``format=pdf`` refuses (400
    ``undrawable_character``) a record with a character the bundled fonts cannot draw."""
    student: Student = get_student(student_id)
    authorize("student.read", student, user=user)
    document = transcripts.assemble(student)
    if query.format != "json":
        return documents.transcript_download(document, query.format, english=query.english)
    return TranscriptOut.model_validate(to_data(document))


@endpoint("GET", "/diplomas", summary="Combined diploma records", tag="diplomas",
          query=DiplomaQuery, response=Page[DiplomaOut], errors=(400, 401))
def list_diplomas(user: User, query: DiplomaQuery) -> Any:
    """Records of the students the caller may see (a student: their own)."""
    visible = visible_students(user).with_only_columns(Student.id).order_by(None)
    statement = (select(DiplomaRecord).where(DiplomaRecord.student_id.in_(visible))
                 .options(selectinload(DiplomaRecord.approvals).selectinload(
                     services.DiplomaApproval.institution),
                          selectinload(DiplomaRecord.replaces)))
    if query.status is not None:
        statement = statement.where(DiplomaRecord.status == DiplomaStatus(query.status))
    if query.student is not None:
        statement = statement.where(DiplomaRecord.student_id == query.student)
    return paginate(statement, query, _out,
                    {"serial": DiplomaRecord.serial, "conferred_on": DiplomaRecord.conferred_on},
                    (DiplomaRecord.id,))


@endpoint("POST", "/diplomas", summary="Request a combined diploma record", tag="diplomas",
          body=DiplomaIn, response=DiplomaOut, status=201, errors=WRITE_ERRORS)
def create_diploma(user: User, body: DiplomaIn) -> Any:
    """A registrar of either partner requests the record of a student whose audit passes for
    both degrees (400 ``audit_not_passed`` otherwise). It is issued — signed, with its
    verification code — when a registrar of each institution has approved it."""
    student = get_student(body.student)
    authorize("student.read", student, user=user)
    row = services.request(student, user, body.conferred_on)
    return _out(row), {"Location": f"/api/v1/diplomas/{row.serial}"}


@endpoint("GET", "/diplomas/<serial>", summary="One combined diploma record", tag="diplomas",
          query=RecordQuery, response=SignedRecordOut, errors=(400, *READ_ERRORS, 409),
          files=("application/pdf", "application/vc+ld+json"))
def get_diploma(user: User, serial: str, query: RecordQuery) -> Any:
    """``format=signed`` (default) answers the downloadable signed record; ``ob3`` the Open
    Badges 3.0 credential; ``pdf`` the printed record. A pending record has none of these
    (409 ``not_issued``): its summary is in the list."""
    row = services.readable_record(serial, user)
    if query.format == "signed":
        return SignedRecordOut.model_validate(services.signed_document(row))
    services.signed_document(row)  # refuses a record that is not issued
    if query.format == "ob3":
        return Response(_json(services.open_badge(row)),
                        mimetype="application/vc+ld+json")
    from jointdegree.diplomas.documents import diploma_pdf

    return Response(diploma_pdf(row.content, row.status.value, row.verification_code),
                    mimetype="application/pdf")


@endpoint("POST", "/diplomas/<serial>/approve", summary="Approve for the caller's institution",
          tag="diplomas", body=ApprovalIn, response=DiplomaOut, errors=WRITE_ERRORS)
def approve_diploma(user: User, serial: str, body: ApprovalIn) -> DiplomaOut:
    """The second institution's approval issues the record."""
    return _out(services.approve(services.readable_record(serial, user), user, body.title))


@endpoint("POST", "/diplomas/<serial>/revoke", summary="Revoke an issued record",
          tag="diplomas", body=RevocationIn, response=DiplomaOut, errors=WRITE_ERRORS)
def revoke_diploma(user: User, serial: str, body: RevocationIn) -> DiplomaOut:
    """The reason is kept and shown by verification; the record itself is never changed."""
    return _out(services.revoke(services.readable_record(serial, user), user, body.reason))


@endpoint("GET", "/verify/<code>", summary="Verify a record by its code (public)",
          tag="diplomas", response=VerificationOut, public=True, errors=(404, 429))
def verify(code: str) -> Any:
    """Valid / revoked / unknown / invalid, with the key that signed it and the record's
    essentials. Unknown codes count against the caller's address (429 when guessing)."""
    check = services.verify_public(code[:40], (request.remote_addr or "unknown")[:64])
    if check.record is None:
        raise NotFound(_l("No record has this code."), code="unknown_code")
    content = check.record.content
    return VerificationOut(
        status=check.status, serial=check.record.serial, kid=check.kid,
        holder={key: content["student"].get(key) for key in (
            "family_name", "given_names", "name_han", "birth_date")},
        degrees=[{"institution": d["institution"]["code"], "programme": d["programme"],
                  "honours": d.get("honours")} for d in content["degrees"]],
        conferred_on=content["conferred_on"],
        revoked_on=check.record.revoked_at.date() if check.record.revoked_at else None)


def _json(data: Any) -> str:
    import json

    return json.dumps(data, ensure_ascii=False, indent=2)
