"""The grade conversion page, and the partnership's grade conversion settings with its chart."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from jointdegree.auth.models import Role
from jointdegree.auth.policy import authorize, can
from jointdegree.catalog import services as catalog
from jointdegree.db import as_id
from jointdegree.errors import Conflict, NotFound, ValidationFailed
from jointdegree.forms import apply_errors
from jointdegree.i18n import content_language, localized
from jointdegree.matching import grading
from jointdegree.matching.explain import explain
from jointdegree.matching.forms import GradeConversionForm, GradeRuleForm
from jointdegree.web import NAVIGATION

bp = Blueprint("grades", __name__)
bp.add_app_template_global(explain)  # conversion traces in the reader's language
NAVIGATION.append(("grades.convert", _l("Grades"), frozenset(Role)))

METHOD_LABELS: dict[str, Any] = {
    "agreed_table": _l("Agreed table"),
    "pass_anchored_linear": _l("Pass-anchored linear"),
    "pku_formula": _l("4.0 formula 4 − 3(100 − x)²/1600"),
    "grading_table": _l("ECTS grading tables (percentile position)"),
    "identity": _l("Same scale"),
}



@bp.route("/grades/convert")
@login_required
def convert() -> str | tuple[str, int]:
    form = GradeConversionForm(request.args)
    partnerships = catalog.list_partnerships()
    scales = grading.all_scales()
    lang = content_language()
    form.partnership.choices = [(str(p.id), localized(p, "name")) for p in partnerships]
    form.from_scale.choices = [(code, f"{code} — {s.name(lang)}") for code, s in scales.items()]
    form.to_scale.choices = form.from_scale.choices
    if not request.args:
        form.from_scale.data, form.to_scale.data = "cn-100", "fr-20"
    result = None
    status = 200
    if request.args.get("grade"):
        try:
            partnership = catalog.get_partnership(int(form.partnership.data or 0))
            result = grading.convert_grade(partnership, form.from_scale.data or "",
                                           form.to_scale.data or "", form.grade.data)
        except (ValidationFailed, NotFound) as exc:
            apply_errors(form, exc)
            status = 400
        except ValueError:
            form.form_errors.append(_("Choose a double degree."))
            status = 400
    target = scales.get(form.to_scale.data or "")
    return render_template("grades/convert.html", form=form, result=result, target=target,
                           lang=lang, method_labels=METHOD_LABELS), status


@bp.route("/partnerships/<id:partnership_id>/grades", methods=["GET", "POST"])
@login_required
def settings(partnership_id: int) -> str | Response | tuple[str, int]:
    partnership = catalog.get_partnership(partnership_id)
    editable = can(current_user, "partnership.edit", partnership)
    pairs = grading.scale_pairs(partnership)
    rules = grading.rules_of(partnership)
    forms = {}
    status = 200
    for pair in pairs:
        form = GradeRuleForm(prefix=f"{pair[0]}-{pair[1]}")
        form.method.choices = [(m, str(METHOD_LABELS[m]))
                               for m in grading.available_methods(*pair)]
        rule = rules.get(pair)
        if request.method == "GET":
            form.method.data = rule.method if rule else form.method.choices[0][0]
            form.version.data = str(rule.version) if rule else ""
        forms[pair] = form
    if request.method == "POST":
        authorize("partnership.edit", partnership)
        for pair, form in forms.items():
            if f"{form._prefix}submit" in request.form and form.validate_on_submit():
                try:
                    version = as_id(form.version.data)  # not int(): "²".isdigit() is true
                    grading.set_grade_rule(partnership, pair[0], pair[1], form.method.data or "",
                                           current_user, expected_version=version)
                except (ValidationFailed, Conflict) as exc:
                    form.form_errors.append(str(exc.message))
                    status = 400
                else:
                    flash(_("Grade conversion method saved."), "success")
                    return redirect(url_for("grades.settings", partnership_id=partnership.id))
        status = status if status != 200 else 400
    charts = {}
    for pair in pairs:
        charts[pair] = grading.curve(partnership, *pair)
    scales = grading.all_scales()
    tables = {code: grading.reference_table(partnership, scales[code])
              for code in dict.fromkeys(code for pair in pairs for code in pair)
              if code in scales}
    return render_template("grades/settings.html", partnership=partnership, pairs=pairs,
                           forms=forms, charts=charts, editable=editable, rules=rules,
                           scales=scales, lang=content_language(), tables=tables,
                           min_group=grading.MIN_GROUP, method_labels=METHOD_LABELS), status
