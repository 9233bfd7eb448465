"""Hostile files for every importer, generated with hypothesis, on the demo database.

For catalog files (CSV/XLSX), results files (CSV/XLSX), availability calendars (.ics) and degree
requirements (JSON/YAML), whatever the bytes — random, in the wrong encoding (latin-1, UTF-16,
GB18030), truncated, with formula-injection cells (``=HYPERLINK(…)``, ``+cmd``, ``-1+1``,
``@SUM(A1)``), nested thousands deep, with YAML aliases or impossible recurrence rules:

- the importer answers with its documented outcome only — a report listing the problems
  (catalog, results) or a ``ValidationFailed`` (calendars, requirements) — never another
  exception, and within a couple of seconds;
- every problem it reports can be worded (what the import pages show);
- a refused file saves nothing: the row count of every table, and the rows of the tables the
  importer writes, are the same afterwards (an accepted file is applied whole).

Then: formula cells are neutralised on export (CSV and XLSX, through the export page) and come
back unchanged on re-import; and bodies larger than ``MAX_CONTENT_LENGTH`` get 413 — the app's
error page on the upload pages, the JSON error on the API — quickly, not a 500.
"""

from __future__ import annotations

import codecs
import csv
import io
import time
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from jointdegree.catalog.records import COLUMNS, RowError
from jointdegree.db import Base
from jointdegree.demo import DEMO_PASSWORD
from jointdegree.errors import ValidationFailed
from jointdegree.labels import row_error_text
from tests.factories import course_row
from tests.support import csrf_token, login

REGISTRAR = "registrar.nice@example.org"
PROFESSOR = "professor.nice@example.org"
SLOW = 5.0  # seconds: far more than any file here needs; an impossible RRULE took 7–15 s

FUZZ = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large, HealthCheck.filter_too_much])

FORMULAS = ['=HYPERLINK("http://x","y")', "+cmd", "-1+1", "@SUM(A1)", "=1+1", "'=2+2",
            "\t=1", "\r=1", "=cmd|' /C calc'!A0", "-", "+", "@", "'"]
ODD = ["", " ", "\x00", "数据库系统", "Systèmes", "NaN", "sNaN", "1e999999", "-0", "6,5", "²",
       "٣", "0x10", "\u202e", "\ufeff", "a" * 300, "6.25", "99999", "'", '"', "\n", "\r\n",
       "${jndi:ldap://x}", "<script>alert(1)</script>", "../../etc/passwd"]
CELL = st.one_of(st.sampled_from(FORMULAS), st.sampled_from(ODD), st.text(max_size=30))
ENCODINGS = ["latin-1", "cp1252", "utf-16", "utf-16-be", "gb18030", "big5", "shift_jis"]


# -- the demo, a database fingerprint -------------------------------------------------------------

@pytest.fixture
def demo(app: Any, db: Any) -> Iterator[dict[str, Any]]:
    """An application context on the demo (in the test's rolled-back transaction)."""
    from jointdegree.auth.models import User
    from jointdegree.catalog.models import AcademicTerm, Course, Institution
    from jointdegree.db import session
    from jointdegree.planning.models import StudentNumber

    with app.test_request_context():
        uca = session.scalar(select(Institution).where(Institution.code == "UCA"))
        users = {u.email: u for u in session.scalars(select(User).where(
            User.email.in_([REGISTRAR, PROFESSOR])))}
        yield {
            "app": app,
            "uca": uca,
            "registrar": users[REGISTRAR],
            "professor": users[PROFESSOR],
            "courses": sorted(session.scalars(select(Course.code).where(
                Course.institution_id == uca.id))),
            "terms": sorted(session.scalars(select(AcademicTerm.code).where(
                AcademicTerm.institution_id == uca.id))),
            "numbers": sorted(session.scalars(select(StudentNumber.number).where(
                StudentNumber.institution_id == uca.id))),
        }


def fingerprint(*tables: str) -> tuple[dict[str, int], dict[str, list[str]]]:
    """Rows per table (all of them), and the rows themselves of the tables named."""
    from jointdegree.db import session

    counts = {t.name: session.scalar(select(func.count()).select_from(t))
              for t in Base.metadata.sorted_tables}
    rows = {name: sorted(repr(tuple(r)) for r in session.execute(
        select(Base.metadata.tables[name])).all()) for name in tables}
    return counts, rows


