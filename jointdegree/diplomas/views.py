"""Diploma pages: a student's combined diploma record (request, two approvals, revocation,
reissue), the signed record's download, the public verification page and the public keys."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as WerkzeugResponse

from jointdegree.auth.policy import authorize, can
from jointdegree.diplomas import services
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
    row = services.get_record(serial)
    authorize("student.read", row.student)
    body = json.dumps(services.signed_document(row), ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f"attachment; filename={row.serial}.json"})


@bp.route("/verify", methods=["GET", "POST"])
@bp.route("/verify/<code>")
def verify(code: str | None = None) -> str | tuple[str, int] | WerkzeugResponse:
    """Public: anyone (an employer, another university) checks a record by its code."""
    if request.method == "POST":
        typed = (request.form.get("code") or "").strip()[:40]
        return redirect(url_for("diplomas.verify", code=typed) if typed
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
