"""Catalog import and export: all-or-nothing with a row-by-row report, exact round trips."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from jointdegree.catalog import courses, transfer
from jointdegree.catalog.models import Course
from jointdegree.catalog.records import COLUMNS, parse_row
from jointdegree.db import session
from tests.factories import course_row
from tests.support import REFERENCE, csrf_token, login

ROOT = Path(__file__).resolve().parents[2]


def csv_file(rows: list[dict[str, str]], bom: bool = False) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


def count(db, institution) -> int:
    return db.scalar(select(func.count()).select_from(Course).where(
        Course.institution_id == institution.id))


@pytest.mark.parametrize("bom", [False, True])
def test_a_good_file_creates_courses(app, db, world, bom) -> None:
    data = csv_file([course_row("A1", title_fr="Systèmes répartis"),
                     course_row("A2", prerequisites="A1", terms="2026-S1")], bom=bom)
    with app.test_request_context():
        report = transfer.import_catalog(world["nice"], data, "nice.csv", None)
    assert report.ok and report.applied and report.created == ["A1", "A2"]
    assert count(db, world["nice"]) == 2


def test_one_bad_row_saves_nothing_and_every_problem_is_reported(app, db, world) -> None:
    data = csv_file([
        course_row("A1"),
        course_row("A2", credits="6.25"),  # line 3
        course_row("A3", terms="2099-S7", level="lycée"),  # line 4: two problems
        course_row("A1"),  # line 5: duplicate code
        course_row("A5", prerequisites="ZZZ"),  # line 6
    ])
    with app.test_request_context():
        report = transfer.import_catalog(world["nice"], data, "nice.csv", None)
    assert not report.applied and count(db, world["nice"]) == 0
    problems = {(e.line, e.column, e.value) for e in report.errors}
    assert (3, "credits", "6.25") in problems
    assert (4, "level", "lycée") in problems and (4, "terms", "2099-S7") in problems
    assert (5, "code", "A1") in problems
    assert (6, "prerequisites", "ZZZ") in problems
    reasons = {e.line: e.reason for e in report.errors}
    assert "at most 1 decimal" in reasons[3] and "line 2" in reasons[5]


@pytest.mark.parametrize(("data", "reason"), [
    (b"\xff\xfecode,credits\n", "not UTF-8"),
    (b"", "empty"),
    (b"code,credits,colour\nA,6,red\n", "unknown column"),
    (b"title_en,credits\nA,6\n", "missing column"),
])
def test_unreadable_files_are_explained(app, world, data, reason) -> None:
    with app.test_request_context():
        report = transfer.import_catalog(world["nice"], data, "x.csv", None)
    assert not report.ok and any(reason in e.reason for e in report.errors)


def test_invisible_control_characters_are_refused_where_they_hide(app, db, world) -> None:
    """A bell in a title, an escape sequence, a bidirectional override that makes a code read
    backwards: the file is refused with the row, the column and the character named. Line
    breaks stay welcome in descriptions, not in titles."""
    data = csv_file([
        course_row("A1", title_fr="Systèmes\x07 répartis"),  # line 2
        course_row("A2", title_en="Data\x1b[31m mining"),  # line 3
        course_row("A3\u202e21", title_en="Algebra"),  # line 4
        course_row("A4", title_fr="Réseaux\navancés"),  # line 5: a line break in a title
        course_row("A5", description_fr="Cours magistral.\n\tTravaux pratiques."),  # fine
    ])
    with app.test_request_context():
        report = transfer.import_catalog(world["nice"], data, "nice.csv", None)
    assert not report.applied and count(db, world["nice"]) == 0
    found = {(e.line, e.column, e.params.get("char")) for e in report.errors}
    assert found == {(2, "title_fr", "U+0007"), (3, "title_en", "U+001B"),
                     (4, "code", "U+202E"), (5, "title_fr", "U+000A")}
    assert all("\x07" not in e.value and "\x1b" not in e.value for e in report.errors)
    with app.test_request_context():
        fine = transfer.import_catalog(world["nice"], csv_file([course_row(
            "A5", description_fr="Cours magistral.\n\tTravaux pratiques.")]), "n.csv", None)
    assert fine.applied and count(db, world["nice"]) == 1


def test_what_would_not_be_stored_is_not_held_against_the_file(app, db, world) -> None:
    """Cells are stripped on import: a trailing tab or the final line break of a spreadsheet
    cell is harmless. A column the format ignores (after a trailing comma) is not looked at."""
    data = (b"code,title_en,credits,level,\r\n"  # the trailing comma: a column named ""
            b'A1,"Algebra\n",6\t,master,\t\r\n')
    with app.test_request_context():
        report = transfer.import_catalog(world["nice"], data, "nice.csv", None)
    assert report.ok and report.applied, report.errors
    course = db.scalar(select(Course).where(Course.code == "A1"))
    assert course.title_en == "Algebra" and course.credits == 6


def test_a_file_full_of_control_characters_gets_a_readable_report(app, world) -> None:
    data = csv_file([course_row(f"A{i}", title_en=f"T\x07{i}", title_fr=f"F\x07{i}")
                     for i in range(600)])
    with app.test_request_context():
        report = transfer.import_catalog(world["nice"], data, "nice.csv", None)
    assert not report.applied and len(report.errors) == transfer.MAX_ERRORS_REPORTED


def test_reimport_updates_by_code_and_leaves_the_rest(app, db, world) -> None:
    first = csv_file([course_row("A1"), course_row("A2")])
    second = csv_file([course_row("A1"), course_row("A2", credits="3"), course_row("A3")])
    with app.test_request_context():
        transfer.import_catalog(world["nice"], first, "a.csv", None)
        a1_version = session.scalar(select(Course.version).where(Course.code == "A1"))
        report = transfer.import_catalog(world["nice"], second, "a.csv", None)
        assert session.scalar(select(Course.version).where(Course.code == "A1")) == a1_version
    assert report.created == ["A3"] and report.updated == ["A2"] and report.unchanged == 1


def test_dry_run_reports_without_saving(app, db, world) -> None:
    with app.test_request_context():
        report = transfer.import_catalog(world["nice"], csv_file([course_row("A1")]), "a.csv",
                                         None, dry_run=True)
    assert report.ok and not report.applied and report.created == ["A1"]
    assert count(db, world["nice"]) == 0


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_changes_nothing(app, db, catalog_world, fmt) -> None:
    nice = catalog_world["nice"]
    with app.test_request_context():
        courses.create_course(nice, course_row(
            "M1-EVIL", title_en="=HYPERLINK(\"http://x\")", title_fr="+1 cours",
            outcomes_en="@risk", description_zh="数据,\n多行\"引号\"",
            self_study_hours="12.5", prerequisites="M1-BDA", terms="2026-S1"), None)
        rows = list(transfer.export_rows(nice))
        data = transfer.to_csv(iter(rows)) if fmt == "csv" else transfer.to_xlsx(iter(rows))
        # (the app's session: the test's own one must not interleave savepoints with it)
        versions = dict(session.execute(select(Course.code, Course.version)).all())
        report = transfer.import_catalog(nice, data, f"export.{fmt}", None)
        assert dict(session.execute(select(Course.code, Course.version)).all()) == versions
    assert report.ok, report.errors
    assert report.created == [] and report.updated == [] and report.unchanged == 3


def test_exported_formulas_are_neutralised(app, catalog_world) -> None:
    with app.test_request_context():
        courses.create_course(catalog_world["nice"], course_row(
            "M1-EVIL", title_en="=1+1", title_fr="-2", outcomes_en="@SUM(A1)"), None)
        rows = list(transfer.export_rows(catalog_world["nice"]))
        text = transfer.to_csv(iter(rows)).decode("utf-8-sig")
        xlsx = transfer.to_xlsx(iter(rows))
    assert "'=1+1" in text and "'-2" in text and "'@SUM(A1)" in text
    sheet = load_workbook(io.BytesIO(xlsx)).worksheets[0]
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert "'=1+1" in values
    assert all(not (isinstance(v, str) and v.startswith("=")) for v in values)


def test_a_spreadsheet_from_excel_imports(app, db, world) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(COLUMNS))
    row = course_row("X1", title_zh="编译原理", credits="2", level="研究生")
    sheet.append([int(row[c]) if c == "credits" else row[c] for c in COLUMNS])  # a number cell
    buffer = io.BytesIO()
    workbook.save(buffer)
    with app.test_request_context():
        report = transfer.import_catalog(world["haikou"], buffer.getvalue(), "cat.xlsx", None)
    assert report.applied, report.errors
    assert db.scalar(select(Course.title_zh).where(Course.code == "X1")) == "编译原理"


def test_the_shipped_template_parses(app) -> None:
    path = ROOT / "jointdegree" / "static" / "catalog-template.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert list(rows[0]) == list(COLUMNS)
    for line, row in enumerate(rows, start=2):
        _record, errors = parse_row(row, line)
        assert not errors, errors


def test_the_readme_documents_every_column() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for column in COLUMNS:
        assert f"`{column}`" in readme, column


# -- web and CLI ----------------------------------------------------------------------------------

def test_upload_preview_then_confirm(client, db, world) -> None:
    login(client, "reg.nice@example.org")
    page = client.post("/institutions/NICE/catalog/import", data={
        "csrf_token": csrf_token(client, "/institutions/NICE/catalog/import"),
        "file": (io.BytesIO(csv_file([course_row("A1"), course_row("A2")])), "nice.csv")},
        content_type="multipart/form-data")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "2 new courses" in html
    assert count(db, world["nice"]) == 0  # nothing before confirmation
    upload_id = html.split('name="upload_id" type="hidden" value="')[1].split('"')[0]
    done = client.post("/institutions/NICE/catalog/import", data={
        "csrf_token": csrf_token(client, "/institutions/NICE/catalog/import"),
        "upload_id": upload_id})
    assert done.status_code == 302
    assert count(db, world["nice"]) == 2


def test_upload_report_lists_bad_rows(client, world) -> None:
    login(client, "reg.nice@example.org")
    page = client.post("/institutions/NICE/catalog/import", data={
        "csrf_token": csrf_token(client, "/institutions/NICE/catalog/import"),
        "file": (io.BytesIO(csv_file([course_row("A1", credits="zero")])), "nice.csv")},
        content_type="multipart/form-data")
    html = page.get_data(as_text=True)
    assert page.status_code == 400 and "nothing was imported" in html and "zero" in html


def test_another_registrar_cannot_confirm_my_upload(app, client, world) -> None:
    login(client, "reg.nice@example.org")
    page = client.post("/institutions/NICE/catalog/import", data={
        "csrf_token": csrf_token(client, "/institutions/NICE/catalog/import"),
        "file": (io.BytesIO(csv_file([course_row("A1")])), "nice.csv")},
        content_type="multipart/form-data").get_data(as_text=True)
    upload_id = page.split('name="upload_id" type="hidden" value="')[1].split('"')[0]
    other = app.test_client()
    login(other, "admin@example.org")
    response = other.post("/institutions/NICE/catalog/import", data={
        "csrf_token": csrf_token(other, "/institutions/NICE/catalog/import"),
        "upload_id": upload_id})
    assert response.status_code == 404


def test_registrars_cannot_import_into_the_partners_catalog(client, world) -> None:
    login(client, "reg.nice@example.org")
    assert client.get("/institutions/HAIKOU/catalog/import").status_code == 403


def test_cli_import_dry_run_then_export(runner, db, world, tmp_path) -> None:
    path = tmp_path / "nice.csv"
    path.write_bytes(csv_file([course_row("A1"), course_row("A2", credits="4.5")]))
    dry = runner.invoke(args=["catalog", "import", str(path), "--institution", "nice",
                              "--dry-run"])
    assert dry.exit_code == 0 and "would create 2" in dry.output
    assert count(db, world["nice"]) == 0
    real = runner.invoke(args=["catalog", "import", str(path), "--institution", "NICE"])
    assert real.exit_code == 0 and "created 2" in real.output
    out = tmp_path / "out.xlsx"
    exported = runner.invoke(args=["catalog", "export", "--institution", "NICE", "--format",
                                   "xlsx", "--output", str(out)])
    assert exported.exit_code == 0 and out.stat().st_size > 0
    sheet = load_workbook(out).worksheets[0]
    assert [c.value for c in next(sheet.iter_rows())] == list(COLUMNS)


def test_cli_import_reports_each_problem(runner, world, tmp_path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_file([course_row("A1", credits="-1"), course_row("A1")]))
    result = runner.invoke(args=["catalog", "import", str(path), "--institution", "NICE"])
    assert result.exit_code == 1
    assert "line 2, column credits" in result.output and "line 3, column code" in result.output
    assert "nothing was imported" in result.output


def test_the_ewp_export_of_the_demo_validates(app, runner, db, tmp_path) -> None:
    """The app's own EWP document (both credit schemes, real terms) against the official XSD."""
    from jointdegree.catalog.ewp import validate
    from jointdegree.demo import load_demo
    from tests.support import skip_or_fail

    shared = REFERENCE
    if not (shared / "xsd-catalog.xml").exists():
        skip_or_fail(f"the EWP schemas are not at {shared}")
    with app.app_context():
        load_demo()
    out = tmp_path / "hainanu.xml"
    result = runner.invoke(args=["catalog", "export", "--institution", "HAINANU", "--format",
                                 "ewp", "--output", str(out)])
    assert result.exit_code == 0, result.output
    xml = out.read_bytes()
    assert validate(xml, shared / "ewp" / "ewp-specs-api-courses" / "master",
                    shared / "xsd-catalog.xml") == []
    from lxml import etree

    tree = etree.fromstring(xml)
    ns = {"c": tree.nsmap[None]}
    titles = tree.xpath("//c:learningOpportunitySpecification/c:title/text()", namespaces=ns)
    assert any("数据" in t for t in titles)  # Chinese titles survive
    schemes = set(tree.xpath("//*[local-name()='credit']/*[local-name()='scheme']/text()"))
    assert {"ects", "cn-xuefen"} <= schemes


def test_the_import_report_speaks_the_readers_language(client, world) -> None:
    login(client, "reg.nice@example.org")
    page = client.post("/institutions/NICE/catalog/import", headers={"Accept-Language": "zh-CN"},
                       data={"csrf_token": csrf_token(client, "/institutions/NICE/catalog/import"),
                             "file": (io.BytesIO(csv_file([course_row("A1", credits="zero")])),
                                      "nice.csv")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "must be a positive number" not in page  # worded in Chinese, not English
    assert "正数" in page
