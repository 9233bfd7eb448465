"""Course pages: search both catalogs, read a course, create/edit/retire, import and export."""

from __future__ import annotations

import io
from decimal import Decimal, InvalidOperation

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    send_from_directory,
    url_for,
)
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as WerkzeugResponse

from jointdegree.auth.models import User
from jointdegree.auth.policy import authorize, can
from jointdegree.catalog import courses as course_service
from jointdegree.catalog import services, transfer
from jointdegree.catalog.exports import export_catalog
from jointdegree.catalog.forms import ConfirmImportForm, CourseForm, CourseSearchForm, ImportForm
from jointdegree.catalog.models import Course, Institution
from jointdegree.catalog.records import COLUMNS
from jointdegree.db import as_id, session
from jointdegree.errors import Conflict, ValidationFailed
from jointdegree.files import services as files
from jointdegree.forms import apply_errors
from jointdegree.i18n import localized
from jointdegree.labels import COLUMN_HELP

bp = Blueprint("courses", __name__)

PER_PAGE = 25
PAGE_SIZES = (10, 25, 50, 100)


def _decimal_or_none(value: str | None) -> Decimal | None:
    """A search bound; anything that is not a plain number (NaN, 1e999…) is ignored."""
    try:
        number = Decimal(value.replace(",", ".")) if value and value.strip() else None
    except InvalidOperation:
        return None
    if number is None or not number.is_finite() or abs(number) >= 10_000:
        return None
    return number


