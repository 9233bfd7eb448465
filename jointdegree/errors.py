"""Errors that services raise; web views show them beside the field, the API maps them to JSON.

Each carries a stable machine ``code`` and a translatable message, so the same failure reads the
same in a form, an API answer and a CLI line.
"""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    code = "error"
    http_status = 400

    def __init__(self, message: Any, *, code: str | None = None,
                 fields: dict[str, Any] | None = None) -> None:
        super().__init__(str(message))
        self.message = message  # may be a lazy string: rendered in the reader's language
        if code:
            self.code = code
        self.fields: dict[str, Any] = fields or {}


class ValidationFailed(ServiceError):
    code = "validation_failed"
    http_status = 400


class NotFound(ServiceError):
    code = "not_found"
    http_status = 404


class Conflict(ServiceError):
    code = "conflict"
    http_status = 409


class Throttled(ServiceError):
    code = "throttled"
    http_status = 429

    def __init__(self, message: Any, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
