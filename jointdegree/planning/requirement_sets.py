"""Each programme's degree requirements: stored as a checked document, edited by its registrar,
imported and exported as JSON or YAML. Every change is audited with the whole before/after."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import yaml
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

from jointdegree.audit.services import record
from jointdegree.auth.models import User
from jointdegree.auth.policy import authorize
from jointdegree.catalog.models import Programme
from jointdegree.catalog.services import check_version, commit_versioned
from jointdegree.db import session, utcnow
from jointdegree.errors import ValidationFailed
from jointdegree.labels import requirement_problem_text
from jointdegree.planning.models import RequirementSet
from jointdegree.planning.requirements import (
    Requirements,
    RequirementsError,
    parse_requirements,
)

EMPTY: dict[str, Any] = {"rules": []}


def requirement_set(programme: Programme) -> RequirementSet | None:
    return session.get(RequirementSet, programme.id)


def document_of(programme: Programme) -> dict[str, Any]:
    row = requirement_set(programme)
    return dict(row.document) if row is not None else dict(EMPTY)


_PARSED: dict[str, Requirements] = {}


def requirements_of(programme: Programme) -> Requirements:
    """The programme's parsed requirements, parsed once per distinct document: the audit engine
    caches its lookup structures on the parsed object, so reusing it is what keeps audits fast.
    (Keyed by the document itself, never by row ids, which another database may reuse.)"""
    row = requirement_set(programme)
    if row is None:
        return parse_requirements(dict(EMPTY))
    key = json.dumps(row.document, sort_keys=True, ensure_ascii=False)
    parsed = _PARSED.get(key)
    if parsed is None:
        if len(_PARSED) > 256:  # old versions of edited programmes: let them go
            _PARSED.clear()
        parsed = _PARSED[key] = parse_requirements(dict(row.document))
    return parsed


def parse_text(text: str, fmt: str) -> Any:
    """A document typed or uploaded as JSON or YAML (YAML's safe loader: no tags, no code)."""
    try:
        if fmt == "json":
            return json.loads(text)
        # Numbers are kept as text so that 7.5 stays exactly 7.5 (never a float).
        return yaml.load(text, Loader=_ExactLoader)  # noqa: S506 — a SafeLoader subclass
    except (ValueError, yaml.YAMLError, RecursionError) as exc:  # nested thousands deep
        message = _l("This is not valid %(format)s: %(error)s", format=fmt.upper(),
                     error=str(exc).splitlines()[0])
        raise ValidationFailed(message, code="invalid_document",
                               fields={"document": message}) from None


class _ExactLoader(yaml.SafeLoader):
    """YAML's safe loader, reading decimal numbers as strings (exact), integers as ints; without
    aliases (``*name``): a requirements document never needs them, and a few hundred bytes of
    aliases to aliases expand into millions of rules to check ("billion laughs")."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not accepted",
                                              event.start_mark)
        return super().compose_node(parent, index)


_ExactLoader.add_constructor("tag:yaml.org,2002:float",
                             lambda loader, node: loader.construct_scalar(node))


def dump(document: Mapping[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    return yaml.safe_dump(dict(document), allow_unicode=True, sort_keys=False)


def check(document: Any) -> Requirements:
    """Parse a document; every problem is reported at once, each with its path."""
    try:
        return parse_requirements(document)
    except RequirementsError as error:
        problems = {p.path or "document": requirement_problem_text(p) for p in error.problems}
        raise ValidationFailed(lazy_ngettext("The requirements have %(num)d problem.",
                                             "The requirements have %(num)d problems.",
                                             len(problems)),
                               code="invalid_requirements", fields=problems) from None


def save_requirements(programme: Programme, document: Any, actor: User | None,
                      expected_version: int | None = None) -> RequirementSet:
    if actor is not None:
        authorize("programme.edit", programme, user=actor)
    requirements = check(document)
    row = requirement_set(programme)
    before = None
    if row is None:
        row = RequirementSet(programme_id=programme.id)
        session.add(row)
    else:
        check_version(row, expected_version)
        before = row.document
    row.document = requirements.to_dict()
    row.updated_at, row.updated_by_id = utcnow(), getattr(actor, "id", None)
    session.flush()
    record("requirements.save", row, actor=actor, before=before, after=row.document,
           institution_id=programme.institution_id)
    commit_versioned()
    return row