@bp.route("/courses")
@login_required
def search() -> str:
    form = CourseSearchForm(request.args)
    form.setup([(i.code, localized(i, "name")) for i in services.list_institutions()])
    status = request.args.get("status", "active")
    filters = course_service.CourseFilters(
        q=form.q.data or None, institution=form.institution.data or None,
        cycle=form.cycle.data or None, isced=(form.isced.data or "").strip() or None,
        credits_min=_decimal_or_none(form.credits_min.data),
        credits_max=_decimal_or_none(form.credits_max.data),
        language=form.language.data or None, term=(form.term.data or "").strip() or None,
        delivery=form.delivery.data or None,
        status=None if status == "all" else status if status in ("active", "retired")
        else "active")
    page = min(max(1, request.args.get("page", 1, type=int) or 1), 100_000)
    per_page = request.args.get("per_page", PER_PAGE, type=int)
    per_page = per_page if per_page in PAGE_SIZES else PER_PAGE
    result = course_service.search(filters, page, per_page)
    rows, total = result.courses, result.total
    pages = max(1, -(-total // per_page))
    args = {k: v for k, v in request.args.items() if k not in ("page", "submit") and v}
    return render_template("courses/search.html", form=form, rows=rows, total=total,
                           capped=result.capped, page=page, pages=pages, args=args)


@bp.route("/courses/<id:course_id>")
@login_required
def course(course_id: int) -> str:
    item = course_service.get_course(course_id)
    return render_template("courses/course.html", course=item,
                           editable=can(current_user, "institution.edit", item.institution),
                           updated_by=session.get(User, item.updated_by_id)
                           if item.updated_by_id else None)


def _form_for(institution: Institution, course: Course | None = None) -> CourseForm:
    form = CourseForm(data=course_service.to_record(course).to_row() | {
        "languages": course.languages, "terms": [t.code for t in course.terms],
        "prerequisites": [p.code for p in course.prerequisites], "version": course.version,
    } if course is not None and request.method == "GET" else None)
    terms = [(t.code, f"{t.code} — {localized(t, 'name')}")
             for t in services.list_terms(institution)]
    others = [(c.code, f"{c.code} — {localized(c, 'title')}")
              for c in course_service.institution_courses(institution, include_retired=False)
              if course is None or c.id != course.id]
    form.setup(institution.country, terms, others)
    return form


@bp.route("/institutions/<code>/courses/new", methods=["GET", "POST"])
@login_required
def new_course(code: str) -> str | WerkzeugResponse | tuple[str, int]:
    institution = services.get_institution(code)
    authorize("institution.edit", institution)
    form = _form_for(institution)
    if form.validate_on_submit():
        try:
            created = course_service.create_course(institution, form.as_row(), current_user)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("Course %(code)s added to the catalog.", code=created.code), "success")
            return redirect(url_for("courses.course", course_id=created.id))
    return render_template("courses/form.html", form=form, institution=institution,
                           course=None), 400 if form.is_submitted() else 200


@bp.route("/courses/<id:course_id>/edit", methods=["GET", "POST"])
@login_required
def edit_course(course_id: int) -> str | WerkzeugResponse | tuple[str, int]:
    item = course_service.get_course(course_id)
    authorize("institution.edit", item.institution)
    form = _form_for(item.institution, item)
    if form.validate_on_submit():
        try:
            version = as_id(form.version.data)  # not int(): "²".isdigit() is true
            course_service.update_course(item, form.as_row(), current_user, version)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        except Conflict:
            form.form_errors.append(_stale_message(item))
        else:
            flash(_("Course %(code)s saved.", code=item.code), "success")
            return redirect(url_for("courses.course", course_id=item.id))
    return render_template("courses/form.html", form=form, institution=item.institution,
                           course=item), 400 if form.is_submitted() else 200


def _stale_message(item: Course) -> str:
    session.refresh(item)
    who = session.get(User, item.updated_by_id) if item.updated_by_id else None
    return _("%(who)s changed this course at %(when)s. Review their version below and apply "
             "your change again.", who=who.display_name if who else _("Someone"),
             when=format_datetime(item.updated_at, "short"))


@bp.route("/courses/<id:course_id>/retire", methods=["POST"])
@login_required
def retire(course_id: int) -> WerkzeugResponse:
    item = course_service.get_course(course_id)
    course_service.retire_course(item, current_user)
    flash(_("Course %(code)s retired: it stays in records that use it.", code=item.code),
          "success")
    return redirect(url_for("courses.course", course_id=item.id))


# -- import / export ------------------------------------------------------------------------------

@bp.route("/institutions/<code>/catalog/import", methods=["GET", "POST"])
@login_required
def import_catalog(code: str) -> str | WerkzeugResponse | tuple[str, int]:
    """Upload → preview (every problem, or what would change) → confirm."""
    institution = services.get_institution(code)
    authorize("institution.edit", institution)
    form = ImportForm()
    confirm = ConfirmImportForm()
    report = upload = None
    if "upload_id" in request.form and confirm.validate_on_submit():
        upload_id = confirm.upload_id.data or ""
        if as_id(upload_id) is None:
            abort(400)
        upload = files.get_own(as_id(upload_id), current_user, "catalog-import")
        report = transfer.import_catalog(institution, upload.data, upload.filename,
                                         current_user)
        if report.applied:
            flash(_("Catalog imported: %(created)d created, %(updated)d updated, "
                    "%(unchanged)d unchanged.", created=len(report.created),
                    updated=len(report.updated), unchanged=report.unchanged), "success")
            return redirect(url_for("catalog.institution", code=institution.code))
    elif form.validate_on_submit():
        data = form.file.data.read()
        try:
            upload = files.store("catalog-import", form.file.data.filename or "catalog.csv",
                                 data, current_user)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            report = transfer.import_catalog(institution, data, upload.filename, current_user,
                                             dry_run=True)
            session.commit()
            confirm = ConfirmImportForm(formdata=None, upload_id=upload.id)
    status = 400 if (form.is_submitted() and (report is None or not report.ok)) else 200
    return render_template("courses/import.html", institution=institution, form=form,
                           confirm=confirm, report=report, upload=upload,
                           columns=[(c, COLUMN_HELP[c]) for c in COLUMNS]), status


@bp.route("/institutions/<code>/catalog/export")
@login_required
def export(code: str) -> Response:
    institution = services.get_institution(code)
    fmt = request.args.get("format", "csv")
    if fmt not in ("csv", "xlsx", "ewp"):
        fmt = "csv"
    data, mimetype, filename = export_catalog(institution, fmt)
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True,
                     download_name=filename)


@bp.route("/catalog-template.csv")
def template() -> Response:
    """The shipped template: the header and two example rows (one per country)."""
    return send_from_directory(current_app.static_folder or "", "catalog-template.csv",
                               mimetype="text/csv", as_attachment=True,
                               download_name="jointdegree-catalog-template.csv")
