"""Forms for institutions, programmes, terms and partnerships."""

from __future__ import annotations

from enum import Enum

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from jointdegree.catalog.models import (
    CourseDelivery,
    CourseKind,
    CourseStatus,
    CreditSystem,
    DegreeLevel,
    PartnershipStatus,
)
from jointdegree.labels import LABELS


class NamesMixin:
    name_fr = StringField(_l("Name in French"), validators=[Optional(), Length(max=300)],
                          render_kw={"lang": "fr"})
    name_zh = StringField(_l("Name in Chinese"), validators=[Optional(), Length(max=300)],
                          render_kw={"lang": "zh-Hans"})
    name_en = StringField(_l("Name in English"), validators=[Optional(), Length(max=300)],
                          render_kw={"lang": "en"})


def _choices(enum_cls: type[Enum]) -> list[SelectChoice]:
    return [SelectChoice(member.value, LABELS[member]) for member in enum_cls]


def level_choices() -> list[SelectChoice]:
    return _choices(DegreeLevel)


def credit_system_choices() -> list[SelectChoice]:
    return _choices(CreditSystem)


def status_choices() -> list[SelectChoice]:
    return _choices(PartnershipStatus)


class InstitutionForm(NamesMixin, FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)])
    country = StringField(_l("Country (ISO code)"), validators=[DataRequired(), Length(2, 2)])
    city_fr = StringField(_l("City in French"), validators=[Optional(), Length(max=120)])
    city_zh = StringField(_l("City in Chinese"), validators=[Optional(), Length(max=120)])
    city_en = StringField(_l("City in English"), validators=[Optional(), Length(max=120)])
    timezone = StringField(_l("Time zone (IANA)"), validators=[DataRequired()],
                           render_kw={"placeholder": "Europe/Paris"})
    credit_system = SelectField(_l("Credit system"), choices=credit_system_choices)
    grading_scale = StringField(_l("Grading scale code"), validators=[DataRequired()],
                                render_kw={"placeholder": "fr-20"})
    submit = SubmitField(_l("Create institution"))


class ProgrammeForm(NamesMixin, FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)])
    level = SelectField(_l("Degree level"), choices=level_choices)
    required_credits = DecimalField(_l("Required credits"), places=1,
                                    validators=[InputRequired(), NumberRange(min=0.5)])
    duration_semesters = IntegerField(_l("Duration (semesters)"),
                                      validators=[InputRequired(), NumberRange(1, 16)])
    active = BooleanField(_l("Open to new students"), default=True)
    submit = SubmitField(_l("Add programme"))


class TermForm(NamesMixin, FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)],
                       render_kw={"placeholder": "2026-S1"})
    academic_year = StringField(_l("Academic year"), validators=[DataRequired()],
                                render_kw={"placeholder": "2026-2027"})
    starts_on = DateField(_l("First day"), validators=[InputRequired()])
    ends_on = DateField(_l("Last day"), validators=[InputRequired()])
    submit = SubmitField(_l("Add term"))


class PartnershipForm(NamesMixin, FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)])
    programme_a = SelectField(_l("Programme at the first institution"), coerce=int,
                              choices=[])
    programme_b = SelectField(_l("Programme at the partner institution"), coerce=int,
                              choices=[])
    first_intake_year = IntegerField(_l("First intake (year)"),
                                     validators=[InputRequired(), NumberRange(1990, 2100)])
    status = SelectField(_l("Status"), choices=status_choices)
    submit = SubmitField(_l("Propose partnership"))


LEVELS_BY_COUNTRY: dict[str, tuple[str, ...]] = {
    "FR": ("licence", "master", "doctorat"),
    "CN": ("本科", "研究生", "博士"),
}
DEFAULT_LEVELS = ("bachelor", "master", "doctorate")


def delivery_choices() -> list[SelectChoice]:
    return _choices(CourseDelivery)


def kind_choices() -> list[SelectChoice]:
    return _choices(CourseKind)


def course_status_choices() -> list[SelectChoice]:
    return _choices(CourseStatus)


