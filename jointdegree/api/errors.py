"""One JSON error shape for the whole API: ``{"error": {"code", "message", "fields"}}``.

Codes are stable (clients branch on them); messages follow the request's Accept-Language.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from jointdegree.errors import ServiceError

HTTP_CODES: dict[int, tuple[str, Any]] = {
    400: ("bad_request", _l("The request could not be understood.")),
    401: ("unauthorized", _l("Send a valid token: Authorization: Bearer <token>.")),
    403: ("forbidden", _l("Your account is not allowed to see or change this.")),
    404: ("not_found", _l("There is nothing at this address.")),
    405: ("method_not_allowed", _l("This address does not accept this method.")),
    409: ("conflict", _l("The request conflicts with the current state of the resource.")),
    413: ("payload_too_large", _l("The request body is too large.")),
    415: ("unsupported_media_type", _l("Send the body as application/json.")),
    428: ("precondition_required",
          _l("Send If-Match with the resource's ETag (its version) to change it.")),
    429: ("too_many_requests", _l("Too many requests. Wait and try again.")),
    500: ("internal_error", _l("Something went wrong on our side. It has been logged.")),
}


def error_response(status: int, code: str, message: Any,
                   fields: dict[str, Any] | None = None,
                   headers: dict[str, str] | None = None) -> Response:
    body = {"error": {"code": code, "message": str(message),
                      "fields": {k: str(v) for k, v in (fields or {}).items()}}}
    response = jsonify(body)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def from_http_exception(error: HTTPException) -> Response:
    status = error.code or 500
    code, message = HTTP_CODES.get(status, ("error", error.description or error.name))
    headers = {}
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="jointdegree"'
    valid_methods = getattr(error, "valid_methods", None)
    if status == 405 and valid_methods:
        headers["Allow"] = ", ".join(valid_methods)
    api_code = getattr(error, "api_code", None)
    api_message = getattr(error, "api_message", None)
    retry_after = getattr(error, "retry_after", None)
    if retry_after:
        headers["Retry-After"] = str(retry_after)
    return error_response(status, api_code or code, api_message or message, headers=headers)


def from_service_error(error: ServiceError) -> Response:
    headers = {}
    if getattr(error, "retry_after", None):
        headers["Retry-After"] = str(error.retry_after)  # type: ignore[attr-defined]
    return error_response(error.http_status, error.code, error.message, error.fields, headers)


class ApiError(HTTPException):
    """An HTTP error with a specific API code and message (e.g. 401 token_expired)."""

    def __init__(self, status: int, api_code: str, message: Any,
                 retry_after: int | None = None) -> None:
        super().__init__(description=str(message))
        self.code = status
        self.api_code = api_code
        self.api_message = message
        self.retry_after = retry_after
