"""Student pages: the list, a student's record (identity, certificates, results, exceptions,
plans), result entry one by one, by roster and by file, and each programme's requirements."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse

from jointdegree.auth.models import Role
from jointdegree.auth.policy import authorize, can
from jointdegree.catalog import services as catalog
from jointdegree.catalog.courses import get_course
from jointdegree.catalog.models import AcademicTerm, Course, Programme
from jointdegree.db import as_id, session
from jointdegree.errors import Conflict, NotFound, ValidationFailed
from jointdegree.files import services as files
from jointdegree.forms import apply_errors
from jointdegree.i18n import content_language, localized
from jointdegree.planning import exceptions as exception_service
from jointdegree.planning import plans as plan_service
from jointdegree.planning import requirement_sets, results, students
from jointdegree.planning.forms import (
    CertificationForm,
    ConfirmResultsImportForm,
    ExceptionForm,
    PlanForm,
    RequirementsForm,
    ResultForm,
    ResultsImportForm,
    RosterForm,
    StudentForm,
)
from jointdegree.planning.models import Student
from jointdegree.tabular import csv_bytes
from jointdegree.web import NAVIGATION

bp = Blueprint("planning", __name__)
NAVIGATION.append(("planning.students", _l("Students"), frozenset({Role.ADMIN, Role.REGISTRAR})))
NAVIGATION.append(("planning.my_studies", _l("My studies"), frozenset({Role.STUDENT})))

RESULT_COLUMN_HELP: dict[str, Any] = {
    "student_number": _l("The student's number at your institution"),
    "course": _l("Course code at your institution"),
    "term": _l("Term code, e.g. 2026-S1"),
    "attempt": _l("first, resit (session 2 / 补考) or retake (重修); default first"),
    "grade": _l("The grade on your institution's scale (14.5, 85, B…); empty while in progress"),
    "status": _l("Empty (from the grade), compensated, recognised or in_progress"),
    "credits": _l("Credits earned; empty = the course's credits when passed, 0 otherwise"),
}


def _student(student_id: int) -> Student:
    student = students.get_student(student_id)
    authorize("student.read", student)
    return student


# -- list and record ------------------------------------------------------------------------------

@bp.route("/students", endpoint="students")
@login_required
def students_list() -> str | WerkzeugResponse:
    own = students.student_of(current_user)
    if own is not None:
        return redirect(url_for("planning.student", student_id=own.id))
    if current_user.role not in (Role.ADMIN, Role.REGISTRAR):
        abort(403)
    query = (request.args.get("q") or "").strip()[:100]
    cohort = (request.args.get("cohort") or "").strip()[:16]
    found = students.list_students(current_user, query or None, cohort or None)
    partnerships = [p for p in catalog.list_partnerships()
                    if can(current_user, "student.create", p)]
    return render_template("planning/students.html", students=found, query=query, cohort=cohort,
                           partnerships=partnerships)


@bp.route("/my-studies")
@login_required
def my_studies() -> WerkzeugResponse:
    own = students.student_of(current_user)
    if own is None:
        flash(_("Your account is not linked to a student record yet: ask your registrar."),
              "error")
        return redirect(url_for("home.index"))
    return redirect(url_for("planning.student", student_id=own.id))


@bp.route("/students/<id:student_id>")
@login_required
def student(student_id: int) -> str:
    student = _student(student_id)
    own_results = results.results_of(student)
    programmes = list(student.partnership.programmes)
    return render_template(
        "planning/student.html", student=student, results=own_results,
        programmes=programmes, plans=plan_service.plans_of(student),
        exceptions=exception_service.exceptions_of(student, include_withdrawn=True),
        can_edit=can(current_user, "student.edit", student),
        can_plan=can(current_user, "plan.edit", student),
        recordable={p.institution_id for p in programmes
                    if can(current_user, "result.record", p)},
        grantable=[p for p in programmes if can(current_user, "exception.grant", p)],
        certification_form=CertificationForm(), plan_form=PlanForm())


def _number_labels(form: StudentForm, partnership: Any) -> None:
    a, b = (p.institution for p in partnership.programmes)
    form.number_a.label.text = _("Student number at %(name)s", name=localized(a, "name"))
    form.number_b.label.text = _("Student number at %(name)s", name=localized(b, "name"))


def _student_data(form: StudentForm, partnership: Any) -> dict[str, Any]:
    a, b = (p.institution for p in partnership.programmes)
    data = {name: getattr(form, name).data for name in students.STUDENT_FIELDS}
    data["numbers"] = {a.code: form.number_a.data, b.code: form.number_b.data}
    return data


def _number_errors(form: StudentForm, error: ValidationFailed, partnership: Any) -> None:
    a, b = (p.institution for p in partnership.programmes)
    for code, field in ((a.code, form.number_a), (b.code, form.number_b)):
        message = error.fields.get(f"number_{code}")
        if message:
            field.errors = [*field.errors, str(message)]


@bp.route("/partnerships/<id:partnership_id>/students/new", methods=["GET", "POST"])
@login_required
def new_student(partnership_id: int) -> str | WerkzeugResponse | tuple[str, int]:
    partnership = catalog.get_partnership(partnership_id)
    authorize("student.create", partnership)
    form = StudentForm()
    _number_labels(form, partnership)
    if form.validate_on_submit():
        try:
            created = students.create_student(partnership, _student_data(form, partnership),
                                              current_user)
        except ValidationFailed as exc:
            apply_errors(form, exc)
            _number_errors(form, exc, partnership)
        else:
            flash(_("Student %(name)s created.", name=created.display_name), "success")
            return redirect(url_for("planning.student", student_id=created.id))
    status = 400 if form.is_submitted() else 200
    return render_template("planning/student_form.html", form=form, partnership=partnership,
                           student=None), status


@bp.route("/students/<id:student_id>/edit", methods=["GET", "POST"])
@login_required
def edit_student(student_id: int) -> str | WerkzeugResponse | tuple[str, int]:
    student = _student(student_id)
    authorize("student.edit", student)
    partnership = student.partnership
    a, b = (p.institution for p in partnership.programmes)
    form = StudentForm(obj=student if request.method == "GET" else None)
    _number_labels(form, partnership)
    if request.method == "GET":
        form.primary_script.data = student.primary_script.value
        form.number_a.data, form.number_b.data = student.number_at(a.id), student.number_at(b.id)
        form.version.data = str(student.version)
    if form.validate_on_submit():
        try:
            students.update_student(student, _student_data(form, partnership), current_user,
                                    expected_version=_version(form.version.data))
        except ValidationFailed as exc:
            apply_errors(form, exc)
            _number_errors(form, exc, partnership)
        except Conflict as exc:
            form.form_errors.append(str(exc.message))
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("planning.student", student_id=student.id))
    status = 400 if form.is_submitted() else 200
    return render_template("planning/student_form.html", form=form, partnership=partnership,
                           student=student), status


def _version(value: str | None) -> int | None:
    return as_id(value)  # not int(): "²".isdigit() is true


@bp.route("/students/<id:student_id>/certifications", methods=["POST"])
@login_required
def add_certification(student_id: int) -> WerkzeugResponse | tuple[str, int]:
    student = _student(student_id)
    authorize("student.edit", student)
    form = CertificationForm()
    if form.validate_on_submit():
        try:
            students.add_certification(student, {"exam": form.exam.data, "level": form.level.data,
                                                 "taken_on": form.taken_on.data}, current_user)
        except ValidationFailed as exc:
            for message in exc.fields.values():
                flash(str(message), "error")
        else:
            flash(_("Certificate added."), "success")
    else:
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "error")
    return redirect(url_for("planning.student", student_id=student.id) + "#certificates")


# -- results --------------------------------------------------------------------------------------

def _result_choices(form: ResultForm, student: Student) -> None:
    institutions = [p.institution for p in student.partnership.programmes
                    if can(current_user, "result.record", p)]
    courses = list(session.scalars(select(Course).where(
        Course.institution_id.in_([inst.id for inst in institutions])).order_by(Course.code)))
    form.course.choices = [(str(c.id), f"{c.code} — {localized(c, 'title')}") for c in courses]
    terms = [t for inst in institutions for t in inst.terms]
    form.term.choices = [(str(t.id), f"{t.code} ({t.institution.code})") for t in terms]


@bp.route("/students/<id:student_id>/results/new", methods=["GET", "POST"])
@login_required
def new_result(student_id: int) -> str | WerkzeugResponse | tuple[str, int]:
    student = _student(student_id)
    if not any(can(current_user, "result.record", p) for p in student.partnership.programmes):
        abort(403)
    form = ResultForm()
    _result_choices(form, student)
    if form.validate_on_submit():
        try:
            course = get_course(int(form.course.data or 0))
            term = session.get(AcademicTerm, int(form.term.data or 0))
            results.record_result(student, course, term, {
                "grade": form.grade.data, "status": form.status.data,
                "attempt": form.attempt.data, "credits_earned": form.credits_earned.data},
                current_user)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("Result recorded."), "success")
            return redirect(url_for("planning.student", student_id=student.id) + "#results")
    status = 400 if form.is_submitted() else 200
    return render_template("planning/result_form.html", form=form, student=student,
                           result=None), status


@bp.route("/results/<id:result_id>/edit", methods=["GET", "POST"])
@login_required
def correct_result(result_id: int) -> str | WerkzeugResponse | tuple[str, int]:
    result = results.get_result(result_id)
    student = _student(result.student_id)
    authorize("result.record", result.course)
    form = ResultForm()
    form.course.choices = [(str(result.course_id), result.course.code)]
    form.term.choices = [(str(result.term_id), result.term.code)]
    if request.method == "GET":
        form.course.data, form.term.data = str(result.course_id), str(result.term_id)
        form.grade.data, form.attempt.data = result.grade or "", result.attempt.value
        form.status.data = result.status.value if result.status.value in (
            "compensated", "recognised", "in_progress") else ""
        form.credits_earned.data = str(result.credits_earned)
    if form.validate_on_submit():
        try:
            results.correct_result(result, {
                "grade": form.grade.data, "status": form.status.data,
                "attempt": form.attempt.data, "credits_earned": form.credits_earned.data},
                current_user)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        except Conflict as exc:
            form.form_errors.append(str(exc.message))
        else:
            flash(_("Result corrected; the audit log keeps the previous grade."), "success")
            return redirect(url_for("planning.student", student_id=student.id) + "#results")
    status = 400 if form.is_submitted() else 200
    return render_template("planning/result_form.html", form=form, student=student,
                           result=result), status


@bp.route("/courses/<id:course_id>/roster/<id:term_id>", methods=["GET", "POST"])
@login_required
def roster(course_id: int, term_id: int) -> str | tuple[str, int]:
    course = get_course(course_id)
    term = session.get(AcademicTerm, term_id)
    if term is None or term.institution_id != course.institution_id:
        raise NotFound(_l("This course has no such term."))
    authorize("roster.read", (course, term))
    editable = can(current_user, "result.record", course)
    form = RosterForm()
    problems: dict[int, dict[str, Any]] = {}
    typed: dict[int, str] = {}
    status = 200
    if editable and form.validate_on_submit():
        typed = {result_id: value.strip()[:16] for key, value in request.form.items()
                 if key.startswith("grade-") and (result_id := as_id(key[6:])) is not None}
        problems = results.record_roster(course, term, typed, current_user)
        if problems:
            status = 400
        else:
            flash(_("Grades saved."), "success")
            typed = {}
    lines = results.roster(course, term)
    return render_template("planning/roster.html", course=course, term=term, lines=lines,
                           form=form, editable=editable, problems=problems, typed=typed,
                           scale=course.institution.grading_scale), status


@bp.route("/institutions/<code>/results/import", methods=["GET", "POST"])
@login_required
def import_results(code: str) -> str | WerkzeugResponse | tuple[str, int]:
    institution = catalog.get_institution(code)
    authorize("institution.edit", institution)
    form = ResultsImportForm()
    confirm = ConfirmResultsImportForm()
    report = upload = None
    if "upload_id" in request.form and confirm.validate_on_submit():
        upload_id = as_id(confirm.upload_id.data or "")
        if upload_id is None:
            abort(400)
        upload = files.get_own(upload_id, current_user, "results-import")
        report = results.import_results(institution, upload.data, upload.filename, current_user)
        if report.applied:
            flash(ngettext("%(num)d result imported.", "%(num)d results imported.", report.created),
                  "success")
            return redirect(url_for("planning.students"))
    elif form.validate_on_submit():
        data = form.file.data.read()
        try:
            upload = files.store("results-import", form.file.data.filename or "results.csv",
                                 data, current_user)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            report = results.import_results(institution, data, upload.filename, current_user,
                                            dry_run=True)
            session.commit()
            confirm = ConfirmResultsImportForm(formdata=None, upload_id=upload.id)
    status = 400 if (form.is_submitted() and (report is None or not report.ok)) else 200
    return render_template("planning/results_import.html", institution=institution, form=form,
                           confirm=confirm, report=report, upload=upload,
                           columns=list(RESULT_COLUMN_HELP.items())), status


@bp.route("/results-template.csv")
def results_template() -> Response:
    data = csv_bytes(results.COLUMNS, results.template_rows())
    return Response(data, mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename=jointdegree-results-template.csv"})


# -- requirements ---------------------------------------------------------------------------------

def _programme(programme_id: int) -> Programme:
    return catalog.get_programme(programme_id)


@bp.route("/programmes/<id:programme_id>/requirements", methods=["GET", "POST"])
@login_required
def requirements(programme_id: int) -> str | WerkzeugResponse | tuple[str, int]:
    programme = _programme(programme_id)
    editable = can(current_user, "programme.edit", programme)
    row = requirement_sets.requirement_set(programme)
    form = RequirementsForm()
    status = 200
    if request.method == "GET":
        form.format.data = "yaml"
        form.document.data = requirement_sets.dump(requirement_sets.document_of(programme),
                                                   "yaml")
        form.version.data = str(row.version) if row is not None else ""
    elif editable and form.validate_on_submit():
        fmt = form.format.data or "yaml"
        text = form.document.data or ""
        upload = form.file.data
        if upload is not None and getattr(upload, "filename", ""):
            raw = upload.read(1024 * 1024 + 1)
            fmt = "json" if upload.filename.lower().endswith(".json") else "yaml"
            text = raw.decode("utf-8", errors="replace") if len(raw) <= 1024 * 1024 else ""
            form.document.data, form.format.data = text, fmt
        try:
            document = requirement_sets.parse_text(text, fmt)
            requirement_sets.save_requirements(programme, document, current_user,
                                               expected_version=_version(form.version.data))
        except ValidationFailed as exc:
            form.document.errors = [*form.document.errors, str(exc.message),
                                    *(f"{path}: {message}" for path, message in exc.fields.items()
                                      if path != "document")]
            if "document" in exc.fields:
                form.document.errors.append(str(exc.fields["document"]))
            status = 400
        except Conflict as exc:
            form.form_errors.append(str(exc.message))
            status = 409
        else:
            flash(_("Requirements saved."), "success")
            return redirect(url_for("planning.requirements", programme_id=programme.id))
    elif request.method == "POST":
        if not editable:
            abort(403)
        status = 400
    parsed = requirement_sets.requirements_of(programme)  # stored documents were checked
    lang = content_language()
    return render_template("planning/requirements.html", programme=programme, form=form,
                           editable=editable, requirements=parsed, row=row, lang=lang), status


@bp.route("/programmes/<id:programme_id>/requirements.<fmt>")
@login_required
def export_requirements(programme_id: int, fmt: str) -> Response:
    if fmt not in ("json", "yaml"):
        abort(404)
    programme = _programme(programme_id)
    text = requirement_sets.dump(requirement_sets.document_of(programme), fmt)
    mimetype = "application/json" if fmt == "json" else "application/yaml"
    return Response(text, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename={programme.code}-requirements.{fmt}"})


# -- exceptions -----------------------------------------------------------------------------------

@bp.route("/students/<id:student_id>/exceptions/new", methods=["GET", "POST"])
@login_required
def new_exception(student_id: int) -> str | WerkzeugResponse | tuple[str, int]:
    student = _student(student_id)
    programmes = [p for p in student.partnership.programmes
                  if can(current_user, "exception.grant", p)]
    if not programmes:
        abort(403)
    form = ExceptionForm()
    form.programme.choices = [(str(p.id), localized(p, "name")) for p in programmes]
    chosen = next((p for p in programmes if str(p.id) == (form.programme.data or "")),
                  programmes[0])
    rules = [r for r in requirement_sets.requirements_of(chosen).walk()]
    form.rule_id.choices = [("", "—")] + [(r.id, f"{r.id} — {r.label_text()}") for r in rules]
    courses = [c for p in student.partnership.programmes for c in session.scalars(
        select(Course).where(Course.institution_id == p.institution_id).order_by(Course.code))]
    course_choices = [("", "—")] + [(str(c.id), f"{c.code} — {localized(c, 'title')}")
                                    for c in courses]
    form.course_id.choices = course_choices
    form.replaces_course_id.choices = course_choices
    if form.validate_on_submit():
        try:
            exception_service.grant(student, chosen, {
                "kind": form.kind.data, "rule_id": form.rule_id.data,
                "course_id": form.course_id.data,
                "replaces_course_id": form.replaces_course_id.data, "reason": form.reason.data},
                current_user)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("Exception granted."), "success")
            return redirect(url_for("planning.student", student_id=student.id) + "#exceptions")
    status = 400 if form.is_submitted() else 200
    return render_template("planning/exception_form.html", form=form, student=student), status


@bp.route("/exceptions/<id:exception_id>/withdraw", methods=["POST"])
@login_required
def withdraw_exception(exception_id: int) -> WerkzeugResponse:
    row = exception_service.get_exception(exception_id)
    form = RosterForm()  # a CSRF-checked button
    if not form.validate_on_submit():
        abort(400)
    try:
        exception_service.withdraw(row, current_user)
    except Conflict as exc:
        flash(str(exc.message), "error")
    else:
        flash(_("Exception withdrawn."), "success")
    return redirect(url_for("planning.student", student_id=row.student_id) + "#exceptions")


# -- plans (creation; the plan page lives in plan_views) -----------------------------------------

@bp.route("/students/<id:student_id>/plans", methods=["POST"])
@login_required
def create_plan(student_id: int) -> WerkzeugResponse:
    student = _student(student_id)
    form = PlanForm()
    if form.validate_on_submit():
        try:
            plan = plan_service.create_plan(student, form.name.data or "", current_user)
        except ValidationFailed as exc:
            flash(str(exc.message), "error")
        else:
            return redirect(url_for("planning.plan", plan_id=plan.id))
    else:
        flash(_("Give the plan a name (at most 100 characters)."), "error")
    return redirect(url_for("planning.student", student_id=student.id) + "#plans")