class CourseForm(FlaskForm):
    """Field names are the catalog file's column names: one validation for both."""

    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)])
    title_fr = StringField(_l("Title in French"), validators=[Optional(), Length(max=300)],
                           render_kw={"lang": "fr"})
    title_zh = StringField(_l("Title in Chinese"), validators=[Optional(), Length(max=300)],
                           render_kw={"lang": "zh-Hans"})
    title_en = StringField(_l("Title in English"), validators=[Optional(), Length(max=300)],
                           render_kw={"lang": "en"})
    description_fr = TextAreaField(_l("Description in French"), render_kw={"lang": "fr"})
    description_zh = TextAreaField(_l("Description in Chinese"), render_kw={"lang": "zh-Hans"})
    description_en = TextAreaField(_l("Description in English"), render_kw={"lang": "en"})
    outcomes_fr = TextAreaField(_l("Learning outcomes in French"), render_kw={"lang": "fr"})
    outcomes_zh = TextAreaField(_l("Learning outcomes in Chinese"),
                                render_kw={"lang": "zh-Hans"})
    outcomes_en = TextAreaField(_l("Learning outcomes in English"), render_kw={"lang": "en"})
    credits = StringField(_l("Credits"), validators=[DataRequired()],
                          render_kw={"inputmode": "decimal"})
    contact_hours = StringField(_l("Contact hours"), render_kw={"inputmode": "decimal"})
    self_study_hours = StringField(_l("Self-study hours"), render_kw={"inputmode": "decimal"})
    level = SelectField(_l("Level"), choices=[])
    isced = StringField(_l("Field (ISCED-F 2013 code)"), validators=[Optional()],
                        render_kw={"placeholder": "0613", "list": "isced-codes"})
    languages = SelectMultipleField(_l("Languages of instruction"), choices=[])
    terms = SelectMultipleField(_l("Terms offered"), choices=[])
    delivery = SelectField(_l("Delivery"), choices=delivery_choices)
    kind = SelectField(_l("Kind of course"), choices=kind_choices)
    prerequisites = SelectMultipleField(_l("Prerequisites"), choices=[])
    status = SelectField(_l("Status"), choices=course_status_choices)
    version = HiddenField()
    submit = SubmitField(_l("Save course"))

    def setup(self, country: str, terms: list[tuple[str, str]],
              courses: list[tuple[str, str]]) -> None:
        levels = LEVELS_BY_COUNTRY.get(country, DEFAULT_LEVELS)
        self.level.choices = [SelectChoice(level) for level in levels]
        self.languages.choices = [SelectChoice(code, name) for code, name in LANGUAGE_NAMES]
        self.terms.choices = [SelectChoice(code, label) for code, label in terms]
        self.prerequisites.choices = [SelectChoice(code, label) for code, label in courses]

    def as_row(self) -> dict[str, str]:
        """The form's values as a catalog file row."""
        row = {}
        for name in ("code", "title_fr", "title_zh", "title_en", "description_fr",
                     "description_zh", "description_en", "outcomes_fr", "outcomes_zh",
                     "outcomes_en", "credits", "contact_hours", "self_study_hours", "level",
                     "isced", "delivery", "kind", "status"):
            row[name] = (getattr(self, name).data or "").strip()
        for name in ("languages", "terms", "prerequisites"):
            row[name] = ";".join(getattr(self, name).data or [])
        return row


LANGUAGE_NAMES: tuple[tuple[str, object], ...] = (
    ("fr", _l("French")), ("zh", _l("Chinese")), ("en", _l("English")),
)


class CourseSearchForm(FlaskForm):
    """The search form: a GET form, so results and filters live in a shareable URL."""

    class Meta:
        csrf = False

    q = StringField(_l("Text"), render_kw={"placeholder": _l("title or code, any language"),
                                           "type": "search"})
    institution = SelectField(_l("Institution"), choices=[])
    cycle = SelectField(_l("Level"), choices=[])
    isced = StringField(_l("Field (ISCED)"), render_kw={"placeholder": "06"})
    credits_min = StringField(_l("Credits from"), render_kw={"inputmode": "decimal"})
    credits_max = StringField(_l("to"), render_kw={"inputmode": "decimal"})
    language = SelectField(_l("Language"), choices=[])
    term = StringField(_l("Term code"), render_kw={"placeholder": "2026-S1"})
    delivery = SelectField(_l("Delivery"), choices=[])
    status = SelectField(_l("Status"), choices=[])
    submit = SubmitField(_l("Search"))

    def setup(self, institutions: list[tuple[str, str]]) -> None:
        anything = SelectChoice("", _l("Any"))
        self.institution.choices = [anything, *(SelectChoice(c, n) for c, n in institutions)]
        self.cycle.choices = [anything, *_choices(DegreeLevel)]
        self.language.choices = [anything, *(SelectChoice(c, n) for c, n in LANGUAGE_NAMES)]
        self.delivery.choices = [anything, *delivery_choices()]
        self.status.choices = [SelectChoice("active", LABELS[CourseStatus.ACTIVE]),
                               SelectChoice("retired", LABELS[CourseStatus.RETIRED]),
                               SelectChoice("all", _l("Active and retired"))]


class ImportForm(FlaskForm):
    file = FileField(_l("Catalog file (CSV or XLSX)"), validators=[FileRequired()])
    submit = SubmitField(_l("Check the file"))


class ConfirmImportForm(FlaskForm):
    upload_id = HiddenField()
    submit = SubmitField(_l("Import"))
