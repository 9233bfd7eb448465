"""EMREX ELMO export: valid against the v1 schema, one report per awarding institution, and every
value in it traceable to the transcript written by hand below."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from lxml import etree

from jointdegree.diplomas.elmo import ELMO_NS, EXTENSION_NS, XML_LANG, elmo_document
from jointdegree.diplomas.transcript import (
    Degree,
    InstitutionPart,
    Line,
    Names,
    ScaleBand,
    ScaleLegend,
    Student,
    Term,
    Transcript,
    credit_totals,
)
from jointdegree.matching.credits import Step
from jointdegree.xsd import validate
from tests.support import REFERENCE, skip_or_fail

ELMO_XSD = REFERENCE / "elmo" / "schema.xsd"
CATALOG = REFERENCE / "xsd-catalog.xml"
NS = {"e": ELMO_NS, "jd": EXTENSION_NS}
LANG_ATTR = {"fr": "fr", "en": "en", "zh": "zh-Hans"}
SCHEMES = {"ects": "ects", "cn": "cn-xuefen"}

GENERATED = datetime(2027, 7, 15, 10, 30, tzinfo=ZoneInfo("Europe/Paris"))

UCA = InstitutionPart(
    code="UCA", hei_id="univ-cotedazur.fr", country="FR",
    names=Names(fr="Université Côte d'Azur", zh="蔚蓝海岸大学", en="Université Côte d'Azur"),
    credit_system="ects", grading_scale="fr-20")
HAINANU = InstitutionPart(
    code="HAINANU", hei_id="hainanu.edu.cn", country="CN",
    names=Names(fr="Université de Hainan", zh="海南大学", en="Hainan University"),
    credit_system="cn", grading_scale="cn-100")

TO_XUEFEN = (Step("credits.divide", {"by": "1.5"}),)
TO_ECTS = (Step("credits.multiply", {"by": "1.5"}),)
LINEAR = (Step("grades.linear", {"from": "fr-20", "to": "cn-100"}),)


def uca_line(code: str, titles: Names, status: str, ects: str, grade: str | None,
             converted: str | None, attempt: str = "first", **extra: object) -> Line:
    credits = Decimal(ects)
    return Line(institution="UCA", course_code=code, titles=titles, attempt=attempt,
                status=status, credits=credits, credit_system="ects",
                converted_credits=credits / Decimal("1.5"), converted_system="cn",
                credit_steps=TO_XUEFEN, grade=grade, scale="fr-20", converted_grade=converted,
                converted_scale="cn-100", grade_steps=LINEAR if grade else (),
                grade_method="linear" if grade else None, **extra)  # type: ignore[arg-type]


def hainanu_line(code: str, titles: Names, status: str, xuefen: str, grade: str | None,
                 converted: str | None, **extra: object) -> Line:
    credits = Decimal(xuefen)
    return Line(institution="HAINANU", course_code=code, titles=titles, attempt="first",
                status=status, credits=credits, credit_system="cn",
                converted_credits=credits * Decimal("1.5"), converted_system="ects",
                credit_steps=TO_ECTS, grade=grade, scale="cn-100", converted_grade=converted,
                converted_scale="fr-20", grade_steps=(), grade_method="linear",
                **extra)  # type: ignore[arg-type]


AUTUMN = Term(
    institution="HAINANU", code="2025-AUT", academic_year="2025-2026",
    names=Names(zh="2025-2026学年秋季学期", en="Autumn semester 2025-2026"),
    starts_on=date(2025, 9, 8), ends_on=date(2026, 1, 16),
    lines=(
        hainanu_line("CS6021", Names(zh="数据库系统", en="Database systems"), "passed", "2",
                     "88", "15.6", isced="0612", languages=("zh",), hours=Decimal(96),
                     contact_hours=Decimal(32)),
        hainanu_line("CS6105", Names(zh="高级算法设计与分析", en="Advanced algorithms"),
                     "passed", "3", "82", "14.4", isced="0613", languages=("zh",)),
    ),
    totals={"cn": Decimal(5), "ects": Decimal("7.5")})
SPRING = Term(
    institution="HAINANU", code="2026-SPR", academic_year="2025-2026",
    names=Names(zh="2025-2026学年春季学期", en="Spring semester 2025-2026"),
    starts_on=date(2026, 2, 23), ends_on=date(2026, 7, 3),
    lines=(
        hainanu_line("CS6210", Names(zh="机器学习", en="Machine learning"), "passed", "2", "91",
                     "16.2", isced="0613", languages=("zh", "en")),
        hainanu_line("CS6990", Names(zh="学位论文", en="Master's thesis"), "in_progress", "3",
                     None, None, isced="0613", languages=("zh",)),
    ),
    totals={"cn": Decimal(2), "ects": Decimal(3)})
FIRST_SEMESTER = Term(
    institution="UCA", code="2026-S1", academic_year="2026-2027",
    names=Names(fr="Semestre 1 2026-2027", en="Semester 1 2026-2027"),
    starts_on=date(2026, 9, 7), ends_on=date(2027, 1, 22),
    lines=(
        uca_line("INFO 501", Names(fr="Systèmes distribués", en="Distributed systems"),
                 "passed", "6", "14.5", "83", isced="0612", languages=("fr",)),
        uca_line("INFO 502", Names(fr="Sécurité des réseaux", en="Network security"), "failed",
                 "6", "8.5", "56", isced="0612", languages=("fr",)),
        uca_line("INFO 502", Names(fr="Sécurité des réseaux", en="Network security"), "passed",
                 "6", "11.25", "68", attempt="resit", isced="0612", languages=("fr",)),
        uca_line("LANG 510", Names(fr="Anglais scientifique — certification",
                                   en="Scientific English — certification"),
                 "recognised", "3", None, None, languages=("en",)),
    ),
    totals={"ects": Decimal(9), "cn": Decimal(6)})
SECOND_SEMESTER = Term(
    institution="UCA", code="2027-S2", academic_year="2026-2027",
    names=Names(fr="Semestre 2 2026-2027", zh="2026-2027学年第二学期", en="Semester 2 2026-2027"),
    starts_on=date(2027, 1, 25), ends_on=date(2027, 6, 30),
    lines=(
        uca_line("INFO 601", Names(fr="Vérification formelle des systèmes", zh="系统形式化验证",
                                   en="Formal verification of systems"),
                 "passed", "6", "16", "89", isced="0613", languages=("fr",),
                 hours=Decimal(150)),
        uca_line("INFO 602", Names(fr="Éthique et droit du numérique",
                                   en="Digital ethics and law"),
                 "compensated", "4.5", "9.5", "58", isced="0421", languages=("fr",)),
    ),
    totals={"ects": Decimal("10.5"), "cn": Decimal(7)})

FR_20 = ScaleLegend(
    code="fr-20", names=Names(fr="Notes sur 20", zh="法国20分制", en="French 0–20 scale"),
    kind="numeric", minimum=Decimal(0), maximum=Decimal(20), pass_mark=Decimal(10),
    bands=(ScaleBand("TB", Names(fr="Très bien", en="Very good"), Decimal(16), Decimal(20), True),
           ScaleBand("B", Names(fr="Bien", en="Good"), Decimal(14), Decimal("15.99"), True),
           ScaleBand("P", Names(fr="Passable", en="Pass"), Decimal(10), Decimal("13.99"), True),
           ScaleBand("AJ", Names(fr="Ajourné", zh="不及格", en="Fail"), Decimal(0),
                     Decimal("9.99"), False)),
    distribution=(("16", 4), ("15", 9), ("14", 17), ("13", 25), ("12", 31), ("11", 22),
                  ("10", 12)),
    group="Master Informatique, promotions 2024–2026")
CN_100 = ScaleLegend(
    code="cn-100", names=Names(fr="Barème chinois sur 100", zh="百分制", en="Chinese 0–100 scale"),
    kind="numeric", minimum=Decimal(0), maximum=Decimal(100), pass_mark=Decimal(60),
    bands=(ScaleBand("A", Names(zh="优秀", en="Excellent"), Decimal(90), Decimal(100), True),
           ScaleBand("B", Names(zh="良好", en="Good"), Decimal(80), Decimal(89), True),
           ScaleBand("C", Names(zh="中等", en="Satisfactory"), Decimal(70), Decimal(79), True),
           ScaleBand("D", Names(zh="及格", en="Pass"), Decimal(60), Decimal(69), True),
           ScaleBand("F", Names(zh="不及格", en="Fail"), Decimal(0), Decimal(59), False)),
    distribution=(("优秀", 18), ("良好", 41), ("中等", 27), ("及格", 9)),
    group="电子信息硕士 2024级")

TERMS = (AUTUMN, SPRING, FIRST_SEMESTER, SECOND_SEMESTER)
UCA_DEGREE = Degree(
    institution=UCA, programme_code="M-INFO",
    titles=Names(fr="Master mention Informatique", zh="计算机科学硕士",
                 en="Master's degree in Computer Science"),
    level="master", audit_status="satisfied", credits_completed=Decimal(120),
    credits_required=Decimal(120), average=Decimal("13.87"), honours="assez_bien",
    documents=("Diplôme national de master",))
HAINANU_DEGREE = Degree(
    institution=HAINANU, programme_code="085400",
    titles=Names(zh="电子信息硕士", en="Master of Electronic Information"),
    level="master", audit_status="not_yet", credits_completed=Decimal(29),
    credits_required=Decimal(32), average=Decimal("86.71"), honours=None,
    documents=("毕业证书", "学位证书"))
STUDENT = Student(family_name="Zhang", given_names="Élodie Zhe", name_han="张喆",
                  birth_date=date(2001, 3, 14), nationality="FR",
                  numbers={"UCA": "22012345", "HAINANU": "20252001"})


def transcript(**changes: object) -> Transcript:
    lines = [line for term in TERMS for line in term.lines]
    base = Transcript(
        issued_on=date(2027, 7, 15), student=STUDENT, partnership_code="UCA-HAINANU-MINFO",
        partnership_names=Names(
            fr="Double diplôme Master Informatique UCA – Université de Hainan",
            zh="蔚蓝海岸大学–海南大学计算机双学位", en="UCA–Hainan double degree"),
        institutions=(UCA, HAINANU), degrees=(UCA_DEGREE, HAINANU_DEGREE), terms=TERMS,
        years=(), averages={"fr-20": Decimal("13.87"), "cn-100": Decimal("86.71")},
        scales=(FR_20, CN_100), verification_code="7Q4K-M2XP")
    assert credit_totals(lines, ("ects", "cn"))["ects"] > 0  # the fixture is self-consistent
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def xml() -> bytes:
    return elmo_document(transcript(), GENERATED)


@pytest.fixture(scope="module")
def tree(xml: bytes) -> etree._Element:
    return etree.fromstring(xml)


def report_of(tree: etree._Element, hei_id: str) -> etree._Element:
    reports = tree.xpath("e:report[e:issuer/e:identifier[@type='schac'] = $id]",
                         namespaces=NS, id=hei_id)
    assert len(reports) == 1
    return reports[0]


def courses(report: etree._Element) -> list[etree._Element]:
    return report.xpath(".//e:learningOpportunitySpecification[e:type='Course']", namespaces=NS)


def texts(element: etree._Element, path: str) -> list[str]:
    return [str(value) for value in element.xpath(path, namespaces=NS)]


def titles(element: etree._Element) -> dict[str, str]:
    return {title.get(XML_LANG): title.text for title in element.findall("e:title", NS)}


def expected_titles(names: Names) -> dict[str, str]:
    return {LANG_ATTR[lang]: value for lang, value in names.as_dict().items()}


# -- validity -------------------------------------------------------------------------------------

def test_the_document_validates_against_the_elmo_schema(xml: bytes) -> None:
    if not ELMO_XSD.is_file() or not CATALOG.is_file():
        skip_or_fail(f"the ELMO schema is not at {ELMO_XSD}")
    assert validate(xml, ELMO_XSD, CATALOG) == []
    # The resolver and schema are the real thing: the upstream example passes, a broken one not.
    assert validate((ELMO_XSD.parent / "example.xml").read_bytes(), ELMO_XSD, CATALOG) == []
    broken = xml.replace(b"<status>failed</status>", b"<status>ajourne</status>")
    assert validate(broken, ELMO_XSD, CATALOG)


def test_a_transcript_without_degrees_or_grades_still_validates() -> None:
    if not ELMO_XSD.is_file():
        skip_or_fail(f"the ELMO schema is not at {ELMO_XSD}")
    bare = transcript(degrees=(), scales=(), verification_code=None,
                      student=dataclasses.replace(STUDENT, birth_date=None, nationality=None,
                                                  name_han=None))
    assert validate(elmo_document(bare, GENERATED), ELMO_XSD, CATALOG) == []


# -- structure ------------------------------------------------------------------------------------

def test_one_report_per_awarding_institution_with_only_its_courses(tree: etree._Element) -> None:
    assert len(tree.findall("e:report", NS)) == 2
    for institution in (UCA, HAINANU):
        report = report_of(tree, institution.hei_id or "")
        issuer = report.find("e:issuer", NS)
        assert texts(issuer, "e:country/text()") == [institution.country]
        assert titles(issuer) == expected_titles(institution.names)
        assert texts(issuer, "e:url/text()") == [f"https://www.{institution.hei_id}"]
        lines = transcript().lines(institution.code)
        assert [texts(c, "e:identifier[@type='local']/text()")[0] for c in courses(report)] == [
            line.course_code for line in lines]


def test_the_degree_holds_the_courses_and_the_audit(tree: etree._Element) -> None:
    for degree, status in ((UCA_DEGREE, "passed"), (HAINANU_DEGREE, "in-progress")):
        report = report_of(tree, degree.institution.hei_id or "")
        programmes = report.findall("e:learningOpportunitySpecification", NS)
        assert len(programmes) == 1
        programme = programmes[0]
        assert texts(programme, "e:type/text()") == ["Degree Programme"]
        assert titles(programme) == expected_titles(degree.titles)
        assert len(programme.findall("e:hasPart", NS)) == len(
            transcript().lines(degree.institution.code))
        loi = programme.find("e:specifies/e:learningOpportunityInstance", NS)
        assert texts(loi, "e:status/text()") == [status]
        assert texts(loi, "e:resultLabel/text()") == [format(degree.average, "f")]
        assert texts(loi, "e:level[e:type='EQF']/e:value/text()") == ["7"]
        assert loi.find("e:credit", NS) is None  # the courses carry the credits
    french = report_of(tree, "univ-cotedazur.fr").find("e:learningOpportunitySpecification", NS)
    description = texts(french, "e:description[@xml:lang='fr']/text()")[0]
    assert "assez bien" in description and "Diplôme national de master" in description
    chinese = report_of(tree, "hainanu.edu.cn").find("e:learningOpportunitySpecification", NS)
    assert all(doc in texts(chinese, "e:description[@xml:lang='zh-Hans']/text()")[0]
               for doc in HAINANU_DEGREE.documents)


# -- courses --------------------------------------------------------------------------------------

def test_each_course_states_credits_in_ects_and_in_xuefen(tree: etree._Element) -> None:
    for institution in (UCA, HAINANU):
        report = report_of(tree, institution.hei_id or "")
        lines = transcript().lines(institution.code)
        for element, line in zip(courses(report), lines, strict=True):
            loi = element.find("e:specifies/e:learningOpportunityInstance", NS)
            credits = {texts(c, "e:scheme/text()")[0]: Decimal(texts(c, "e:value/text()")[0])
                       for c in loi.findall("e:credit", NS)}
            assert list(credits) == ["ects", "cn-xuefen"]  # ECTS first
            if line.counted:
                assert credits == {SCHEMES[s]: line.credits_in(s) for s in ("ects", "cn")}
            else:  # ELMO states credits acquired
                assert credits == {"ects": 0, "cn-xuefen": 0}
    values = tree.xpath("//e:credit/e:value/text()", namespaces=NS)
    assert all("E" not in value and "e" not in value for value in values)


def test_credits_are_written_without_exponent() -> None:
    line = dataclasses.replace(FIRST_SEMESTER.lines[0], credits=Decimal("1E+1"),
                               converted_credits=Decimal("6.6667E0"))
    term = dataclasses.replace(FIRST_SEMESTER, lines=(line,))
    tree = etree.fromstring(elmo_document(
        transcript(terms=(AUTUMN, SPRING, term, SECOND_SEMESTER)), GENERATED))
    course = courses(report_of(tree, "univ-cotedazur.fr"))[0]
    assert texts(course, ".//e:credit/e:value/text()") == ["10", "6.6667"]


def test_titles_keep_accents_and_chinese_with_their_language(xml: bytes,
                                                            tree: etree._Element) -> None:
    for institution in (UCA, HAINANU):
        report = report_of(tree, institution.hei_id or "")
        for element, line in zip(courses(report), transcript().lines(institution.code),
                                 strict=True):
            assert titles(element) == expected_titles(line.titles)
    assert "Vérification formelle des systèmes".encode() in xml  # UTF-8, not character refs
    assert "高级算法设计与分析".encode() in xml
    assert xml.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert texts(tree, "e:learner/e:givenNames/text()") == [STUDENT.given_names]
    han = tree.xpath("e:extension/jd:transcript/jd:learnerName", namespaces=NS)
    assert [(name.text, name.get(XML_LANG)) for name in han] == [("张喆", "zh-Hans")]


def test_a_failed_attempt_then_its_resit(tree: etree._Element) -> None:
    report = report_of(tree, "univ-cotedazur.fr")
    attempts = [c for c in courses(report)
                if texts(c, "e:identifier[@type='local']/text()") == ["INFO 502"]]
    failed, resit = (FIRST_SEMESTER.lines[1], FIRST_SEMESTER.lines[2])
    assert len(attempts) == 2
    for element, line, status in ((attempts[0], failed, "failed"), (attempts[1], resit, "passed")):
        loi = element.find("e:specifies/e:learningOpportunityInstance", NS)
        assert texts(loi, "e:status/text()") == [status]
        assert texts(loi, "e:resultLabel/text()") == [line.grade]
        assert texts(loi, "e:gradingSchemeLocalId/text()") == [line.scale]
        assert texts(loi, "e:extension/jd:attempt/text()") == [line.attempt]
    # Same course, same term offering: the EWP ids match, the attempts are told apart by status.
    assert texts(attempts[0], ".//e:identifier[@type='ewp-loi-id']/text()") == texts(
        attempts[1], ".//e:identifier[@type='ewp-loi-id']/text()")


def test_a_course_in_progress_has_no_result_yet(tree: etree._Element) -> None:
    line = SPRING.lines[-1]
    (element,) = [c for c in courses(report_of(tree, "hainanu.edu.cn"))
                  if texts(c, "e:identifier[@type='local']/text()") == [line.course_code]]
    loi = element.find("e:specifies/e:learningOpportunityInstance", NS)
    assert texts(loi, "e:status/text()") == ["in-progress"]
    assert loi.find("e:resultLabel", NS) is None and loi.find("e:date", NS) is None
    assert texts(loi, "e:credit/e:value/text()") == ["0", "0"]


def test_recognised_and_compensated_results_are_passed(tree: etree._Element) -> None:
    by_code = {texts(c, "e:identifier[@type='local']/text()")[0]: c
               for c in courses(report_of(tree, "univ-cotedazur.fr"))}
    recognised = by_code["LANG 510"].find("e:specifies/e:learningOpportunityInstance", NS)
    assert texts(recognised, "e:status/text()") == ["passed"]
    assert recognised.find("e:resultLabel", NS) is None
    assert recognised.find("e:gradingSchemeLocalId", NS) is None
    assert texts(recognised, "e:extension/jd:status/text()") == ["recognised"]
    compensated = by_code["INFO 602"].find("e:specifies/e:learningOpportunityInstance", NS)
    line = SECOND_SEMESTER.lines[1]
    assert texts(compensated, "e:status/text()") == ["passed"]
    assert texts(compensated, "e:resultLabel/text()") == [line.grade]
    converted = compensated.find("e:extension/jd:convertedGrade", NS)
    assert (converted.text, converted.get("scale")) == (line.converted_grade, line.converted_scale)


def test_course_instances_carry_term_isced_and_language(tree: etree._Element) -> None:
    group_ids = set(texts(tree, "e:groups/e:groupType[@id='terms']/e:group/@id"))
    for term in TERMS:
        report = report_of(tree, transcript().institution(term.institution).hei_id or "")
        elements = [c for c in courses(report)
                    if texts(c, ".//e:academicTerm/e:start/text()") == [term.starts_on.isoformat()]]
        assert len(elements) == len(term.lines)
        for element, line in zip(elements, term.lines, strict=True):
            loi = element.find("e:specifies/e:learningOpportunityInstance", NS)
            assert texts(loi, "e:start/text()") == [term.starts_on.isoformat()]
            finished = [] if line.status == "in_progress" else [term.ends_on.isoformat()]
            assert texts(loi, "e:date/text()") == finished
            assert texts(loi, "e:academicTerm/e:end/text()") == [term.ends_on.isoformat()]
            assert titles(loi.find("e:academicTerm", NS)) == expected_titles(term.names)
            assert texts(element, "e:iscedCode/text()") == ([line.isced] if line.isced else [])
            language = texts(loi, "e:languageOfInstruction/text()")
            assert language == (list(line.languages) if len(line.languages) == 1 else [])
            # Hours of classes only: the workload (with self-study) is not engagement.
            assert texts(loi, "e:engagementHours/text()") == (
                [format(line.contact_hours, "f")] if line.contact_hours is not None else [])
            idref = texts(loi, "e:grouping/@idref")[0]
            assert idref == f"{term.institution}/{term.code}" and idref in group_ids


# -- grading --------------------------------------------------------------------------------------

def test_grading_schemes_are_described_in_three_languages(tree: etree._Element) -> None:
    for institution, legend in ((UCA, FR_20), (HAINANU, CN_100)):
        report = report_of(tree, institution.hei_id or "")
        schemes = {s.get("localId"): s for s in report.findall("e:gradingScheme", NS)}
        assert set(schemes) == set(texts(report, ".//e:gradingSchemeLocalId/text()"))
        descriptions = {d.get(XML_LANG): d.text
                        for d in schemes[legend.code].findall("e:description", NS)}
        assert set(descriptions) == {"en", "fr", "zh-Hans"}
        for lang, attr in LANG_ATTR.items():
            text = descriptions[attr]
            assert legend.names.get(lang) in text
            assert str(legend.pass_mark) in text and str(legend.maximum) in text
            assert all(band.labels.first(lang) in text for band in legend.bands)
    fr_text = report_of(tree, "univ-cotedazur.fr").xpath(
        "e:gradingScheme[@localId='fr-20']/e:description[@xml:lang='fr']/text()",
        namespaces=NS)[0]
    assert "Ajourné : 0–9.99 (échec)" in fr_text


def test_the_ects_grading_table_is_the_degree_result_distribution(tree: etree._Element) -> None:
    for institution, legend in ((UCA, FR_20), (HAINANU, CN_100)):
        report = report_of(tree, institution.hei_id or "")
        distributions = report.findall(".//e:resultDistribution", NS)
        assert len(distributions) == 1  # on the degree: no course has its own histogram
        loi = distributions[0].getparent()
        assert texts(loi, "e:gradingSchemeLocalId/text()") == [legend.code]
        categories = [(c.get("label"), int(c.get("count")))
                      for c in distributions[0].findall("e:category", NS)]
        assert categories == list(legend.distribution)
        described = texts(distributions[0], "e:description/text()")
        assert any(legend.group in text for text in described)
        assert all(f"{grade}: {count}" in texts(
            report, f"e:gradingScheme[@localId='{legend.code}']/e:description/text()")[0]
            for grade, count in legend.distribution)


# -- learner and document -------------------------------------------------------------------------

def test_learner_identity_and_student_numbers(tree: etree._Element) -> None:
    learner = tree.find("e:learner", NS)
    assert texts(learner, "e:citizenship/text()") == [STUDENT.nationality]
    assert texts(learner, "e:familyName/text()") == [STUDENT.family_name]
    assert texts(learner, "e:bday/text()") == [STUDENT.birth_date.isoformat()]
    identifiers = {i.get("type"): i.text for i in learner.findall("e:identifier", NS)}
    assert identifiers == {f"studentNumber:{i.hei_id}": STUDENT.numbers[i.code]
                           for i in (UCA, HAINANU)}


def test_generated_date_is_utc_and_output_is_deterministic(xml: bytes,
                                                           tree: etree._Element) -> None:
    stamp = GENERATED.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert texts(tree, "e:generatedDate/text()") == [stamp]
    assert texts(tree, "e:report/e:issueDate/text()") == [stamp, stamp]
    assert elmo_document(transcript(), GENERATED) == xml
    number = texts(tree, "e:extension/jd:transcript/@number")
    assert number == [transcript().number]


def test_refuses_what_elmo_cannot_state() -> None:
    with pytest.raises(ValueError, match="aware"):
        elmo_document(transcript(), datetime(2027, 7, 15, 10, 30))
    nameless = dataclasses.replace(HAINANU, hei_id=None)
    with pytest.raises(ValueError, match="hei_id"):
        elmo_document(transcript(institutions=(UCA, nameless), degrees=(UCA_DEGREE,)),
                      GENERATED)
    odd = dataclasses.replace(AUTUMN.lines[0], status="absent")
    with pytest.raises(ValueError, match="absent"):
        elmo_document(transcript(terms=(dataclasses.replace(AUTUMN, lines=(odd,)),)), GENERATED)


def test_urls_can_be_given() -> None:
    tree = etree.fromstring(elmo_document(transcript(), GENERATED,
                                          urls={"HAINANU": "https://www.hainanu.edu.cn/en/"}))
    assert texts(report_of(tree, "hainanu.edu.cn"), "e:issuer/e:url/text()") == [
        "https://www.hainanu.edu.cn/en/"]
