"""Pages for institutions, their programmes and terms, and the double-degree partnerships."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from jointdegree.auth.models import Role, User
from jointdegree.auth.policy import authorize
from jointdegree.catalog import services
from jointdegree.catalog.forms import InstitutionForm, PartnershipForm, ProgrammeForm, TermForm
from jointdegree.catalog.models import Programme
from jointdegree.errors import ValidationFailed
from jointdegree.forms import apply_errors
from jointdegree.home.views import register_card
from jointdegree.i18n import localized

bp = Blueprint("catalog", __name__)


@bp.route("/institutions")
@login_required
def institutions() -> str:
    return render_template("catalog/institutions.html",
                           institutions=services.list_institutions())


@bp.route("/institutions/new", methods=["GET", "POST"])
@login_required
def new_institution() -> str | Response | tuple[str, int]:
    authorize("institution.create")
    form = InstitutionForm()
    if form.validate_on_submit():
        try:
            institution = services.create_institution(form.data, current_user)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("Institution %(code)s created.", code=institution.code), "success")
            return redirect(url_for("catalog.institution", code=institution.code))
    return render_template("catalog/institution_form.html", form=form), (
        400 if form.is_submitted() else 200)


@bp.route("/institutions/<code>")
@login_required
def institution(code: str) -> str:
    inst = services.get_institution(code)
    partnerships = services.partnerships_of(inst)
    return render_template("catalog/institution.html", institution=inst,
                           programmes=services.list_programmes(inst),
                           terms=services.list_terms(inst), partnerships=partnerships)


def _create_under_institution(code: str, form_cls: type, create: Any, template: str,
                              done_message: str) -> str | Response | tuple[str, int]:
    inst = services.get_institution(code)
    authorize("institution.edit", inst)
    form = form_cls()
    if form.validate_on_submit():
        try:
            create(inst, form.data, current_user)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(done_message, "success")
            return redirect(url_for("catalog.institution", code=inst.code))
    return render_template(template, form=form, institution=inst), (
        400 if form.is_submitted() else 200)


@bp.route("/institutions/<code>/programmes/new", methods=["GET", "POST"])
@login_required
def new_programme(code: str) -> str | Response | tuple[str, int]:
    return _create_under_institution(code, ProgrammeForm, services.create_programme,
                                     "catalog/programme_form.html", _("Programme added."))


@bp.route("/institutions/<code>/terms/new", methods=["GET", "POST"])
@login_required
def new_term(code: str) -> str | Response | tuple[str, int]:
    return _create_under_institution(code, TermForm, services.create_term,
                                     "catalog/term_form.html", _("Term added."))


@bp.route("/partnerships")
@login_required
def partnerships() -> str:
    return render_template("catalog/partnerships.html",
                           partnerships=services.list_partnerships())


@bp.route("/partnerships/<id:partnership_id>")
@login_required
def partnership(partnership_id: int) -> str:
    return render_template("catalog/partnership.html",
                           partnership=services.get_partnership(partnership_id))


@bp.route("/partnerships/new", methods=["GET", "POST"])
@login_required
def new_partnership() -> str | Response | tuple[str, int]:
    own = {current_user.institution_id} if current_user.role is Role.REGISTRAR else None
    authorize("partnership.create", own or {None})
    form = PartnershipForm()
    programmes = services.list_programmes()

    def label(p: Programme) -> str:
        return f"{p.institution.code} · {p.code} — {localized(p, 'name')}"

    first = [p for p in programmes if own is None or p.institution_id in own]
    form.programme_a.choices = [SelectChoice(str(p.id), label(p)) for p in first]
    form.programme_b.choices = [SelectChoice(str(p.id), label(p)) for p in programmes
                                if own is None or p.institution_id not in own]
    if form.validate_on_submit():
        try:
            created = services.create_partnership(
                services.get_programme(form.programme_a.data),
                services.get_programme(form.programme_b.data), form.data, current_user)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("Partnership %(code)s proposed; the partner's registrars are notified.",
                    code=created.code), "success")
            return redirect(url_for("catalog.partnership", partnership_id=created.id))
    return render_template("catalog/partnership_form.html", form=form), (
        400 if form.is_submitted() else 200)


@register_card("catalog/_institution_card.html",
               {Role.REGISTRAR, Role.PROFESSOR, Role.STUDENT}, order=20)
def _institution_card(user: User) -> dict[str, Any] | None:
    if user.institution is None:
        return None
    return {"institution": user.institution,
            "programmes": services.list_programmes(user.institution)}


@register_card("catalog/_partnerships_card.html", {Role.ADMIN, Role.REGISTRAR}, order=30)
def _partnerships_card(user: User) -> dict[str, Any] | None:
    items = services.list_partnerships()
    if user.role is Role.REGISTRAR:
        items = [p for p in items if user.institution_id in p.institution_ids()]
    return {"partnerships": items}
