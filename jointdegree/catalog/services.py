"""Creating and reading institutions, programmes, terms and partnerships.

Every change checks its permission, validates, writes an audit entry and commits: the web views,
the API and the CLI (demo loader included) all go through these functions.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from jointdegree.audit.services import record, snapshot
from jointdegree.auth.models import Role, User
from jointdegree.auth.policy import authorize
from jointdegree.catalog.models import (
    AcademicTerm,
    CreditSystem,
    DegreeLevel,
    Institution,
    Partnership,
    PartnershipStatus,
    Programme,
)
from jointdegree.db import as_id, session, utcnow
from jointdegree.errors import Conflict, NotFound, ValidationFailed
from jointdegree.notifications.services import notify
from jointdegree.timezones import is_valid_timezone

INSTITUTION_FIELDS = ("code", "name_fr", "name_zh", "name_en", "country", "city_fr", "city_zh",
                      "city_en", "timezone", "credit_system", "grading_scale", "hei_id")
PROGRAMME_FIELDS = ("code", "name_fr", "name_zh", "name_en", "level", "required_credits",
                    "duration_semesters", "active")
TERM_FIELDS = ("code", "academic_year", "name_fr", "name_zh", "name_en", "starts_on", "ends_on")
PARTNERSHIP_FIELDS = ("code", "name_fr", "name_zh", "name_en", "status", "first_intake_year")


class _Errors:
    """Collects field errors so a form shows all of them at once, not one per submit."""

    def __init__(self) -> None:
        self.fields: dict[str, Any] = {}

    def add(self, field: str, message: Any) -> None:
        self.fields.setdefault(field, message)

    def raise_if_any(self) -> None:
        if self.fields:
            raise ValidationFailed(_l("Please correct the highlighted fields."),
                                   fields=self.fields)


def _require_a_name(data: Mapping[str, Any], errors: _Errors) -> None:
    if not any((data.get(f"name_{s}") or "").strip() for s in ("fr", "zh", "en")):
        errors.add("name_en", _l("Give a name in at least one language."))


def _code(value: Any, errors: _Errors, field: str = "code") -> str:
    text = str(value or "").strip().upper()
    if not text or len(text) > 32 or not all(c.isalnum() or c in "-_." for c in text):
        errors.add(field, _l("Use 1 to 32 letters, digits, dots, dashes or underscores."))
    return text


def _decimal(value: Any, errors: _Errors, field: str) -> Decimal | None:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors.add(field, _l("Enter a number."))
        return None
    if not number.is_finite() or number <= 0 or number != number.quantize(Decimal("0.1")):
        errors.add(field, _l("Enter a positive number with at most one decimal."))
        return None
    return number.quantize(Decimal("0.1"))  # the column's scale, so reads and writes agree


def _whole(data: Mapping[str, Any], field: str, low: int, high: int, errors: _Errors,
           message: Any) -> int | None:
    """A whole number in [low, high] from a form or JSON value, or a field error."""
    try:
        number = int(str(data.get(field)).strip())
    except ValueError:
        number = None
    if number is None or not low <= number <= high:
        errors.add(field, message)
        return None
    return number


def _date(value: Any, errors: _Errors, field: str, required: bool = False) -> date | None:
    """A date from a form (already a ``date``) or JSON/CLI text (YYYY-MM-DD), or a field error."""
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    if not text:
        if required:
            errors.add(field, _l("This field is required."))
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.add(field, _l("Enter a date as YYYY-MM-DD."))
        return None


def _clean_names(data: Mapping[str, Any], prefix: str = "name") -> dict[str, str | None]:
    return {f"{prefix}_{s}": (str(data.get(f"{prefix}_{s}") or "").strip() or None)
            for s in ("fr", "zh", "en")}


# -- institutions ---------------------------------------------------------------------------------

def list_institutions() -> list[Institution]:
    return list(session.scalars(
        select(Institution).options(selectinload(Institution.programmes))
        .order_by(Institution.code)))


def get_institution(code_or_id: str | int) -> Institution:
    query = select(Institution)
    if isinstance(code_or_id, int) or str(code_or_id).isdigit():
        # an id; "²" (a digit to isdigit, not to int) or one past the key range is no institution
        query = query.where(Institution.id == (as_id(code_or_id) or 0))
    else:
        query = query.where(Institution.code == str(code_or_id).upper())
    institution = session.scalar(query)
    if institution is None:
        raise NotFound(_l("No such institution."))
    return institution


def _validate_institution(data: Mapping[str, Any], errors: _Errors) -> dict[str, Any]:
    _require_a_name(data, errors)
    values: dict[str, Any] = _clean_names(data) | _clean_names(data, "city")
    country = str(data.get("country") or "").strip().upper()
    if len(country) != 2 or not country.isalpha():
        errors.add("country", _l("Use the two-letter ISO country code (FR, CN…)."))
    values["country"] = country
    timezone = str(data.get("timezone") or "").strip()
    if not is_valid_timezone(timezone):
        errors.add("timezone", _l("Use an IANA time zone such as Europe/Paris."))
    values["timezone"] = timezone
    try:
        values["credit_system"] = CreditSystem(data.get("credit_system"))
    except ValueError:
        errors.add("credit_system", _l("Choose ECTS or Chinese credits (学分)."))
    scale = str(data.get("grading_scale") or "").strip()
    if not scale or len(scale) > 32:
        errors.add("grading_scale", _l("Give the code of the grading scale."))
    values["grading_scale"] = scale
    hei_id = str(data.get("hei_id") or "").strip().lower() or None
    if hei_id is not None and (len(hei_id) > 100 or "." not in hei_id or " " in hei_id):
        errors.add("hei_id", _l("An EWP identifier is the institution's domain, such as "
                                "univ-cotedazur.fr."))
    values["hei_id"] = hei_id
    return values


def create_institution(data: Mapping[str, Any], actor: User | None) -> Institution:
    if actor is not None:
        authorize("institution.create", user=actor)
    errors = _Errors()
    code = _code(data.get("code"), errors)
    values = _validate_institution(data, errors)
    if code and session.scalar(select(Institution.id).where(Institution.code == code)):
        errors.add("code", _l("This code is already used."))
    errors.raise_if_any()
    institution = Institution(code=code, **values)
    session.add(institution)
    session.flush()
    record("institution.create", institution, actor=actor,
           after=snapshot(institution, INSTITUTION_FIELDS), institution_id=institution.id)
    session.commit()
    return institution


# -- programmes -----------------------------------------------------------------------------------

def _validate_programme(data: Mapping[str, Any], errors: _Errors) -> dict[str, Any]:
    _require_a_name(data, errors)
    values: dict[str, Any] = _clean_names(data)
    try:
        values["level"] = DegreeLevel(data.get("level"))
    except ValueError:
        errors.add("level", _l("Choose bachelor, master or doctorate."))
    values["required_credits"] = _decimal(data.get("required_credits"), errors,
                                          "required_credits")
    values["duration_semesters"] = _whole(data, "duration_semesters", 1, 16, errors,
                                          _l("Enter a number of semesters from 1 to 16."))
    values["active"] = bool(data.get("active", True))
    return values


def create_programme(institution: Institution, data: Mapping[str, Any],
                     actor: User | None) -> Programme:
    if actor is not None:
        authorize("institution.edit", institution, user=actor)
    errors = _Errors()
    code = _code(data.get("code"), errors)
    values = _validate_programme(data, errors)
    if code and session.scalar(select(Programme.id).where(
            Programme.institution_id == institution.id, Programme.code == code)):
        errors.add("code", _l("This code is already used at this institution."))
    errors.raise_if_any()
    programme = Programme(institution=institution, code=code, **values)
    session.add(programme)
    session.flush()
    record("programme.create", programme, actor=actor,
           after=snapshot(programme, PROGRAMME_FIELDS), institution_id=institution.id)
    session.commit()
    return programme


def get_programme(programme_id: int) -> Programme:
    programme = session.get(Programme, programme_id)
    if programme is None:
        raise NotFound(_l("No such programme."))
    return programme


def list_programmes(institution: Institution | None = None) -> list[Programme]:
    query = select(Programme).options(selectinload(Programme.institution)).order_by(
        Programme.institution_id, Programme.code)
    if institution is not None:
        query = query.where(Programme.institution_id == institution.id)
    return list(session.scalars(query))


# -- academic terms -------------------------------------------------------------------------------

def academic_year_start(today: date | None = None) -> int:
    """The calendar year the current academic year started in: both partners start it in
    September (a date in August already belongs to the coming year's preparations)."""
    today = today or utcnow().date()
    return today.year if today.month >= 8 else today.year - 1


def _academic_year_ok(value: str) -> bool:
    parts = value.split("-")
    return (len(parts) == 2 and all(p.isdigit() and len(p) == 4 for p in parts)
            and int(parts[1]) == int(parts[0]) + 1)


def create_term(institution: Institution, data: Mapping[str, Any],
                actor: User | None) -> AcademicTerm:
    if actor is not None:
        authorize("institution.edit", institution, user=actor)
    errors = _Errors()
    code = _code(data.get("code"), errors)
    _require_a_name(data, errors)
    values: dict[str, Any] = _clean_names(data)
    year = str(data.get("academic_year") or "").strip()
    if not _academic_year_ok(year):
        errors.add("academic_year", _l("Write the academic year as 2026-2027."))
    dates: dict[str, date] = {}
    for field in ("starts_on", "ends_on"):
        raw = data.get(field)
        try:
            dates[field] = raw if isinstance(raw, date) else date.fromisoformat(str(raw))
        except ValueError:
            errors.add(field, _l("Enter a date as YYYY-MM-DD."))
    if len(dates) == 2 and dates["ends_on"] <= dates["starts_on"]:
        errors.add("ends_on", _l("The term must end after it starts."))
    if code and session.scalar(select(AcademicTerm.id).where(
            AcademicTerm.institution_id == institution.id, AcademicTerm.code == code)):
        errors.add("code", _l("This code is already used at this institution."))
    errors.raise_if_any()
    term = AcademicTerm(institution=institution, code=code, academic_year=year, **values,
                        **dates)
    session.add(term)
    session.flush()
    record("term.create", term, actor=actor, after=snapshot(term, TERM_FIELDS),
           institution_id=institution.id)
    session.commit()
    return term


def list_terms(institution: Institution) -> list[AcademicTerm]:
    return list(session.scalars(select(AcademicTerm).where(
        AcademicTerm.institution_id == institution.id).order_by(AcademicTerm.starts_on)))


# -- partnerships ---------------------------------------------------------------------------------

def _validate_partnership(data: Mapping[str, Any], errors: _Errors) -> dict[str, Any]:
    _require_a_name(data, errors)
    values: dict[str, Any] = _clean_names(data)
    try:
        values["status"] = PartnershipStatus(data.get("status") or "")
    except ValueError:
        errors.add("status", _l("Unknown status."))
    values["first_intake_year"] = _whole(data, "first_intake_year", 1990, 2100, errors,
                                         _l("Enter a year such as 2026."))
    return values


def create_partnership(programme_a: Programme, programme_b: Programme, data: Mapping[str, Any],
                       actor: User | None) -> Partnership:
    """A double degree between two programmes of two different institutions.

    A registrar may propose one only when their own institution is one of the two; the other
    side's registrars are notified.
    """
    if actor is not None:
        authorize("partnership.create",
                  {programme_a.institution_id, programme_b.institution_id}, user=actor)
    errors = _Errors()
    code = _code(data.get("code"), errors)
    values = _validate_partnership({"status": PartnershipStatus.DRAFT.value, **data}, errors)
    if programme_a.institution_id == programme_b.institution_id:
        errors.add("programme_b", _l("A double degree joins programmes of two institutions."))
    if code and session.scalar(select(Partnership.id).where(Partnership.code == code)):
        errors.add("code", _l("This code is already used."))
    if session.scalar(select(Partnership.id).where(
            Partnership.programme_a_id == programme_a.id,
            Partnership.programme_b_id == programme_b.id)):
        errors.add("programme_b", _l("These two programmes already form a partnership."))
    errors.raise_if_any()
    partnership = Partnership(code=code, programme_a=programme_a, programme_b=programme_b,
                              **values)
    session.add(partnership)
    session.flush()
    record("partnership.create", partnership, actor=actor,
           after=snapshot(partnership, PARTNERSHIP_FIELDS)
           | {"programmes": [programme_a.code, programme_b.code]},
           institution_id=programme_a.institution_id)
    others = {programme_a.institution_id, programme_b.institution_id} - {
        getattr(actor, "institution_id", None)}
    recipients = session.scalars(select(User).where(
        User.role == Role.REGISTRAR, User.institution_id.in_(others), User.active.is_(True)))
    notify(list(recipients), "partnership.created",
           {"code": code, "by": actor.display_name if actor else "jointdegree"},
           link=f"/partnerships/{partnership.id}")
    session.commit()
    return partnership


def list_partnerships() -> list[Partnership]:
    """All partnerships, with both programmes and institutions loaded (two extra queries)."""
    query = select(Partnership).options(
        selectinload(Partnership.programme_a).selectinload(Programme.institution),
        selectinload(Partnership.programme_b).selectinload(Programme.institution),
    ).order_by(Partnership.code)
    return list(session.scalars(query))


def partnership_ids_of(institution_id: int | None) -> Select[tuple[int]]:
    """The ids of the double degrees one of whose two programmes belongs to the institution,
    as a subquery to filter by in SQL."""
    programmes = select(Programme.id).where(Programme.institution_id == institution_id)
    return select(Partnership.id).where(or_(
        Partnership.programme_a_id.in_(programmes), Partnership.programme_b_id.in_(programmes)))


def partnerships_of(institution: Institution) -> list[Partnership]:
    """The double degrees one of whose two programmes belongs to ``institution``."""
    return list(session.scalars(select(Partnership).where(
        Partnership.id.in_(partnership_ids_of(institution.id))).order_by(Partnership.code)))


def partner_institutions_of(institution_id: int | None) -> list[Institution]:
    """The other institutions of the double degrees the institution is part of, by code (one
    query)."""
    ids = partnership_ids_of(institution_id)
    sides = select(Partnership.programme_a_id).where(Partnership.id.in_(ids)).union(
        select(Partnership.programme_b_id).where(Partnership.id.in_(ids)))
    others = select(Programme.institution_id).where(Programme.id.in_(sides),
                                                    Programme.institution_id != institution_id)
    return list(session.scalars(select(Institution).where(Institution.id.in_(others))
                                .order_by(Institution.code)))


def get_partnership(partnership_id: int) -> Partnership:
    partnership = session.get(Partnership, partnership_id)
    if partnership is None:
        raise NotFound(_l("No such partnership."))
    return partnership


# -- updates (optimistic concurrency) -------------------------------------------------------------

def check_version(obj: Any, expected: int | None) -> None:
    """Refuse a change made from a stale copy: someone else saved in between."""
    if expected is not None and expected != obj.version:
        raise Conflict(_l("Someone else changed this record meanwhile (now version %(v)d). "
                          "Reload it and apply your change again.", v=obj.version),
                       code="stale_version")


def stale_conflict() -> Conflict:
    return Conflict(_l("Someone else changed this record meanwhile. Reload it and apply your "
                       "change again."), code="stale_version")


@contextmanager
def versioned_change() -> Iterator[None]:
    """A change guarded by the version column from its first write to its commit: a save that
    lost a race is a conflict wherever the database notices it (an autoflush before the commit
    included), never a 500 and never an overwrite."""
    try:
        yield
        session.commit()
    except StaleDataError:
        session.rollback()
        raise stale_conflict() from None


def commit_versioned() -> None:
    """Commit changes already made, as :func:`versioned_change` would."""
    with versioned_change():
        pass


def _merged(obj: Any, changes: Mapping[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """The record's current values with ``changes`` on top, for whole-record validation."""
    current = {name: getattr(obj, name) for name in fields}
    for key, value in current.items():
        if isinstance(value, enum.Enum):
            current[key] = value.value
    return current | {k: v for k, v in changes.items() if k in fields}


def _update(obj: Any, changes: Mapping[str, Any], actor: User | None,
            expected_version: int | None, *, permission: str, target: Any,
            fields: tuple[str, ...], validate: Any, action: str, institution_id: int) -> Any:
    """The one shape of every update: permission, version, whole-record validation, audit
    entry with before/after, and a commit that turns a lost race into a conflict."""
    if actor is not None:
        authorize(permission, target, user=actor)
    check_version(obj, expected_version)
    errors = _Errors()
    values = validate(_merged(obj, changes, fields), errors)
    errors.raise_if_any()
    before = snapshot(obj, fields)
    for key, value in values.items():
        setattr(obj, key, value)
    record(action, obj, actor=actor, before=before, after=snapshot(obj, fields),
           institution_id=institution_id)
    commit_versioned()
    return obj


def update_institution(institution: Institution, changes: Mapping[str, Any], actor: User | None,
                       expected_version: int | None = None) -> Institution:
    """Change names, city, time zone, credit system or grading scale (the code stays)."""
    return _update(institution, changes, actor, expected_version,
                   permission="institution.edit", target=institution,
                   fields=INSTITUTION_FIELDS, validate=_validate_institution,
                   action="institution.update", institution_id=institution.id)


def update_programme(programme: Programme, changes: Mapping[str, Any], actor: User | None,
                     expected_version: int | None = None) -> Programme:
    return _update(programme, changes, actor, expected_version,
                   permission="institution.edit", target=programme.institution,
                   fields=PROGRAMME_FIELDS, validate=_validate_programme,
                   action="programme.update", institution_id=programme.institution_id)


def update_partnership(partnership: Partnership, changes: Mapping[str, Any], actor: User | None,
                       expected_version: int | None = None) -> Partnership:
    """Either partner's registrar may rename it, change its status or first intake."""
    return _update(partnership, changes, actor, expected_version,
                   permission="partnership.edit", target=partnership,
                   fields=PARTNERSHIP_FIELDS, validate=_validate_partnership,
                   action="partnership.update",
                   institution_id=partnership.programme_a.institution_id)
