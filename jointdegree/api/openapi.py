"""The OpenAPI 3.1 document, generated from the registered endpoints and their schemas."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from jointdegree.api.errors import HTTP_CODES
from jointdegree.api.registry import ENDPOINTS, Endpoint
from jointdegree.api.schemas import ErrorOut
from jointdegree.db import MAX_ID

REF = "#/components/schemas/{model}"
_RULE_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def openapi_path(rule: str) -> str:
    return _RULE_PARAM.sub(r"{\2}", rule)


def _path_parameters(rule: str) -> list[dict[str, Any]]:
    params = []
    for converter, name in _RULE_PARAM.findall(rule):
        schema = ({"type": "integer", "minimum": 1, "maximum": MAX_ID}
                  if converter in ("int", "id") else {"type": "string"})
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    return params


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template=REF)
    required = set(schema.get("required", []))
    params = []
    for name, prop in schema.get("properties", {}).items():
        description = prop.pop("description", None)
        prop.pop("title", None)
        param: dict[str, Any] = {"name": name, "in": "query", "required": name in required,
                                 "schema": prop}
        if description:
            param["description"] = description
        params.append(param)
    return params


def _shared_errors(spec: Endpoint) -> set[int]:
    """The answers the shared wrapper (``registry.endpoint``) gives whatever the operation:
    401 and the failed-token throttle's 429 for every token operation; 400 for a query or body
    that does not validate; 413 and 415 for a body too large or not JSON; 428 without If-Match."""
    statuses: set[int] = set()
    if not spec.public:
        statuses |= {401, 429}
    if spec.query is not None:
        statuses.add(400)
    if spec.body is not None:
        statuses |= {400, 413, 415}
    if spec.conditional:
        statuses.add(428)
    return statuses


def _operation(spec: Endpoint, names: dict[tuple[type[BaseModel], str], Any]) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": spec.name, "summary": spec.summary, "tags": [spec.tag],
        "parameters": _path_parameters(spec.rule)
        + (_query_parameters(spec.query) if spec.query else []),
        "responses": {},
    }
    if spec.description.strip():
        operation["description"] = " ".join(spec.description.split())
    if spec.conditional:
        operation["parameters"].append({
            "name": "If-Match", "in": "header", "required": True,
            "description": "The ETag (version) of the resource being changed",
            "schema": {"type": "string"}})
    if spec.body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": names[(spec.body, "validation")]}}}
    if spec.response is not None:
        success: dict[str, Any] = {"description": "OK", "content": {"application/json": {
            "schema": names[(spec.response, "serialization")]}}}
        for media_type in spec.extra.get("files", ()):
            # a JSON document (application/vc+ld+json…) is an object, not a string of bytes
            success["content"][media_type] = {"schema": {"type": "object"}} if (
                media_type.endswith("+json")) else {"schema": {"type": "string",
                                                               "format": "binary"}}
        if spec.conditional or (spec.method == "GET" and "version" in spec.response.model_fields):
            success["headers"] = {"ETag": {"schema": {"type": "string"}}}
        operation["responses"][str(spec.status)] = success
    else:
        operation["responses"][str(spec.status)] = {"description": "No content"}
    for status in sorted({*spec.errors, *_shared_errors(spec), 500}):
        operation["responses"][str(status)] = {
            "description": HTTP_CODES[status][0],
            "content": {"application/json": {"schema": {"$ref": REF.format(model="ErrorOut")}}}}
    if not spec.public:
        operation["security"] = [{"bearerToken": []}]
    return operation


def build_document(server_url: str = "/api/v1") -> dict[str, Any]:
    wanted: list[tuple[type[BaseModel], Any]] = [(ErrorOut, "serialization")]
    for spec in ENDPOINTS:
        if spec.body is not None:
            wanted.append((spec.body, "validation"))
        if spec.response is not None:
            wanted.append((spec.response, "serialization"))
    unique = list(dict.fromkeys(wanted))
    names, definitions = models_json_schema(unique, ref_template=REF)
    paths: dict[str, dict[str, Any]] = {}
    for spec in ENDPOINTS:
        paths.setdefault(openapi_path(spec.rule), {})[spec.method.lower()] = _operation(
            spec, names)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "jointdegree API",
            "version": "1",
            "description": ("The JSON API of the Nice–Haikou double-degree service. Send a "
                            "personal access token as `Authorization: Bearer <token>` (create "
                            "one on your profile page). Errors are "
                            "`{\"error\": {\"code\", \"message\", \"fields\"}}`; lists take "
                            "`page`, `per_page` (≤ 100) and `sort`; changes need `If-Match`."),
        },
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": {"bearerToken": {"type": "http", "scheme": "bearer"}},
        },
    }
