"""Wiring of the web side: login manager, CSRF, blueprints, error pages, template helpers."""

from __future__ import annotations

import logging
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from babel.numbers import get_decimal_symbol
from flask import (
    Flask,
    abort,
    has_request_context,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_date, format_datetime, format_decimal
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.routing import IntegerConverter
from werkzeug.wrappers import Response

from jointdegree.auth.models import Role
from jointdegree.auth.policy import can
from jointdegree.db import MAX_ID
from jointdegree.errors import ServiceError
from jointdegree.labels import (
    audit_word,
    course_kind_label,
    credit_unit,
    honours_text,
    label,
    reason_text,
    row_error_text,
    teaching_reason,
    weekday_label,
)

log = logging.getLogger(__name__)

csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please log in to see this page.")
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"


@login_manager.user_loader
def _load_user(session_id: str) -> Any:
    from jointdegree.auth.services import load_user

    return load_user(session_id)


# Navigation per role: (endpoint, label, roles). Features append their entries.
NAVIGATION: list[tuple[str, Any, frozenset[Role]]] = [
    ("home.index", _l("Home"), frozenset(Role)),
    ("catalog.institutions", _l("Institutions"), frozenset(Role)),
    ("courses.search", _l("Courses"), frozenset(Role)),
    ("catalog.partnerships", _l("Double degrees"), frozenset(Role)),
]


def navigation_for(role: Role | None) -> list[tuple[str, Any]]:
    if role is None:
        return []
    return [(endpoint, label) for endpoint, label, roles in NAVIGATION if role in roles]


def _format_credits(value: Decimal | int | None) -> str:
    """6 → "6", 7.5 → "7.5" / "7,5": the locale's decimal sign (Babel for large numbers)."""
    if value is None:
        return ""
    value = Decimal(value)
    if abs(value) >= 1000:
        return format_decimal(value, format="#,##0.#")
    text = format(value.normalize(), "f")
    return text.replace(".", _decimal_sign()) if "." in text else text


def _decimal_sign() -> str:
    from flask_babel import get_locale

    return get_decimal_symbol(get_locale())


def _format_date(value: date | None, fmt: str = "medium") -> str:
    return "" if value is None else format_date(value, fmt)


def _format_datetime(value: datetime | None, fmt: str = "medium") -> str:
    return "" if value is None else format_datetime(value, fmt)


def _isced_name(code: str) -> str:
    from jointdegree.catalog.isced import isced_name
    from jointdegree.i18n import content_language

    lang = content_language()
    return isced_name(code, lang) or ""


class IdConverter(IntegerConverter):
    """``<id:name>``: a positive database id; anything larger than a 32-bit key is a 404, not a
    database overflow (500).

    The regex itself only matches 1..2**31 - 1 (no leading zero): a value the converter refused
    after the regex matched would make Werkzeug answer 405 (a rule for another method matched the
    path) instead of 404, e.g. ``PATCH /api/v1/courses/0``."""

    regex = (r"[1-9]\d{0,8}|1\d{9}|20\d{8}|21[0-3]\d{7}|214[0-6]\d{6}|2147[0-3]\d{5}"
             r"|21474[0-7]\d{4}|214748[0-2]\d{3}|2147483[0-5]\d{2}|21474836[0-3]\d|214748364[0-7]")

    def __init__(self, url_map: Any) -> None:
        super().__init__(url_map, min=1, max=MAX_ID)


def init_app(app: Flask) -> None:
    app.url_map.converters["id"] = IdConverter
    from jointdegree import api
    from jointdegree.auth.views import bp as auth_bp
    from jointdegree.catalog.course_views import bp as courses_bp
    from jointdegree.catalog.views import bp as catalog_bp
    from jointdegree.diplomas.views import bp as diplomas_bp
    from jointdegree.home.views import bp as home_bp
    from jointdegree.matching.grade_views import bp as grades_bp
    from jointdegree.matching.views import bp as matching_bp
    from jointdegree.notifications.views import bp as notifications_bp
    from jointdegree.planning import plan_views  # noqa: F401 - adds the plan and audit pages
    from jointdegree.planning.views import bp as planning_bp
    from jointdegree.teaching.views import bp as teaching_bp

    csrf.init_app(app)
    login_manager.init_app(app)

    @app.before_request
    def _refuse_nul_characters() -> None:
        """PostgreSQL text cannot hold U+0000: a NUL in the address, the query or a form would
        fail deep inside a database query (a 500). No record has one in its key (404); a query
        or form carrying one is refused (400). The API checks its query and JSON body where it
        parses them (jointdegree.api.registry)."""
        if "\x00" in request.path:
            abort(404)
        if is_api_request():
            return
        fields = list(request.args.lists())
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            fields += list(request.form.lists())
        if any("\x00" in key or any("\x00" in value for value in values)
               for key, values in fields):
            abort(400)
    for blueprint in (auth_bp, home_bp, catalog_bp, courses_bp, matching_bp, grades_bp,
                      planning_bp, teaching_bp, diplomas_bp, notifications_bp):
        app.register_blueprint(blueprint)
    api.init_app(app)

    app.jinja_env.filters.update(credits=_format_credits, date=_format_date,
                                 datetime=_format_datetime)
    app.jinja_env.globals.update(can=can, Role=Role, label=label, role_label=label,
                                 credit_unit=credit_unit, isced_name=_isced_name,
                                 reason_text=reason_text, course_kind_label=course_kind_label,
                                 row_error_text=row_error_text,
                                 status_label=audit_word, audit_word=audit_word,
                                 teaching_reason=teaching_reason,
                                 weekday_label=weekday_label, honours_text=honours_text)

    @app.context_processor
    def _layout() -> dict[str, Any]:
        from jointdegree.notifications.services import unread_count

        authenticated = current_user.is_authenticated
        return {
            "navigation": navigation_for(current_user.role if authenticated else None),
            "unread_notifications": unread_count(current_user) if authenticated else 0,
        }

    @app.after_request
    def _security_headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; "
            "script-src 'self'; frame-ancestors 'none'; form-action 'self'")
        # What a signed-in user or an API client receives is theirs alone: no shared cache keeps
        # it, and the browser does not keep it on disk once they log out. That includes files
        # (send_file marks them "no-cache", which lets a proxy store them). A view may choose
        # private caching (a calendar feed) or declare a response public (the signing keys).
        personal = is_api_request() or getattr(current_user, "is_authenticated", False)
        explicit = response.cache_control.private or response.cache_control.public
        if personal and request.endpoint != "static" and not explicit:
            response.headers["Cache-Control"] = "private, no-store"
        return response

    register_error_pages(app)


