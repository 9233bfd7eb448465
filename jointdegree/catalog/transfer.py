"""Catalog import and export (CSV, XLSX; EWP in :mod:`jointdegree.catalog.ewp`).

Import is all-or-nothing: every row is checked first, and a file with any bad row saves nothing
and reports every problem (line, column, value, reason). Re-importing updates courses by code and
leaves unchanged ones alone, so export → import round-trips without a single change.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import selectinload

from jointdegree.audit.models import AuditLogEntry
from jointdegree.audit.services import current_channel
from jointdegree.audit.services import record as audit
from jointdegree.auth.models import User
from jointdegree.auth.policy import authorize
from jointdegree.bulk import collector_paused, insert_rows
from jointdegree.catalog import courses as course_service
from jointdegree.catalog.models import Course, Institution
from jointdegree.catalog.records import (
    COLUMNS,
    REQUIRED_COLUMNS,
    CourseRecord,
    RowError,
    check_file,
    parse_row,
    unneutralise,
)
from jointdegree.db import session, utcnow
from jointdegree.tabular import csv_bytes, xlsx_bytes

MAX_ERRORS_REPORTED = 1000  # a file wrong everywhere still gets a readable report
Progress = Callable[[int], None]


@dataclass
class ImportReport:
    rows: int = 0
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


class FileProblem(Exception):
    """The file as a whole cannot be read (not UTF-8, not a spreadsheet, wrong header)."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(e.reason for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class Layout:
    """The columns a kind of file has (catalogs, results…) and which of them are required."""

    columns: Sequence[str]
    required: frozenset[str]
    multiline: frozenset[str] = frozenset()  # may hold line breaks and tabs


CATALOG = Layout(COLUMNS, REQUIRED_COLUMNS, frozenset(
    column for column in COLUMNS if column.startswith(("description_", "outcomes_"))))

# Invisible characters that have no place in a course record: C0 and C1 controls (a bell, an
# escape sequence for a terminal that shows the log) and the bidirectional overrides and
# isolates that make a title read differently from what it stores ("Trojan Source"), and a
# byte-order mark inside the text. (Zero-width spaces and joiners stay: scripts and emoji use
# them.)
_INVISIBLE = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff"
_CONTROL = re.compile(f"[{_INVISIBLE}]")
_CONTROL_ONE_LINE = re.compile(f"[{_INVISIBLE}\t\n\r\u2028\u2029]")


def _refuse_control_characters(rows: list[tuple[int, dict[str, str]]], layout: Layout
                               ) -> list[tuple[int, dict[str, str]]]:
    """Every cell holding an invisible control character, reported by row and column with the
    character named (U+0007): the file is refused as a whole, as for any other row problem.

    Only what would be stored counts: cells are stripped on import (a trailing tab or a final
    line break from a spreadsheet cell is harmless), and columns the file format ignores are
    not looked at."""
    errors = []
    for line, row in rows:
        if not _CONTROL_ONE_LINE.search("".join(row.values())):
            continue  # the usual row: nothing to look at cell by cell
        for column, value in row.items():
            if column not in layout.columns:
                continue
            pattern = _CONTROL if column in layout.multiline else _CONTROL_ONE_LINE
            kept = value.strip()
            found = pattern.search(kept)
            if found is not None:
                shown = pattern.sub("\N{REPLACEMENT CHARACTER}", kept)
                errors.append(RowError(line, column, shown[:60], "control",
                                       {"char": f"U+{ord(found.group()):04X}"}))
    if errors:
        raise FileProblem(errors[:MAX_ERRORS_REPORTED])
    return rows


def _check_header(header: Sequence[str], layout: Layout) -> None:
    names = [h.strip() for h in header]
    errors = [RowError(1, name, name, "unknown_column") for name in names
              if name and name not in layout.columns]
    errors += [RowError(1, name, "", "missing_column") for name in sorted(layout.required)
               if name not in names]
    errors += [RowError(1, name, name, "column_twice") for name in set(names)
               if name and names.count(name) > 1]
    if errors:
        raise FileProblem(errors)