def refused_saves_nothing(call: Callable[[], Any], tables: tuple[str, ...]) -> Any:
    """Run an import; check it was quick, and that nothing stayed if it refused the file."""
    from jointdegree.db import session

    before = fingerprint(*tables)
    started = time.monotonic()
    try:
        outcome = call()
    except ValidationFailed as refused:
        outcome = refused
    finally:
        elapsed = time.monotonic() - started
    assert elapsed < SLOW, f"the import took {elapsed:.1f} s"
    refused = isinstance(outcome, ValidationFailed) or bool(getattr(outcome, "errors", None))
    if refused:
        assert not getattr(outcome, "applied", False)
        assert fingerprint(*tables) == before, "a refused file left something behind"
    session.rollback()  # what a request's end does; committed (accepted) imports stay
    return outcome


def worded(errors: list[RowError]) -> None:
    """Every reported problem can be shown: in English (CLI) and in the page's language."""
    for error in errors:
        assert error.reason and row_error_text(error)


# -- files ----------------------------------------------------------------------------------------

def csv_bytes(header: list[str], rows: list[dict[str, str]], bom: bool = False) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(header: list[str], rows: list[dict[str, str]], formulas: bool) -> bytes:
    """``formulas``: a cell starting with ``=`` is written as a formula (as a spreadsheet
    would save it, without a cached value), else every cell is text."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:  # (a worksheet cannot hold control characters: openpyxl refuses them)
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", row.get(name, "")) for name in header])
    if not formulas:
        for line in sheet.iter_rows(min_row=2):
            for cell in line:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rezipped(data: bytes, member: str, content: bytes) -> bytes:
    """The same .xlsx with one member replaced (broken sheet XML, shared strings…)."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info, content if info.filename == member else source.read(info))
    return out.getvalue()


BROKEN_SHEETS = [
    b"<not xml",
    b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
    b'2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>99</v></c></row></sheetData>'
    b"</worksheet>",  # a shared string that does not exist
    b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
    b'2006/main"><sheetData><row r="1"><c r="A1" t="n"><v>abc</v></c></row></sheetData>'
    b"</worksheet>",  # a number cell that is not a number
    b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
    b'2006/main"><sheetData><row r="1"><c r="A1" t="d"><v>notadate</v></c></row></sheetData>'
    b"</worksheet>",
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>&b;</t></is></c></row></sheetData></worksheet>',
]


@st.composite
def hostile_file(draw: st.DrawFn, header: list[str], rows: list[dict[str, str]]
                 ) -> tuple[bytes, str]:
    """A file built from ``rows``, then maybe spoiled: re-encoded, truncated, a broken sheet."""
    kind = draw(st.sampled_from(["csv", "csv-bom", "xlsx-text", "xlsx-formulas"]))
    if kind.startswith("csv"):
        data, name = csv_bytes(header, rows, bom=kind == "csv-bom"), "file.csv"
    else:
        data, name = xlsx_bytes(header, rows, formulas=kind == "xlsx-formulas"), "file.xlsx"
    spoil = draw(st.sampled_from(["none", "none", "encoding", "truncate", "flip", "sheet"]))
    if spoil == "encoding" and kind.startswith("csv"):
        encoding = draw(st.sampled_from(ENCODINGS))
        text = data.decode("utf-8-sig") + "Systèmes répartis,数据库系统\n"
        data = text.encode(encoding, errors="replace")
    elif spoil == "truncate":
        data = data[:draw(st.integers(0, max(len(data) - 1, 0)))]
    elif spoil == "flip" and data:
        position = draw(st.integers(0, len(data) - 1))
        data = data[:position] + bytes([data[position] ^ 0xFF]) + data[position + 1:]
    elif spoil == "sheet" and kind.startswith("xlsx"):
        data = rezipped(data, draw(st.sampled_from(["xl/worksheets/sheet1.xml",
                                                    "xl/sharedStrings.xml",
                                                    "xl/workbook.xml"])),
                        draw(st.sampled_from(BROKEN_SHEETS)))
    return data, name


