"""Declaring an endpoint once: its route, schemas, and the checks every endpoint shares.

``@endpoint("GET", "/institutions", response=..., query=...)`` registers a view on the API
blueprint *and* describes it for the OpenAPI document, so the document cannot miss a route. The
wrapper authenticates the token, checks the content type, validates the body and the query
string against their pydantic models (400 with every bad field named), and serializes the
answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, ValidationError

from jointdegree.errors import ValidationFailed

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@dataclass
class Endpoint:
    method: str
    rule: str
    name: str
    summary: str
    tag: str
    description: str = ""
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    public: bool = False
    errors: tuple[int, ...] = ()
    conditional: bool = False  # takes If-Match; answers carry an ETag
    extra: dict[str, Any] = field(default_factory=dict)


ENDPOINTS: list[Endpoint] = []


# pydantic's messages are English: the common ones are worded here in the request's language.
VALIDATION_TEXT: dict[str, Any] = {
    "missing": _l("Required."),
    "extra_forbidden": _l("Unknown field."),
    "string_too_long": _l("At most %(max_length)s characters."),
    "string_too_short": _l("At least %(min_length)s characters."),
    "too_long": _l("At most %(max_length)s items."),
    "too_short": _l("At least %(min_length)s items."),
    "greater_than": _l("Must be greater than %(gt)s."),
    "greater_than_equal": _l("Must be at least %(ge)s."),
    "less_than": _l("Must be less than %(lt)s."),
    "less_than_equal": _l("Must be at most %(le)s."),
    "int_parsing": _l("Enter a whole number."),
    "int_type": _l("Enter a whole number."),
    "decimal_parsing": _l("Enter a number."),
    "decimal_type": _l("Enter a number."),
    "bool_parsing": _l("Enter true or false."),
    "literal_error": _l("Must be one of: %(expected)s."),
    "string_type": _l("Enter text."),
    "string_pattern_mismatch": _l("Not in the expected form."),
}


def _validation_fields(error: ValidationError, prefix: str = "") -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for item in error.errors():
        location = ".".join(str(part) for part in item["loc"]) or "body"
        template = VALIDATION_TEXT.get(item["type"])
        context = {k: str(v) for k, v in (item.get("ctx") or {}).items()}
        try:
            message = str(template) % context if template is not None else item["msg"]
        except (KeyError, TypeError):
            message = item["msg"]
        fields.setdefault(prefix + location, message)
    return fields


def parse_body(model: type[BaseModel]) -> BaseModel:
    if not request.mimetype or request.mimetype != "application/json":
        from jointdegree.api.errors import ApiError

        raise ApiError(415, "unsupported_media_type", _l("Send the body as application/json."))
    raw = request.get_data(cache=False)
    try:
        parsed = json.loads(raw or b"null")
    except (ValueError, RecursionError):  # (nested thousands deep: the decoder gives up)
        raise ValidationFailed(_l("The body is not valid JSON."), code="invalid_json") from None
    nul = _nul_path(parsed)
    if nul is not None:
        raise ValidationFailed(_l("Some fields are not valid."),
                               fields={nul: VALIDATION_TEXT["string_pattern_mismatch"]})
    try:
        return model.model_validate_json(raw or b"null")
    except ValidationError as exc:
        raise ValidationFailed(_l("Some fields are not valid."),
                               fields=_validation_fields(exc)) from None


def _nul_path(document: Any) -> str | None:
    """Where a JSON document has a U+0000 (in a key or a string), which PostgreSQL text cannot
    store (a 500 deep in a query); None if nowhere. Walked without recursion."""
    stack: list[tuple[str, Any]] = [("", document)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str) and "\x00" in value:
            return path or "body"
        if isinstance(value, dict):
            for key, item in value.items():
                name = f"{path}.{key}" if path else str(key)
                if "\x00" in key:
                    return name
                stack.append((name, item))
        elif isinstance(value, list):
            stack.extend((f"{path}.{index}" if path else str(index), item)
                         for index, item in enumerate(value))
    return None


def parse_query(model: type[BaseModel]) -> BaseModel:
    values: dict[str, Any] = {}
    for key in request.args:
        items = request.args.getlist(key)
        if "\x00" in key or any("\x00" in item for item in items):  # see _nul_path
            raise ValidationFailed(_l("Some query parameters are not valid."), fields={
                key: VALIDATION_TEXT["string_pattern_mismatch"]})
        values[key] = items if len(items) > 1 else items[0]
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise ValidationFailed(_l("Some query parameters are not valid."),
                               fields=_validation_fields(exc)) from None


def to_response(result: Any, status: int) -> Response:
    if isinstance(result, Response):
        return result
    headers: dict[str, str] = {}
    if isinstance(result, tuple):
        result, headers = result
    if isinstance(result, BaseModel):
        payload = result.model_dump(mode="json")
        version = payload.get("version") if isinstance(payload, dict) else None
        if version is not None:
            headers.setdefault("ETag", f'"{version}"')
    else:
        payload = result
    response = jsonify(payload) if status != 204 else Response(status=204)
    response.status_code = status
    for name, value in headers.items():
        response.headers[name] = value
    return response


def endpoint(method: str, rule: str, *, summary: str, tag: str, description: str = "",
             body: type[BaseModel] | None = None, query: type[BaseModel] | None = None,
             response: type[BaseModel] | None = None, status: int = 200, public: bool = False,
             errors: tuple[int, ...] = (), conditional: bool = False,
             files: tuple[str, ...] = ()
             ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``files``: other media types the success answer may have (a PDF, an XML document),
    chosen by the query; the OpenAPI document lists them beside the JSON schema."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        spec = Endpoint(method, rule, fn.__name__, summary, tag, description or (fn.__doc__ or ""),
                        body, query, response, status, public, errors, conditional,
                        extra={"files": files})
        ENDPOINTS.append(spec)

        @wraps(fn)
        def view(**kwargs: Any) -> Response:
            if not public:
                from jointdegree.api.auth import require_token_user

                kwargs["user"] = require_token_user()
            if body is not None:
                kwargs["body"] = parse_body(body)
            if query is not None:
                kwargs["query"] = parse_query(query)
            g.api_endpoint = spec
            return to_response(fn(**kwargs), status)

        bp.add_url_rule(rule, endpoint=fn.__name__, view_func=view, methods=[method])
        return fn

    return register


def if_match_version() -> int:
    """The version a client says it is changing (``If-Match: "3"``); 428 without it."""
    from jointdegree.api.errors import ApiError

    header = request.headers.get("If-Match", "").strip()
    if not header:
        raise ApiError(428, "precondition_required",
                       _l("Send If-Match with the resource's ETag (its version) to change it."))
    tag = header.removeprefix("W/").strip('"')
    if not (tag.isascii() and tag.isdigit() and len(tag) <= 18):  # int() refuses "²"
        raise ValidationFailed(_l("If-Match must be the ETag of the resource, such as \"3\"."),
                               fields={"If-Match": _l("Not an ETag of this API.")})
    return int(tag)
