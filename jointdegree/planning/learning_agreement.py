"""EWP Outgoing Mobility Learning Agreements API: approved study plans as a ``get`` response.

Pure (no Flask, no database): the caller passes plain records and gets UTF-8 XML bytes back,
the document a sending HEI returns from the ``omobility-las`` ``get`` endpoint.
It follows ``ewp-specs-api-omobility-las`` branch ``stable-v2`` (v1.2.0+, commit 94cf7b4 in
``../shared/reference``), whose namespace is still ``…/blob/stable-v1/endpoints/get-response.xsd``,
with the academic-term types of ``ewp-specs-types-academic-term`` stable-v2. The tests check it
with :func:`jointdegree.catalog.ewp.validate`; the running app needs no XSD.

Rules the XSD states only in its documentation are checked here, when the records are built
(``ValueError``), because a schema-valid document can still be refused by a partner:

* ``student`` fields are all required outside ``changes-proposal`` (global id and gender too);
* the sending HEI must name its organisational unit (``ounit-name``);
* HEI signatures carry signer name, position and e-mail; the student's signature must not;
* ``receiving-hei-signature`` is optional only inside ``changes-proposal``;
* ``term-id`` is required for studied and recognised components; ``recognition-conditions``
  must not appear on studied components;
* ``status`` marks changes and only changes: never in ``first-version``, always in
  ``approved-changes`` and in a proposal that changes an agreed first version; each
  ``reason-code`` belongs to insertions or to deletions only;
* a document holds ``first-version`` or, before the first approval, ``changes-proposal``.

Choices the schema leaves open, made once here:

* Credits. ``credit/scheme`` ``ects`` comes first; other schemes (e.g. ``cn-xuefen`` for 学分,
  as in the Courses API export) follow, so the home credits travel beside the ECTS value.
* The ``changes-proposal`` id, when not given, is the SHA-256 of the proposal's exclusive XML
  canonical form (the method the spec suggests): it changes exactly when the content does.
* Timestamps keep the offset they were given in (ISO 8601 with offset); an offset with seconds,
  which ``xs:dateTime`` cannot carry, is written in UTC instead.
* Only semester mobilities are modelled: virtual, blended and short-term doctoral component
  tables are not written.
"""

from __future__ import annotations

import enum
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import MappingProxyType

from lxml import etree

from jointdegree.catalog.ewp import _NOT_XML
from jointdegree.decimals import plain

LA_NS = ("https://github.com/erasmus-without-paper/ewp-specs-api-omobility-las/blob/stable-v1"
         "/endpoints/get-response.xsd")
TERM_NS = "https://github.com/erasmus-without-paper/ewp-specs-types-academic-term/tree/stable-v2"
PHONE_NS = "https://github.com/erasmus-without-paper/ewp-specs-types-phonenumber/tree/stable-v1"
ECTS = "ects"

# Simple types of the XSD (and the common types it imports), as Python patterns.
_ASCII_ID = re.compile(r"[!-~]{1,64}")
_LOS_ID = re.compile(r"(CR|CLS|MOD|DEP)/.{1,40}")
_LOI_ID = re.compile(r"(CRI|CLSI|MODI|DEPI)/.{1,40}")
_EMAIL = re.compile(r"[^@]+@[^.]+\..+")
_COUNTRY = re.compile(r"[A-Z]{2}")
_CEFR = re.compile(r"[ABC][12]|NS")
_LANGUAGE = re.compile(r"[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*")
_E164 = re.compile(r"\+[0-9]{1,15}")
_ISCED_F = re.compile(r"\d{2,4}")
_ACADEMIC_YEAR = re.compile(r"(\d{4})[/-](\d{4})")
_SCHEME = re.compile(r"\S+")


class Gender(enum.IntEnum):
    """ISO/IEC 5218 codes (EWP ``Gender``); ``NOT_KNOWN`` is a real answer, not a gap."""

    NOT_KNOWN = 0
    MALE = 1
    FEMALE = 2
    NOT_APPLICABLE = 9


class ComponentStatus(enum.StrEnum):
    """How a component changes the first version (absent on unchanged components)."""

    INSERTED = "inserted"
    DELETED = "deleted"


