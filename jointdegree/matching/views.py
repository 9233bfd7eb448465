"""Pages for credit rules, equivalences (propose, compare, approve/reject, review), faculty
review tasks and syllabi."""

from __future__ import annotations

import io
from typing import Any

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse

from jointdegree.auth.models import Role, User
from jointdegree.auth.policy import authorize, can
from jointdegree.catalog import courses as course_service
from jointdegree.catalog import services as catalog
from jointdegree.catalog.models import Partnership
from jointdegree.db import as_id, session
from jointdegree.errors import Conflict, NotFound, ValidationFailed
from jointdegree.forms import apply_errors
from jointdegree.home.views import register_card
from jointdegree.i18n import localized
from jointdegree.matching import equivalences as service
from jointdegree.matching import rules as rule_service
from jointdegree.matching import syllabi
from jointdegree.matching.explain import explain
from jointdegree.matching.forms import (
    AnswerReviewForm,
    ConfirmReviewForm,
    DecisionForm,
    ProposeForm,
    RequestReviewForm,
    RuleForm,
    SyllabusForm,
)
from jointdegree.matching.models import Equivalence
from jointdegree.matching.table import equivalence_table
from jointdegree.web import NAVIGATION

bp = Blueprint("matching", __name__)
bp.add_app_template_global(explain)  # conversion traces in the reader's language
NAVIGATION.append(("matching.reviews", _l("Review requests"), frozenset({Role.PROFESSOR})))


def _version(form: Any) -> int | None:
    raw = (form.version.data or "") if hasattr(form, "version") else ""
    return as_id(str(raw))  # not int(): "²".isdigit() is true


# -- credit rules ---------------------------------------------------------------------------------

@bp.route("/partnerships/<id:partnership_id>/rules", methods=["GET", "POST"])
@login_required
def rules(partnership_id: int) -> str | WerkzeugResponse | tuple[str, int]:
    partnership = catalog.get_partnership(partnership_id)
    editable = can(current_user, "partnership.edit", partnership)
    form = RuleForm()
    status = 200
    if request.method == "POST":
        authorize("partnership.edit", partnership)
        if form.validate_on_submit():
            try:
                rule_service.set_rule(partnership, form.data, current_user, _version(form))
            except ValidationFailed as exc:
                apply_errors(form, exc)
                status = 400
            except Conflict as exc:
                form.form_errors.append(str(exc.message))
                status = 409
            else:
                flash(_("Credit rule saved. Documents already issued keep their figures."),
                      "success")
                return redirect(url_for("matching.rules", partnership_id=partnership.id))
        else:
            status = 400
    return render_template("matching/rules.html", partnership=partnership,
                           lines=rule_service.rule_table(partnership), form=form,
                           editable=editable, examples=rule_service.worked_examples(partnership),
                           curve=rule_service.credit_curve(partnership)), status


# -- equivalences ---------------------------------------------------------------------------------

@bp.route("/partnerships/<id:partnership_id>/equivalences")
@login_required
def equivalences(partnership_id: int) -> str | Response:
    partnership = catalog.get_partnership(partnership_id)
    status = request.args.get("status") or None
    items = service.list_equivalences(partnership, status)
    fmt = request.args.get("format")
    if fmt in ("csv", "xlsx"):
        data, mimetype = equivalence_table(partnership, items, fmt)
        return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True,
                         download_name=f"{partnership.code.lower()}-equivalences.{fmt}")
    rules = rule_service.rule_set(partnership)
    comparisons = {e.id: service.compare(e, partnership, rules) for e in items}
    return render_template("matching/equivalences.html", partnership=partnership, items=items,
                           comparisons=comparisons, status=status,
                           can_propose=can(current_user, "equivalence.propose", partnership))


def _course_choices(partnership: Partnership) -> tuple[list, list]:
    sides = []
    for programme in partnership.programmes:
        courses = course_service.institution_courses(programme.institution,
                                                     include_retired=False)
        sides.append([(str(c.id), f"{c.code} — {localized(c, 'title')} "
                                  f"({c.credits.normalize():f})") for c in courses])
    return sides[0], sides[1]