RANDOM_FILES = st.tuples(
    st.one_of(st.binary(max_size=2000), st.binary(max_size=500).map(b"PK\x03\x04".__add__),
              st.text(max_size=500).map(lambda t: t.encode("utf-8", "surrogatepass"))),
    st.sampled_from(["f.csv", "f.xlsx", "f.CSV", "f", "f.txt"]))


# -- catalog --------------------------------------------------------------------------------------

CATALOG_TABLES = ("courses", "course_terms", "course_prerequisites", "course_languages")


@st.composite
def catalog_rows(draw: st.DrawFn, existing: list[str]) -> list[dict[str, str]]:
    """A few catalog rows — new codes and demo ones (updates) — with some hostile cells."""
    rows = []
    for index in range(draw(st.integers(1, 4))):
        code = draw(st.sampled_from([f"FZ-{index}", *existing[:3]]))
        row = course_row(code, title_fr=draw(st.sampled_from(["Cours", *FORMULAS])))
        for column in draw(st.lists(st.sampled_from(COLUMNS), max_size=3, unique=True)):
            row[column] = draw(CELL)
        rows.append(row)
    return rows


def import_catalog(demo: dict[str, Any], data: bytes, name: str) -> Any:
    from jointdegree.catalog import transfer

    report = refused_saves_nothing(
        lambda: transfer.import_catalog(demo["uca"], data, name, demo["registrar"]),
        CATALOG_TABLES)
    assert isinstance(report, transfer.ImportReport)
    worded(report.errors)
    assert report.applied == (not report.errors)
    return report


@FUZZ
@given(data=st.data())
def test_catalog_import_of_hostile_files(demo, data) -> None:
    rows = data.draw(catalog_rows(demo["courses"]))
    content, name = data.draw(hostile_file(list(COLUMNS), rows))
    import_catalog(demo, content, name)


@FUZZ
@given(file=RANDOM_FILES)
def test_catalog_import_of_random_bytes(demo, file) -> None:
    report = import_catalog(demo, *file)
    assert report.errors or report.rows == 0


@pytest.mark.parametrize("broken", BROKEN_SHEETS)
def test_a_workbook_with_a_broken_sheet_is_refused_as_such(demo, broken) -> None:
    workbook = xlsx_bytes(list(COLUMNS), [course_row("FZ-1")], formulas=False)
    report = import_catalog(demo, rezipped(workbook, "xl/worksheets/sheet1.xml", broken),
                            "broken.xlsx")
    assert report.errors and report.errors[0].key in {"not_xlsx", "missing_column",
                                                       "unknown_column"}


def test_a_cell_beyond_the_csv_limit_is_a_reported_problem(demo) -> None:
    data = csv_bytes(list(COLUMNS), [course_row("FZ-1", description_en="x" * 200_000)])
    report = import_catalog(demo, data, "huge-cell.csv")
    assert [e.key for e in report.errors] == ["too_long"]


@pytest.mark.parametrize("data", [
    b"code,credits,level\nA\x00B,6,master\n",  # PostgreSQL cannot store a NUL: a 500
    "code,credits,level\nAB,6,master\n".encode("utf-16-le"),  # UTF-16 without its BOM
])
def test_nul_characters_make_a_file_not_text(demo, data) -> None:
    report = import_catalog(demo, data, "nul.csv")
    assert [e.key for e in report.errors] == ["not_utf8"]


def test_one_bad_row_among_updates_changes_no_course(demo) -> None:
    """Updates of existing courses are planned first: a bad last row leaves them untouched."""
    rows = [course_row(code, title_en="=HYPERLINK(\"http://x\",\"y\")")
            for code in demo["courses"][:3]]
    rows.append(course_row("FZ-BAD", credits="-1+1"))
    report = import_catalog(demo, csv_bytes(list(COLUMNS), rows), "updates.csv")
    assert [(e.line, e.column) for e in report.errors] == [(5, "credits")]


# -- results --------------------------------------------------------------------------------------

RESULT_COLUMNS = ["student_number", "course", "term", "attempt", "grade", "status", "credits"]
RESULT_TABLES = ("results",)