def read_rows(data: bytes, filename: str, layout: Layout = CATALOG
              ) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) pairs of a CSV (UTF-8, BOM or not) or XLSX file."""
    if filename.lower().endswith(".xlsx") or data[:4] == b"PK\x03\x04":
        return _refuse_control_characters(_read_xlsx(data, layout), layout)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileProblem([RowError(0, "", "", "not_utf8", {"byte": str(exc.start)})]) from None
    if "\x00" in text:  # not text (UTF-16 without its BOM, a binary file): no database stores it
        raise FileProblem([RowError(0, "", "", "not_utf8", {"byte": str(data.find(b"\x00"))})])
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        rows = _csv_rows(reader, layout)
    except csv.Error:  # with the default dialect, only a cell beyond the csv module's limit
        raise FileProblem([RowError(reader.line_num, "", "", "too_long",
                                    {"max": str(csv.field_size_limit())})]) from None
    return _refuse_control_characters(rows, layout)


def _csv_rows(reader: Any, layout: Layout) -> list[tuple[int, dict[str, str]]]:
    try:
        header = next(reader)
    except StopIteration:
        raise FileProblem([RowError(1, "", "", "empty_file")]) from None
    _check_header(header, layout)
    names = [h.strip() for h in header]
    rows = []
    end = reader.line_num
    for values in reader:
        # A row's line is where it starts: a quoted cell with line breaks spans several.
        line, end = end + 1, reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) > len(names):
            extra = ", ".join(v for v in values[len(names):] if v.strip())
            if extra:
                raise FileProblem([RowError(line, "", extra, "extra_cells")])
        rows.append((line, {name: unneutralise(value) if value[:1] == "'" else value
                                       for name, value in zip(names, values, strict=False)}))
    return rows


def _read_xlsx(data: bytes, layout: Layout) -> list[tuple[int, dict[str, str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise FileProblem([RowError(0, "", "", "not_xlsx")]
                          ) from None
    try:
        return _xlsx_rows(workbook.worksheets[0].iter_rows(values_only=True), layout)
    except FileProblem:
        raise
    except Exception:  # read-only sheets are parsed lazily: broken XML or cells show up here
        raise FileProblem([RowError(0, "", "", "not_xlsx")]) from None
    finally:
        workbook.close()


def _xlsx_rows(iterator: Iterator[tuple[Any, ...]], layout: Layout
               ) -> list[tuple[int, dict[str, str]]]:
    try:
        header = [str(cell or "").strip() for cell in next(iterator)]
    except StopIteration:
        raise FileProblem([RowError(1, "", "", "empty_sheet")]) from None
    _check_header(header, layout)
    rows = []
    for number, values in enumerate(iterator, start=2):
        cells = ["" if v is None else _cell_text(v) for v in values]
        if not any(c.strip() for c in cells):
            continue
        rows.append((number, {name: unneutralise(value)
                              for name, value in zip(header, cells, strict=False) if name}))
    return rows


def _cell_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def plan(institution: Institution, rows: list[tuple[int, dict[str, str]]],
         progress: Progress | None = None) -> tuple[list[tuple[int, CourseRecord]],
                                                     list[RowError]]:
    """Validate every row and the file as a whole; nothing is written."""
    terms = frozenset(course_service.term_codes(institution))
    records: list[tuple[int, CourseRecord]] = []
    errors: list[RowError] = []
    for index, (line, row) in enumerate(rows, start=1):
        record, row_errors = parse_row(row, line, known_terms=terms)
        if record is not None:
            records.append((line, record))
        errors.extend(row_errors)
        if progress and index % 500 == 0:
            progress(500)
    if progress:
        progress(len(rows) % 500)
    errors.extend(check_file(records, frozenset(course_service.course_codes(institution)),
                             codes=[(line, row.get("code") or "") for line, row in rows]))
    errors.sort(key=lambda e: (e.line, COLUMNS.index(e.column) if e.column in COLUMNS else -1))
    return records, errors[:MAX_ERRORS_REPORTED]


@collector_paused()
def import_catalog(institution: Institution, data: bytes, filename: str, actor: User | None,
                   dry_run: bool = False, progress: Progress | None = None) -> ImportReport:
    """Check a whole file, then (unless ``dry_run`` or any error) create and update courses."""
    if actor is not None:
        authorize("institution.edit", institution, user=actor)
    try:
        rows = read_rows(data, filename)
    except FileProblem as problem:
        return ImportReport(errors=problem.errors)
    records, errors = plan(institution, rows, progress)
    report = ImportReport(rows=len(rows), errors=errors)
    existing = {c.code: c for c in session.scalars(
        select(Course).where(Course.institution_id == institution.id).options(
            selectinload(Course.terms), selectinload(Course.prerequisites),
            selectinload(Course.language_rows)))}
    new: list[CourseRecord] = []
    changed: list[tuple[Course, CourseRecord, CourseRecord]] = []
    for _line, record in records:
        course = existing.get(record.code)
        if course is None:
            new.append(record)
            continue
        before = course_service.to_record(course)
        if before == record:
            report.unchanged += 1
        else:
            changed.append((course, before, record))
    report.created = [r.code for r in new]
    report.updated = [c.code for c, _b, _r in changed]
    if errors or dry_run:
        return report
    if new or changed:
        _apply(institution, new, changed, actor, filename, hashlib.sha256(data).hexdigest())
    report.applied = True
    return report


def _apply(institution: Institution, new: list[CourseRecord],
           changed: list[tuple[Course, CourseRecord, CourseRecord]], actor: User | None,
           filename: str, digest: str) -> None:
    now = utcnow()
    actor_id = getattr(actor, "id", None)
    created_ids: list[tuple[int, CourseRecord]] = []
    if new:
        # Not the ORM: its per-row bookkeeping (and RETURNING) would triple the time.
        insert_rows(Course.__table__, [course_service.column_values(r) | {
            "institution_id": institution.id, "created_at": now, "updated_at": now,
            "updated_by_id": actor_id, "version": 1} for r in new])
    for course, _before, record in changed:
        for key, value in course_service.column_values(record).items():
            setattr(course, key, value)
        course.updated_at = now
        course.updated_by_id = actor_id
    session.flush()
    codes = course_service.course_codes(institution)  # the new courses' ids included
    created_ids = [(codes[r.code], r) for r in new]
    updated_ids = [(course.id, record) for course, _b, record in changed]
    course_service.remove_links([cid for cid, _r in updated_ids])
    course_service.insert_links(created_ids + updated_ids,
                                course_service.term_codes(institution), codes)
    channel = current_channel()
    # Created courses are recorded once, in the import's entry (codes and the file's hash): their
    # first state is the file's row. Updated ones each get their before/after.
    entries: list[dict[str, Any]] = []
    entries += [{"at": now, "actor_id": actor_id, "channel": channel, "action": "course.update",
                 "entity_type": "courses", "entity_id": str(course.id),
                 "institution_id": institution.id,
                 "before": course_service.audit_view(before),
                 "after": course_service.audit_view(record)}
                for course, before, record in changed]
    if entries:
        session.execute(insert(AuditLogEntry.__table__), entries)
    course_service.run_change_hooks([(c.id, before, record) for c, before, record in changed])
    audit("catalog.import", institution, actor=actor, institution_id=institution.id,
          after={"file": filename, "sha256": digest, "created": [r.code for _i, r in created_ids],
                 "updated": [c.code for c, _b, _r in changed]})
    session.commit()


# -- export ---------------------------------------------------------------------------------------

def export_rows(institution: Institution) -> Iterator[dict[str, str]]:
    for course in course_service.institution_courses(institution):
        yield course_service.to_record(course).to_row()


def to_csv(rows: Iterator[dict[str, str]]) -> bytes:
    return csv_bytes(COLUMNS, ([row[c] for c in COLUMNS] for row in rows))


def to_xlsx(rows: Iterator[dict[str, str]]) -> bytes:
    """The catalog sheet, and a second sheet explaining every column."""
    from jointdegree.catalog.records import COLUMN_HELP

    return xlsx_bytes([
        ("courses", COLUMNS, ([row[c] for c in COLUMNS] for row in rows)),
        ("columns", ("column", "meaning"), ((c, COLUMN_HELP.get(c, "")) for c in COLUMNS)),
    ])
