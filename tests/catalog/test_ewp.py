"""EWP Courses API export: the document validates against the real XSD and says what it should."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from jointdegree.catalog.ewp import (
    COURSES_NS,
    TERM_NS,
    XML_LANG,
    EwpInstitution,
    EwpTerm,
    courses_response,
    los_id,
    validate,
)
from jointdegree.catalog.records import CourseRecord
from tests.support import REFERENCE, skip_or_fail

COURSES_XSD_DIR = REFERENCE / "ewp" / "ewp-specs-api-courses" / "master"
CATALOG = REFERENCE / "xsd-catalog.xml"
NS = {"c": COURSES_NS, "trm": TERM_NS}

ECTS_PER_XUEFEN = Decimal("1.5")  # the agreement of the test: 1 学分 = 1.5 ECTS

UCA = EwpInstitution(hei_id="univ-cotedazur.fr", code="UCA", credit_system="ects",
                     names={"fr": "Université Côte d'Azur", "en": "Université Côte d'Azur"})
HAINANU = EwpInstitution(hei_id="hainanu.edu.cn", code="HAINANU", credit_system="cn",
                         names={"zh": "海南大学", "en": "Hainan University"})

TERMS = {
    "2026-S1": EwpTerm(code="2026-S1", academic_year="2026-2027", term_number=1, total_terms=2,
                       start=date(2026, 9, 7), end=date(2027, 1, 22),
                       names={"fr": "Semestre 1 2026-2027", "en": "Semester 1 2026-2027"}),
    "2026-AUT": EwpTerm(code="2026-AUT", academic_year="2026-2027", term_number=1,
                        total_terms=2, start=date(2026, 9, 7), end=date(2027, 1, 15),
                        names={"zh": "2026-2027学年秋季学期", "en": "Autumn semester 2026-2027"}),
    "2026-SPR": EwpTerm(code="2026-SPR", academic_year="2026-2027", term_number=2,
                        total_terms=2, start=date(2027, 2, 28), end=date(2027, 7, 10),
                        names={"zh": "2026-2027学年春季学期"}),
}

FRENCH = CourseRecord(
    code="INFO 501", titles={"fr": "Systèmes distribués", "en": "Distributed systems"},
    descriptions={"fr": "Consensus, réplication, tolérance aux pannes."},
    outcomes={"en": "Design a replicated service."},
    credits=Decimal(6), contact_hours=Decimal(48), self_study_hours=Decimal(102),
    level="master", cycle="master", isced="0613", languages=("fr",), terms=("2026-S1",))
CHINESE = CourseRecord(
    code="CS6021", titles={"zh": "数据库系统", "en": "Database systems"},
    descriptions={"zh": "关系模型、事务与查询优化。"},
    credits=Decimal(2), contact_hours=Decimal(32), self_study_hours=Decimal(64),
    level="硕士", cycle="master", isced="0612", languages=("zh",),
    terms=("2026-AUT", "2026-SPR"), delivery="remote")
RETIRED = CourseRecord(
    code="INFO 400", titles={"fr": "Programmation Cobol"}, credits=Decimal(3),
    level="licence", cycle="bachelor", isced="0613", languages=("fr",), terms=("2026-S1",),
    status="retired")
NO_ISCED = CourseRecord(
    code="ANG 101", titles={"en": "Academic English"}, credits=Decimal(3),
    level="licence", cycle="bachelor", languages=("en", "fr"), terms=("2026-S1",))


def credits_in_for(native: str):
    """``credits_in`` for an institution whose records are in ``native`` credits."""

    def credits_in(course: CourseRecord, system: str) -> Decimal | None:
        if system == native:
            return course.credits
        if system == "ects":  # 学分 → ECTS
            return course.credits * ECTS_PER_XUEFEN
        return course.credits / ECTS_PER_XUEFEN  # ECTS → 学分

    return credits_in


@pytest.fixture
def reference() -> Path:
    if not (COURSES_XSD_DIR / "response.xsd").is_file() or not CATALOG.is_file():
        skip_or_fail(f"EWP reference schemas not found in {REFERENCE} "
                     "(CI checks out ../shared beside the repository)")
    return REFERENCE


@pytest.fixture
def french_xml() -> bytes:
    return courses_response(UCA, [FRENCH, RETIRED, NO_ISCED], TERMS, credits_in_for("ects"))


@pytest.fixture
def chinese_xml() -> bytes:
    return courses_response(HAINANU, [CHINESE], TERMS, credits_in_for("cn"))


def parse(xml: bytes) -> etree._Element:
    return etree.fromstring(xml)


def spec(root: etree._Element, code: str) -> etree._Element:
    found = root.xpath("c:learningOpportunitySpecification[c:los-code=$code]",
                       namespaces=NS, code=code)
    assert len(found) == 1, f"{code}: {len(found)} specifications"
    return found[0]


def titles(los: etree._Element) -> dict[str | None, str]:
    return {title.get(XML_LANG): title.text for title in los.findall("c:title", NS)}


def credits(loi: etree._Element) -> dict[str, Decimal]:
    return {credit.findtext("c:scheme", namespaces=NS): Decimal(credit.findtext("c:value",
                                                                                namespaces=NS))
            for credit in loi.findall("c:credit", NS)}


def test_documents_validate_against_the_ewp_schema(reference: Path, french_xml: bytes,
                                                   chinese_xml: bytes) -> None:
    assert validate(french_xml, COURSES_XSD_DIR, CATALOG) == []
    assert validate(chinese_xml, COURSES_XSD_DIR, CATALOG) == []
    # The shared reference root is accepted as schema_dir as well.
    assert validate(chinese_xml, reference, CATALOG) == []


def test_validation_reports_errors(reference: Path, french_xml: bytes) -> None:
    broken = french_xml.replace(b"<type>Course</type>", b"<type>Lecture</type>", 1)
    errors = validate(broken, COURSES_XSD_DIR, CATALOG)
    assert errors and "Lecture" in errors[0]
    no_title = etree.fromstring(french_xml)
    for title in no_title.iter(f"{{{COURSES_NS}}}title"):
        title.getparent().remove(title)
    assert validate(etree.tostring(no_title), COURSES_XSD_DIR, CATALOG)
    assert validate(b"<courses-response", COURSES_XSD_DIR, CATALOG)


def test_utf8_bytes_with_declaration(chinese_xml: bytes) -> None:
    assert chinese_xml.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert "数据库系统".encode() in chinese_xml  # written as UTF-8, not character references
    assert b"\n  <learningOpportunitySpecification>" in chinese_xml  # pretty-printed


def test_titles_carry_their_languages(french_xml: bytes, chinese_xml: bytes) -> None:
    french = spec(parse(french_xml), "INFO 501")
    assert titles(french) == {"fr": "Systèmes distribués", "en": "Distributed systems"}
    chinese = spec(parse(chinese_xml), "CS6021")
    assert titles(chinese) == {"zh-Hans": "数据库系统", "en": "Database systems"}
    description = chinese.find("c:description", NS)
    assert description.get(XML_LANG) == "zh-Hans"
    assert description.text == "关系模型、事务与查询优化。"


def test_course_identity_type_and_levels(french_xml: bytes) -> None:
    root = parse(french_xml)
    french = spec(root, "INFO 501")
    assert french.findtext("c:los-id", namespaces=NS) == los_id(UCA, "INFO 501")
    assert french.findtext("c:los-id", namespaces=NS).startswith("CR/")
    assert french.findtext("c:type", namespaces=NS) == "Course"
    assert french.findtext("c:iscedCode", namespaces=NS) == "0613"
    assert french.findtext("c:eqfLevelProvided", namespaces=NS) == "7"
    bachelor = spec(root, "ANG 101")
    assert bachelor.findtext("c:eqfLevelProvided", namespaces=NS) == "6"
    assert bachelor.find("c:iscedCode", NS) is None  # missing ISCED: element left out


def test_retired_course_is_left_out(french_xml: bytes) -> None:
    root = parse(french_xml)
    codes = root.xpath("c:learningOpportunitySpecification/c:los-code/text()", namespaces=NS)
    assert codes == ["INFO 501", "ANG 101"]
    assert los_id(UCA, "INFO 400").encode() not in french_xml


def test_credits_in_both_schemes(french_xml: bytes, chinese_xml: bytes) -> None:
    french = spec(parse(french_xml), "INFO 501")
    (instance,) = french.findall("c:specifies/c:learningOpportunityInstance", NS)
    assert credits(instance) == {"ects": Decimal(6), "cn-xuefen": Decimal(4)}
    assert [c.findtext("c:level", namespaces=NS) for c in instance.findall("c:credit", NS)] \
        == ["Master", "Master"]
    chinese = spec(parse(chinese_xml), "CS6021")
    instances = chinese.findall("c:specifies/c:learningOpportunityInstance", NS)
    assert len(instances) == 2  # one per term
    for loi in instances:
        assert credits(loi) == {"ects": Decimal(3), "cn-xuefen": Decimal(2)}
        values = loi.xpath("c:credit/c:value/text()", namespaces=NS)
        assert values == ["3", "2"]  # plain decimals, ECTS first


def test_a_scheme_without_value_is_skipped() -> None:
    def ects_only(course: CourseRecord, system: str) -> Decimal | None:
        return course.credits if system == "ects" else None

    root = parse(courses_response(UCA, [FRENCH], TERMS, ects_only))
    (instance,) = spec(root, "INFO 501").findall("c:specifies/c:learningOpportunityInstance", NS)
    assert credits(instance) == {"ects": Decimal(6)}


def test_terms_language_and_hours(chinese_xml: bytes, french_xml: bytes) -> None:
    chinese = spec(parse(chinese_xml), "CS6021")
    autumn, spring = chinese.findall("c:specifies/c:learningOpportunityInstance", NS)
    assert autumn.findtext("c:start", namespaces=NS) == "2026-09-07"
    assert autumn.findtext("c:end", namespaces=NS) == "2027-01-15"
    term = autumn.find("trm:academic-term", NS)
    assert term.findtext("trm:academic-year-id", namespaces=NS) == "2026/2027"
    assert term.findtext("trm:ewp-id", namespaces=NS) == "2026/2027-1/2"
    names = {n.get(XML_LANG): n.text for n in term.findall("trm:display-name", NS)}
    assert names["zh-Hans"] == "2026-2027学年秋季学期"
    assert spring.findtext("trm:academic-term/trm:ewp-id", namespaces=NS) == "2026/2027-2/2"
    assert autumn.findtext("c:languageOfInstruction", namespaces=NS) == "zh"
    assert autumn.findtext("c:engagementHours", namespaces=NS) == "32"
    assert autumn.findtext("c:loi-id", namespaces=NS) != spring.findtext("c:loi-id",
                                                                         namespaces=NS)
    # Taught in English and French: no single primary language, so none is given.
    bilingual = spec(parse(french_xml), "ANG 101")
    assert bilingual.find(".//c:languageOfInstruction", NS) is None


def test_term_checks_its_academic_year() -> None:
    with pytest.raises(ValueError, match="2026-2027"):
        EwpTerm(code="X", academic_year="2026", term_number=1, total_terms=2,
                start=date(2026, 9, 1), end=date(2027, 1, 31))
    with pytest.raises(ValueError):
        EwpTerm(code="X", academic_year="2026-2027", term_number=3, total_terms=2,
                start=date(2026, 9, 1), end=date(2027, 1, 31))
