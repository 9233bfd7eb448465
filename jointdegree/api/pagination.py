"""Pagination, sorting and filtering, written once for every list endpoint.

``?page=2&per_page=50&sort=-code`` → ``{"items": [...], "total": N, "page": 2, "per_page": 50}``
with RFC 8288 ``Link`` headers (first, prev, next, last). ``sort`` takes comma-separated field
names, ``-`` for descending; each endpoint declares which fields sort and filter.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from flask import request
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Select, func, select
from sqlalchemy.sql.elements import ColumnElement

from jointdegree.db import session
from jointdegree.errors import ValidationFailed

MAX_PER_PAGE = 100
T = TypeVar("T")


class ListQuery(BaseModel):
    """Query parameters every list endpoint accepts."""

    model_config = ConfigDict(extra="forbid")

    page: int = Field(1, ge=1, le=1_000_000, description="Page number, from 1.")
    per_page: int = Field(20, ge=1, le=MAX_PER_PAGE, description="Items per page (at most 100).")
    sort: str | None = Field(None, description="Comma-separated fields; prefix - to descend.")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int


def order_by(query: Select[Any], sort: str | None, sortable: Mapping[str, Any],
             default: Sequence[Any]) -> Select[Any]:
    if not sort:
        return query.order_by(*default)
    clauses = []
    for part in sort.split(","):
        name = part.strip()
        descending = name.startswith("-")
        name = name.lstrip("-+")
        if name not in sortable:
            raise ValidationFailed(
                _l("Cannot sort by %(field)s.", field=name),
                fields={"sort": _l("Sort by one of: %(fields)s.",
                                   fields=", ".join(sorted(sortable)))})
        column = sortable[name]
        clauses.append(column.desc() if descending else column.asc())
    return query.order_by(*clauses, *default)


def filtered(query: Select[Any], params: BaseModel,
             filters: Mapping[str, Callable[[Any], ColumnElement[bool]]]) -> Select[Any]:
    for name, clause in filters.items():
        value = getattr(params, name, None)
        if value is not None:
            query = query.where(clause(value))
    return query


def paginate(query: Select[Any], params: ListQuery, serialize: Callable[[Any], BaseModel],
             sortable: Mapping[str, Any], default_order: Sequence[Any]
             ) -> tuple[dict[str, Any], dict[str, str]]:
    """Run one count and one page query; return the list body and its Link header."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    ordered = order_by(query, params.sort, sortable, default_order)
    rows = session.scalars(ordered.limit(params.per_page)
                           .offset((params.page - 1) * params.per_page)).unique().all()
    body = {"items": [serialize(row).model_dump(mode="json") for row in rows],
            "total": total or 0, "page": params.page, "per_page": params.per_page}
    return body, {"Link": link_header(total or 0, params)} if total else {}


def link_header(total: int, params: ListQuery) -> str:
    last = max(1, -(-total // params.per_page))
    links = {"first": 1, "last": last}
    if params.page > 1:
        links["prev"] = min(params.page - 1, last)
    if params.page < last:
        links["next"] = params.page + 1
    base = request.base_url
    args = {k: v for k, v in request.args.items() if k != "page"}
    return ", ".join(f'<{base}?{urlencode({**args, "page": number})}>; rel="{rel}"'
                     for rel, number in links.items())
