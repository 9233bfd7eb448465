"""Forms for credit rules, equivalences, faculty review and syllabi."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional


def _kind_choices() -> list[SelectChoice]:
    return [SelectChoice("any", _l("All kinds (default rule)")),
            SelectChoice("lecture", _l("Lecture")), SelectChoice("lab", _l("Lab / practical")),
            SelectChoice("thesis", _l("Thesis")), SelectChoice("internship", _l("Internship"))]


def _method_choices() -> list[SelectChoice]:
    return [SelectChoice("ratio", _l("Fixed ratio")),
            SelectChoice("workload", _l("Workload (hours)"))]


def _rounding_choices() -> list[SelectChoice]:
    return [SelectChoice("half_up", _l("to nearest, halves up")),
            SelectChoice("half_even", _l("to nearest, halves to even")),
            SelectChoice("down", _l("down")), SelectChoice("up", _l("up"))]


def _step_choices() -> list[SelectChoice]:
    return [SelectChoice(v) for v in ("0.1", "0.25", "0.5", "1")]


class RuleForm(FlaskForm):
    kind = SelectField(_l("Kind of course"), choices=_kind_choices)
    method = SelectField(_l("Method"), choices=_method_choices)
    ects_per_cn = StringField(_l("ECTS per Chinese credit (ratio)"), default="1.5")
    hours_per_ects = StringField(_l("Hours of total workload per ECTS"), default="27.5")
    contact_hours_per_cn = StringField(_l("Contact hours per Chinese credit"), default="16")
    step = SelectField(_l("Round ECTS to"), choices=_step_choices, default="0.5")
    cn_step = SelectField(_l("Round Chinese credits to"), choices=_step_choices, default="0.5")
    rounding = SelectField(_l("Rounding"), choices=_rounding_choices)
    credited = BooleanField(_l("Credited on the Chinese side"), default=True)
    version = HiddenField()
    submit = SubmitField(_l("Save rule"))


class ProposeForm(FlaskForm):
    courses_a = SelectMultipleField(_l("Courses at the first institution"), choices=[],
                                    validators=[DataRequired()])
    courses_b = SelectMultipleField(_l("Courses at the partner institution"), choices=[],
                                    validators=[DataRequired()])
    first_year = IntegerField(_l("From academic year (starting)"),
                              validators=[InputRequired(), NumberRange(1990, 2100)])
    last_year = IntegerField(_l("Until academic year (starting; empty = open)"),
                             validators=[Optional(), NumberRange(1990, 2100)])
    note = TextAreaField(_l("Note"))
    submit = SubmitField(_l("Propose equivalence"))


class DecisionForm(FlaskForm):
    reason = TextAreaField(_l("Reason (required to reject)"))
    version = HiddenField()
    approve = SubmitField(_l("Approve for my institution"))
    reject = SubmitField(_l("Reject"))


class ConfirmReviewForm(FlaskForm):
    note = StringField(_l("What you checked"))
    submit = SubmitField(_l("Reviewed: keep the equivalence"))


class RequestReviewForm(FlaskForm):
    professor = SelectField(_l("Professor"), choices=[])
    question = TextAreaField(_l("Question"))
    submit = SubmitField(_l("Ask for a recommendation"))


class AnswerReviewForm(FlaskForm):
    recommendation = SelectField(_l("Recommendation"), choices=lambda: [
        SelectChoice("approve", _l("Approve")), SelectChoice("reject", _l("Reject")),
        SelectChoice("revise", _l("Revise (change the courses or credits)"))])
    comment = TextAreaField(_l("Comment"))
    submit = SubmitField(_l("Send recommendation"))


class SyllabusForm(FlaskForm):
    file = FileField(_l("Syllabus (PDF or text, at most 5 MB)"), validators=[FileRequired()])
    submit = SubmitField(_l("Upload"))


class GradeConversionForm(FlaskForm):
    """The conversion page: a GET form (nothing changes), so a result can be shared."""

    class Meta:
        csrf = False

    partnership = SelectField(_l("Double degree"), choices=[])
    from_scale = SelectField(_l("From scale"), choices=[])
    to_scale = SelectField(_l("To scale"), choices=[])
    grade = StringField(_l("Grade"), render_kw={"placeholder": "85", "inputmode": "decimal"})
    submit = SubmitField(_l("Convert"))


class GradeRuleForm(FlaskForm):
    from_scale = HiddenField()
    to_scale = HiddenField()
    method = SelectField(_l("Method"), choices=[])
    version = HiddenField()
    submit = SubmitField(_l("Save method"))