class ReasonCode(enum.StrEnum):
    """The EUC reasons for a change; the first three explain deletions, the rest insertions."""

    NOT_AVAILABLE = "not-available"
    LANGUAGE_MISMATCH = "language-mismatch"
    TIMETABLE_CONFLICT = "timetable-conflict"
    SUBSTITUTING_DELETED = "substituting-deleted"
    EXTENDING_MOBILITY = "extending-mobility"
    ADDING_VIRTUAL_COMPONENT = "adding-virtual-component"


_REASONS_FOR: dict[ComponentStatus, frozenset[ReasonCode]] = {
    ComponentStatus.DELETED: frozenset({ReasonCode.NOT_AVAILABLE, ReasonCode.LANGUAGE_MISMATCH,
                                        ReasonCode.TIMETABLE_CONFLICT}),
    ComponentStatus.INSERTED: frozenset({ReasonCode.SUBSTITUTING_DELETED,
                                         ReasonCode.EXTENDING_MOBILITY,
                                         ReasonCode.ADDING_VIRTUAL_COMPONENT}),
}


@dataclass(frozen=True, kw_only=True)
class ContactPerson:
    """The HEI's contact for this mobility (``contact-person``: names and e-mail required)."""

    given_names: str
    family_name: str
    email: str
    phone_e164: str | None = None  # "+33489150000"

    def __post_init__(self) -> None:
        _require_text("contact given names", self.given_names)
        _require_text("contact family name", self.family_name)
        _check_email("contact e-mail", self.email)
        if self.phone_e164 is not None and not _E164.fullmatch(self.phone_e164):
            raise ValueError(f"phone {self.phone_e164!r}: E.164, e.g. +33489150000")


@dataclass(frozen=True, kw_only=True)
class MobilityInstitution:
    """A sending or receiving HEI; its name is not in the schema (Institutions API has it)."""

    hei_id: str  # SCHAC id, e.g. "univ-cotedazur.fr", "hainanu.edu.cn"
    contact: ContactPerson
    ounit_name: str | None = None  # required for the sending HEI
    ounit_id: str | None = None  # recommended: the id of the Organizational Units API

    def __post_init__(self) -> None:
        _require_text("hei_id", self.hei_id)
        if self.ounit_id is not None and not _ASCII_ID.fullmatch(self.ounit_id):
            raise ValueError(f"ounit_id {self.ounit_id!r}: 1-64 printable ASCII characters")


@dataclass(frozen=True, kw_only=True)
class Student:
    """The nominee as the agreement names them; every field is required outside a proposal."""

    given_names: str  # as the student writes them: "小明" or "Xiaoming"
    family_name: str
    global_id: str  # European Student Identifier, see european_student_identifier()
    birth_date: date
    citizenship: str  # ISO 3166-1 alpha-2, upper case: "CN"
    gender: Gender
    email: str

    def __post_init__(self) -> None:
        _require_text("student given names", self.given_names)
        _require_text("student family name", self.family_name)
        _require_text("student global id", self.global_id)
        _check_country(self.citizenship)
        _check_email("student e-mail", self.email)
        object.__setattr__(self, "gender", Gender(self.gender))


@dataclass(frozen=True, kw_only=True)
class StudentChanges:
    """Personal data changed since the receiving HEI last approved (only the changed fields)."""

    given_names: str | None = None
    family_name: str | None = None
    global_id: str | None = None
    birth_date: date | None = None
    citizenship: str | None = None
    gender: Gender | None = None
    email: str | None = None

    def __post_init__(self) -> None:
        if self.citizenship is not None:
            _check_country(self.citizenship)
        if self.email is not None:
            _check_email("student e-mail", self.email)
        if self.gender is not None:
            object.__setattr__(self, "gender", Gender(self.gender))


@dataclass(frozen=True)
class LanguageSkill:
    """Competence in the main language of instruction (BCP 47 code, CEFR level or "NS")."""

    language: str  # "fr"
    cefr_level: str  # "B2"

    def __post_init__(self) -> None:
        if not _LANGUAGE.fullmatch(self.language):
            raise ValueError(f"language {self.language!r}: a BCP 47 code such as fr")
        if not _CEFR.fullmatch(self.cefr_level):
            raise ValueError(f"CEFR level {self.cefr_level!r}: A1…C2 or NS")


@dataclass(frozen=True)
class TermId:
    """EWP ``TermId``: the term within the component owner's year (1 of 2 = first semester).

    The schema carries no year or display name here: the year is the agreement's
    ``receiving_academic_year``, names come from the owner's Courses API.
    """

    term_number: int
    total_terms: int

    def __post_init__(self) -> None:
        if not 1 <= self.term_number <= self.total_terms:
            raise ValueError(f"term {self.term_number} of {self.total_terms}")


