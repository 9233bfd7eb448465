"""Catalog rows as plain data: the columns of the import/export files and their validation.

Pure (no Flask, no database): the importer, the exporters (CSV, XLSX, EWP) and the tests share
these definitions, so a file written by the export reads back unchanged.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

LANGS = ("fr", "zh", "en")
DELIVERIES = ("on_campus", "remote", "hybrid")
KINDS = ("lecture", "lab", "thesis", "internship")
STATUSES = ("active", "retired")
LANGUAGE_CODES = frozenset({"fr", "zh", "en", "de", "es", "it", "pt", "ja", "ko", "ru", "ar"})

# National level names (as each country's registrars write them) → the common cycle.
NATIONAL_LEVELS: dict[str, str] = {
    "licence": "bachelor", "licence professionnelle": "bachelor", "bachelor": "bachelor",
    "本科": "bachelor",
    "master": "master", "研究生": "master", "硕士": "master", "硕士研究生": "master",
    "doctorat": "doctorate", "doctorate": "doctorate", "博士": "doctorate",
    "博士研究生": "doctorate",
}

# The file's columns, in order. Multi-valued cells use ";" between values.
COLUMNS: tuple[str, ...] = (
    "code",
    "title_fr", "title_zh", "title_en",
    "description_fr", "description_zh", "description_en",
    "outcomes_fr", "outcomes_zh", "outcomes_en",
    "credits", "contact_hours", "self_study_hours",
    "level", "isced", "languages", "terms", "delivery", "kind", "prerequisites", "status",
)
REQUIRED_COLUMNS = frozenset({"code", "credits", "level"})

COLUMN_HELP: dict[str, str] = {
    "code": "Course code, unique within the institution (letters, digits, . - _ space)",
    "title_fr": "Title in French", "title_zh": "Title in Chinese", "title_en": "Title in English",
    "description_fr": "Description in French (optional, same for _zh, _en)",
    "description_zh": "", "description_en": "",
    "outcomes_fr": "Learning outcomes in French (optional, same for _zh, _en)",
    "outcomes_zh": "", "outcomes_en": "",
    "credits": "Credits in the institution's own system (ECTS or 学分), e.g. 6 or 2.5",
    "contact_hours": "Hours of teaching (lectures, classes, labs)",
    "self_study_hours": "Hours of personal work expected",
    "level": "licence, master, doctorat, 本科, 研究生 (硕士), 博士 — or bachelor/master/doctorate",
    "isced": "ISCED-F 2013 field code, 4 digits, e.g. 0613",
    "languages": "Languages of instruction, ISO 639-1 codes separated by ;  e.g. fr;en",
    "terms": "Codes of the academic terms when it is offered, separated by ;  e.g. 2026-S1",
    "delivery": "on_campus, remote (videoconference) or hybrid",
    "kind": "lecture, lab (practical), thesis or internship",
    "prerequisites": "Codes of courses of the same institution, separated by ;",
    "status": "active or retired",
}

_MAX_CREDITS = Decimal(60)
_MAX_HOURS = Decimal(2000)
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,31}$")
_ISCED = re.compile(r"^\d{4}$")


@dataclass
class CourseRecord:
    """One course as the files carry it; credits and hours are exact decimals."""

    code: str
    titles: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    outcomes: dict[str, str] = field(default_factory=dict)
    credits: Decimal = Decimal(0)
    contact_hours: Decimal | None = None
    self_study_hours: Decimal | None = None
    level: str = "master"  # the national level as written
    cycle: str = "master"  # bachelor / master / doctorate
    isced: str | None = None
    languages: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()
    delivery: str = "on_campus"
    kind: str = "lecture"
    prerequisites: tuple[str, ...] = ()
    status: str = "active"

    def to_row(self) -> dict[str, str]:
        row = {"code": self.code}
        for lang in LANGS:
            row[f"title_{lang}"] = self.titles.get(lang, "")
            row[f"description_{lang}"] = self.descriptions.get(lang, "")
            row[f"outcomes_{lang}"] = self.outcomes.get(lang, "")
        row |= {
            "credits": format_decimal(self.credits),
            "contact_hours": format_decimal(self.contact_hours),
            "self_study_hours": format_decimal(self.self_study_hours),
            "level": self.level, "isced": self.isced or "",
            "languages": ";".join(self.languages), "terms": ";".join(self.terms),
            "delivery": self.delivery, "kind": self.kind,
            "prerequisites": ";".join(self.prerequisites), "status": self.status,
        }
        return {column: row[column] for column in COLUMNS}


@dataclass(frozen=True)
class RowError:
    """One problem in one cell: what the import report shows.

    ``key`` names the problem (:data:`ROW_REASONS`); ``reason`` is its English wording for the
    CLI and logs, and the web pages word the same key in the reader's language.
    """

    line: int
    column: str
    value: str
    key: str
    params: Mapping[str, str] = field(default_factory=dict)

    @property
    def reason(self) -> str:
        return ROW_REASONS[self.key].format(**self.params)


ROW_REASONS: dict[str, str] = {
    "required": "required",
    "number": "must be a positive number with at most {decimals} decimal(s) (up to {max})",
    "code": "required: 1 to 32 letters, digits, spaces, dots, dashes",
    "title_missing": "give a title in at least one language",
    "too_long": "at most {max} characters",
    "level": "unknown level: licence, master, doctorat, 本科, 研究生, 博士",
    "isced": "an ISCED-F 2013 code has 4 digits",
    "language": "unknown language: use ISO 639-1 codes such as fr, zh, en",
    "term": "unknown term",
    "choice": "must be one of: {allowed}",
    "self_prerequisite": "a course cannot require itself",
    "duplicate": "duplicated code in the file (also on line {first})",
    "no_course": "no course with this code",
    "unknown_column": "unknown column",
    "missing_column": "missing column",
    "column_twice": "column given twice",
    "not_utf8": "the file is not UTF-8 text (byte {byte}); save it as CSV UTF-8",
    "empty_file": "the file is empty",
    "extra_cells": "more cells than columns in the header",
    "not_xlsx": "the file is not a readable .xlsx workbook",
    "empty_sheet": "the sheet is empty",
    "no_student": "no student with this number at the institution",
    "recorded": "this attempt is already recorded: correct it on the student's page",
    "control": "contains an invisible control character ({char}): retype the text",
    "message": "{message}",
}


def format_decimal(value: Decimal | None) -> str:
    """``Decimal("6.0")`` → ``"6"``, ``Decimal("2.5")`` → ``"2.5"``: what a registrar types."""
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return text


_SEPARATORS = re.compile(r"[;；,，]")


def _split(value: str) -> tuple[str, ...]:
    if not value:
        return ()
    if not _SEPARATORS.search(value):  # one item, the usual case
        return (value.strip(),) if value.strip() else ()
    return tuple(part.strip() for part in _SEPARATORS.split(value) if part.strip())


def _number(value: str, column: str, line: int, errors: list[RowError], *,
            required: bool, max_value: Decimal, decimals: int = 1) -> Decimal | None:
    text = value.strip().replace(",", ".")
    if not text:
        if required:
            errors.append(RowError(line, column, value, "required"))
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    quantum = Decimal(1).scaleb(-decimals)
    if (number is None or not number.is_finite() or number <= 0 or number > max_value
            or number != number.quantize(quantum)):
        errors.append(RowError(line, column, value, "number",
                               {"decimals": str(decimals), "max": str(max_value)}))
        return None
    return number


def parse_row(row: Mapping[str, str | None], line: int,
              known_terms: frozenset[str] | None = None) -> tuple[CourseRecord | None,
                                                                    list[RowError]]:
    """Validate one row; return the record, or ``None`` and every problem found in the row.

    Cross-row checks (duplicated codes, prerequisites that exist) belong to the importer.
    """
    errors: list[RowError] = []
    # Every cell once, stripped: the importer calls this 20,000 times for a large catalog.
    # Empty cells (most of a typical row) are left out and read as "".
    cells = dict.fromkeys(COLUMNS, "")
    cells.update((column, value.strip()) for column, value in row.items()
                 if value and column in cells)
    cell = cells.__getitem__

    code = cell("code")
    if not _CODE.match(code):
        errors.append(RowError(line, "code", code, "code"))
    titles = {lang: cells[f"title_{lang}"] for lang in LANGS if cells[f"title_{lang}"]}
    if not titles:
        errors.append(RowError(line, "title_en", "", "title_missing"))
    for lang, title in titles.items():
        if len(title) > 300:
            errors.append(RowError(line, f"title_{lang}", title[:40] + "…", "too_long",
                                   {"max": "300"}))
    credits = _number(cell("credits"), "credits", line, errors, required=True,
                      max_value=_MAX_CREDITS)
    contact = _number(cell("contact_hours"), "contact_hours", line, errors, required=False,
                      max_value=_MAX_HOURS)
    study = _number(cell("self_study_hours"), "self_study_hours", line, errors, required=False,
                    max_value=_MAX_HOURS)
    level = cell("level")
    cycle = NATIONAL_LEVELS.get(level.lower())
    if cycle is None:
        errors.append(RowError(line, "level", level, "level"))
    isced = cell("isced") or None
    if isced is not None and not _ISCED.match(isced):
        errors.append(RowError(line, "isced", isced, "isced"))
    # Sets in nature: kept sorted and unique, so comparing a file with the catalog is exact.
    languages = tuple(sorted({code.lower() for code in _split(cell("languages"))}))
    for language in languages:
        if language not in LANGUAGE_CODES:
            errors.append(RowError(line, "languages", language, "language"))
    terms = _split(cell("terms"))
    if known_terms is not None:
        for term in terms:
            if term.upper() not in known_terms:
                errors.append(RowError(line, "terms", term, "term"))
    terms = tuple(sorted({term.upper() for term in terms}))
    choices = {"delivery": DELIVERIES, "kind": KINDS, "status": STATUSES}
    chosen = {}
    defaults = {"delivery": "on_campus", "kind": "lecture", "status": "active"}
    for column, allowed in choices.items():
        value = cell(column).lower() or defaults[column]
        if value not in allowed:
            errors.append(RowError(line, column, cell(column), "choice",
                                   {"allowed": ", ".join(allowed)}))
        chosen[column] = value
    prerequisites = tuple(sorted({p.upper() for p in _split(cell("prerequisites"))}))
    if code.upper() in prerequisites:
        errors.append(RowError(line, "prerequisites", code, "self_prerequisite"))
    if errors:
        return None, errors
    record = CourseRecord(
        code=code.upper(), titles=titles,
        descriptions={lang: cell(f"description_{lang}") for lang in LANGS
                      if cell(f"description_{lang}")},
        outcomes={lang: cell(f"outcomes_{lang}") for lang in LANGS if cell(f"outcomes_{lang}")},
        credits=credits or Decimal(0), contact_hours=contact, self_study_hours=study,
        level=level, cycle=cycle or "master", isced=isced, languages=languages, terms=terms,
        prerequisites=prerequisites, **chosen)
    return record, []


def check_file(records: Iterable[tuple[int, CourseRecord]],
               existing_codes: frozenset[str] = frozenset(),
               codes: Iterable[tuple[int, str]] | None = None) -> list[RowError]:
    """Cross-row problems: a code twice in the file, a prerequisite that exists nowhere.

    ``codes`` are the (line, code) pairs of every row, valid or not, so a duplicate is reported
    even when the other row has problems of its own.
    """
    errors: list[RowError] = []
    rows = list(records)
    seen: dict[str, int] = {}
    all_codes = list(codes) if codes is not None else [(line, r.code) for line, r in rows]
    for line, code in all_codes:
        code = code.strip().upper()
        if not code:
            continue
        if code in seen:
            first = seen[code]
            errors.append(RowError(line, "code", code, "duplicate", {"first": str(first)}))
        else:
            seen[code] = line
    known = set(seen) | set(existing_codes)
    for line, record in rows:
        for prerequisite in record.prerequisites:
            if prerequisite not in known:
                errors.append(RowError(line, "prerequisites", prerequisite, "no_course"))
    return errors


_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def fold(text: str) -> str:
    """Search form of a text: lower case, accents removed, width folded; Chinese untouched.

    ``Systèmes`` → ``systemes``; ``ＡＢＣ`` → ``abc``; ``数据库系统`` stays as it is, so a
    substring such as ``数据`` finds it.
    """
    if text.isascii():
        return text.lower()
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text)).casefold()


def neutralise_formula(value: str) -> str:
    """Spreadsheet formula injection: a cell starting with = + - @ (or a tab/CR) is prefixed with
    an apostrophe on export, so a spreadsheet shows it as text instead of running it."""
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


def unneutralise(value: str) -> str:
    """Undo :func:`neutralise_formula` on import, so export → import round-trips."""
    if len(value) > 1 and value[0] == "'" and value[1] in "=+-@\t\r":
        return value[1:]
    return value
