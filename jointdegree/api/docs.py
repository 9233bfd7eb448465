"""The OpenAPI document and its offline, server-rendered reference page (no CDN, no script)."""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import jsonify, render_template, request
from werkzeug.wrappers import Response

from jointdegree.api.openapi import build_document
from jointdegree.api.registry import bp


@cache
def _document(server_url: str) -> dict[str, Any]:
    return build_document(server_url)


@bp.route("/openapi.json")
def openapi_json() -> Response:
    return jsonify(_document(request.script_root + "/api/v1"))


@bp.route("/docs")
def docs() -> str:
    document = _document(request.script_root + "/api/v1")
    by_tag: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            by_tag.setdefault(operation["tags"][0], []).append((method.upper(), path, operation))
    return render_template("api/docs.html", document=document, by_tag=by_tag)