@dataclass(frozen=True, kw_only=True)
class Component:
    """One line of table A (studied at the receiving HEI) or B (recognised at the sending HEI).

    ``ects`` is the credit value EWP expects; ``other_credits`` keeps the owner's own credits
    beside it (scheme → value, e.g. ``{"cn-xuefen": Decimal(2)}``). ``status`` and the reason
    are for changes only.
    """

    title: str  # one title, preferably in English; Chinese is allowed
    term: TermId  # at the component owner
    ects: Decimal | None  # None only when credit evaluation does not apply
    los_code: str | None = None  # the code people read, e.g. "INFO 501"
    los_id: str | None = None  # exactly as the owner's Courses API exposes it ("CR/…")
    loi_id: str | None = None  # "CRI/…"
    other_credits: Mapping[str, Decimal] = field(default_factory=dict)
    recognition_conditions: str | None = None  # recognised components only
    status: ComponentStatus | None = None
    reason_code: ReasonCode | None = None
    reason_text: str | None = None

    def __post_init__(self) -> None:
        _require_text("component title", self.title)
        if self.los_id is not None and not (_ASCII_ID.fullmatch(self.los_id)
                                            and _LOS_ID.fullmatch(self.los_id)):
            raise ValueError(f"los_id {self.los_id!r}: CR/… (printable ASCII, at most 64)")
        if self.loi_id is not None and not (_ASCII_ID.fullmatch(self.loi_id)
                                            and _LOI_ID.fullmatch(self.loi_id)):
            raise ValueError(f"loi_id {self.loi_id!r}: CRI/… (printable ASCII, at most 64)")
        credits = dict(self.other_credits)
        for scheme, value in ((ECTS, self.ects), *credits.items()):
            if value is None:
                continue
            if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
                raise ValueError(f"{self.title}: {value!r} {scheme} credits")
            if not _SCHEME.fullmatch(scheme):
                raise ValueError(f"credit scheme {scheme!r}: one word")
        if ECTS in credits:
            raise ValueError("ECTS credits go to `ects`, not `other_credits`")
        object.__setattr__(self, "other_credits", MappingProxyType(credits))
        if self.status is not None:
            object.__setattr__(self, "status", ComponentStatus(self.status))
        if self.reason_code is not None:
            reason = ReasonCode(self.reason_code)
            object.__setattr__(self, "reason_code", reason)
            if self.status is None or reason not in _REASONS_FOR[self.status]:
                raise ValueError(f"{self.title}: reason {reason} does not explain "
                                 f"status {self.status}")
        if self.status is None and self.reason_text is not None:
            raise ValueError(f"{self.title}: a reason without a change")


@dataclass(frozen=True, kw_only=True)
class Signature:
    """An approval: when (aware datetime) and, for an HEI, by whom."""

    timestamp: datetime
    signer_name: str | None = None  # HEI signatures only
    signer_position: str | None = None
    signer_email: str | None = None
    signer_app: str | None = None  # e.g. "jointdegree"

    def __post_init__(self) -> None:
        if self.timestamp.utcoffset() is None:
            raise ValueError(f"signature at {self.timestamp}: the timestamp needs a time zone")
        if self.signer_email is not None:
            _check_email("signer e-mail", self.signer_email)

    @property
    def names_signer(self) -> bool:
        """Whether any of the signer fields (forbidden for the student) is set."""
        return any(value is not None for value in
                   (self.signer_name, self.signer_position, self.signer_email))


@dataclass(frozen=True, kw_only=True)
class Snapshot:
    """Tables A and B with the signatures: a first version, or approved changes to it."""

    student_signature: Signature
    sending_hei_signature: Signature
    receiving_hei_signature: Signature | None = None  # optional only in a changes proposal
    studied: Sequence[Component] = ()  # table A: at the receiving HEI, in this order
    recognized: Sequence[Component] = ()  # table B: at the sending HEI, in this order

    def __post_init__(self) -> None:
        object.__setattr__(self, "studied", tuple(self.studied))
        object.__setattr__(self, "recognized", tuple(self.recognized))
        for component in self.studied:
            if component.recognition_conditions is not None:
                raise ValueError(f"{component.title}: recognition conditions belong to "
                                 "recognised components")
        if self.student_signature.names_signer:
            raise ValueError("the student's signature carries no signer name, position or "
                             "e-mail")
        for role, signature in (("sending", self.sending_hei_signature),
                                ("receiving", self.receiving_hei_signature)):
            if signature is not None and not (signature.signer_name
                                              and signature.signer_position
                                              and signature.signer_email):
                raise ValueError(f"the {role} HEI's signature needs signer name, position "
                                 "and e-mail")

    @property
    def components(self) -> tuple[Component, ...]:
        """Studied then recognised components."""
        return (*self.studied, *self.recognized)


