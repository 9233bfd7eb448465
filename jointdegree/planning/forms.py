"""Forms for students, certificates, results, requirements, exceptions and study plans."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Optional


def _script_choices() -> list[SelectChoice]:
    return [SelectChoice("latin", _l("Latin script")),
            SelectChoice("han", _l("Chinese characters"))]


class StudentForm(FlaskForm):
    family_name = StringField(_l("Family name (Latin script)"))
    given_names = StringField(_l("Given names (Latin script)"))
    name_han = StringField(_l("Name in Chinese characters"))
    primary_script = SelectField(_l("Primary name"), choices=_script_choices)
    email = StringField(_l("E-mail"), validators=[DataRequired()])
    nationality = StringField(_l("Nationality (country code)"), validators=[DataRequired()])
    birth_date = DateField(_l("Date of birth"), validators=[Optional()])
    cohort = StringField(_l("Intake year"), validators=[DataRequired()])
    number_a = StringField()  # labelled with the institution's name by the view
    number_b = StringField()
    version = HiddenField()
    submit = SubmitField(_l("Save"))


def _exam_choices() -> list[SelectChoice]:
    return [SelectChoice(e) for e in ("DELF", "DALF", "TCF", "TEF", "HSK")]


class CertificationForm(FlaskForm):
    exam = SelectField(_l("Exam"), choices=_exam_choices)
    level = StringField(_l("Level"), validators=[DataRequired()])
    taken_on = DateField(_l("Date passed"), validators=[DataRequired()])
    submit = SubmitField(_l("Add the certificate"))


def _attempt_choices() -> list[SelectChoice]:
    return [SelectChoice("first", _l("First attempt (session 1 / 正考)")),
            SelectChoice("resit", _l("Resit (session 2, rattrapage / 补考)")),
            SelectChoice("retake", _l("Course retaken (重修)"))]


def _status_choices() -> list[SelectChoice]:
    return [SelectChoice("", _l("From the grade (passed or failed)")),
            SelectChoice("compensated", _l("Validated by compensation")),
            SelectChoice("recognised", _l("Recognised from the partner")),
            SelectChoice("in_progress", _l("In progress"))]


class ResultForm(FlaskForm):
    course = SelectField(_l("Course"), validators=[DataRequired()])
    term = SelectField(_l("Term"), validators=[DataRequired()])
    attempt = SelectField(_l("Attempt"), choices=_attempt_choices)
    grade = StringField(_l("Grade"))
    status = SelectField(_l("Status"), choices=_status_choices)
    credits_earned = StringField(_l("Credits earned"))
    submit = SubmitField(_l("Record the result"))


class ResultsImportForm(FlaskForm):
    file = FileField(_l("Results file"), validators=[FileRequired()])
    submit = SubmitField(_l("Check the file"))


class ConfirmResultsImportForm(FlaskForm):
    upload_id = HiddenField()
    submit = SubmitField(_l("Import these results"))


class RosterForm(FlaskForm):
    """The grade inputs are plain fields named grade-<student id>, read by the view."""

    submit = SubmitField(_l("Save the grades"))


def _format_choices() -> list[SelectChoice]:
    return [SelectChoice("yaml", "YAML"), SelectChoice("json", "JSON")]


class RequirementsForm(FlaskForm):
    format = SelectField(_l("Format"), choices=_format_choices)
    document = TextAreaField(_l("Requirements"), render_kw={"rows": 30, "spellcheck": "false"})
    file = FileField(_l("Or send a file (.json, .yaml)"))
    version = HiddenField()
    submit = SubmitField(_l("Check and save"))


def _exception_kind_choices() -> list[SelectChoice]:
    return [SelectChoice("substitute", _l("Substitute: this course counts in place of that one")),
            SelectChoice("also_allow", _l("Also allow: this course may count toward a rule")),
            SelectChoice("apply_here", _l("Apply here: this course counts toward a rule")),
            SelectChoice("force_complete", _l("Force complete: the rule is met")),
            SelectChoice("waive", _l("Waive: the rule is not required"))]


class ExceptionForm(FlaskForm):
    programme = SelectField(_l("Degree"), validators=[DataRequired()])
    kind = SelectField(_l("Kind of exception"), choices=_exception_kind_choices)
    rule_id = SelectField(_l("Requirement"), validate_choice=False)
    course_id = SelectField(_l("Course"), validate_choice=False)
    replaces_course_id = SelectField(_l("In place of"), validate_choice=False)
    reason = TextAreaField(_l("Reason"), render_kw={"rows": 3})
    submit = SubmitField(_l("Grant the exception"))


class PlanForm(FlaskForm):
    name = StringField(_l("Name of the plan"), validators=[DataRequired()])
    submit = SubmitField(_l("Create the plan"))


class SemesterForm(FlaskForm):
    term = SelectField(_l("Term"), validators=[DataRequired()])
    remote = BooleanField(_l("Followed remotely (videoconference)"))
    version = HiddenField()
    submit = SubmitField(_l("Add the semester"))


class PlanCourseForm(FlaskForm):
    course = SelectField(_l("Course"), validators=[DataRequired()])
    version = HiddenField()
    submit = SubmitField(_l("Add"))


class PlanActionForm(FlaskForm):
    """Submit, approve, remove: a button with the version the user saw."""

    version = HiddenField()
    submit = SubmitField(_l("Confirm"))


class CommentForm(FlaskForm):
    body = TextAreaField(_l("Comment"), validators=[DataRequired()], render_kw={"rows": 3})
    submit = SubmitField(_l("Post the comment"))
