"""EWP learning agreement export: valid against the real XSD, faithful to the approved plan."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from lxml import etree

from jointdegree.catalog.ewp import EwpInstitution, los_id, validate
from jointdegree.planning.learning_agreement import (
    LA_NS,
    PHONE_NS,
    TERM_NS,
    ChangesProposal,
    Component,
    ComponentStatus,
    ContactPerson,
    Gender,
    LanguageSkill,
    LearningAgreement,
    MobilityInstitution,
    ReasonCode,
    Signature,
    Snapshot,
    Student,
    StudentChanges,
    TermId,
    european_student_identifier,
    omobility_las_get_response,
)
from tests.support import REFERENCE, skip_or_fail

LA_DIR = REFERENCE / "ewp" / "ewp-specs-api-omobility-las" / "stable-v2"
LA_XSD = LA_DIR / "endpoints" / "get-response.xsd"
CATALOG = REFERENCE / "xsd-catalog.xml"
NS = {"la": LA_NS, "trm": TERM_NS, "p": PHONE_NS}

PARIS = ZoneInfo("Europe/Paris")
SHANGHAI = ZoneInfo("Asia/Shanghai")
FIRST, SECOND = TermId(1, 2), TermId(2, 2)
UCA_CATALOG = EwpInstitution(hei_id="univ-cotedazur.fr", code="UCA", credit_system="ects")

HAINANU = MobilityInstitution(
    hei_id="hainanu.edu.cn", ounit_name="计算机科学与技术学院", ounit_id="CS",
    contact=ContactPerson(given_names="静", family_name="陈", email="chenjing@hainanu.edu.cn"))
UCA = MobilityInstitution(
    hei_id="univ-cotedazur.fr", ounit_name="UFR Sciences",
    contact=ContactPerson(given_names="Marie", family_name="Dupont",
                          email="marie.dupont@univ-cotedazur.fr", phone_e164="+33489150000"))
STUDENT = Student(
    given_names="小明", family_name="王",
    global_id=european_student_identifier("hainanu.edu.cn", "20231234"),
    birth_date=date(2003, 4, 18), citizenship="CN", gender=Gender.MALE,
    email="wangxiaoming@hainanu.edu.cn")

STUDIED = (
    Component(title="Distributed systems", los_code="INFO 501", term=FIRST, ects=Decimal(6),
              los_id=los_id(UCA_CATALOG, "INFO 501")),
    Component(title="Machine learning", los_code="INFO 502", term=FIRST, ects=Decimal(6)),
    Component(title="French as a foreign language (B2)", los_code="FLE 201", term=FIRST,
              ects=Decimal("4.5")),
    Component(title="Research project", los_code="INFO 601", term=SECOND, ects=Decimal(24)),
)
XUEFEN = "cn-xuefen"
RECOGNIZED = (
    Component(title="分布式系统", los_code="CS6021", term=FIRST, ects=Decimal(6),
              other_credits={XUEFEN: Decimal(4)}),
    Component(title="机器学习", los_code="CS6034", term=FIRST, ects=Decimal(6),
              other_credits={XUEFEN: Decimal(4)}),
    Component(title="法语", los_code="FL2001", term=FIRST, ects=Decimal("4.5"),
              other_credits={XUEFEN: Decimal(3)},
              recognition_conditions="成绩不低于 10/20（法方评分）"),
    Component(title="毕业设计（论文）", los_code="CS6900", term=SECOND, ects=Decimal(24),
              other_credits={XUEFEN: Decimal(16)}),
)
STUDENT_SIGNED = datetime(2026, 5, 10, 9, 30, tzinfo=SHANGHAI)
SENDING_SIGNED = datetime(2026, 5, 12, 15, 0, tzinfo=SHANGHAI)
RECEIVING_SIGNED = datetime(2026, 5, 20, 10, 15, tzinfo=PARIS)


def signatures(student: datetime = STUDENT_SIGNED, sending: datetime = SENDING_SIGNED,
               receiving: datetime | None = RECEIVING_SIGNED) -> dict[str, Signature | None]:
    return {
        "student_signature": Signature(timestamp=student, signer_app="jointdegree"),
        "sending_hei_signature": Signature(
            timestamp=sending, signer_name="陈静", signer_position="国际合作与交流处 项目主管",
            signer_email="chenjing@hainanu.edu.cn", signer_app="jointdegree"),
        "receiving_hei_signature": None if receiving is None else Signature(
            timestamp=receiving, signer_name="Marie Dupont",
            signer_position="Coordinatrice des mobilités",
            signer_email="marie.dupont@univ-cotedazur.fr", signer_app="jointdegree"),
    }


FIRST_VERSION = Snapshot(studied=STUDIED, recognized=RECOGNIZED, **signatures())


def agreement(**changes: object) -> LearningAgreement:
    fields: dict[str, object] = {
        "omobility_id": "hainanu-uca-2026-20231234",
        "sending_hei": HAINANU, "receiving_hei": UCA,
        "receiving_academic_year": "2026-2027", "student": STUDENT,
        "start_date": date(2026, 9, 1), "end_date": date(2027, 6, 30),
        "eqf_level_at_departure": 7, "isced_f_code": "0613",
        "isced_clarification": "Double master's degree in computer science",
        "language_skill": LanguageSkill("fr", "B2"),
        "first_version": FIRST_VERSION,
    }
    fields.update(changes)
    return LearningAgreement(**fields)  # type: ignore[arg-type]


@pytest.fixture
def reference() -> Path:
    if not LA_XSD.is_file() or not CATALOG.is_file():
        skip_or_fail(f"EWP reference schemas not found in {REFERENCE} "
                     "(CI checks out ../shared beside the repository)")
    return REFERENCE


def parse(xml: bytes) -> etree._Element:
    return etree.fromstring(xml)


def texts(element: etree._Element, path: str) -> list[str]:
    return element.xpath(f"{path}/text()", namespaces=NS)


def test_realistic_agreement_validates(reference: Path) -> None:
    xml = omobility_las_get_response([agreement()])
    assert validate(xml, LA_XSD, CATALOG) == []


def test_upstream_example_validates_with_the_same_resolver(reference: Path) -> None:
    """Guards the test itself: the catalog resolves every import of this schema offline."""
    example = (LA_DIR / "examples" / "get-response-example.xml").read_bytes()
    assert validate(example, LA_XSD, CATALOG) == []
    broken = omobility_las_get_response([agreement()]).replace(
        b"<cefr-level>B2</cefr-level>", b"<cefr-level>B3</cefr-level>")
    assert validate(broken, LA_XSD, CATALOG)


def test_empty_list_gives_a_valid_empty_response(reference: Path) -> None:
    xml = omobility_las_get_response([])
    assert xml.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    root = parse(xml)
    assert root.tag == f"{{{LA_NS}}}omobility-las-get-response"
    assert len(root) == 0
    assert validate(xml, LA_XSD, CATALOG) == []


def test_changes_and_proposals_validate(reference: Path) -> None:
    approved = Snapshot(
        studied=[Component(title="Cloud computing", los_code="INFO 503", term=SECOND,
                           ects=Decimal(6), status=ComponentStatus.INSERTED,
                           reason_code=ReasonCode.SUBSTITUTING_DELETED),
                 dataclasses.replace(STUDIED[1], status=ComponentStatus.DELETED,
                                     reason_code=ReasonCode.TIMETABLE_CONFLICT)],
        **signatures(datetime(2026, 10, 2, 8, tzinfo=UTC), datetime(2026, 10, 3, 8, tzinfo=UTC),
                     datetime(2026, 10, 5, 8, tzinfo=UTC)))
    proposal = ChangesProposal(
        recognized=[Component(title="云计算", los_code="CS6040", term=SECOND, ects=Decimal(6),
                              other_credits={XUEFEN: Decimal(4)},
                              status=ComponentStatus.INSERTED,
                              reason_text="Replaces machine learning")],
        student_changes=StudentChanges(family_name="王", given_names="晓明"),
        **signatures(receiving=None))
    xml = omobility_las_get_response([agreement(approved_changes=approved,
                                                changes_proposal=proposal)])
    assert validate(xml, LA_XSD, CATALOG) == []
    la = parse(xml).find("la:la", NS)
    assert [etree.QName(child).localname for child in la][-3:] == [
        "first-version", "approved-changes", "changes-proposal"]
    changes = la.find("la:changes-proposal", NS)
    assert changes.find("la:receiving-hei-signature", NS) is None
    assert texts(changes, "la:student/la:given-names") == ["晓明"]
    assert changes.find("la:student/la:birth-date", NS) is None  # only what changed
    (inserted,) = changes.findall("la:components-recognized/la:component", NS)
    assert inserted.get("status") == "inserted"
    assert inserted.get("reason-text") == "Replaces machine learning"
    assert changes.findall("la:components-studied/la:component", NS) == []
    statuses = [c.get("status") for c in la.iterfind("la:approved-changes//la:component", NS)]
    assert statuses == ["inserted", "deleted"]


def test_a_first_version_may_still_be_a_proposal(reference: Path) -> None:
    proposal = ChangesProposal(studied=STUDIED, recognized=RECOGNIZED,
                               **signatures(receiving=None))
    xml = omobility_las_get_response([agreement(first_version=None, changes_proposal=proposal)])
    assert validate(xml, LA_XSD, CATALOG) == []


def test_proposal_id_follows_the_content() -> None:
    def proposal_id(proposal: ChangesProposal) -> str:
        xml = omobility_las_get_response([agreement(first_version=None,
                                                    changes_proposal=proposal)])
        return parse(xml).find("la:la/la:changes-proposal", NS).get("id")

    proposal = ChangesProposal(studied=STUDIED, recognized=RECOGNIZED,
                               **signatures(receiving=None))
    first = proposal_id(proposal)
    assert len(first) == 64
    assert proposal_id(dataclasses.replace(proposal)) == first  # same content, same id
    assert proposal_id(dataclasses.replace(proposal, studied=STUDIED[:3])) != first
    assert proposal_id(dataclasses.replace(proposal, proposal_id="v7")) == "v7"


def test_chinese_text_round_trips() -> None:
    xml = omobility_las_get_response([agreement()])
    assert "王".encode() in xml and "毕业设计（论文）".encode() in xml  # UTF-8, not &#...;
    la = parse(xml).find("la:la", NS)
    assert texts(la, "la:student/la:family-name") == ["王"]
    assert texts(la, "la:student/la:given-names") == ["小明"]
    assert texts(la, "la:sending-hei/la:ounit-name") == ["计算机科学与技术学院"]
    assert texts(la, "la:sending-hei/la:contact-person/la:family-name") == ["陈"]
    recognized = la.find("la:first-version/la:components-recognized", NS)
    assert texts(recognized, "la:component/la:title") == [c.title for c in RECOGNIZED]
    assert texts(recognized, "la:component/la:recognition-conditions") == [
        "成绩不低于 10/20（法方评分）"]
    assert texts(la, "la:first-version/la:sending-hei-signature/la:signer-position") == [
        "国际合作与交流处 项目主管"]


def test_characters_xml_cannot_carry_are_stripped() -> None:
    dirty = Component(title="Systèmes\x00 distribués\x0b\ufffe", term=FIRST, ects=Decimal(6))
    snapshot = dataclasses.replace(FIRST_VERSION, studied=[dirty])
    xml = omobility_las_get_response([agreement(first_version=snapshot)])
    assert texts(parse(xml), "la:la/la:first-version/la:components-studied/la:component/"
                             "la:title") == ["Systèmes distribués"]


def test_components_keep_their_order_and_credits() -> None:
    la = parse(omobility_las_get_response([agreement()])).find("la:la/la:first-version", NS)
    studied = la.findall("la:components-studied/la:component", NS)
    assert [c.findtext("la:los-code", namespaces=NS) for c in studied] == [
        "INFO 501", "INFO 502", "FLE 201", "INFO 601"]
    assert texts(studied[0], "la:los-id") == [los_id(UCA_CATALOG, "INFO 501")]
    assert texts(studied[2], "la:credit/la:value") == ["4.5"]
    assert studied[0].find("la:recognition-conditions", NS) is None
    assert [(c.findtext("la:term-id/trm:term-number", namespaces=NS),
             c.findtext("la:term-id/trm:total-terms", namespaces=NS)) for c in studied] == [
        ("1", "2"), ("1", "2"), ("1", "2"), ("2", "2")]
    recognized = la.findall("la:components-recognized/la:component", NS)
    assert [c.findtext("la:los-code", namespaces=NS) for c in recognized] == [
        "CS6021", "CS6034", "FL2001", "CS6900"]
    # ECTS first (what EWP reads), then the home 学分 beside it.
    assert texts(recognized[3], "la:credit/la:scheme") == ["ects", XUEFEN]
    assert texts(recognized[3], "la:credit/la:value") == ["24", "16"]
    ects = [Decimal(v) for v in texts(la, "la:components-recognized/la:component/la:credit"
                                          "[la:scheme='ects']/la:value")]
    assert sum(ects) == sum(c.ects for c in STUDIED)  # 40.5 ECTS both sides
    assert all(c.get("status") is None for c in la.iter(f"{{{LA_NS}}}component"))


def test_agreements_keep_their_order() -> None:
    second = agreement(omobility_id="hainanu-uca-2026-20231235",
                       student=dataclasses.replace(STUDENT, given_names="丽",
                                                   family_name="李", gender=Gender.FEMALE))
    root = parse(omobility_las_get_response([second, agreement()]))
    assert texts(root, "la:la/la:omobility-id") == ["hainanu-uca-2026-20231235",
                                                    "hainanu-uca-2026-20231234"]
    assert texts(root, "la:la/la:student/la:gender") == ["2", "1"]
    with pytest.raises(ValueError, match="twice"):
        omobility_las_get_response([agreement(), agreement()])


def test_signatures_carry_iso_timestamps_with_offset() -> None:
    fv = parse(omobility_las_get_response([agreement()])).find("la:la/la:first-version", NS)
    stamps = {etree.QName(s).localname: s.findtext("la:timestamp", namespaces=NS)
              for s in fv if etree.QName(s).localname.endswith("-signature")}
    assert stamps == {"student-signature": "2026-05-10T09:30:00+08:00",
                      "sending-hei-signature": "2026-05-12T15:00:00+08:00",
                      "receiving-hei-signature": "2026-05-20T10:15:00+02:00"}
    assert datetime.fromisoformat(stamps["receiving-hei-signature"]) == RECEIVING_SIGNED
    receiving = fv.find("la:receiving-hei-signature", NS)
    assert [etree.QName(child).localname for child in receiving] == [
        "signer-name", "signer-position", "signer-email", "timestamp", "signer-app"]
    assert receiving.findtext("la:signer-name", namespaces=NS) == "Marie Dupont"
    student = fv.find("la:student-signature", NS)
    assert [etree.QName(child).localname for child in student] == ["timestamp", "signer-app"]


def test_utc_and_odd_offsets() -> None:
    lmt = timezone(timedelta(hours=8, minutes=5, seconds=43))  # xs:dateTime has no seconds
    snapshot = Snapshot(studied=STUDIED, recognized=RECOGNIZED,
                        **signatures(datetime(2026, 5, 10, 1, 30, tzinfo=UTC),
                                     datetime(2026, 5, 12, 15, 0, tzinfo=lmt)))
    fv = parse(omobility_las_get_response([agreement(first_version=snapshot)])).find(
        "la:la/la:first-version", NS)
    assert texts(fv, "la:student-signature/la:timestamp") == ["2026-05-10T01:30:00+00:00"]
    assert texts(fv, "la:sending-hei-signature/la:timestamp") == ["2026-05-12T06:54:17+00:00"]


def test_mobility_header() -> None:
    la = parse(omobility_las_get_response([agreement()])).find("la:la", NS)
    assert texts(la, "la:receiving-academic-year-id") == ["2026/2027"]
    assert texts(la, "la:start-date") == ["2026-09-01"]
    assert texts(la, "la:end-date") == ["2027-06-30"]
    assert texts(la, "la:student/la:global-id") == [
        "urn:schac:personalUniqueCode:int:esi:hainanu.edu.cn:20231234"]
    assert texts(la, "la:receiving-hei/la:contact-person/p:phone-number/p:e164") == [
        "+33489150000"]
    months = parse(omobility_las_get_response([agreement(month_precision=True)]))
    assert texts(months, "la:la/la:start-year-month") == ["2026-09"]
    assert texts(months, "la:la/la:end-year-month") == ["2027-06"]


@pytest.mark.parametrize(("build", "message"), [
    (lambda: Signature(timestamp=datetime(2026, 5, 10, 9, 30)), "time zone"),
    (lambda: dataclasses.replace(STUDENT, citizenship="cn"), "alpha-2"),
    (lambda: dataclasses.replace(STUDENT, email="wang at hainanu"), "e-mail"),
    (lambda: dataclasses.replace(STUDENT, given_names="\x00 "), "required"),
    (lambda: LanguageSkill("fr", "B3"), "CEFR"),
    (lambda: TermId(3, 2), "term 3 of 2"),
    (lambda: Component(title="X", term=FIRST, ects=Decimal(-1)), "credits"),
    (lambda: Component(title="X", term=FIRST, ects=Decimal("NaN")), "credits"),
    (lambda: Component(title="X", term=FIRST, ects=Decimal(1), los_id="INFO 501"), "los_id"),
    (lambda: Component(title="X", term=FIRST, ects=Decimal(1),
                       other_credits={"ects": Decimal(1)}), "ECTS"),
    (lambda: Component(title="X", term=FIRST, ects=Decimal(1),
                       status=ComponentStatus.INSERTED,
                       reason_code=ReasonCode.TIMETABLE_CONFLICT), "reason"),
    (lambda: Snapshot(studied=[RECOGNIZED[2]], **signatures()), "recognition conditions"),
    (lambda: Snapshot(student_signature=Signature(timestamp=STUDENT_SIGNED, signer_name="王小明"),
                      sending_hei_signature=signatures()["sending_hei_signature"]),
     "student's signature"),
    (lambda: Snapshot(student_signature=signatures()["student_signature"],
                      sending_hei_signature=Signature(timestamp=SENDING_SIGNED)),
     "sending HEI's signature"),
    (lambda: agreement(omobility_id="mobilité 1"), "omobility_id"),
    (lambda: agreement(sending_hei=dataclasses.replace(HAINANU, ounit_name=None)), "ounit"),
    (lambda: agreement(receiving_academic_year="2026"), "academic year"),
    (lambda: agreement(end_date=date(2026, 8, 1)), "ends before"),
    (lambda: agreement(eqf_level_at_departure=9), "EQF"),
    (lambda: agreement(first_version=None), "first version or a proposal"),
    (lambda: agreement(first_version=Snapshot(**signatures(receiving=None))),
     "receiving HEI's signature"),
    (lambda: agreement(first_version=Snapshot(
        studied=[dataclasses.replace(STUDIED[0], status=ComponentStatus.INSERTED)],
        **signatures())), "no status"),
    (lambda: agreement(approved_changes=FIRST_VERSION), "needs a status"),
])
def test_rules_of_the_schema_documentation(build: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()  # type: ignore[operator]