@dataclass(frozen=True, kw_only=True)
class ChangesProposal(Snapshot):
    """A proposed first version, or proposed changes to it, awaiting the receiving HEI."""

    proposal_id: str | None = None  # None: derived from the content (see module docstring)
    student_changes: StudentChanges | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.proposal_id is not None:
            _require_text("proposal id", self.proposal_id)


@dataclass(frozen=True, kw_only=True)
class LearningAgreement:
    """One mobility's learning agreement, as the sending HEI serves it."""

    omobility_id: str  # immutable, printable ASCII, at most 64; same as in the OMobilities API
    sending_hei: MobilityInstitution
    receiving_hei: MobilityInstitution
    receiving_academic_year: str  # the year at the receiving HEI: "2026/2027" or "2026-2027"
    student: Student
    start_date: date  # planned arrival
    end_date: date  # planned departure
    eqf_level_at_departure: int  # of the student's programme: 6 bachelor, 7 master, 8 doctorate
    isced_f_code: str  # ISCED-F code closest to the degree, e.g. "0613"
    language_skill: LanguageSkill
    first_version: Snapshot | None = None
    approved_changes: Snapshot | None = None
    changes_proposal: ChangesProposal | None = None
    isced_clarification: str | None = None
    month_precision: bool = False  # True: only the months of start and end are known

    def __post_init__(self) -> None:
        if not _ASCII_ID.fullmatch(self.omobility_id):
            raise ValueError(f"omobility_id {self.omobility_id!r}: 1-64 printable ASCII")
        if not (self.sending_hei.ounit_name and _clean(self.sending_hei.ounit_name)):
            raise ValueError("the sending HEI must name its organisational unit (ounit_name)")
        object.__setattr__(self, "receiving_academic_year",
                           _academic_year_id(self.receiving_academic_year))
        if self.end_date < self.start_date:
            raise ValueError(f"mobility {self.omobility_id} ends before it starts")
        if not 1 <= self.eqf_level_at_departure <= 8:
            raise ValueError(f"EQF level {self.eqf_level_at_departure}: 1 to 8")
        if not _ISCED_F.fullmatch(self.isced_f_code):
            raise ValueError(f"ISCED-F code {self.isced_f_code!r}: 2 to 4 digits")
        if self.first_version is None and self.changes_proposal is None:
            raise ValueError(f"mobility {self.omobility_id}: a first version or a proposal")
        if self.approved_changes is not None and self.first_version is None:
            raise ValueError(f"mobility {self.omobility_id}: changes without a first version")
        for name, snapshot in (("first version", self.first_version),
                               ("approved changes", self.approved_changes)):
            if snapshot is not None and snapshot.receiving_hei_signature is None:
                raise ValueError(f"{name}: the receiving HEI's signature is required")
        if self.first_version is not None:
            _check_statuses("first version", self.first_version, changes=False)
        if self.approved_changes is not None:
            _check_statuses("approved changes", self.approved_changes, changes=True)
        if self.changes_proposal is not None:
            _check_statuses("changes proposal", self.changes_proposal,
                            changes=self.first_version is not None)


def european_student_identifier(hei_id: str, student_code: str) -> str:
    """The ESI ``global-id``: the home HEI's SCHAC id and its own code for the student."""
    return f"urn:schac:personalUniqueCode:int:esi:{hei_id.strip().lower()}:{student_code.strip()}"


