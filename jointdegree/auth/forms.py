"""Login and profile forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, EqualTo, Length

from jointdegree.auth.passwords import MIN_LENGTH
from jointdegree.i18n import LANGUAGES


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "username", "autofocus": True})
    password = PasswordField(_l("Password"), validators=[DataRequired()],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Remember me on this device"))
    submit = SubmitField(_l("Log in"))


class PreferencesForm(FlaskForm):
    locale = SelectField(_l("Language"), choices=[])
    timezone = SelectField(_l("Time zone"), choices=[])
    submit = SubmitField(_l("Save preferences"))

    def __init__(self, *args: object, timezones: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.locale.choices = [SelectChoice("", _l("As my browser asks")),
                               *(SelectChoice(code, name) for code, name in LANGUAGES.items())]
        self.timezone.choices = [SelectChoice("", _l("My institution's time zone")),
                                 *(SelectChoice(name) for name in timezones)]


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()],
                                     render_kw={"autocomplete": "current-password"})
    new_password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(min=MIN_LENGTH)],
        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords differ."))],
        render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("Change password"))


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=100)],
                       render_kw={"placeholder": _l("e.g. grade import script")})
    expires = SelectField(_l("Expires"), default="90",
                          choices=[SelectChoice("30", _l("in 30 days")),
                                   SelectChoice("90", _l("in 90 days")),
                                   SelectChoice("365", _l("in one year")),
                                   SelectChoice("", _l("never"))])
    submit = SubmitField(_l("Create token"))
