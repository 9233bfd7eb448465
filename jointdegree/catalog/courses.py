"""Courses: create, edit, retire, read and search — one place for the web, the API and the CLI.

A course is validated as a :class:`~jointdegree.catalog.records.CourseRecord`, the same row
form the import files use, so a form, a JSON body and a spreadsheet row obey the same rules.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    Select,
    String,
    and_,
    delete,
    exists,
    func,
    literal,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import defer, selectinload
from sqlalchemy.sql.elements import ColumnElement

from jointdegree.audit.services import record as audit
from jointdegree.auth.models import User
from jointdegree.auth.policy import authorize
from jointdegree.bulk import insert_rows
from jointdegree.catalog.models import (
    AcademicTerm,
    Course,
    CourseDelivery,
    CourseKind,
    CourseLanguage,
    CourseStatus,
    DegreeLevel,
    Institution,
    course_prerequisites,
    course_terms,
)
from jointdegree.catalog.records import (
    COLUMNS,
    LANGS,
    CourseRecord,
    RowError,
    fold,
    parse_row,
)
from jointdegree.catalog.services import check_version, versioned_change
from jointdegree.db import session, utcnow
from jointdegree.errors import NotFound, ValidationFailed

# Called with (course ids, reason) after a change that matters to equivalences; the matching
# feature registers itself here, so the catalog does not depend on it.
COURSE_CHANGE_HOOKS: list[Callable[[Sequence[int], str], Any]] = []


def significant_change(before: CourseRecord, after: CourseRecord) -> str | None:
    """What changed that a registrar must re-check in an equivalence (or None)."""
    changed = [name for name, a, b in (
        ("credits", before.credits, after.credits),
        ("contact hours", before.contact_hours, after.contact_hours),
        ("self-study hours", before.self_study_hours, after.self_study_hours),
        ("learning outcomes", before.outcomes, after.outcomes),
        ("status", before.status, after.status)) if a != b]
    if not changed:
        return None
    return f"{after.code}: {', '.join(changed)} changed"


def run_change_hooks(changes: Sequence[tuple[int, CourseRecord, CourseRecord]]) -> None:
    for course_id, before, after in changes:
        reason = significant_change(before, after)
        if reason:
            for hook in COURSE_CHANGE_HOOKS:
                hook([course_id], reason)


AUDIT_FIELDS = ("code", "titles", "credits", "contact_hours", "self_study_hours", "level",
                "isced", "languages", "terms", "delivery", "kind", "prerequisites", "status",
                "descriptions", "outcomes")


def search_text(record: CourseRecord) -> str:
    """What text search looks in: the code and every title, folded."""
    return fold(" ".join([record.code, *record.titles.values()]))


def to_record(course: Course) -> CourseRecord:
    def texts(prefix: str) -> dict[str, str]:
        return {lang: getattr(course, f"{prefix}_{lang}") for lang in LANGS
                if getattr(course, f"{prefix}_{lang}")}

    return CourseRecord(
        code=course.code, titles=texts("title"), descriptions=texts("description"),
        outcomes=texts("outcomes"), credits=course.credits, contact_hours=course.contact_hours,
        self_study_hours=course.self_study_hours, level=course.national_level,
        cycle=course.cycle.value, isced=course.isced, languages=tuple(sorted(course.languages)),
        terms=tuple(sorted(term.code for term in course.terms)), delivery=course.delivery.value,
        kind=course.kind.value,
        prerequisites=tuple(sorted(p.code for p in course.prerequisites)),
        status=course.status.value)


def column_values(record: CourseRecord) -> dict[str, Any]:
    """The ``courses`` columns for a record (not the languages, terms and prerequisites)."""
    values: dict[str, Any] = {
        "code": record.code, "credits": record.credits, "contact_hours": record.contact_hours,
        "self_study_hours": record.self_study_hours, "national_level": record.level,
        "cycle": DegreeLevel(record.cycle), "isced": record.isced,
        "delivery": CourseDelivery(record.delivery), "kind": CourseKind(record.kind),
        "status": CourseStatus(record.status), "search_text": search_text(record),
    }
    for lang in LANGS:
        values[f"title_{lang}"] = record.titles.get(lang)
        values[f"description_{lang}"] = record.descriptions.get(lang)
        values[f"outcomes_{lang}"] = record.outcomes.get(lang)
    return values


def audit_view(record: CourseRecord) -> dict[str, Any]:
    row = record.to_row()
    return {key: row.get(key) for key in COLUMNS}


def _errors_to_fields(errors: Sequence[RowError]) -> dict[str, str]:
    from jointdegree.labels import row_error_text

    return {error.column: row_error_text(error) for error in errors}


def term_codes(institution: Institution) -> dict[str, int]:
    return dict(session.execute(select(AcademicTerm.code, AcademicTerm.id).where(
        AcademicTerm.institution_id == institution.id)).all())


def course_codes(institution: Institution) -> dict[str, int]:
    return dict(session.execute(select(Course.code, Course.id).where(
        Course.institution_id == institution.id)).all())


def validate(institution: Institution, data: Mapping[str, Any],
             code_taken_by_other: bool) -> CourseRecord:
    """A form/API mapping (file column names) → a record, or every field's problem."""
    row = {column: "" if data.get(column) is None else str(data.get(column))
           for column in COLUMNS}
    terms = term_codes(institution)
    record, errors = parse_row(row, line=1, known_terms=frozenset(terms))
    fields = _errors_to_fields(errors)
    if record is not None:
        known = course_codes(institution)
        for prerequisite in record.prerequisites:
            if prerequisite not in known:
                fields.setdefault("prerequisites",
                                  _l("No course with code %(code)s.", code=prerequisite))
    if code_taken_by_other:
        fields.setdefault("code", _l("This code is already used at this institution."))
    if fields or record is None:
        raise ValidationFailed(_l("Please correct the highlighted fields."), fields=fields)
    return record