def omobility_las_get_response(agreements: Sequence[LearningAgreement]) -> bytes:
    """The ``omobility-las-get-response`` holding ``agreements`` in their order.

    Returns pretty-printed UTF-8 bytes with an XML declaration; an empty sequence gives the
    (valid) empty response. Two agreements with the same ``omobility_id`` are refused.
    """
    seen: set[str] = set()
    root = etree.Element(_la("omobility-las-get-response"),
                         nsmap={None: LA_NS, "trm": TERM_NS, "p": PHONE_NS})
    for agreement in agreements:
        if agreement.omobility_id in seen:
            raise ValueError(f"mobility {agreement.omobility_id} appears twice")
        seen.add(agreement.omobility_id)
        _agreement(root, agreement)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _agreement(root: etree._Element, agreement: LearningAgreement) -> None:
    la = etree.SubElement(root, _la("la"))
    _sub(la, "omobility-id", agreement.omobility_id)
    la.append(_institution("sending-hei", agreement.sending_hei))
    la.append(_institution("receiving-hei", agreement.receiving_hei))
    _sub(la, "receiving-academic-year-id", agreement.receiving_academic_year)
    la.append(_student(agreement.student))
    if agreement.month_precision:
        _sub(la, "start-year-month", agreement.start_date.strftime("%Y-%m"))
        _sub(la, "end-year-month", agreement.end_date.strftime("%Y-%m"))
    else:
        _sub(la, "start-date", agreement.start_date.isoformat())
        _sub(la, "end-date", agreement.end_date.isoformat())
    _sub(la, "eqf-level-studied-at-departure", str(agreement.eqf_level_at_departure))
    _sub(la, "isced-f-code", agreement.isced_f_code)
    if agreement.isced_clarification and _clean(agreement.isced_clarification):
        _sub(la, "isced-clarification", agreement.isced_clarification)
    skill = etree.SubElement(la, _la("student-language-skill"))
    _sub(skill, "language", agreement.language_skill.language)
    _sub(skill, "cefr-level", agreement.language_skill.cefr_level)
    if agreement.first_version is not None:
        la.append(_snapshot("first-version", agreement.first_version))
    if agreement.approved_changes is not None:
        la.append(_snapshot("approved-changes", agreement.approved_changes))
    if agreement.changes_proposal is not None:
        _proposal(la, agreement.changes_proposal)


def _institution(tag: str, hei: MobilityInstitution) -> etree._Element:
    element = etree.Element(_la(tag))
    _sub(element, "hei-id", hei.hei_id)
    if hei.ounit_name and _clean(hei.ounit_name):
        _sub(element, "ounit-name", hei.ounit_name)
    if hei.ounit_id is not None:
        _sub(element, "ounit-id", hei.ounit_id)
    contact = etree.SubElement(element, _la("contact-person"))
    _sub(contact, "given-names", hei.contact.given_names)
    _sub(contact, "family-name", hei.contact.family_name)
    _sub(contact, "email", hei.contact.email)
    if hei.contact.phone_e164 is not None:
        phone = etree.SubElement(contact, f"{{{PHONE_NS}}}phone-number")
        etree.SubElement(phone, f"{{{PHONE_NS}}}e164").text = hei.contact.phone_e164
    return element


def _student(student: Student | StudentChanges) -> etree._Element:
    element = etree.Element(_la("student"))
    for tag, value in (("given-names", student.given_names),
                       ("family-name", student.family_name),
                       ("global-id", student.global_id),
                       ("birth-date", student.birth_date),
                       ("citizenship", student.citizenship),
                       ("gender", student.gender),
                       ("email", student.email)):
        if value is None:
            continue
        if isinstance(value, date):
            text = value.isoformat()
        elif isinstance(value, Gender):
            text = str(int(value))
        else:
            text = value
        _sub(element, tag, text)
    return element


def _snapshot(tag: str, snapshot: Snapshot) -> etree._Element:
    element = etree.Element(_la(tag))
    for list_tag, components in (("components-studied", snapshot.studied),
                                 ("components-recognized", snapshot.recognized)):
        listed = etree.SubElement(element, _la(list_tag))
        for component in components:
            listed.append(_component(component))
    element.append(_signature("student-signature", snapshot.student_signature))
    element.append(_signature("sending-hei-signature", snapshot.sending_hei_signature))
    if snapshot.receiving_hei_signature is not None:
        element.append(_signature("receiving-hei-signature", snapshot.receiving_hei_signature))
    return element