@st.composite
def result_rows(draw: st.DrawFn, demo: dict[str, Any]) -> list[dict[str, str]]:
    rows = []
    for _ in range(draw(st.integers(1, 4))):
        row = {"student_number": draw(st.sampled_from(demo["numbers"][:5])),
               "course": draw(st.sampled_from(demo["courses"][:8])),
               "term": draw(st.sampled_from(demo["terms"])),
               "attempt": draw(st.sampled_from(["first", "resit", "retake"])),
               "grade": draw(st.sampled_from(["12", "8.5", "20", "A", ""])),
               "status": "", "credits": ""}
        for column in draw(st.lists(st.sampled_from(RESULT_COLUMNS), max_size=3, unique=True)):
            row[column] = draw(CELL)
        rows.append(row)
    return rows


def import_results(demo: dict[str, Any], data: bytes, name: str) -> Any:
    from jointdegree.planning.results import ResultImportReport, import_results

    report = refused_saves_nothing(
        lambda: import_results(demo["uca"], data, name, demo["registrar"]), RESULT_TABLES)
    assert isinstance(report, ResultImportReport)
    worded(report.errors)
    assert report.applied == (not report.errors)
    return report


@FUZZ
@given(data=st.data())
def test_results_import_of_hostile_files(demo, data) -> None:
    rows = data.draw(result_rows(demo))
    content, name = data.draw(hostile_file(RESULT_COLUMNS, rows))
    import_results(demo, content, name)


@FUZZ
@given(file=RANDOM_FILES)
def test_results_import_of_random_bytes(demo, file) -> None:
    report = import_results(demo, *file)
    assert report.errors or report.rows == 0


# -- availability (.ics) --------------------------------------------------------------------------

ICS_TABLES = ("uploads",)
DTSTARTS = ["20270105T100000Z", "20270105T100000", "20270105", "99991231T235959Z",
            "00010101T000000Z", "20271301T000000Z", "20270230T100000Z", "2027-01-05",
            "20270105T250000Z", "", "x"]
RRULES = ["FREQ=WEEKLY", "FREQ=DAILY;COUNT=99999999999999999999", "FREQ=DAILY;INTERVAL=0",
          "FREQ=WEEKLY;UNTIL=99991231T000000Z", "FREQ=HOURLY;BYHOUR=25", "FREQ=SECONDLY",
          "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", "FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=31",
          "FREQ=MONTHLY;BYDAY=6MO", "FREQ=SECONDLY;BYHOUR=23;BYMONTH=3;BYMONTHDAY=29",
          "FREQ=SECONDLY;INTERVAL=7;BYHOUR=3;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO",
          "FREQ=YEARLY;BYEASTER=0", "FREQ=DAILY;BYSETPOS=400", "FREQ=WEEKLY;WKST=XX",
          "FREQ=MINUTELY;COUNT=5", "BYDAY=MO", "FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20270601"]
ICS_LINES = st.one_of(
    st.sampled_from(DTSTARTS).map("DTSTART:{}".format),
    st.sampled_from(DTSTARTS).map("DTSTART;TZID=Europe/Paris:{}".format),
    st.sampled_from(DTSTARTS).map("DTEND;TZID=Nowhere/Land:{}".format),
    st.sampled_from(DTSTARTS).map("EXDATE:{}".format),
    st.sampled_from(DTSTARTS).map("RECURRENCE-ID;RANGE=THISANDFUTURE:{}".format),
    st.sampled_from(RRULES).map("RRULE:{}".format),
    st.sampled_from(["PT1H", "P1000000D", "-PT1H", "PT0S", "P", "1H"]).map("DURATION:{}".format),
    st.sampled_from(["BEGIN:VEVENT", "END:VEVENT", "BEGIN:VALARM", "END:VCALENDAR",
                     "UID:same", "SUMMARY:=HYPERLINK(\"http://x\")", " folded", "STATUS:WHAT"]),
    st.text(max_size=40).filter(lambda t: "\n" not in t and "\r" not in t),
)