def _error_page(status: int, title: Any, message: Any) -> tuple[str, int]:
    return render_template("errors/error.html", status=status, title=title,
                           message=message), status


ERROR_TEXT: dict[int, tuple[Any, Any]] = {
    400: (_l("Bad request"), _l("The request could not be understood.")),
    403: (_l("Not allowed"), _l("Your account is not allowed to see or change this.")),
    404: (_l("Page not found"), _l("There is nothing at this address.")),
    405: (_l("Method not allowed"), _l("This address does not accept this kind of request.")),
    409: (_l("Not possible now"), _l("The record is not in a state that allows this.")),
    413: (_l("Too large"), _l("The file or form you sent is too large.")),
    429: (_l("Too many requests"), _l("Please wait a moment and try again.")),
    500: (_l("Something went wrong"),
          _l("The error has been logged. Please try again later.")),
}


def register_error_pages(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(_error: CSRFError) -> tuple[str, int]:
        return _error_page(400, _l("Form expired"),
                           _l("The form was sent without a valid security token (it may have "
                              "expired). Go back, reload the page and send it again."))

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Any:
        if is_api_request():
            from jointdegree.api.errors import from_http_exception

            return from_http_exception(error)
        status = error.code or 500
        title, message = ERROR_TEXT.get(status, (error.name, error.description))
        return _error_page(status, title, message)

    @app.errorhandler(ServiceError)
    def _service(error: ServiceError) -> Any:
        # A service error that a view did not handle itself: show it, never a 500.
        return _error_page(error.http_status, ERROR_TEXT.get(error.http_status, ("", ""))[0],
                           error.message)

    @app.errorhandler(StaleDataError)
    def _stale(_error: StaleDataError) -> Any:
        # A save that lost a race, noticed outside a versioned_change(): a conflict, not a 500.
        from jointdegree.catalog.services import stale_conflict
        from jointdegree.db import session

        session.rollback()
        conflict = stale_conflict()
        if is_api_request():
            from jointdegree.api.errors import from_service_error

            return from_service_error(conflict)
        return _service(conflict)

    @app.errorhandler(500)
    def _internal(error: Exception) -> Any:
        if is_api_request():
            from jointdegree.api.errors import from_http_exception

            return from_http_exception(InternalServerError())
        return _error_page(500, *ERROR_TEXT[500])


def is_api_request() -> bool:
    return has_request_context() and request.path.startswith("/api/")


def safe_next(target: str | None) -> str:
    """Only same-site relative paths are followed after login (no open redirect).

    Browsers drop tabs and line breaks from URLs, so ``/\t/evil.example`` would become
    ``//evil.example``: such characters are removed before the checks.
    """
    target = re.sub(r"[\x00-\x20\x7f]", "", target or "")
    parts = urlsplit(target)
    if (target.startswith("/") and not target.startswith("//") and "\\" not in target
            and not parts.scheme and not parts.netloc):
        return target
    return url_for("home.index")


def redirect_next() -> Response:
    return redirect(safe_next(request.args.get("next")))