def _proposal(la: etree._Element, proposal: ChangesProposal) -> None:
    element = _snapshot("changes-proposal", proposal)
    la.append(element)  # in the document first, so the hash sees its final namespaces
    if proposal.student_changes is not None:
        changes = _student(proposal.student_changes)
        if len(changes):
            element.append(changes)
    proposal_id = proposal.proposal_id
    if proposal_id is None:
        canonical = etree.tostring(element, method="c14n", exclusive=True)
        proposal_id = hashlib.sha256(canonical).hexdigest()
    element.set("id", _clean(proposal_id))


def _component(component: Component) -> etree._Element:
    element = etree.Element(_la("component"))
    if component.status is not None:
        element.set("status", component.status.value)
    if component.reason_code is not None:
        element.set("reason-code", component.reason_code.value)
    if component.reason_text is not None and _clean(component.reason_text):
        element.set("reason-text", _clean(component.reason_text))
    if component.los_id is not None:
        _sub(element, "los-id", component.los_id)
    if component.los_code is not None and _clean(component.los_code):
        _sub(element, "los-code", component.los_code)
    _sub(element, "title", component.title)
    if component.loi_id is not None:
        _sub(element, "loi-id", component.loi_id)
    term = etree.SubElement(element, _la("term-id"))
    etree.SubElement(term, f"{{{TERM_NS}}}term-number").text = str(component.term.term_number)
    etree.SubElement(term, f"{{{TERM_NS}}}total-terms").text = str(component.term.total_terms)
    credits = [(ECTS, component.ects)] if component.ects is not None else []
    for scheme, value in (*credits, *component.other_credits.items()):
        credit = etree.SubElement(element, _la("credit"))
        _sub(credit, "scheme", scheme)
        _sub(credit, "value", plain(value))
    if component.recognition_conditions is not None and _clean(
            component.recognition_conditions):
        _sub(element, "recognition-conditions", component.recognition_conditions)
    return element


def _signature(tag: str, signature: Signature) -> etree._Element:
    element = etree.Element(_la(tag))
    for name, value in (("signer-name", signature.signer_name),
                        ("signer-position", signature.signer_position),
                        ("signer-email", signature.signer_email)):
        if value is not None:
            _sub(element, name, value)
    _sub(element, "timestamp", _timestamp(signature.timestamp))
    if signature.signer_app is not None and _clean(signature.signer_app):
        _sub(element, "signer-app", signature.signer_app)
    return element


def _timestamp(moment: datetime) -> str:
    """ISO 8601 with the offset kept; seconds in an offset (``xs:dateTime`` has none) → UTC."""
    offset = moment.utcoffset()
    if offset is None:  # Signature refuses these; kept for direct callers
        raise ValueError(f"{moment}: the timestamp needs a time zone")
    if offset % timedelta(minutes=1):
        moment = moment.astimezone(UTC)
    return moment.isoformat()


def _check_statuses(name: str, snapshot: Snapshot, changes: bool) -> None:
    for component in snapshot.components:
        if changes and component.status is None:
            raise ValueError(f"{name}: {component.title} needs a status (inserted/deleted)")
        if not changes and component.status is not None:
            raise ValueError(f"{name}: {component.title} is not a change, it has no status")


def _academic_year_id(value: str) -> str:
    """``"2026-2027"`` or ``"2026/2027"`` → EWP ``"2026/2027"`` (``"2026/2026"`` in the south)."""
    match = _ACADEMIC_YEAR.fullmatch(value.strip())
    if not match or int(match[2]) - int(match[1]) not in (0, 1):
        raise ValueError(f"academic year {value!r}: write it as 2026/2027")
    return f"{match[1]}/{match[2]}"


def _require_text(name: str, value: str) -> None:
    if not _clean(value):
        raise ValueError(f"{name} is required")


def _check_email(name: str, value: str) -> None:
    if not _EMAIL.fullmatch(_clean(value)):
        raise ValueError(f"{name} {value!r} is not an e-mail address")


def _check_country(value: str) -> None:
    if not _COUNTRY.fullmatch(value):
        raise ValueError(f"citizenship {value!r}: ISO 3166-1 alpha-2 in capitals, e.g. CN")


def _clean(text: str) -> str:
    """Without the characters XML 1.0 cannot carry, and without surrounding blanks."""
    return _NOT_XML.sub("", text).strip()


def _la(name: str) -> str:
    return f"{{{LA_NS}}}{name}"


def _sub(parent: etree._Element, name: str, text: str) -> etree._Element:
    element = etree.SubElement(parent, _la(name))
    element.text = _clean(text)
    return element