def apply_links(course: Course, record: CourseRecord, terms: Mapping[str, int],
                codes: Mapping[str, int]) -> None:
    """Set languages, terms and prerequisites of a persistent course from its record."""
    course.language_rows = [CourseLanguage(language=lang) for lang in record.languages]
    course.terms = [session.get(AcademicTerm, terms[code]) for code in record.terms]
    course.prerequisites = [session.get(Course, codes[code]) for code in record.prerequisites]


def create_course(institution: Institution, data: Mapping[str, Any], actor: User | None
                  ) -> Course:
    if actor is not None:
        authorize("institution.edit", institution, user=actor)
    code = str(data.get("code") or "").strip().upper()
    record = validate(institution, data, code in course_codes(institution))
    course = Course(institution=institution, **column_values(record),
                    updated_by_id=getattr(actor, "id", None))
    session.add(course)
    session.flush()
    apply_links(course, record, term_codes(institution), course_codes(institution))
    audit("course.create", course, actor=actor, after=audit_view(record),
          institution_id=institution.id)
    session.commit()
    return course


def update_course(course: Course, data: Mapping[str, Any], actor: User | None,
                  expected_version: int | None = None) -> Course:
    """Replace a course's fields with ``data`` merged over its current values."""
    if actor is not None:
        authorize("institution.edit", course.institution, user=actor)
    check_version(course, expected_version)
    before = to_record(course)
    current = before.to_row()
    merged = current | {k: v for k, v in data.items() if k in COLUMNS}
    code = str(merged.get("code") or "").strip().upper()
    taken = code != course.code and code in course_codes(course.institution)
    record = validate(course.institution, merged, taken)
    if record == before:
        return course  # nothing changed: no new version, no audit entry
    with versioned_change():
        for key, value in column_values(record).items():
            setattr(course, key, value)
        apply_links(course, record, term_codes(course.institution),
                    course_codes(course.institution))
        course.updated_at = utcnow()
        course.updated_by_id = getattr(actor, "id", None)
        audit("course.update", course, actor=actor, before=audit_view(before),
              after=audit_view(record), institution_id=course.institution_id)
        run_change_hooks([(course.id, before, record)])
    return course


