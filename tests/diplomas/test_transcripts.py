"""The double-degree transcript on the demo: the numbers add up, both meanings of "mention" stay
apart, the PDF carries its text in both scripts, and only the right people read it."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from jointdegree.auth.models import User
from jointdegree.db import session
from jointdegree.demo import DEMO_PASSWORD
from jointdegree.diplomas import documents, transcripts
from jointdegree.diplomas.transcript import COUNTED, document_number
from jointdegree.errors import ValidationFailed
from jointdegree.planning.models import Result, Student
from tests.support import REFERENCE, login, student_by_email

NICE, HAIKOU = "registrar.nice@example.org", "registrar.haikou@example.org"
READY = "student12@example.org"


@pytest.fixture(autouse=True)
def _rolled_back(db) -> None:
    """Every test here may change the shared demo database inside a rolled-back transaction."""


def test_every_attempt_is_listed_and_the_totals_add_up(app) -> None:
    with app.test_request_context():
        someone = student_by_email(READY)
        document = transcripts.assemble(someone)
        results = session.scalars(select(Result).where(Result.student_id == someone.id)).all()
        assert len(document.lines()) == len(results)  # failed first sessions included
        for term in document.terms:
            native = term.lines[0].credit_system
            earned = sum((r.credits_earned for r in results if r.term_id and r.term.code ==
                          term.code and r.course.institution.code == term.institution
                          and r.status.value in COUNTED), Decimal(0))
            assert term.totals[native] == earned
            other = term.lines[0].converted_system
            assert term.totals[other] == sum(
                (line.converted_credits for line in term.lines
                 if line.counted and line.converted_credits is not None), Decimal(0))
        for year in document.years:
            for system in ("ects", "cn"):
                assert year.totals[system] == sum(
                    (t.totals[system] for t in document.terms
                     if t.academic_year == year.academic_year), Decimal(0))


def test_the_weighted_average_weights_by_credits(app) -> None:
    with app.test_request_context():
        document = transcripts.assemble(student_by_email(READY))
        nice = [line for line in document.lines("UCA") if line.counted and line.grade]
        haikou = [line for line in document.lines("HAINANU") if line.counted
                  and line.converted_grade and line.converted_credits]  # a thesis: no ECTS
        pairs = [(Decimal(line.grade), line.credits) for line in nice] + [
            (Decimal(line.converted_grade), line.converted_credits) for line in haikou]
        expected = sum(g * c for g, c in pairs) / sum(c for _g, c in pairs)
        assert abs(document.averages["fr-20"] - expected) <= Decimal("0.005")


def test_converted_grades_keep_the_order_and_pass_stays_pass(app) -> None:
    """A better grade never converts to a worse one, a pass stays a pass on the other scale
    (60/100 and 10/20), and every converted grade names its method."""
    with app.test_request_context():
        lines = [line for s in session.scalars(select(Student)).all()
                 for line in transcripts.assemble(s).lines()
                 if line.grade and line.converted_grade]
    for scale, pass_mark in (("fr-20", Decimal(60)), ("cn-100", Decimal(10))):
        pairs = sorted({(Decimal(line.grade), Decimal(line.converted_grade))
                        for line in lines if line.scale == scale})
        assert len(pairs) > 5
        converted = [c for _g, c in pairs]
        assert converted == sorted(converted)
        native_pass = Decimal(10) if scale == "fr-20" else Decimal(60)
        assert all(c >= pass_mark for g, c in pairs if g >= native_pass)
    assert all(line.grade_method for line in lines)


def test_the_two_meanings_of_mention_are_kept_apart(app, client) -> None:
    login(client, NICE, DEMO_PASSWORD)
    with app.test_request_context():
        someone = student_by_email(READY)
        document = transcripts.assemble(someone)
        french = document.degree_of("UCA")
        assert french.titles.fr == "Master mention Informatique"
        assert french.honours in {"passable", "assez bien", "bien", "très bien"}
        assert document.degree_of("HAINANU").honours is None
        assert document.degree_of("HAINANU").documents == ("毕业证书", "学位证书")
    page = client.get(f"/students/{someone.id}/transcript", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # The title's field sits under the degree-title heading, the honours under their own.
    assert "Intitulé du diplôme" in html and "学位名称" in html
    assert html.index("Master mention Informatique") < html.index(french.honours)
    # The honours keep their French word, explained in the document's other languages from the
    # translators' catalog (a French reader's interface changes nothing on the document).
    meaning = {"très bien": "很好", "bien": "好", "assez bien": "较好", "passable": "合格"}
    assert f'<span class="gloss">{meaning[french.honours]}</span>' in html
    english = client.get(f"/students/{someone.id}/transcript?english=1",
                         headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert f'<span class="gloss">{meaning[french.honours]} · ' in english


def test_the_document_number_changes_with_the_content(app) -> None:
    with app.test_request_context():
        someone = student_by_email(READY)
        first = transcripts.assemble(someone)
        assert transcripts.assemble(someone).number == first.number  # stable
        result = session.scalars(select(Result).where(Result.student_id == someone.id,
                                                      Result.grade.is_not(None))).first()
        result.grade = "19" if result.grade != "19" else "18"
        session.flush()
        assert transcripts.assemble(someone).number != first.number
        assert document_number(first) == first.number


def test_the_pdf_is_a4_and_its_text_extracts_in_both_scripts(app) -> None:
    from pypdf import PdfReader

    with app.test_request_context():
        someone = student_by_email(READY)
        document = transcripts.assemble(someone)
        pdf = documents.transcript_pdf(document)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 2
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Relevé de notes" in text and "成绩单" in text
    assert document.number in text
    assert f"1 / {len(reader.pages)}" in text  # page x of y
    some_french = next(line.titles.fr for line in document.lines("UCA")
                       if line.titles.fr and any(c in line.titles.fr for c in "éèàç"))
    some_chinese = next(line.titles.zh for line in document.lines("HAINANU") if line.titles.zh)
    assert some_french in text and some_chinese in text
    if someone.name_han:
        assert someone.name_han in text
    embedded = {str(font.get_object()["/BaseFont"]).split("+")[-1]
                for page in reader.pages
                for font in page["/Resources"]["/Font"].values()}
    assert embedded and all(name.startswith("JointDegree") for name in embedded), embedded


def test_a_character_the_fonts_cannot_draw_is_refused_by_name(app, client) -> None:
    with app.test_request_context():
        someone = student_by_email(READY)
        someone.name_han = "王\U0002A6A5"  # 𪚥, CJK Extension B: beyond the bundled coverage
        session.commit()  # inside the test's rolled-back transaction
        with pytest.raises(ValidationFailed) as caught:
            documents.transcript_pdf(transcripts.assemble(someone))
        assert caught.value.code == "undrawable_character"
        assert "U+2A6A5" in str(caught.value.message)
        student_id = someone.id
    login(client, NICE, DEMO_PASSWORD)
    answer = client.get(f"/students/{student_id}/transcript.pdf")
    assert answer.status_code == 400


def test_only_the_student_and_the_partners_registrars_read_a_transcript(app, client) -> None:
    with app.test_request_context():
        ready_id = student_by_email(READY).id
        mine = session.scalar(select(Student).join(User, Student.user_id == User.id).where(
            User.email == "student@example.org")).id
    login(client, "student@example.org", DEMO_PASSWORD)
    assert client.get(f"/students/{mine}/transcript").status_code == 200
    assert client.get(f"/students/{ready_id}/transcript").status_code == 403
    assert client.get(f"/students/{ready_id}/transcript.json").status_code == 403
    registrar = app.test_client()
    login(registrar, HAIKOU, DEMO_PASSWORD)
    answer = registrar.get(f"/students/{ready_id}/transcript.json")
    assert answer.status_code == 200 and answer.json["student"]["numbers"]["HAINANU"]
    professor = app.test_client()
    login(professor, "professor.nice@example.org", DEMO_PASSWORD)
    assert professor.get(f"/students/{ready_id}/transcript.pdf").status_code == 403


def test_the_elmo_download_of_a_demo_student_validates(app, client) -> None:

    from jointdegree.xsd import validate
    from tests.support import skip_or_fail

    reference = REFERENCE
    if not (reference / "elmo" / "schema.xsd").exists():
        skip_or_fail("the ELMO schema is in ../shared/reference, absent beside this checkout")
    with app.test_request_context():
        ready_id = student_by_email(READY).id
    login(client, NICE, DEMO_PASSWORD)
    answer = client.get(f"/students/{ready_id}/transcript.elmo")
    assert answer.status_code == 200 and answer.mimetype == "application/xml"
    assert validate(answer.data, reference / "elmo" / "schema.xsd",
                    reference / "xsd-catalog.xml") == []
    assert answer.data.count(b"<report>") + answer.data.count(b"<report ") == 2


def test_the_transcript_page_costs_the_same_queries_with_more_results(app, client,
                                                                      query_counter) -> None:
    """A first-year student and a graduate: the page issues the same number of statements."""
    with app.test_request_context():
        ids = [student_by_email("student02@example.org").id, student_by_email(READY).id]
        sizes = [session.scalar(select(func.count()).select_from(Result).where(
            Result.student_id == i)) for i in ids]
    assert sizes[0] < sizes[1]  # the comparison means something
    login(client, NICE, DEMO_PASSWORD)
    counts = []
    for student_id in ids:
        client.get(f"/students/{student_id}/transcript")  # warm the grading-table cache alike
        query_counter.clear()
        assert client.get(f"/students/{student_id}/transcript").status_code == 200
        counts.append(len(query_counter))
    assert counts[0] == counts[1], counts


def test_the_grading_table_histogram_is_drawn_worst_to_best_to_scale() -> None:
    """Worked by hand: two grades over 230 units give slots of 115, bars 92 wide; the most
    frequent grade stands 52 high on the baseline at 60, the other in proportion."""
    bars, top = documents.histogram((("A", 10), ("B", 5)))  # the table lists the best first
    assert top == 10
    assert [(b.grade, b.x, b.y, b.width, b.height) for b in bars] == [
        ("B", 5, 34, 92, 26), ("A", 120, 8, 92, 52)]
    assert bars[1].middle == 166
    five, _top = documents.histogram(tuple((g, 1) for g in "ABCDE"))
    assert [b.grade for b in five if b.labelled] == ["E", "C", "A"]  # ends and middle only
    assert documents.histogram(()) == ([], 0)


def _line(grade: str | None, credits: str, status: str = "passed", scale: str = "fr-20",
          converted: str | None = None) -> Any:
    from jointdegree.diplomas.transcript import Line, Names

    return Line(institution="UCA", course_code="C", titles=Names(en="C"), attempt="first",
                status=status, credits=Decimal(credits), credit_system="ects",
                converted_credits=None, converted_system="cn", credit_steps=(), grade=grade,
                scale=scale, converted_grade=converted, converted_scale="cn-100",
                grade_steps=(), grade_method=None)


def test_the_weighted_average_of_a_hand_worked_case() -> None:
    """12 on 6 ECTS, 15 on 3 ECTS, 9.5 on 6 ECTS failed then 11 on the resit (6 ECTS), a course
    recognised without a grade: (12×6 + 15×3 + 11×6) / 15 = 183 / 15 = 12.20. The failed
    attempt and the ungraded recognition take no part."""
    from jointdegree.diplomas.transcript import weighted_average

    lines = [_line("12", "6"), _line("15", "3"), _line("9.5", "6", status="failed"),
             _line("11", "6"), _line(None, "6", status="recognised")]
    assert weighted_average(lines, "fr-20", "ects") == Decimal("12.20")
    # 13.335 rounds half up to 13.34 (not to even): (13.33 + 13.34) on equal credits
    assert weighted_average([_line("13.33", "3"), _line("13.34", "3")], "fr-20",
                            "ects") == Decimal("13.34")
    assert weighted_average([_line("A", "6", scale="ects-letter")], "ects-letter",
                            "ects") is None  # a band grade has no number
