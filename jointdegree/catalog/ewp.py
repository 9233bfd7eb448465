"""Erasmus Without Paper (EWP) Courses API: a partner's catalog as a ``courses-response``.

Pure (no Flask, no database): the caller passes plain records and gets UTF-8 XML bytes back.
The document follows ``ewp-specs-api-courses`` (master, v0.7.1, namespace ``…/tree/stable-v1``)
and the ``ewp-specs-types-academic-term`` stable-v1 type it imports. :func:`validate` checks a
document offline against those XSDs; only the tests use it (the running app needs no XSD).

Choices the schema leaves open, made once here:

* IDs. ``los-id`` must be ``CR/`` + at most 40 printable ASCII characters without spaces, and EWP
  asks for immutable surrogate keys; a course code may contain spaces. So ``los-id`` is
  ``CR/<uuid5(hei_id, code)>`` (stable for as long as the code is) and the code itself goes to
  ``los-code``. ``loi-id`` is ``CRI/<uuid5(hei_id, code, term code)>``.
* Credits. ``credit/scheme`` is an open ``xs:string``: ``ects`` is the only predefined value and
  "any number of other credits with custom schemes" may follow (the upstream example uses
  ``no-vt``, country + local abbreviation). Chinese credits (学分, *xuéfēn*) therefore use the
  custom scheme ``cn-xuefen`` (:data:`CREDIT_SCHEMES`). ECTS always comes first.
* Languages. Titles, descriptions and term names carry ``xml:lang`` (``xs:language``, BCP 47):
  ``zh`` is written ``zh-Hans`` (simplified script, as written in mainland China).
  ``languageOfInstruction`` is a spoken language, so it stays ``zh``; the spec allows exactly
  one, and says to leave it out when no single primary language can be chosen, so a course
  taught in several languages has none.
* Hours. ``engagementHours`` is documented as "the number of hours the student spends on
  attending the classes": it carries the contact hours. Self-study hours and the delivery mode
  (on campus / remote / hybrid) have no place in the schema and are not exported.
* Credits and terms live on the instances (``learningOpportunityInstance``), one per term of
  the course found in ``terms``; a course whose terms are all unknown has no instance, hence
  no credits in the document.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from lxml import etree

from jointdegree import xsd
from jointdegree.catalog.records import CourseRecord, format_decimal

COURSES_NS = "https://github.com/erasmus-without-paper/ewp-specs-api-courses/tree/stable-v1"
TERM_NS = "https://github.com/erasmus-without-paper/ewp-specs-types-academic-term/tree/stable-v1"
XML_NS = "http://www.w3.org/XML/1998/namespace"
XML_LANG = f"{{{XML_NS}}}lang"

# Our credit system code → the EWP ``credit/scheme`` value (see the module docstring).
CREDIT_SCHEMES: dict[str, str] = {"ects": "ects", "cn": "cn-xuefen"}
# Cycle → EQF level (EWP common-types ``EqfLevel``: bachelor 6, master 7, doctorate 8).
EQF_LEVELS: dict[str, int] = {"bachelor": 6, "master": 7, "doctorate": 8}
# Cycle → ``credit/level`` (closed list in the XSD).
CREDIT_LEVELS: dict[str, str] = {"bachelor": "Bachelor", "master": "Master", "doctorate": "PhD"}
# Our language keys → ``xml:lang`` values for text (titles, descriptions, names).
TEXT_LANGS: dict[str, str] = {"zh": "zh-Hans"}
# Label of the learning outcomes paragraph appended to the description, per language.
OUTCOMES_LABELS: dict[str, str] = {
    "fr": "Acquis d'apprentissage :", "zh": "学习成果：", "en": "Learning outcomes:"}
LANG_ORDER = ("en", "fr", "zh")  # English first: EWP asks for a title "preferably in English"

_ID_NAMESPACE = uuid.UUID("8d4f2a57-3c0e-5b7e-9a61-2f0c4e1b7d93")
_ACADEMIC_YEAR = re.compile(r"^(\d{4})[-/](\d{4})$")
_NOT_XML = xsd.NOT_XML  # kept under this name for the learning agreement export


@dataclass(frozen=True)
class EwpTerm:
    """One academic term as EWP describes it: ``2026/2027-1/2`` is the first of two semesters."""

    code: str  # the institution's own code, e.g. "2026-S1"
    academic_year: str  # "2026-2027" (our form) or "2026/2027" (EWP's)
    term_number: int
    total_terms: int
    start: date
    end: date
    names: Mapping[str, str] = field(default_factory=dict)  # "fr"/"zh"/"en" → display name

    def __post_init__(self) -> None:
        if not _ACADEMIC_YEAR.match(self.academic_year.strip()):
            raise ValueError(f"academic year {self.academic_year!r}: write it as 2026-2027")
        if not 1 <= self.term_number <= self.total_terms:
            raise ValueError(f"term {self.term_number} of {self.total_terms}")
        if self.end < self.start:
            raise ValueError(f"term {self.code} ends before it starts")

    @property
    def academic_year_id(self) -> str:
        """EWP ``AcademicYearId``: ``"2026-2027"`` → ``"2026/2027"``."""
        return self.academic_year.strip().replace("-", "/")  # format checked in __post_init__

    @property
    def ewp_id(self) -> str | None:
        """EWP academic term identifier (``2026/2027-1/2``); ``None`` beyond 9 terms a year."""
        if self.total_terms > 9:
            return None
        return f"{self.academic_year_id}-{self.term_number}/{self.total_terms}"


@dataclass(frozen=True)
class EwpInstitution:
    """The HEI whose catalog is exported; ``hei_id`` is its EWP id (its internet domain)."""

    hei_id: str  # e.g. "univ-cotedazur.fr", "hainanu.edu.cn"
    code: str  # our code, e.g. "UCA", "HAINANU"
    credit_system: str  # "ects" or "cn": the system CourseRecord.credits is expressed in
    names: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.credit_system not in CREDIT_SCHEMES:
            raise ValueError(f"credit system {self.credit_system!r}: ects or cn")
        if not self.hei_id.strip():
            raise ValueError("hei_id is required")


CreditsIn = Callable[[CourseRecord, str], Decimal | None]


def los_id(institution: EwpInstitution, course_code: str) -> str:
    """The course's EWP ``los-id``: ``CR/`` + a UUID derived from the HEI and the course code."""
    key = f"{institution.hei_id.lower()}\n{course_code.upper()}"
    return f"CR/{uuid.uuid5(_ID_NAMESPACE, key)}"