@st.composite
def calendars(draw: st.DrawFn) -> bytes:
    """Mostly well-formed events (a start, a duration, often a hostile RRULE) so that rules get
    expanded, then now and then a stray line and now and then a spoiled file: a calendar broken
    everywhere would only test the first refusal."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//fuzz//EN"]
    for index in range(draw(st.integers(1, 3))):
        start = draw(st.one_of(st.sampled_from(DTSTARTS[:3]), st.sampled_from(DTSTARTS)))
        lines += ["BEGIN:VEVENT", f"UID:event-{index}", f"DTSTART:{start}", "DURATION:PT1H"]
        rule = draw(st.none() | st.sampled_from(RRULES))
        if rule is not None:
            lines.append(f"RRULE:{rule}")
        if draw(st.integers(0, 3)) == 0:
            lines += draw(st.lists(ICS_LINES, min_size=1, max_size=3))
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    data = "\r\n".join(lines).encode("utf-8", "surrogatepass")
    spoil = draw(st.sampled_from(["none"] * 5 + ["truncate", "latin-1", "utf-16"]))
    if spoil == "truncate":
        data = data[:draw(st.integers(0, len(data)))]
    elif spoil in ("latin-1", "utf-16"):
        data = data.decode("utf-8", "replace").replace("PRODID", "PRODID:é").encode(
            spoil, errors="replace")
    return data


def import_calendar(demo: dict[str, Any], data: bytes, name: str = "busy.ics") -> Any:
    from jointdegree.teaching import feeds

    outcome = refused_saves_nothing(
        lambda: feeds.import_availability(demo["professor"], data, name, demo["professor"]),
        ICS_TABLES)
    if isinstance(outcome, ValidationFailed):
        assert outcome.code in {"invalid_ics", "unsupported_file", "not_utf8",
                                "file_too_large", "validation_failed"}
        assert all(str(message) for message in outcome.fields.values())
    return outcome


@FUZZ
@given(data=calendars())
def test_availability_import_of_hostile_calendars(demo, data) -> None:
    import_calendar(demo, data)


@FUZZ
@given(file=RANDOM_FILES)
def test_availability_import_of_random_bytes(demo, file) -> None:
    import_calendar(demo, file[0], file[1].replace(".csv", ".ics"))


@pytest.mark.parametrize("rule", [
    "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",  # never: dateutil searched until year 9999
    "FREQ=SECONDLY;INTERVAL=7;BYMONTH=2;BYMONTHDAY=30;BYHOUR=3",
    "FREQ=SECONDLY;BYHOUR=23;BYMONTH=3;BYMONTHDAY=29",  # minutes of CPU per event
    "FREQ=HOURLY;BYHOUR=25",  # a TypeError inside dateutil
])
def test_recurrence_rules_that_never_end_their_search_are_answered_quickly(demo, rule) -> None:
    events = "".join(f"BEGIN:VEVENT\r\nUID:u{i}\r\nDTSTART:20270105T100000Z\r\n"
                     f"DTEND:20270105T110000Z\r\nRRULE:{rule}\r\nEND:VEVENT\r\n"
                     for i in range(5))
    data = f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n{events}END:VCALENDAR\r\n".encode()
    import_calendar(demo, data)  # accepted (nothing busy) or refused: in well under SLOW


def test_impossible_rules_still_expand_like_before_the_shortcut() -> None:
    """Rules moved 400 years on (the shortcut) keep their instances: weekly on Mondays and
    Wednesdays until 1 March is every such day; yearly on 29 February is every leap year."""
    from datetime import UTC, datetime

    from jointdegree.teaching import ical

    data = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:a\r\n"
            b"DTSTART:20270104T100000Z\r\nDTEND:20270104T110000Z\r\n"
            b"RRULE:FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20270301T000000Z\r\nEND:VEVENT\r\n"
            b"BEGIN:VEVENT\r\nUID:b\r\nDTSTART:20280228T100000Z\r\nDTEND:20280228T110000Z\r\n"
            b"RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    busy = ical.busy_times(data, window_start=datetime(2027, 1, 1, tzinfo=UTC),
                           window_end=datetime(2033, 1, 1, tzinfo=UTC), default_zone="UTC")
    starts = [b.start for b in busy]
    assert len([s for s in starts if s.year == 2027]) == 16  # 8 Mondays, 8 Wednesdays
    assert all(s.weekday() in (0, 2) for s in starts if s.year == 2027)
    assert [s.date().isoformat() for s in starts if s.year > 2027] == [
        "2028-02-28", "2028-02-29", "2032-02-29"]


# -- requirements (JSON / YAML) -------------------------------------------------------------------

REQUIREMENT_TABLES = ("requirement_sets",)
VALID_YAML = """rules:
- id: total
  label: {en: Total}
  type: total_credits
  min: '120'
