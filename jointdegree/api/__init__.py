"""The JSON API under ``/api/v1``: token authentication, one error shape, OpenAPI 3.1."""

from __future__ import annotations

from flask import Flask

from jointdegree.api import (  # noqa: F401 - importing registers the routes
    diploma_resources,
    docs,
    matching_resources,
    planning_resources,
    resources,
    teaching_resources,
)
from jointdegree.api.errors import from_service_error
from jointdegree.api.registry import bp
from jointdegree.errors import ServiceError

bp.register_error_handler(ServiceError, from_service_error)


def init_app(app: Flask) -> None:
    from jointdegree.web import csrf

    csrf.exempt(bp)  # token-authenticated, never cookie-authenticated: no CSRF to defend
    app.register_blueprint(bp)