@bp.route("/partnerships/<id:partnership_id>/equivalences/new", methods=["GET", "POST"])
@login_required
def propose(partnership_id: int) -> str | WerkzeugResponse | tuple[str, int]:
    partnership = catalog.get_partnership(partnership_id)
    authorize("equivalence.propose", partnership)
    form = ProposeForm(first_year=service.current_academic_year())
    side_a, side_b = _course_choices(partnership)
    form.courses_a.choices, form.courses_b.choices = side_a, side_b
    preselect = [str(i) for i in request.args.getlist("course", type=int)]
    if request.method == "GET" and preselect:
        form.courses_a.data = [i for i in preselect if i in {v for v, _ in side_a}]
        form.courses_b.data = [i for i in preselect if i in {v for v, _ in side_b}]
    if form.validate_on_submit():
        ids = [int(i) for i in (form.courses_a.data or []) + (form.courses_b.data or [])]
        try:
            created = service.propose(partnership, ids, form.first_year.data or 0,
                                      form.last_year.data, form.note.data, current_user)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("Equivalence proposed; the partner's registrars are asked to approve it."),
                  "success")
            return redirect(url_for("matching.equivalence", equivalence_id=created.id))
    return render_template("matching/propose.html", partnership=partnership, form=form), (
        400 if form.is_submitted() else 200)


@bp.route("/equivalences/<id:equivalence_id>")
@login_required
def equivalence(equivalence_id: int) -> str:
    item = service.get_equivalence(equivalence_id)
    partnership = item.partnership
    request_form = RequestReviewForm()
    request_form.professor.choices = [(str(p.id), f"{p.display_name} ({p.institution.code})")
                                      for p in _professors(partnership)]
    reviews = service.reviews_of(item)
    return render_template(
        "matching/equivalence.html", item=item, partnership=partnership,
        comparison=service.compare(item, partnership), decide=DecisionForm(version=item.version),
        confirm=ConfirmReviewForm(), request_form=request_form, reviews=reviews,
        can_decide=can(current_user, "equivalence.decide", item),
        decided_here=any(d.institution_id == current_user.institution_id
                         for d in item.decisions),
        syllabi=_syllabi(item.courses))


def _professors(partnership: Partnership) -> list[User]:
    return list(session.scalars(select(User).where(
        User.role == Role.PROFESSOR, User.active.is_(True),
        User.institution_id.in_(partnership.institution_ids())).order_by(User.display_name)))


_syllabi = syllabi.syllabi_of


def _stale(item: Equivalence) -> str:
    session.refresh(item)
    who = session.get(User, item.updated_by_id) if item.updated_by_id else None
    return _("%(who)s changed this equivalence at %(when)s. Review it and try again.",
             who=who.display_name if who else _("Someone"),
             when=format_datetime(item.updated_at, "short"))