"""
DOCUMENT_TEXT = st.one_of(
    st.text(max_size=300),
    st.sampled_from([
        VALID_YAML, "[" * 50_000, "{" * 50_000, "- " * 5_000 + "x", "a: &a [*a]",
        "!!python/object/apply:os.system ['true']", "rules: !!binary aGVsbG8=",
        "rules: 2026-01-01", "rules: [{id: a, type: total_credits, min: .inf}]",
        '{"rules": [{"id": "a", "type": "total_credits", "min": 1e400}]}', "rules: !!set {a}",
        '{"rules": "\\ud800"}', "\x00", "NaN", "rules: [=HYPERLINK(\"http://x\")]",
        "rules:\n- &r {id: a, type: all_of, label: {en: x}, rules: [*r, *r]}",
    ]),
    st.builds(lambda depth: "rules: [" + "{id: a, type: all_of, label: {en: x}, rules: [" * depth
              + "]}" * depth + "]", st.integers(10, 400)),
)


def alias_bomb(depth: int, fan: int) -> str:
    """Each rule lists ``fan`` aliases of the one before: ``fan ** depth`` rules once expanded."""
    lines = ["rules:", "  - &r0 {id: leaf, type: total_credits, min: '1', label: {en: x}}"]
    for level in range(1, depth + 1):
        refs = ", ".join([f"*r{level - 1}"] * fan)
        lines.append(f"  - &r{level} {{id: n{level}, type: all_of, label: {{en: x}}, "
                     f"rules: [{refs}]}}")
    return "\n".join(lines)


def save_document(demo: dict[str, Any], text: str, fmt: str) -> Any:
    from jointdegree.catalog.models import Programme
    from jointdegree.db import session
    from jointdegree.planning import requirement_sets

    programme = session.scalar(select(Programme).where(
        Programme.institution_id == demo["uca"].id).order_by(Programme.id))
    row = requirement_sets.requirement_set(programme)

    def call() -> Any:
        document = requirement_sets.parse_text(text, fmt)
        return requirement_sets.save_requirements(
            programme, document, demo["registrar"],
            expected_version=row.version if row is not None else None)

    outcome = refused_saves_nothing(call, REQUIREMENT_TABLES)
    if isinstance(outcome, ValidationFailed):
        assert outcome.code in {"invalid_document", "invalid_requirements"}
        assert all(str(message) for message in outcome.fields.values())
    return outcome


@FUZZ
@given(text=DOCUMENT_TEXT, fmt=st.sampled_from(["json", "yaml"]))
def test_requirement_documents_from_hostile_text(demo, text, fmt) -> None:
    save_document(demo, text, fmt)


def test_yaml_aliases_cannot_expand_into_millions_of_rules(demo) -> None:
    outcome = save_document(demo, alias_bomb(depth=7, fan=10), "yaml")  # 600 bytes, 10⁷ rules
    assert isinstance(outcome, ValidationFailed) and "aliases" in str(outcome.message)


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_documents_nested_too_deep_are_refused_not_a_crash(demo, fmt) -> None:
    import json

    rule: dict[str, Any] = {"id": "leaf", "type": "total_credits", "min": "1",
                            "label": {"en": "x"}}
    for level in range(300):
        rule = {"id": f"n{level}", "type": "all_of", "label": {"en": "x"}, "rules": [rule]}
    outcome = save_document(demo, json.dumps({"rules": [rule]}), fmt)  # JSON is YAML too
    assert isinstance(outcome, ValidationFailed)
    assert outcome.code in {"invalid_document", "invalid_requirements"}


# -- export neutralises formulas; re-import restores them -----------------------------------------

@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_formula_titles_are_neutralised_on_export_and_restored_on_import(app, client, demo,
                                                                         fmt) -> None:
    from jointdegree.catalog import courses, transfer
    from jointdegree.catalog.models import Course
    from jointdegree.db import session

    titles = {"FZ-EQ": '=HYPERLINK("http://x","y")', "FZ-PLUS": "+cmd", "FZ-MINUS": "-1+1",
              "FZ-AT": "@SUM(A1)"}
    for code, title in titles.items():
        courses.create_course(demo["uca"], course_row(code, title_en=title), None)
    session.commit()
    login(client, REGISTRAR, DEMO_PASSWORD)
    response = client.get(f"/institutions/UCA/catalog/export?format={fmt}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    if fmt == "csv":
        cells = [row for row in csv.reader(io.StringIO(codecs.decode(response.data,
                                                                     "utf-8-sig")))]
    else:
        sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
        assert all(cell.data_type != "f" for line in sheet.iter_rows() for cell in line)
        cells = [[cell.value or "" for cell in line] for line in sheet.iter_rows()]
    exported = {line[0]: line[cells[0].index("title_en")] for line in cells[1:]}
    assert {code: exported[code] for code in titles} == {
        code: "'" + title for code, title in titles.items()}
    for line in cells:  # no cell of the export starts a formula
        assert not any(str(value)[:1] in "=+@" for value in line if value)
        assert not any(str(value)[:1] == "-" and len(str(value)) > 1 for value in line)
    report = transfer.import_catalog(demo["uca"], response.data, f"export.{fmt}", None)
    assert report.applied and not report.created and not report.updated
    stored = dict(session.execute(select(Course.code, Course.title_en).where(
        Course.code.in_(titles))).all())
    assert stored == titles


# -- oversize bodies ------------------------------------------------------------------------------

UPLOADS = [  # (page with the form, field name)
    ("/institutions/UCA/catalog/import", "file"),
    ("/institutions/UCA/results/import", "file"),
]


def oversize(app: Any) -> bytes:
    return b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)


def post_file(client: Any, path: str, token: str, field: str, data: bytes, name: str) -> Any:
    """A multipart upload encoded in memory (the test client would spool this size to a
    temporary file, left open when the app answers before reading it)."""
    from werkzeug.test import encode_multipart

    boundary, body = encode_multipart({"csrf_token": token,
                                       field: FileStorage(io.BytesIO(data), name)})
    return client.post(path, data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


@pytest.mark.parametrize(("path", "field"), UPLOADS)
def test_oversize_uploads_get_the_413_page(app, client, demo, path, field) -> None:
    login(client, REGISTRAR, DEMO_PASSWORD)
    token = csrf_token(client, path)
    started = time.monotonic()
    with post_file(client, path, token, field, oversize(app), "big.csv") as response:
        assert time.monotonic() - started < 10
        assert response.status_code == 413
        page = response.get_data(as_text=True)  # the app's page, in the registrar's language
        assert response.mimetype == "text/html" and '<p class="status">413</p>' in page


def test_oversize_syllabus_and_calendar_uploads_get_413(app, client, demo) -> None:
    from jointdegree.catalog.models import Course
    from jointdegree.db import session
    from jointdegree.teaching.models import TeachingAssignment

    course_id = session.scalar(select(Course.id).where(Course.institution_id == demo["uca"].id)
                               .order_by(Course.id))
    assignment_id = session.scalar(select(TeachingAssignment.id).where(
        TeachingAssignment.professor_id == demo["professor"].id).order_by(TeachingAssignment.id))
    login(client, REGISTRAR, DEMO_PASSWORD)
    token = csrf_token(client, "/profile")
    for path in (f"/courses/{course_id}/syllabus",
                 f"/teaching/offerings/{assignment_id}/availability"):
        with post_file(client, path, token, "file", oversize(app), "big.pdf") as response:
            assert response.status_code == 413, path
            assert '<p class="status">413</p>' in response.get_data(as_text=True)


@pytest.mark.parametrize(("method", "path"), [("POST", "/api/v1/courses"),
                                              ("PUT", "/api/v1/programmes/1/requirements"),
                                              ("PATCH", "/api/v1/institutions/UCA")])
def test_oversize_api_bodies_get_the_json_413(app, client, demo, method, path) -> None:
    from jointdegree.auth.tokens import create_token

    secret = create_token(demo["registrar"], "oversize").secret
    response = client.open(path, method=method, data=oversize(app),
                           content_type="application/json",
                           headers={"Authorization": f"Bearer {secret}", "If-Match": '"1"'})
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"
