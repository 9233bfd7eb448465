"""Forms for institutions, programmes, terms and partnerships."""

from __future__ import annotations

from enum import Enum

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from jointdegree.catalog.models import CreditSystem, DegreeLevel, PartnershipStatus
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
