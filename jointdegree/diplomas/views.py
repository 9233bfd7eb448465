"""Diploma pages: a student's combined diploma record (request, two approvals, revocation,
reissue), the signed record's download, the public verification page and the public keys."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as WerkzeugResponse

from jointdegree.auth.policy import authorize, can
from jointdegree.diplomas import batches, documents, services, transcripts
from jointdegree.errors import Conflict, Throttled, ValidationFailed
from jointdegree.i18n import content_language
from jointdegree.planning.students import get_student

bp = Blueprint("diplomas", __name__)


@bp.route("/students/<id:student_id>/diploma", methods=["GET", "POST"])
@login_required
def student_diploma(student_id: int) -> str | WerkzeugResponse:
    student = get_student(student_id)
    authorize("student.read", student)
    manage = can(current_user, "diploma.manage", student)
    if request.method == "POST":
        authorize("diploma.manage", student)
        action = request.form.get("action", "")
        try:
            if action == "request":
                services.request(student, current_user)
                flash(_("Diploma record requested: each institution now approves it."),
                      "success")
            elif action == "approve":
                row = services.get_record(request.form.get("serial", ""))
                services.approve(row, current_user, request.form.get("title", ""))
                flash(_("Approved.") if row.status.value == "pending" else _(
                    "Approved by both institutions: the record is issued and signed."),
                    "success")
            elif action == "revoke":
                services.revoke(services.get_record(request.form.get("serial", "")),
                                current_user, request.form.get("reason", ""))
                flash(_("Record revoked; verification now says so."), "success")
            elif action == "reissue":
                services.reissue(services.get_record(request.form.get("serial", "")),
                                 current_user)
                flash(_("A replacement record is waiting for approval."), "success")
            else:
                abort(400)
        except (ValidationFailed, Conflict) as exc:
            flash(str(exc.message), "error")
            for message in exc.fields.values():
                flash(str(message), "error")
        return redirect(url_for("diplomas.student_diploma", student_id=student.id))
    return render_template("diplomas/student.html", student=student, manage=manage,
                           records=services.records_of(student), lang=content_language())


@bp.route("/diplomas/<serial>.json")
@login_required
def download(serial: str) -> Response:
    row = services.readable_record(serial, current_user)
    body = json.dumps(services.signed_document(row), ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f"attachment; filename={row.serial}.json"})


@bp.route("/diplomas/<serial>.pdf")
@login_required
def download_pdf(serial: str) -> Response:
    row = services.readable_record(serial, current_user)
    services.signed_document(row)  # refuses a record that is not issued yet
    pdf = documents.diploma_pdf(row.content, row.status.value, row.verification_code,
                                english=request.args.get("english") == "1")
    return documents.attachment(pdf, "application/pdf", f"{row.serial}.pdf")


@bp.route("/diplomas/<serial>.ob3.json")
@login_required
def download_badge(serial: str) -> Response:
    row = services.readable_record(serial, current_user)
    body = json.dumps(services.open_badge(row), ensure_ascii=False, indent=2)
    return documents.attachment(body.encode(), "application/vc+ld+json", f"{row.serial}.ob3.json")


@bp.route("/students/<id:student_id>/transcript")
@login_required
def transcript(student_id: int) -> str:
    student = get_student(student_id)
    authorize("student.read", student)
    document = transcripts.assemble(student)
    undrawable = None
    try:
        documents.refuse_undrawable(document.text())
    except ValidationFailed as exc:
        undrawable = str(exc.message)
    return render_template("diplomas/transcript.html", student=student, undrawable=undrawable,
                           **documents.transcript_context(document,
                                                          request.args.get("english") == "1"))


@bp.route("/students/<id:student_id>/transcript.<any(pdf, elmo, json):format>")
@login_required
def transcript_file(student_id: int, format: str) -> Response:
    student = get_student(student_id)
    authorize("student.read", student)
    return documents.transcript_download(transcripts.assemble(student), format,
                                         english=request.args.get("english") == "1")


@bp.route("/diplomas/batches")
@login_required
def batch_list() -> str:
    """The cohort issuance runs of the registrar's institution (started with
    ``jointdegree diploma issue``)."""
    authorize("diploma.batches")
    return render_template("diplomas/batches.html", batches=batches.batches_for(current_user),
                           batch=None)


@bp.route("/diplomas/batches/<id:batch_id>")
@login_required
def batch_page(batch_id: int) -> str:
    batch = batches.get_batch(batch_id, current_user)
    return render_template("diplomas/batches.html", batch=batch, batches=[])


@bp.route("/verify", methods=["GET", "POST"])
@bp.route("/verify/<code>")
def verify(code: str | None = None) -> str | tuple[str, int] | WerkzeugResponse:
    """Public: anyone (an employer, another university) checks a record by its code."""
    if request.method == "POST":
        typed = (request.form.get("code") or "").strip()[:40]
        # _method: the POST rule has no <code>; without it the code lands in a query string
        # the verdict page never reads.
        return redirect(url_for("diplomas.verify", code=typed, _method="GET") if typed
                        else url_for("diplomas.verify"))
    if code is None:
        return render_template("diplomas/verify.html", check=None, code="", lang=content_language())
    try:
        check = services.verify_public(code[:40], (request.remote_addr or "unknown")[:64])
    except Throttled as exc:
        return render_template("diplomas/verify.html", check=None, code=code[:40],
                               lang=content_language(),
                               throttled=max(1, (exc.retry_after + 59) // 60)), 429
    status = 404 if check.status == "unknown" else 200
    return render_template("diplomas/verify.html", check=check, code=code[:40],
                           lang=content_language()), status



@bp.route("/.well-known/jointdegree-keys.json")
def keys() -> Response:
    return Response(json.dumps(services.public_keys(), indent=2), mimetype="application/json",
                    headers={"Cache-Control": "public, max-age=3600",
                             "Access-Control-Allow-Origin": "*"})
