"""Login, logout and the profile page."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask import session as flask_session
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from jointdegree.auth import services, tokens
from jointdegree.auth.forms import LoginForm, PasswordForm, PreferencesForm, TokenForm
from jointdegree.db import utcnow
from jointdegree.errors import Throttled, ValidationFailed
from jointdegree.forms import apply_errors
from jointdegree.timezones import all_timezones
from jointdegree.web import redirect_next

bp = Blueprint("auth", __name__)

COMMON_TIMEZONES = ["Europe/Paris", "Asia/Shanghai", "UTC"]


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect_next()
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data or "", form.password.data or "",
                                         request.remote_addr or "unknown")
        except Throttled as exc:
            form.form_errors.append(str(exc.message))
            return render_template("auth/login.html", form=form), 429, {
                "Retry-After": str(exc.retry_after)}
        if user is not None:
            # A new session at login (no fixation): nothing of the visitor's session is kept,
            # notably not its CSRF secret, which whoever planted that session would know.
            # (The visitor's language is a cookie of its own.)
            flask_session.clear()
            login_user(user, remember=bool(form.remember.data))
            return redirect_next()
        # Same words whether the account exists or not.
        form.password.errors = [_("Wrong e-mail address or password.")]
        status = 401
    elif form.is_submitted():
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    if current_user.is_authenticated:
        services.end_sessions(current_user)
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


def _timezones() -> list[str]:
    return COMMON_TIMEZONES + sorted(all_timezones() - set(COMMON_TIMEZONES))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile() -> str | Response | tuple[str, int]:
    preferences = PreferencesForm(
        prefix="pref", timezones=_timezones(),
        data={"locale": current_user.locale or "", "timezone": current_user.timezone or ""})
    password = PasswordForm(prefix="pw")
    token_form = TokenForm(prefix="tok")
    new_token = None
    status = 200
    if request.method == "POST" and "tok-submit" in request.form:
        if token_form.validate_on_submit():
            try:
                new_token = tokens.create_token(current_user._get_current_object(),
                                                token_form.name.data or "",
                                                int(token_form.expires.data)
                                                if token_form.expires.data else None)
            except ValidationFailed as exc:
                apply_errors(token_form, exc)
                status = 400
            else:
                token_form = TokenForm(prefix="tok", formdata=None)
        else:
            status = 400
    elif request.method == "POST":
        if "pref-submit" in request.form and preferences.validate_on_submit():
            try:
                services.update_preferences(current_user, locale=preferences.locale.data,
                                            timezone=preferences.timezone.data)
            except ValidationFailed as exc:
                apply_errors(preferences, exc)
                status = 400
            else:
                flash(_("Your preferences are saved."), "success")
                return redirect(url_for("auth.profile"))
        elif "pw-submit" in request.form and password.validate_on_submit():
            try:
                services.change_password(current_user, password.current_password.data or "",
                                         password.new_password.data or "")
            except ValidationFailed as exc:
                apply_errors(password, exc)
                status = 400
            else:
                # The session id embeds auth_version: log in again to get the new one.
                login_user(current_user._get_current_object(), remember=False)
                flash(_("Your password is changed; your other sessions are closed."), "success")
                return redirect(url_for("auth.profile"))
        else:
            status = 400
    return render_template("auth/profile.html", preferences=preferences, password=password,
                           token_form=token_form, new_token=new_token,
                           tokens=tokens.list_tokens(current_user), now=utcnow()), status


@bp.route("/profile/tokens/<id:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int) -> Response:
    token = tokens.revoke_token(current_user._get_current_object(), token_id)
    flash(_("Token %(name)s revoked: it no longer works.", name=token.name), "success")
    return redirect(url_for("auth.profile") + "#tokens")