def retire_course(course: Course, actor: User | None, expected_version: int | None = None
                  ) -> Course:
    """Courses are never deleted once used: they are retired (and can be reactivated)."""
    return update_course(course, {"status": CourseStatus.RETIRED.value}, actor,
                         expected_version)


def get_course(course_id: int) -> Course:
    course = session.get(Course, course_id, options=[
        selectinload(Course.terms), selectinload(Course.prerequisites),
        selectinload(Course.language_rows)])
    if course is None:
        raise NotFound(_l("No such course."))
    return course


# -- search ---------------------------------------------------------------------------------------

class substring_of(ColumnElement[bool]):
    """``needle`` occurs in ``haystack``: ``instr`` on SQLite, ``strpos`` on PostgreSQL.

    Both compare plain code points (the text is folded on both sides beforehand), are several
    times faster than ``LIKE '%…%'`` and need no escaping of ``%`` or ``_``.
    """

    inherit_cache = True
    type = Boolean()

    def __init__(self, haystack: Any, needle: str) -> None:
        self.haystack = haystack
        self.needle = literal(needle, String())


@compiles(substring_of)
def _substring_default(element: substring_of, compiler: Any, **kw: Any) -> str:
    return (f"strpos({compiler.process(element.haystack, **kw)}, "
            f"{compiler.process(element.needle, **kw)}) > 0")


@compiles(substring_of, "sqlite")
def _substring_sqlite(element: substring_of, compiler: Any, **kw: Any) -> str:
    return (f"instr({compiler.process(element.haystack, **kw)}, "
            f"{compiler.process(element.needle, **kw)}) > 0")


@dataclass
class CourseFilters:
    """Search criteria; every field optional. ``status`` defaults to active courses."""

    q: str | None = None
    institution: str | None = None
    cycle: str | None = None
    isced: str | None = None
    credits_min: Decimal | None = None
    credits_max: Decimal | None = None
    language: str | None = None
    term: str | None = None
    delivery: str | None = None
    kind: str | None = None
    status: str | None = "active"


def _credit_bound(value: Decimal, rounding: str) -> Decimal:
    """A search bound as the credits column can compare it (one decimal, below 10000): credits
    ≥ 0.25 is credits ≥ 0.3, ≤ 1e27 is ≤ 9999.9 (unrounded, the column refuses the value)."""
    limit = Decimal("9999.9")
    return max(-limit, min(limit, value)).quantize(Decimal("0.1"), rounding=rounding)


def search_statement(filters: CourseFilters) -> Select[Any]:
    """One SELECT for any combination of filters (so a page is 2 queries: count + rows)."""
    statement = select(Course)  # no join: counting stays a scan of one table
    clauses = []
    if filters.q:
        for word in fold(filters.q).split():
            clauses.append(substring_of(Course.search_text, word))
    if filters.institution:
        clauses.append(Course.institution_id == select(Institution.id).where(
            Institution.code == filters.institution.upper()).scalar_subquery())
    if filters.cycle:
        clauses.append(Course.cycle == filters.cycle)
    if filters.isced:
        clauses.append(Course.isced.startswith(filters.isced))
    if filters.credits_min is not None:
        clauses.append(Course.credits >= _credit_bound(filters.credits_min, ROUND_CEILING))
    if filters.credits_max is not None:
        clauses.append(Course.credits <= _credit_bound(filters.credits_max, ROUND_FLOOR))
    if filters.language:
        clauses.append(exists().where(CourseLanguage.course_id == Course.id,
                                      CourseLanguage.language == filters.language.lower()))
    if filters.term:
        clauses.append(exists().where(
            course_terms.c.course_id == Course.id,
            course_terms.c.term_id == AcademicTerm.id,
            AcademicTerm.code == filters.term.upper()))
    if filters.delivery:
        clauses.append(Course.delivery == filters.delivery)
    if filters.kind:
        clauses.append(Course.kind == filters.kind)
    if filters.status:
        clauses.append(Course.status == filters.status)
    return statement.where(and_(*clauses)) if clauses else statement


