"""The study-plan page (semesters, load, prerequisites, what each course counts toward in each
degree, comments, approval) and the degree audit page (both degrees side by side, what-if)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse

from jointdegree.auth.models import Role, User
from jointdegree.auth.policy import authorize, can
from jointdegree.catalog.courses import get_course
from jointdegree.catalog.models import AcademicTerm
from jointdegree.db import as_id, session
from jointdegree.errors import Conflict, NotFound, ValidationFailed
from jointdegree.home.views import register_card
from jointdegree.i18n import localized
from jointdegree.planning import auditing, plans, results, students
from jointdegree.planning.forms import CommentForm, PlanActionForm, PlanCourseForm, SemesterForm
from jointdegree.planning.learning_agreement_export import learning_agreement_xml
from jointdegree.planning.models import PlanStatus, StudyPlan
from jointdegree.planning.timeline import timeline
from jointdegree.planning.views import bp


def _plan(plan_id: int) -> StudyPlan:
    plan = plans.get_plan(plan_id)
    authorize("student.read", plan.student)
    return plan


def _version(value: str | None) -> int | None:
    return as_id(value)  # not int(): "²".isdigit() is true



@bp.route("/plans/<id:plan_id>")
@login_required
def plan(plan_id: int) -> str:
    plan = _plan(plan_id)
    student = plan.student
    editable = can(current_user, "plan.edit", student)
    own_results = results.results_of(student)
    checks = plans.check_plan(plan, own_results)
    report = auditing.audit_student(student, plan)
    used_terms = {s.term_id for s in plan.semesters}
    term_choices = [(str(t.id), f"{t.code} — {t.institution.code}") for t in session.scalars(
        select(AcademicTerm).where(AcademicTerm.institution_id.in_(
            student.partnership.institution_ids())).order_by(AcademicTerm.starts_on,
                                                              AcademicTerm.institution_id))
        if t.id not in used_terms]
    semester_form = SemesterForm(formdata=None, version=plan.version)
    semester_form.term.choices = term_choices
    course_forms = {}
    offered = plans.offered_by_semester(plan.semesters)
    for semester in plan.semesters:
        form = PlanCourseForm(formdata=None, prefix=f"s{semester.id}", version=plan.version)
        chosen = {c.id for s in plan.semesters for c in s.courses}
        form.course.choices = [(str(c.id), f"{c.code} — {localized(c, 'title')}"
                                f" ({c.credits.normalize():f})")
                               for c in offered[semester.id] if c.id not in chosen]
        course_forms[semester.id] = form
    return render_template(
        "planning/plan.html", plan=plan, student=student, editable=editable,
        can_approve=can(current_user, "plan.approve", student), checks=checks,
        counts=auditing.counts_toward(report, _("the total only (no requirement needs it)")),
        report=report, semester_form=semester_form,
        course_forms=course_forms, action_form=PlanActionForm(formdata=None,
                                                              version=plan.version),
        comment_form=CommentForm(formdata=None), max_load=plans.MAX_LOAD_ECTS,
        chart=timeline(report))


def _back(plan: StudyPlan) -> WerkzeugResponse:
    return redirect(url_for("planning.plan", plan_id=plan.id))


def _run(plan: StudyPlan, action: Any, success: str) -> WerkzeugResponse:
    """Run a plan change from a form post; errors come back as messages on the plan page."""
    try:
        action()
    except (ValidationFailed, Conflict, NotFound) as exc:
        for message in (exc.fields.values() if exc.fields else [exc.message]):
            flash(str(message), "error")
    else:
        flash(success, "success")
    return _back(plan)


@bp.route("/plans/<id:plan_id>/semesters", methods=["POST"])
@login_required
def add_semester(plan_id: int) -> WerkzeugResponse:
    plan = _plan(plan_id)
    authorize("plan.edit", plan.student)
    form = SemesterForm()
    form.term.choices = [(form.term.data or "", "")]
    if not form.validate_on_submit():
        abort(400)
    term_id = as_id(form.term.data)
    term = session.get(AcademicTerm, term_id) if term_id is not None else None
    if term is None:
        flash(_("Choose a term."), "error")
        return _back(plan)
    return _run(plan, lambda: plans.add_semester(plan, term, bool(form.remote.data),
                                                 current_user, _version(form.version.data)),
                _("Semester added."))


@bp.route("/plans/<id:plan_id>/semesters/<id:semester_id>/remove", methods=["POST"])
@login_required
def remove_semester(plan_id: int, semester_id: int) -> WerkzeugResponse:
    plan = _plan(plan_id)
    authorize("plan.edit", plan.student)
    form = PlanActionForm()
    if not form.validate_on_submit():
        abort(400)
    semester = next((s for s in plan.semesters if s.id == semester_id), None)
    if semester is None:
        abort(404)
    return _run(plan, lambda: plans.remove_semester(plan, semester, current_user,
                                                    _version(form.version.data)),
                _("Semester removed."))


@bp.route("/plans/<id:plan_id>/semesters/<id:semester_id>/courses", methods=["POST"])
@login_required
def add_course(plan_id: int, semester_id: int) -> WerkzeugResponse:
    plan = _plan(plan_id)
    authorize("plan.edit", plan.student)
    form = PlanCourseForm(prefix=f"s{semester_id}")
    form.course.choices = [(form.course.data or "", "")]
    course_id = as_id(form.course.data)
    if not form.validate_on_submit() or course_id is None:
        flash(_("Choose a course."), "error")
        return _back(plan)
    course = get_course(course_id)
    return _run(plan, lambda: plans.add_course(plan, semester_id, course, current_user,
                                               _version(form.version.data)),
                _("%(code)s added.", code=course.code))


@bp.route("/plans/<id:plan_id>/semesters/<id:semester_id>/courses/<id:course_id>/remove",
          methods=["POST"])
@login_required
def remove_course(plan_id: int, semester_id: int, course_id: int) -> WerkzeugResponse:
    plan = _plan(plan_id)
    authorize("plan.edit", plan.student)
    form = PlanActionForm()
    if not form.validate_on_submit():
        abort(400)
    return _run(plan, lambda: plans.remove_course(plan, semester_id, course_id, current_user,
                                                  _version(form.version.data)),
                _("Course removed."))


@bp.route("/plans/<id:plan_id>/submit", methods=["POST"])
@login_required
def submit_plan(plan_id: int) -> WerkzeugResponse:
    plan = _plan(plan_id)
    form = PlanActionForm()
    if not form.validate_on_submit():
        abort(400)
    return _run(plan, lambda: plans.submit(plan, current_user, _version(form.version.data)),
                _("Plan submitted for approval."))


@bp.route("/plans/<id:plan_id>/approve", methods=["POST"])
@login_required
def approve_plan(plan_id: int) -> WerkzeugResponse:
    plan = _plan(plan_id)
    authorize("plan.approve", plan.student)
    form = PlanActionForm()
    if not form.validate_on_submit():
        abort(400)
    return _run(plan, lambda: plans.approve(plan, current_user, _version(form.version.data)),
                _("Plan approved: it is now the learning agreement."))


@bp.route("/plans/<id:plan_id>/comments", methods=["POST"])
@login_required
def comment_plan(plan_id: int) -> WerkzeugResponse:
    plan = _plan(plan_id)
    form = CommentForm()
    if not form.validate_on_submit():
        flash(_("Write a comment (at most 4000 characters)."), "error")
        return _back(plan)
    return _run(plan, lambda: plans.comment(plan, form.body.data or "", current_user),
                _("Comment posted."))


@bp.route("/plans/<id:plan_id>/learning-agreement.xml")
@login_required
def learning_agreement(plan_id: int) -> Response:
    """The approved plan as an EWP Outgoing Mobility Learning Agreements get-response."""
    plan = _plan(plan_id)
    if plan.status is not PlanStatus.APPROVED:
        raise Conflict(_("Only an approved plan is a learning agreement."),
                       code="not_approved")
    data = learning_agreement_xml(plan)
    return Response(data, mimetype="application/xml", headers={
        "Content-Disposition": f"attachment; filename=learning-agreement-{plan.id}.xml"})


# -- the audit ------------------------------------------------------------------------------------

@bp.route("/students/<id:student_id>/audit")
@login_required
def audit(student_id: int) -> str | tuple[str, int]:
    student = students.get_student(student_id)
    authorize("student.read", student)
    plan_id = request.args.get("plan", "")
    status = 200
    plan = None
    chosen = as_id(plan_id)
    if chosen is not None:
        plan = plans.get_plan(chosen)
        if plan.student_id != student.id:
            raise NotFound(_("No study plan #%(id)s.", id=plan_id))
    elif not plan_id:
        plan = auditing.default_plan(student)
    error = None
    try:
        what_if = auditing.parse_what_if(",".join(request.args.getlist("add")),
                                         ",".join(request.args.getlist("remove")))
        report = auditing.audit_student(student, plan, what_if)
    except ValidationFailed as exc:
        error, status = str(exc.message), 400
        report = auditing.audit_student(student, plan)
    offered = auditing.what_if_choices(report)
    return render_template("planning/audit.html", student=student, plan=plan, report=report,
                           error=error, offered=offered, chart=timeline(report),
                           all_plans=plans.plans_of(student),
                           message_text=auditing.message_text,
                           flatten=auditing.flatten, Decimal=Decimal), status




# -- home cards -----------------------------------------------------------------------------------

@register_card("planning/_studies_card.html", {Role.STUDENT}, order=5)
def _studies_card(user: User) -> dict[str, Any] | None:
    """A student's two degrees at a glance, from the same audit as the audit page."""
    own = students.student_of(user)
    if own is None:
        return None
    report = auditing.audit_student(own, auditing.default_plan(own))
    return {"student": own, "report": report}


@register_card("planning/_plans_card.html", {Role.REGISTRAR}, order=16)
def _plans_card(user: User) -> dict[str, Any] | None:
    """Study plans waiting for this registrar's institution to approve them."""
    waiting = plans.waiting_for(user)
    return {"plans": waiting} if waiting else None


@register_card("planning/_rosters_card.html", {Role.PROFESSOR}, order=16)
def _rosters_card(user: User) -> dict[str, Any] | None:
    assignments = results.assignments_of(user)
    return {"assignments": assignments} if assignments else None