def loi_id(institution: EwpInstitution, course_code: str, term_code: str) -> str:
    """The ``loi-id`` of one course in one term: ``CRI/`` + a UUID derived from the three."""
    key = f"{institution.hei_id.lower()}\n{course_code.upper()}\n{term_code.upper()}"
    return f"CRI/{uuid.uuid5(_ID_NAMESPACE, key)}"


def courses_response(institution: EwpInstitution, courses: Sequence[CourseRecord],
                     terms: Mapping[str, EwpTerm],
                     credits_in: CreditsIn) -> bytes:
    """The EWP Courses API ``courses-response`` for ``courses`` (retired ones left out).

    ``terms`` maps term codes (as in ``CourseRecord.terms``) to their EWP description; codes
    missing from it are skipped. ``credits_in(course, system)`` gives the course's credits in
    ``"ects"`` and in ``"cn"`` (学分), or ``None`` to leave that scheme out.
    Returns pretty-printed UTF-8 bytes with an XML declaration.
    """
    root = etree.Element(f"{{{COURSES_NS}}}courses-response",
                         nsmap={None: COURSES_NS, "trm": TERM_NS})
    term_index = {code.upper(): term for code, term in terms.items()}
    for course in courses:
        if course.status == "retired":
            continue
        root.append(_specification(institution, course, term_index, credits_in))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _specification(institution: EwpInstitution, course: CourseRecord,
                   terms: Mapping[str, EwpTerm], credits_in: CreditsIn) -> etree._Element:
    los = etree.Element(_c("learningOpportunitySpecification"))
    _sub(los, "los-id", los_id(institution, course.code))
    _sub(los, "los-code", course.code)
    titles = _by_language(course.titles)
    if not titles:  # the XSD wants one title at least; EWP says to make one up
        _sub(los, "title", course.code)
    for lang, title in titles:
        _sub(los, "title", title, lang=lang)
    _sub(los, "type", "Course")
    if course.isced:
        _sub(los, "iscedCode", course.isced)
    if course.cycle in EQF_LEVELS:
        _sub(los, "eqfLevelProvided", str(EQF_LEVELS[course.cycle]))
    for lang, text in _descriptions(course):
        _sub(los, "description", text, lang=lang)
    instances = [terms[code.upper()] for code in course.terms if code.upper() in terms]
    if instances:
        specifies = etree.SubElement(los, _c("specifies"))
        for term in instances:
            specifies.append(_instance(institution, course, term, credits_in))
    return los


