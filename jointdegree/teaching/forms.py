"""Forms for lectures, teaching calendars, stays and teaching assignments."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TimeField,
)
from wtforms.validators import DataRequired, Optional


def _mode_choices() -> list[SelectChoice]:
    return [SelectChoice("remote", _l("Remote (videoconference)")),
            SelectChoice("in_person", _l("In person")), SelectChoice("hybrid", _l("Hybrid"))]


def _fold_choices() -> list[SelectChoice]:
    return [SelectChoice("", _l("No choice needed")),
            SelectChoice("0", _l("The first (before the clocks go back)")),
            SelectChoice("1", _l("The second (after the clocks go back)"))]


class SeriesForm(FlaskForm):
    zone = SelectField(_l("Time zone of the timetable"))
    first_date = DateField(_l("First lecture"), validators=[DataRequired()])
    starts_at = TimeField(_l("Start (local time in that zone)"), validators=[DataRequired()])
    fold = SelectField(_l("If that time happens twice"), choices=_fold_choices,
                       validators=[Optional()])
    duration_minutes = IntegerField(_l("Duration (minutes)"), default=90)
    until = DateField(_l("Last date (default: end of term)"), validators=[Optional()])
    mode = SelectField(_l("Mode"), choices=_mode_choices)
    video_link = StringField(_l("Video link (https)"))
    room = StringField(_l("Room"))
    audience = StringField(_l("Audience (cohort or group)"), validators=[DataRequired()])
    skip_clashes = BooleanField(_l("Cancel the weeks that clash (holidays, closures, other "
                                   "lectures) instead of refusing"))
    submit = SubmitField(_l("Schedule"))


class CancelForm(FlaskForm):
    original_date = HiddenField()
    reason = StringField(_l("Reason"))
    submit = SubmitField(_l("Cancel this week"))


class WindowForm(FlaskForm):
    starts_at = TimeField(_l("Teaching starts"), validators=[DataRequired()])
    ends_at = TimeField(_l("Teaching ends"), validators=[DataRequired()])
    submit = SubmitField(_l("Save the window"))


class ClosureForm(FlaskForm):
    starts_on = DateField(_l("First day"), validators=[DataRequired()])
    ends_on = DateField(_l("Last day"), validators=[Optional()])
    name_fr = StringField(_l("Name in French"))
    name_zh = StringField(_l("Name in Chinese"))
    name_en = StringField(_l("Name in English"))
    submit = SubmitField(_l("Add the closure"))


def _weekday_choices() -> list[SelectChoice]:
    return [SelectChoice("", _l("— (no timetable change)")), SelectChoice("0", _l("Monday")),
            SelectChoice("1", _l("Tuesday")), SelectChoice("2", _l("Wednesday")),
            SelectChoice("3", _l("Thursday")), SelectChoice("4", _l("Friday")),
            SelectChoice("5", _l("Saturday")), SelectChoice("6", _l("Sunday"))]


class DayRuleForm(FlaskForm):
    day = DateField(_l("Date"), validators=[DataRequired()])
    teaching = BooleanField(_l("Teaching day"))
    follows_weekday = SelectField(_l("Runs the timetable of"), choices=_weekday_choices,
                                  validators=[Optional()])
    note = StringField(_l("Why (notice, decision)"), validators=[DataRequired()])
    submit = SubmitField(_l("Save the day"))


class StayForm(FlaskForm):
    host = SelectField(_l("Host institution"))
    arrives_on = DateField(_l("Arrival"), validators=[DataRequired()])
    departs_on = DateField(_l("Departure"), validators=[DataRequired()])
    host_contact = StringField(_l("Host contact"))
    submit = SubmitField(_l("Add the stay"))


def _teaching_mode_choices() -> list[SelectChoice]:
    return [SelectChoice("home", _l("At home")),
            SelectChoice("remote", _l("Remotely, by videoconference from home")),
            SelectChoice("visiting", _l("Visiting, in person during a stay"))]


class AssignmentForm(FlaskForm):
    course = SelectField(_l("Course"), validators=[DataRequired()])
    term = SelectField(_l("Term"), validators=[DataRequired()])
    professor = SelectField(_l("Professor"), validators=[DataRequired()])
    mode = SelectField(_l("Teaching mode"), choices=_teaching_mode_choices)
    submit = SubmitField(_l("Assign"))


class FeedForm(FlaskForm):
    kind = HiddenField()
    target = HiddenField()
    submit = SubmitField(_l("Get a calendar address"))


class AvailabilityForm(FlaskForm):
    file = FileField(_l("Busy times exported from your calendar (.ics)"),
                     validators=[FileRequired()])
    submit = SubmitField(_l("Import"))


class ProfileForm(FlaskForm):
    name_fr = StringField(_l("Name in French"))
    name_zh = StringField(_l("Name in Chinese"))
    name_en = StringField(_l("Name in English"))
    subjects = StringField(_l("Subjects (separated by ;)"))
    submit = SubmitField(_l("Save the profile"))