SORTABLE = {"code": Course.code, "credits": Course.credits, "institution": Course.institution_id,
            "title": func.coalesce(Course.title_en, Course.title_fr, Course.title_zh)}
DEFAULT_ORDER = (Course.institution_id, Course.code)
LIST_OPTIONS = (selectinload(Course.institution), selectinload(Course.language_rows),
                selectinload(Course.terms))
DETAIL_OPTIONS = (selectinload(Course.prerequisites),)
# A result list shows codes and titles: the long texts stay in the database.
LIST_DEFERRED = tuple(defer(getattr(Course, f"{field}_{lang}"))
                      for field in ("description", "outcomes") for lang in LANGS)


# Counting stops here: past it the page says "more than N" (an exact count of a very common
# word would cost a full scan for a number nobody reads).
COUNT_CAP = 2000


@dataclass
class SearchPage:
    courses: list[Course]
    total: int
    capped: bool  # more than ``total`` courses match


def search(filters: CourseFilters, page: int = 1, per_page: int = 25) -> SearchPage:
    """One page of results in (institution, code) order, with the number of matches.

    One statement collects at most ``COUNT_CAP + 1`` matching (id, institution, code) triples,
    counts and orders them: a rare word costs one scan, a common one stops early. Only when
    more match than that is the page read again in index order, which is then fast.
    """
    statement = search_statement(filters)
    keys = statement.with_only_columns(Course.id, Course.institution_id, Course.code).limit(
        COUNT_CAP + 1).subquery()
    offset = (page - 1) * per_page
    found = session.execute(
        select(keys.c.id, func.count().over()).order_by(keys.c.institution_id, keys.c.code)
        .limit(per_page).offset(offset)).all()
    if found:
        total = found[0][1]
    elif page == 1:
        return SearchPage([], 0, False)
    else:  # past the last page: count the (capped) matches alone
        total = session.scalar(select(func.count()).select_from(keys)) or 0
    capped = total > COUNT_CAP
    if capped:
        total = COUNT_CAP
        ids = list(session.scalars(statement.with_only_columns(Course.id)
                                   .order_by(*DEFAULT_ORDER).limit(per_page).offset(offset)))
    else:
        ids = [row[0] for row in found]
    if not ids:
        return SearchPage([], total, capped)
    by_id = {c.id: c for c in session.scalars(
        select(Course).where(Course.id.in_(ids)).options(*LIST_OPTIONS, *LIST_DEFERRED))}
    return SearchPage([by_id[i] for i in ids], total, capped)


def remove_links(course_ids: Sequence[int]) -> None:
    """Drop languages, terms and prerequisites of courses about to be rewritten (import)."""
    if not course_ids:
        return
    session.execute(delete(CourseLanguage).where(CourseLanguage.course_id.in_(course_ids)))
    session.execute(delete(course_terms).where(course_terms.c.course_id.in_(course_ids)))
    session.execute(delete(course_prerequisites).where(
        course_prerequisites.c.course_id.in_(course_ids)))


def insert_links(rows: Sequence[tuple[int, CourseRecord]], terms: Mapping[str, int],
                 codes: Mapping[str, int]) -> None:
    """Bulk-insert the link rows of many courses (three statements whatever their number)."""
    insert_rows(CourseLanguage.__table__, [{"course_id": cid, "language": lang}
                                           for cid, rec in rows for lang in rec.languages])
    insert_rows(course_terms, [{"course_id": cid, "term_id": terms[code]}
                               for cid, rec in rows for code in rec.terms])
    insert_rows(course_prerequisites, [{"course_id": cid, "prerequisite_id": codes[code]}
                                       for cid, rec in rows for code in rec.prerequisites])


def institution_courses(institution: Institution, include_retired: bool = True
                        ) -> list[Course]:
    statement = select(Course).where(Course.institution_id == institution.id).options(
        selectinload(Course.institution), selectinload(Course.language_rows),
        selectinload(Course.terms), selectinload(Course.prerequisites)).order_by(Course.code)
    if not include_retired:
        statement = statement.where(Course.status == CourseStatus.ACTIVE)
    return list(session.scalars(statement))