def _instance(institution: EwpInstitution, course: CourseRecord, term: EwpTerm,
              credits_in: CreditsIn) -> etree._Element:
    loi = etree.Element(_c("learningOpportunityInstance"))
    _sub(loi, "loi-id", loi_id(institution, course.code, term.code))
    _sub(loi, "start", term.start.isoformat())
    _sub(loi, "end", term.end.isoformat())
    loi.append(_academic_term(term))
    for system, scheme in CREDIT_SCHEMES.items():
        value = credits_in(course, system)
        if value is None:
            continue
        if not value.is_finite() or value < 0:
            raise ValueError(f"{course.code}: {value} {system} credits")
        credit = etree.SubElement(loi, _c("credit"))
        _sub(credit, "scheme", scheme)
        if course.cycle in CREDIT_LEVELS:
            _sub(credit, "level", CREDIT_LEVELS[course.cycle])
        _sub(credit, "value", format_decimal(value))
    if len(course.languages) == 1:
        _sub(loi, "languageOfInstruction", course.languages[0])
    if course.contact_hours is not None:
        _sub(loi, "engagementHours", format_decimal(course.contact_hours))
    return loi


def _academic_term(term: EwpTerm) -> etree._Element:
    element = etree.Element(f"{{{TERM_NS}}}academic-term")
    etree.SubElement(element, f"{{{TERM_NS}}}academic-year-id").text = term.academic_year_id
    if term.ewp_id is not None:
        etree.SubElement(element, f"{{{TERM_NS}}}ewp-id").text = term.ewp_id
    names = _by_language(term.names)
    for lang, name in names or [(None, term.code)]:
        display = etree.SubElement(element, f"{{{TERM_NS}}}display-name")
        display.text = name
        if lang is not None:
            display.set(XML_LANG, lang)
    etree.SubElement(element, f"{{{TERM_NS}}}start-date").text = term.start.isoformat()
    etree.SubElement(element, f"{{{TERM_NS}}}end-date").text = term.end.isoformat()
    return element


def _descriptions(course: CourseRecord) -> list[tuple[str, str]]:
    """Description, then the learning outcomes as a labelled paragraph, per language."""
    texts: dict[str, str] = {}
    for lang in (*LANG_ORDER, *sorted(set(course.descriptions) | set(course.outcomes))):
        if lang in texts:
            continue
        description = _clean(course.descriptions.get(lang, ""))
        outcomes = _clean(course.outcomes.get(lang, ""))
        if outcomes:
            label = OUTCOMES_LABELS.get(lang, OUTCOMES_LABELS["en"])
            outcomes = f"{label}\n{outcomes}"
        text = "\n\n".join(part for part in (description, outcomes) if part)
        if text:
            texts[lang] = text
    return [(TEXT_LANGS.get(lang, lang), text) for lang, text in texts.items()]


def _by_language(texts: Mapping[str, str]) -> list[tuple[str, str]]:
    """Non-empty texts, English first, with their ``xml:lang`` value."""
    order = [*[lang for lang in LANG_ORDER if lang in texts],
             *sorted(lang for lang in texts if lang not in LANG_ORDER)]
    return [(TEXT_LANGS.get(lang, lang), _clean(texts[lang])) for lang in order
            if _clean(texts[lang])]


def _clean(text: str) -> str:
    return xsd.xml_text(text)


def _c(name: str) -> str:
    return f"{{{COURSES_NS}}}{name}"


def _sub(parent: etree._Element, name: str, text: str,
         lang: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, _c(name))
    element.text = _clean(text)
    if lang is not None:
        element.set(XML_LANG, lang)
    return element


# --- offline validation (tests only) -----------------------------------------------------------

def validate(xml: bytes, schema_dir: Path, catalog: Path) -> list[str]:
    """Validate ``xml`` against the Courses API ``response.xsd``; the errors, or ``[]``.

    ``schema_dir`` is the folder holding ``response.xsd`` (…/ewp-specs-api-courses/master); the
    shared reference root, or any XSD file itself (the learning agreement tests pass theirs), is
    accepted too. ``catalog`` maps the imports to local copies (:func:`jointdegree.xsd.validate`).
    """
    return xsd.validate(xml, _schema_path(schema_dir), catalog)


def _schema_path(schema_dir: Path) -> Path:
    if schema_dir.is_file():
        return schema_dir
    for candidate in (schema_dir / "response.xsd",
                      schema_dir / "ewp" / "ewp-specs-api-courses" / "master" / "response.xsd"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"no Courses API response.xsd in {schema_dir}")