@bp.route("/equivalences/<id:equivalence_id>/decide", methods=["POST"])
@login_required
def decide(equivalence_id: int) -> WerkzeugResponse:
    item = service.get_equivalence(equivalence_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        flash(_("The form was incomplete; nothing was recorded."), "error")
        return redirect(url_for("matching.equivalence", equivalence_id=item.id))
    try:
        if form.approve.data:
            service.approve(item, current_user, _version(form))
            flash(_("Your institution's approval is recorded."), "success")
        else:
            service.reject(item, current_user, form.reason.data or "", _version(form))
            flash(_("The equivalence is rejected; the partner is told why."), "success")
    except ValidationFailed as exc:
        flash(" ".join(str(m) for m in exc.fields.values()) or str(exc.message), "error")
    except Conflict as exc:
        flash(_stale(item) if exc.code == "stale_version" else str(exc.message), "error")
    return redirect(url_for("matching.equivalence", equivalence_id=item.id))


@bp.route("/equivalences/<id:equivalence_id>/confirm-review", methods=["POST"])
@login_required
def confirm_review(equivalence_id: int) -> WerkzeugResponse:
    item = service.get_equivalence(equivalence_id)
    form = ConfirmReviewForm()
    if form.validate_on_submit():
        service.confirm_review(item, current_user, form.note.data)
        flash(_("Review recorded: the equivalence stands as approved."), "success")
    return redirect(url_for("matching.equivalence", equivalence_id=item.id))


@bp.route("/equivalences/<id:equivalence_id>/request-review", methods=["POST"])
@login_required
def request_review(equivalence_id: int) -> WerkzeugResponse:
    item = service.get_equivalence(equivalence_id)
    authorize("equivalence.decide", item)
    form = RequestReviewForm()
    form.professor.choices = [(str(p.id), p.display_name) for p in _professors(item.partnership)]
    if not form.validate_on_submit():
        flash(_("Choose a professor of one of the two institutions."), "error")
    else:
        professor = session.get(User, int(form.professor.data or 0))
        try:
            if professor is None:
                raise NotFound(_l("No such professor."))
            service.request_review(item, professor, form.question.data, current_user)
        except (ValidationFailed, NotFound) as exc:
            flash(str(exc.message), "error")
        else:
            flash(_("Review requested from %(name)s.", name=professor.display_name), "success")
    return redirect(url_for("matching.equivalence", equivalence_id=item.id))


@bp.route("/courses/<id:course_id>/suggestions")
@login_required
def suggestions(course_id: int) -> str:
    """Ranked partner courses that could be equivalent, each with why it is suggested."""
    course = course_service.get_course(course_id)
    partnerships = [p for p in catalog.list_partnerships()
                    if course.institution_id in p.institution_ids()]
    chosen = next((p for p in partnerships
                   if p.id == request.args.get("partnership", type=int)),
                  partnerships[0] if partnerships else None)
    items = service.suggestions(course, chosen) if chosen is not None else []
    return render_template("matching/suggestions.html", course=course, items=items,
                           partnership=chosen, partnerships=partnerships,
                           can_propose=chosen is not None
                           and can(current_user, "equivalence.propose", chosen))


# -- faculty review -------------------------------------------------------------------------------

@bp.route("/reviews")
@login_required
def reviews() -> str:
    return render_template("matching/reviews.html", items=service.reviews_for(current_user))


@bp.route("/reviews/<id:review_id>", methods=["GET", "POST"])
@login_required
def review(review_id: int) -> str | WerkzeugResponse | tuple[str, int]:
    item = service.get_review(review_id)
    authorize("equivalence.review", item)
    form = AnswerReviewForm(obj=item if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            service.answer_review(item, current_user, form.recommendation.data or "",
                                  form.comment.data)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("Thank you: the registrars have your recommendation."), "success")
            return redirect(url_for("matching.reviews"))
    equivalence_item = service.get_equivalence(item.equivalence_id)
    return render_template("matching/review.html", item=item, form=form,
                           equivalence=equivalence_item,
                           comparison=service.compare(equivalence_item,
                                                      equivalence_item.partnership),
                           syllabi=_syllabi(equivalence_item.courses)), (
        400 if form.is_submitted() else 200)


# -- syllabi --------------------------------------------------------------------------------------

@bp.route("/courses/<id:course_id>/syllabus", methods=["GET", "POST"])
@login_required
def syllabus(course_id: int) -> str | Response | WerkzeugResponse | tuple[str, int]:
    course = course_service.get_course(course_id)
    if request.method == "GET":
        stored = _syllabi([course]).get(course.id)
        if stored is None:
            return render_template("matching/syllabus.html", course=course,
                                   form=SyllabusForm(), stored=None)
        # Never rendered by the browser as a page: a download, with its checked type (and a
        # UTF-8 file name: syllabi are often named in Chinese).
        response = send_file(io.BytesIO(stored.data), mimetype=stored.content_type,
                             as_attachment=True, download_name=stored.filename)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Content-Security-Policy"] = ("default-src 'none'; sandbox; "
                                                       "frame-ancestors 'none'")
        return response
    authorize("institution.edit", course.institution)
    form = SyllabusForm()
    if form.validate_on_submit():
        try:
            syllabi.set_syllabus(course, form.file.data.filename or "syllabus.pdf",
                                 form.file.data.read(), current_user)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("Syllabus stored."), "success")
            return redirect(url_for("courses.course", course_id=course.id))
    return render_template("matching/syllabus.html", course=course, form=form, stored=None), 400


# -- home cards -----------------------------------------------------------------------------------

@register_card("matching/_pending_card.html", {Role.REGISTRAR}, order=15)
def _pending_card(user: User) -> dict[str, Any] | None:
    pending = service.pending_for(user)
    review = service.needing_review(user)
    if not pending and not review:
        return None
    return {"pending": pending, "review": review, "summary": service.summary}


@register_card("matching/_reviews_card.html", {Role.PROFESSOR}, order=15)
def _reviews_card(user: User) -> dict[str, Any] | None:
    open_items = [r for r in service.reviews_for(user) if r.answered_at is None]
    return {"items": open_items, "summary": service.summary} if open_items else None
